import { beforeAll, describe, expect, it } from 'vitest';
import {
  initEngine,
  liveTensorCount,
  ops,
  type Scalar,
  type Tensor,
  type Tensor2D,
} from '../../engine/index.js';
import { Random } from '../../util/random.js';
import { evaluateVae, fillStandardNormal, posterior, VaeStep, type VaeLossSettings } from './vae-step.js';
import { VaeParameters } from './vae-parameters.js';

const FEATURES = 9;
const ROWS = 13;
const LATENT = 3;

function batch(random: Random): Float32Array {
  // Values in [0, 1] with exact 0s and 1s, like min-max and one-hot features.
  return Float32Array.from({ length: ROWS * FEATURES }, (_, i) =>
    i % 4 === 0 ? (i % 8 === 0 ? 1 : 0) : random.next(),
  );
}

/** The same objective through tfjs ops and the tape, as the reference for the hand-written gradients. */
function tapeGradients(
  params: VaeParameters,
  x: Float32Array,
  noise: Float32Array,
  settings: VaeLossSettings,
) {
  const named = params.trainable();
  const variables = named.map(([, values], k) => {
    const layer = params.layers()[k >> 1][1];
    return ops.variable(
      k % 2 === 0 ? ops.tensor2d(values, [layer.inputs, layer.units]) : ops.tensor1d(values),
    );
  });
  const { value, grads } = ops.variableGrads(() => {
    const dense = (a: Tensor2D, k: number, relu: boolean): Tensor2D => {
      const z: Tensor = ops.add(ops.matMul(a, variables[2 * k] as Tensor2D), variables[2 * k + 1]);
      return (relu ? ops.relu(z) : z) as Tensor2D;
    };
    const xs = ops.tensor2d(x, [ROWS, FEATURES]);
    let h = xs;
    const depth = params.encoder.length;
    for (let k = 0; k < depth; k++) h = dense(h, k, true);
    const mu = dense(h, depth, false);
    const logVar = dense(h, depth + 1, false);
    let d: Tensor2D = ops.add(
      mu,
      ops.mul(ops.exp(ops.mul(logVar, 0.5)), ops.tensor2d(noise, [ROWS, LATENT])),
    );
    const decoderDepth = params.decoder.length;
    for (let k = 0; k < decoderDepth; k++) d = dense(d, depth + 2 + k, k < decoderDepth - 1);
    const reconstruction =
      settings.reconstruction === 'bce'
        ? ops.sum(ops.sub(ops.softplus(d), ops.mul(xs, d)))
        : ops.sum(ops.square(ops.sub(ops.sigmoid(d), xs)));
    const kl = ops.mul(0.5, ops.sum(ops.sub(ops.add(ops.square(mu), ops.exp(logVar)), ops.add(1, logVar))));
    return ops.div<Scalar>(ops.add(reconstruction, ops.mul(settings.beta, kl)), ROWS);
  }, variables);
  const loss = value.dataSync()[0];
  const gradients = variables.map((v) => grads[v.name].dataSync() as Float32Array);
  ops.dispose([value, ...Object.values(grads), ...variables]);
  return { loss, gradients };
}

function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  let scale = 1e-3;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
  return worst;
}

describe('VaeStep', () => {
  beforeAll(async () => {
    await initEngine();
  });

  it.each([
    { reconstruction: 'bce', beta: 1 },
    { reconstruction: 'mse', beta: 2.5 },
  ] as const)('matches the tape gradients and loss ($reconstruction, beta $beta)', (settings) => {
    const random = new Random(3);
    const params = VaeParameters.initial(FEATURES, [7, 5], LATENT, random);
    // Push log σ² away from 0 so the σ terms are exercised.
    params.logVar.bias.fill(-0.7);
    const x = batch(random);
    const noise = new Float32Array(ROWS * LATENT);
    fillStandardNormal(noise, noise.length, random);
    const before = liveTensorCount();
    const step = new VaeStep(params, settings);
    const result = step.run(x, ROWS, noise);
    expect(liveTensorCount()).toBe(before);
    const reference = tapeGradients(params, x, noise, settings);
    const loss = (result.reconstructionSum + settings.beta * result.klSum) / ROWS;
    expect(loss).toBeCloseTo(reference.loss, 4);
    expect(step.gradients.length).toBe(reference.gradients.length);
    step.gradients.forEach((g, k) => {
      expect(maxRelativeError(g, reference.gradients[k]), params.trainable()[k][0]).toBeLessThan(1e-4);
    });
  });

  it('samples: the same batch with other noise gives another loss, the evaluation (z = μ) does not change', () => {
    const random = new Random(5);
    const params = VaeParameters.initial(FEATURES, [6], LATENT, random);
    params.logVar.bias.fill(0.5);
    const x = batch(random);
    const settings = { reconstruction: 'bce', beta: 1 } as const;
    const step = new VaeStep(params, settings);
    const noiseA = new Float32Array(ROWS * LATENT);
    const noiseB = new Float32Array(ROWS * LATENT);
    fillStandardNormal(noiseA, noiseA.length, new Random(1));
    fillStandardNormal(noiseB, noiseB.length, new Random(2));
    const a = step.run(x, ROWS, noiseA);
    const b = step.run(x, ROWS, noiseB);
    expect(a.klSum).toBe(b.klSum);
    expect(a.reconstructionSum).not.toBe(b.reconstructionSum);
    const matrix = { rows: ROWS, cols: FEATURES, data: x };
    expect(evaluateVae(params, matrix, settings)).toEqual(evaluateVae(params, matrix, settings));
    // KL does not depend on the noise: the evaluation's KL is the step's.
    expect(evaluateVae(params, matrix, settings).kl).toBeCloseTo(a.klSum / ROWS, 5);
  });

  it('posterior returns μ and log σ² per row, batch size making no difference', () => {
    const random = new Random(8);
    const params = VaeParameters.initial(FEATURES, [6, 4], LATENT, random);
    const x = { rows: ROWS, cols: FEATURES, data: batch(random) };
    const whole = posterior(params, x);
    const pieces = posterior(params, x, 4);
    expect(whole.mean.cols).toBe(LATENT);
    expect(Array.from(pieces.mean.data)).toEqual(Array.from(whole.mean.data));
    expect(Array.from(pieces.logVar.data)).toEqual(Array.from(whole.logVar.data));
    expect(Array.from(whole.mean.data)).not.toEqual(Array.from(whole.logVar.data));
  });

  it('draws standard normal noise', () => {
    const values = new Float32Array(20_001);
    fillStandardNormal(values, values.length, new Random(1));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});
