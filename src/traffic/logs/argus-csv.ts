import type { ConnRecord } from '../conn-record.js';
import { acceptCsvHeader, type CsvHeader } from './csv-header.js';
import {
  isPlausibleEpoch,
  parseCount,
  parseDateTime,
  parsePort,
  parseUnsignedDecimal,
} from './field-values.js';
import { at, type FlowLineParser, type ParserContext } from './flow-line-parser.js';
import {
  flagsFromLetters,
  packetConnState,
  packetHistory,
  tcpConnState,
  tcpHistory,
} from './flags-to-state.js';

const REQUIRED = ['StartTime', 'Proto', 'SrcAddr', 'DstAddr'] as const;

/**
 * Reads Argus bidirectional flows as CSV (`ra -c , -s …`, the CTU `.binetflow` files), columns found by
 * name. Mapping (see logs/README.md): StartTime → ts (a time without zone is taken as UTC), Dur → duration,
 * SrcAddr/Sport → originator, DstAddr/Dport → responder (hex ports, as Argus prints ICMP type/code, are
 * accepted), SrcPkts and TotPkts − SrcPkts → orig/resp packets, SrcBytes and TotBytes − SrcBytes → orig/resp
 * IP bytes, SrcAppBytes/DstAppBytes → payload bytes when exported (else null), TCP State `SPA_SRPA` (flags
 * each side sent) → conn_state and history; Label → label. Argus has no uid, service or missed bytes ('', '', 0).
 */
export class ArgusCsvParser implements FlowLineParser {
  private header: CsvHeader | undefined;

  constructor(private readonly ctx: ParserContext) {}

  line(text: string, n: number): ConnRecord | undefined {
    const skip = this.ctx.skipped;
    if (text.trim().length === 0) return void skip.add('blank line', at(n));
    if (text.includes('SrcAddr') && text.includes('DstAddr')) {
      this.header = acceptCsvHeader(text, REQUIRED, n, this.ctx);
      return undefined;
    }
    const h = this.header;
    if (h === undefined) return void skip.add('no header before this line', at(n));
    const get = h.fields(text, n, skip);
    if (get === undefined) return undefined;
    const startText = get('StartTime');
    const ts = startText.includes(':') ? parseDateTime(startText) : parseUnsignedDecimal(startText);
    if (!isPlausibleEpoch(ts)) return void skip.add('bad timestamp', at(n, 'StartTime'));
    const origH = get('SrcAddr');
    const respH = get('DstAddr');
    if (origH.length === 0) return void skip.add('missing address', at(n, 'SrcAddr'));
    if (respH.length === 0) return void skip.add('missing address', at(n, 'DstAddr'));
    const sport = get('Sport');
    const dport = get('Dport');
    const origP = sport.length === 0 ? 0 : parsePort(sport);
    if (Number.isNaN(origP)) return void skip.add('bad port', at(n, 'Sport'));
    const respP = dport.length === 0 ? 0 : parsePort(dport);
    if (Number.isNaN(respP)) return void skip.add('bad port', at(n, 'Dport'));
    const numbers: Record<string, number> = {};
    for (const name of ['Dur', 'TotPkts', 'TotBytes', 'SrcPkts', 'SrcBytes', 'SrcAppBytes', 'DstAppBytes']) {
      const v = get(name);
      const parsed = v.length === 0 ? NaN : name === 'Dur' ? parseUnsignedDecimal(v) : parseCount(v);
      if (v.length > 0 && Number.isNaN(parsed)) return void skip.add('non-numeric value', at(n, name));
      numbers[name] = parsed;
    }
    const totPkts = or0(numbers.TotPkts);
    const totBytes = or0(numbers.TotBytes);
    const origPkts = Number.isNaN(numbers.SrcPkts) ? totPkts : Math.min(numbers.SrcPkts, totPkts);
    const origIpBytes = Number.isNaN(numbers.SrcBytes) ? totBytes : Math.min(numbers.SrcBytes, totBytes);
    const respPkts = totPkts - origPkts;
    const proto = get('Proto').toLowerCase();
    const state = get('State');
    let connState: string;
    let history: string;
    if (proto === 'tcp' && state.includes('_')) {
      const [src, dst] = state.split('_');
      connState = tcpConnState(flagsFromLetters(src), flagsFromLetters(dst));
      history = tcpHistory(flagsFromLetters(src), flagsFromLetters(dst));
    } else {
      connState = packetConnState(origPkts, respPkts);
      history = packetHistory(origPkts, respPkts);
    }
    const record: ConnRecord = {
      ts,
      uid: '',
      origH,
      origP,
      respH,
      respP,
      proto: proto === 'ipv6-icmp' ? 'icmp' : proto,
      service: '',
      duration: Number.isNaN(numbers.Dur) ? null : numbers.Dur,
      origBytes: Number.isNaN(numbers.SrcAppBytes) ? null : numbers.SrcAppBytes,
      respBytes: Number.isNaN(numbers.DstAppBytes) ? null : numbers.DstAppBytes,
      connState,
      history,
      missedBytes: 0,
      origPkts,
      origIpBytes,
      respPkts,
      respIpBytes: totBytes - origIpBytes,
      line: n,
    };
    return h.of('Label') < 0 ? record : { ...record, label: get('Label') };
  }
}

function or0(value: number): number {
  return Number.isNaN(value) ? 0 : value;
}
