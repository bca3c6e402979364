export type CaptureFormat = 'pcap' | 'pcapng';

/** True when the bytes start with the gzip magic (1f 8b). */
export function isGzip(first: Uint8Array): boolean {
  return first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
}

/**
 * The capture format from the first 4 bytes (uncompressed), or null when they are neither pcap (a1b2c3d4 /
 * a1b23c4d in either byte order) nor pcapng (the section header block type 0a0d0d0a).
 */
export function detectCaptureFormat(first: Uint8Array): CaptureFormat | null {
  if (first.length < 4) return null;
  const m = ((first[0] << 24) | (first[1] << 16) | (first[2] << 8) | first[3]) >>> 0;
  if (m === 0x0a0d0d0a) return 'pcapng';
  if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1) return 'pcap';
  return null;
}
