import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../util/random.js';
import type { OnlineDetector } from './online-detector.js';
import { onlineDetectorCases } from './online-detector-cases.js';

/** A 12-feature stream with structure (three latent factors) and a probe that breaks it. */
function stream(seed: number): { next: () => Float64Array; probe: Float64Array } {
  const random = new Random(seed);
  const next = (): Float64Array => {
    const z = [random.next(), random.next(), random.next()];
    return Float64Array.from({ length: 12 }, (_, i) => z[i % 3] * (1 + i) + 0.01 * random.normal());
  };
  return { next, probe: Float64Array.from({ length: 12 }, (_, i) => (i % 2 ? 12 : 0)) };
}

describe.each(onlineDetectorCases.map((c) => [c.kind, c] as const))(
  'online detector contract: %s',
  (_kind, contract) => {
    let detector: OnlineDetector;
    let dir: string;
    const data = stream(21);

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'iot-ids-online-'));
      detector = contract.create(1);
      for (let i = 0; i < contract.samplesToReady; i++) {
        const score = detector.process(data.next());
        expect(Number.isFinite(score) && score >= 0).toBe(true);
      }
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('constructs from options alone, not ready, scoring 0 and refusing to save', async () => {
      const fresh = contract.create(1);
      expect(fresh.kind).toBe(contract.kind);
      expect(fresh.options).toEqual(contract.create(1).options);
      expect(fresh.ready).toBe(false);
      expect(fresh.frozen).toBe(false);
      expect(fresh.scoreOne(data.next())).toBe(0);
      expect(fresh.isAlert(Number.MAX_VALUE)).toBe(false);
      await expect(fresh.save(join(dir, 'early'))).rejects.toThrow(/samples/);
    });

    it('becomes ready through process, with finite scores and a threshold', () => {
      expect(detector.ready).toBe(true);
      const score = detector.scoreOne(data.probe);
      expect(Number.isFinite(score)).toBe(true);
      expect(detector.isAlert(Number.MAX_VALUE)).toBe(true);
      expect(detector.isAlert(0)).toBe(false);
    });

    it('is deterministic for a seed', () => {
      const a = contract.create(7);
      const b = contract.create(7);
      const s = stream(3);
      for (let i = 0; i < contract.samplesToReady; i++) {
        const x = s.next();
        expect(a.process(x)).toBe(b.process(x));
      }
      expect(a.scoreOne(data.probe)).toBe(b.scoreOne(data.probe));
    });

    it('scoreOne does not learn; learnOne does; freeze stops learning', () => {
      const copy = contract.create(1);
      const s = stream(21);
      for (let i = 0; i < contract.samplesToReady; i++) copy.process(s.next());
      const before = copy.scoreOne(data.probe);
      expect(copy.scoreOne(data.probe)).toBe(before);
      copy.learnOne(data.probe);
      expect(copy.scoreOne(data.probe)).not.toBe(before);
      copy.freeze();
      expect(copy.frozen).toBe(true);
      expect(() => copy.learnOne(data.probe)).toThrow(/frozen/);
      const frozen = copy.scoreOne(data.probe);
      for (let i = 0; i < 20; i++) copy.process(s.next());
      expect(copy.scoreOne(data.probe)).toBe(frozen);
    });

    it('saves its files and loads into a detector that scores identically', async () => {
      const modelDir = join(dir, 'model');
      const files = await detector.save(modelDir);
      expect(files.length).toBeGreaterThan(0);
      for (const name of files) expect((await stat(join(modelDir, name))).size).toBeGreaterThan(0);
      const loaded = await contract.load(modelDir, detector.options);
      expect(loaded.ready).toBe(true);
      const s = stream(5);
      for (let i = 0; i < 50; i++) {
        const x = s.next();
        expect(loaded.scoreOne(x)).toBe(detector.scoreOne(x));
      }
      expect(loaded.scoreOne(data.probe)).toBe(detector.scoreOne(data.probe));
    });
  },
);
