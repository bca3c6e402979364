import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PacketStats } from '../../traffic/packet-stats/packet-stats.js';
import { loadPacketAeModel, savePacketAeModel, type FeatureSource } from './model-dir.js';
import { PacketAe } from './packet-ae.js';
import { syntheticRows } from './test-data.js';

const WIDTH = 20;
const SMALL = {
  featureMapGrace: 200,
  detectorGrace: 3000,
  calibrationSamples: 1000,
  maxAutoencoderInputs: 5,
};
const features: FeatureSource = {
  extractor: 'synthetic',
  options: {},
  featureNames: Array.from({ length: WIDTH }, (_, i) => `f${i}`),
};
const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'packet-ae-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function calibrated(seed = 1): { detector: PacketAe; data: ReturnType<typeof syntheticRows> } {
  const data = syntheticRows(WIDTH, 7);
  const detector = new PacketAe({ ...SMALL, seed });
  for (let i = 0; i < detector.samplesBeforeDetection; i++) detector.process(data.benign());
  return { detector, data };
}

describe('PacketAe (KitNET)', () => {
  it('walks feature-map → training → calibrating → detecting and groups features within the limit', () => {
    const data = syntheticRows(WIDTH, 7);
    const detector = new PacketAe(SMALL);
    const phases: string[] = [];
    for (let i = 0; i < detector.samplesBeforeDetection; i++) {
      const score = detector.process(data.benign());
      if (phases.at(-1) !== detector.phase) phases.push(detector.phase);
      if (i < SMALL.featureMapGrace + SMALL.detectorGrace) expect(score).toBe(0);
    }
    expect(phases).toEqual(['feature-map', 'training', 'calibrating', 'detecting']);
    expect(detector.ready).toBe(true);
    const groups = detector.featureGroups;
    expect(Math.max(...groups.map((g) => g.length))).toBeLessThanOrEqual(5);
    expect(groups.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: WIDTH }, (_, i) => i));
    expect(detector.thresholdFit.samples).toBe(SMALL.calibrationSamples);
  });

  it('scores structure-breaking samples far above benign ones and alerts on them', () => {
    const { detector, data } = calibrated();
    let benignAlerts = 0;
    let anomalyAlerts = 0;
    let benignSum = 0;
    let anomalySum = 0;
    for (let i = 0; i < 500; i++) {
      const b = detector.process(data.benign());
      const a = detector.process(data.anomaly());
      benignSum += b;
      anomalySum += a;
      if (detector.isAlert(b)) benignAlerts++;
      if (detector.isAlert(a)) anomalyAlerts++;
    }
    expect(anomalySum).toBeGreaterThan(3 * benignSum);
    expect(anomalyAlerts).toBeGreaterThan(400);
    expect(benignAlerts).toBeLessThan(10);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const probe = syntheticRows(WIDTH, 99).anomaly();
    const a = calibrated(3).detector.scoreOne(probe);
    const b = calibrated(3).detector.scoreOne(probe);
    const c = calibrated(4).detector.scoreOne(probe);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('learns online with learnOne and stops when frozen', () => {
    const { detector, data } = calibrated();
    const probe = data.anomaly();
    const before = detector.scoreOne(probe);
    detector.learnOne(probe);
    expect(detector.scoreOne(probe)).not.toBe(before);
    detector.freeze();
    expect(detector.frozen).toBe(true);
    expect(() => detector.learnOne(probe)).toThrow(/frozen/);
    const frozenScore = detector.scoreOne(probe);
    for (let i = 0; i < 50; i++) detector.process(data.benign());
    expect(detector.scoreOne(probe)).toBe(frozenScore);
  });

  it('never returns NaN: non-finite inputs are read as 0 and counted, and widths are checked', () => {
    const { detector } = calibrated();
    const bad = new Float64Array(WIDTH).fill(Number.NaN);
    bad[1] = Number.POSITIVE_INFINITY;
    const score = detector.process(bad);
    expect(Number.isFinite(score)).toBe(true);
    expect(detector.nonFiniteInputs).toBe(1);
    const huge = new Float64Array(WIDTH).fill(1e308);
    expect(Number.isFinite(detector.scoreOne(huge))).toBe(true);
    expect(() => detector.scoreOne(new Float64Array(3))).toThrow(/expects 20/);
    // Constant features through all the grace periods: still finite.
    const constant = new PacketAe({ ...SMALL, calibrationSamples: 10 });
    const row = new Float64Array(WIDTH).fill(3);
    for (let i = 0; i < constant.samplesBeforeDetection + 5; i++)
      expect(Number.isFinite(constant.process(row))).toBe(true);
    expect(Number.isFinite(constant.threshold ?? Number.NaN)).toBe(true);
  });

  it('saves atomically with checksums and loads a detector that scores identically', async () => {
    const { detector, data } = calibrated();
    const dir = join(await tempDir(), 'model');
    const manifest = await savePacketAeModel(dir, detector, features);
    expect(manifest.kind).toBe('packet-ae');
    expect(Object.keys(manifest.files).sort()).toEqual(['packet-ae.bin', 'packet-ae.json']);
    const { detector: loaded } = await loadPacketAeModel(dir);
    expect(loaded.threshold).toBe(detector.threshold);
    expect(loaded.featureGroups).toEqual(detector.featureGroups);
    for (let i = 0; i < 200; i++) {
      const x = i % 2 ? data.benign() : data.anomaly();
      expect(loaded.scoreOne(x)).toBe(detector.scoreOne(x));
    }
    // Learning continues identically after loading too.
    const x = data.benign();
    detector.learnOne(x);
    loaded.learnOne(x);
    const probe = data.anomaly();
    expect(loaded.scoreOne(probe)).toBe(detector.scoreOne(probe));
  });

  it('checks that packet-stats features can be rebuilt exactly from the manifest', async () => {
    const data = syntheticRows(100, 7);
    const detector = new PacketAe({ ...SMALL, calibrationSamples: 10 });
    for (let i = 0; i < detector.samplesBeforeDetection; i++) detector.process(data.benign());
    const stats = new PacketStats();
    const good = { extractor: 'packet-stats', options: { ...stats.options }, featureNames: [...stats.names] };
    const dir = join(await tempDir(), 'model');
    await savePacketAeModel(dir, detector, good);
    const { manifest } = await loadPacketAeModel(dir);
    expect(manifest.features.options).toMatchObject({ layout: 'reference-100' });
    const renamed = { ...good, featureNames: good.featureNames.map((n, i) => (i === 3 ? 'other' : n)) };
    await savePacketAeModel(dir, detector, renamed);
    await expect(loadPacketAeModel(dir)).rejects.toThrow(/do not match/);
  });

  it('rejects a damaged model directory', async () => {
    const { detector } = calibrated();
    const dir = join(await tempDir(), 'model');
    await savePacketAeModel(dir, detector, features);
    await writeFile(join(dir, 'packet-ae.bin'), Buffer.alloc(16));
    await expect(loadPacketAeModel(dir)).rejects.toThrow(/checksum mismatch/);
  });

  it('refuses to save before the grace periods are over: a clear message and no model directory', async () => {
    const data = syntheticRows(WIDTH, 7);
    const detector = new PacketAe(SMALL);
    for (let i = 0; i < 1000; i++) detector.process(data.benign());
    const parent = await tempDir();
    await expect(savePacketAeModel(join(parent, 'model'), detector, features)).rejects.toThrow(
      /needs 4200 .*training phase \(800 done there\)/,
    );
    expect(await readdir(parent)).toEqual([]);
  });

  it('validates its options', () => {
    expect(() => new PacketAe({ maxAutoencoderInputs: 0 })).toThrow(/maxAutoencoderInputs/);
    expect(() => new PacketAe({ falseAlarmRate: 0 })).toThrow(/falseAlarmRate/);
    expect(new PacketAe().options).toMatchObject({
      maxAutoencoderInputs: 10,
      hiddenRatio: 0.75,
      learningRate: 0.1,
      falseAlarmRate: 1e-4,
    });
  });
});
