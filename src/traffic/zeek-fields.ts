import type { ConnRecord } from './conn-record.js';

/** Zeek's conn.log field names, in its column order, with the ConnRecord value each is read from. */
export const ZEEK_CONN_FIELDS = [
  ['ts', (r) => r.ts],
  ['uid', (r) => r.uid],
  ['id.orig_h', (r) => r.origH],
  ['id.orig_p', (r) => r.origP],
  ['id.resp_h', (r) => r.respH],
  ['id.resp_p', (r) => r.respP],
  ['proto', (r) => r.proto],
  ['service', (r) => r.service || null],
  ['duration', (r) => r.duration],
  ['orig_bytes', (r) => r.origBytes],
  ['resp_bytes', (r) => r.respBytes],
  ['conn_state', (r) => r.connState || null],
  ['missed_bytes', (r) => r.missedBytes],
  ['history', (r) => r.history || null],
  ['orig_pkts', (r) => r.origPkts],
  ['orig_ip_bytes', (r) => r.origIpBytes],
  ['resp_pkts', (r) => r.respPkts],
  ['resp_ip_bytes', (r) => r.respIpBytes],
] as const satisfies readonly (readonly [string, (r: ConnRecord) => string | number | null])[];

/** The identity columns kept beside features (enough to find the connection again). */
export const ZEEK_ID_FIELDS = ZEEK_CONN_FIELDS.slice(0, 6);

export type FieldValue = string | number | boolean | null;

/**
 * A record as Zeek's JSON writer names it (unset values are null), plus the packet-level extras and labels
 * when present, so `flows` output reads like a conn.log to anyone who knows Zeek.
 */
export function zeekFields(
  record: ConnRecord,
  fields: typeof ZEEK_CONN_FIELDS | typeof ZEEK_ID_FIELDS = ZEEK_CONN_FIELDS,
): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [name, read] of fields) out[name] = read(record);
  if (fields === ZEEK_CONN_FIELDS) {
    if (record.wrongFragments !== undefined) out.wrong_fragments = record.wrongFragments;
    if (record.urgentPackets !== undefined) out.urgent_packets = record.urgentPackets;
  }
  if (record.interim) out.interim = true;
  if (record.label !== undefined) out.label = record.label;
  if (record.detailedLabel !== undefined) out['detailed-label'] = record.detailedLabel;
  return out;
}
