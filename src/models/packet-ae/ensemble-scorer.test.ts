import { describe, expect, it } from 'vitest';
import { PacketAe } from './packet-ae.js';
import { forEachSyntheticPacketFeatures, syntheticRows } from './test-data.js';

const relative = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));

describe('EnsembleScorer (the packed scoring pass of PacketAe)', () => {
  it('scores as the autoencoders’ own forward passes do, to 1e-12 relative, and follows further learning', () => {
    const data = syntheticRows(24, 5);
    const detector = new PacketAe({
      featureMapGrace: 200,
      detectorGrace: 2000,
      calibrationSamples: 200,
      maxAutoencoderInputs: 7,
    });
    detector.scoring = 'ts';
    for (let i = 0; i < detector.samplesBeforeDetection; i++) detector.process(data.benign());
    let worst = 0;
    for (let i = 0; i < 2000; i++) {
      const x = i % 5 === 0 ? data.anomaly() : data.benign();
      worst = Math.max(worst, relative(detector.scoreOne(x), detector.scoreOneReference(x)));
      // Learning in between invalidates the packed snapshot; the next score must see the new weights.
      if (i % 97 === 0) detector.learnOne(data.benign());
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('on packet-stats features of a capture, packed and reference scores agree to 1e-12 relative', () => {
    const detector = new PacketAe({ featureMapGrace: 300, detectorGrace: 3000, calibrationSamples: 300 });
    detector.scoring = 'ts';
    let worst = 0;
    let scored = 0;
    forEachSyntheticPacketFeatures(6000, 9, (x) => {
      if (detector.phase === 'detecting') {
        worst = Math.max(worst, relative(detector.scoreOne(x), detector.scoreOneReference(x)));
        scored++;
      } else detector.process(x);
    });
    expect(scored).toBeGreaterThan(2000);
    expect(worst).toBeLessThan(1e-12);
  });
});
