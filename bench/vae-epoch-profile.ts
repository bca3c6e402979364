/**
 * Where a VAE training epoch's time goes, part by part, on the path the training stage takes
 * (src/models/vae/vae-stage.ts: the kernel holds the rows, and per batch gathers them, draws the noise,
 * runs the step and Adam): KDDTrain+, the default network 122-64-32-16 (bce), `--batch` rows a batch.
 * `--epochs` epochs are timed as they are (CPU and wall); one more runs with every call into the kernel
 * wrapped in a timer, and each call's wall time is put to a part of the step: the encoder's and the
 * decoder's forward products and ReLU lists, the reparameterisation (sample), the loss, the backward pass
 * by layer (weight gradients with their column lists and bias sums, input gradients), Adam, the noise
 * (kernel and Math.log), gathering the batch, and the rest (JS between the calls). The parts are reported
 * as shares of the timed epochs' CPU time (a preemption lands in a part in proportion to its length).
 * Prints a hash of the weights after the timed epochs: a change that should leave the results bit for bit
 * alone must leave it alone (the epochs are those of VaeStage with seed 1, from epoch 0).
 *
 *   node --import tsx bench/vae-epoch-profile.ts [--batch 512] [--epochs 3]
 * Prints one JSON line and one human line.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { initEngine } from '../src/engine/index.js';
import { Adam } from '../src/fit/adam.js';
import { vaeDefaults } from '../src/models/vae/options.js';
import { VaeParameters } from '../src/models/vae/vae-parameters.js';
import { epochRandom } from '../src/models/vae/vae-stage.js';
import { VaeStepKernel } from '../src/models/vae/vae-step-kernel.js';
import { Random } from '../src/util/random.js';
import { trainingMatrix } from './lib/kdd99-matrices.js';

const { values: args } = parseArgs({
  options: {
    batch: { type: 'string', default: String(vaeDefaults.batchSize) },
    epochs: { type: 'string', default: '3' },
  },
});
const batchSize = Number(args.batch);
const epochs = Math.max(1, Number(args.epochs));

await initEngine();
const { x } = await trainingMatrix('nsl-kdd', 'KDDTrain+', '5class');
const settings = { reconstruction: vaeDefaults.reconstruction, beta: vaeDefaults.beta };
const params = VaeParameters.initial(x.cols, vaeDefaults.encoderUnits, vaeDefaults.latentSize, new Random(1));
const adam = new Adam(params.trainable(), { learningRate: vaeDefaults.learningRate });
const step = new VaeStepKernel(params, settings, batchSize);
if (!step.holdRows(x)) throw new Error('bench/vae-epoch-profile.ts: expected one-hot rows, mostly zeros');
const latent = params.latentSize;

type Call = (...a: number[]) => number;
interface Plan {
  inputs: number;
  units: number;
  weights: number;
  weightsT: number;
  weightGradient: number;
  biasGradient: number;
  output: number;
  idx: number;
}
const inner = step as unknown as { exports: Record<string, unknown>; encoder: Plan[]; decoder: Plan[] };
const layers = [
  ...inner.encoder.map(
    (p, l) => [`encoder ${l === inner.encoder.length - 1 ? 'head ' : ''}${p.inputs}→${p.units}`, p] as const,
  ),
  ...inner.decoder.map((p) => [`decoder ${p.inputs}→${p.units}`, p] as const),
];
const layerOf = (key: keyof Plan, at: number) => layers.find(([, p]) => p[key] === at)?.[0] ?? '?';

/** The part of the step a kernel call belongs to, from its export name and arguments. */
function partOf(name: string, a: number[]): string {
  switch (name) {
    case 'rows_times':
      // From a bias (7th argument): a forward product; from zeros: a weight gradient (out = 8th).
      return a[6] !== 0
        ? `forward ${layerOf('weights', a[4])}`
        : `backward ${layerOf('weightGradient', a[7])}`;
    case 'relu_list':
      return `forward ${layerOf('output', a[0])}`;
    case 'list_nonzeros':
      return 'forward (lists of z)';
    case 'column_lists':
      return `backward ${layerOf('idx', a[0])}`;
    case 'column_sums':
      return `backward ${layerOf('biasGradient', a[3])}`;
    case 'gradient_times':
      return `backward ${layerOf('weightsT', a[6])}`;
    case 'gated_gradient':
      return `backward ${layerOf('weights', a[5])}`;
    case 'sample':
    case 'head_gradient':
      return 'reparameterisation (sample, head gradient)';
    case 'reconstruction':
      return 'loss';
    case 'polar_pairs':
    case 'polar_scale':
      return 'noise';
    case 'gather_rows':
      return 'gather';
    case 'adam':
      return 'adam';
    default:
      return name;
  }
}

