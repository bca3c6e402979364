/**
 * The VAE's weights as plain arrays, named as in weight files and checkpoints (after an optional prefix):
 *   encoder/dense_<k>/{kernel,bias}   features → encoderUnits[0] → …   (ReLU)
 *   encoder/mean/{kernel,bias}        → latentSize                     (linear: μ)
 *   encoder/log_var/{kernel,bias}     → latentSize                     (linear: log σ²)
 *   decoder/dense_<k>/{kernel,bias}   latentSize → encoderUnits reversed (ReLU)
 *   decoder/output/{kernel,bias}      → features                       (sigmoid in the loss)
 * Kernels are `[inputs, units]`, row-major.
 */
import type { Random } from '../../util/random.js';
import type { NamedWeights } from '../../fit/weights-file.js';
import type { NamedArray } from '../../fit/adam.js';
import { glorotLayer, type DenseLayer } from './dense-chain.js';
import { assignLayers, kernelShape, layersToWeights } from './named-layers.js';

export class VaeParameters {
  private constructor(
    readonly encoder: readonly DenseLayer[],
    readonly mean: DenseLayer,
    readonly logVar: DenseLayer,
    readonly decoder: readonly DenseLayer[],
  ) {}

  get features(): number {
    return this.encoder[0].inputs;
  }

  get latentSize(): number {
    return this.mean.units;
  }

  get encoderUnits(): number[] {
    return this.encoder.map((l) => l.units);
  }

  /** Glorot-uniform kernels and zero biases, drawn in the order of `layers()`. */
  static initial(
    features: number,
    encoderUnits: readonly number[],
    latentSize: number,
    random: Random,
  ): VaeParameters {
    const widths = [features, ...encoderUnits];
    const encoder = encoderUnits.map((units, k) => glorotLayer(widths[k], units, random));
    const top = encoderUnits[encoderUnits.length - 1];
    const mean = glorotLayer(top, latentSize, random);
    const logVar = glorotLayer(top, latentSize, random);
    const back = [latentSize, ...[...encoderUnits].reverse(), features];
    const decoder = back.slice(1).map((units, k) => glorotLayer(back[k], units, random));
    return new VaeParameters(encoder, mean, logVar, decoder);
  }

  /** Every layer with its name, in a fixed order (encoder, mean, log_var, decoder). */
  layers(): (readonly [name: string, layer: DenseLayer])[] {
    const last = this.decoder.length - 1;
    return [
      ...this.encoder.map((l, k) => [`encoder/dense_${k}`, l] as const),
      ['encoder/mean', this.mean] as const,
      ['encoder/log_var', this.logVar] as const,
      ...this.decoder.map((l, k) => [k === last ? 'decoder/output' : `decoder/dense_${k}`, l] as const),
    ];
  }

  /** The encoder layers that compute μ (what the features need), input side first. */
  meanPath(): DenseLayer[] {
    return [...this.encoder, this.mean];
  }

  /** Kernel and bias of every layer, named, in `layers()` order: the optimiser's parameter list. */
  trainable(): NamedArray[] {
    return this.layers().flatMap(([name, l]) => [
      [`${name}/kernel`, l.kernel] as const,
      [`${name}/bias`, l.bias] as const,
    ]);
  }

  /** Copies of every weight, names prefixed with `prefix`. */
  toWeights(prefix = ''): NamedWeights {
    return layersToWeights(this.layers(), prefix);
  }

  /** Copies the values of `weights` (names prefixed with `prefix`) in; every shape must match this network. */
  assign(weights: NamedWeights, prefix: string, source: string): void {
    assignLayers(this.layers(), weights, prefix, source);
  }

  /** Builds the network the weights describe (sizes read from their shapes), checking that the layers chain. */
  static fromWeights(weights: NamedWeights, prefix: string, source: string): VaeParameters {
    const shapeOf = (name: string) => kernelShape(weights, `${prefix}${name}/kernel`, source);
    const encoderUnits: number[] = [];
    for (let k = 0; `${prefix}encoder/dense_${k}/kernel` in weights; k++) {
      encoderUnits.push(shapeOf(`encoder/dense_${k}`)[1]);
    }
    const [features] = shapeOf('encoder/dense_0');
    const [, latentSize] = shapeOf('encoder/mean');
    const params = VaeParameters.initial(features, encoderUnits, latentSize, zeroRandom);
    params.assign(weights, prefix, source);
    return params;
  }
}

// fromWeights overwrites every value, so the initial draw does not matter.
const zeroRandom = { next: () => 0.5 } as unknown as Random;
