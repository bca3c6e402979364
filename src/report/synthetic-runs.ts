import { join } from 'node:path';
import type { SplitCleaning } from '../data/labelled-split.js';
import { describeProtocol, type MetricsFile } from '../evaluate/metrics-file.js';
import { computeSplitMetrics, type SplitMetrics } from '../evaluate/split-metrics.js';
import { createMatrix } from '../preprocess/matrix.js';
import type { HistoryFile } from '../fit/history.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { Random } from '../util/random.js';
import type { ResultsRun } from './results-file.js';
import { buildRocFile, mergeRocFiles, type RocFile } from '../evaluate/roc-file.js';

/**
 * Made-up but internally consistent runs (metrics computed from simulated scores by the real metric code),
 * for tests and benchmarks of the reports. Never for results.
 */
export interface SyntheticRunOptions {
  /** Default 'kdd99'. */
  dataset?: string;
  /** Default 'ddos-u2r-normal'. */
  task?: string;
  /** Default 'official'. */
  protocol?: string;
  /** Default 'sae-softmax'. */
  model?: string;
  /** Default 1. */
  seed?: number;
  /** Default ['normal', 'ddos', 'u2r']. */
  classes?: string[];
  /** Training split named in the files. Default 'kddcup.data_10_percent'. */
  trainSplit?: string;
  /** Rows per class of each test split. Default { corrected: [1500, 3440, 60] }. */
  splits?: Record<string, number[]>;
  /** Signal added to the true class's score; higher is a better model. Default 2.5. */
  skill?: number;
  /** Epochs per stage of history.json; null for no training history. Default { pretrain: 12, classifier: 20 }. */
  stages?: Record<string, number> | null;
}

export interface SyntheticRun {
  metrics: MetricsFile;
  roc: RocFile;
  history: HistoryFile | null;
}

export function syntheticRun(options: SyntheticRunOptions = {}): SyntheticRun {
  const dataset = options.dataset ?? 'kdd99';
  const task = options.task ?? 'ddos-u2r-normal';
  const protocol = options.protocol ?? 'official';
  const model = options.model ?? 'sae-softmax';
  const seed = options.seed ?? 1;
  const classes = options.classes ?? ['normal', 'ddos', 'u2r'];
  const splitRows = options.splits ?? { corrected: [1500, 3440, 60] };
  const skill = options.skill ?? 2.5;
  const random = new Random(seed * 7919 + model.length);
  const trainSplit = options.trainSplit ?? 'kddcup.data_10_percent';

  const splits: Record<string, SplitMetrics> = {};
  const rocFiles: RocFile[] = [];
  const cleaning: Record<string, SplitCleaning> = { [trainSplit]: cleaningOf(trainSplit, 494021, 0) };
  for (const [name, perClass] of Object.entries(splitRows)) {
    const simulated = simulateScores(perClass, skill, random);
    splits[name] = computeSplitMetrics(
      classes,
      simulated.yTrue,
      simulated.yPred,
      simulated.scores,
      150000 + 1000 * seed,
    );
    rocFiles.push(buildRocFile(classes, simulated.yTrue, simulated.scores, name));
    cleaning[name] = {
      ...cleaningOf(name, simulated.yTrue.length + 37, 2),
      overlapWithTrain: 41,
      unknownCategories: { service: 3 },
      clippedValues: 12,
    };
  }
  const metrics: MetricsFile = {
    formatVersion: 1,
    dataset,
    task,
    protocol,
    protocolDescription: describeProtocol(protocol, trainSplit, Object.keys(splitRows)),
    model,
    modelOptions: { epochs: 20, batchSize: 256, learningRate: 0.001, hiddenUnits: [64, 32] },
    seed,
    classes,
    trainSplit,
    trainRows: 441234,
    trainSeconds: 120 + 3 * seed,
    cleaning: { splits: cleaning, resampling: { smoteAdded: { u2r: 1200 } } },
    splits,
    createdAt: new Date(Date.UTC(2025, 0, 1, 12, seed)).toISOString(),
  };
  const stages = options.stages === undefined ? { pretrain: 12, classifier: 20 } : options.stages;
  return { metrics, roc: mergeRocFiles(...rocFiles), history: stages ? historyOf(stages, random) : null };
}

