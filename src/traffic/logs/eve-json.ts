import type { ConnRecord } from '../conn-record.js';
import { isPlausibleEpoch, jsonNumber, jsonPort, parseDateTime } from './field-values.js';
import { at, type FlowLineParser, type ParserContext } from './flow-line-parser.js';
import { jsonObjectLine } from './json-line.js';
import { packetConnState, packetHistory, tcpConnState, tcpHistory } from './flags-to-state.js';

/**
 * Reads Suricata's eve.json: `event_type: "flow"` records become connections, every other event type is
 * skipped and counted under `event_type "alert"` etc. Mapping (see logs/README.md):
 * src → originator, dest → responder; flow.start → ts, flow.end − flow.start → duration;
 * pkts_toserver/toclient → orig/resp packets; bytes_toserver/toclient → orig/resp IP bytes (Suricata counts
 * whole frames, link header included); payload bytes are not logged (null); app_proto → service (`failed`
 * → ''); conn_state and history from tcp.tcp_flags_ts/tc (flags-to-state.ts); flow_id → uid.
 */
export class EveJsonParser implements FlowLineParser {
  constructor(private readonly ctx: ParserContext) {}

  line(text: string, n: number): ConnRecord | undefined {
    const o = jsonObjectLine(text, n, this.ctx.skipped);
    return o === undefined ? undefined : eveFlowRecord(o, n, this.ctx);
  }
}

/** One eve.json event → ConnRecord when it is a flow; undefined (counted) otherwise. */
export function eveFlowRecord(
  o: Record<string, unknown>,
  n: number,
  ctx: ParserContext,
): ConnRecord | undefined {
  const skip = ctx.skipped;
  if (o.event_type !== 'flow') {
    const type = typeof o.event_type === 'string' ? o.event_type.slice(0, 40) : 'missing';
    return void skip.add(`event_type "${type}" (not a flow)`, at(n));
  }
  const flow = o.flow;
  if (typeof flow !== 'object' || flow === null) return void skip.add('missing field', at(n, 'flow'));
  const f = flow as Record<string, unknown>;
  const start = typeof f.start === 'string' ? parseDateTime(f.start) : NaN;
  if (!isPlausibleEpoch(start)) return void skip.add('bad timestamp', at(n, 'flow.start'));
  const end = typeof f.end === 'string' ? parseDateTime(f.end) : NaN;
  if (f.end !== undefined && !isPlausibleEpoch(end)) return void skip.add('bad timestamp', at(n, 'flow.end'));
  const origH = o.src_ip;
  const respH = o.dest_ip;
  if (typeof origH !== 'string' || origH.length === 0)
    return void skip.add('missing address', at(n, 'src_ip'));
  if (typeof respH !== 'string' || respH.length === 0)
    return void skip.add('missing address', at(n, 'dest_ip'));
  const proto = typeof o.proto === 'string' ? transportName(o.proto) : '';
  const icmp = proto === 'icmp';
  const origP = jsonPort(icmp ? (o.icmp_type ?? 0) : (o.src_port ?? 0));
  if (Number.isNaN(origP)) return void skip.add('bad port', at(n, icmp ? 'icmp_type' : 'src_port'));
  const respP = jsonPort(icmp ? (o.icmp_code ?? 0) : (o.dest_port ?? 0));
  if (Number.isNaN(respP)) return void skip.add('bad port', at(n, icmp ? 'icmp_code' : 'dest_port'));
  const origPkts = jsonNumber(f.pkts_toserver ?? 0);
  const respPkts = jsonNumber(f.pkts_toclient ?? 0);
  const origIpBytes = jsonNumber(f.bytes_toserver ?? 0);
  const respIpBytes = jsonNumber(f.bytes_toclient ?? 0);
  if (Number.isNaN(origPkts + respPkts + origIpBytes + respIpBytes)) {
    return void skip.add('non-numeric value', at(n, 'flow.pkts/bytes'));
  }
  let connState: string;
  let history: string;
  const tcp = o.tcp as Record<string, unknown> | undefined;
  if (proto === 'tcp') {
    const toServer = hexFlags(tcp?.tcp_flags_ts);
    const toClient = hexFlags(tcp?.tcp_flags_tc);
    connState = tcpConnState(toServer, toClient);
    history = tcpHistory(toServer, toClient);
  } else {
    connState = packetConnState(origPkts, respPkts);
    history = packetHistory(origPkts, respPkts);
  }
  const appProto = typeof o.app_proto === 'string' && o.app_proto !== 'failed' ? o.app_proto : '';
  return {
    ts: start,
    uid: typeof o.flow_id === 'number' || typeof o.flow_id === 'string' ? String(o.flow_id) : '',
    origH,
    origP,
    respH,
    respP,
    proto,
    service: appProto,
    duration: Number.isNaN(end) ? null : Math.max(0, end - start),
    origBytes: null,
    respBytes: null,
    connState,
    history,
    missedBytes: 0,
    origPkts,
    origIpBytes,
    respPkts,
    respIpBytes,
    line: n,
  };
}

/** Suricata writes `TCP`, `UDP`, `ICMP`, `IPv6-ICMP` or a protocol number; Zeek calls ICMPv6 `icmp` too. */
function transportName(proto: string): string {
  const lower = proto.toLowerCase();
  return lower === 'ipv6-icmp' || lower === 'icmpv6' ? 'icmp' : lower;
}

/** Suricata writes the OR of the flags as two hex digits (`"1b"`); anything else → no flags. */
function hexFlags(value: unknown): number {
  return typeof value === 'string' && /^[0-9a-fA-F]{1,2}$/.test(value) ? parseInt(value, 16) : 0;
}
