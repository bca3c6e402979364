import { IotIdsError } from '../errors.js';
import type { NamedWeights } from './weights-file.js';

/** A named parameter the optimiser updates in place. */
export type NamedArray = readonly [name: string, values: Float32Array];

export interface AdamOptions {
  /** Step size; may be changed between steps. Default 0.001. */
  learningRate?: number;
  /** Decay of the first-moment average. Default 0.9. */
  beta1?: number;
  /** Decay of the second-moment average. Default 0.999. */
  beta2?: number;
  /** Added to the root of the bias-corrected second moment. Default 1e-7 (tfjs's float32 epsilon). */
  epsilon?: number;
  /**
   * Coupled L2 weight decay per parameter (same order as the parameters; missing entries are 0): adds
   * `decay[k] · value` to the gradient, so the penalty (λ/2)·‖W‖² is part of the objective. Default none.
   */
  decay?: readonly number[];
  /**
   * Where the bias correction of the second moment is applied. Both compute lr · m̂ / (√v̂ + ε) and differ only
   * in float rounding: `folded` (default) moves √(1−β2ᵗ) into the step size and ε, saving two divisions per
   * value; `explicit` divides √v by √(1−β2ᵗ). The sparse-autoencoder models use `explicit`, the rounding their
   * published figures were computed with.
   */
  biasCorrection?: 'folded' | 'explicit';
  /** Name prefix of `state` and `restore`, e.g. `gru/`. Default ''. */
  prefix?: string;
}

/**
 * The project's one Adam (Kingma & Ba; the tf.train.adam / Keras update with ε after bias correction), over
 * plain Float32Array parameters updated in place. Every model with a hand-written training step uses it: the
 * moments live in JS, so a step reads each gradient once and a checkpoint is a copy. Its moments and step
 * count can be read and restored, so `--resume` continues exactly where a run stopped.
 */
export class Adam {
  /** May be changed between steps, e.g. by fine-tuning or a schedule. */
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly decay: readonly number[];
  private readonly biasCorrection: 'folded' | 'explicit';
  private readonly prefix: string;
  private readonly firstMoments: Float32Array[];
  private readonly secondMoments: Float32Array[];
  private step = 0;

  constructor(
    private readonly parameters: readonly NamedArray[],
    options: AdamOptions = {},
  ) {
    this.learningRate = options.learningRate ?? 0.001;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
    this.decay = parameters.map((_, k) => options.decay?.[k] ?? 0);
    this.biasCorrection = options.biasCorrection ?? 'folded';
    this.prefix = options.prefix ?? '';
    this.firstMoments = parameters.map(([, p]) => new Float32Array(p.length));
    this.secondMoments = parameters.map(([, p]) => new Float32Array(p.length));
  }

  /** Steps taken so far. */
  get iterations(): number {
    return this.step;
  }

  /**
   * One update; `gradients[k]` belongs to the k-th parameter and is multiplied by `scale` first (steps that
   * return sums over the batch pass 1 / batch size to make them means). A parameter whose gradient is
   * undefined keeps its value and its moments.
   */
  apply(gradients: readonly (Float32Array | Float64Array | undefined)[], scale = 1): void {
    if (gradients.length !== this.parameters.length) {
      throw new IotIdsError(`Adam: ${gradients.length} gradients for ${this.parameters.length} parameters`);
    }
    this.step++;
    const { beta1, beta2 } = this;
    const { stepSize, rootScale, shift } = this.stepFactors(this.step);
    this.parameters.forEach(([name, values], k) => {
      const gradient = gradients[k];
      if (gradient === undefined) return;
      if (gradient.length !== values.length) {
        throw new IotIdsError(
          `Adam: gradient of "${name}" has ${gradient.length} values, the parameter ${values.length}`,
        );
      }
      adamUpdate(
        values,
        gradient,
        this.firstMoments[k],
        this.secondMoments[k],
        { beta1, beta2, scale, decay: this.decay[k] },
        stepSize,
        rootScale,
        shift,
      );
    });
  }

