/**
 * How far packet-ae's scoring paths agree, packet by packet, after the same features (not a speed run):
 *   - the WebAssembly SIMD kernel (`scoring: 'wasm'`, the default) against the TypeScript packed scorer
 *     (`scoring: 'ts'`): number of scores that differ in any bit, largest relative difference;
 *   - the kernel against the per-autoencoder reference pass (`scoreOneReference`, `Math.exp`): largest
 *     relative difference;
 * on the speed benchmark's synthetic capture (default options, as bench/packet-ae.ts) and on a real capture
 * ($IOT_IDS_DATA_DIR/traffic/slips/test-cc_test-cc-capture-1.pcap, 7,931 packets, shorter grace periods; skipped
 * with a reason when absent).
 *
 *   node --import tsx bench/packet-ae-agreement.ts [--packets 1000000]
 * Prints one JSON line and one human line on stdout.
 */
import { createReadStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PacketAe } from '../src/models/packet-ae/packet-ae.js';
import { PacketStats } from '../src/traffic/packet-stats/packet-stats.js';
import { readPackets } from '../src/traffic/read-packets.js';
import type { PacketView } from '../src/traffic/packet-view.js';
import { syntheticCapture } from './lib/synthetic-packets.js';

const { values: args } = parseArgs({ options: { packets: { type: 'string', default: '1000000' } } });

interface Agreement {
  scored: number;
  differingFromTs: number;
  largestRelativeToTs: number;
  largestRelativeToReference: number;
  maxScore: number;
}

const relative = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));

/** Feeds packets through the grace periods, then scores every later one three ways. */
function agreement(detector: PacketAe): { add: (packet: PacketView) => void; result: Agreement } {
  const stats = new PacketStats();
  const x = new Float64Array(stats.nFeatures);
  const result: Agreement = {
    scored: 0,
    differingFromTs: 0,
    largestRelativeToTs: 0,
    largestRelativeToReference: 0,
    maxScore: 0,
  };
  const add = (packet: PacketView): void => {
    stats.extract(packet, x);
    if (detector.phase !== 'detecting') {
      detector.process(x);
      return;
    }
    detector.scoring = 'wasm';
    const wasm = detector.scoreOne(x);
    detector.scoring = 'ts';
    const ts = detector.scoreOne(x);
    if (!Object.is(wasm, ts)) result.differingFromTs++;
    result.largestRelativeToTs = Math.max(result.largestRelativeToTs, relative(wasm, ts));
    result.largestRelativeToReference = Math.max(
      result.largestRelativeToReference,
      relative(wasm, detector.scoreOneReference(x)),
    );
    result.maxScore = Math.max(result.maxScore, wasm);
    result.scored++;
  };
  return { add, result };
}

const packets = Number(args.packets);
const bench = agreement(new PacketAe());
const next = syntheticCapture({ seed: 1 });
for (let i = 0; i < packets; i++) bench.add(next());

const capture = join(
  resolve(import.meta.dirname, '..', process.env.IOT_IDS_DATA_DIR ?? '../shared/data'),
  'traffic/slips/test-cc_test-cc-capture-1.pcap',
);
let real: Agreement | { skipped: string };
if (existsSync(capture)) {
  const run = agreement(new PacketAe({ featureMapGrace: 500, detectorGrace: 4000, calibrationSamples: 500 }));
  await readPackets(createReadStream(capture), { onPacket: run.add });
  real = run.result;
} else {
  real = { skipped: `${capture} is absent (set IOT_IDS_DATA_DIR)` };
}

console.log(JSON.stringify({ bench: 'packet-ae-agreement', synthetic: bench.result, realCapture: real }));
const line = (name: string, a: Agreement | { skipped: string }): string =>
  'skipped' in a
    ? `${name}: skipped (${a.skipped})`
    : `${name}: ${a.scored.toLocaleString('en-US')} packets scored, wasm ≠ ts in ${a.differingFromTs} ` +
      `(largest relative ${a.largestRelativeToTs.toExponential(2)}), wasm vs reference largest relative ` +
      `${a.largestRelativeToReference.toExponential(2)}`;
console.log(`packet-ae agreement: ${line('synthetic', bench.result)}; ${line('real capture', real)}`);
