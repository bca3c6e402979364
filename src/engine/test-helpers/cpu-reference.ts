/** Shared by the kernel tests: run the same array inputs on `wasm` (patched) and on the `cpu` reference. */
import { expect } from 'vitest';

import type { Random } from '../../util/random.js';
import * as tf from '@tensorflow/tfjs';

export const TOLERANCE = 1e-4;

/** Array inputs, so the same numbers can be fed to both backends without moving tensors between them. */
export interface Input {
  values: Float32Array;
  shape: number[];
}

export function randomInput(random: Random, shape: number[]): Input {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = random.normal();
  return { values, shape };
}

/** Runs `compute` on a backend and returns a copy of its output values, leaving `wasm` active afterwards. */
export async function runOn(backend: 'wasm' | 'cpu', compute: () => tf.Tensor): Promise<Float32Array> {
  if (!(await tf.setBackend(backend))) throw new Error(`cannot switch to ${backend}`);
  try {
    expect(tf.getBackend()).toBe(backend);
    // Read outside tidy: tidy would walk every element of a returned typed array looking for tensors.
    const result = tf.tidy(compute);
    const values = Float32Array.from(result.dataSync());
    result.dispose();
    return values;
  } finally {
    await tf.setBackend('wasm');
  }
}

export async function maxDifferenceToCpu(compute: () => tf.Tensor): Promise<number> {
  const patched = await runOn('wasm', compute);
  const reference = await runOn('cpu', compute);
  expect(patched.length).toBe(reference.length);
  let max = 0;
  for (let i = 0; i < patched.length; i++) max = Math.max(max, Math.abs(patched[i] - reference[i]));
  return max;
}

export const toTensor = (input: Input): tf.Tensor => tf.tensor(input.values, input.shape, 'float32');
