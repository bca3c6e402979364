import { detectTrafficFormat, isFlowLogFormat, type FlowLogFormat } from '../traffic/logs/traffic-format.js';
import { HttpError } from './http-error.js';

/**
 * How a `/v1/detect` body is laid out: records in the model's own columns (`json` array, `ndjson`, `csv`
 * lines), or a flow log (Zeek JSON lines, Suricata eve.json lines, and through `?format=` the other logs
 * the traffic entrance reads) whose connections are turned into the model's traffic features.
 */
export type BodyFormat = 'json' | 'ndjson' | 'csv' | FlowLogFormat;

/** Media types of the body formats (lower case, without parameters). */
export const BODY_MEDIA_TYPES: Readonly<Record<string, BodyFormat>> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'text/csv': 'csv',
  'application/x-zeek-json': 'zeek-json',
  'application/x-eve-json': 'eve',
};

const FORMAT_NAMES: readonly string[] = [
  'json',
  'ndjson',
  'csv',
  'zeek-json',
  'eve',
  'zeek-tsv',
  'argus',
  'nfdump',
];

/** Whether records come from a flow log (connections → the model's traffic features). */
export function isTrafficFormat(format: BodyFormat): format is FlowLogFormat {
  return isFlowLogFormat(format);
}

/** The media type without parameters, lower case ('' when absent). */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0].trim().toLowerCase();
}

/**
 * The layout of a body: `?format=` when given (any name of `BodyFormat`), else the Content-Type (see
 * `BODY_MEDIA_TYPES`). A body sent as NDJSON or without a known type whose first line is a Zeek conn record
 * (`"id.orig_h"`) or an eve.json event (`"event_type"`) is read as that log, unless the model itself has a
 * column of that name; any other unknown type is a JSON array when the body starts with `[`, NDJSON when it
 * starts with `{`. An unknown `?format=` is a 400 listing the names.
 */
export function bodyFormatOf(
  contentType: string | undefined,
  format: string | undefined,
  head: Uint8Array,
  modelColumns: readonly string[],
): BodyFormat {
  if (format !== undefined && format !== '') {
    if (FORMAT_NAMES.includes(format)) return format as BodyFormat;
    throw new HttpError(
      400,
      `unknown format "${format.slice(0, 40)}"; use one of ${FORMAT_NAMES.join(', ')}`,
    );
  }
  const declared = BODY_MEDIA_TYPES[mediaTypeOf(contentType)] as BodyFormat | undefined;
  if (declared !== undefined && declared !== 'ndjson') return declared;
  const sniffed = detectTrafficFormat(head.subarray(0, 4096));
  const traffic =
    (sniffed === 'zeek-json' && !modelColumns.includes('id.orig_h')) ||
    (sniffed === 'eve' && !modelColumns.includes('event_type'));
  if (traffic) return sniffed;
  if (declared !== undefined) return declared;
  return firstNonBlank(head) === '{' ? 'ndjson' : 'json';
}

/** The `header` parameter of a `text/csv` type (RFC 4180): true `present`, false `absent`, else undefined. */
export function csvHeaderParameter(contentType: string | undefined): boolean | undefined {
  const match = /;\s*header\s*=\s*"?(present|absent)"?/i.exec(contentType ?? '');
  return match === null ? undefined : match[1].toLowerCase() === 'present';
}

function firstNonBlank(head: Uint8Array): string {
  const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, 1024)).toString('utf8');
  const match = /[^\s\ufeff]/.exec(text);
  return match ? match[0] : '';
}
