import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { ConnRecord } from './conn-record.js';
import { openConnectionSource } from './connection-source.js';
import { writePcap, writePcapng } from './test-helpers/capture-writer.js';
import { SYN, tcpFrame, udpFrame } from './test-helpers/frames.js';

async function readAll(bytes: Buffer | string, format?: Parameters<typeof openConnectionSource>[1]) {
  const source = await openConnectionSource(Readable.from([bytes]), format);
  const records: ConnRecord[] = [];
  for await (const batch of source.batches()) records.push(...batch);
  return { records, summary: source.summary() };
}

const frames = [
  {
    ts: 10,
    bytes: tcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 4000, dport: 23, flags: SYN, seq: 1 }),
  },
  { ts: 10.5, bytes: udpFrame({ src: '10.0.0.1', dst: '10.0.0.3', sport: 5000, dport: 53, payload: 30 }) },
  {
    ts: 11,
    bytes: tcpFrame({ src: '10.0.0.1', dst: '10.0.0.4', sport: 4001, dport: 2323, flags: SYN, seq: 9 }),
  },
  { ts: 11.2, bytes: Buffer.alloc(10) },
];

describe('openConnectionSource', () => {
  it('meters a pcap into connection records and counts every other frame with its reason', async () => {
    const { records, summary } = await readAll(writePcap(frames));
    expect(records.map((r) => [r.respP, r.proto, r.connState])).toEqual([
      [23, 'tcp', 'S0'],
      [53, 'udp', 'S0'],
      [2323, 'tcp', 'S0'],
    ]);
    expect(summary).toMatchObject({ format: 'pcap', unit: 'packets', read: 4, records: 3 });
    expect(Object.values(summary.skipped).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it("stamps each batch with the clock at its first record's emission, and tells the end-of-input flush", async () => {
    // The clock counts decoded packets. UDP timeout 1 s: the packet at 3 s finishes the connections of 0
    // and 0.5 s, the one at 10 s those of 3 and 3.1 s; the end of input finishes the last.
    const udp = (ts: number, sport: number) => ({
      ts,
      bytes: udpFrame({ src: '10.0.0.1', dst: '10.0.0.3', sport, dport: 53, payload: 30 }),
    });
    let packets = 0;
    const source = await openConnectionSource(
      Readable.from([writePcap([udp(0, 1), udp(0.5, 2), udp(3, 3), udp(3.1, 4), udp(10, 5)])]),
      { meter: { udpTimeout: 1 }, onPacket: () => packets++, clock: () => packets },
    );
    const batches: [number[], number, boolean][] = [];
    for await (const batch of source.batches()) {
      batches.push([batch.map((r) => r.origP), source.lastBatchEmittedAt(), source.inputEnded()]);
    }
    // The last batch is the end-of-input flush: `inputEnded` tells it apart.
    expect(batches).toEqual([
      [[1, 2, 3, 4], 3, false],
      [[5], 5, true],
    ]);
  });

  it('gives the same records for pcapng and for gzip input', async () => {
    const plain = await readAll(writePcap(frames));
    const ng = await readAll(writePcapng(frames));
    const gz = await readAll(gzipSync(writePcap(frames)));
    expect(ng.records).toEqual(plain.records);
    expect(gz.records).toEqual(plain.records);
    expect(gz.summary.gzip).toBe(true);
    expect(ng.summary.format).toBe('pcapng');
  });

  it('reads a Zeek conn.log through the same entrance', async () => {
    const log = [
      '#separator \\x09',
      '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes',
      '1.5\tC1\t10.0.0.1\t4000\t10.0.0.2\t80\ttcp\thttp\t0.5\t10\t20\tSF\t0\tShADadFf\t5\t300\t4\t400',
      'not a record',
    ].join('\n');
    const { records, summary } = await readAll(log);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ uid: 'C1', service: 'http', connState: 'SF', origBytes: 10 });
    expect(summary).toMatchObject({ format: 'zeek-tsv', unit: 'lines', records: 1 });
    expect(Object.keys(summary.skipped)).toHaveLength(1);
  });

  it('refuses input it cannot recognise, naming the file', async () => {
    await expect(
      openConnectionSource(Readable.from([Buffer.from('hello world\n')]), { file: 'x.bin' }),
    ).rejects.toThrow(/x\.bin.*cannot tell the traffic format/);
  });
});
