/**
 * Seconds per epoch of a 122-64-32-5 MLP with BatchNorm and Dropout on synthetic NSL-KDD-sized data
 * (125,973 × 122), with and without the wasm kernel patches, for three training loops:
 *   layers-fit     tf.layers model, model.fit on dataset-sized tensors (fit gathers each batch from them)
 *   layers-custom  the same model, JS-built batches, optimizer.minimize
 *   engine-custom  the same network from src/engine's BatchNorm / dropout / softmaxCrossEntropy / Adam,
 *                  tf.variableGrads + Adam.applyGradients in one tidy
 * plus predict rows/s at batch 8192. Epoch time = median ms per step (after warm-up, over a subset of
 * steps) × steps per epoch; `cpu` is this process's CPU time (all threads, GC helpers included), a
 * cross-check for wall time when the shared machine is busy.
 *
 *   node --import tsx bench/engine-mlp.ts [--repeats 3] [--steps 60] [--profile]
 * Prints one JSON line and one human line on stdout; --profile adds a per-kernel table on stderr.
 */
import { parseArgs } from 'node:util';

import {
  initEngine,
  miniBatches,
  predictInBatches,
  seedEngine,
  ops,
  type Scalar,
  type Sequential,
  type Tensor,
  type Tensor2D,
} from '../src/engine/index.js';
import { VariableAdam } from '../src/models/variable-adam.js';
import type { Matrix } from '../src/preprocess/matrix.js';
import { Random } from '../src/util/random.js';
import { BatchNorm } from './lib/engine-layers/batch-norm.js';
import { dropout } from './lib/engine-layers/dropout.js';
import { softmaxCrossEntropy } from './lib/engine-layers/losses.js';
import { median } from './lib/nsl-kdd-matrices.js';
import { linearTeacherData } from './lib/teacher-data.js';
import { timed } from './lib/timed.js';

const ROWS = 125_973;
const FEATURES = 122;
const CLASSES = 5;
const DROPOUT = 0.3;
const PREDICT_BATCH = 8192;

const { values: args } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    steps: { type: 'string', default: '60' },
    profile: { type: 'boolean', default: false },
  },
});
const repeats = Number(args.repeats);
const measuredSteps = Number(args.steps);

interface Timing {
  wallMs: number;
  cpuMs: number;
}

function layersModel(softmaxOutput: boolean): Sequential {
  const block = (units: number, inputShape?: number[]) => [
    ops.layers.dense({ units, ...(inputShape ? { inputShape } : {}) }),
    ops.layers.batchNormalization(),
    ops.layers.activation({ activation: 'relu' }),
    ops.layers.dropout({ rate: DROPOUT }),
  ];
  return ops.sequential({
    layers: [
      ...block(64, [FEATURES]),
      ...block(32),
      ops.layers.dense({ units: CLASSES, activation: softmaxOutput ? 'softmax' : 'linear' }),
    ],
  });
}

/** The same network from the engine's building blocks. Dense layers before BatchNorm drop their bias (BatchNorm cancels it). */
function engineModel(random: Random) {
  const glorot = (fanIn: number, fanOut: number) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const values = Float32Array.from({ length: fanIn * fanOut }, () => (2 * random.next() - 1) * limit);
    return ops.tidy(() => ops.variable(ops.tensor2d(values, [fanIn, fanOut])));
  };
  const w1 = glorot(FEATURES, 64);
  const w2 = glorot(64, 32);
  const w3 = glorot(32, CLASSES);
  const b3 = ops.tidy(() => ops.variable(ops.zeros([CLASSES])));
  const bn1 = new BatchNorm(64, { activation: 'relu' });
  const bn2 = new BatchNorm(32, { activation: 'relu' });
  const trainable = [w1, ...bn1.trainableVariables, w2, ...bn2.trainableVariables, w3, b3];
  const logits = (xs: Tensor, training: boolean): Tensor2D => {
    const drop = (h: Tensor2D) => (training ? dropout(h, DROPOUT, random) : h);
    const h1 = drop(bn1.apply(ops.matMul(xs, w1), training));
    const h2 = drop(bn2.apply(ops.matMul(h1, w2), training));
    return ops.fusedMatMul({ a: h2, b: w3, bias: b3 }) as Tensor2D;
  };
  const dispose = () => {
    ops.dispose([w1, w2, w3, b3]);
    bn1.dispose();
    bn2.dispose();
  };
  return { trainable, logits, dispose };
}

type Loop = 'layers-fit' | 'layers-custom' | 'engine-custom';
interface EpochResult {
  loop: Loop;
  patched: boolean;
  batchSize: number;
  secondsPerEpoch: number;
  cpuSecondsPerEpoch: number;
  msPerStep: number;
}

