/**
 * The engine operations the rest of the project may use, each by name. The engine no longer hands out the
 * whole `tf` namespace: models, tests and benchmarks call `ops.matMul`, `ops.tidy`, … from this one list,
 * so the tfjs surface the project depends on (and would have to port) is visible here, and a new
 * operation is added deliberately. Types come as named type exports beside it.
 */
import * as tf from '@tensorflow/tfjs';

export type {
  GradSaveFunc,
  NamedTensorMap,
  Scalar,
  Sequential,
  Tensor,
  Tensor1D,
  Tensor2D,
  Tensor3D,
  Variable,
} from '@tensorflow/tfjs';
export { Rank } from '@tensorflow/tfjs';

export const ops = {
  // Tensors and memory.
  tensor: tf.tensor,
  tensor1d: tf.tensor1d,
  tensor2d: tf.tensor2d,
  tensor3d: tf.tensor3d,
  zeros: tf.zeros,
  ones: tf.ones,
  fill: tf.fill,
  range: tf.range,
  oneHot: tf.oneHot,
  variable: tf.variable,
  tidy: tf.tidy,
  dispose: tf.dispose,
  arraysEqual: tf.util.arraysEqual,
  // Shapes.
  reshape: tf.reshape,
  slice: tf.slice,
  split: tf.split,
  concat: tf.concat,
  transpose: tf.transpose,
  // Arithmetic and reductions.
  add: tf.add,
  sub: tf.sub,
  mul: tf.mul,
  div: tf.div,
  neg: tf.neg,
  abs: tf.abs,
  square: tf.square,
  squaredDifference: tf.squaredDifference,
  sqrt: tf.sqrt,
  rsqrt: tf.rsqrt,
  exp: tf.exp,
  log: tf.log,
  sum: tf.sum,
  mean: tf.mean,
  max: tf.max,
  moments: tf.moments,
  matMul: tf.matMul,
  /** Matrix product with bias and activation in one kernel. */
  fusedMatMul: tf.fused.matMul,
  // Activations and normalisation.
  relu: tf.relu,
  sigmoid: tf.sigmoid,
  tanh: tf.tanh,
  softplus: tf.softplus,
  softmax: tf.softmax,
  logSoftmax: tf.logSoftmax,
  step: tf.step,
  batchNorm: tf.batchNorm,
  batchNorm2d: tf.batchNorm2d,
  // Gradients (the tape).
  grad: tf.grad,
  grads: tf.grads,
  valueAndGrad: tf.valueAndGrad,
  valueAndGrads: tf.valueAndGrads,
  variableGrads: tf.variableGrads,
  customGrad: tf.customGrad,
  // Reference implementations and profiling, for tests and benchmarks only.
  trainAdam: (...args: Parameters<typeof tf.train.adam>) => tf.train.adam(...args),
  softmaxCrossEntropyLoss: tf.losses.softmaxCrossEntropy,
  layers: tf.layers,
  sequential: tf.sequential,
  profile: tf.profile,
  getKernel: tf.getKernel,
};
