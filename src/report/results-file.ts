import { IotIdsError } from '../errors.js';
import type { MetricsFile } from '../evaluate/metrics-file.js';
import type { SplitMetrics } from '../evaluate/split-metrics.js';
import { oneVsRestAccuracy } from './one-vs-rest-accuracy.js';
import { studentTQuantile } from './student-t.js';

/** One run of a comparison, as `iot-ids compare` records it. */
export interface ResultsRun {
  id: string;
  /**
   * The run directory, absolute or relative to the folder of results.json. Optional; when present the
   * report reads the run's roc.json from it.
   */
  dir?: string;
  dataset: string;
  task: string;
  protocol: string;
  model: string;
  seed: number;
  metrics: MetricsFile;
}

/** Mean, sample standard deviation (n − 1) and Student-t 95 % interval of the mean over seeds. */
export interface Summary {
  /** Values that went in (runs where the figure was defined, e.g. AUC is undefined for an absent class). */
  n: number;
  /** null when n = 0. */
  mean: number | null;
  /** null when n < 2. */
  std: number | null;
  /** mean ± t(0.975, n − 1) · std / √n; null when n < 2. */
  ci95: { low: number; high: number } | null;
}

export const CELL_METRICS = [
  'accuracy',
  'precisionMacro',
  'recallMacro',
  'f1Macro',
  'precisionWeighted',
  'recallWeighted',
  'f1Weighted',
  'rocAucMacro',
  'trainSeconds',
] as const;
export type CellMetric = (typeof CELL_METRICS)[number];

/** `accuracy` here is one-vs-rest: (TP + TN) / N. */
export const PER_CLASS_METRICS = ['precision', 'recall', 'f1', 'specificity', 'accuracy', 'rocAuc'] as const;
export type PerClassMetric = (typeof PER_CLASS_METRICS)[number];

/** All runs of one dataset × task × protocol × model, on one evaluated split. */
export interface ResultsCell {
  dataset: string;
  task: string;
  protocol: string;
  model: string;
  split: string;
  /** Runs (seeds) in the cell. */
  n: number;
  seeds: number[];
  /** Ids of the runs, in seed order. */
  runIds: string[];
  classes: string[];
  metrics: Record<CellMetric, Summary>;
  perClass: Record<string, Record<PerClassMetric, Summary>>;
  /** A classifier + anomaly alerts cell (compare's `anomalyAlerts`): how its thresholds were chosen. */
  anomalyAlerts?: CellAnomalyAlerts;
}

/** The anomaly threshold of each seed of a classifier + anomaly alerts cell, and its price. */
export interface CellAnomalyAlerts {
  /** What validation chose the rate by (`binary-accuracy`, `accuracy`). */
  criterion: string;
  /** The rate each seed's validation chose, in seed order. */
  chosenRates: number[];
  /** Share of the split's normal rows flagged (classifier attack verdict or alert), over seeds. */
  falseAlarmRate: Summary;
}

/** `results.json` of `iot-ids compare` (camelCase; add fields, never rename). */
export interface ResultsFile {
  formatVersion: 1;
  name: string;
  createdAt?: string;
  runs: ResultsRun[];
  cells: ResultsCell[];
}

export function buildResultsFile(name: string, runs: readonly ResultsRun[]): ResultsFile {
  return {
    formatVersion: 1,
    name,
    createdAt: new Date().toISOString(),
    runs: [...runs],
    cells: summariseRuns(runs),
  };
}

/**
 * Groups runs by dataset, task, protocol, model and evaluated split, and summarises every figure over the
 * seeds of each group. Cells keep the order in which their first run appears. The same seed twice in one
 * cell is an error: it would count one result twice.
 */