/** Median per-step timing of `repeats` runs of `measuredSteps` steps, each after a few warm-up steps. */
async function measureLoop(
  loop: Loop,
  batchSize: number,
  x: Matrix,
  y: Int32Array,
  random: Random,
): Promise<Timing> {
  const warmup = 5;
  if (warmup + measuredSteps > Math.ceil(ROWS / batchSize)) {
    throw new Error(`--steps ${measuredSteps} does not fit in one epoch at batch ${batchSize}`);
  }
  const runs: Timing[] = [];
  if (loop === 'layers-fit') {
    const model = layersModel(true);
    model.compile({ optimizer: ops.trainAdam(1e-3), loss: 'categoricalCrossentropy' });
    const xs = ops.tensor2d(x.data, [x.rows, x.cols]);
    const ys = ops.tidy(() => ops.oneHot(ops.tensor1d(y, 'int32'), CLASSES));
    for (let r = 0; r < repeats; r++) {
      // Dataset-sized tensors as users pass them; stopped from a callback after the measured steps.
      let cpu = process.cpuUsage();
      let start = 0;
      let timing: Timing = { wallMs: 0, cpuMs: 0 };
      await model.fit(xs, ys, {
        batchSize,
        epochs: 1,
        verbose: 0,
        callbacks: {
          onBatchEnd: (batch) => {
            if (batch === warmup - 1) {
              cpu = process.cpuUsage();
              start = performance.now();
            } else if (batch === warmup + measuredSteps - 1) {
              const used = process.cpuUsage(cpu);
              timing = { wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
              model.stopTraining = true;
            }
            return Promise.resolve();
          },
        },
      });
      runs.push({ wallMs: timing.wallMs / measuredSteps, cpuMs: timing.cpuMs / measuredSteps });
    }
    ops.dispose([xs, ys]);
    model.dispose();
  } else {
    const step = loop === 'layers-custom' ? layersCustomStep() : engineCustomStep(random);
    for (let r = 0; r < repeats; r++) {
      const batches = miniBatches({ x, y }, { batchSize, oneHot: CLASSES, random });
      const take = (n: number) => {
        for (let i = 0; i < n; i++) {
          const batch = batches.next().value as { xs: Tensor; ys: Tensor };
          step.run(batch.xs, batch.ys);
          ops.dispose([batch.xs, batch.ys]);
        }
      };
      take(warmup);
      const t = timed(() => take(measuredSteps));
      runs.push({
        wallMs: (t.wallSeconds * 1000) / measuredSteps,
        cpuMs: (t.cpuSeconds * 1000) / measuredSteps,
      });
      batches.return(undefined);
    }
    step.dispose();
  }
  return { wallMs: median(runs.map((t) => t.wallMs)), cpuMs: median(runs.map((t) => t.cpuMs)) };
}

interface Step {
  run(xs: Tensor, ys: Tensor): void;
  dispose(): void;
}

function layersCustomStep(): Step {
  const model = layersModel(false);
  const optimizer = ops.trainAdam(1e-3);
  return {
    run: (xs, ys) =>
      ops.tidy(() => {
        optimizer.minimize(() =>
          ops.softmaxCrossEntropyLoss<Tensor, Scalar>(ys, model.apply(xs, { training: true }) as Tensor),
        );
      }),
    dispose: () => {
      optimizer.dispose();
      model.dispose();
    },
  };
}

function engineCustomStep(random: Random): Step & { model: ReturnType<typeof engineModel> } {
  const model = engineModel(random);
  const adam = new VariableAdam(model.trainable, { learningRate: 1e-3 });
  return {
    model,
    run: (xs, ys) =>
      ops.tidy(() => {
        const { grads } = ops.variableGrads(
          () => softmaxCrossEntropy(model.logits(xs, true), ys),
          model.trainable,
        );
        adam.applyGradients(grads);
      }),
    dispose: () => model.dispose(),
  };
}

function measurePredict(x: Matrix, random: Random): { layers: number; engine: number } {
  const model = layersModel(true);
  const datasetTensor = ops.tensor2d(x.data, [x.rows, x.cols]);
  const engine = engineModel(random);
  const layersRuns: number[] = [];
  const engineRuns: number[] = [];
  for (let r = 0; r < repeats; r++) {
    layersRuns.push(
      timed(() => {
        const probabilities = model.predict(datasetTensor, { batchSize: PREDICT_BATCH }) as Tensor;
        probabilities.dataSync();
        probabilities.dispose();
      }).wallSeconds * 1000,
    );
    engineRuns.push(
      timed(() => {
        predictInBatches(x, (xs) => ops.softmax(engine.logits(xs, false)), { batchSize: PREDICT_BATCH });
      }).wallSeconds * 1000,
    );
  }
  datasetTensor.dispose();
  model.dispose();
  engine.dispose();
  return {
    layers: Math.round(x.rows / (median(layersRuns) / 1000)),
    engine: Math.round(x.rows / (median(engineRuns) / 1000)),
  };
}

/** A 256-row tf.slice out of the dataset-sized tensor: the Slice defect in isolation. */
function measureDatasetSlice(x: Matrix): number {
  const datasetTensor = ops.tensor2d(x.data, [x.rows, x.cols]);
  const runs = Array.from(
    { length: 15 },
    (_, i) =>
      timed(() => ops.slice(datasetTensor, [i * 256, 0], [256, FEATURES]).dispose()).wallSeconds * 1000,
  );
  datasetTensor.dispose();
  return median(runs);
}

async function profileSteps(x: Matrix, y: Int32Array, random: Random, batchSize: number): Promise<void> {
  for (const [name, step] of [
    ['layers-custom', layersCustomStep()],
    ['engine-custom', engineCustomStep(random)],
  ] as const) {
    const totals = new Map<string, { ms: number; calls: number }>();
    const sampled = 20;
    let kernelsPerStep = 0;
    let stepMs = 0;
    let index = 0;
    for (const batch of miniBatches({ x, y }, { batchSize, oneHot: CLASSES, random })) {
      const start = performance.now();
      const info = await ops.profile(() => step.run(batch.xs, batch.ys!));
      stepMs += (performance.now() - start) / sampled;
      kernelsPerStep = info.kernels.length;
      // Composite ops (custom gradients, `…__op`) are listed too, and so are the kernels inside them.
      for (const kernel of info.kernels.filter((k) => ops.getKernel(k.name, 'wasm') !== undefined)) {
        const total = totals.get(kernel.name) ?? { ms: 0, calls: 0 };
        total.ms += Number(kernel.kernelTimeMs) / sampled;
        total.calls += 1 / sampled;
        totals.set(kernel.name, total);
      }
      ops.dispose([batch.xs, batch.ys!]);
      if (++index === sampled) break;
    }
    step.dispose();
    const kernelMs = [...totals.values()].reduce((sum, t) => sum + t.ms, 0);
    const rows = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms);
    process.stderr.write(
      `${name} @${batchSize}: ${kernelsPerStep} kernels/step, step ${stepMs.toFixed(2)} ms (profiled), in kernels ${kernelMs.toFixed(2)} ms\n` +
        rows
          .map(
            ([kernel, t]) =>
              `  ${kernel.padEnd(16)} ×${Math.round(t.calls).toString().padStart(3)} ${t.ms.toFixed(3)} ms`,
          )
          .join('\n') +
        '\n',
    );
  }
}

