/**
 * The SAE models on all of NSL-KDD KDDTrain+ (125,973 × 122 through the real loader and pipeline, 5class):
 * seconds per epoch of each stage of sae-softmax (pretrain = the sparse autoencoder, classifier = softmax on
 * the codes, finetune = encoder + softmax) at batch 256 and at the default batch, as medians over the
 * epochs run; scoring rows/s (predictProba, batches of 8192); peak RSS; and where a pretraining step's time
 * goes (batch gathering in JS, engine kernels, other engine overhead, Adam in JS), beside the same step
 * written with `tf.variableGrads` and the engine's Adam, measured in the same process.
 *
 *   node --import tsx bench/sae.ts [--epochs 3] [--batches 256,default] [--profile-steps 60]
 *
 * Epoch times are wall seconds from the training loop (no validation split, so no validation pass);
 * `cpu` is this process's CPU time over the same epochs, steadier on a shared machine. The comparison with
 * PyTorch on the same network, batches and data, in alternating rounds, is `bench/side-by-side.ts sae`.
 * Prints one JSON line and one human line.
 */
import { parseArgs } from 'node:util';

import { initEngine, ops, SparseRowsProducts, type Scalar } from '../src/engine/index.js';
import type { Matrix } from '../src/preprocess/matrix.js';
import type { Callback } from '../src/fit/callbacks.js';
import { autoencoderStep, type AutoencoderParameters } from '../src/models/sae/autoencoder-step.js';
import { sparseAutoencoderDefaults } from '../src/models/sae/options.js';
import { glorotKernel, SaeOptimizer, zeroBias } from '../src/models/sae/parameters.js';
import { epochOrder, rowBatches, type RowBatch } from '../src/models/sae/row-batches.js';
import { SaeSoftmaxClassifier } from '../src/models/sae/sae-softmax.js';
import { VariableAdam } from '../src/models/variable-adam.js';
import { Random } from '../src/util/random.js';
import { median, nslKddMatrices, peakRssMiB } from './lib/nsl-kdd-matrices.js';

const SCORING_REPEATS = 3;

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '3' },
    batches: { type: 'string', default: '256,default' },
    'profile-steps': { type: 'string', default: '60' },
  },
});
const epochs = Number(args.epochs);
const defaultBatch = sparseAutoencoderDefaults.batchSize;
const batchSizes = [
  ...new Set(args.batches.split(',').map((b) => (b === 'default' ? defaultBatch : Number(b)))),
];
const profileSteps = Number(args['profile-steps']);

interface StageTiming {
  secondsPerEpoch: number;
  cpuSecondsPerEpoch: number;
  epochs: number;
}

/** Wall and CPU time of every epoch of every stage, from the loop's own callbacks. */
function epochTimer(): { callback: Callback; result: () => Record<string, StageTiming> } {
  const wall: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  let cpuAtStart = process.cpuUsage();
  return {
    callback: {
      onStageBegin: ({ stage }) => {
        wall[stage] = [];
        cpu[stage] = [];
        cpuAtStart = process.cpuUsage();
      },
      onEpochEnd: (_epoch, logs, control) => {
        const used = process.cpuUsage(cpuAtStart);
        cpuAtStart = process.cpuUsage();
        wall[control.stage].push(logs.seconds ?? Number.NaN);
        cpu[control.stage].push((used.user + used.system) / 1e6);
      },
    },
    result: () =>
      Object.fromEntries(
        Object.keys(wall).map((stage) => [
          stage,
          {
            secondsPerEpoch: round(median(wall[stage])),
            cpuSecondsPerEpoch: round(median(cpu[stage])),
            epochs: wall[stage].length,
          },
        ]),
      ),
  };
}

async function timeStages(x: Matrix, y: Int32Array, nClasses: number, batchSize: number) {
  const timer = epochTimer();
  const model = new SaeSoftmaxClassifier({ epochs, patience: epochs, batchSize, fineTune: true, seed: 1 });
  await model.fit(x, y, { nClasses, callbacks: [timer.callback] });
  const rowsPerSecond: number[] = [];
  for (let r = 0; r < SCORING_REPEATS; r++) {
    const started = performance.now();
    await model.predictProba(x);
    rowsPerSecond.push(x.rows / ((performance.now() - started) / 1000));
  }
  await model.dispose();
  return { stages: timer.result(), scoringRowsPerSecond: Math.round(median(rowsPerSecond)) };
}

/**
 * Where a pretraining step's time goes: median wall ms of gathering the batch in JS, of the engine step
 * (upload, kernels, read-back) and of Adam in JS over plain steps; then, in separate steps under
 * `tf.profile` (which slows every kernel down), each kernel's share of the kernel time and the share of
 * kernels in the profiled step.
 */
