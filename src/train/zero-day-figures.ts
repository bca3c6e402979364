import { dataSearchPath } from '../data/locate.js';
import { rawLabelAt, type Table } from '../data/table.js';
import { loadSavedModel } from '../models/load-saved-model.js';
import { datasetForModel } from '../models/model-dataset.js';
import type { AnomalyDetector } from '../models/zero-day/anomaly-detector.js';
import { fractionAbove } from '../models/zero-day/threshold.js';
import { silentProgress, type ProgressReporter } from '../util/progress-reporter.js';
import { zeroDayFigures } from './evaluate-zero-day.js';
import { modelSplits } from './model-splits.js';

/** Recall and false alarms of one way of raising alerts, on the model's test rows. */
export interface AlertRates {
  /** Share of the test split's attack rows it flags (classifier: an attack label; autoencoder: anomalous). */
  attackRecall: number;
  /** The same on the attack rows whose label the training rows never had (NaN when there are none). */
  novelRecall: number;
  /** Share of the test split's normal rows it flags. */
  falseAlarmRate: number;
}

export interface ZeroDayTestFigures {
  trainSplit: string;
  testSplit: string;
  normalRows: number;
  attackRows: number;
  /** Attack labels of the test rows that the training rows do not have, with their row counts. */
  novelLabels: Record<string, number>;
  novelRows: number;
  threshold: number;
  /** The validation false-positive rate the threshold was set for, and the rate it gives there. */
  targetFalsePositiveRate: number;
  validationFalsePositiveRate: number;
  classifier: AlertRates;
  autoencoder: AlertRates;
  /** Zero-day mode: the classifier's attack labels plus the anomaly alerts on what it calls normal. */
  combined: AlertRates;
}

export interface ZeroDayFiguresOptions {
  dataDir?: string;
  /** Built-in dataset name or schema file. Default: the model's. */
  dataset?: string;
  /** One-file models: the hold-out fraction they were trained with. Default: the protocol's. */
  testFraction?: number;
  normalClass?: string;
  progress?: ProgressReporter;
}

/**
 * What a freshly trained zero-day detector does on the model's own test rows (the official test split, or
 * the one-file hold-out cut again): recall on all attacks and on attack types the training rows never had,
 * and false alarms on normal rows, for the classifier alone, the autoencoder alone and the two combined as
 * zero-day mode combines them. The threshold was set on validation normal rows from the training split; the
 * test rows only measure. Undefined when the dataset has no test split for the model's protocol.
 */
export async function zeroDayTestFigures(
  modelDir: string,
  detector: AnomalyDetector,
  options: ZeroDayFiguresOptions = {},
): Promise<ZeroDayTestFigures | undefined> {
  const progress = options.progress ?? silentProgress;
  const saved = await loadSavedModel(modelDir);
  try {
    const { manifest } = saved;
    const dataset = await datasetForModel(manifest, modelDir, options.dataset);
    const { train, test } = await modelSplits(manifest, dataset, {
      testFraction: options.testFraction,
      searchPath: dataSearchPath(options.dataDir),
      progress,
    });
    if (test === undefined) return undefined;
    const normalClass = options.normalClass ?? 'normal';
    const normalIndex = test.classes.indexOf(normalClass);
    progress.start(`score ${test.name}`);
    const { x } = saved.pipeline.transform(test.table);
    const predicted = await saved.model.predict(x);
    const classifierLabels = Array.from(predicted, (c) => manifest.classes[c]);
    const errors = await detector.score(x);
    progress.finish(`${test.table.nRows} rows`);

    const trainLabels = new Set(rawLabels(train.table));
    const testLabels = rawLabels(test.table);
    const isNormal = Uint8Array.from(test.y, (y) => (y === normalIndex ? 1 : 0));
    const isAttack = Uint8Array.from(isNormal, (n) => 1 - n);
    const isNovel = Uint8Array.from(testLabels, (l, i) => (isAttack[i] === 1 && !trainLabels.has(l) ? 1 : 0));
    const novelLabels: Record<string, number> = {};
    testLabels.forEach((l, i) => {
      if (isNovel[i] === 1) novelLabels[l] = (novelLabels[l] ?? 0) + 1;
    });
    const input = { isNormal, classifierLabels, errors, threshold: detector.threshold, normalClass };
    const all = zeroDayFigures({ ...input, isNovel: isAttack });
    const novel = zeroDayFigures({ ...input, isNovel });
    const rates = (key: 'classifier' | 'anomaly' | 'combined'): AlertRates => ({
      attackRecall: all[`${key}Recall`],
      novelRecall: novel[`${key}Recall`],
      falseAlarmRate: all[`${key}FalsePositiveRate`],
    });
    return {
      trainSplit: train.name,
      testSplit: test.name,
      normalRows: isNormal.reduce((a, b) => a + b, 0),
      attackRows: isAttack.reduce((a, b) => a + b, 0),
      novelLabels,
      novelRows: isNovel.reduce((a, b) => a + b, 0),
      threshold: detector.threshold,
      targetFalsePositiveRate: detector.falsePositiveRate,
      validationFalsePositiveRate: fractionAbove(detector.getValidationErrors(), detector.threshold),
      classifier: rates('classifier'),
      autoencoder: rates('anomaly'),
      combined: rates('combined'),
    };
  } finally {
    await saved.model.dispose();
  }
}

/** The figures as the console table `iot-ids zero-day` prints. */
export function formatZeroDayFigures(f: ZeroDayTestFigures, classifier: string): string {
  const pct = (v: number): string => (Number.isNaN(v) ? 'n/a' : `${(v * 100).toFixed(2)} %`);
  const novel = Object.entries(f.novelLabels).sort((a, b) => b[1] - a[1]);
  const rows: [string, AlertRates][] = [
    [`${classifier} alone`, f.classifier],
    ['autoencoder alone', f.autoencoder],
    [`${classifier} + anomaly alerts`, f.combined],
  ];
  const header = ['', 'attack recall', 'novel-attack recall', 'false alarms on normal'];
  const table = [
    header,
    ...rows.map(([name, r]) => [name, pct(r.attackRecall), pct(r.novelRecall), pct(r.falseAlarmRate)]),
  ];
  const widths = header.map((_, j) => Math.max(...table.map((row) => row[j].length)));
  const lines = table.map((row) =>
    row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('  '),
  );
  return [
    `threshold ${f.threshold.toPrecision(4)} (reconstruction error), set at a validation false-positive rate of ` +
      `${pct(f.targetFalsePositiveRate)} (${pct(f.validationFalsePositiveRate)} of validation normal rows above it)`,
    `on ${f.testSplit}: ${f.normalRows} normal and ${f.attackRows} attack rows; ${f.novelRows} attack rows of ` +
      `${novel.length} label(s) absent from ${f.trainSplit}${
        novel.length
          ? ` (${novel
              .slice(0, 8)
              .map(([l, n]) => `${l} ${n}`)
              .join(', ')}${novel.length > 8 ? ', …' : ''})`
          : ''
      }`,
    ...lines,
  ].join('\n');
}

function rawLabels(table: Table): string[] {
  return Array.from({ length: table.nRows }, (_, i) => rawLabelAt(table, i));
}
