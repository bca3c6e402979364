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

const REQUIRED = ['ts', 'sa', 'da', 'sp', 'dp', 'pr'] as const;

/**
 * Reads `nfdump -r FILE -o csv` (NetFlow/IPFIX). Mapping (see logs/README.md): ts → ts (nfdump prints local
 * time without zone; it is taken as UTC, so run nfdump with TZ=UTC), td → duration, sa/sp → originator,
 * da/dp → responder (ICMP `type.code` in dp → type, code as Zeek stores them), pr → proto, ipkt/ibyt →
 * orig packets / IP bytes, opkt/obyt → resp ones (0 for plain unidirectional NetFlow: each direction is its
 * own record, not paired), flg → conn_state and history from the one side's flags. No uid, service, payload
 * bytes. The `Summary` block nfdump prints at the end is skipped and counted.
 */
export class NfdumpCsvParser implements FlowLineParser {
  private header: CsvHeader | undefined;
  private inSummary = false;

  constructor(private readonly ctx: ParserContext) {}

  line(text: string, n: number): ConnRecord | undefined {
    const skip = this.ctx.skipped;
    const trimmed = text.trim();
    if (trimmed.length === 0) return void skip.add('blank line', at(n));
    if (trimmed.startsWith('ts,')) {
      this.inSummary = false;
      this.header = acceptCsvHeader(trimmed, REQUIRED, n, this.ctx);
      return undefined;
    }
    if (trimmed === 'Summary') this.inSummary = true;
    if (this.inSummary) return void skip.add('nfdump summary (not a flow)', at(n));
    const h = this.header;
    if (h === undefined) return void skip.add('no header before this line', at(n));
    const get = h.fields(text, n, skip);
    if (get === undefined) return undefined;
    const ts = parseDateTime(get('ts'));
    if (!isPlausibleEpoch(ts)) return void skip.add('bad timestamp', at(n, 'ts'));
    const origH = get('sa');
    const respH = get('da');
    if (origH.length === 0) return void skip.add('missing address', at(n, 'sa'));
    if (respH.length === 0) return void skip.add('missing address', at(n, 'da'));
    const proto = protoName(get('pr'));
    let origP: number;
    let respP: number;
    const dp = get('dp');
    if (proto === 'icmp' && dp.includes('.')) {
      const [type, code] = dp.split('.');
      origP = parsePort(type);
      respP = parsePort(code);
    } else {
      origP = parsePort(get('sp'));
      respP = parsePort(dp);
    }
    if (Number.isNaN(origP)) return void skip.add('bad port', at(n, 'sp'));
    if (Number.isNaN(respP)) return void skip.add('bad port', at(n, 'dp'));
    const td = get('td');
    const duration = td.length === 0 ? null : parseUnsignedDecimal(td);
    if (Number.isNaN(duration)) return void skip.add('non-numeric value', at(n, 'td'));
    const counts: Record<string, number> = {};
    for (const name of ['ipkt', 'ibyt', 'opkt', 'obyt']) {
      const v = get(name);
      counts[name] = v.length === 0 ? 0 : parseCount(v);
      if (Number.isNaN(counts[name])) return void skip.add('non-numeric value', at(n, name));
    }
    let connState: string;
    let history: string;
    if (proto === 'tcp') {
      const flags = flagsFromLetters(get('flg'));
      const back = counts.opkt > 0 ? flags : 0;
      connState = tcpConnState(flags, back);
      history = tcpHistory(flags, back);
    } else {
      connState = packetConnState(counts.ipkt, counts.opkt);
      history = packetHistory(counts.ipkt, counts.opkt);
    }
    return {
      ts,
      uid: '',
      origH,
      origP,
      respH,
      respP,
      proto,
      service: '',
      duration,
      origBytes: null,
      respBytes: null,
      connState,
      history,
      missedBytes: 0,
      origPkts: counts.ipkt,
      origIpBytes: counts.ibyt,
      respPkts: counts.opkt,
      respIpBytes: counts.obyt,
      line: n,
    };
  }
}

const PROTO_NUMBERS: Record<string, string> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '58': 'icmp' };

function protoName(text: string): string {
  const lower = text.toLowerCase();
  if (lower === 'icmp6' || lower === 'ipv6-icmp') return 'icmp';
  return PROTO_NUMBERS[lower] ?? lower;
}
