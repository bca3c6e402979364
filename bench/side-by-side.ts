/**
 * iot-ids and its reference (PyTorch 1.13, scikit-learn 1.2, numpy, pandas: bench/reference/) measured in
 * one command, in alternating rounds on the same data: odd rounds run the iot-ids side, then every
 * reference side (PyTorch on 1 thread, then on 2); even rounds run the references first, so load drift on
 * the shared machine hits all sides alike and neither always runs second. `--threads 1,2` adds the 2-thread PyTorch / numpy reference (its OpenMP threads spin while they
 * wait, so on a machine loaded by other work it can take many times longer than on one thread). Per case it prints one JSON line and one human line: wall and CPU seconds of every round and side,
 * the per-round ratios (iot-ids time ÷ reference time, wall and CPU) and their median, the fraction of the
 * single-core AVX2 FMA peak (bench/peak) that the matrix products reach per CPU second (matrix-product
 * FLOPs ÷ CPU seconds ÷ peak: for a 1-thread side the share of its core's peak while it ran, for a
 * 2-thread side the average per core), and the load average before and after.
 *
 *   node --import tsx bench/side-by-side.ts fcnn|sae|vae|bigru|score|forest|load|pipeline|all [more…] \
 *     [--rounds 3] [--epochs 1] [--threads 1|1,2] [--only 'batch 256'] [--no-warmup]
 *
 * One run is `--epochs` training epochs (fcnn, sae pretraining, vae, bigru; each at batch 256 and at the
 * model's default batch), one scoring pass over KDDTrain+ at batch 8192 (score: PyTorch and numpy's
 * folded network), one fit + predict (forest: seed = round on both sides, accuracies reported), or one
 * gzip CSV load (load: pandas.read_csv), or one whole `iot-ids train --model fcnn` run against
 * bench/reference/pipeline_fcnn.py (pipeline: both sides child processes; needs `npm run build`). `--only TEXT` keeps the cases whose name contains TEXT. Set-up of the reference: bench/reference/README.md.
 * No reference figure lives in this repository: every ratio comes from the rounds of this command.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { initEngine } from '../src/engine/index.js';
import { median } from './lib/nsl-kdd-matrices.js';
import { ReferenceProcess, type Timing } from './lib/reference-process.js';
import {
  BENCHES,
  buildCases,
  SharedData,
  type BenchCase,
  type BenchName,
  type RunResult,
} from './lib/side-by-side-cases.js';
import { measurePeak } from './peak/peak.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '1' },
    'no-warmup': { type: 'boolean', default: false },
    threads: { type: 'string', default: '1' },
    only: { type: 'string' },
  },
});
const rounds = Math.max(1, Number(args.rounds));
const epochs = Math.max(1, Number(args.epochs));
// PyTorch / numpy thread counts to run (forest and pandas always run in the 1-thread process).
const threadCounts = [...new Set(['1', ...args.threads.split(',')].map(Number))];
// `all` leaves out `pipeline` (whole training runs: many minutes a round); name it to run it.
const wanted =
  positionals.length === 0 || positionals.includes('all')
    ? BENCHES.filter((b) => b !== 'pipeline')
    : positionals;
for (const name of wanted) {
  if (!(BENCHES as readonly string[]).includes(name)) {
    console.error(`unknown benchmark "${name}"; one of ${BENCHES.join(', ')}, all`);
    process.exit(2);
  }
}

const round3 = (v: number) => Number(v.toFixed(3));
const load1 = () => Number(loadavg()[0].toFixed(2));

interface SideRounds {
  label: string;
  runs: RunResult[];
}

async function runCase(
  c: BenchCase,
  references: Map<number, ReferenceProcess>,
  peakGflops: number,
): Promise<void> {
  const loadBefore = load1();
  const chosen = c.references.filter((r) => references.has(r.threads));
  const sides: SideRounds[] = [
    { label: 'iot-ids', runs: [] },
    ...chosen.map((r) => ({ label: r.label, runs: [] })),
  ];
  const runReference = async (index: number, round: number): Promise<RunResult> => {
    const side = chosen[index];
    const answer = await references.get(side.threads)!.run<Record<string, unknown>>(side.command(round));
    return toRunResult(answer, c.metrics[0]);
  };
  if (c.warmup && !args['no-warmup']) {
    await c.iotIds(0);
    for (let r = 0; r < chosen.length; r++) await runReference(r, 0);
  }
  for (let round = 1; round <= rounds; round++) {
    // A B in odd rounds, B A in even ones: whichever side runs second in a round meets the machine the
    // first one left (warm caches, a busier or quieter neighbour), so neither side always gets that turn.
    const referencesFirst = round % 2 === 0;
    if (!referencesFirst) sides[0].runs.push(await c.iotIds(round));
    for (let r = 0; r < chosen.length; r++) sides[r + 1].runs.push(await runReference(r, round));
    if (referencesFirst) sides[0].runs.push(await c.iotIds(round));
    // Progress on stderr, so a long case (pipeline) shows its rounds as they end.
    const times = sides.map((s) => {
      const t = s.runs[s.runs.length - 1].timings[c.metrics[0]];
      return `${s.label} ${round3(t.wall)} s (cpu ${round3(t.cpu)})`;
    });
    console.error(`${c.name}: round ${round}: ${times.join(', ')}; load ${load1()}`);
  }
  const loadAfter = load1();
  const metrics = c.metrics;
  const report = Object.fromEntries(
    metrics.map((metric) => {
      const ours = sides[0].runs.map((run) => run.timings[metric]);
      const flops = c.flops[metric];
      const fraction = (t: Timing[]) =>
        flops === undefined ? undefined : round3(flops / median(t.map((x) => x.cpu)) / (peakGflops * 1e9));
      const describe = (t: Timing[]) => ({
        wall: t.map((x) => round3(x.wall)),
        cpu: t.map((x) => round3(x.cpu)),
        medianWall: round3(median(t.map((x) => x.wall))),
        medianCpu: round3(median(t.map((x) => x.cpu))),
        fractionOfPeak: fraction(t),
      });
      const versus = sides.slice(1).map((side) => {
        const theirs = side.runs.map((run) => run.timings[metric]);
        const wallRatios = ours.map((t, i) => round3(t.wall / theirs[i].wall));
        const cpuRatios = ours.map((t, i) => round3(t.cpu / theirs[i].cpu));
        return {
          label: side.label,
          ...describe(theirs),
          ratiosWall: wallRatios,
          medianRatioWall: round3(median(wallRatios)),
          ratiosCpu: cpuRatios,
          medianRatioCpu: round3(median(cpuRatios)),
        };
      });
      return [metric, { iotIds: describe(ours), references: versus }];
    }),
  );
  const accuracies = Object.fromEntries(
    sides
      .filter((s) => s.runs[0].accuracy !== undefined)
      .map((s) => [s.label, s.runs.map((r) => Number((r.accuracy ?? 0).toFixed(4)))]),
  );
  const losses = Object.fromEntries(
    sides
      .filter((s) => s.runs[0].loss !== undefined)
      .map((s) => [s.label, s.runs.map((r) => Number((r.loss ?? 0).toFixed(4)))]),
  );
  console.log(
    JSON.stringify({
      bench: c.bench,
      case: c.name,
      rounds,
      epochsPerRun: ['fcnn', 'sae', 'vae', 'bigru'].includes(c.bench) ? epochs : undefined,
      metrics: report,
      ...(Object.keys(accuracies).length ? { accuracy: accuracies } : {}),
      ...(Object.keys(losses).length ? { trainLoss: losses } : {}),
      peakGflopsAvx2: peakGflops,
      loadAverage: { before: loadBefore, after: loadAfter },
    }),
  );
  const human = metrics.map((metric) => {
    const m = report[metric];
    const peak = (f: number | undefined) => (f === undefined ? '' : `, ${(100 * f).toFixed(1)} % of peak`);
    const ours = `iot-ids ${m.iotIds.medianWall} s (cpu ${m.iotIds.medianCpu}${peak(m.iotIds.fractionOfPeak)})`;
    const refs = m.references.map(
      (r) =>
        `${r.label} ${r.medianWall} s (cpu ${r.medianCpu}${peak(r.fractionOfPeak)}) → ×${r.medianRatioWall} [${r.ratiosWall.join(' ')}] (cpu ×${r.medianRatioCpu})`,
    );
    return `${metric}: ${ours} | ${refs.join(' | ')}`;
  });
  const accuracy = Object.keys(accuracies).length
    ? `; accuracy ${Object.entries(accuracies)
        .map(([k, v]) => `${k} ${v.map((a) => (100 * a).toFixed(2)).join('/')} %`)
        .join(', ')}`
    : '';
  console.log(
    `${c.name}: ${human.join('; ')}${accuracy}; ${rounds} rounds; load ${loadBefore} → ${loadAfter}`,
  );
}

/** A reference answer: `{wall, cpu, …}` for one metric, or `{fit: {wall, cpu}, predict: …, accuracy}`. */
function toRunResult(answer: Record<string, unknown>, single: string): RunResult {
  const isTiming = (v: unknown): v is Timing =>
    typeof v === 'object' && v !== null && 'wall' in v && 'cpu' in v;
  const timings: Record<string, Timing> = {};
  if (isTiming(answer)) timings[single] = answer;
  for (const [k, v] of Object.entries(answer)) if (isTiming(v)) timings[k] = v;
  return {
    timings,
    accuracy: typeof answer.accuracy === 'number' ? answer.accuracy : undefined,
    loss: typeof answer.loss === 'number' ? answer.loss : undefined,
  };
}

