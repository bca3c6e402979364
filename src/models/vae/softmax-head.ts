/**
 * The classifier on top of the VAE features: `headUnits` Dense+ReLU layers, then Dense → softmax, trained
 * with Adam on (optionally class-weighted) cross-entropy while the encoder stays fixed. Weights are named
 * `head/dense_<k>/…` and `head/output/…` (after the prefix).
 */
import { predictInBatches, ops, type Tensor2D } from '../../engine/index.js';
import { IotIdsError } from '../../errors.js';
import type { Matrix } from '../../preprocess/matrix.js';
import type { Random } from '../../util/random.js';
import type { NamedWeights } from '../../fit/weights-file.js';
import type { NamedArray } from '../../fit/adam.js';
import { DenseChain, forwardLayers, glorotLayer, layerTensors, type DenseLayer } from './dense-chain.js';
import { assignLayers, kernelShape, layersToWeights, type NamedLayer } from './named-layers.js';

export class HeadParameters {
  private constructor(readonly layers: readonly DenseLayer[]) {}

  get inputs(): number {
    return this.layers[0].inputs;
  }

  get classes(): number {
    return this.layers[this.layers.length - 1].units;
  }

  get hiddenUnits(): number[] {
    return this.layers.slice(0, -1).map((l) => l.units);
  }

  static initial(
    inputs: number,
    hiddenUnits: readonly number[],
    classes: number,
    random: Random,
  ): HeadParameters {
    const widths = [inputs, ...hiddenUnits, classes];
    return new HeadParameters(widths.slice(1).map((units, k) => glorotLayer(widths[k], units, random)));
  }

  named(): NamedLayer[] {
    const last = this.layers.length - 1;
    return this.layers.map((l, k) => [k === last ? 'output' : `dense_${k}`, l] as const);
  }

  trainable(): NamedArray[] {
    return this.named().flatMap(([name, l]) => [
      [`${name}/kernel`, l.kernel] as const,
      [`${name}/bias`, l.bias] as const,
    ]);
  }

  toWeights(prefix: string): NamedWeights {
    return layersToWeights(this.named(), prefix);
  }

  assign(weights: NamedWeights, prefix: string, source: string): void {
    assignLayers(this.named(), weights, prefix, source);
  }

  /** The head the weights describe (sizes from their shapes). */
  static fromWeights(weights: NamedWeights, prefix: string, source: string): HeadParameters {
    const hidden: number[] = [];
    for (let k = 0; `${prefix}dense_${k}/kernel` in weights; k++) {
      hidden.push(kernelShape(weights, `${prefix}dense_${k}/kernel`, source)[1]);
    }
    const [lastInputs, classes] = kernelShape(weights, `${prefix}output/kernel`, source);
    const inputs = hidden.length ? kernelShape(weights, `${prefix}dense_0/kernel`, source)[0] : lastInputs;
    const head = HeadParameters.initial(inputs, hidden, classes, { next: () => 0.5 } as unknown as Random);
    head.assign(weights, prefix, source);
    return head;
  }

  /** Class probabilities, rows × classes. */
  predictProba(features: Matrix): Matrix {
    if (features.cols !== this.inputs) {
      throw new IotIdsError(`vae head: ${features.cols} features, the head takes ${this.inputs}`);
    }
    return predictInBatches(
      features,
      (xs) => ops.softmax(forwardLayers(xs as Tensor2D, this.layers.map(layerTensors))),
      {
        batchSize: 8192,
      },
    );
  }
}

/** Forward and backward of one batch: fills `gradients` (in `trainable()` order) for the mean weighted loss. */
export class HeadStep {
  readonly gradients: Float32Array[];
  private readonly chain: DenseChain;
  private logitGradient = new Float32Array(0);

  constructor(private readonly head: HeadParameters) {
    this.chain = new DenseChain(head.layers);
    this.gradients = head.layers.flatMap((_, k) => [
      this.chain.kernelGradients[k],
      this.chain.biasGradients[k],
    ]);
  }

  /** Σ weight · cross-entropy over the n rows, and how many the arg-max gets right (training mode). */
  run(
    features: Float32Array,
    labels: Int32Array,
    weights: Float32Array | null,
    n: number,
  ): { lossSum: number; correct: number } {
    const k = this.head.classes;
    if (this.logitGradient.length < n * k) this.logitGradient = new Float32Array(n * k);
    return ops.tidy(() => {
      const logits = this.chain.forward(features, n).dataSync() as Float32Array;
      const result = softmaxCrossEntropy(logits, labels, weights, n, k, this.logitGradient);
      this.chain.backward(this.logitGradient, false);
      return result;
    });
  }
}

/**
 * Softmax cross-entropy of `[n, k]` logits; writes ∂(mean weighted loss)/∂logits (`[n, k]`).
 * Mean = Σ weight · loss / n (Keras `sample_weight` semantics).
 */
function softmaxCrossEntropy(
  logits: Float32Array,
  labels: Int32Array,
  weights: Float32Array | null,
  n: number,
  k: number,
  gradient: Float32Array,
): { lossSum: number; correct: number } {
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const row = i * k;
    const label = labels[i];
    if (!(label >= 0 && label < k))
      throw new IotIdsError(`vae head: label ${label} of batch row ${i} is outside [0, ${k})`);
    let best = 0;
    for (let c = 1; c < k; c++) if (logits[row + c] > logits[row + best]) best = c;
    if (best === label) correct++;
    const max = logits[row + best];
    let total = 0;
    for (let c = 0; c < k; c++) total += Math.exp(logits[row + c] - max);
    const weight = weights === null ? 1 : weights[i];
    lossSum += weight * (Math.log(total) - (logits[row + label] - max));
    for (let c = 0; c < k; c++) {
      const p = Math.exp(logits[row + c] - max) / total;
      gradient[row + c] = ((p - (c === label ? 1 : 0)) * weight) / n;
    }
  }
  return { lossSum, correct };
}
