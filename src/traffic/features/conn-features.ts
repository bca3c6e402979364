import type { ColumnSpec } from '../../data/schema.js';
import type { ConnRecord } from '../conn-record.js';
import type { FeatureExtractor } from './feature-set.js';

/**
 * Zeek's history letters (upper case: originator, lower case: responder): S SYN, H SYN-ACK, A pure ACK,
 * D data, F FIN, R RST, C bad checksum, G content gap, I inconsistent packet, Q multi-flag packet,
 * T retransmission, W zero window; `^` (direction flipped) is its own column.
 */
const HISTORY_LETTERS = 'SHADFRCGIQTW';

/** Zeek's duration, byte and packet counts, the numeric `conn` columns. */
export const CONN_NUMERIC_COLUMNS = [
  'duration',
  'orig_bytes',
  'resp_bytes',
  'missed_bytes',
  'orig_pkts',
  'orig_ip_bytes',
  'resp_pkts',
  'resp_ip_bytes',
] as const;

/** The `conn` columns: Zeek's numbers, proto/service/conn_state, port classes, one 0/1 column per history letter. */
export const CONN_COLUMNS: readonly ColumnSpec[] = [
  ...CONN_NUMERIC_COLUMNS.map((name): ColumnSpec => ({ name, type: 'numeric' })),
  { name: 'proto', type: 'categorical' },
  { name: 'service', type: 'categorical' },
  { name: 'conn_state', type: 'categorical' },
  { name: 'orig_port_class', type: 'categorical' },
  { name: 'resp_port_class', type: 'categorical' },
  ...[...HISTORY_LETTERS].flatMap((letter): ColumnSpec[] => [
    { name: `history_orig_${letter}`, type: 'numeric' },
    { name: `history_resp_${letter}`, type: 'numeric' },
  ]),
  { name: 'history_flipped', type: 'numeric' },
];

/** IANA's port ranges: well-known 0–1023, registered 1024–49151, dynamic/ephemeral 49152–65535. */
export function portClass(proto: string, port: number): string {
  if (proto !== 'tcp' && proto !== 'udp') return proto === 'icmp' ? 'icmp' : 'none';
  if (port < 1024) return 'well-known';
  return port < 49152 ? 'registered' : 'ephemeral';
}

/**
 * The native connection features, as a conn.log gives them. Unset numbers (Zeek's `-`) become 0: Zeek
 * leaves duration and byte counts unset exactly when a connection had a single packet or no payload
 * accounting, which 0 describes. Empty service and conn_state become `-`, as Zeek prints them.
 */
export class ConnExtractor implements FeatureExtractor {
  readonly featureSet = 'conn' as const;
  readonly columns = CONN_COLUMNS;

  next(r: ConnRecord, out: (number | string)[]): void {
    out.length = CONN_COLUMNS.length;
    out[0] = r.duration ?? 0;
    out[1] = r.origBytes ?? 0;
    out[2] = r.respBytes ?? 0;
    out[3] = r.missedBytes;
    out[4] = r.origPkts;
    out[5] = r.origIpBytes;
    out[6] = r.respPkts;
    out[7] = r.respIpBytes;
    out[8] = r.proto;
    out[9] = r.service === '' ? '-' : r.service;
    out[10] = r.connState === '' ? '-' : r.connState;
    out[11] = portClass(r.proto, r.origP);
    out[12] = portClass(r.proto, r.respP);
    const h = r.history;
    let k = 13;
    for (let i = 0; i < HISTORY_LETTERS.length; i++) {
      const upper = HISTORY_LETTERS[i];
      out[k++] = h.includes(upper) ? 1 : 0;
      out[k++] = h.includes(upper.toLowerCase()) ? 1 : 0;
    }
    out[k] = h.includes('^') ? 1 : 0;
  }
}