async function main(): Promise<void> {
  const engine = await initEngine();
  const peak = measurePeak();
  const references = new Map(threadCounts.map((t) => [t, new ReferenceProcess(t)]));
  const shared = new SharedData();
  // An interrupted run still removes the matrices it wrote and ends its reference processes.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const r of references.values()) r.close(true);
      shared.remove();
      process.exit(130);
    });
  }
  try {
    const info = await references.get(1)!.run({ task: 'info' });
    console.log(
      JSON.stringify({
        bench: 'side-by-side',
        engine,
        node: process.version,
        reference: info,
        peakGflops: peak,
        rounds,
        epochsPerRun: epochs,
        referenceThreads: threadCounts,
        loadAverage: load1(),
      }),
    );
    console.log(
      `side by side: ${wanted.join(', ')}; ${rounds} alternating rounds; single-core peak AVX2 FMA ${peak.avx2Fma} GFLOP/s` +
        ` (AVX-512 ${peak.avx512Fma ?? '—'}, 128-bit mul+add ${peak.sseMulAdd}); reference torch ${String(info.torch)}` +
        ` (${JSON.stringify(info.torchCapability)}), scikit-learn ${String(info.sklearn)}, pandas ${String(info.pandas)}; load ${load1()}`,
    );
    for (const bench of wanted as BenchName[]) {
      for (const c of await buildCases(bench, shared, epochs)) {
        if (args.only !== undefined && !c.name.includes(args.only)) continue;
        await runCase(c, references, peak.avx2Fma);
      }
    }
  } finally {
    for (const r of references.values()) r.close();
    shared.remove();
  }
}

await main();