async function profilePretrainStep(x: Matrix, batchSize: number) {
  const { params, adam, penalty } = defaultPretrainStep(x);
  const products = stepProducts(x, batchSize);
  const batches = endlessBatches(x, batchSize, false);
  const warmup = 5;
  const parts = { gatherBatchJs: [] as number[], engineStep: [] as number[], adamJs: [] as number[] };
  for (let i = 0; i < warmup + profileSteps; i++) {
    const t0 = performance.now();
    const batch = batches();
    const t1 = performance.now();
    const { gradients } = autoencoderStep(batch, params, penalty, products);
    const t2 = performance.now();
    adam.apply(gradients, 1 / batch.size);
    const t3 = performance.now();
    if (i < warmup) continue;
    parts.gatherBatchJs.push(t1 - t0);
    parts.engineStep.push(t2 - t1);
    parts.adamJs.push(t3 - t2);
  }
  const kernels = new Map<string, number>();
  let kernelMs = 0;
  let profiledStepMs = 0;
  let kernelsPerStep = 0;
  for (let i = 0; i < profileSteps; i++) {
    const batch = batches();
    const started = performance.now();
    const info = await ops.profile(() => {
      autoencoderStep(batch, params, penalty, products);
    });
    profiledStepMs += performance.now() - started;
    // Composite ops (fusedMatMul__op…) are listed besides the kernels they run: count kernels only.
    const run = info.kernels.filter((k) => ops.getKernel(k.name, 'wasm') !== undefined);
    kernelsPerStep = run.length;
    for (const k of run) {
      kernelMs += Number(k.kernelTimeMs);
      kernels.set(k.name, (kernels.get(k.name) ?? 0) + Number(k.kernelTimeMs));
    }
  }
  const share = (ms: number) => round((100 * ms) / kernelMs, 1);
  return {
    batchSize,
    medianMsPerStep: {
      gatherBatchJs: round(median(parts.gatherBatchJs), 3),
      engineStep: round(median(parts.engineStep), 3),
      adamJs: round(median(parts.adamJs), 3),
    },
    kernelsPerStep,
    kernelShareOfProfiledStepPercent: round((100 * kernelMs) / profiledStepMs, 1),
    kernelSharePercent: Object.fromEntries(
      [...kernels].sort((a, b) => b[1] - a[1]).map(([k, ms]) => [k, share(ms)]),
    ),
  };
}

/**
 * The same pretraining step written the usual way, for reference under the same machine load: tf.variables,
 * the loss as tf ops, `tf.variableGrads` and the engine's Adam. Returns CPU ms per step (batch included).
 */
function tapeStepMs(x: Matrix, batchSize: number): number {
  const o = sparseAutoencoderDefaults;
  const random = new Random(1);
  const variable = (p: { values: Float32Array; shape: readonly number[] }) =>
    ops.variable(ops.tensor(p.values, [...p.shape]));
  const w1 = variable(glorotKernel('w1', x.cols, o.hiddenUnits, random));
  const b1 = variable(zeroBias('b1', o.hiddenUnits));
  const w2 = variable(glorotKernel('w2', o.hiddenUnits, x.cols, random));
  const b2 = variable(zeroBias('b2', x.cols));
  const vars = [w1, b1, w2, b2];
  const adam = new VariableAdam(vars, { learningRate: o.learningRate });
  const { rho, beta, weightDecay } = o;
  const step = (xs: Float32Array, rows: number) =>
    ops.tidy(() => {
      const input = ops.tensor2d(xs, [rows, x.cols]);
      const { grads } = ops.variableGrads(() => {
        const h = ops.sigmoid(ops.add(ops.matMul(input, w1), b1));
        const r = ops.sigmoid(ops.add(ops.matMul(h, w2), b2));
        const reconstruction = ops.div(ops.sum(ops.square(ops.sub(r, input))), 2 * rows);
        const rhoHat = ops.mean(h, 0);
        const kl = ops.sum(
          ops.add(
            ops.mul(rho, ops.log(ops.div(rho, rhoHat))),
            ops.mul(1 - rho, ops.log(ops.div(1 - rho, ops.sub(1, rhoHat)))),
          ),
        );
        const decay = ops.mul(weightDecay / 2, ops.add(ops.sum(ops.square(w1)), ops.sum(ops.square(w2))));
        return ops.add<Scalar>(ops.add(reconstruction, ops.mul(beta, kl)), decay);
      }, vars);
      adam.applyGradients(grads);
    });
  const batches = endlessBatches(x, batchSize, false);
  const warmup = 5;
  let cpu = process.cpuUsage();
  for (let i = 0; i < warmup + profileSteps; i++) {
    if (i === warmup) cpu = process.cpuUsage();
    const batch = batches();
    step(batch.xs, batch.size);
  }
  const used = process.cpuUsage(cpu);
  ops.dispose(vars);
  return round((used.user + used.system) / 1000 / profileSteps, 3);
}

