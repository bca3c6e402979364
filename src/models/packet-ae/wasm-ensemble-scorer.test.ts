import { createReadStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PacketStats } from '../../traffic/packet-stats/packet-stats.js';
import { readPackets } from '../../traffic/read-packets.js';
import { Random } from '../../util/random.js';
import { EnsembleScorer } from './ensemble-scorer.js';
import { PacketAe } from './packet-ae.js';
import { forEachSyntheticPacketFeatures, syntheticRows } from './test-data.js';
import { TinyAutoencoder } from './tiny-autoencoder.js';
import { WasmEnsembleScorer } from './wasm-ensemble-scorer.js';

// The WebAssembly scorer must give the TypeScript packed scorer's scores bit for bit: every SIMD lane adds its
// terms in the scalar order and the exponential is the same function (see wasm/ensemble-score.c), so the
// tolerance here is zero, not an epsilon.

const relative = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));

/** Scores `x` both ways; returns [wasm, ts]. */
function bothScores(detector: PacketAe, x: Float64Array): [number, number] {
  detector.scoring = 'wasm';
  const wasm = detector.scoreOne(x);
  detector.scoring = 'ts';
  const ts = detector.scoreOne(x);
  detector.scoring = 'wasm';
  return [wasm, ts];
}

/** An autoencoder of `n` inputs that has trained on a few random rows of `width` features through `index`. */
function trainedAutoencoder(
  n: number,
  ratio: number,
  index: Int32Array | null,
  width: number,
  random: Random,
) {
  const ae = TinyAutoencoder.create(n, ratio, random);
  for (let s = 0; s < 5; s++) {
    ae.train(
      Float64Array.from({ length: width }, () => random.next() * 10 - 5),
      index,
      0.1,
    );
  }
  return ae;
}

