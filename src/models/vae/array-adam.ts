import { IotIdsError } from '../../errors.js';
import type { NamedWeights } from '../weights-file.js';

/** A named parameter the optimiser updates in place. */
export type NamedArray = readonly [name: string, values: Float32Array];

/**
 * Adam over plain arrays (the tf.train.adam / Keras rule: ε added after bias correction), updating the
 * parameters in place. Its moments and step count can be read and restored, so a checkpoint continues
 * training exactly where it stopped.
 */
export class ArrayAdam {
  private readonly firstMoments: Float32Array[];
  private readonly secondMoments: Float32Array[];
  private step = 0;

  constructor(
    private readonly parameters: readonly NamedArray[],
    readonly learningRate = 0.001,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-7,
  ) {
    this.firstMoments = parameters.map(([, p]) => new Float32Array(p.length));
    this.secondMoments = parameters.map(([, p]) => new Float32Array(p.length));
  }

  get iterations(): number {
    return this.step;
  }

  /** One update; `gradients[k]` belongs to the k-th parameter given to the constructor. */
  apply(gradients: readonly Float32Array[]): void {
    this.step++;
    const { beta1, beta2 } = this;
    // Both bias corrections folded into the step size: lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε·√(1−β2ᵗ)) equals
    // lr · m̂ / (√v̂ + ε) and saves two divisions per element.
    const root2 = Math.sqrt(1 - beta2 ** this.step);
    const stepSize = (this.learningRate * root2) / (1 - beta1 ** this.step);
    const epsilon = this.epsilon * root2;
    this.parameters.forEach(([name, values], k) => {
      const g = gradients[k];
      if (g.length !== values.length) {
        throw new IotIdsError(
          `Adam: the gradient of "${name}" has ${g.length} values, the parameter ${values.length}`,
        );
      }
      const m = this.firstMoments[k];
      const v = this.secondMoments[k];
      for (let i = 0; i < values.length; i++) {
        const gi = g[i];
        const mi = beta1 * m[i] + (1 - beta1) * gi;
        const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        values[i] -= (stepSize * mi) / (Math.sqrt(vi) + epsilon);
      }
    });
  }

  /** `<prefix>adam/iterations` and `<prefix>adam/m/<name>`, `<prefix>adam/v/<name>` per parameter (copies). */
  state(prefix: string): NamedWeights {
    const state: NamedWeights = {
      [`${prefix}adam/iterations`]: { shape: [1], data: new Float32Array([this.step]) },
    };
    this.parameters.forEach(([name], k) => {
      state[`${prefix}adam/m/${name}`] = {
        shape: [this.firstMoments[k].length],
        data: this.firstMoments[k].slice(),
      };
      state[`${prefix}adam/v/${name}`] = {
        shape: [this.secondMoments[k].length],
        data: this.secondMoments[k].slice(),
      };
    });
    return state;
  }

  /** Restores what `state(prefix)` returned; `source` names the checkpoint in errors. */
  restore(state: NamedWeights, prefix: string, source: string): void {
    const key = `${prefix}adam/iterations`;
    const iterations = state[key] as NamedWeights[string] | undefined;
    const step = iterations?.data.length === 1 ? iterations.data[0] : Number.NaN;
    if (!(Number.isInteger(step) && step >= 0)) {
      throw new IotIdsError(`the optimizer state "${key}" is missing or invalid`, {
        location: { file: source, field: key },
      });
    }
    const moments = this.parameters.map(([name, values]) =>
      (['m', 'v'] as const).map((which) => {
        const field = `${prefix}adam/${which}/${name}`;
        const w = state[field] as NamedWeights[string] | undefined;
        if (w?.data.length !== values.length) {
          throw new IotIdsError(`the optimizer state "${field}" is missing or has the wrong size`, {
            location: { file: source, field },
          });
        }
        return w.data;
      }),
    );
    moments.forEach(([m, v], k) => {
      this.firstMoments[k].set(m);
      this.secondMoments[k].set(v);
    });
    this.step = step;
  }
}
