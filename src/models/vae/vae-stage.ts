import type { Matrix } from '../../preprocess/matrix.js';
import type { EpochLogs } from '../../fit/callbacks.js';
import type { TrainableStage } from '../../fit/fit-stage.js';
import { Random } from '../../util/random.js';
import type { NamedWeights } from '../../fit/weights-file.js';
import type { Adam } from '../../fit/adam.js';
import type { VaeParameters } from './vae-parameters.js';
import { evaluateVae, type VaeLossSettings } from './vae-step.js';
import { VaeStepKernel } from './vae-step-kernel.js';

export const VAE_STAGE = 'vae';

export interface VaeStageOptions {
  readonly batchSize: number;
  readonly seed: number;
  readonly settings: VaeLossSettings;
  /** Prepended to every weight name in checkpoints. */
  readonly weightPrefix: string;
}

/**
 * The VAE's unsupervised training stage. Each epoch draws its row order and reparameterisation noise from
 * a generator seeded by (seed, epoch) alone, so a run resumed after epoch k repeats exactly what the
 * uninterrupted run would have done from epoch k + 1 on.
 */
export class VaeStage implements TrainableStage {
  readonly name = VAE_STAGE;
  readonly batchesPerEpoch: number;
  /** The step runs in a WebAssembly kernel: rows and noise go straight into its memory. */
  private readonly step: VaeStepKernel;
  /** Whether the kernel holds the training rows (as non-zero lists) and gathers each batch itself. */
  private readonly held: boolean;

  constructor(
    private readonly params: VaeParameters,
    private readonly adam: Adam,
    private readonly data: { readonly x: Matrix; readonly validation?: Matrix },
    private readonly options: VaeStageOptions,
  ) {
    const batchSize = Math.max(1, Math.min(options.batchSize, data.x.rows));
    this.batchesPerEpoch = Math.ceil(data.x.rows / batchSize);
    this.step = new VaeStepKernel(params, options.settings, batchSize);
    this.held = this.step.holdRows(data.x);
  }

  trainEpoch(epoch: number, onBatch: (batch: number, loss?: number) => void): Promise<EpochLogs> {
    const { x } = this.data;
    const random = epochRandom(this.options.seed, epoch);
    const order = random.shuffle(Int32Array.from({ length: x.rows }, (_, i) => i));
    const beta = this.options.settings.beta;
    let lossSum = 0;
    // The weights and Adam's moments stay in the kernel for the epoch and come back at its end, or when a
    // non-finite loss stops it (then as they were after the last good batch, as before).
    this.step.load(this.adam);
    try {
      lossSum = this.runBatches(order, random, beta, onBatch);
    } finally {
      this.step.store();
    }
    return Promise.resolve({ loss: lossSum / x.rows });
  }

  private runBatches(
    order: Int32Array,
    random: Random,
    beta: number,
    onBatch: (batch: number, loss?: number) => void,
  ): number {
    const { x } = this.data;
    const cols = x.cols;
    const batchSize = this.step.maxRows;
    const { rowPitch } = this.step;
    let lossSum = 0;
    for (let batch = 0; batch < this.batchesPerEpoch; batch++) {
      const start = batch * batchSize;
      const n = Math.min(batchSize, x.rows - start);
      if (this.held) {
        this.step.gatherRows(order, start, n);
      } else {
        const rows = this.step.rows;
        for (let i = 0; i < n; i++) {
          const from = order[start + i] * cols;
          // subarray + set (a memcpy) gathered KDDTrain+'s shuffled rows in 2/3 of an element loop's time.
          rows.set(x.data.subarray(from, from + cols), i * rowPitch);
        }
      }
      // The draws of fillStandardNormal, made in the kernel; `random` is used for nothing else after the
      // shuffle (the kernel takes its words ahead).
      this.step.drawNoise(n * this.params.latentSize, random);
      const result = this.step.trainStep(n);
      const batchLoss = result.reconstructionSum + beta * result.klSum;
      // A non-finite loss stops training here, before it can reach the weights.
      onBatch(batch, batchLoss / n);
      this.step.applyAdam();
      lossSum += batchLoss;
    }
    return lossSum;
  }

  /** The sample-free loss (z = μ) on the validation rows. */
  validate(): Promise<Pick<EpochLogs, 'valLoss'>> {
    const validation = this.data.validation;
    if (!validation || validation.rows === 0) return Promise.resolve({});
    return Promise.resolve({ valLoss: evaluateVae(this.params, validation, this.options.settings).loss });
  }

  /** Network weights plus the optimizer's moments and step count. */
  getWeights(): NamedWeights {
    const prefix = this.options.weightPrefix;
    return { ...this.params.toWeights(prefix), ...this.adam.state(prefix) };
  }

  setWeights(weights: NamedWeights): void {
    const source = 'vae checkpoint';
    this.params.assign(weights, this.options.weightPrefix, source);
    this.adam.restore(weights, source, this.options.weightPrefix);
  }
}

/** The generator of one epoch of a stage: depends on the seed, the stage and the epoch only. */
export function epochRandom(seed: number, epoch: number, stage = 0): Random {
  return new Random(
    (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(stage + 1, 0x85ebca6b) + epoch) >>> 0,
  );
}
