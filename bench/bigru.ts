/**
 * BiGRU(32) training and scoring speed (src/models/bigru):
 *   - seconds per epoch on 20,000 synthetic sequences of 8 × 16 (seeded Gaussian, 5 classes from a random
 *     linear teacher), at batch 256 and at the default batch, for both reset conventions (median of
 *     --repeats epochs of the real training stage: batch gathering, forward, backward, Adam; wall and CPU),
 *   - scoring rows/s (batches of 512),
 *   - where a step's time goes (forward, backward), for the training's pass (the WebAssembly kernel,
 *     src/models/bigru/gru-kernel.ts) and the TypeScript pass it replaced (BiGruPass: engine matrix
 *     products, tf.profile gives their share, and JS gate loops), in the same process,
 *   - with --latent: the same on real latent sequences (NSL-KDD KDDTrain+_20Percent through the real
 *     pipeline, a VAE trained for 2 epochs, latent 16 read as 16 × 1 and as 4 × 4),
 *   - with --layers: one epoch of tf.layers.bidirectional(gru) + model.fit for comparison (slow).
 * The comparison with PyTorch (same network, batches and data, in alternating rounds) is
 * `bench/side-by-side.ts bigru`; this script holds no reference figure.
 *
 *   node --import tsx bench/bigru.ts [--repeats 3] [--latent] [--layers]
 * Prints one JSON line and one human line on stdout.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { initEngine, ops } from '../src/engine/index.js';
import { Adam } from '../src/fit/adam.js';
import { BiGruPass } from '../src/models/bigru/bigru-pass.js';
import { trainingPass } from '../src/models/bigru/training-pass.js';
import { BiGruStage, predictProbabilities, validationFigures } from '../src/models/bigru/bigru-stage.js';
import { biGruDefaults } from '../src/models/bigru/options.js';
import { BiGruParameters, type BiGruShape } from '../src/models/bigru/parameters.js';
import { VariationalAutoencoder } from '../src/models/vae/variational-autoencoder.js';
import type { Matrix } from '../src/preprocess/matrix.js';
import { Random } from '../src/util/random.js';
import { benchDataDir, median, nslKddMatrices, peakRssMiB } from './lib/nsl-kdd-matrices.js';
import { linearTeacherData } from './lib/teacher-data.js';
import { timed } from './lib/timed.js';

const ROWS = 20_000;
const TIMESTEPS = 8;
const FEATURES = 16;
const CLASSES = 5;
const UNITS = 32;

const { values: args } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    latent: { type: 'boolean', default: false },
    layers: { type: 'boolean', default: false },
  },
});
const repeats = Number(args.repeats);
const defaultBatch = biGruDefaults.batchSize;

interface EpochTiming {
  data: string;
  sequence: string;
  resetAfter: boolean;
  batchSize: number;
  secondsPerEpoch: number;
  cpuSecondsPerEpoch: number;
  trainLoss: number;
  valLoss?: number;
}

/** Median epoch of the real training stage over `repeats` epochs (after one warm-up epoch). */
async function measureEpochs(
  data: string,
  train: { x: Matrix; y: Int32Array },
  shape: BiGruShape,
  batchSize: number,
  validation?: { x: Matrix; y: Int32Array },
): Promise<EpochTiming> {
  const params = BiGruParameters.initial(shape, new Random(7));
  const adam = new Adam(params.trainable(), { learningRate: 1e-3 });
  const stage = new BiGruStage(
    params,
    adam,
    { ...train, rowWeights: null },
    { batchSize, seed: 7, prefix: '' },
  );
  const noop = (): void => undefined;
  await stage.trainEpoch(0, noop);
  const runs: { wall: number; cpu: number; loss: number }[] = [];
  for (let epoch = 1; epoch <= repeats; epoch++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    const logs = await stage.trainEpoch(epoch, noop);
    const used = process.cpuUsage(cpu);
    runs.push({
      wall: (performance.now() - start) / 1000,
      cpu: (used.user + used.system) / 1e6,
      loss: logs.loss,
    });
  }
  const valLoss = validation
    ? validationFigures(predictProbabilities(params, validation.x), validation.y).valLoss
    : undefined;
  return {
    data,
    sequence: `${shape.timesteps}×${shape.featuresPerStep}`,
    resetAfter: shape.resetAfter,
    batchSize,
    secondsPerEpoch: round(median(runs.map((r) => r.wall))),
    cpuSecondsPerEpoch: round(median(runs.map((r) => r.cpu))),
    trainLoss: round(runs[runs.length - 1].loss, 4),
    ...(valLoss === undefined ? {} : { valLoss: round(valLoss, 4) }),
  };
}

