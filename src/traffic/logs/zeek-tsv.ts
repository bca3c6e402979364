import type { ConnRecord } from '../conn-record.js';
import { parseCount, parsePort, parseUnsignedDecimal, isPlausibleEpoch } from './field-values.js';
import { at, type FlowLineParser, type ParserContext } from './flow-line-parser.js';
import { DETAILED_LABEL_COLUMNS, ZEEK_REQUIRED_COLUMNS } from './zeek-columns.js';

/** Where each ConnRecord field sits in the current `#fields` list (-1: column absent). */
interface Layout {
  readonly count: number;
  readonly names: readonly string[];
  readonly ts: number;
  readonly uid: number;
  readonly origH: number;
  readonly origP: number;
  readonly respH: number;
  readonly respP: number;
  readonly proto: number;
  readonly service: number;
  readonly duration: number;
  readonly origBytes: number;
  readonly respBytes: number;
  readonly connState: number;
  readonly history: number;
  readonly missedBytes: number;
  readonly origPkts: number;
  readonly origIpBytes: number;
  readonly respPkts: number;
  readonly respIpBytes: number;
  readonly label: number;
  readonly detailedLabel: number;
}

/** IoT-23's published logs separate the last fields by three spaces instead of the separator. */
const TRIPLE_SPACE = '   ';

/**
 * Reads Zeek's TSV logs as Zeek's ASCII writer defines them: the `#separator` line (value escaped as
 * `\xHH`) sets the field separator, `#set_separator`, `#unset_field` and `#empty_field` the other markers,
 * `#fields` the columns (and `#types` their types); `#open`, `#path` and `#close` are metadata. A stream may
 * hold several logs one after another, each with its own header. Rows whose field count differs from the
 * header, or whose numbers, ports or timestamps are malformed, are skipped and counted.
 */
export class ZeekTsvParser implements FlowLineParser {
  private separator = '\t';
  private unset = '-';
  private empty = '(empty)';
  private layout: Layout | undefined;
  /** Why rows cannot be read right now (no header yet, or an unusable one). */
  private noLayoutReason = 'no #fields header before this line';
  /** The current log's `#path` ('' when the header has none, as in hand-made logs). */
  private path = '';
  /** The `#types` list of the current header (kept for callers; rows are parsed by column name). */
  types: string[] = [];

  constructor(private readonly ctx: ParserContext) {}

  line(text: string, lineNumber: number): ConnRecord | undefined {
    if (text.length === 0) {
      this.ctx.skipped.add('blank line', at(lineNumber));
      return undefined;
    }
    const c = text.charCodeAt(0);
    if (c === 35 /* # */) {
      if (this.header(text, lineNumber)) this.ctx.headerLines++;
      return undefined;
    }
    if ((c === 9 || c === 32) && text.trimStart().startsWith('#')) {
      if (this.header(text.trimStart(), lineNumber)) this.ctx.headerLines++;
      return undefined;
    }
    if (this.layout === undefined) {
      this.ctx.skipped.add(this.noLayoutReason, at(lineNumber));
      return undefined;
    }
    if (this.path !== 'conn' && this.path !== '') {
      // dns.log, http.log… share ts/uid/id.*/proto with conn.log but are not connections.
      this.ctx.skipped.add(`#path is "${this.path}", not conn`, at(lineNumber));
      return undefined;
    }
    return this.row(text, lineNumber, this.layout);
  }

  /** Applies a `#` line; false when it was rejected (and counted as skipped). */
  private header(text: string, lineNumber: number): boolean {
    if (text.startsWith('#separator')) {
      this.path = ''; // a new log begins
      const value = unescapeZeek(text.slice('#separator'.length).trim());
      if (value.length === 0) {
        this.ctx.skipped.add('empty #separator (kept the previous one)', at(lineNumber));
        return false;
      }
      this.separator = value;
      return true;
    }
    const parts = splitFields(text, this.separator, -1);
    const key = parts[0];
    const values = parts.slice(1);
    switch (key) {
      case '#unset_field':
        if (values.length > 0) this.unset = values[0];
        return true;
      case '#empty_field':
        if (values.length > 0) this.empty = values[0];
        return true;
      case '#types':
        this.types = values;
        return true;
      case '#path':
        this.path = values[0] ?? '';
        return true;
      case '#fields':
        return this.setFields(values, lineNumber);
      default:
        // #set_separator (sets are not split: ConnRecord has no set fields), #open, #close, comments.
        return true;
    }
  }

  private setFields(names: string[], lineNumber: number): boolean {
    const missing = ZEEK_REQUIRED_COLUMNS.filter((name) => !names.includes(name));
    if (missing.length > 0) {
      this.layout = undefined;
      this.noLayoutReason = `#fields header lacks ${missing.join(', ')}`;
      this.ctx.skipped.add(this.noLayoutReason, at(lineNumber));
      return false;
    }
    const col = (name: string): number => names.indexOf(name);
    const detailed = DETAILED_LABEL_COLUMNS.map(col).find((i) => i >= 0) ?? -1;
    this.layout = {
      count: names.length,
      names,
      ts: col('ts'),
      uid: col('uid'),
      origH: col('id.orig_h'),
      origP: col('id.orig_p'),
      respH: col('id.resp_h'),
      respP: col('id.resp_p'),
      proto: col('proto'),
      service: col('service'),
      duration: col('duration'),
      origBytes: col('orig_bytes'),
      respBytes: col('resp_bytes'),
      connState: col('conn_state'),
      history: col('history'),
      missedBytes: col('missed_bytes'),
      origPkts: col('orig_pkts'),
      origIpBytes: col('orig_ip_bytes'),
      respPkts: col('resp_pkts'),
      respIpBytes: col('resp_ip_bytes'),
      label: col('label'),
      detailedLabel: detailed,
    };
    return true;
  }

