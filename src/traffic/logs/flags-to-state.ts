/**
 * Zeek's conn_state and history approximated from what flow exporters keep: the OR of the TCP flags each
 * side sent (Suricata's tcp_flags_ts/tc, Argus's state letters, nfdump's flags) and the packet counts.
 * The order of events is lost, so the approximation picks the state those flags allow when everything
 * happened in the usual order (e.g. SYN, SYN-ACK, then FIN or RST). Documented in logs/README.md.
 */
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;

/**
 * TCP conn_state from the flags the originator (`orig`) and responder (`resp`) sent:
 * - no SYN from the originator: RSTRH / SHR when the responder sent SYN-ACK then RST / FIN, else OTH;
 * - SYN, nothing back: RSTOS0 when the originator then reset, SH when it sent FIN, else S0;
 * - SYN answered by RST without SYN-ACK: REJ;
 * - SYN and SYN-ACK: RSTO / RSTR when the originator / responder reset, SF when both sent FIN, S2 / S3 when
 *   only the originator / responder did, else S1.
 */
export function tcpConnState(orig: number, resp: number): string {
  const respSynAck = (resp & SYN) !== 0 && (resp & ACK) !== 0;
  if ((orig & SYN) === 0) {
    if (respSynAck && (resp & RST) !== 0) return 'RSTRH';
    if (respSynAck && (resp & FIN) !== 0) return 'SHR';
    return 'OTH';
  }
  if (resp === 0) {
    if ((orig & RST) !== 0) return 'RSTOS0';
    if ((orig & FIN) !== 0) return 'SH';
    return 'S0';
  }
  if (!respSynAck) return (resp & RST) !== 0 ? 'REJ' : 'OTH';
  if ((orig & RST) !== 0) return 'RSTO';
  if ((resp & RST) !== 0) return 'RSTR';
  if ((orig & FIN) !== 0 && (resp & FIN) !== 0) return 'SF';
  if ((orig & FIN) !== 0) return 'S2';
  if ((resp & FIN) !== 0) return 'S3';
  return 'S1';
}

/** Non-TCP conn_state as Zeek reports UDP/ICMP: S0 one-way, SF both ways, SHR responder only, OTH none. */
export function packetConnState(origPkts: number, respPkts: number): string {
  if (origPkts > 0) return respPkts > 0 ? 'SF' : 'S0';
  return respPkts > 0 ? 'SHR' : 'OTH';
}

/**
 * A history string with Zeek's letters for the flags each side sent (S SYN, h SYN-ACK, A ACK, D data —
 * PSH taken as data —, F FIN, R RST; upper case originator, lower case responder), in a fixed order
 * because the real order is unknown.
 */
export function tcpHistory(orig: number, resp: number): string {
  let h = '';
  if (orig & SYN) h += 'S';
  if ((resp & SYN) !== 0) h += (resp & ACK) !== 0 ? 'h' : 's';
  if (orig & ACK) h += 'A';
  if (resp & ACK) h += 'a';
  if (orig & PSH) h += 'D';
  if (resp & PSH) h += 'd';
  if (orig & FIN) h += 'F';
  if (resp & FIN) h += 'f';
  if (orig & RST) h += 'R';
  if (resp & RST) h += 'r';
  return h;
}

/** Non-TCP history: D / d when the originator / responder sent packets (Zeek's letters for UDP payload). */
export function packetHistory(origPkts: number, respPkts: number): string {
  return (origPkts > 0 ? 'D' : '') + (respPkts > 0 ? 'd' : '');
}

/** Flags from Argus/nfdump letters (`SPA`, `......S.`, `FSPA`): S SYN, A ACK, F FIN, R RST, P PSH, U URG. */
export function flagsFromLetters(text: string): number {
  let flags = 0;
  for (let i = 0; i < text.length; i++) {
    switch (text[i]) {
      case 'F':
        flags |= FIN;
        break;
      case 'S':
        flags |= SYN;
        break;
      case 'R':
        flags |= RST;
        break;
      case 'P':
        flags |= PSH;
        break;
      case 'A':
        flags |= ACK;
        break;
      case 'U':
        flags |= URG;
        break;
      default:
        break;
    }
  }
  return flags;
}