/**
 * Where one training step's time goes: CPU ms of the whole step (forward, backward; no Adam) and of the
 * forward pass alone, and the share of the step's wall time inside engine kernels (tf.profile times kernels
 * by wall clock, so the share is taken against the wall time of the same profiled steps). `kernel` is the
 * training's pass (the WebAssembly kernel for reset-after networks: no engine kernels at all), `typescript`
 * the BiGruPass it replaced, measured in the same process.
 */
async function profileStep(
  x: Matrix,
  y: Int32Array,
  shape: BiGruShape,
  batchSize: number,
  which: 'kernel' | 'typescript',
) {
  const params = BiGruParameters.initial(shape, new Random(3));
  const pass = which === 'kernel' ? trainingPass(params, batchSize) : new BiGruPass(params, batchSize, true);
  const batchX = x.data.subarray(0, batchSize * x.cols);
  const labels = y.subarray(0, batchSize);
  const step = () => {
    pass.forward(batchX, batchSize);
    pass.backward(labels, null, batchSize);
  };
  for (let i = 0; i < 5; i++) step();
  const sampled = 10;
  const stepMs = median(Array.from({ length: sampled }, () => timed(step).cpuSeconds * 1000));
  const forwardMs = median(
    Array.from({ length: sampled }, () => timed(() => pass.forward(batchX, batchSize)).cpuSeconds * 1000),
  );
  const kernels = new Map<string, { ms: number; calls: number }>();
  let profiledWallMs = 0;
  for (let i = 0; i < sampled; i++) {
    const start = performance.now();
    const info = await ops.profile(step);
    profiledWallMs += performance.now() - start;
    for (const kernel of info.kernels) {
      const total = kernels.get(kernel.name) ?? { ms: 0, calls: 0 };
      total.ms += Number(kernel.kernelTimeMs);
      total.calls += 1 / sampled;
      kernels.set(kernel.name, total);
    }
  }
  const kernelMs = [...kernels.values()].reduce((sum, k) => sum + k.ms, 0);
  return {
    batchSize,
    stepCpuMs: round(stepMs, 2),
    forwardCpuMs: round(forwardMs, 2),
    backwardCpuMs: round(stepMs - forwardMs, 2),
    engineKernelShare: round(kernelMs / profiledWallMs),
    kernels: Object.fromEntries(
      [...kernels.entries()].map(([name, k]) => [
        name,
        { callsPerStep: Math.round(k.calls), share: round(k.ms / profiledWallMs) },
      ]),
    ),
  };
}

function measureScoring(params: BiGruParameters, x: Matrix): number {
  const runs = Array.from(
    { length: repeats },
    () => timed(() => predictProbabilities(params, x)).wallSeconds,
  );
  return Math.round(x.rows / median(runs));
}