const plain = inner.exports;
const wrapped: Record<string, unknown> = {};
const partWall = new Map<string, number>();
const add = (part: string, ms: number) => partWall.set(part, (partWall.get(part) ?? 0) + ms);
for (const [name, f] of Object.entries(plain)) {
  wrapped[name] =
    typeof f !== 'function'
      ? f
      : (...a: number[]) => {
          const start = performance.now();
          const result = (f as Call)(...a);
          add(partOf(name, a), performance.now() - start);
          return result;
        };
}

/** One epoch as VaeStage.trainEpoch runs it; returns the wall ms of each phase of the batch loop. */
function epoch(e: number): Record<'gather' | 'noise' | 'step' | 'adam', number> {
  const random = epochRandom(1, e);
  const order = random.shuffle(Int32Array.from({ length: x.rows }, (_, i) => i));
  const wall = { gather: 0, noise: 0, step: 0, adam: 0 };
  step.load(adam);
  for (let start = 0; start < x.rows; start += batchSize) {
    const n = Math.min(batchSize, x.rows - start);
    const t0 = performance.now();
    step.gatherRows(order, start, n);
    const t1 = performance.now();
    step.drawNoise(n * latent, random);
    const t2 = performance.now();
    step.trainStep(n);
    const t3 = performance.now();
    step.applyAdam();
    const t4 = performance.now();
    wall.gather += t1 - t0;
    wall.noise += t2 - t1;
    wall.step += t3 - t2;
    wall.adam += t4 - t3;
  }
  step.store();
  return wall;
}

epoch(0);
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
for (let e = 1; e <= epochs; e++) epoch(e);
const used = process.cpuUsage(cpuStart);
const cpuMs = (used.user + used.system) / 1000 / epochs;
const wallMs = (performance.now() - wallStart) / epochs;
const hash = createHash('sha256');
for (const [, v] of params.trainable()) hash.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
const weightsHash = hash.digest('hex').slice(0, 16);

// The profiled epoch: kernel calls timed one by one, the JS around them by phase.
// The noise's calls go through PolarNoise, which keeps its own reference to the exports.
const polar = (step as unknown as { polar: { exports: unknown } }).polar;
inner.exports = polar.exports = wrapped;
const phases = epoch(epochs + 1);
inner.exports = polar.exports = plain;
const insideStep = [...partWall.entries()]
  .filter(([part]) => !['gather', 'noise', 'adam'].includes(part))
  .reduce((sum, [, ms]) => sum + ms, 0);
add('js between the step calls', Math.max(0, phases.step - insideStep));
add('noise: Math.log and JS', Math.max(0, phases.noise - (partWall.get('noise') ?? 0)));
add('gather: JS', Math.max(0, phases.gather - (partWall.get('gather') ?? 0)));
add('adam: JS', Math.max(0, phases.adam - (partWall.get('adam') ?? 0)));
const profiledWall = phases.gather + phases.noise + phases.step + phases.adam;
const parts = [...partWall.entries()]
  .filter(([, ms]) => ms > 0)
  .sort((a, b) => b[1] - a[1])
  .map(([part, ms]) => ({ part, cpuMs: Number(((cpuMs * ms) / profiledWall).toFixed(1)) }));
console.log(
  JSON.stringify({
    bench: 'vae-epoch-profile',
    batchSize,
    epochs,
    cpuMsPerEpoch: Number(cpuMs.toFixed(1)),
    wallMsPerEpoch: Number(wallMs.toFixed(1)),
    weightsHash,
    parts,
  }),
);
console.log(
  `vae epoch @${batchSize}: ${cpuMs.toFixed(0)} CPU ms (${wallMs.toFixed(0)} wall; weights ${weightsHash}) = ` +
    parts.map((p) => `${p.part} ${p.cpuMs}`).join(', '),
);
