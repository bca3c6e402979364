/**
 * The SAE pretraining step, the wasm kernel (src/models/sae/autoencoder-kernel.ts, the training's path)
 * against the tfjs step it replaced (autoencoder-step.ts with the encoder's products in `SparseRowsProducts`,
 * rows gathered in JS, Adam in JS), in the same process, in alternating rounds: CPU ms per step of each, and
 * of the kernel's two parts (`computeGradients`: gather, forward, backward; `applyAdam`). KDDTrain+ (125,973 ×
 * 122) through the real loader and pipeline, the default network (122-64-122, KL), batches 256 and 1024.
 *
 *   IOT_IDS_DATA_DIR=../shared/data node --import tsx bench/sae-step-kernel.ts [--rounds 5] [--steps 100]
 *
 * CPU time is this process's (user + system), the steadier figure on a shared machine. Prints one JSON line
 * and one human line per batch size.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

import { initEngine, SparseRowsProducts } from '../src/engine/index.js';
import { AutoencoderKernel } from '../src/models/sae/autoencoder-kernel.js';
import { autoencoderStep, type SparsityPenalty } from '../src/models/sae/autoencoder-step.js';
import { sparseAutoencoderDefaults as o } from '../src/models/sae/options.js';
import { SaeOptimizer } from '../src/models/sae/parameters.js';
import { epochOrder, rowBatches } from '../src/models/sae/row-batches.js';
import { SparseAutoencoder } from '../src/models/sae/sparse-autoencoder.js';
import { median, nslKddMatrices } from './lib/nsl-kdd-matrices.js';

const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, steps: { type: 'string', default: '100' } },
});
const rounds = Number(args.rounds);
const steps = Number(args.steps);

function cpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

await initEngine();
const { train } = await nslKddMatrices();
const x = train.x;
const penalty: SparsityPenalty = { kind: o.sparsity, rho: o.rho, beta: o.beta, l1: o.l1 };
const round3 = (v: number) => Math.round(v * 1000) / 1000;

for (const batchSize of [256, o.batchSize]) {
  const fresh = () => {
    const model = new SparseAutoencoder({ batchSize, seed: 1 });
    model.initialise(x.cols);
    const params = model.parameters;
    const optimizer = new SaeOptimizer('o', params, {
      learningRate: o.learningRate,
      weightDecay: o.weightDecay,
    });
    return { params, optimizer };
  };
  const order = epochOrder(x.rows, 1, 0, 0);
  const usable = Math.min(steps, Math.floor(x.rows / batchSize));

  const k = fresh();
  const kernel = new AutoencoderKernel(x, o.hiddenUnits, batchSize);
  kernel.load(k.params, k.optimizer);
  kernel.setOrder(order);
  const constants = k.optimizer.constants();
  const runKernel = () => {
    let gradientsMs = 0;
    let adamMs = 0;
    for (let s = 0; s < usable; s++) {
      const a = cpuMs();
      kernel.computeGradients(s * batchSize, batchSize, penalty);
      const b = cpuMs();
      kernel.applyAdam(constants, 1 / batchSize);
      adamMs += cpuMs() - b;
      gradientsMs += b - a;
    }
    return { step: (gradientsMs + adamMs) / usable, gradients: gradientsMs / usable, adam: adamMs / usable };
  };

  const r = fresh();
  const products = new SparseRowsProducts(x.cols, o.hiddenUnits, batchSize);
  const runReference = () => {
    const start = cpuMs();
    let s = 0;
    for (const batch of rowBatches(x, order.subarray(0, usable * batchSize), batchSize, {
      transposed: false,
    })) {
      r.optimizer.apply(autoencoderStep(batch, r.params, penalty, products).gradients, 1 / batch.size);
      s++;
    }
    return (cpuMs() - start) / s;
  };

  runKernel();
  runReference();
  const kernelRuns: ReturnType<typeof runKernel>[] = [];
  const referenceRuns: number[] = [];
  for (let i = 0; i < rounds; i++) {
    kernelRuns.push(runKernel());
    referenceRuns.push(runReference());
  }
  const ratios = kernelRuns.map((run, i) => run.step / referenceRuns[i]);
  const result = {
    bench: 'sae-step-kernel',
    batchSize,
    rounds,
    stepsPerRound: usable,
    cpuMsPerStep: {
      kernel: round3(median(kernelRuns.map((run) => run.step))),
      kernelGradients: round3(median(kernelRuns.map((run) => run.gradients))),
      kernelAdam: round3(median(kernelRuns.map((run) => run.adam))),
      tfjsStep: round3(median(referenceRuns)),
    },
    ratios: ratios.map(round3),
    medianRatio: round3(median(ratios)),
    loadAverage: round3(loadavg()[0]),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  const c = result.cpuMsPerStep;
  process.stdout.write(
    `SAE pretraining step, batch ${batchSize}: kernel ${c.kernel} CPU ms (gradients ${c.kernelGradients}, Adam ${c.kernelAdam}) | tfjs step ${c.tfjsStep} → ×${result.medianRatio} [${result.ratios.join(' ')}]; ${rounds} rounds of ${usable} steps; load ${result.loadAverage}\n`,
  );
}
