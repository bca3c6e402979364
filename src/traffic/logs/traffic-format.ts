/**
 * Which traffic input a byte stream holds, decided from its first bytes (after gunzip): the packet formats by
 * their magic numbers, the flow logs by their header or first record. One function serves the CLI for every
 * input; the packet formats are read by `capture/`, the flow logs by `logs/`.
 */
export const FLOW_LOG_FORMATS = ['zeek-tsv', 'zeek-json', 'eve', 'argus', 'nfdump'] as const;
export type FlowLogFormat = (typeof FLOW_LOG_FORMATS)[number];
export type TrafficFormat = FlowLogFormat | 'pcap' | 'pcapng';

/** How many leading bytes `detectTrafficFormat` wants to see (fewer work when the input is shorter). */
export const DETECT_BYTES = 64 * 1024;

const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1]);
const PCAPNG_SECTION_HEADER = 0x0a0d0d0a;

/** The format of a (decompressed) input from its first bytes, or undefined when it is none of ours. */
export function detectTrafficFormat(first: Uint8Array): TrafficFormat | undefined {
  if (first.length >= 4) {
    const magic = ((first[0] << 24) | (first[1] << 16) | (first[2] << 8) | first[3]) >>> 0;
    if (PCAP_MAGICS.has(magic)) return 'pcap';
    if (magic === PCAPNG_SECTION_HEADER) return 'pcapng';
  }
  const text = Buffer.from(first.buffer, first.byteOffset, first.length)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  return detectTextFormat(text);
}

/**
 * Says, chunk by chunk, whether the bytes so far already settle the format, so a live stream (a quiet
 * gateway's capture, Zeek JSON on a pipe) is not held back until DETECT_BYTES have arrived: a capture magic,
 * or a first non-blank text line that has ended (every text format is decided by its first line). Each byte
 * is looked at once.
 */
export class FormatProbe {
  private readonly magic: number[] = [];
  private content = false;
  private decided = false;

  feed(chunk: Uint8Array): boolean {
    for (let i = 0; i < chunk.length && !this.decided; i++) {
      const b = chunk[i];
      if (this.magic.length < 4) {
        this.magic.push(b);
        if (this.magic.length === 4) {
          const m =
            ((this.magic[0] << 24) | (this.magic[1] << 16) | (this.magic[2] << 8) | this.magic[3]) >>> 0;
          if (PCAP_MAGICS.has(m) || m === PCAPNG_SECTION_HEADER) this.decided = true;
        }
      }
      if (b === 0x0a && this.content) this.decided = true;
      else if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) this.content = true;
    }
    return this.decided;
  }
}

function detectTextFormat(text: string): FlowLogFormat | undefined {
  // Published Zeek logs sometimes start with stray whitespace (a tab before `#separator` in one of them).
  const trimmed = text.trimStart();
  if (trimmed.startsWith('#separator') || trimmed.startsWith('#fields')) return 'zeek-tsv';
  const firstLine = trimmed.split('\n', 1)[0].trim();
  if (firstLine.startsWith('{')) {
    if (/"id\.orig_h"\s*:/.test(firstLine)) return 'zeek-json';
    if (/"event_type"\s*:/.test(firstLine)) return 'eve';
    return undefined;
  }
  const header = firstLine.split(',').map((name) => name.trim());
  if (header.includes('SrcAddr') && header.includes('DstAddr')) return 'argus';
  if (header[0] === 'ts' && header.includes('sa') && header.includes('da')) return 'nfdump';
  // A Zeek TSV log whose first lines were cut off still has other `#` header lines or tab-separated rows.
  if (trimmed.startsWith('#')) return 'zeek-tsv';
  return undefined;
}

export function isFlowLogFormat(value: string): value is FlowLogFormat {
  return (FLOW_LOG_FORMATS as readonly string[]).includes(value);
}
