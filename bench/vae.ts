/**
 * VAE training and scoring speed on KDDTrain+ (125,973 rows × 122 features, NSL-KDD 5-class) and on KDD Cup
 * 99's 10 % file (494,021 rows × 115 features, DDoS/U2R/normal), each built by the real loader and pipeline
 * in its own process so its peak RSS is the whole pipeline's (goal ≤ 1 GiB):
 *   - seconds per epoch of the 'vae' stage (default network 122-64-32-16, bce) at batch 256 and at the
 *     default batch (median over --epochs epochs; wall and CPU),
 *   - scoring rows/s at batch 8192: the encoder's μ (`transform`) and μ + softmax head (`vae` predict),
 *   - where a step's time goes: inside each export of the step's WebAssembly kernel (vae-step-kernel.ts),
 *     the rest of the step (weights in, gradients out, call overhead), Adam, the noise draws and gathering
 *     the batch rows,
 *   - with --quality N: the validation loss after each of N epochs at batch 256 (learning rate 0.001), at
 *     the default batch and rate, and at 1024 (0.004) on KDDTrain+ with 10 % held out: whether a larger
 *     batch keeps the loss.
 * The comparison with PyTorch (same network, batches and data, in alternating rounds) is
 * `bench/side-by-side.ts vae`; this script holds no reference figure.
 *
 *   node --import tsx bench/vae.ts [--epochs 2] [--steps 30] [--quality 0] [--only nsl-kdd|kdd99]
 * Prints one JSON line and one human line on stdout.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { initEngine } from '../src/engine/index.js';
import type { Matrix } from '../src/preprocess/matrix.js';
import { takeRows } from '../src/preprocess/matrix.js';
import { Adam } from '../src/fit/adam.js';
import { vaeDefaults } from '../src/models/vae/options.js';
import { HeadParameters } from '../src/models/vae/softmax-head.js';
import { VaeParameters } from '../src/models/vae/vae-parameters.js';
import { VaeStage } from '../src/models/vae/vae-stage.js';
import { evaluateVae, fillStandardNormal } from '../src/models/vae/vae-step.js';
import { VaeStepKernel } from '../src/models/vae/vae-step-kernel.js';
import { VariationalAutoencoder } from '../src/models/vae/variational-autoencoder.js';
import { Random } from '../src/util/random.js';
import { trainingMatrix } from './lib/kdd99-matrices.js';
import { median, peakRssMiB } from './lib/nsl-kdd-matrices.js';
import { measureEpochs } from './lib/time-epochs.js';

const DATASETS = {
  'nsl-kdd': { dataset: 'nsl-kdd', split: 'KDDTrain+', task: '5class' },
  kdd99: { dataset: 'kdd99', split: 'kddcup.data_10_percent', task: 'ddos-u2r-normal' },
} as const;
type BenchDataset = keyof typeof DATASETS;

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '2' },
    steps: { type: 'string', default: '30' },
    quality: { type: 'string', default: '0' },
    only: { type: 'string' },
  },
});
const defaults = vaeDefaults;
const settings = { reconstruction: defaults.reconstruction, beta: defaults.beta };

interface EpochTiming {
  batchSize: number;
  secondsPerEpoch: number;
  cpuSecondsPerEpoch: number;
  trainLoss: number;
}

interface StepProfile {
  batchSize: number;
  /** CPU ms per step: the whole step (forward + backward), of which inside the kernel's exports, and the rest. */
  stepMs: number;
  kernelMs: number;
  jsAndCopiesMs: number;
  adamMs: number;
  noiseMs: number;
  batchMs: number;
  kernelsPerStep: number;
  topKernels: Record<string, number>;
}

interface DatasetResult {
  dataset: BenchDataset;
  rows: number;
  features: number;
  loadSeconds: number;
  epochs: EpochTiming[];
  scoringRowsPerSecond: { transform: number; classifier: number };
  stepProfiles: StepProfile[];
  quality?: { batchSize: number; learningRate: number; valLoss: number[]; seconds: number }[];
  peakRssMiB: number;
}

function network(x: Matrix, learningRate = defaults.learningRate): { params: VaeParameters; adam: Adam } {
  const params = VaeParameters.initial(x.cols, defaults.encoderUnits, defaults.latentSize, new Random(1));
  return { params, adam: new Adam(params.trainable(), { learningRate }) };
}

async function timeEpochs(x: Matrix, batchSize: number, epochs: number): Promise<EpochTiming> {
  const { params, adam } = network(x);
  const stage = new VaeStage(params, adam, { x }, { batchSize, seed: 1, settings, weightPrefix: '' });
  const timing = await measureEpochs(stage, epochs);
  return {
    batchSize,
    secondsPerEpoch: round(timing.secondsPerEpoch, 3),
    cpuSecondsPerEpoch: round(timing.cpuSecondsPerEpoch, 3),
    trainLoss: round(timing.trainLoss, 4),
  };
}

