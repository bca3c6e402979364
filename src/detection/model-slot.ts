import { basename, dirname, resolve } from 'node:path';
import type { Table } from '../data/table.js';
import { IotIdsError } from '../errors.js';
import { featureColumnsOf, checkFeatureColumns, labelNameOf, UNLABELLED } from './detection-table.js';
import { Detector, type DetectorOptions } from './detector.js';

/** What the service says about the model it serves. */
export interface ModelInfo {
  /** `kind@createdAt`, stored with every alert. */
  id: string;
  /**
   * The run the model belongs to: the name of the run directory (`runs/<run>/model`), or of the model
   * directory itself when it is not called `model`. Never the path: it is shown to API clients.
   */
  run: string;
  kind: string;
  dataset: string;
  task: string;
  protocol: string;
  /** The classifier's classes, and `anomaly` last in zero-day mode. */
  classes: readonly string[];
  normalClass: string;
  /** Alert threshold per attack class. */
  thresholds: Readonly<Record<string, number>>;
  /** Feature columns records must have. */
  inputColumns: number;
  createdAt: string;
  loadedAt: string;
  /** Zero-day mode: the anomaly detector's threshold and the validation false-positive rate it was set at. */
  zeroDay?: { threshold: number; falsePositiveRate: number };
}

export type ReloadResult =
  { ok: true; model: ModelInfo; previous: ModelInfo } | { ok: false; error: string; model: ModelInfo };

/**
 * Holds the detector being served and swaps in a new one on reload, only after the new model has passed
 * every check: it loads (manifest, checksums, pipeline, weights), takes the same feature columns, accepts
 * the configured thresholds, and scores a probe table (recent traffic when there is some) into finite
 * probabilities summing to 1 per row. Otherwise the old model keeps serving. A replaced detector is
 * disposed once the batches using it are done.
 */
export class ModelSlot {
  private detector: Detector;
  private loadedAt: Date;
  private readonly users = new Map<Detector, number>();
  private readonly retired = new Set<Detector>();
  private reloading: Promise<ReloadResult> | null = null;

  private constructor(
    detector: Detector,
    readonly modelDir: string,
    private readonly options: DetectorOptions,
  ) {
    this.detector = detector;
    this.loadedAt = new Date();
  }

  static async open(modelDir: string, options: DetectorOptions = {}): Promise<ModelSlot> {
    const detector = await Detector.load(modelDir, options);
    try {
      await checkProbe(detector, probeTable(detector));
    } catch (error) {
      await detector.dispose();
      throw error;
    }
    return new ModelSlot(detector, modelDir, options);
  }

  get current(): Detector {
    return this.detector;
  }

  get info(): ModelInfo {
    return modelInfo(this.detector, this.modelDir, this.loadedAt);
  }

  /** Runs `work` with the current detector, which stays alive until it is done even if a reload happens. */
  async use<T>(work: (detector: Detector) => Promise<T>): Promise<T> {
    const detector = this.detector;
    this.users.set(detector, (this.users.get(detector) ?? 0) + 1);
    try {
      return await work(detector);
    } finally {
      const left = (this.users.get(detector) ?? 1) - 1;
      if (left === 0) this.users.delete(detector);
      else this.users.set(detector, left);
      if (left === 0 && this.retired.delete(detector)) {
        await detector.dispose();
      }
    }
  }

  /**
   * Loads the model directory again and swaps it in if it passes the checks. Concurrent calls share one
   * attempt. Never throws: a refused model is reported in the result.
   */
  reload(probe?: Table): Promise<ReloadResult> {
    this.reloading ??= this.tryReload(probe).finally(() => {
      this.reloading = null;
    });
    return this.reloading;
  }

  async dispose(): Promise<void> {
    for (const detector of [this.detector, ...this.retired]) await detector.dispose();
    this.retired.clear();
  }

  private async tryReload(probe: Table | undefined): Promise<ReloadResult> {
    const previous = this.info;
    let candidate: Detector;
    try {
      candidate = await Detector.load(this.modelDir, this.options);
    } catch (error) {
      return { ok: false, error: messageOf(error), model: previous };
    }
    try {
      checkFeatureColumns(candidate.inputSchema, this.detector.manifest.inputColumns, this.modelDir);
      await checkProbe(candidate, probeTable(candidate));
      if (probe && probe.nRows > 0) await checkProbe(candidate, probe);
    } catch (error) {
      await candidate.dispose();
      return { ok: false, error: messageOf(error), model: previous };
    }
    const old = this.detector;
    this.detector = candidate;
    this.loadedAt = new Date();
    if (this.users.has(old)) {
      this.retired.add(old);
    } else {
      await old.dispose();
    }
    return { ok: true, model: this.info, previous };
  }
}

export function modelInfo(detector: Detector, dir: string, loadedAt: Date): ModelInfo {
  const m = detector.manifest;
  return {
    id: `${m.kind}@${m.createdAt}`,
    run: runNameOf(dir),
    kind: m.kind,
    dataset: m.dataset,
    task: m.task,
    protocol: m.protocol,
    classes: detector.classes,
    normalClass: detector.rules.normalClass,
    thresholds: detector.rules.thresholds,
    inputColumns: featureColumnsOf(m.inputColumns).length,
    createdAt: m.createdAt,
    loadedAt: loadedAt.toISOString(),
    ...(detector.anomaly && {
      zeroDay: {
        threshold: detector.anomaly.threshold,
        falsePositiveRate: detector.anomaly.falsePositiveRate,
      },
    }),
  };
}

/** `runs/rf-1/model` → `rf-1`; `/models/current` → `current`. */
export function runNameOf(modelDir: string): string {
  const path = resolve(modelDir);
  return basename(path) === 'model' ? basename(dirname(path)) : basename(path);
}

/**
 * One synthetic row: every number 0 and every category one training never saw (encoded as all zeros), so
 * a model can be exercised before any traffic has arrived.
 */
export function probeTable(detector: Detector): Table {
  const schema = detector.inputSchema;
  return {
    nRows: 1,
    features: featureColumnsOf(schema.columns).map((c) =>
      c.type === 'numeric'
        ? { kind: 'numeric', name: c.name, values: new Float32Array(1) }
        : { kind: 'categorical', name: c.name, codes: new Int32Array(1), categories: ['\u0000probe'] },
    ),
    label: {
      kind: 'categorical',
      name: labelNameOf(schema),
      codes: new Int32Array(1),
      categories: [UNLABELLED],
    },
    lineNumbers: Uint32Array.of(1),
  };
}

async function checkProbe(detector: Detector, table: Table): Promise<void> {
  const scored = await detector.scoreTable(table);
  const k = detector.classes.length;
  const data = scored.probabilities.data;
  for (let i = 0; i < table.nRows; i++) {
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const p = data[i * k + j];
      if (!Number.isFinite(p) || p < -1e-6 || p > 1 + 1e-6) {
        throw new IotIdsError(`model in ${detector.source} gives probability ${p} on a probe record`);
      }
      sum += p;
    }
    if (Math.abs(sum - 1) > 1e-3) {
      throw new IotIdsError(
        `model in ${detector.source} gives probabilities summing to ${sum} on a probe record`,
      );
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
