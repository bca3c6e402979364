import { IotIdsError } from '../../errors.js';
import type { Random } from '../../util/random.js';
import type { NamedWeights } from '../../fit/weights-file.js';

/**
 * One direction of the GRU. Gates are stored side by side in Keras order (update z, reset r, candidate n):
 * column block 0 … units − 1 is z, then r, then n.
 */
export interface GruDirection {
  /** `[featuresPerStep, 3·units]`, row-major. */
  readonly kernel: Float32Array;
  /** `[units, 3·units]`, row-major. */
  readonly recurrentKernel: Float32Array;
  /** `[3·units]`, added to the input product. */
  readonly bias: Float32Array;
  /** `[3·units]`, added to the recurrent product; only with `resetAfter` (tf.layers.gru has none). */
  readonly recurrentBias: Float32Array | null;
}

export interface BiGruShape {
  readonly timesteps: number;
  readonly featuresPerStep: number;
  readonly units: number;
  readonly classes: number;
  readonly resetAfter: boolean;
}

const DIRECTIONS = ['forward', 'backward'] as const;

/**
 * The network's state as plain arrays. Training updates these in place (the engine only multiplies
 * matrices), so saving, checkpointing and restoring never read tensors back.
 */
export class BiGruParameters {
  private constructor(
    readonly shape: BiGruShape,
    /** Index 0 reads the steps in order, index 1 in reverse. */
    readonly directions: readonly [GruDirection, GruDirection],
    /** `[2·units, classes]`: forward final state first, then backward. */
    readonly outputKernel: Float32Array,
    readonly outputBias: Float32Array,
  ) {}

  /** Width of an input row: timesteps × featuresPerStep. */
  get inputs(): number {
    return this.shape.timesteps * this.shape.featuresPerStep;
  }

  /**
   * The Keras defaults: Glorot-uniform input and output kernels, orthogonal recurrent kernels, zero
   * biases. Every draw comes from `random`.
   */
  static initial(shape: BiGruShape, random: Random): BiGruParameters {
    const { featuresPerStep: f, units: h, classes: k } = shape;
    const direction = (): GruDirection => ({
      kernel: glorotUniform(f, 3 * h, random),
      recurrentKernel: orthogonalRows(h, 3 * h, random),
      bias: new Float32Array(3 * h),
      recurrentBias: shape.resetAfter ? new Float32Array(3 * h) : null,
    });
    return new BiGruParameters(
      shape,
      [direction(), direction()],
      glorotUniform(2 * h, k, random),
      new Float32Array(k),
    );
  }

  /** Every trainable array with its name, in a fixed order (gradients and optimizer state follow it). */
  trainable(): [string, Float32Array][] {
    const list: [string, Float32Array][] = [];
    this.directions.forEach((d, i) => {
      const name = DIRECTIONS[i];
      list.push(
        [`${name}/kernel`, d.kernel],
        [`${name}/recurrentKernel`, d.recurrentKernel],
        [`${name}/bias`, d.bias],
      );
      if (d.recurrentBias) list.push([`${name}/recurrentBias`, d.recurrentBias]);
    });
    list.push(['output/kernel', this.outputKernel], ['output/bias', this.outputBias]);
    return list;
  }

  /** Copies of every parameter with its shape, names prefixed with `prefix`. */
  toWeights(prefix = ''): NamedWeights {
    const weights: NamedWeights = {};
    for (const [name, values] of this.trainable()) {
      weights[prefix + name] = { shape: this.shapeOf(name), data: values.slice() };
    }
    return weights;
  }

  /** Overwrites the parameters from `weights` (names prefixed with `prefix`); `source` names it in errors. */
  assign(weights: NamedWeights, source: string, prefix = ''): void {
    const checked = this.trainable().map(([name, values]) => {
      const w = weights[prefix + name];
      const expected = this.shapeOf(name);
      if (!w) {
        throw new IotIdsError(`bigru: the weights have no "${prefix + name}"`, {
          location: { file: source, field: prefix + name },
        });
      }
      if (w.shape.join() !== expected.join() || w.data.length !== values.length) {
        throw new IotIdsError(
          `bigru: weight "${prefix + name}" has shape [${w.shape.join(', ')}], the network (${this.describe()}) needs [${expected.join(', ')}]`,
          { location: { file: source, field: prefix + name } },
        );
      }
      return [values, w.data] as const;
    });
    for (const [values, data] of checked) values.set(data);
  }

  /** Fresh parameters of `shape` holding `weights`. */
  static fromWeights(shape: BiGruShape, weights: NamedWeights, source: string, prefix = ''): BiGruParameters {
    const params = new BiGruParameters(
      shape,
      [emptyDirection(shape), emptyDirection(shape)],
      new Float32Array(2 * shape.units * shape.classes),
      new Float32Array(shape.classes),
    );
    params.assign(weights, source, prefix);
    return params;
  }

  describe(): string {
    const s = this.shape;
    return `${s.timesteps} × ${s.featuresPerStep} steps, ${s.units} units, ${s.classes} classes, resetAfter ${s.resetAfter}`;
  }

  private shapeOf(name: string): number[] {
    const { featuresPerStep: f, units: h, classes: k } = this.shape;
    const leaf = name.slice(name.indexOf('/') + 1);
    if (name.startsWith('output/')) return leaf === 'kernel' ? [2 * h, k] : [k];
    if (leaf === 'kernel') return [f, 3 * h];
    if (leaf === 'recurrentKernel') return [h, 3 * h];
    return [3 * h];
  }
}

function emptyDirection(shape: BiGruShape): GruDirection {
  const { featuresPerStep: f, units: h } = shape;
  return {
    kernel: new Float32Array(f * 3 * h),
    recurrentKernel: new Float32Array(h * 3 * h),
    bias: new Float32Array(3 * h),
    recurrentBias: shape.resetAfter ? new Float32Array(3 * h) : null,
  };
}

function glorotUniform(fanIn: number, fanOut: number, random: Random): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < values.length; i++) values[i] = (2 * random.next() - 1) * limit;
  return values;
}

/**
 * A `rows × cols` matrix (rows ≤ cols) with orthonormal rows, Keras's `Orthogonal` initialiser for the
 * recurrent kernel: Gram–Schmidt on Gaussian rows (twice, for float rounding).
 */
export function orthogonalRows(rows: number, cols: number, random: Random): Float32Array {
  if (rows > cols)
    throw new IotIdsError(`orthogonalRows: ${rows} rows cannot be orthonormal in ${cols} columns`);
  const m = new Float64Array(rows * cols);
  for (let i = 0; i < m.length; i++) m[i] = random.normal();
  for (let i = 0; i < rows; i++) {
    const row = m.subarray(i * cols, (i + 1) * cols);
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < i; p++) {
        const previous = m.subarray(p * cols, (p + 1) * cols);
        let dot = 0;
        for (let j = 0; j < cols; j++) dot += row[j] * previous[j];
        for (let j = 0; j < cols; j++) row[j] -= dot * previous[j];
      }
    }
    let norm = 0;
    for (let j = 0; j < cols; j++) norm += row[j] * row[j];
    norm = Math.sqrt(norm);
    for (let j = 0; j < cols; j++) row[j] /= norm;
  }
  return Float32Array.from(m);
}