async function scoring(x: Matrix): Promise<DatasetResult['scoringRowsPerSecond']> {
  const { params } = network(x);
  const vae = new VariationalAutoencoder(defaults);
  vae.setWeights(params.toWeights());
  const head = HeadParameters.initial(defaults.latentSize, [32], 5, new Random(2));
  const transform: number[] = [];
  const classifier: number[] = [];
  for (let r = 0; r < 3; r++) {
    const start = performance.now();
    const features = await vae.transform(x);
    const middle = performance.now();
    head.predictProba(features);
    const end = performance.now();
    if (r > 0) {
      transform.push((middle - start) / 1000);
      classifier.push((end - start) / 1000);
    }
  }
  vae.dispose();
  return {
    transform: Math.round(x.rows / median(transform)),
    classifier: Math.round(x.rows / median(classifier)),
  };
}

/** CPU milliseconds of the process (user + system) since `from`, as `process.cpuUsage` measures them. */
function cpuMs(from?: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
}

/**
 * CPU time per step and where it goes. The machine is shared, so the totals are CPU time over all the steps
 * (`process.cpuUsage` over a short call is not reliable: Linux adjusts the user/system split between
 * reads); each phase and each export of the kernel gets its share of the wall time, measured call by call,
 * applied to those totals (a preemption lands in a phase in proportion to its length). The rest of `run`
 * is copying the weights in and the gradients out and the calls' overhead.
 */
function profileStep(x: Matrix, batchSize: number, steps: number): StepProfile {
  const { params, adam } = network(x);
  const step = new VaeStepKernel(params, settings, batchSize);
  const random = new Random(2);
  // As the training stage: the kernel holds the rows as non-zero lists and gathers each batch itself.
  if (!step.holdRows(x)) throw new Error('bench/vae.ts: expected one-hot rows, mostly zeros');
  const order = random.shuffle(Int32Array.from({ length: x.rows }, (_, i) => i));
  let cursor = 0;
  const gather = () => {
    if (cursor + batchSize > x.rows) cursor = 0;
    step.gatherRows(order, cursor, batchSize);
    cursor += batchSize;
  };
  const one = () => {
    gather();
    fillStandardNormal(step.noise, batchSize * params.latentSize, random);
    step.run(batchSize);
    adam.apply(step.gradients);
  };
  for (let b = 0; b < 5; b++) one();
  const wall = { batch: 0, noise: 0, step: 0, adam: 0 };
  const cpuStart = process.cpuUsage();
  for (let b = 0; b < steps; b++) {
    const t0 = performance.now();
    gather();
    const t1 = performance.now();
    fillStandardNormal(step.noise, batchSize * params.latentSize, random);
    const t2 = performance.now();
    step.run(batchSize);
    const t3 = performance.now();
    adam.apply(step.gradients);
    const t4 = performance.now();
    wall.batch += t1 - t0;
    wall.noise += t2 - t1;
    wall.step += t3 - t2;
    wall.adam += t4 - t3;
  }
  const cpuPerStep = cpuMs(cpuStart) / steps;
  const wallTotal = wall.batch + wall.noise + wall.step + wall.adam;
  const cpuOf = (ms: number) => round((cpuPerStep * ms) / wallTotal, 3);
  // Time inside each kernel export, by wrapping them (the step calls them ≈ 60 times).
  const kernelTotals = new Map<string, number>();
  let calls = 0;
  // The instance's exports are frozen: the step gets a copy whose functions are wrapped.
  const holder = step as unknown as { exports: Record<string, unknown> };
  const wrapped: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(holder.exports)) {
    if (typeof f !== 'function') {
      wrapped[name] = f;
      continue;
    }
    wrapped[name] = (...a: number[]) => {
      const start = performance.now();
      const result = (f as (...a: number[]) => number)(...a);
      calls++;
      // rows_times from a bias (its 7th argument) is a forward product, from zeros a weight gradient.
      const key = name === 'rows_times' ? (a[6] !== 0 ? 'forward' : 'weight_gradient') : name;
      kernelTotals.set(key, (kernelTotals.get(key) ?? 0) + performance.now() - start);
      return result;
    };
  }
  holder.exports = wrapped;
  let runWall = 0;
  for (let b = 0; b < steps; b++) {
    gather();
    const start = performance.now();
    step.run(batchSize);
    runWall += performance.now() - start;
    adam.apply(step.gradients);
  }
  calls -= kernelTotals.has('gather_rows') ? steps : 0;
  const runCpu = (cpuPerStep * wall.step) / wallTotal;
  const runShare = (ms: number) => round((runCpu * ms) / runWall, 3);
  const inside = [...kernelTotals.entries()]
    .filter(([k]) => k !== 'gather_rows')
    .reduce((a, [, b]) => a + b, 0);
  return {
    batchSize,
    stepMs: cpuOf(wall.step),
    kernelMs: runShare(inside),
    jsAndCopiesMs: runShare(Math.max(0, runWall - inside)),
    adamMs: cpuOf(wall.adam),
    noiseMs: cpuOf(wall.noise),
    batchMs: cpuOf(wall.batch),
    kernelsPerStep: calls / steps,
    topKernels: Object.fromEntries(
      [...kernelTotals.entries()]
        .filter(([k]) => k !== 'gather_rows')
        .sort((a, b) => b[1] - a[1])
        .map(([k, ms]) => [k, runShare(ms)]),
    ),
  };
}

