/**
 * FCNN training and scoring speed on all of KDDTrain+ (125,973 rows × 122 features after the pipeline,
 * 5 classes), for the default network ([128, 64]) and for the 122-64-32-5 network of the PyTorch reference:
 *   - seconds per epoch at batch 256 and at the default batch (median of --epochs epochs; wall and CPU),
 *   - scoring rows/s at batch 8192 (median of 3 passes over KDDTrain+),
 *   - where a training step's time goes: engine kernels (the matrix products, from tf.profile), the rest
 *     of the step (JS loops, tensor copies in and out), Adam, and building the batch,
 *   - peak RSS.
 * The comparison with PyTorch (same networks, batches and data, in alternating rounds) is
 * `bench/side-by-side.ts fcnn score`; this script holds no reference figure.
 *
 *   node --import tsx bench/fcnn.ts [--epochs 3] [--steps 40]
 * Prints one JSON line and one human line on stdout.
 */
import { parseArgs } from 'node:util';
import { initEngine, ops } from '../src/engine/index.js';
import { Adam } from '../src/fit/adam.js';
import { FcnnStage } from '../src/models/fcnn/fcnn-stage.js';
import { FoldedNetwork, PREDICT_BATCH_SIZE } from '../src/models/fcnn/inference.js';
import { fcnnDefaults } from '../src/models/fcnn/options.js';
import { FcnnParameters } from '../src/models/fcnn/parameters.js';
import { TrainingStep } from '../src/models/fcnn/training-step.js';
import type { LabelledSet } from '../src/preprocess/matrix.js';
import { Random } from '../src/util/random.js';
import { median, nslKddMatrices, peakRssMiB } from './lib/nsl-kdd-matrices.js';
import { measureEpochs } from './lib/time-epochs.js';
import { timed } from './lib/timed.js';

/** The 122-64-32-5 network of the side-by-side comparison, beside the default one. */
const COMPARED_NETWORK = [64, 32];

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    steps: { type: 'string', default: '40' },
  },
});
const epochsPerRun = Math.max(1, Number(args.epochs));
const profiledSteps = Math.max(1, Number(args.steps));
const defaults = fcnnDefaults;

interface EpochTiming {
  hiddenUnits: number[];
  batchSize: number;
  secondsPerEpoch: number;
  cpuSecondsPerEpoch: number;
  trainLoss: number;
}

function network(train: LabelledSet, hiddenUnits: number[]): { params: FcnnParameters; adam: Adam } {
  const params = FcnnParameters.initial(train.x.cols, hiddenUnits, train.classes.length, new Random(1));
  return { params, adam: new Adam(params.trainable(), { learningRate: defaults.learningRate }) };
}

async function timeEpochs(
  train: LabelledSet,
  hiddenUnits: number[],
  batchSize: number,
): Promise<EpochTiming> {
  const { params, adam } = network(train, hiddenUnits);
  const stage = new FcnnStage(
    params,
    adam,
    { x: train.x, y: train.y, rowWeights: null },
    { batchSize, dropout: defaults.dropout, seed: 1 },
  );
  const timing = await measureEpochs(stage, epochsPerRun);
  return {
    hiddenUnits,
    batchSize,
    secondsPerEpoch: round(timing.secondsPerEpoch, 3),
    cpuSecondsPerEpoch: round(timing.cpuSecondsPerEpoch, 3),
    trainLoss: round(timing.trainLoss, 4),
  };
}

function scoringRowsPerSecond(train: LabelledSet, hiddenUnits: number[]): { cpu: number; wall: number } {
  const { params } = network(train, hiddenUnits);
  const folded = new FoldedNetwork(params);
  folded.predictProba(train.x);
  const runs = Array.from({ length: 3 }, () => timed(() => folded.predictProba(train.x)));
  folded.dispose();
  return {
    cpu: Math.round(train.x.rows / median(runs.map((r) => r.cpuSeconds))),
    wall: Math.round(train.x.rows / median(runs.map((r) => r.wallSeconds))),
  };
}

interface StepProfile {
  hiddenUnits: number[];
  batchSize: number;
  /** CPU milliseconds per step: the forward-backward pass, Adam, gathering the batch's rows. */
  stepMs: number;
  adamMs: number;
  batchMs: number;
  /** Share of the pass spent in engine kernels (tf.profile, wall time), and the rest: JS loops, tensor copies. */
  kernelShare: number;
  kernelMs: number;
  jsAndCopiesMs: number;
  kernelsPerStep: number;
  /** Wall milliseconds per step of the slowest kernels. */
  topKernels: Record<string, number>;
}

