import { IotIdsError, type InputLocation } from '../../errors.js';
import type { NamedWeights, WeightTensor } from '../../fit/weights-file.js';
import { RandomFourierFeatures } from './random-fourier.js';
import type { LinearDecision } from './squared-hinge.js';
import type { Adam } from '../../fit/adam.js';

/** What a fitted SVM is: the linear decision functions and, for the RBF kernel, the random feature map. */
export interface SvmState {
  readonly head: LinearDecision;
  readonly rff: RandomFourierFeatures | null;
}

/**
 * Tensor names, prefixed so that a composite model (sae-svm) can put them beside its own in one
 * checkpoint. `weight` is class-major: [nClasses, nFeatures], nFeatures being the random components for RBF.
 */
export const SVM_WEIGHT_NAMES = {
  weight: 'svm/weight',
  bias: 'svm/bias',
  rffWeight: 'svm/rff_weight',
  rffBias: 'svm/rff_bias',
  adamStep: 'svm/adam_step',
  adamWeightM: 'svm/adam_m_weight',
  adamWeightV: 'svm/adam_v_weight',
  adamBiasM: 'svm/adam_m_bias',
  adamBiasV: 'svm/adam_v_bias',
} as const;
const N = SVM_WEIGHT_NAMES;

/** The learned tensors (copies), plus the optimiser state when `adam` is given (checkpoints). */
export function svmToNamedWeights(state: SvmState, adam?: Adam): NamedWeights {
  const { head, rff } = state;
  const weights: NamedWeights = {
    [N.weight]: { shape: [head.nClasses, head.nFeatures], data: head.weight.slice() },
    [N.bias]: { shape: [head.nClasses], data: head.bias.slice() },
  };
  if (rff) {
    weights[N.rffWeight] = { shape: [rff.inputDim, rff.components], data: rff.weight.slice() };
    weights[N.rffBias] = { shape: [rff.components], data: rff.bias.slice() };
  }
  if (adam) {
    const { m: mw, v: vw } = adam.moments(0);
    const { m: mb, v: vb } = adam.moments(1);
    weights[N.adamStep] = { shape: [1], data: Float32Array.of(adam.iterations) };
    weights[N.adamWeightM] = { shape: [head.nClasses, head.nFeatures], data: mw.slice() };
    weights[N.adamWeightV] = { shape: [head.nClasses, head.nFeatures], data: vw.slice() };
    weights[N.adamBiasM] = { shape: [head.nClasses], data: mb.slice() };
    weights[N.adamBiasV] = { shape: [head.nClasses], data: vb.slice() };
  }
  return weights;
}

/** The optimiser's saved moments (weight, then bias) and step count. */
export interface SvmAdamState {
  readonly step: number;
  readonly moments: readonly (readonly [m: Float32Array, v: Float32Array])[];
}

/**
 * Rebuilds the state (and the optimiser's, when its tensors are present) from named weights, checking every
 * shape; names without the `svm/` prefix are ignored (they belong to a composite's other parts). `where`
 * says where the weights came from, for error messages.
 */
export function svmFromNamedWeights(
  weights: NamedWeights,
  where: InputLocation,
): { state: SvmState; adam: SvmAdamState | null } {
  const fail = (message: string, field?: string): never => {
    throw new IotIdsError(`svm weights: ${message}`, { location: { ...where, field } });
  };
  const tensor = (name: string): WeightTensor => weights[name] ?? fail(`tensor "${name}" is missing`, name);
  const expectShape = (name: string, shape: readonly number[]): Float32Array => {
    const t = tensor(name);
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      fail(`tensor "${name}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`, name);
    }
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i])) fail(`tensor "${name}" holds a non-finite value at ${i}`, name);
    }
    return t.data.slice();
  };
  const weightShape = tensor(N.weight).shape;
  if (weightShape.length !== 2 || weightShape[0] < 1 || weightShape[1] < 1) {
    fail(`tensor "${N.weight}" must be [nClasses, nFeatures], got [${weightShape.join(', ')}]`, N.weight);
  }
  const [nClasses, nFeatures] = weightShape;
  const head: LinearDecision = {
    nClasses,
    nFeatures,
    weight: expectShape(N.weight, [nClasses, nFeatures]),
    bias: expectShape(N.bias, [nClasses]),
  };
  let rff: RandomFourierFeatures | null = null;
  if (weights[N.rffWeight] || weights[N.rffBias]) {
    const shape = tensor(N.rffWeight).shape;
    if (shape.length !== 2 || shape[1] !== nFeatures || shape[0] < 1) {
      fail(
        `tensor "${N.rffWeight}" must be [inputs, ${nFeatures}] to feed the decision functions, got [${shape.join(', ')}]`,
        N.rffWeight,
      );
    }
    rff = new RandomFourierFeatures(
      shape[0],
      nFeatures,
      expectShape(N.rffWeight, shape),
      expectShape(N.rffBias, [nFeatures]),
    );
  }
  let adam: SvmAdamState | null = null;
  if (weights[N.adamStep]) {
    const step = expectShape(N.adamStep, [1])[0];
    if (!Number.isInteger(step) || step < 0)
      fail(`tensor "${N.adamStep}" must be a whole number`, N.adamStep);
    adam = {
      step,
      moments: [
        [
          expectShape(N.adamWeightM, [nClasses, nFeatures]),
          expectShape(N.adamWeightV, [nClasses, nFeatures]),
        ],
        [expectShape(N.adamBiasM, [nClasses]), expectShape(N.adamBiasV, [nClasses])],
      ],
    };
  }
  return { state: { head, rff }, adam };
}