  private row(text: string, n: number, L: Layout): ConnRecord | undefined {
    const f = splitFields(text, this.separator, L.count);
    if (f.length !== L.count) {
      this.ctx.skipped.add('wrong number of fields', `${at(n)} (${f.length}, header has ${L.count})`);
      return undefined;
    }
    const skip = this.ctx.skipped;
    const ts = parseUnsignedDecimal(f[L.ts]);
    if (!isPlausibleEpoch(ts)) return void skip.add('bad timestamp', at(n, 'ts'));
    const origP = parsePort(f[L.origP]);
    if (Number.isNaN(origP)) return void skip.add('bad port', at(n, 'id.orig_p'));
    const respP = parsePort(f[L.respP]);
    if (Number.isNaN(respP)) return void skip.add('bad port', at(n, 'id.resp_p'));
    const origH = f[L.origH];
    const respH = f[L.respH];
    if (origH === this.unset || origH.length === 0)
      return void skip.add('missing address', at(n, 'id.orig_h'));
    if (respH === this.unset || respH.length === 0)
      return void skip.add('missing address', at(n, 'id.resp_h'));
    const duration = this.optional(f, L.duration, parseUnsignedDecimal);
    if (Number.isNaN(duration)) return void skip.add('non-numeric value', at(n, 'duration'));
    const origBytes = this.optional(f, L.origBytes, parseCount);
    if (Number.isNaN(origBytes)) return void skip.add('non-numeric value', at(n, 'orig_bytes'));
    const respBytes = this.optional(f, L.respBytes, parseCount);
    if (Number.isNaN(respBytes)) return void skip.add('non-numeric value', at(n, 'resp_bytes'));
    const missedBytes = this.count(f, L.missedBytes);
    const origPkts = this.count(f, L.origPkts);
    const origIpBytes = this.count(f, L.origIpBytes);
    const respPkts = this.count(f, L.respPkts);
    const respIpBytes = this.count(f, L.respIpBytes);
    if (Number.isNaN(missedBytes + origPkts + origIpBytes + respPkts + respIpBytes)) {
      const bad = [L.missedBytes, L.origPkts, L.origIpBytes, L.respPkts, L.respIpBytes].find((i) =>
        Number.isNaN(this.count(f, i)),
      );
      return void skip.add('non-numeric value', at(n, L.names[bad ?? 0]));
    }
    // One object literal per row (a spread copy for the labels cost a second allocation per row).
    const labelled = L.label >= 0 || L.detailedLabel >= 0;
    return {
      ts,
      uid: this.text(f, L.uid),
      origH,
      origP,
      respH,
      respP,
      proto: this.text(f, L.proto).toLowerCase(),
      service: this.text(f, L.service),
      duration,
      origBytes,
      respBytes,
      connState: this.text(f, L.connState),
      history: this.text(f, L.history),
      missedBytes,
      origPkts,
      origIpBytes,
      respPkts,
      respIpBytes,
      label: labelled ? this.text(f, L.label) : undefined,
      detailedLabel: labelled ? this.text(f, L.detailedLabel) : undefined,
      line: n,
    };
  }

  /** Unset and empty → '' (Zeek's `-` and `(empty)`), absent column → ''. */
  private text(f: string[], i: number): string {
    if (i < 0) return '';
    const v = f[i];
    return v === this.unset || v === this.empty ? '' : v;
  }

  /** Unset, empty or absent → null; otherwise the parsed number (NaN when malformed). */
  private optional(f: string[], i: number, parse: (text: string) => number): number | null {
    if (i < 0) return null;
    const v = f[i];
    return v === this.unset || v === this.empty ? null : parse(v);
  }

  /** Counts ConnRecord keeps as numbers: unset, empty or absent → 0. */
  private count(f: string[], i: number): number {
    if (i < 0) return 0;
    const v = f[i];
    return v === this.unset || v === this.empty ? 0 : parseCount(v);
  }
}

/**
 * Splits on the separator; when that gives fewer fields than expected and some contain three spaces (the
 * IoT-23 quirk, in headers and rows alike), those are split on the three spaces too. `expected` < 0: header.
 */
function splitFields(text: string, separator: string, expected: number): string[] {
  const parts = text.split(separator);
  if (parts.length === expected || (expected >= 0 && parts.length > expected)) return parts;
  // Fast path for IoT-23 rows: only the last field holds the three-space-separated tail.
  const last = parts[parts.length - 1];
  if (expected >= 0 && last.includes(TRIPLE_SPACE)) {
    parts.pop();
    for (const piece of last.split(TRIPLE_SPACE)) parts.push(piece);
    if (parts.length === expected) return parts;
  }
  if (!text.includes(TRIPLE_SPACE)) return parts;
  const out: string[] = [];
  for (const part of text.split(separator)) {
    if (part.includes(TRIPLE_SPACE)) for (const piece of part.split(TRIPLE_SPACE)) out.push(piece.trim());
    else out.push(part);
  }
  return out;
}

/** Zeek writes non-printable bytes as `\xHH` (the tab separator is `\x09`). */
export function unescapeZeek(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
