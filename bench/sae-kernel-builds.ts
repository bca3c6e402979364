/**
 * Compares builds of the SAE step kernel (src/models/sae/wasm/sae-step.c) on KDDTrain+ at the SAE's default
 * batch (1024), in one process:
 *
 * - **speed**: trains `--warm` steps on the committed kernel, records the calls of one more step to the
 *   named exports (`encode`, `backward`, `adam`), then replays them on a fresh instance of each build given
 *   (a `sae-step.wasm.ts` file, e.g. `git show main:src/models/sae/wasm/sae-step.wasm.ts > /tmp/main.wasm.ts`),
 *   its memory a copy of the recorded step's, in alternating rounds, CPU µs a step. On a shared machine this
 *   separates a change to one export from the load's noise far better than whole epochs do. A replay runs
 *   on data already in the caches: a change to how a batch is gathered (cache misses) shows less here.
 * - **results**: trains `--epochs` whole epochs (shuffled as the stage does) from the same start with each
 *   build and prints a hash of the weights and moments: a change meant to keep the results bit for bit must
 *   give the same hash as the committed build.
 *
 *   IOT_IDS_DATA_DIR=../shared/data node --import tsx bench/sae-kernel-builds.ts A.wasm.ts B.wasm.ts …
 *     [--calls encode,backward] [--reps 20] [--rounds 5] [--warm 60] [--epochs 3] [--batch 1024]
 * Prints one JSON line and one human line.
 */
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { initEngine } from '../src/engine/index.js';
import { AutoencoderKernel } from '../src/models/sae/autoencoder-kernel.js';
import type { SparsityPenalty } from '../src/models/sae/autoencoder-step.js';
import { sparseAutoencoderDefaults as o } from '../src/models/sae/options.js';
import { SaeOptimizer } from '../src/models/sae/parameters.js';
import { epochOrder } from '../src/models/sae/row-batches.js';
import { SparseAutoencoder } from '../src/models/sae/sparse-autoencoder.js';
import { nslKddMatrices } from './lib/nsl-kdd-matrices.js';
import { moduleOfWasmTs, recordCalls, timeReplays } from './lib/replay-builds.js';

const { values: args, positionals: builds } = parseArgs({
  allowPositionals: true,
  options: {
    calls: { type: 'string', default: 'encode,backward' },
    reps: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '5' },
    warm: { type: 'string', default: '60' },
    epochs: { type: 'string', default: '3' },
    batch: { type: 'string', default: String(o.batchSize) },
  },
});
if (builds.length === 0) throw new Error('bench/sae-kernel-builds.ts: name at least one sae-step.wasm.ts');
const wanted = args.calls.split(',');
const batch = Number(args.batch);

type Exports = Record<string, (...a: number[]) => number> & { memory: WebAssembly.Memory };

await initEngine();
const { train } = await nslKddMatrices();
const x = train.x;
const penalty: SparsityPenalty = { kind: o.sparsity, rho: o.rho, beta: o.beta, l1: o.l1 };

function fresh() {
  const model = new SparseAutoencoder({ batchSize: batch, seed: 1 });
  model.initialise(x.cols);
  const params = model.parameters;
  const optimizer = new SaeOptimizer('o', params, {
    learningRate: o.learningRate,
    weightDecay: o.weightDecay,
  });
  return { params, optimizer, kernel: new AutoencoderKernel(x, o.hiddenUnits, batch) };
}
type Run = ReturnType<typeof fresh>;
const inner = (kernel: AutoencoderKernel) => kernel as unknown as { exports: Exports };

/** A build's instance, its memory from the kernel's own from the committed build's first free byte on. */
function instantiate(file: string, from: Exports): Exports {
  const module = moduleOfWasmTs(file, 'bench/sae-kernel-builds.ts');
  const exports = new WebAssembly.Instance(module, {}).exports as unknown as Exports;
  for (const name of [...wanted, 'init', 'scratch_base']) {
    if (typeof exports[name] !== 'function') throw new Error(`${file} exports no ${name}`);
  }
  const base = from.scratch_base();
  if (exports.scratch_base() > base) throw new Error(`${file}: its data reach past the committed build's`);
  const size = from.memory.buffer.byteLength;
  const missing = size - exports.memory.buffer.byteLength;
  if (missing > 0) exports.memory.grow(missing / 65536);
  exports.init();
  new Uint8Array(exports.memory.buffer).set(new Uint8Array(from.memory.buffer, base), base);
  return exports;
}

function trainSteps(run: Run, order: Int32Array, first: number, count: number): void {
  const constants = run.optimizer.constants();
  for (let s = first; s < first + count; s++) {
    const size = Math.min(batch, order.length - s * batch);
    run.kernel.computeGradients(s * batch, size, penalty);
    run.kernel.applyAdam(constants, 1 / size);
  }
}

// Results: whole epochs with each build, from the same start.
const epochs = Number(args.epochs);
const hashes = builds.map((file) => {
  const run = fresh();
  inner(run.kernel).exports = instantiate(file, inner(run.kernel).exports);
  run.kernel.load(run.params, run.optimizer);
  for (let e = 0; e < epochs; e++) {
    const order = epochOrder(x.rows, 1, 0, e);
    run.kernel.setOrder(order);
    trainSteps(run, order, 0, Math.ceil(x.rows / batch));
  }
  run.kernel.store(run.params, run.optimizer);
  const hash = createHash('sha256');
  run.params.forEach((p, k) => {
    const { m, v } = run.optimizer.moments(k);
    for (const a of [p.values, m, v]) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  });
  return hash.digest('hex').slice(0, 16);
});

// Speed: one recorded step replayed on each build.
const run = fresh();
run.kernel.load(run.params, run.optimizer);
const order = epochOrder(x.rows, 1, 0, 0);
run.kernel.setOrder(order);
const warm = Math.min(Number(args.warm), Math.floor(x.rows / batch) - 1);
trainSteps(run, order, 0, warm);
const plain = inner(run.kernel).exports;
const recorded = recordCalls(inner(run.kernel), wanted, () => trainSteps(run, order, warm, 1));
const base = plain.scratch_base();
const snapshot = new Uint8Array(plain.memory.buffer, base).slice();
const instances = builds.map((file) => instantiate(file, plain));
const times = timeReplays(instances, recorded, snapshot, {
  base,
  reps: Number(args.reps),
  rounds: Number(args.rounds),
});
const results = builds.map((file, b) => ({
  build: file,
  microsecondsPerStep: Number(times[b].median.toFixed(1)),
  rounds: times[b].rounds.map((t) => Number(t.toFixed(1))),
  weightsHash: hashes[b],
}));
console.log(
  JSON.stringify({
    bench: 'sae-kernel-builds',
    batch,
    calls: wanted,
    callsPerStep: recorded.length,
    epochs,
    results,
    loadAverage: Number(loadavg()[0].toFixed(2)),
  }),
);
console.log(
  `sae kernel builds, ${recorded.length} calls (${wanted.join(', ')}) of a ${batch}-row step; weights after ${epochs} epochs: ` +
    results.map((r) => `${r.build} ${r.microsecondsPerStep} µs [${r.weightsHash}]`).join(' | ') +
    `; load ${loadavg()[0].toFixed(2)}`,
);
