import { TcpState, type TcpEndpoint } from './tcp-endpoint.js';

/**
 * Zeek's conn_state of a TCP connection from its two endpoint states (the rules of Zeek's conn/main.zeek,
 * written out here):
 *
 * | state  | meaning |
 * |--------|---------|
 * | S0     | SYN seen, no reply |
 * | S1     | established, not terminated |
 * | SF     | established and closed by both sides (normal) |
 * | REJ    | attempt rejected (RST in reply to a SYN) |
 * | S2     | established, originator closed, no reply from the responder |
 * | S3     | established, responder closed, no reply from the originator |
 * | RSTO   | established, originator aborted (RST) |
 * | RSTR   | responder aborted (RST) |
 * | RSTOS0 | originator sent SYN then RST, no SYN-ACK seen |
 * | RSTRH  | responder sent SYN-ACK then RST, originator's SYN not seen |
 * | SH     | originator sent SYN then FIN, no SYN-ACK ("half-open") |
 * | SHR    | responder sent SYN-ACK then FIN, originator's SYN not seen |
 * | OTH    | no SYN seen, midstream traffic |
 */
export function tcpConnState(orig: TcpEndpoint, resp: TcpEndpoint, history: string): string {
  const os = orig.state;
  const rs = resp.state;
  const origInactive = os === TcpState.Inactive || os === TcpState.Partial;
  const respInactive = rs === TcpState.Inactive || rs === TcpState.Partial;
  if (rs === TcpState.Reset) {
    if (
      os === TcpState.SynSent ||
      os === TcpState.SynAckSent ||
      (os === TcpState.Reset && orig.size(resp) === 0 && resp.size(orig) === 0)
    ) {
      return 'REJ';
    }
    return origInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === TcpState.Reset) {
    if (respInactive) return /^\^?S[^HAFGIQ]*R/.test(history) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === TcpState.Closed && os === TcpState.Closed) return 'SF';
  if (os === TcpState.Closed) return respInactive ? 'SH' : 'S2';
  if (rs === TcpState.Closed) return origInactive ? 'SHR' : 'S3';
  if (os === TcpState.SynSent && rs === TcpState.Inactive) return 'S0';
  if (os === TcpState.Established && rs === TcpState.Established) return 'S1';
  return 'OTH';
}

/**
 * Advances the sender's state for one segment (Zeek's TCP endpoint state machine, in its essentials).
 * `isOrig` says whether the sender is the originator; `orig` is the originator's endpoint either way.
 */
export function advanceTcpState(
  sender: TcpEndpoint,
  peer: TcpEndpoint,
  isOrig: boolean,
  flags: number,
  payload: number,
  orig: TcpEndpoint,
): void {
  const syn = (flags & 0x02) !== 0;
  const fin = (flags & 0x01) !== 0;
  const rst = (flags & 0x04) !== 0;
  const ack = (flags & 0x10) !== 0;
  switch (sender.state) {
    case TcpState.Inactive: {
      if (syn) {
        if (isOrig) {
          sender.setState(ack ? TcpState.SynAckSent : TcpState.SynSent);
        } else {
          // The responder answers: a SYN-ACK to a SYN establishes both sides.
          if (peer.state === TcpState.SynSent) peer.setState(TcpState.Established);
          sender.setState(TcpState.Established);
        }
      }
      if (fin) sender.setState(TcpState.Closed);
      if (rst) sender.setState(TcpState.Reset);
      if (sender.state === TcpState.Inactive) {
        if (!isOrig && payload === 0 && orig.state === TcpState.SynSent) {
          // An ACK of the SYN before the SYN-ACK: not yet a partial connection.
        } else if (ack && peer.state === TcpState.Established) {
          // The SYN was missed but the SYN-ACK was seen: established, not partial.
          sender.setState(TcpState.Established);
        } else {
          sender.setState(TcpState.Partial);
        }
      }
      return;
    }
    case TcpState.SynSent:
    case TcpState.SynAckSent:
      if (fin) sender.setState(TcpState.Closed);
      if (rst) sender.setState(TcpState.Reset);
      return;
    case TcpState.Established:
    case TcpState.Partial:
      if (syn && !ack && sender.state === TcpState.Partial && peer.state === TcpState.Inactive) {
        sender.setState(TcpState.SynSent);
      }
      if (fin && !rst) {
        sender.setState(TcpState.Closed);
        // A FIN then RST from the peer was a normal close after all.
        if (peer.state === TcpState.Reset && peer.prevState === TcpState.Closed)
          peer.setState(TcpState.Closed);
      }
      if (rst) sender.setState(TcpState.Reset);
      return;
    case TcpState.Closed:
      if (rst && peer.state !== TcpState.Closed) sender.setState(TcpState.Reset);
      return;
    case TcpState.Reset:
      return;
  }
}
