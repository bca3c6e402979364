import { ops } from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { Random } from '../../util/random.js';
import { DenseChain, forwardLayers, layerTensors, type DenseLayer } from './dense-chain.js';
import { klSum, reconstructionSum, type ReconstructionKind } from './vae-loss.js';
import type { VaeParameters } from './vae-parameters.js';

export interface VaeLossSettings {
  readonly reconstruction: ReconstructionKind;
  readonly beta: number;
}

/** Sums over the rows of one batch (divide by the rows for means). */
export interface VaeBatchLoss {
  readonly reconstructionSum: number;
  readonly klSum: number;
}

/**
 * One training step of the VAE, forward and backward, in one `tf.tidy`: encoder → [μ | log σ²] (the two heads
 * are one product), z = μ + σ·ε with ε given by the caller (the reparameterisation trick: the noise is an
 * input, so the gradient flows through μ and σ), decoder → logits o and σ(o), then the gradient of the
 * batch-mean loss (vae-loss.ts) back through both chains. The 17 matrix products and the sigmoid run on the
 * engine, everything else in JS over row-major arrays. Training runs `VaeStepKernel` (vae-step-kernel.ts),
 * the same step in WebAssembly; this one is the reference its tests compare against.
 */
export class VaeStep {
  /** One buffer per parameter, in `VaeParameters.trainable()` order, filled by `run`. */
  readonly gradients: Float32Array[];
  private readonly head: DenseLayer;
  private readonly encoderChain: DenseChain;
  private readonly decoderChain: DenseChain;
  private readonly meanGradient: DenseLayer;
  private readonly logVarGradient: DenseLayer;
  private capacity = 0;
  private z = new Float32Array(0);
  private sigma = new Float32Array(0);
  private outputGradient = new Float32Array(0);
  private headGradient = new Float32Array(0);

  constructor(
    private readonly params: VaeParameters,
    private readonly settings: VaeLossSettings,
  ) {
    this.head = combinedHead(params);
    // The encoder's input rows are one-hot encoded features: its first layer runs over their non-zeros.
    this.encoderChain = new DenseChain([...params.encoder, this.head], true);
    this.decoderChain = new DenseChain(params.decoder);
    const emptyLike = (l: DenseLayer): DenseLayer => ({
      inputs: l.inputs,
      units: l.units,
      kernel: new Float32Array(l.kernel.length),
      bias: new Float32Array(l.bias.length),
    });
    this.meanGradient = emptyLike(params.mean);
    this.logVarGradient = emptyLike(params.logVar);
    const e = this.encoderChain;
    const d = this.decoderChain;
    this.gradients = [
      ...params.encoder.flatMap((_, k) => [e.kernelGradients[k], e.biasGradients[k]]),
      this.meanGradient.kernel,
      this.meanGradient.bias,
      this.logVarGradient.kernel,
      this.logVarGradient.bias,
      ...params.decoder.flatMap((_, k) => [d.kernelGradients[k], d.biasGradients[k]]),
    ];
  }

  /** `x`: n rows `[n, features]` row-major (may be longer); `noise`: n × latentSize standard normal draws. */
  run(x: Float32Array, n: number, noise: Float32Array): VaeBatchLoss {
    const { params, settings } = this;
    const features = params.features;
    const latent = params.latentSize;
    if (x.length < n * features || noise.length < n * latent) {
      throw new IotIdsError(
        `vae: a batch of ${n} rows needs ${n * features} features and ${n * latent} noise draws`,
      );
    }
    this.reserve(n);
    fillCombinedHead(params, this.head);
    return ops.tidy(() => {
      const meanLogVar = this.encoderChain.forward(x, n).dataSync() as Float32Array;
      const kl = this.sample(meanLogVar, noise, n);
      const logits = this.decoderChain.forward(this.z, n);
      const probabilities = ops.sigmoid(logits).dataSync() as Float32Array;
      const reconstruction = reconstructionSum(
        probabilities,
        settings.reconstruction === 'bce' ? (logits.dataSync() as Float32Array) : null,
        x,
        n * features,
        settings.reconstruction,
        this.outputGradient,
        1 / n,
      );
      const zGradient = this.decoderChain.backward(this.outputGradient, true) as Float32Array;
      this.fillHeadGradient(meanLogVar, zGradient, noise, n);
      this.encoderChain.backward(this.headGradient, false);
      this.splitHeadGradient();
      return { reconstructionSum: reconstruction, klSum: kl };
    });
  }

