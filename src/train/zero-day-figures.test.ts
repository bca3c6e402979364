import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../detection/detector.js';
import { recordsToTable } from '../detection/json-records.js';
import { makeTinyModel, TINY_SCHEMA, tinyLine, tinyRows } from '../detection/test-helpers/tiny-model.js';
import { trainZeroDay } from './train-zero-day.js';
import { formatZeroDayFigures, zeroDayTestFigures } from './zero-day-figures.js';

let dir: string;
let modelDir: string;
let schema: string;
// The test split: tiny rows, a third of the dos rows under a label training never had.
const rows = tinyRows(12, 300).map((r, i) =>
  r.label === 'dos' && i % 3 === 0 ? { ...r, label: 'smurf' } : r,
);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-zero-day-figures-'));
  ({ modelDir } = await makeTinyModel(dir));
  await writeFile(join(dir, 'test.csv'), `${rows.map((r) => tinyLine(r)).join('\n')}\n`);
  schema = join(dir, 'tiny-with-test.json');
  await writeFile(
    schema,
    JSON.stringify({
      name: 'tiny',
      columns: TINY_SCHEMA.columns,
      taxonomy: { normal: ['normal'], categories: { dos: 'dos', probe: 'probe', smurf: 'dos' } },
      splits: { train: 'train.csv', test: 'test.csv' },
    }),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('zero-day detection figures', () => {
  it('measures recall and false alarms on the model’s test split, for the classifier, the autoencoder and both', async () => {
    const training = await trainZeroDay({
      modelDir,
      dataDir: dir,
      dataset: schema,
      falsePositiveRate: 0.1,
      detector: { hiddenUnits: [4, 2], epochs: 2, batchSize: 32 },
    });
    try {
      const f = (await zeroDayTestFigures(modelDir, training.detector, { dataDir: dir, dataset: schema }))!;
      const normal = rows.filter((r) => r.label === 'normal').length;
      const smurf = rows.filter((r) => r.label === 'smurf').length;
      expect(f).toMatchObject({
        trainSplit: 'train',
        testSplit: 'test',
        normalRows: normal,
        attackRows: rows.length - normal,
        novelLabels: { smurf },
        novelRows: smurf,
        threshold: training.detector.threshold,
        targetFalsePositiveRate: 0.1,
      });
      expect(f.validationFalsePositiveRate).toBeLessThanOrEqual(0.1 + 1 / training.validationRows);

      // The same figures from the detector in zero-day mode, which serve and detect use.
      const detector = await Detector.load(modelDir, { zeroDay: true });
      const table = recordsToTable(rows, { ...TINY_SCHEMA, columns: TINY_SCHEMA.columns }).table;
      const predictions = detector.predictions(await detector.scoreTable(table));
      await detector.dispose();
      const share = (pick: (i: number) => boolean, among: (i: number) => boolean): number => {
        const idx = rows.map((_, i) => i).filter(among);
        return idx.filter(pick).length / idx.length;
      };
      const isNormal = (i: number): boolean => rows[i].label === 'normal';
      const combinedAlert = (i: number): boolean => predictions[i].label !== 'normal';
      const anomalous = (i: number): boolean => predictions[i].anomalyScore! > training.detector.threshold;
      expect(f.combined.attackRecall).toBeCloseTo(
        share(combinedAlert, (i) => !isNormal(i)),
        10,
      );
      expect(f.combined.novelRecall).toBeCloseTo(
        share(combinedAlert, (i) => rows[i].label === 'smurf'),
        10,
      );
      expect(f.combined.falseAlarmRate).toBeCloseTo(share(combinedAlert, isNormal), 10);
      expect(f.autoencoder.falseAlarmRate).toBeCloseTo(share(anomalous, isNormal), 10);
      expect(f.classifier.falseAlarmRate).toBeLessThanOrEqual(f.combined.falseAlarmRate);

      const text = formatZeroDayFigures(f, 'rf');
      expect(text).toMatch(
        /^threshold \S+ \(reconstruction error\), set at a validation false-positive rate of 10\.00 %/,
      );
      expect(text).toContain(
        `on test: ${normal} normal and ${rows.length - normal} attack rows; ${smurf} attack rows of 1 label(s) absent from train (smurf ${smurf})`,
      );
      expect(text).toMatch(/rf \+ anomaly alerts +\d+\.\d\d % +\d+\.\d\d % +\d+\.\d\d %/);
    } finally {
      training.detector.dispose();
    }
  });
});
