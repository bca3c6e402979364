import type { Matrix } from '../../preprocess/matrix.js';
import type { EpochLogs } from '../../fit/callbacks.js';
import type { TrainableStage } from '../../fit/fit-stage.js';
import { Random } from '../../util/random.js';
import type { NamedWeights } from '../../fit/weights-file.js';
import { BatchFeatures } from './batch-features.js';
import {
  decisionValues,
  squaredHingeGradient,
  squaredHingeSum,
  type BatchGradient,
} from './squared-hinge.js';
import type { SvmState } from './svm-weights.js';
import type { Adam } from '../../fit/adam.js';

export const SVM_STAGE = 'svm';
/** Rows scored at once when validating or predicting: large enough to amortise, small in memory. */
export const SCORING_BATCH = 8192;

export interface SvmStageConfig {
  readonly x: Matrix;
  readonly y: Int32Array;
  /** Class weight of every training row, or null for all 1. */
  readonly rowWeights: Float32Array | null;
  readonly validation?: { readonly x: Matrix; readonly y: Int32Array };
  /** Class weights (indexed by class) applied to validation rows too, so valLoss is the trained loss. */
  readonly classWeights: Float64Array | null;
  readonly batchSize: number;
  readonly seed: number;
  /** The live model: the stage updates `state.head` in place and steps `adam`. */
  readonly model: {
    state(): SvmState;
    adam(): Adam;
    getWeights(): NamedWeights;
    setWeights(weights: NamedWeights): void;
  };
}

/**
 * The SVM's one training stage: mini-batch Adam on the squared hinge loss plus L2. The batch order of an
 * epoch depends only on the seed and the epoch number, so a resumed run repeats the batches it would have
 * seen. `loss`/`valLoss` are the class-weighted mean squared hinge (data term, without the L2 penalty).
 */
export function svmStage(config: SvmStageConfig): TrainableStage {
  const { x, y, rowWeights, batchSize } = config;
  const n = x.rows;
  const state0 = config.model.state();
  const train = new BatchFeatures(x, state0.rff);
  const validation = config.validation
    ? { features: new BatchFeatures(config.validation.x, state0.rff), y: config.validation.y }
    : undefined;
  const p = train.dim;
  const k = state0.head.nClasses;
  const zBatch = new Float32Array(Math.min(batchSize, n) * p);
  const scores = new Float32Array(Math.min(batchSize, n) * k);
  const labels = new Int32Array(Math.min(batchSize, n));
  const weights = rowWeights ? new Float32Array(labels.length) : null;
  const gradient: BatchGradient = { weight: new Float64Array(k * p), bias: new Float64Array(k) };

  return {
    name: SVM_STAGE,
    batchesPerEpoch: Math.ceil(n / batchSize),
    trainEpoch(epoch, onBatch): Promise<EpochLogs> {
      const { head } = config.model.state();
      const adam = config.model.adam();
      const order = Int32Array.from({ length: n }, (_, i) => i);
      new Random(epochSeed(config.seed, epoch)).shuffle(order);
      let lossSum = 0;
      let correct = 0;
      for (let batch = 0, start = 0; start < n; batch++, start += batchSize) {
        const end = Math.min(start + batchSize, n);
        const rows = end - start;
        train.gather(order, start, end, zBatch);
        for (let i = 0; i < rows; i++) {
          labels[i] = y[order[start + i]];
          if (weights && rowWeights) weights[i] = rowWeights[order[start + i]];
        }
        const z = zBatch.subarray(0, rows * p);
        const s = scores.subarray(0, rows * k);
        decisionValues(head, z, rows, s);
        const result = squaredHingeGradient(
          head,
          z,
          s,
          labels.subarray(0, rows),
          weights ? weights.subarray(0, rows) : null,
          gradient,
        );
        adam.apply([gradient.weight, gradient.bias]);
        lossSum += result.lossSum;
        correct += result.correct;
        onBatch(batch, result.lossSum / rows);
      }
      return Promise.resolve({ loss: lossSum / n, accuracy: correct / n });
    },
    validate: validation
      ? () => {
          const { head } = config.model.state();
          const m = validation.y.length;
          const rowsAtOnce = Math.min(SCORING_BATCH, m);
          const z = new Float32Array(rowsAtOnce * p);
          const s = new Float32Array(rowsAtOnce * k);
          let lossSum = 0;
          let correct = 0;
          for (let start = 0; start < m; start += rowsAtOnce) {
            const end = Math.min(start + rowsAtOnce, m);
            const rows = end - start;
            validation.features.gather(null, start, end, z);
            decisionValues(head, z, rows, s);
            const ys = validation.y.subarray(start, end);
            const classWeights = config.classWeights;
            const ws = classWeights ? Array.from(ys, (c) => classWeights[c]) : null;
            lossSum += squaredHingeSum(s, k, ys, ws);
            correct += countCorrect(s, k, ys);
          }
          return Promise.resolve({ valLoss: lossSum / m, valAccuracy: correct / m });
        }
      : undefined,
    getWeights: () => config.model.getWeights(),
    setWeights: (w) => config.model.setWeights(w),
  };
}

function countCorrect(scores: Float32Array, k: number, labels: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (scores[i * k + c] > scores[i * k + best]) best = c;
    if (best === labels[i]) correct++;
  }
  return correct;
}

/** A seed for the batch order of `epoch` that does not depend on the epochs before it. */
function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0;
}
