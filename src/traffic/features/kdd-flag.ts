/**
 * KDD's `flag` from Zeek's conn_state. KDD's flags are the connection states of Bro (Zeek's predecessor),
 * so 11 of Zeek's 13 states carry over by name: SF S0 S1 S2 S3 REJ RSTO RSTR RSTOS0 SH OTH. The two KDD never
 * shows map to their nearest one: RSTRH (responder SYN-ACK then RST, no SYN seen) → RSTR and SHR (responder
 * SYN-ACK then FIN, no SYN seen) → SH. In KDD every UDP and ICMP connection has flag SF, so non-TCP → SF.
 * An empty or unknown state (logs without conn_state) → OTH.
 */
const KDD_FLAGS = new Set(['SF', 'S0', 'S1', 'S2', 'S3', 'REJ', 'RSTO', 'RSTR', 'RSTOS0', 'SH', 'OTH']);

export function kddFlag(proto: string, connState: string): string {
  if (proto !== 'tcp') return 'SF';
  if (KDD_FLAGS.has(connState)) return connState;
  if (connState === 'RSTRH') return 'RSTR';
  if (connState === 'SHR') return 'SH';
  return 'OTH';
}

/** KDD's "SYN error": the flags S0, S1, S2, S3 (as the NSL-KDD feature descriptions define serror_rate). */
export function isSynError(flag: string): boolean {
  return flag === 'S0' || flag === 'S1' || flag === 'S2' || flag === 'S3';
}

/** KDD's "REJ error": the flag REJ. */
export function isRejError(flag: string): boolean {
  return flag === 'REJ';
}