describe('WasmEnsembleScorer (the SIMD scoring pass of PacketAe)', () => {
  it.each([1, 3, 7, 10, 24])(
    'gives the TypeScript packed scores bit for bit with at most %i inputs per autoencoder, through learning',
    (maxInputs) => {
      const data = syntheticRows(24, 5);
      const detector = new PacketAe({
        featureMapGrace: 200,
        detectorGrace: 1500,
        calibrationSamples: 200,
        maxAutoencoderInputs: maxInputs,
        hiddenRatio: maxInputs === 7 ? 0.5 : 0.75,
      });
      for (let i = 0; i < detector.samplesBeforeDetection; i++) detector.process(data.benign());
      let differing = 0;
      let worstToReference = 0;
      for (let i = 0; i < 600; i++) {
        const x = i % 5 === 0 ? data.anomaly() : data.benign();
        const [wasm, ts] = bothScores(detector, x);
        if (!Object.is(wasm, ts)) differing++;
        worstToReference = Math.max(worstToReference, relative(wasm, detector.scoreOneReference(x)));
        // Learning in between makes the kernel re-pack; the next score must see the new weights.
        if (i % 61 === 0) detector.learnOne(data.benign());
      }
      expect(differing).toBe(0);
      expect(worstToReference).toBeLessThan(1e-12);
    },
  );

  it('agrees far outside the training range, where the exponential leaves its vector path, and never gives NaN', () => {
    const data = syntheticRows(16, 7);
    const detector = new PacketAe({ featureMapGrace: 200, detectorGrace: 1500, calibrationSamples: 200 });
    for (let i = 0; i < detector.samplesBeforeDetection; i++) detector.process(data.benign());
    const scores: number[] = [];
    for (const factor of [1, -3, 1e2, -1e3, 1e6, 1e12, 1e300, -1e300]) {
      for (let k = 0; k < 16; k++) {
        const x = data.benign();
        x[k] *= factor; // one feature far out: pre-activations of hundreds or more, or overflow
        const [wasm, ts] = bothScores(detector, x);
        expect(Object.is(wasm, ts)).toBe(true);
        scores.push(wasm);
      }
    }
    for (const bad of [NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324]) {
      const x = data.benign();
      x[3] = bad;
      const counted = detector.nonFiniteInputs;
      detector.scoring = 'wasm';
      const wasm = detector.scoreOne(x);
      // The kernel reads non-finite values as 0 on its own copy and the detector counts the sample once.
      expect(detector.nonFiniteInputs - counted).toBe(Number.isFinite(bad) ? 0 : 1);
      expect(Object.is(x[3], bad)).toBe(true);
      detector.scoring = 'ts';
      expect(Object.is(wasm, detector.scoreOne(x))).toBe(true);
      scores.push(wasm);
    }
    expect(scores.every((s) => Number.isFinite(s) && s >= 0)).toBe(true);
    expect(scores).toContain(Number.MAX_VALUE); // the overflowing sums are capped, as in TypeScript
    expect(detector.nonFiniteInputs).toBeGreaterThan(0);
  });

  it('on packet-stats features of a synthetic capture, gives the TypeScript packed scores bit for bit', () => {
    const detector = new PacketAe({ featureMapGrace: 300, detectorGrace: 3000, calibrationSamples: 300 });
    let differing = 0;
    let scored = 0;
    forEachSyntheticPacketFeatures(6000, 9, (x) => {
      if (detector.phase === 'detecting') {
        const [wasm, ts] = bothScores(detector, x);
        if (!Object.is(wasm, ts)) differing++;
        scored++;
      } else detector.process(x);
    });
    expect(scored).toBeGreaterThan(2000);
    expect(differing).toBe(0);
  });

  it('scores ensembles of every shape (odd widths, one input, a wide output) and re-packs a larger model', () => {
    const random = new Random(4);
    const width = 40;
    const sizes = [1, 2, 3, 5, 8, 13];
    const groups = sizes.map((n) => Int32Array.from({ length: n }, () => random.int(width)));
    const ensemble = sizes.map((n, a) => trainedAutoencoder(n, 0.75, groups[a], width, random));
    const output = trainedAutoencoder(sizes.length, 0.75, null, sizes.length, random);
    const wasm = new WasmEnsembleScorer();
    wasm.pack(ensemble, groups, output, width);
    const ts = new EnsembleScorer(ensemble, groups, output);
    for (let i = 0; i < 200; i++) {
      const x = Float64Array.from({ length: width }, () => (random.next() * 2 - 1) * (i % 3 === 0 ? 1e3 : 5));
      expect(Object.is(wasm.score(x), ts.score(x))).toBe(true);
    }
    // One autoencoder of 600 inputs: ≈ 4 MB of packed weights, more than the module's first megabyte.
    const wide = 600;
    const bigGroups = [Int32Array.from({ length: wide }, (_, i) => i)];
    const big = [trainedAutoencoder(wide, 0.75, bigGroups[0], wide, random)];
    const bigOutput = trainedAutoencoder(1, 0.75, null, 1, random);
    wasm.pack(big, bigGroups, bigOutput, wide);
    const bigTs = new EnsembleScorer(big, bigGroups, bigOutput);
    for (let i = 0; i < 20; i++) {
      const x = Float64Array.from({ length: wide }, () => random.next() * 10 - 5);
      expect(Object.is(wasm.score(x), bigTs.score(x))).toBe(true);
    }
  });
});

const repo = resolve(import.meta.dirname, '../../..');
const capture = join(
  resolve(repo, process.env.IOT_IDS_DATA_DIR ?? '../shared/data'),
  'traffic/slips/test-cc_test-cc-capture-1.pcap',
);
const noCapture = existsSync(capture) ? '' : `${capture} is absent (set IOT_IDS_DATA_DIR)`;
if (noCapture) console.log(`packet-ae wasm scorer real-capture check skipped: ${noCapture}`);

describe.skipIf(Boolean(noCapture))('WasmEnsembleScorer on a real capture (slips test-cc-capture-1)', () => {
  it('gives the TypeScript packed scores bit for bit on every packet after the grace periods', async () => {
    const stats = new PacketStats();
    const detector = new PacketAe({ featureMapGrace: 500, detectorGrace: 4000, calibrationSamples: 500 });
    const x = new Float64Array(stats.nFeatures);
    let scored = 0;
    let differing = 0;
    await readPackets(createReadStream(capture), {
      onPacket: (packet) => {
        stats.extract(packet, x);
        if (detector.phase !== 'detecting') {
          detector.process(x);
          return;
        }
        const [wasm, ts] = bothScores(detector, x);
        if (!Object.is(wasm, ts)) differing++;
        scored++;
      },
    });
    expect(scored).toBeGreaterThan(2500);
    expect(differing).toBe(0);
  });
});
