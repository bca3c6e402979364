import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANOMALY_CLASS } from '../models/zero-day/combine.js';
import { loadZeroDay, zeroDayDir } from '../models/zero-day/zero-day-dir.js';
import { trainZeroDay } from '../train/train-zero-day.js';
import { detectFile } from './detect-file.js';
import { Detector } from './detector.js';
import { explain } from './explain.js';
import { recordsToTable } from './json-records.js';
import { makeTinyModel, TINY_SCHEMA, tinyLine, tinyRows } from './test-helpers/tiny-model.js';

let dir: string;
let modelDir: string;
const rows = tinyRows(31, 300);
const table = recordsToTable(
  rows.map(({ duration, proto, signal, noise }) => ({ duration, proto, signal, noise })),
  TINY_SCHEMA,
).table;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-zero-day-detect-'));
  ({ modelDir } = await makeTinyModel(dir));
  // A small autoencoder with a loose threshold, so that some normal records are anomalous.
  const training = await trainZeroDay({
    modelDir,
    dataDir: dir,
    dataset: join(dir, 'tiny-schema.json'),
    falsePositiveRate: 0.3,
    detector: { hiddenUnits: [4, 2], epochs: 2, batchSize: 32 },
  });
  training.detector.dispose();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('zero-day mode in the detector (detect and serve)', () => {
  it('predicts `anomaly` where the classifier says normal and the autoencoder finds the record anomalous', async () => {
    const plain = await Detector.load(modelDir);
    const zeroDay = await loadZeroDay(modelDir);
    const withZeroDay = await Detector.load(modelDir, { zeroDay: true });
    try {
      expect(withZeroDay.classes).toEqual([...plain.classes, ANOMALY_CLASS]);
      const classifier = await plain.scoreTable(table);
      const errors = await zeroDay.score(plain.pipeline.transform(table).x);
      const scored = await withZeroDay.scoreTable(table);
      const k = plain.classes.length;
      let anomalies = 0;
      for (let i = 0; i < table.nRows; i++) {
        const flagged = classifier.predicted[i] === 0 && errors[i] > zeroDay.threshold;
        anomalies += flagged ? 1 : 0;
        expect(scored.predicted[i]).toBe(flagged ? k : classifier.predicted[i]);
        expect(scored.alerts[i]).toBe(flagged ? 1 : classifier.alerts[i]);
        expect(scored.anomalyScores![i]).toBeCloseTo(errors[i], 6);
        const row = scored.probabilities.data.subarray(i * (k + 1), (i + 1) * (k + 1));
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        // The classifier's normal probability becomes the anomaly's; the other classes keep theirs.
        expect(row[k]).toBeCloseTo(flagged ? classifier.probabilities.data[i * k] : 0, 6);
      }
      expect(anomalies).toBeGreaterThan(0);
      expect(anomalies).toBeLessThan(table.nRows);
      const predictions = withZeroDay.predictions(scored);
      const first = predictions.findIndex((p) => p.label === ANOMALY_CLASS);
      expect(predictions[first]).toMatchObject({ alert: true, anomalyScore: scored.anomalyScores![first] });
      // Its explanation is the drop of the reconstruction error when a column is neutralised.
      const [explained] = await explain(withZeroDay, table, [first], { top: 4 });
      expect(explained.label).toBe(ANOMALY_CLASS);
      expect(explained.contributions.map((c) => c.feature).sort()).toEqual([
        'duration',
        'noise',
        'proto',
        'signal',
      ]);
    } finally {
      zeroDay.dispose();
      await plain.dispose();
      await withZeroDay.dispose();
    }
  });

  it('detect --zero-day writes anomaly verdicts with their scores and counts them as alerts', async () => {
    const input = join(dir, 'flows.csv');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(input, rows.map((r) => tinyLine(r, 'features-only')).join('\n'));
    const output = join(dir, 'out.ndjson');
    const dataset = join(dir, 'tiny-schema.json');
    const summary = await detectFile({ modelDir, input, output, dataset, zeroDay: true });
    const lines = (await readFile(output, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { label: string; alert: boolean; anomalyScore: number });
    const anomalies = lines.filter((l) => l.label === ANOMALY_CLASS);
    expect(anomalies.length).toBeGreaterThan(0);
    expect(anomalies.every((l) => l.alert && l.anomalyScore > 0)).toBe(true);
    expect(lines.every((l) => typeof l.anomalyScore === 'number')).toBe(true);
    expect(summary.byLabel[ANOMALY_CLASS]).toBe(anomalies.length);
    expect(summary.alertsByLabel[ANOMALY_CLASS]).toBe(anomalies.length);
  });

  it('takes the detector from another directory, and refuses when there is none', async () => {
    const moved = join(dir, 'elsewhere');
    await rename(zeroDayDir(modelDir), moved);
    try {
      await expect(Detector.load(modelDir, { zeroDay: true })).rejects.toThrow(
        /train the zero-day anomaly detector/,
      );
      const detector = await Detector.load(modelDir, { zeroDay: moved });
      expect(detector.classes).toContain(ANOMALY_CLASS);
      await detector.dispose();
    } finally {
      await rename(moved, zeroDayDir(modelDir));
    }
  });
});
