import type { ConnRecord } from '../conn-record.js';
import { isPlausibleEpoch, jsonNumber, jsonPort, parseDateTime } from './field-values.js';
import { at, type FlowLineParser, type ParserContext } from './flow-line-parser.js';
import { jsonObjectLine } from './json-line.js';
import { DETAILED_LABEL_COLUMNS, ZEEK_COUNT_COLUMNS } from './zeek-columns.js';

/**
 * Reads Zeek's JSON logs (one object per line, as `LogAscii::use_json` and Zeek's Kafka writer produce).
 * Keys are the TSV column names (`id.orig_h`…); a missing key is an unset field. `ts` may be epoch seconds
 * or an ISO 8601 string (`JSON::TS_ISO8601`). Lines that are not JSON objects, or whose addresses, ports,
 * timestamp or numbers are missing or malformed, are skipped and counted.
 */
export class ZeekJsonParser implements FlowLineParser {
  constructor(private readonly ctx: ParserContext) {}

  line(text: string, n: number): ConnRecord | undefined {
    const o = jsonObjectLine(text, n, this.ctx.skipped);
    return o === undefined ? undefined : zeekJsonRecord(untagged(o), n, this.ctx);
  }
}

/**
 * Zeek's Kafka writer with `Kafka::tag_json = T` wraps each record in an object named after its log,
 * `{"conn": {…}}`: such a record is unwrapped, its log name kept as `_path` (so `{"dns": {…}}` is skipped as
 * not a connection). Anything else is returned as it is.
 */
export function untagged(o: Record<string, unknown>): Record<string, unknown> {
  if ('id.orig_h' in o) return o;
  const keys = Object.keys(o);
  if (keys.length !== 1) return o;
  const inner = o[keys[0]];
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) return o;
  return { ...(inner as Record<string, unknown>), _path: keys[0] };
}

/** One Zeek JSON conn object → ConnRecord (also used for Kafka messages); undefined when skipped. */
export function zeekJsonRecord(
  o: Record<string, unknown>,
  n: number,
  ctx: ParserContext,
): ConnRecord | undefined {
  const skip = ctx.skipped;
  // Zeek's JSON (and its Kafka writer) may tag each record with its log; dns, http… are not connections.
  if (typeof o._path === 'string' && o._path !== 'conn') {
    return void skip.add(`_path is "${o._path.slice(0, 40)}", not conn`, at(n));
  }
  const ts = typeof o.ts === 'string' ? parseDateTime(o.ts) : jsonNumber(o.ts);
  if (!isPlausibleEpoch(ts))
    return void skip.add(o.ts === undefined ? 'missing field' : 'bad timestamp', at(n, 'ts'));
  const origH = o['id.orig_h'];
  const respH = o['id.resp_h'];
  if (typeof origH !== 'string' || origH.length === 0)
    return void skip.add('missing address', at(n, 'id.orig_h'));
  if (typeof respH !== 'string' || respH.length === 0)
    return void skip.add('missing address', at(n, 'id.resp_h'));
  const origP = jsonPort(o['id.orig_p']);
  if (Number.isNaN(origP)) return void skip.add('bad port', at(n, 'id.orig_p'));
  const respP = jsonPort(o['id.resp_p']);
  if (Number.isNaN(respP)) return void skip.add('bad port', at(n, 'id.resp_p'));
  const duration = optional(o.duration);
  if (Number.isNaN(duration)) return void skip.add('non-numeric value', at(n, 'duration'));
  const origBytes = optional(o.orig_bytes);
  if (Number.isNaN(origBytes)) return void skip.add('non-numeric value', at(n, 'orig_bytes'));
  const respBytes = optional(o.resp_bytes);
  if (Number.isNaN(respBytes)) return void skip.add('non-numeric value', at(n, 'resp_bytes'));
  const counts: number[] = [];
  for (const name of ZEEK_COUNT_COLUMNS) {
    const v = o[name] === undefined || o[name] === null ? 0 : jsonNumber(o[name]);
    if (Number.isNaN(v)) return void skip.add('non-numeric value', at(n, name));
    counts.push(v);
  }
  const record: ConnRecord = {
    ts,
    uid: text(o.uid),
    origH,
    origP,
    respH,
    respP,
    proto: text(o.proto).toLowerCase(),
    service: text(o.service),
    duration,
    origBytes,
    respBytes,
    connState: text(o.conn_state),
    history: text(o.history),
    missedBytes: counts[0],
    origPkts: counts[1],
    origIpBytes: counts[2],
    respPkts: counts[3],
    respIpBytes: counts[4],
    line: n,
  };
  const detailedKey = DETAILED_LABEL_COLUMNS.find((k) => k in o);
  if (!('label' in o) && detailedKey === undefined) return record;
  return {
    ...record,
    label: text(o.label),
    detailedLabel: detailedKey === undefined ? '' : text(o[detailedKey]),
  };
}

function optional(value: unknown): number | null {
  return value === undefined || value === null ? null : jsonNumber(value);
}

/** Strings as they are; Zeek's unset marker `-` (kept by some converters) and non-strings → ''. */
function text(value: unknown): string {
  return typeof value === 'string' && value !== '-' ? value : '';
}