/** CPU ms per step of this model's pretraining (batch, fused step, Adam), as `tapeStepMs` measures it. */
function customStepMs(x: Matrix, batchSize: number): number {
  const { params, adam, penalty } = defaultPretrainStep(x);
  const products = stepProducts(x, batchSize);
  const batches = endlessBatches(x, batchSize, false);
  const warmup = 5;
  let cpu = process.cpuUsage();
  for (let i = 0; i < warmup + profileSteps; i++) {
    if (i === warmup) cpu = process.cpuUsage();
    const batch = batches();
    adam.apply(autoencoderStep(batch, params, penalty, products).gradients, 1 / batch.size);
  }
  const used = process.cpuUsage(cpu);
  return round((used.user + used.system) / 1000 / profileSteps, 3);
}

/** The encoder's products over the non-zero inputs, as the training runs them (sparse-autoencoder.ts). */
function stepProducts(x: Matrix, batchSize: number): SparseRowsProducts {
  return new SparseRowsProducts(x.cols, sparseAutoencoderDefaults.hiddenUnits, batchSize);
}

/** Batches of shuffled epochs, one after the other, for as many steps as asked. */
function endlessBatches(x: Matrix, batchSize: number, transposed = true): () => RowBatch {
  let epoch = 0;
  let batches = rowBatches(x, epochOrder(x.rows, 1, 0, epoch), batchSize, { transposed });
  return () => {
    let next = batches.next();
    if (next.done) {
      batches = rowBatches(x, epochOrder(x.rows, 1, 0, ++epoch), batchSize, { transposed });
      next = batches.next();
    }
    return next.value as RowBatch;
  };
}

function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}

async function main(): Promise<void> {
  const engine = await initEngine();
  const { train } = await nslKddMatrices();
  const runs: Record<number, Awaited<ReturnType<typeof timeStages>>> = {};
  for (const batchSize of batchSizes)
    runs[batchSize] = await timeStages(train.x, train.y, train.classes.length, batchSize);
  const profiles: Awaited<ReturnType<typeof profilePretrainStep>>[] = [];
  for (const batchSize of batchSizes) profiles.push(await profilePretrainStep(train.x, batchSize));
  // Interleaved, so both see the same machine load.
  const stepVersusTape = batchSizes.map((batchSize) => {
    const custom = customStepMs(train.x, batchSize);
    const tape = tapeStepMs(train.x, batchSize);
    return { batchSize, customCpuMsPerStep: custom, tapeCpuMsPerStep: tape, speedup: round(tape / custom) };
  });

  const result = {
    bench: 'sae',
    engine,
    trainRows: train.x.rows,
    features: train.x.cols,
    epochsPerStage: epochs,
    defaultBatchSize: defaultBatch,
    runs,
    pretrainStepProfile: profiles,
    pretrainStepVersusTape: stepVersusTape,
    peakRssMiB: peakRssMiB(),
  };
  console.log(JSON.stringify(result));
  const stageLine = (b: number) =>
    ['pretrain', 'classifier', 'finetune']
      .map((s) => `${s} ${runs[b].stages[s].secondsPerEpoch} s (cpu ${runs[b].stages[s].cpuSecondsPerEpoch})`)
      .join(', ');
  const profileLine = (p: (typeof profiles)[number]) => {
    const top = Object.entries(p.kernelSharePercent)
      .slice(0, 2)
      .map(([k, pct]) => `${k} ${pct}%`)
      .join(', ');
    return `@${p.batchSize}: gather ${p.medianMsPerStep.gatherBatchJs} + engine ${p.medianMsPerStep.engineStep} (${p.kernelsPerStep} kernels, ${p.kernelShareOfProfiledStepPercent}% in kernels; ${top}) + Adam ${p.medianMsPerStep.adamJs} ms`;
  };
  console.log(
    `SAE on KDDTrain+ (${train.x.rows} × ${train.x.cols}), s/epoch (median of ${epochs}): ` +
      batchSizes.map((b) => `batch ${b}: ${stageLine(b)}`).join('; ') +
      `; scoring ${batchSizes.map((b) => runs[b].scoringRowsPerSecond.toLocaleString('en-US')).join(' / ')} rows/s @8192` +
      `; pretrain step ${profiles.map(profileLine).join('; ')}` +
      `; fused step vs ops.variableGrads ${stepVersusTape.map((s) => `${s.speedup}× @${s.batchSize}`).join(', ')}` +
      `; peak RSS ${result.peakRssMiB} MiB`,
  );
}

await main();

/** The default model's pretraining parameters, optimiser and sparsity penalty, freshly initialised (seed 1). */
function defaultPretrainStep(x: Matrix) {
  const o = sparseAutoencoderDefaults;
  const random = new Random(1);
  const params: AutoencoderParameters = [
    glorotKernel('encoder/kernel', x.cols, o.hiddenUnits, random),
    zeroBias('encoder/bias', o.hiddenUnits),
    glorotKernel('decoder/kernel', o.hiddenUnits, x.cols, random),
    zeroBias('decoder/bias', x.cols),
  ];
  const adam = new SaeOptimizer('bench', params, {
    learningRate: o.learningRate,
    weightDecay: o.weightDecay,
  });
  return { params, adam, penalty: { kind: o.sparsity, rho: o.rho, beta: o.beta, l1: o.l1 } };
}
