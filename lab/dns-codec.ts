/**
 * Just enough of DNS for the lab's name lookups (one A question, at most one A answer), so the capture
 * holds real DNS that tshark and Zeek-style meters recognise, without a resolver package.
 */

export interface DnsQuestion {
  readonly id: number;
  readonly name: string;
}

export function encodeQuery(id: number, name: string): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // standard query, recursion desired
  header.writeUInt16BE(1, 4); // one question
  return Buffer.concat([header, encodeName(name), Buffer.from([0, 1, 0, 1])]); // type A, class IN
}

/** An answer to `query` (the raw query bytes): the address when given, NXDOMAIN when null. */
export function encodeResponse(query: Buffer, questionEnd: number, address: string | null): Buffer {
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(address ? 0x8180 : 0x8183, 2);
  header.writeUInt16BE(address ? 1 : 0, 6);
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(0, 10);
  const question = query.subarray(12, questionEnd);
  if (!address) return Buffer.concat([header, question]);
  const answer = Buffer.alloc(16);
  answer.writeUInt16BE(0xc00c, 0); // name: pointer to the question's name
  answer.writeUInt16BE(1, 2);
  answer.writeUInt16BE(1, 4);
  answer.writeUInt32BE(60, 6); // TTL
  answer.writeUInt16BE(4, 10);
  address.split('.').forEach((octet, i) => answer.writeUInt8(Number(octet), 12 + i));
  return Buffer.concat([header, question, answer]);
}

/** Parses a query with one question; null for anything else (a flood's filler, a response, a truncation). */
export function decodeQuery(packet: Buffer): (DnsQuestion & { questionEnd: number }) | null {
  if (packet.length < 17) return null;
  const flags = packet.readUInt16BE(2);
  if (flags & 0x8000 || packet.readUInt16BE(4) !== 1) return null;
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    const length = packet[at];
    if (length === undefined || length > 63) return null;
    at++;
    if (length === 0) break;
    if (at + length > packet.length) return null;
    labels.push(packet.toString('latin1', at, at + length));
    at += length;
  }
  if (at + 4 > packet.length || labels.length === 0) return null;
  return { id: packet.readUInt16BE(0), name: labels.join('.'), questionEnd: at + 4 };
}

/** The answer's address, or null for NXDOMAIN / a malformed answer. */
export function decodeResponseAddress(packet: Buffer): string | null {
  if (packet.length < 12 || !(packet.readUInt16BE(2) & 0x8000) || packet.readUInt16BE(6) < 1) return null;
  const data = packet.subarray(packet.length - 4);
  return [...data].join('.');
}

function encodeName(name: string): Buffer {
  const parts = name.split('.').filter((p) => p !== '');
  const out: Buffer[] = [];
  for (const part of parts) {
    const bytes = Buffer.from(part, 'latin1');
    if (bytes.length > 63) throw new Error(`DNS label too long: ${part}`);
    out.push(Buffer.from([bytes.length]), bytes);
  }
  out.push(Buffer.from([0]));
  return Buffer.concat(out);
}
