import { usageError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';
import { Random } from '../../util/random.js';
import { BaseClassifier, type FitContext } from '../estimator.js';
import { binMatrix, computeBinEdges, packTwoBinColumns } from './binning.js';
import { readForest, writeForest } from './forest-io.js';
import type { GrowParams, TrainingData } from './grow-tree.js';
import {
  featuresPerSplit,
  resolveClassWeights,
  resolveRandomForestOptions,
  type RandomForestOptions,
} from './options.js';
import { trainTrees, TreeWorkers } from './train-trees.js';
import { packForest, type PackedForest } from './packed-forest.js';
import { POOL_MIN_ROWS, sharedPredictPool } from './predict-pool.js';
import { assembleForest, type Forest } from './tree.js';
import { WasmForestScorer } from './wasm-scorer.js';
import { checkFitInput, NotFittedError, requireFinite } from '../fit-input.js';

export type { RandomForestOptions } from './options.js';

/**
 * Random forest of Gini CART trees on histogram-binned features, after scikit-learn's
 * RandomForestClassifier (bootstrap, sqrt(d) features per split, fully grown trees, mean of the leaf class
 * distributions). Exact CART sorts rows at every node, and the npm forests that do so slow down
 * quadratically or crash on KDD-sized data; binning every feature once (≤ 256 quantile bins, bytes in a
 * column-major SharedArrayBuffer) turns each node's search into one pass per candidate feature.
 *
 * - Each tree gets its own seed drawn from `seed` in tree order and sees nothing else random, so the forest
 *   is the same with any number of workers.
 * - Bootstrap samples are per-row counts used as weights (times class weights); minSamplesLeaf counts
 *   distinct rows, as scikit-learn does.
 * - Thresholds are stored as raw Float32 values (the bin's upper edge), so predict takes the unbinned
 *   matrix and runs in the calling thread.
 */
export class RandomForestClassifier extends BaseClassifier<RandomForestOptions> {
  readonly kind = 'rf';
  readonly outputKind = 'probabilities';
  readonly options: Readonly<RandomForestOptions>;
  private learned: Forest | null = null;
  /** Built on first use from `learned`, dropped whenever it changes. */
  private scorer: WasmForestScorer | null = null;
  /**
   * `learned` laid out for scoring. Built at the end of fit (≈ 10–20 ms for 100 KDD trees, part of
   * producing the model, like the trees themselves), or on first use for a loaded forest.
   */
  private packed: PackedForest | null = null;
  private training: AbortController | null = null;

  constructor(options?: Partial<RandomForestOptions>) {
    super();
    this.options = Object.freeze(resolveRandomForestOptions(options));
  }

  get fitted(): boolean {
    return this.learned !== null;
  }

  /** The learned trees (for inspection and tests). */
  get forest(): Forest {
    return this.requireFitted();
  }

  async fit(x: Matrix, y: Int32Array, context: FitContext): Promise<this> {
    const o = this.options;
    const nClasses = context.nClasses;
    checkFitInput('random forest', x, y, nClasses, { minClasses: 1 });
    // The forest does not use a validation set, but one that cannot belong to this data is a caller's bug.
    if (context.validation) {
      const { x: vx, y: vy } = context.validation;
      checkFitInput('random forest', vx, vy, nClasses, { what: 'validation', cols: x.cols, minClasses: 1 });
    }
    const params: GrowParams = {
      nClasses,
      classWeights: resolveClassWeights(o.classWeight, y, nClasses),
      maxDepth: o.maxDepth ?? Number.POSITIVE_INFINITY,
      minSamplesLeaf: o.minSamplesLeaf,
      featuresPerSplit: featuresPerSplit(o.maxFeatures, x.cols),
      bootstrap: o.bootstrap,
    };
    const controller = new AbortController();
    this.training = controller;
    // Started first: their start-up overlaps the binning below.
    const workers = o.nJobs > 0 ? TreeWorkers.start(Math.min(o.nJobs, o.nEstimators)) : null;
    try {
      const bins = computeBinEdges(x, o.maxBins);
      const shared = workers !== null;
      const sharedY = new Int32Array(
        shared ? new SharedArrayBuffer(y.byteLength) : new ArrayBuffer(y.byteLength),
      );
      sharedY.set(y);
      const binned = binMatrix(x, bins, shared);
      const data: TrainingData = {
        binned,
        bits: packTwoBinColumns(binned, bins.nBins, x.rows, shared),
        nRows: x.rows,
        nFeatures: x.cols,
        nBins: bins.nBins,
        y: sharedY,
      };
      const seedSource = new Random(o.seed);
      const seeds = Array.from({ length: o.nEstimators }, () => seedSource.nextUint32());
      const trees = await trainTrees({
        data,
        params,
        seeds,
        workers,
        signal: controller.signal,
        onTreeDone: (done, total) => context.onProgress?.(done, total, 'trees'),
      });
      this.learned = assembleForest(trees, bins, nClasses);
      this.packed = packForest(this.learned);
      this.scorer = null;
    } finally {
      await workers?.terminate();
      if (this.training === controller) this.training = null;
    }
    return this;
  }

  /**
   * Scored in the WebAssembly kernel (wasm/forest-predict.c; forestProba in tree.ts is the reference it
   * matches exactly), about 3× as fast as forestProba on KDD-sized forests. A batch of POOL_MIN_ROWS rows
   * or more is shared between the calling thread and nJobs − 1 kept-alive worker threads (predict-pool.ts),
   * with the same output to the bit; smaller batches, or nJobs ≤ 1, stay in the calling thread.
   */
  async predictProba(x: Matrix): Promise<Matrix> {
    const scorer = this.scorerFor(x);
    const helpers = this.options.nJobs - 1;
    if (helpers < 1 || x.rows < POOL_MIN_ROWS) return scorer.proba(x);
    return sharedPredictPool(helpers).proba(scorer, x);
  }

  async save(dir: string): Promise<string[]> {
    return writeForest(dir, this.requireFitted());
  }

  static async load(dir: string, options: Partial<RandomForestOptions>): Promise<RandomForestClassifier> {
    const model = new RandomForestClassifier(options);
    model.learned = await readForest(dir);
    return model;
  }

  dispose(): Promise<void> {
    this.training?.abort();
    this.training = null;
    this.learned = null;
    this.scorer = null;
    this.packed = null;
    return Promise.resolve();
  }

  private scorerFor(x: Matrix): WasmForestScorer {
    const forest = this.requireFitted();
    if (x.cols !== forest.nFeatures) {
      throw usageError(
        `random forest: input has ${x.cols} features, the model was trained on ${forest.nFeatures}`,
      );
    }
    requireFinite('random forest', x, 'predict');
    this.packed ??= packForest(forest);
    this.scorer ??= new WasmForestScorer(this.packed, forest.nFeatures);
    return this.scorer;
  }

  private requireFitted(): Forest {
    if (!this.learned) throw new NotFittedError('random forest');
    return this.learned;
  }
}