async function main(): Promise<void> {
  const engine = await initEngine();
  seedEngine(42);
  const random = new Random(42);
  const { x, y } = linearTeacherData(random, ROWS, FEATURES, CLASSES);
  const epochs: EpochResult[] = [];
  const predictRowsPerSecond: Record<string, { layers: number; engine: number }> = {};
  const datasetSliceMs: Record<string, number> = {};
  for (const patched of [true, false]) {
    await initEngine({ patchKernels: patched });
    const key = patched ? 'patched' : 'shipped';
    datasetSliceMs[key] = Number(measureDatasetSlice(x).toFixed(2));
    predictRowsPerSecond[key] = measurePredict(x, random);
    for (const batchSize of [256, 1024]) {
      for (const loop of ['layers-fit', 'layers-custom', 'engine-custom'] as const) {
        const t = await measureLoop(loop, batchSize, x, y, random);
        const steps = Math.ceil(ROWS / batchSize);
        epochs.push({
          loop,
          patched,
          batchSize,
          msPerStep: Number(t.wallMs.toFixed(3)),
          secondsPerEpoch: Number(((t.wallMs * steps) / 1000).toFixed(2)),
          cpuSecondsPerEpoch: Number(((t.cpuMs * steps) / 1000).toFixed(2)),
        });
      }
    }
  }
  await initEngine();
  if (args.profile) for (const batchSize of [256, 1024]) await profileSteps(x, y, random, batchSize);

  const best = epochs
    .filter((e) => e.patched && e.batchSize === 256)
    .sort((a, b) => a.secondsPerEpoch - b.secondsPerEpoch)[0];
  const find = (loop: Loop, patched: boolean, batchSize: number) =>
    epochs.find((e) => e.loop === loop && e.patched === patched && e.batchSize === batchSize)!;
  console.log(
    JSON.stringify({
      bench: 'engine-mlp',
      engine,
      rows: ROWS,
      features: FEATURES,
      repeats,
      measuredSteps,
      epochs,
      predictRowsPerSecond,
      datasetSliceMs,
    }),
  );
  const line = (loop: Loop) =>
    `${loop} ${find(loop, true, 256).secondsPerEpoch}/${find(loop, false, 256).secondsPerEpoch} s@256, ${find(loop, true, 1024).secondsPerEpoch}/${find(loop, false, 1024).secondsPerEpoch} s@1024`;
  console.log(
    `engine-mlp (s/epoch patched/shipped): ${(['layers-fit', 'layers-custom', 'engine-custom'] as const).map(line).join('; ')}; ` +
      `best@256 ${best.loop} ${best.secondsPerEpoch} s; ` +
      `predict@8192 rows/s patched layers ${predictRowsPerSecond.patched.layers}, engine ${predictRowsPerSecond.patched.engine}, shipped layers ${predictRowsPerSecond.shipped.layers}; ` +
      `dataset-tensor slice ${datasetSliceMs.patched}/${datasetSliceMs.shipped} ms`,
  );
}

await main();
