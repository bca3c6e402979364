/**
 * The `kdd-traffic` extractor alone, per connection record:
 *
 *   node --single-threaded-gc --import tsx bench/kdd-traffic-features.ts [--packets 2000000] [--passes 12]
 *
 * Meters a synthetic capture (lib/synthetic-capture.ts: thousands of destination hosts in every 2-second
 * window) into connection records once, then times `--passes` fresh extractors over all of them, and does the
 * same for a flood to one host (200,000 connections 1 ms apart, 511 in its window: the worst case for the
 * per-host windows). CPU microseconds per record, min and median over the passes (the min is the figure
 * least moved by other work on a shared machine). Also prints a SHA-256 of every feature row of the first
 * pass, so a change that must keep the features identical can be checked. One JSON line, then one human line.
 */
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { ConnRecord } from '../src/traffic/conn-record.js';
import { KddTrafficExtractor } from '../src/traffic/features/kdd-traffic.js';
import { meterCapture } from '../src/traffic/meter-capture.js';
import { syntheticCapture } from './lib/synthetic-capture.js';

const { values } = parseArgs({
  options: { packets: { type: 'string', default: '2000000' }, passes: { type: 'string', default: '12' } },
});
const packets = Number(values.packets);
const passes = Number(values.passes);

function floodRecords(n: number): ConnRecord[] {
  const records: ConnRecord[] = [];
  for (let i = 0; i < n; i++) {
    records.push({
      ts: i * 0.001,
      uid: `C${i}`,
      origH: `10.0.0.${i % 200}`,
      origP: 1024 + (i % 50_000),
      respH: '10.9.9.9',
      respP: 80,
      proto: 'tcp',
      service: '-',
      duration: null,
      origBytes: null,
      respBytes: null,
      connState: 'S0',
      history: 'S',
      missedBytes: 0,
      origPkts: 1,
      origIpBytes: 40,
      respPkts: 0,
      respIpBytes: 0,
    });
  }
  return records;
}

/** CPU µs per record of each pass, and the hash of the first pass's feature rows. */
function time(records: ConnRecord[]): { min: number; median: number; sha256: string } {
  const perRecord: number[] = [];
  const hash = createHash('sha256');
  for (let pass = 0; pass < passes; pass++) {
    const extractor = new KddTrafficExtractor();
    const row: (number | string)[] = [];
    const cpu0 = process.cpuUsage();
    if (pass === 0) {
      for (const r of records) {
        extractor.next(r, row);
        hash.update(`${row.join(',')}\n`);
      }
    } else for (const r of records) extractor.next(r, row);
    const cpu = process.cpuUsage(cpu0);
    if (pass > 0) perRecord.push((cpu.user + cpu.system) / records.length);
  }
  perRecord.sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    min: round(perRecord[0]),
    median: round(perRecord[Math.floor(perRecord.length / 2)]),
    sha256: hash.digest('hex'),
  };
}

const load = loadavg()[0];
const records: ConnRecord[] = [];
await meterCapture(Readable.from([...syntheticCapture(packets)]), { onRecord: (r) => void records.push(r) });
const capture = time(records);
const flood = time(floodRecords(200_000));
const result = {
  bench: 'kdd-traffic-features',
  packets,
  records: records.length,
  passesTimed: passes - 1,
  captureMicrosPerRecord: { min: capture.min, median: capture.median },
  floodMicrosPerRecord: { min: flood.min, median: flood.median },
  captureFeatureRowsSha256: capture.sha256,
  floodFeatureRowsSha256: flood.sha256,
  loadAverage1m: { before: load, after: loadavg()[0] },
};
console.log(JSON.stringify(result));
console.log(
  `kdd-traffic features: ${records.length} records of a ${packets}-packet synthetic capture, ` +
    `${capture.min} µs per record (min of ${passes - 1}; median ${capture.median}); one-host flood ` +
    `${flood.min} µs (median ${flood.median}); rows sha256 ${capture.sha256.slice(0, 16)}…; load ${load.toFixed(2)}`,
);
