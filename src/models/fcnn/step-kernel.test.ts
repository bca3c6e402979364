import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../../engine/index.js';
import { Adam } from '../../fit/adam.js';
import type { EpochLogs } from '../../fit/callbacks.js';
import type { NamedWeights } from '../../fit/weights-file.js';
import { createMatrix } from '../../preprocess/matrix.js';
import { Random } from '../../util/random.js';
import { FcnnStage } from './fcnn-stage.js';
import { FcnnParameters } from './parameters.js';
import { FcnnStepKernel } from './step-kernel.js';

/** Rows like KDD's after one-hot + min-max: a few values in [0, 1], the rest 0 (some rows all zero). */
function data(rows: number, cols: number, classes: number, seed: number) {
  const random = new Random(seed);
  const x = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    if (r % 17 === 5) continue;
    x[r * cols + random.int(4)] = 1;
    for (let c = 4; c < cols; c++) if (random.next() < 0.3) x[r * cols + c] = random.next();
  }
  const y = Int32Array.from({ length: rows }, (_, r) => (r * 7 + random.int(2)) % classes);
  const rowWeights = Float32Array.from({ length: rows }, () => 0.25 + random.next());
  return { x: createMatrix(rows, cols, x), y, rowWeights };
}

interface Run {
  logs: EpochLogs[];
  batchLosses: number[];
  weights: NamedWeights;
}

async function train(
  kernel: boolean,
  hidden: number[],
  options: { batchSize: number; dropout: number; focalGamma?: number; weighted: boolean },
): Promise<Run> {
  const { x, y, rowWeights } = data(203, 13, 3, 7);
  const params = FcnnParameters.initial(x.cols, hidden, 3, new Random(3));
  const adam = new Adam(params.trainable(), { learningRate: 0.01 });
  const stage = new FcnnStage(
    params,
    adam,
    { x, y, rowWeights: options.weighted ? rowWeights : null },
    { ...options, seed: 11, kernel },
  );
  const logs: EpochLogs[] = [];
  const batchLosses: number[] = [];
  for (let epoch = 0; epoch < 3; epoch++) {
    logs.push(await stage.trainEpoch(epoch, (_, loss) => batchLosses.push(loss ?? NaN)));
  }
  return { logs, batchLosses, weights: stage.getWeights() };
}

describe('FcnnStepKernel (through FcnnStage)', () => {
  beforeAll(async () => {
    await initEngine();
  });

  const cases = [
    { hidden: [6, 5], batchSize: 64, dropout: 0.3, weighted: true },
    { hidden: [16, 8], batchSize: 50, dropout: 0, weighted: false },
    { hidden: [9], batchSize: 203, dropout: 0.5, focalGamma: 2, weighted: true },
  ];
  it('leaves the parameters of the last completed update when the loop stops mid-epoch, as the reference does', async () => {
    const stopAt = async (kernel: boolean) => {
      const { x, y } = data(203, 13, 3, 7);
      const params = FcnnParameters.initial(x.cols, [6, 5], 3, new Random(3));
      const adam = new Adam(params.trainable(), { learningRate: 0.01 });
      const stage = new FcnnStage(
        params,
        adam,
        { x, y, rowWeights: null },
        { batchSize: 40, dropout: 0.3, seed: 11, kernel },
      );
      await stage.trainEpoch(0, () => undefined);
      // As fitStage does on a non-finite loss: the callback throws before that batch's update.
      expect(() =>
        stage.trainEpoch(1, (batch) => {
          if (batch === 2) throw new Error('stop');
        }),
      ).toThrow('stop');
      return stage.getWeights();
    };
    const expected = await stopAt(false);
    const actual = await stopAt(true);
    expect(actual['adam/iterations'].data[0]).toBe(expected['adam/iterations'].data[0]);
    for (const [name, w] of Object.entries(expected)) {
      expect(Array.from(actual[name].data), name).toEqual(Array.from(w.data));
    }
  });

  it('refuses an Adam with weight decay (its update has none) and batches above its size', () => {
    const { x, y } = data(20, 13, 3, 1);
    const params = FcnnParameters.initial(x.cols, [4], 3, new Random(1));
    const kernel = new FcnnStepKernel(params, x, y, null, 8, 0.5);
    const decayed = new Adam(params.trainable(), { decay: [0.1] });
    expect(() => kernel.load(decayed)).toThrow(/weight decay/);
    kernel.load(new Adam(params.trainable()));
    kernel.setOrder(Int32Array.from({ length: 20 }, (_, i) => i));
    expect(() => kernel.run(0, 9, new Int32Array(20), new Random(1))).toThrow(/at most 8/);
  });

  for (const c of cases) {
    it(`trains to the reference step's bits: blocks [${c.hidden.join(', ')}], batch ${c.batchSize}, dropout ${c.dropout}${c.focalGamma ? ', focal' : ''}`, async () => {
      const expected = await train(false, c.hidden, c);
      const actual = await train(true, c.hidden, c);
      expect(actual.batchLosses).toEqual(expected.batchLosses);
      expect(actual.logs).toEqual(expected.logs);
      expect(Object.keys(actual.weights).sort()).toEqual(Object.keys(expected.weights).sort());
      for (const [name, w] of Object.entries(expected.weights)) {
        expect(Array.from(actual.weights[name].data), name).toEqual(Array.from(w.data));
      }
    });
  }
});