  /** z = μ + σ·ε into `this.z` (σ kept for the backward pass); returns Σ KL over the rows. */
  private sample(meanLogVar: Float32Array, noise: Float32Array, n: number): number {
    const latent = this.params.latentSize;
    const { z, sigma } = this;
    let kl = 0;
    for (let i = 0; i < n; i++) {
      const row = i * 2 * latent;
      for (let j = 0; j < latent; j++) {
        const mu = meanLogVar[row + j];
        const logVar = meanLogVar[row + latent + j];
        const sd = Math.exp(0.5 * logVar);
        const at = i * latent + j;
        sigma[at] = sd;
        z[at] = mu + sd * noise[at];
        kl += 0.5 * (mu * mu + sd * sd - 1 - logVar);
      }
    }
    return kl;
  }

  /** ∂loss/∂μ = ∂loss/∂z + β·μ/n and ∂loss/∂log σ² = ∂loss/∂z · ε · σ/2 + β·(σ² − 1)/(2n), `[n, 2·latent]`. */
  private fillHeadGradient(
    meanLogVar: Float32Array,
    zGradient: Float32Array,
    noise: Float32Array,
    n: number,
  ): void {
    const latent = this.params.latentSize;
    const scale = this.settings.beta / n;
    const out = this.headGradient;
    for (let i = 0; i < n; i++) {
      const row = i * 2 * latent;
      for (let j = 0; j < latent; j++) {
        const at = i * latent + j;
        const sd = this.sigma[at];
        const dz = zGradient[at];
        out[row + j] = dz + scale * meanLogVar[row + j];
        out[row + latent + j] = 0.5 * (dz * noise[at] * sd + scale * (sd * sd - 1));
      }
    }
  }

  /** The combined head's `[hidden, 2·latent]` gradient back into the μ and log σ² layers'. */
  private splitHeadGradient(): void {
    const latent = this.params.latentSize;
    const last = this.encoderChain.layers.length - 1;
    const kernel = this.encoderChain.kernelGradients[last];
    const bias = this.encoderChain.biasGradients[last];
    for (let r = 0; r < this.head.inputs; r++) {
      for (let j = 0; j < latent; j++) {
        this.meanGradient.kernel[r * latent + j] = kernel[r * 2 * latent + j];
        this.logVarGradient.kernel[r * latent + j] = kernel[r * 2 * latent + latent + j];
      }
    }
    this.meanGradient.bias.set(bias.subarray(0, latent));
    this.logVarGradient.bias.set(bias.subarray(latent));
  }

  private reserve(n: number): void {
    if (n <= this.capacity) return;
    const { features, latentSize } = this.params;
    this.z = new Float32Array(n * latentSize);
    this.sigma = new Float32Array(n * latentSize);
    this.outputGradient = new Float32Array(n * features);
    this.headGradient = new Float32Array(n * 2 * latentSize);
    this.capacity = n;
  }
}

/** The μ and log σ² layers side by side: one `[hidden, 2·latent]` product instead of two. */
function combinedHead(params: VaeParameters): DenseLayer {
  const head = {
    inputs: params.mean.inputs,
    units: 2 * params.latentSize,
    kernel: new Float32Array(params.mean.inputs * 2 * params.latentSize),
    bias: new Float32Array(2 * params.latentSize),
  };
  fillCombinedHead(params, head);
  return head;
}

function fillCombinedHead(params: VaeParameters, head: DenseLayer): void {
  const latent = params.latentSize;
  for (let r = 0; r < head.inputs; r++) {
    head.kernel.set(params.mean.kernel.subarray(r * latent, (r + 1) * latent), r * 2 * latent);
    head.kernel.set(params.logVar.kernel.subarray(r * latent, (r + 1) * latent), r * 2 * latent + latent);
  }
  head.bias.set(params.mean.bias);
  head.bias.set(params.logVar.bias, latent);
}

/**
 * Standard normal draws into `out[0, count)` by Marsaglia's polar method: both values of each pair are used
 * and no sine or cosine is needed (each costs as much as the rest of a draw in JS).
 */
export function fillStandardNormal(out: Float32Array, count: number, random: Random): void {
  for (let i = 0; i < count; i += 2) {
    let u: number;
    let v: number;
    let radius: number;
    do {
      u = 2 * random.next() - 1;
      v = 2 * random.next() - 1;
      radius = u * u + v * v;
    } while (radius >= 1 || radius === 0);
    const factor = Math.sqrt((-2 * Math.log(radius)) / radius);
    out[i] = u * factor;
    if (i + 1 < count) out[i + 1] = v * factor;
  }
}

