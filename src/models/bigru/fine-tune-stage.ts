import { readInto, ops } from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import type { EpochLogs } from '../../fit/callbacks.js';
import type { TrainableStage } from '../../fit/fit-stage.js';
import type { VariationalAutoencoder } from '../vae/variational-autoencoder.js';
import type { NamedWeights } from '../../fit/weights-file.js';
import { Adam } from '../../fit/adam.js';
import { trainingPass, type BiGruTrainingPass } from './training-pass.js';
import { predictProbabilities, validationFigures, type BiGruStageData } from './bigru-stage.js';
import type { BiGruParameters } from './parameters.js';
import { ShuffledBatches } from '../shuffled-batches.js';

export const FINETUNE_STAGE = 'finetune';
/** Checkpoint names: the VAE's weights, the BiGRU's, and this stage's two optimizers. */
export const VAE_PREFIX = 'vae/';
export const BIGRU_PREFIX = 'bigru/';
const GRU_ADAM_PREFIX = 'finetune/bigru/';
const ENCODER_ADAM_PREFIX = 'finetune/encoder/';

/** As the BiGRU stage's data, but `x` holds the original input rows, not latent vectors. */
export type FineTuneData = BiGruStageData;

/**
 * End-to-end fine-tuning of the VAE encoder's mean path and the BiGRU. The BiGRU's hand-written backward
 * pass yields d loss / d latent; the encoder's gradients are then those of Σ μ(x) ⊙ (d loss / d latent)
 * taken on the engine's tape (the chain rule, with the latent gradient held constant). Each part has its own
 * Adam; row order comes from (seed, epoch), as in the BiGRU stage.
 */
export class FineTuneStage implements TrainableStage {
  readonly name = FINETUNE_STAGE;
  readonly batchesPerEpoch: number;
  private readonly pass: BiGruTrainingPass;
  private readonly gruAdam: Adam;
  private readonly encoderAdam: Adam;
  /** Plain copies of the encoder variables, which the encoder's Adam updates. */
  private readonly encoderValues: Float32Array[];
  private readonly encoderGradients: Float32Array[];
  private readonly batches: ShuffledBatches;
  private readonly latent: Float32Array;
  private readonly latentGradient: Float32Array;

  constructor(
    private readonly vae: VariationalAutoencoder,
    private readonly params: BiGruParameters,
    private readonly data: FineTuneData,
    private readonly options: {
      readonly batchSize: number;
      readonly seed: number;
      readonly learningRate: number;
    },
  ) {
    this.batches = new ShuffledBatches(data, { batchSize: options.batchSize, seed: options.seed });
    const batchSize = this.batches.batchSize;
    const latentSize = params.inputs;
    this.batchesPerEpoch = this.batches.batchesPerEpoch;
    this.pass = trainingPass(params, batchSize);
    this.gruAdam = new Adam(params.trainable(), {
      learningRate: options.learningRate,
      prefix: GRU_ADAM_PREFIX,
    });
    const variables = vae.trainableEncoderVariables();
    this.encoderValues = variables.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    this.encoderGradients = variables.map((v) => new Float32Array(v.size));
    this.encoderAdam = new Adam(
      this.encoderValues.map((values, k) => [`${k}`, values] as const),
      {
        learningRate: options.learningRate,
        prefix: ENCODER_ADAM_PREFIX,
      },
    );
    this.latent = new Float32Array(batchSize * latentSize);
    this.latentGradient = new Float32Array(batchSize * latentSize);
  }

  trainEpoch(epoch: number, onBatch: (batch: number, loss?: number) => void): Promise<EpochLogs> {
    const { x } = this.data;
    let lossSum = 0;
    let correct = 0;
    this.batches.forEachBatch(epoch, (batch, n) => {
      const result = this.step(n, (loss) => onBatch(batch, loss));
      lossSum += result.lossSum;
      correct += result.correct;
    });
    return Promise.resolve({ loss: lossSum / x.rows, accuracy: correct / x.rows });
  }

  /** Unweighted mean cross-entropy and accuracy on the validation rows, through the current encoder. */
  async validate(): Promise<Pick<EpochLogs, 'valLoss' | 'valAccuracy'>> {
    const validation = this.data.validation;
    if (!validation || validation.x.rows === 0) return {};
    const latent = await this.vae.transform(validation.x);
    return validationFigures(predictProbabilities(this.params, latent), validation.y);
  }

  getWeights(): NamedWeights {
    return {
      ...this.vae.getWeights(VAE_PREFIX),
      ...this.params.toWeights(BIGRU_PREFIX),
      ...this.gruAdam.state(),
      ...this.encoderAdam.state(),
    };
  }

  setWeights(weights: NamedWeights): void {
    const source = 'finetune checkpoint';
    if (!weights[`${GRU_ADAM_PREFIX}adam/iterations`]) {
      throw new IotIdsError('vae-bigru: the checkpoint holds no optimizer state for the finetune stage', {
        location: { file: source },
      });
    }
    this.vae.setWeights(weights, VAE_PREFIX);
    this.vae.trainableEncoderVariables().forEach((v, k) => this.encoderValues[k].set(v.dataSync()));
    this.params.assign(weights, source, BIGRU_PREFIX);
    this.gruAdam.restore(weights, source);
    this.encoderAdam.restore(weights, source);
  }

  /** One batch: forward through encoder and BiGRU, both backward passes, both updates. */
  private step(n: number, report: (loss: number) => void): { lossSum: number; correct: number } {
    const { latent, latentGradient } = this;
    const latentSize = this.params.inputs;
    const variables = this.vae.trainableEncoderVariables();
    const inputs = ops.tensor2d(this.batches.x.subarray(0, n * this.data.x.cols), [n, this.data.x.cols]);
    let result: { lossSum: number; correct: number };
    try {
      const encoded = ops.tidy(() => this.vae.encodeTensor(inputs));
      readInto(encoded, latent);
      encoded.dispose();
      this.pass.forward(latent, n);
      result = this.pass.backward(this.batches.y, this.batches.weights, n, latentGradient);
      // A non-finite loss stops the loop here, before it reaches the weights.
      report(result.lossSum / n);
      const upstream = ops.tensor2d(latentGradient.subarray(0, n * latentSize), [n, latentSize]);
      try {
        const { value, grads } = ops.variableGrads(
          () => ops.sum(ops.mul(this.vae.encodeTensor(inputs), upstream)),
          variables,
        );
        variables.forEach((v, k) => readInto(grads[v.name], this.encoderGradients[k]));
        ops.dispose([value, ...Object.values(grads)]);
      } finally {
        upstream.dispose();
      }
    } finally {
      inputs.dispose();
    }
    this.gruAdam.apply(this.pass.gradients);
    this.encoderAdam.apply(this.encoderGradients);
    variables.forEach((v, k) => {
      const value = ops.tensor(this.encoderValues[k], v.shape, 'float32');
      v.assign(value);
      value.dispose();
    });
    return result;
  }
}
