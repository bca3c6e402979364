import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataAvailable } from '../../test/available.js';
import type { MetricsFile } from '../evaluate/metrics-file.js';
import { parseModelOptions } from '../models/registry.js';
import { evaluateZeroDaySelected } from './evaluate-zero-day-selected.js';

const dataDir = resolve(import.meta.dirname, '../..', process.env.IOT_IDS_DATA_DIR ?? '../shared/data');
const suite = 'evaluateZeroDaySelected on NSL-KDD';

// KDDTrain+_20Percent, one seed, one epoch each: the protocol end to end, not its figures.
describe.runIf(dataAvailable(join(dataDir, 'nsl-kdd'), suite))(suite, () => {
  let workDir: string | undefined;
  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('chooses the rates on held-out attack types, then scores both test files at them', async () => {
    workDir = await mkdtemp(join(tmpdir(), 'zero-day-selected-'));
    const evaluation = await evaluateZeroDaySelected({
      workDir,
      dataDir,
      seeds: [1],
      rates: [0.01, 0.1],
      trainSplit: 'KDDTrain+_20Percent',
      classifier: {
        model: 'fcnn',
        modelOptions: parseModelOptions('fcnn', { hiddenUnits: [16], epochs: 1 }, 'test'),
        log1p: true,
      },
      detector: { epochs: 1, hiddenUnits: [16, 4] },
    });
    const [seed] = evaluation.seeds;
    expect(evaluation.classes).toEqual(['normal', 'dos', 'probe', 'r2l', 'u2r']);
    expect(seed.validationHeldOutAttackRows).toBeGreaterThan(0);
    // Every validation attack row is of a type the selection classifier never trained on.
    expect(seed.validationRows).toBe(seed.validationNormalRows + seed.validationHeldOutAttackRows);
    const best = (key: 'binaryAccuracy' | 'accuracy'): number =>
      Math.max(...seed.candidates.map((c) => c.figures[key]));
    const at = (rate: number) => seed.candidates.find((c) => c.falsePositiveRate === rate)?.figures;
    expect(at(seed.binaryRate)?.binaryAccuracy).toBe(best('binaryAccuracy'));
    expect(at(seed.multiClassRate)?.accuracy).toBe(best('accuracy'));
    expect(seed.tests.map((t) => [t.split, t.rows])).toEqual([
      ['KDDTest+', 22_544],
      ['KDDTest-21', 11_850],
    ]);

    // The selection run read no test file; the final run's own figures are the classifier-alone column.
    const metricsOf = async (dir: string): Promise<MetricsFile> =>
      JSON.parse(await readFile(join(workDir ?? '', dir, 'metrics.json'), 'utf8')) as MetricsFile;
    const selection = await metricsOf('selection-fcnn-seed-1');
    expect(selection.splits).toEqual({});
    expect(selection.validation?.scheme).toBe('leave-attack-type-out');
    const final = await metricsOf('fcnn-seed-1');
    expect(seed.tests[0].classifier.accuracy).toBeCloseTo(final.splits['KDDTest+'].accuracy, 12);
    expect(seed.tests[1].classifier.accuracy).toBeCloseTo(final.splits['KDDTest-21'].accuracy, 12);
    // Anomaly alerts only add attack verdicts.
    for (const t of seed.tests) {
      expect(t.binaryRoute.attackRecall).toBeGreaterThanOrEqual(t.classifier.attackRecall);
      expect(t.binaryRoute.falseAlarmRate).toBeGreaterThanOrEqual(t.classifier.falseAlarmRate);
    }
  }, 300_000);
});
