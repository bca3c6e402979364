import type { ConnRecord } from '../conn-record.js';

/** A connection as Zeek's JSON writer writes it (one conn.log record, TSV column names as keys). */
export function zeekJsonObject(r: ConnRecord): Record<string, unknown> {
  return {
    ts: r.ts,
    uid: r.uid,
    'id.orig_h': r.origH,
    'id.orig_p': r.origP,
    'id.resp_h': r.respH,
    'id.resp_p': r.respP,
    proto: r.proto,
    ...(r.service !== '' ? { service: r.service } : {}),
    ...(r.duration !== null ? { duration: r.duration } : {}),
    ...(r.origBytes !== null ? { orig_bytes: r.origBytes } : {}),
    ...(r.respBytes !== null ? { resp_bytes: r.respBytes } : {}),
    conn_state: r.connState,
    missed_bytes: r.missedBytes,
    history: r.history,
    orig_pkts: r.origPkts,
    orig_ip_bytes: r.origIpBytes,
    resp_pkts: r.respPkts,
    resp_ip_bytes: r.respIpBytes,
  };
}

export function zeekJsonLine(r: ConnRecord): string {
  return JSON.stringify(zeekJsonObject(r));
}

/**
 * A connection as a Suricata eve.json `flow` event. TCP flags are those of an answered exchange (SYN, ACK,
 * FIN each way) for an SF record and a bare SYN otherwise; byte counts are the IP bytes.
 */
export function eveFlowLine(r: ConnRecord): string {
  const iso = (t: number): string => new Date(t * 1000).toISOString().replace('Z', '+00:00');
  const answered = r.connState === 'SF';
  return JSON.stringify({
    timestamp: iso(r.ts),
    flow_id: Number(r.uid.replace(/\D/g, '') || '1'),
    event_type: 'flow',
    src_ip: r.origH,
    src_port: r.origP,
    dest_ip: r.respH,
    dest_port: r.respP,
    proto: r.proto.toUpperCase(),
    ...(r.service !== '' ? { app_proto: r.service } : {}),
    flow: {
      pkts_toserver: r.origPkts,
      pkts_toclient: r.respPkts,
      bytes_toserver: r.origIpBytes,
      bytes_toclient: r.respIpBytes,
      start: iso(r.ts),
      end: iso(r.ts + (r.duration ?? 0)),
    },
    ...(r.proto === 'tcp'
      ? { tcp: { tcp_flags_ts: answered ? '13' : '02', tcp_flags_tc: answered ? '13' : '00' } }
      : {}),
  });
}
