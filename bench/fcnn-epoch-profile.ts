/**
 * Where an FCNN training epoch's time goes, by function: runs `--epochs` epochs of the real training stage
 * (src/models/fcnn/fcnn-stage.ts) on KDDTrain+ under V8's sampling profiler (node:inspector) and sums the
 * samples' self time by function. By default the stage runs the step kernel (wasm/fcnn-step.c: wasm-function
 * [1] is its forward pass, [2] its backward pass, [4] Adam); `--reference` runs the reference TrainingStep. Wasm kernels (the engine's matrix products) show up as wasm functions,
 * the JS loops (BatchNorm, ReLU, dropout, softmax, Adam, batch gathering) by their method names, and tfjs'
 * per-kernel bookkeeping as its own functions. Measurement only: this changes nothing in the engine.
 *
 *   node --import tsx bench/fcnn-epoch-profile.ts [--hidden 64,32] [--batch 256] [--epochs 2] [--reference]
 * Prints one JSON line and one human line.
 */
import { Session, type Profiler } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { initEngine } from '../src/engine/index.js';
import { Adam } from '../src/fit/adam.js';
import { FcnnStage } from '../src/models/fcnn/fcnn-stage.js';
import { fcnnDefaults } from '../src/models/fcnn/options.js';
import { FcnnParameters } from '../src/models/fcnn/parameters.js';
import { Random } from '../src/util/random.js';
import { nslKddMatrices } from './lib/nsl-kdd-matrices.js';

const { values: args } = parseArgs({
  options: {
    hidden: { type: 'string', default: '64,32' },
    batch: { type: 'string', default: '256' },
    epochs: { type: 'string', default: '2' },
    reference: { type: 'boolean', default: false },
  },
});
const hiddenUnits = args.hidden.split(',').map(Number);
const batchSize = Number(args.batch);
const epochs = Math.max(1, Number(args.epochs));

await initEngine();
const { train } = await nslKddMatrices('KDDTrain+', 'KDDTest+', '5class');
const defaults = fcnnDefaults;
const params = FcnnParameters.initial(train.x.cols, hiddenUnits, train.classes.length, new Random(1));
const adam = new Adam(params.trainable(), { learningRate: defaults.learningRate });
const stage = new FcnnStage(
  params,
  adam,
  { x: train.x, y: train.y, rowWeights: null },
  { batchSize, dropout: defaults.dropout, seed: 1, kernel: !args.reference },
);
await stage.trainEpoch(0, () => undefined); // warm-up: JIT and engine caches

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
const cpu = process.cpuUsage();
for (let e = 1; e <= epochs; e++) await stage.trainEpoch(e, () => undefined);
const used = process.cpuUsage(cpu);
const { profile } = await session.post('Profiler.stop');
session.disconnect();

/** Self time per function (ms), from the sampled stacks: each sample's interval goes to its leaf node. */
function selfTimes(p: Profiler.Profile): Map<string, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const node = byId.get(samples[i]);
    if (!node) continue;
    const frame = node.callFrame;
    const file = frame.url.split('/').slice(-2).join('/');
    const key = `${frame.functionName || '(anonymous)'} ${file}`.trim();
    totals.set(key, (totals.get(key) ?? 0) + (deltas[i] ?? 0) / 1000);
  }
  return totals;
}

const totals = selfTimes(profile);
const all = [...totals.values()].reduce((a, b) => a + b, 0);
const top = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
const steps = epochs * stage.batchesPerEpoch;
const result = {
  bench: 'fcnn-epoch-profile',
  network: [train.x.cols, ...hiddenUnits, train.classes.length],
  batchSize,
  epochs,
  path: args.reference ? 'reference' : 'kernel',
  cpuSecondsPerEpoch: Number(((used.user + used.system) / 1e6 / epochs).toFixed(3)),
  cpuMsPerStep: Number(((used.user + used.system) / 1000 / steps).toFixed(3)),
  selfShare: Object.fromEntries(top.map(([k, ms]) => [k, Number((ms / all).toFixed(3))])),
};
console.log(JSON.stringify(result));
console.log(
  `FCNN ${result.network.join('-')} @${batchSize}: ${result.cpuSecondsPerEpoch} CPU s/epoch, ${result.cpuMsPerStep} ms/step; self time: ` +
    top
      .slice(0, 10)
      .map(([k, ms]) => `${k} ${((100 * ms) / all).toFixed(1)} %`)
      .join(', '),
);