/** Writes metrics.json, roc.json and (unless disabled) history.json of a synthetic run into `dir`. */
export async function writeSyntheticRunDir(
  dir: string,
  options: SyntheticRunOptions & { withRoc?: boolean } = {},
): Promise<SyntheticRun> {
  const run = syntheticRun(options);
  await writeJsonAtomic(join(dir, 'metrics.json'), run.metrics);
  if (options.withRoc !== false) await writeJsonAtomic(join(dir, 'roc.json'), run.roc);
  if (run.history) await writeJsonAtomic(join(dir, 'history.json'), run.history);
  return run;
}

/** A compare-style set of runs: every model × seed, each a synthetic run. */
export function syntheticResultsRuns(
  models: readonly string[],
  seeds: readonly number[],
  options: SyntheticRunOptions = {},
): ResultsRun[] {
  return models.flatMap((model, i) =>
    seeds.map((seed) => {
      const { metrics } = syntheticRun({
        ...options,
        model,
        seed,
        skill: (options.skill ?? 2) + 0.4 * i,
        stages: null,
      });
      return {
        id: `${model}-seed${seed}`,
        dataset: metrics.dataset,
        task: metrics.task,
        protocol: metrics.protocol,
        model,
        seed,
        metrics,
      };
    }),
  );
}

function simulateScores(perClass: readonly number[], skill: number, random: Random) {
  const k = perClass.length;
  const n = perClass.reduce((a, b) => a + b, 0);
  const yTrue = new Int32Array(n);
  const yPred = new Int32Array(n);
  const data = new Float32Array(n * k);
  const logits = new Float64Array(k);
  let row = 0;
  perClass.forEach((rows, c) => {
    for (let r = 0; r < rows; r++, row++) {
      yTrue[row] = c;
      // Rarer classes get less signal, as real detectors find them harder.
      const signal = skill * (c === k - 1 ? 0.55 : 1);
      let best = 0;
      let total = 0;
      for (let j = 0; j < k; j++) {
        logits[j] = random.normal() + (j === c ? signal : 0) + (j === 0 ? 0.3 : 0);
        if (logits[j] > logits[best]) best = j;
      }
      for (let j = 0; j < k; j++) total += Math.exp(logits[j] - logits[best]);
      for (let j = 0; j < k; j++) data[row * k + j] = Math.exp(logits[j] - logits[best]) / total;
      yPred[row] = best;
    }
  });
  return { yTrue, yPred, scores: createMatrix(n, k, data) };
}

function cleaningOf(file: string, rowsRead: number, rejected: number): SplitCleaning {
  return {
    file: `kddcup99/${file}.gz`,
    rowsRead,
    rowsKept: rowsRead - rejected,
    rowsRejected: rejected,
    rejectedByReason: rejected ? { 'wrong column count': rejected } : {},
    rejectedExamples: [],
    missingPerColumn: {},
    duplicateRows: Math.round(rowsRead * 0.3),
    taskExcluded: 35,
    taskExcludedByLabel: { 'portsweep.': 20, 'guess_passwd.': 15 },
    unknownLabels: {},
  };
}

function historyOf(stages: Record<string, number>, random: Random): HistoryFile {
  const history: HistoryFile = { formatVersion: 1, stages: {} };
  for (const [stage, epochs] of Object.entries(stages)) {
    const classifies = stage !== 'pretrain';
    history.stages[stage] = {
      epochs: Array.from({ length: epochs }, (_, e) => {
        const loss = 0.05 + 0.9 * Math.exp(-e / 4) + 0.01 * random.next();
        const valLoss = loss * 1.08 + 0.004 * e * (e > epochs / 2 ? 1 : 0);
        return classifies
          ? { loss, valLoss, accuracy: 1 - loss / 2, valAccuracy: 1 - valLoss / 2, seconds: 1.5 }
          : { loss, valLoss, seconds: 0.8 };
      }),
      ...(classifies
        ? { stopReason: `early stopping: valLoss did not improve for 5 epochs (best epoch ${epochs - 5})` }
        : {}),
    };
  }
  return history;
}