async function profileStep(
  train: LabelledSet,
  hiddenUnits: number[],
  batchSize: number,
): Promise<StepProfile> {
  const { params, adam } = network(train, hiddenUnits);
  const step = new TrainingStep(params, defaults.dropout);
  const random = new Random(2);
  const x = new Float32Array(batchSize * train.x.cols);
  const y = new Int32Array(batchSize);
  const gather = (b: number) => {
    for (let i = 0; i < batchSize; i++) {
      const row = (b * batchSize + i) % train.x.rows;
      x.set(train.x.data.subarray(row * train.x.cols, (row + 1) * train.x.cols), i * train.x.cols);
      y[i] = train.y[row];
    }
  };
  const pass = () => step.run(x, y, null, batchSize, random);
  for (let b = 0; b < 5; b++) {
    gather(b);
    pass();
    adam.apply(step.gradients);
  }
  let stepMs = 0;
  let adamMs = 0;
  let batchMs = 0;
  for (let b = 0; b < profiledSteps; b++) {
    batchMs += timed(() => gather(b)).cpuSeconds * 1000;
    stepMs += timed(pass).cpuSeconds * 1000;
    adamMs += timed(() => adam.apply(step.gradients)).cpuSeconds * 1000;
  }
  // Kernel times are wall times: their share of the pass's wall time is what carries over to CPU time.
  const kernelTotals = new Map<string, number>();
  let kernelWallMs = 0;
  let passWallMs = 0;
  let kernelsPerStep = 0;
  for (let b = 0; b < profiledSteps; b++) {
    gather(b);
    const start = performance.now();
    const info = await ops.profile(() => {
      pass();
    });
    passWallMs += performance.now() - start;
    kernelsPerStep = info.kernels.length;
    for (const kernel of info.kernels) {
      const ms = Number(kernel.kernelTimeMs);
      // Composite ops (e.g. fusedMatMul__op) are listed besides the kernels inside them.
      if (ops.getKernel(kernel.name, 'wasm') === undefined) continue;
      kernelWallMs += ms;
      const key = `${kernel.name} ${JSON.stringify(kernel.inputShapes.slice(0, 2))}`;
      kernelTotals.set(key, (kernelTotals.get(key) ?? 0) + ms);
    }
    adam.apply(step.gradients);
  }
  const per = (ms: number) => round(ms / profiledSteps, 3);
  const kernelShare = Math.min(1, kernelWallMs / passWallMs);
  return {
    hiddenUnits,
    batchSize,
    stepMs: per(stepMs),
    adamMs: per(adamMs),
    batchMs: per(batchMs),
    kernelShare: round(kernelShare, 3),
    kernelMs: per(stepMs * kernelShare),
    jsAndCopiesMs: per(stepMs * (1 - kernelShare)),
    kernelsPerStep,
    topKernels: Object.fromEntries(
      [...kernelTotals.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([k, ms]) => [k, per(ms)]),
    ),
  };
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

async function main(): Promise<void> {
  const engine = await initEngine();
  const { train } = await nslKddMatrices('KDDTrain+', 'KDDTest+', '5class');
  const networks = [defaults.hiddenUnits, COMPARED_NETWORK];
  const batches = [256, defaults.batchSize];
  const epochs: EpochTiming[] = [];
  const profiles: StepProfile[] = [];
  const scoring: Record<string, { cpu: number; wall: number }> = {};
  for (const hiddenUnits of networks) {
    scoring[hiddenUnits.join('-')] = scoringRowsPerSecond(train, hiddenUnits);
    for (const batchSize of batches) {
      epochs.push(await timeEpochs(train, hiddenUnits, batchSize));
      profiles.push(await profileStep(train, hiddenUnits, batchSize));
    }
  }
  const find = (units: number[], batch: number) =>
    epochs.find((e) => e.hiddenUnits === units && e.batchSize === batch)!;
  const peakRss = peakRssMiB();
  console.log(
    JSON.stringify({
      bench: 'fcnn',
      engine,
      rows: train.x.rows,
      features: train.x.cols,
      classes: train.classes.length,
      defaultBatchSize: defaults.batchSize,
      epochsPerMeasurement: epochsPerRun,
      epochs,
      scoringRowsPerSecond: scoring,
      scoringBatchSize: PREDICT_BATCH_SIZE,
      stepProfiles: profiles,
      peakRssMiB: peakRss,
    }),
  );
  const describe = (units: number[]) =>
    `${units.join('-')}: ${batches.map((b) => `${find(units, b).secondsPerEpoch} s (cpu ${find(units, b).cpuSecondsPerEpoch}) @${b}`).join(', ')}`;
  const share = (p: StepProfile) =>
    `${p.hiddenUnits.join('-')}@${p.batchSize} ${p.stepMs} ms = kernels ${p.kernelMs} + js/copies ${p.jsAndCopiesMs}, + adam ${p.adamMs} + batch ${p.batchMs}`;
  console.log(
    `fcnn on KDDTrain+ (${train.x.rows} rows), s/epoch: ${networks.map(describe).join('; ')}; ` +
      `scoring @${PREDICT_BATCH_SIZE} rows/s (cpu/wall): ${Object.entries(scoring)
        .map(([k, v]) => `${k} ${v.cpu}/${v.wall}`)
        .join(', ')}; ` +
      `cpu ms/step: ${profiles.map(share).join('; ')}; peak RSS ${peakRss} MiB`,
  );
}

await main();
