/**
 * Weights of the SAE models live as plain Float32Arrays in JS and are uploaded to the engine once per
 * step (a few microseconds for these sizes). The optimiser then never has to read a tensor back and a
 * checkpoint or save is a copy, and no engine memory outlives a step or a prediction batch.
 */
import { IotIdsError } from '../../errors.js';
import type { Random } from '../../util/random.js';
import { Adam } from '../../fit/adam.js';
import type { NamedWeights } from '../../fit/weights-file.js';

export interface Parameter {
  /** Name in weight files and checkpoints, e.g. `encoder/kernel`. */
  readonly name: string;
  /** `[rows, cols]` for kernels, `[units]` for biases. */
  readonly shape: readonly number[];
  /** Row-major values; updated in place by the optimiser. */
  readonly values: Float32Array;
  /** Whether the L2 weight decay applies (kernels yes, biases no). */
  readonly decays: boolean;
}

/** A `[fanIn, fanOut]` kernel drawn from Glorot's uniform distribution, ±√(6 / (fanIn + fanOut)). */
export function glorotKernel(name: string, fanIn: number, fanOut: number, random: Random): Parameter {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < values.length; i++) values[i] = (2 * random.next() - 1) * limit;
  return { name, shape: [fanIn, fanOut], values, decays: true };
}

export function zeroBias(name: string, units: number): Parameter {
  return constantBias(name, units, 0);
}

export function constantBias(name: string, units: number, value: number): Parameter {
  return { name, shape: [units], values: new Float32Array(units).fill(value), decays: false };
}

export function parametersToWeights(parameters: readonly Parameter[], into: NamedWeights = {}): NamedWeights {
  for (const p of parameters) into[p.name] = { shape: [...p.shape], data: p.values.slice() };
  return into;
}

/**
 * Copies the named values into the parameters. Every parameter must be present with its exact shape;
 * `source` names where the weights came from, for the error message.
 */
export function weightsToParameters(
  weights: NamedWeights,
  parameters: readonly Parameter[],
  source: string,
): void {
  for (const p of parameters) {
    const w = weights[p.name] as NamedWeights[string] | undefined;
    if (w === undefined) {
      throw new IotIdsError(`weight "${p.name}" is missing`, { location: { file: source, field: p.name } });
    }
    if (w.shape.length !== p.shape.length || w.shape.some((size, i) => size !== p.shape[i])) {
      throw new IotIdsError(
        `weight "${p.name}" has shape [${w.shape.join(', ')}], the model needs [${p.shape.join(', ')}] (different hiddenUnits, features or classes?)`,
        { location: { file: source, field: p.name } },
      );
    }
    p.values.set(w.data);
  }
}

export interface SaeOptimizerOptions {
  /** Step size. Default 0.001. */
  learningRate?: number;
  /** L2 penalty (λ/2)·‖W‖² on parameters that decay: adds λ·W to their gradient. Default 0. */
  weightDecay?: number;
}

/**
 * The project's Adam (fit/adam.ts) over SAE parameters: coupled L2 weight decay on the kernels, the
 * `explicit` bias correction the SAE figures were computed with, and the checkpoint names the SAE models
 * have always written (`<name>/<parameter>/m`, `…/v`, `<name>/step`), so older checkpoints still resume.
 */
/** What a kernel needs to run the same Adam update as `SaeOptimizer.apply` (autoencoder-kernel.ts). */
export interface AdamStepConstants {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Coupled L2 decay per parameter (0 for biases). */
  readonly decay: readonly number[];
}

export class SaeOptimizer {
  private readonly adam: Adam;
  private readonly decay: readonly number[];

  constructor(
    /** Checkpoint name prefix, e.g. `optimizer/pretrain`. */
    readonly name: string,
    private readonly parameters: readonly Parameter[],
    options: SaeOptimizerOptions = {},
  ) {
    const weightDecay = options.weightDecay ?? 0;
    this.decay = parameters.map((p) => (p.decays ? weightDecay : 0));
    this.adam = new Adam(
      parameters.map((p) => [p.name, p.values] as const),
      { learningRate: options.learningRate ?? 0.001, decay: this.decay, biasCorrection: 'explicit' },
    );
  }

  /** Steps taken so far. */
  get iterations(): number {
    return this.adam.iterations;
  }

  /** Sets the step count, after a kernel ran steps of its own (see `constants`). */
  setIterations(iterations: number): void {
    this.adam.restoreIterations(iterations, 'the training kernel', `${this.name}/step`);
  }

  /** The k-th parameter's moments (live arrays). */
  moments(k: number): { readonly m: Float32Array; readonly v: Float32Array } {
    return this.adam.moments(k);
  }

  /** The update's constants, for a kernel that runs this optimiser's updates ('explicit' bias correction). */
  constants(): AdamStepConstants {
    const { learningRate, beta1, beta2, epsilon } = this.adam;
    return { learningRate, beta1, beta2, epsilon, decay: this.decay };
  }

  /**
   * One update. `gradients[k]` belongs to `parameters[k]` and is multiplied by `scale` first (the step
   * functions return sums over the batch; the scale turns them into means).
   */
  apply(gradients: readonly Float32Array[], scale: number): void {
    this.adam.apply(gradients, scale);
  }

  /** Moments and step count, named under `this.name`. */
  stateWeights(into: NamedWeights = {}): NamedWeights {
    this.parameters.forEach((p, k) => {
      const { m, v } = this.adam.moments(k);
      into[`${this.name}/${p.name}/m`] = { shape: [...p.shape], data: m.slice() };
      into[`${this.name}/${p.name}/v`] = { shape: [...p.shape], data: v.slice() };
    });
    into[`${this.name}/step`] = { shape: [1], data: new Float32Array([this.adam.iterations]) };
    return into;
  }

  /** Restores what `stateWeights` stored; a checkpoint without this optimiser leaves it fresh. */
  setStateWeights(weights: NamedWeights, source: string): void {
    const step = weights[`${this.name}/step`] as NamedWeights[string] | undefined;
    if (step === undefined) return;
    // The moments, viewed as parameters of their own so the same name and shape checks apply.
    const moments = this.parameters.flatMap((p, k): Parameter[] => {
      const { m, v } = this.adam.moments(k);
      return [
        { ...p, name: `${this.name}/${p.name}/m`, values: m },
        { ...p, name: `${this.name}/${p.name}/v`, values: v },
      ];
    });
    weightsToParameters(weights, moments, source);
    this.adam.restoreIterations(step.data[0], source, `${this.name}/step`);
  }
}