export function summariseRuns(runs: readonly ResultsRun[]): ResultsCell[] {
  const groups = new Map<
    string,
    {
      key: Omit<ResultsCell, 'n' | 'seeds' | 'runIds' | 'classes' | 'metrics' | 'perClass'>;
      members: Array<{ run: ResultsRun; split: SplitMetrics }>;
    }
  >();
  for (const run of runs) {
    for (const [split, metrics] of Object.entries(run.metrics.splits)) {
      const key = { dataset: run.dataset, task: run.task, protocol: run.protocol, model: run.model, split };
      const id = JSON.stringify(Object.values(key));
      let group = groups.get(id);
      if (!group) groups.set(id, (group = { key, members: [] }));
      const twin = group.members.find((m) => m.run.seed === run.seed);
      if (twin) {
        throw new IotIdsError(
          `runs "${twin.run.id}" and "${run.id}" both have seed ${run.seed} for ${run.model} on ${run.dataset} ${run.task} ${run.protocol} ${split}; each seed may count once`,
        );
      }
      group.members.push({ run, split: metrics });
    }
  }
  return [...groups.values()].map(({ key, members }) => {
    members.sort((a, b) => a.run.seed - b.run.seed);
    const classes = classOrder(members.map((m) => m.run.metrics.classes));
    const over = (
      value: (m: { run: ResultsRun; split: SplitMetrics }) => number | null | undefined,
    ): Summary => summarise(members.map(value));
    const metrics: Record<CellMetric, Summary> = {
      accuracy: over((m) => m.split.accuracy),
      precisionMacro: over((m) => m.split.precision.macro),
      recallMacro: over((m) => m.split.recall.macro),
      f1Macro: over((m) => m.split.f1.macro),
      precisionWeighted: over((m) => m.split.precision.weighted),
      recallWeighted: over((m) => m.split.recall.weighted),
      f1Weighted: over((m) => m.split.f1.weighted),
      rocAucMacro: over((m) => m.split.rocAuc.macro),
      trainSeconds: over((m) => m.run.metrics.trainSeconds),
    };
    const perClass = Object.fromEntries(
      classes.map((name) => {
        const stat = (pick: (s: SplitMetrics['perClass'][string]) => number) =>
          over((m) => (m.split.perClass[name] ? pick(m.split.perClass[name]) : null));
        const figures: Record<PerClassMetric, Summary> = {
          precision: stat((s) => s.precision),
          recall: stat((s) => s.recall),
          f1: stat((s) => s.f1),
          specificity: stat((s) => s.specificity),
          accuracy: over((m) => {
            const index = m.split.confusion.labels.indexOf(name);
            return index < 0 ? null : oneVsRestAccuracy(m.split.confusion.matrix)[index];
          }),
          rocAuc: over((m) => m.split.rocAuc.perClass[name]),
        };
        return [name, figures];
      }),
    );
    return {
      ...key,
      n: members.length,
      seeds: members.map((m) => m.run.seed),
      runIds: members.map((m) => m.run.id),
      classes,
      metrics,
      perClass,
      ...cellAnomalyAlerts(members, key.split),
    };
  });
}

/** The cell's `anomalyAlerts` when its runs are classifier + anomaly alerts runs (all of them must be). */
function cellAnomalyAlerts(
  members: ReadonlyArray<{ run: ResultsRun }>,
  split: string,
): { anomalyAlerts?: CellAnomalyAlerts } {
  const records = members.map((m) => m.run.metrics.anomalyAlerts);
  if (records.every((r) => r === undefined)) return {};
  const criteria = [...new Set(records.map((r) => r?.criterion ?? 'none'))];
  if (records.some((r) => r === undefined) || criteria.length > 1) {
    throw new IotIdsError(
      `runs ${members.map((m) => m.run.id).join(', ')} mix anomaly-alert criteria (${criteria.join(', ')}) in one cell`,
    );
  }
  return {
    anomalyAlerts: {
      criterion: criteria[0],
      chosenRates: records.map((r) => r?.chosenRate ?? Number.NaN),
      falseAlarmRate: summarise(records.map((r) => r?.falseAlarmRate[split])),
    },
  };
}

/** Summary of the defined (finite, non-null) values among `values`. */
export function summarise(values: ReadonlyArray<number | null | undefined>): Summary {
  const defined = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const n = defined.length;
  if (n === 0) return { n, mean: null, std: null, ci95: null };
  const mean = defined.reduce((sum, v) => sum + v, 0) / n;
  if (n === 1) return { n, mean, std: null, ci95: null };
  const std = Math.sqrt(defined.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1));
  const half = (studentTQuantile(0.975, n - 1) * std) / Math.sqrt(n);
  return { n, mean, std, ci95: { low: mean - half, high: mean + half } };
}

/** Classes in first-seen order over the runs (they normally agree; a taxonomy override may add one). */
function classOrder(lists: readonly (readonly string[])[]): string[] {
  const seen: string[] = [];
  for (const list of lists) for (const name of list) if (!seen.includes(name)) seen.push(name);
  return seen;
}