  /**
   * The factors of update number `step` (1-based) for p ← p − stepSize·m / (√v·rootScale + shift), as `apply`
   * computes them: for kernels that run the same update on copies of the parameters and moments.
   */
  stepFactors(step: number): { stepSize: number; rootScale: number; shift: number } {
    const { beta1, beta2, epsilon, learningRate } = this;
    const correction1 = 1 - beta1 ** step;
    const correction2 = 1 - beta2 ** step;
    // lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε·√(1−β2ᵗ)) equals lr · m̂ / (√v̂ + ε).
    const folded = this.biasCorrection === 'folded';
    const root2 = Math.sqrt(correction2);
    return {
      stepSize: folded ? (learningRate * root2) / correction1 : learningRate / correction1,
      rootScale: folded ? 1 : 1 / root2,
      shift: folded ? epsilon * root2 : epsilon,
    };
  }

  /** The coupled L2 decay of the k-th parameter (0 without one). */
  decayOf(k: number): number {
    return this.decay[k];
  }

  /** The k-th parameter's first and second moments (live arrays), for checkpoint formats of a model's own. */
  moments(k: number): { readonly m: Float32Array; readonly v: Float32Array } {
    return { m: this.firstMoments[k], v: this.secondMoments[k] };
  }

  /** Sets the step count, after a model restored the moments through `moments`. */
  restoreIterations(iterations: number, source: string, field: string): void {
    if (!Number.isInteger(iterations) || iterations < 0) {
      throw new IotIdsError(`the optimizer step count must be a whole number, got ${iterations}`, {
        location: { file: source, field },
      });
    }
    this.step = iterations;
  }

  /**
   * Copies of the moments and the step count, named `<prefix>adam/iterations`, `<prefix>adam/m/<name>` and
   * `<prefix>adam/v/<name>`.
   */
  state(prefix = this.prefix): NamedWeights {
    const p = prefix;
    const state: NamedWeights = {
      [`${p}adam/iterations`]: { shape: [1], data: new Float32Array([this.step]) },
    };
    this.parameters.forEach(([name], k) => {
      state[`${p}adam/m/${name}`] = {
        shape: [this.firstMoments[k].length],
        data: this.firstMoments[k].slice(),
      };
      state[`${p}adam/v/${name}`] = {
        shape: [this.secondMoments[k].length],
        data: this.secondMoments[k].slice(),
      };
    });
    return state;
  }

  /** Restores what `state` returned; `source` names the checkpoint in errors. Checks everything before changing anything. */
  restore(state: NamedWeights, source: string, prefix = this.prefix): void {
    const p = prefix;
    const iterations = state[`${p}adam/iterations`];
    if (
      !iterations ||
      iterations.data.length !== 1 ||
      !Number.isInteger(iterations.data[0]) ||
      iterations.data[0] < 0
    ) {
      throw new IotIdsError(`the optimizer state "${p}adam/iterations" is missing or invalid`, {
        location: { file: source, field: `${p}adam/iterations` },
      });
    }
    const moments = this.parameters.map(([name, values]) =>
      (['m', 'v'] as const).map((which) => {
        const key = `${p}adam/${which}/${name}`;
        const w = state[key];
        if (!w || w.data.length !== values.length) {
          throw new IotIdsError(`the optimizer state "${key}" is missing or has the wrong size`, {
            location: { file: source, field: key },
          });
        }
        return w.data;
      }),
    );
    moments.forEach(([m, v], k) => {
      this.firstMoments[k].set(m);
      this.secondMoments[k].set(v);
    });
    this.step = iterations.data[0];
  }
}

/**
 * The element loop on its own, so V8 compiles it tight. With scale 1 and no decay the gradient passes through
 * unchanged; the arithmetic order is what the models' published figures were computed with.
 */
function adamUpdate(
  values: Float32Array,
  gradient: Float32Array | Float64Array,
  m: Float32Array,
  v: Float32Array,
  rule: { beta1: number; beta2: number; scale: number; decay: number },
  stepSize: number,
  rootScale: number,
  shift: number,
): void {
  const { beta1, beta2, scale, decay } = rule;
  const plain = scale === 1 && decay === 0;
  for (let i = 0; i < values.length; i++) {
    const g = plain ? gradient[i] : gradient[i] * scale + decay * values[i];
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    values[i] -= (stepSize * mi) / (Math.sqrt(vi) * rootScale + shift);
  }
}
