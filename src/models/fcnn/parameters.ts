import { IotIdsError } from '../../errors.js';
import type { Random } from '../../util/random.js';
import type { NamedWeights } from '../../fit/weights-file.js';

/** One Dense → BatchNorm block. The Dense layer has no bias: BatchNorm's mean subtraction would cancel it. */
export interface HiddenBlock {
  readonly inputs: number;
  readonly units: number;
  /** `[inputs, units]`, row-major. */
  readonly kernel: Float32Array;
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly movingMean: Float32Array;
  readonly movingVariance: Float32Array;
}

export interface OutputLayer {
  readonly inputs: number;
  readonly units: number;
  /** `[inputs, units]`, row-major. */
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

/**
 * The network's state as plain arrays. Training updates these in place (the engine only multiplies
 * matrices), so saving, checkpointing and restoring never have to read tensors back.
 */
export class FcnnParameters {
  readonly hidden: HiddenBlock[];
  readonly output: OutputLayer;

  private constructor(hidden: HiddenBlock[], output: OutputLayer) {
    this.hidden = hidden;
    this.output = output;
  }

  get inputs(): number {
    return this.hidden[0].inputs;
  }

  get classes(): number {
    return this.output.units;
  }

  /** Glorot-uniform kernels (the Keras default), zero biases, BatchNorm at the identity. */
  static initial(
    inputs: number,
    hiddenUnits: readonly number[],
    classes: number,
    random: Random,
  ): FcnnParameters {
    const glorot = (fanIn: number, fanOut: number): Float32Array => {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const values = new Float32Array(fanIn * fanOut);
      for (let i = 0; i < values.length; i++) values[i] = (2 * random.next() - 1) * limit;
      return values;
    };
    let width = inputs;
    const hidden = hiddenUnits.map((units) => {
      const block: HiddenBlock = {
        inputs: width,
        units,
        kernel: glorot(width, units),
        gamma: new Float32Array(units).fill(1),
        beta: new Float32Array(units),
        movingMean: new Float32Array(units),
        movingVariance: new Float32Array(units).fill(1),
      };
      width = units;
      return block;
    });
    const output = {
      inputs: width,
      units: classes,
      kernel: glorot(width, classes),
      bias: new Float32Array(classes),
    };
    return new FcnnParameters(hidden, output);
  }

  /**
   * Rebuilds the parameters from `weights` (as `toWeights` wrote them), checking every name and shape;
   * `source` names the file or checkpoint in errors.
   */
  static fromWeights(weights: NamedWeights, source: string): FcnnParameters {
    const take = (name: string, shape: readonly number[]): Float32Array => {
      const w = weights[name];
      if (!w)
        throw new IotIdsError(`fcnn: weight "${name}" is missing`, {
          location: { file: source, field: name },
        });
      if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
        throw new IotIdsError(
          `fcnn: weight "${name}" has shape [${w.shape.join(', ')}], expected [${shape.join(', ')}]`,
          {
            location: { file: source, field: name },
          },
        );
      }
      return Float32Array.from(w.data);
    };
    const blocks: HiddenBlock[] = [];
    for (let b = 0; weights[`dense${b}/kernel`] !== undefined; b++) {
      const shape = weights[`dense${b}/kernel`].shape;
      const [inputs, units] = shape;
      if (shape.length !== 2 || (b > 0 && inputs !== blocks[b - 1].units)) {
        throw new IotIdsError(
          `fcnn: weight "dense${b}/kernel" has shape [${shape.join(', ')}], which does not follow the previous block`,
          {
            location: { file: source, field: `dense${b}/kernel` },
          },
        );
      }
      blocks.push({
        inputs,
        units,
        kernel: take(`dense${b}/kernel`, [inputs, units]),
        gamma: take(`batchNorm${b}/gamma`, [units]),
        beta: take(`batchNorm${b}/beta`, [units]),
        movingMean: take(`batchNorm${b}/movingMean`, [units]),
        movingVariance: take(`batchNorm${b}/movingVariance`, [units]),
      });
    }
    if (blocks.length === 0) {
      throw new IotIdsError('fcnn: weight "dense0/kernel" is missing', {
        location: { file: source, field: 'dense0/kernel' },
      });
    }
    const width = blocks[blocks.length - 1].units;
    const outputShape = weights['output/kernel']?.shape ?? [];
    const classes = outputShape.length === 2 ? outputShape[1] : 0;
    const output = {
      inputs: width,
      units: classes,
      kernel: take('output/kernel', [width, classes]),
      bias: take('output/bias', [classes]),
    };
    return new FcnnParameters(blocks, output);
  }

  /** Copies of every parameter, named `dense<i>/kernel`, `batchNorm<i>/{gamma,beta,movingMean,movingVariance}`, `output/{kernel,bias}`. */
  toWeights(): NamedWeights {
    const weights: NamedWeights = {};
    for (const [name, shape, data] of this.entries()) weights[name] = { shape, data: data.slice() };
    return weights;
  }

  /** Overwrites every parameter in place from `weights` (same names and shapes as this network's). */
  assign(weights: NamedWeights, source: string): void {
    const other = FcnnParameters.fromWeights(weights, source);
    const mine = this.entries();
    const theirs = other.entries();
    if (
      mine.length !== theirs.length ||
      mine.some(([name, shape], i) => theirs[i][0] !== name || theirs[i][1].join() !== shape.join())
    ) {
      throw new IotIdsError(
        `fcnn: the weights describe a network of blocks [${other.hidden.map((b) => b.units).join(', ')}] → ${other.classes}, this one is [${this.hidden.map((b) => b.units).join(', ')}] → ${this.classes}`,
        { location: { file: source } },
      );
    }
    mine.forEach(([, , data], i) => data.set(theirs[i][2]));
  }

  /** The trainable arrays (what Adam updates), named as in `toWeights`; the moving statistics are not among them. */
  trainable(): [string, Float32Array][] {
    const out: [string, Float32Array][] = [];
    this.hidden.forEach((b, i) => {
      out.push(
        [`dense${i}/kernel`, b.kernel],
        [`batchNorm${i}/gamma`, b.gamma],
        [`batchNorm${i}/beta`, b.beta],
      );
    });
    out.push(['output/kernel', this.output.kernel], ['output/bias', this.output.bias]);
    return out;
  }

  private entries(): [string, number[], Float32Array][] {
    const out: [string, number[], Float32Array][] = [];
    this.hidden.forEach((b, i) => {
      out.push(
        [`dense${i}/kernel`, [b.inputs, b.units], b.kernel],
        [`batchNorm${i}/gamma`, [b.units], b.gamma],
        [`batchNorm${i}/beta`, [b.units], b.beta],
        [`batchNorm${i}/movingMean`, [b.units], b.movingMean],
        [`batchNorm${i}/movingVariance`, [b.units], b.movingVariance],
      );
    });
    out.push(['output/kernel', [this.output.inputs, this.output.units], this.output.kernel]);
    out.push(['output/bias', [this.output.units], this.output.bias]);
    return out;
  }
}
