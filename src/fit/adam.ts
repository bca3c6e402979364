import { IotIdsError } from '../errors.js';
import type { NamedWeights } from './weights-file.js';

/**
 * Adam over plain arrays, updating the parameters in place (same rule and defaults as `tf.train.adam`:
 * epsilon added after bias correction). Its moments and step count can be read and restored, so `--resume`
 * continues exactly where a run stopped. State names are `<prefix>adam/iterations`, `<prefix>adam/m/<name>`
 * and `<prefix>adam/v/<name>`; the prefix given to the constructor is the default of `state` and `restore`.
 * Every deep model with a hand-written training step (fcnn, sae, vae, bigru) uses this one.
 */
/** A named parameter the optimiser updates in place. */
export type NamedArray = readonly [name: string, values: Float32Array];

export class ArrayAdam {
  private readonly firstMoments: Float32Array[];
  private readonly secondMoments: Float32Array[];
  private step = 0;

  constructor(
    private readonly parameters: readonly NamedArray[],
    readonly learningRate = 0.001,
    private readonly prefix = '',
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
    const { beta1, beta2, epsilon } = this;
    // lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε·√(1−β2ᵗ)) equals lr · m̂ / (√v̂ + ε) and saves two divisions per value.
    const root2 = Math.sqrt(1 - beta2 ** this.step);
    const stepSize = (this.learningRate * root2) / (1 - beta1 ** this.step);
    const scaledEpsilon = epsilon * root2;
    this.parameters.forEach(([name, values], k) => {
      const g = gradients[k];
      if (g.length !== values.length) {
        throw new IotIdsError(
          `Adam: gradient of "${name}" has ${g.length} values, the parameter ${values.length}`,
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
        values[i] -= (stepSize * mi) / (Math.sqrt(vi) + scaledEpsilon);
      }
    });
  }

  /** Copies of the moments and the step count. */
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
