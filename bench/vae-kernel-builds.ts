/**
 * Compares builds of the VAE step kernel (src/models/vae/wasm/vae-step.c) export by export, on the arguments
 * and memory of a real step: trains `--warm` batches of 512 KDDTrain+ rows on the committed kernel, records
 * the calls of one more step to the named exports, then replays those calls on a fresh instance of each
 * build given (a `vae-step.wasm.ts` file, e.g. `git show main:src/models/vae/wasm/vae-step.wasm.ts >
 * /tmp/main.wasm.ts`), its memory a copy of the recorded step's, in alternating rounds, CPU time. On a
 * shared machine this separates a change to one export from the load's noise far better than whole
 * epochs do. A replay runs on data already in the caches: a change to how a batch is gathered from the
 * held rows (cache misses) does not show here. Builds must take the same arguments (extra ones are
 * ignored by older builds).
 *
 *   node --import tsx bench/vae-kernel-builds.ts A.wasm.ts B.wasm.ts … [--calls rows_times,gated_gradient]
 *     [--reps 300] [--rounds 5] [--warm 120]
 * Prints one JSON line and one human line: µs of the recorded calls per step (median over rounds).
 */
import { parseArgs } from 'node:util';
import { initEngine } from '../src/engine/index.js';
import { Adam } from '../src/fit/adam.js';
import { vaeDefaults } from '../src/models/vae/options.js';
import { VaeParameters } from '../src/models/vae/vae-parameters.js';
import { epochRandom } from '../src/models/vae/vae-stage.js';
import { VaeStepKernel } from '../src/models/vae/vae-step-kernel.js';
import { Random } from '../src/util/random.js';
import { trainingMatrix } from './lib/kdd99-matrices.js';
import { moduleOfWasmTs, recordCalls, timeReplays } from './lib/replay-builds.js';

const { values: args, positionals: builds } = parseArgs({
  allowPositionals: true,
  options: {
    calls: { type: 'string', default: 'rows_times,gated_gradient,gradient_times,reconstruction' },
    reps: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '5' },
    warm: { type: 'string', default: '120' },
  },
});
if (builds.length === 0) throw new Error('bench/vae-kernel-builds.ts: name at least one vae-step.wasm.ts');
const wanted = args.calls.split(',');
const batch = 512;

type Exports = Record<string, (...a: number[]) => number> & { memory: WebAssembly.Memory };

await initEngine();
const { x } = await trainingMatrix('nsl-kdd', 'KDDTrain+', '5class');
const params = VaeParameters.initial(x.cols, vaeDefaults.encoderUnits, vaeDefaults.latentSize, new Random(1));
const step = new VaeStepKernel(params, { reconstruction: 'bce', beta: 1 }, batch);
step.holdRows(x);
const random = epochRandom(1, 0);
const order = random.shuffle(Int32Array.from({ length: x.rows }, (_, i) => i));
const warm = Math.min(Number(args.warm), Math.floor(x.rows / batch) - 1);
step.load(new Adam(params.trainable(), { learningRate: vaeDefaults.learningRate }));
const oneStep = (b: number) => {
  step.gatherRows(order, b * batch, batch);
  step.drawNoise(batch * params.latentSize, random);
  step.trainStep(batch);
};
for (let b = 0; b < warm; b++) {
  oneStep(b);
  step.applyAdam();
}

// The next step, its calls to the wanted exports recorded (arguments only: the replays start from the
// memory as it is after the step, which every call reads the same way).
const inner = step as unknown as { exports: Exports };
const plain = inner.exports;
const recorded = recordCalls(inner, wanted, () => oneStep(warm));
const snapshot = new Uint8Array(plain.memory.buffer).slice();

const instances = builds.map((file) => {
  const module = moduleOfWasmTs(file, 'bench/vae-kernel-builds.ts');
  const exports = new WebAssembly.Instance(module, {}).exports as unknown as Exports;
  for (const name of wanted) {
    if (typeof exports[name] !== 'function') throw new Error(`${file} exports no ${name}`);
  }
  exports.memory.grow((snapshot.length - exports.memory.buffer.byteLength) / 65536);
  return exports;
});
const times = timeReplays(instances, recorded, snapshot, {
  reps: Number(args.reps),
  rounds: Number(args.rounds),
});
const results = builds.map((file, b) => ({
  build: file,
  microsecondsPerStep: Number(times[b].median.toFixed(1)),
  rounds: times[b].rounds.map((t) => Number(t.toFixed(1))),
}));
console.log(
  JSON.stringify({ bench: 'vae-kernel-builds', calls: wanted, callsPerStep: recorded.length, results }),
);
console.log(
  `vae kernel builds, ${recorded.length} calls (${wanted.join(', ')}) of a ${batch}-row step: ` +
    results.map((r) => `${r.build} ${r.microsecondsPerStep} µs`).join(' | '),
);