/**
 * Validation loss (sample-free) after each epoch at batch 256 with the usual 0.001, and at larger batches
 * with the learning rate scaled along (the defaults: 512 at 0.002), 10 % of the rows held out.
 */
async function quality(x: Matrix, epochs: number): Promise<NonNullable<DatasetResult['quality']>> {
  const order = new Random(7).shuffle(Int32Array.from({ length: x.rows }, (_, i) => i));
  const cut = Math.floor(x.rows / 10);
  const validation = takeRows(x, order.subarray(0, cut));
  const train = takeRows(x, order.subarray(cut));
  const results = [];
  for (const [batchSize, learningRate] of [
    [256, 0.001],
    [defaults.batchSize, defaults.learningRate],
    [1024, 0.004],
  ]) {
    const { params, adam } = network(train, learningRate);
    const stage = new VaeStage(
      params,
      adam,
      { x: train },
      { batchSize, seed: 1, settings, weightPrefix: '' },
    );
    const valLoss: number[] = [];
    const start = performance.now();
    for (let epoch = 0; epoch < epochs; epoch++) {
      await stage.trainEpoch(epoch, () => undefined);
      valLoss.push(round(evaluateVae(params, validation, settings).loss, 4));
    }
    results.push({ batchSize, learningRate, valLoss, seconds: round((performance.now() - start) / 1000, 1) });
  }
  return results;
}

async function runOne(name: BenchDataset): Promise<DatasetResult> {
  await initEngine();
  const spec = DATASETS[name];
  const data = await trainingMatrix(spec.dataset, spec.split, spec.task);
  const epochs = Math.max(1, Number(args.epochs));
  const batches = [...new Set([256, defaults.batchSize])];
  const timings: EpochTiming[] = [];
  const profiles: StepProfile[] = [];
  for (const batchSize of batches) {
    timings.push(await timeEpochs(data.x, batchSize, epochs));
    profiles.push(profileStep(data.x, batchSize, Math.max(1, Number(args.steps))));
  }
  const qualityEpochs = Number(args.quality);
  return {
    dataset: name,
    rows: data.x.rows,
    features: data.x.cols,
    loadSeconds: round(data.loadSeconds, 2),
    epochs: timings,
    scoringRowsPerSecond: await scoring(data.x),
    stepProfiles: profiles,
    ...(qualityEpochs > 0 && name === 'nsl-kdd' ? { quality: await quality(data.x, qualityEpochs) } : {}),
    peakRssMiB: peakRssMiB(),
  };
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

async function main(): Promise<void> {
  if (args.only !== undefined) {
    if (!(args.only in DATASETS))
      throw new Error(`--only must be one of ${Object.keys(DATASETS).join(', ')}`);
    console.log(JSON.stringify(await runOne(args.only as BenchDataset)));
    return;
  }
  const passOn = process.argv.slice(2);
  const results: DatasetResult[] = (Object.keys(DATASETS) as BenchDataset[]).map((name) => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', import.meta.filename, ...passOn, '--only', name],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    if (child.status !== 0) throw new Error(`bench/vae.ts --only ${name} failed with status ${child.status}`);
    return JSON.parse(child.stdout.trim().split('\n').pop() ?? '') as DatasetResult;
  });
  const nsl = results.find((r) => r.dataset === 'nsl-kdd')!;
  const engine = await initEngine();
  console.log(
    JSON.stringify({
      bench: 'vae',
      engine,
      network: { encoderUnits: defaults.encoderUnits, latentSize: defaults.latentSize, ...settings },
      defaultBatchSize: defaults.batchSize,
      epochsPerMeasurement: Number(args.epochs),
      datasets: results,
    }),
  );
  const describe = (r: DatasetResult) =>
    `${r.dataset} (${r.rows} × ${r.features}): ${r.epochs.map((e) => `${e.secondsPerEpoch} s (cpu ${e.cpuSecondsPerEpoch}) @${e.batchSize}`).join(', ')}; ` +
    `scoring ${r.scoringRowsPerSecond.transform} rows/s (μ), ${r.scoringRowsPerSecond.classifier} (μ + head); peak RSS ${r.peakRssMiB} MiB`;
  const share = (p: StepProfile) =>
    `@${p.batchSize} ${p.stepMs} ms = kernels ${p.kernelMs} + js/copies ${p.jsAndCopiesMs}, adam ${p.adamMs}, noise ${p.noiseMs}, batch ${p.batchMs}`;
  console.log(
    `vae s/epoch: ${results.map(describe).join('; ')}; ` +
      `step: ${nsl.stepProfiles.map(share).join('; ')}` +
      (nsl.quality
        ? `; val loss after ${nsl.quality[0].valLoss.length} epochs: ${nsl.quality.map((q) => `@${q.batchSize} ${q.valLoss.at(-1)}`).join(', ')}`
        : ''),
  );
}

await main();