export interface VaeEvaluation {
  /** Mean over rows of the reconstruction term. */
  readonly reconstruction: number;
  /** Mean over rows of KL(q(z|x) ‖ N(0, I)). */
  readonly kl: number;
  /** reconstruction + β · kl. */
  readonly loss: number;
}

/**
 * The loss without sampling (z = μ: the decoder sees the posterior mean), so early stopping does not chase
 * the noise of one draw. Batched; nothing outlives a batch on the engine.
 */
export function evaluateVae(
  params: VaeParameters,
  x: Matrix,
  settings: VaeLossSettings,
  batchSize = 8192,
): VaeEvaluation {
  const latent = params.latentSize;
  let reconstruction = 0;
  let kl = 0;
  for (let start = 0; start < x.rows; start += batchSize) {
    const n = Math.min(batchSize, x.rows - start);
    const rows = x.data.subarray(start * x.cols, (start + n) * x.cols);
    const outputs = ops.tidy(() => {
      const encoded = forwardLayers(
        ops.tensor2d(rows, [n, x.cols]),
        [...params.encoder, combinedHead(params)].map(layerTensors),
      );
      const logits = forwardLayers(ops.slice(encoded, [0, 0], [n, latent]), params.decoder.map(layerTensors));
      return [encoded, ops.sigmoid(logits), logits];
    });
    const [values, probabilities, logits] = outputs.map((t) => t.dataSync() as Float32Array);
    ops.dispose(outputs);
    kl += klSum(values, n, latent);
    reconstruction += reconstructionSum(
      probabilities,
      logits,
      rows,
      n * x.cols,
      settings.reconstruction,
      null,
    );
  }
  const count = Math.max(1, x.rows);
  return {
    reconstruction: reconstruction / count,
    kl: kl / count,
    loss: (reconstruction + settings.beta * kl) / count,
  };
}

/**
 * The reconstruction term of every row with z = μ (summed over the row's features, as in the loss): how
 * unlike the training rows a row is, without the noise of a sampled z.
 */
export function rowReconstructionErrors(
  params: VaeParameters,
  x: Matrix,
  settings: Pick<VaeLossSettings, 'reconstruction'>,
  batchSize = 8192,
): Float32Array {
  const out = new Float32Array(x.rows);
  const cols = x.cols;
  for (let start = 0; start < x.rows; start += batchSize) {
    const n = Math.min(batchSize, x.rows - start);
    const rows = x.data.subarray(start * cols, (start + n) * cols);
    const outputs = ops.tidy(() => {
      const encoded = forwardLayers(
        ops.tensor2d(rows, [n, cols]),
        [...params.encoder, combinedHead(params)].map(layerTensors),
      );
      const mean = ops.slice(encoded, [0, 0], [n, params.latentSize]);
      const logits = forwardLayers(mean, params.decoder.map(layerTensors));
      return [ops.sigmoid(logits), logits];
    });
    const [probabilities, logits] = outputs.map((t) => t.dataSync() as Float32Array);
    ops.dispose(outputs);
    for (let i = 0; i < n; i++) {
      const row = (values: Float32Array) => values.subarray(i * cols, (i + 1) * cols);
      out[start + i] = reconstructionSum(
        row(probabilities),
        row(logits),
        row(rows),
        cols,
        settings.reconstruction,
        null,
      );
    }
  }
  return out;
}

/** μ and log σ² of q(z|x) for every row (rows × latentSize each), from the parameter arrays. */
export function posterior(
  params: VaeParameters,
  x: Matrix,
  batchSize = 8192,
): { mean: Matrix; logVar: Matrix } {
  const latent = params.latentSize;
  const mean = new Float32Array(x.rows * latent);
  const logVar = new Float32Array(x.rows * latent);
  for (let start = 0; start < x.rows; start += batchSize) {
    const n = Math.min(batchSize, x.rows - start);
    const encoded = ops.tidy(() =>
      forwardLayers(
        ops.tensor2d(x.data.subarray(start * x.cols, (start + n) * x.cols), [n, x.cols]),
        [...params.encoder, combinedHead(params)].map(layerTensors),
      ),
    );
    const values = encoded.dataSync() as Float32Array;
    encoded.dispose();
    for (let i = 0; i < n; i++) {
      mean.set(values.subarray(i * 2 * latent, i * 2 * latent + latent), (start + i) * latent);
      logVar.set(values.subarray(i * 2 * latent + latent, (i + 1) * 2 * latent), (start + i) * latent);
    }
  }
  return {
    mean: { rows: x.rows, cols: latent, data: mean },
    logVar: { rows: x.rows, cols: latent, data: logVar },
  };
}