/** One epoch of tf.layers.bidirectional(gru(32)) + dense softmax with model.fit, batch 256. */
async function layersEpoch(x: Matrix, y: Int32Array): Promise<number> {
  const model = ops.sequential({
    layers: [
      ops.layers.bidirectional({
        layer: ops.layers.gru({ units: UNITS, recurrentActivation: 'sigmoid' }),
        inputShape: [TIMESTEPS, FEATURES],
      }),
      ops.layers.dense({ units: CLASSES, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: ops.trainAdam(1e-3), loss: 'categoricalCrossentropy' });
  const xs = ops.tensor3d(x.data, [x.rows, TIMESTEPS, FEATURES]);
  const ys = ops.tidy(() => ops.oneHot(ops.tensor1d(y, 'int32'), CLASSES));
  const cpu = process.cpuUsage();
  await model.fit(xs, ys, { batchSize: 256, epochs: 1, verbose: 0 });
  const used = process.cpuUsage(cpu);
  ops.dispose([xs, ys]);
  model.dispose();
  return round((used.user + used.system) / 1e6);
}

/** Latent vectors of NSL-KDD KDDTrain+_20Percent (10 % held out for the validation loss). */
async function latentSequences(): Promise<{
  train: { x: Matrix; y: Int32Array };
  validation: { x: Matrix; y: Int32Array };
} | null> {
  if (!existsSync(join(benchDataDir, 'nsl-kdd'))) return null;
  const { train } = await nslKddMatrices('KDDTrain+_20Percent', 'KDDTest+');
  const vae = new VariationalAutoencoder({ epochs: 2, seed: 1 });
  await vae.fit(train.x);
  const latent = await vae.transform(train.x);
  vae.dispose();
  const split = Math.floor(latent.rows * 0.9);
  const part = (from: number, to: number) => ({
    x: { rows: to - from, cols: latent.cols, data: latent.data.slice(from * latent.cols, to * latent.cols) },
    y: train.y.slice(from, to),
  });
  return { train: part(0, split), validation: part(split, latent.rows) };
}

function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}

async function main(): Promise<void> {
  const engine = await initEngine();
  const random = new Random(42);
  const synthetic = linearTeacherData(random, ROWS, TIMESTEPS * FEATURES, CLASSES);
  const epochs: EpochTiming[] = [];
  const batches = [...new Set([256, defaultBatch, 1024])];
  for (const resetAfter of [true, false]) {
    for (const batchSize of batches) {
      const shape = {
        timesteps: TIMESTEPS,
        featuresPerStep: FEATURES,
        units: UNITS,
        classes: CLASSES,
        resetAfter,
      };
      epochs.push(await measureEpochs('synthetic', synthetic, shape, batchSize));
    }
  }
  const shape = {
    timesteps: TIMESTEPS,
    featuresPerStep: FEATURES,
    units: UNITS,
    classes: CLASSES,
    resetAfter: true,
  };
  const profile = await profileStep(synthetic.x, synthetic.y, shape, 256, 'kernel');
  const reference = await profileStep(synthetic.x, synthetic.y, shape, 256, 'typescript');
  const scoringRowsPerSecond = measureScoring(BiGruParameters.initial(shape, new Random(1)), synthetic.x);
  const layersCpuSecondsPerEpoch = args.layers ? await layersEpoch(synthetic.x, synthetic.y) : undefined;

  const latent = args.latent ? await latentSequences() : null;
  if (latent) {
    for (const [timesteps, featuresPerStep] of [
      [16, 1],
      [4, 4],
    ]) {
      for (const batchSize of batches) {
        const latentShape = { timesteps, featuresPerStep, units: UNITS, classes: 5, resetAfter: true };
        epochs.push(
          await measureEpochs('nsl-kdd-20%-latent', latent.train, latentShape, batchSize, latent.validation),
        );
      }
    }
  }

  const at = (batchSize: number, resetAfter = true) =>
    epochs.find(
      (e) => e.data === 'synthetic' && e.batchSize === batchSize && e.resetAfter === resetAfter,
    ) as EpochTiming;
  console.log(
    JSON.stringify({
      bench: 'bigru',
      engine,
      rows: ROWS,
      sequence: [TIMESTEPS, FEATURES],
      units: UNITS,
      repeats,
      defaultBatch,
      epochs,
      profileAt256: profile,
      typescriptPassProfileAt256: reference,
      scoringRowsPerSecond,
      layersCpuSecondsPerEpoch,
      peakRssMiB: peakRssMiB(),
    }),
  );
  const latentLine = epochs
    .filter((e) => e.data !== 'synthetic')
    .map((e) => `${e.sequence}@${e.batchSize} ${e.cpuSecondsPerEpoch} s (val ${e.valLoss})`)
    .join(', ');
  console.log(
    `bigru(32) 20k×8×16 cpu s/epoch: ${batches.map((b) => `@${b} ${at(b).cpuSecondsPerEpoch} (wall ${at(b).secondsPerEpoch})`).join(', ')}; ` +
      `resetAfter false @256 ${at(256, false).cpuSecondsPerEpoch}; ` +
      `step@256 ${profile.stepCpuMs} ms CPU (forward ${profile.forwardCpuMs}, backward ${profile.backwardCpuMs}; ${Math.round(profile.engineKernelShare * 100)} % in engine kernels), ` +
      `BiGruPass ${reference.stepCpuMs} ms (forward ${reference.forwardCpuMs}; ${Math.round(reference.engineKernelShare * 100)} % in engine kernels); ` +
      `scoring ${scoringRowsPerSecond} rows/s` +
      (layersCpuSecondsPerEpoch === undefined ? '' : `; ops.layers fit ${layersCpuSecondsPerEpoch} s/epoch`) +
      (latentLine ? `; latent: ${latentLine}` : '') +
      `; peak RSS ${peakRssMiB()} MiB`,
  );
}

await main();
