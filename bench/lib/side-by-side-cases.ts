import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTable } from '../../src/data/load-table.js';
import { DATASETS } from '../../src/data/registry.js';
import { accuracy } from '../../src/evaluate/classification-metrics.js';
import { Adam } from '../../src/fit/adam.js';
import { BiGruStage } from '../../src/models/bigru/bigru-stage.js';
import { biGruDefaults } from '../../src/models/bigru/options.js';
import { BiGruParameters } from '../../src/models/bigru/parameters.js';
import { FcnnStage } from '../../src/models/fcnn/fcnn-stage.js';
import { FoldedNetwork, PREDICT_BATCH_SIZE } from '../../src/models/fcnn/inference.js';
import { fcnnDefaults } from '../../src/models/fcnn/options.js';
import { FcnnParameters } from '../../src/models/fcnn/parameters.js';
import { RandomForestClassifier } from '../../src/models/random-forest/forest.js';
import { sparseAutoencoderDefaults } from '../../src/models/sae/options.js';
import { SparseAutoencoder } from '../../src/models/sae/sparse-autoencoder.js';
import { vaeDefaults } from '../../src/models/vae/options.js';
import { VaeParameters } from '../../src/models/vae/vae-parameters.js';
import { VaeStage } from '../../src/models/vae/vae-stage.js';
import type { LabelledSet, Matrix } from '../../src/preprocess/matrix.js';
import type { TrainableStage } from '../../src/fit/fit-stage.js';
import { Random } from '../../src/util/random.js';
import { biGruTrainingFlops, denseForwardFlops, denseTrainingFlops, type LayerShape } from './flops.js';
import { benchDataDir, nslKddMatrices } from './nsl-kdd-matrices.js';
import type { Timing } from './reference-process.js';
import { linearTeacherData } from './teacher-data.js';
import { pipelineCases } from './pipeline-case.js';

/** What one run of one side measured: timings by metric (epoch, score, fit, predict, load). */
export interface RunResult {
  timings: Record<string, Timing>;
  accuracy?: number;
  loss?: number;
}

/** One reference implementation of a case: which reference process runs it, and the command it gets. */
export interface ReferenceSide {
  label: string;
  threads: number;
  /** The command for round `round` (1-based). */
  command: (round: number) => Record<string, unknown>;
}

export interface BenchCase {
  bench: string;
  name: string;
  /** What a run times: ['epoch'], ['score'], ['fit', 'predict'] or ['load']. */
  metrics: string[];
  /** Matrix-product FLOPs of one run, by metric (absent: no meaningful count). */
  flops: Record<string, number>;
  /** Whether each side runs once, untimed, before the rounds (JIT, thread pools, caches). */
  warmup: boolean;
  iotIds: (round: number) => Promise<RunResult>;
  references: ReferenceSide[];
}

export const BENCHES = ['fcnn', 'sae', 'vae', 'bigru', 'score', 'forest', 'load', 'pipeline'] as const;
export type BenchName = (typeof BENCHES)[number];

/** The data both sides use: built once by iot-ids' loader and pipeline, written raw for the reference. */
export class SharedData {
  readonly dir = mkdtempSync(join(tmpdir(), 'iot-ids-side-by-side-'));
  private nslKdd: Promise<{ train: LabelledSet; test: LabelledSet }> | null = null;
  private written = new Map<string, Record<string, unknown>>();
  private cleanups: (() => void)[] = [];

  nsl(): Promise<{ train: LabelledSet; test: LabelledSet }> {
    this.nslKdd ??= nslKddMatrices('KDDTrain+', 'KDDTest+', '5class');
    return this.nslKdd;
  }

  /** Writes x (float32) and y (int32), little-endian, once; returns the reference's `data` field. */
  file(name: string, x: Matrix, y: Int32Array | null): Record<string, unknown> {
    const known = this.written.get(name);
    if (known) return known;
    const xPath = join(this.dir, `${name}.x.f32`);
    writeFileSync(xPath, new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
    let yPath: string | null = null;
    if (y) {
      yPath = join(this.dir, `${name}.y.i32`);
      writeFileSync(yPath, new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
    }
    const data = { x: xPath, y: yPath, rows: x.rows, cols: x.cols };
    this.written.set(name, data);
    return data;
  }

  /** Runs `cleanup` when the data is removed (at the end of the command, or when it is interrupted). */
  onRemove(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  remove(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Times `epochs` epochs of a training stage, continuing from the last round's epoch. */
function epochRunner(stage: () => TrainableStage, epochs: number): (round: number) => Promise<RunResult> {
  let built: TrainableStage | null = null;
  let epoch = 0;
  return async () => {
    built ??= stage();
    const cpu = process.cpuUsage();
    const start = performance.now();
    let loss = Number.NaN;
    for (let e = 0; e < epochs; e++) loss = (await built.trainEpoch(epoch++, () => undefined)).loss;
    return { timings: { epoch: sinceStart(start, cpu) }, loss };
  };
}

function sinceStart(start: number, cpu: NodeJS.CpuUsage): Timing {
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6 };
}

/** Both reference thread counts of one command. */
function torchSides(label: string, command: (round: number) => Record<string, unknown>): ReferenceSide[] {
  return [1, 2].map((threads) => ({ label: `${label} ${threads}t`, threads, command }));
}

function trainCommand(key: string, spec: Record<string, unknown>, epochs: number, data: unknown) {
  return () => ({ task: 'train', key, epochs, data, ...spec });
}

export async function buildCases(bench: BenchName, shared: SharedData, epochs: number): Promise<BenchCase[]> {
  switch (bench) {
    case 'fcnn':
      return fcnnCases(shared, epochs);
    case 'sae':
      return saeCases(shared, epochs);
    case 'vae':
      return vaeCases(shared, epochs);
    case 'bigru':
      return biGruCases(shared, epochs);
    case 'score':
      return scoreCases(shared);
    case 'forest':
      return forestCases(shared);
    case 'load':
      return loadCases();
    case 'pipeline':
      return pipelineCases(shared);
  }
}

const widthsToLayers = (widths: number[]): LayerShape[] =>
  widths.slice(1).map((units, k) => [widths[k], units] as const);

async function fcnnCases(shared: SharedData, epochs: number): Promise<BenchCase[]> {
  const { train } = await shared.nsl();
  const defaults = fcnnDefaults;
  const data = shared.file('nsl-train', train.x, train.y);
  const classes = train.classes.length;
  const cases: BenchCase[] = [];
  for (const hiddenUnits of [[64, 32], defaults.hiddenUnits]) {
    for (const batchSize of [...new Set([256, defaults.batchSize])]) {
      const widths = [train.x.cols, ...hiddenUnits, classes];
      const spec = { model: 'fcnn', hiddenUnits, classes, batchSize, dropout: defaults.dropout };
      const key = `fcnn-${hiddenUnits.join('-')}-${batchSize}`;
      cases.push({
        bench: 'fcnn',
        name: `FCNN ${widths.join('-')} batch ${batchSize}`,
        metrics: ['epoch'],
        flops: { epoch: epochs * denseTrainingFlops(train.x.rows, widthsToLayers(widths)) },
        warmup: true,
        iotIds: epochRunner(() => {
          const params = FcnnParameters.initial(train.x.cols, hiddenUnits, classes, new Random(1));
          const adam = new Adam(params.trainable(), { learningRate: defaults.learningRate });
          const rows = { x: train.x, y: train.y, rowWeights: null };
          return new FcnnStage(params, adam, rows, { batchSize, dropout: defaults.dropout, seed: 1 });
        }, epochs),
        references: torchSides('PyTorch', trainCommand(key, spec, epochs, data)),
      });
    }
  }
  return cases;
}

async function saeCases(shared: SharedData, epochs: number): Promise<BenchCase[]> {
  const { train } = await shared.nsl();
  const o = sparseAutoencoderDefaults;
  const data = shared.file('nsl-train', train.x, train.y);
  return [...new Set([256, o.batchSize])].map((batchSize) => ({
    bench: 'sae',
    name: `SAE pretraining ${train.x.cols}-${o.hiddenUnits}-${train.x.cols} (KL) batch ${batchSize}`,
    metrics: ['epoch'],
    flops: {
      epoch:
        epochs *
        denseTrainingFlops(train.x.rows, [
          [train.x.cols, o.hiddenUnits],
          [o.hiddenUnits, train.x.cols],
        ]),
    },
    warmup: true,
    iotIds: epochRunner(() => new SparseAutoencoder({ batchSize, seed: 1 }).pretrainStage(train.x), epochs),
    references: torchSides(
      'PyTorch',
      trainCommand(
        `sae-${batchSize}`,
        {
          model: 'sae',
          batchSize,
          hiddenUnits: o.hiddenUnits,
          rho: o.rho,
          beta: o.beta,
          weightDecay: o.weightDecay,
          learningRate: o.learningRate,
        },
        epochs,
        data,
      ),
    ),
  }));
}

async function vaeCases(shared: SharedData, epochs: number): Promise<BenchCase[]> {
  const { train } = await shared.nsl();
  const o = vaeDefaults;
  const data = shared.file('nsl-train', train.x, null);
  const encoder = [train.x.cols, ...o.encoderUnits];
  const decoder = [o.latentSize, ...[...o.encoderUnits].reverse(), train.x.cols];
  const top = o.encoderUnits[o.encoderUnits.length - 1];
  const layers: LayerShape[] = [
    ...widthsToLayers(encoder),
    [top, 2 * o.latentSize],
    ...widthsToLayers(decoder),
  ];
  return [...new Set([256, o.batchSize])].map((batchSize) => ({
    bench: 'vae',
    name: `VAE ${encoder.join('-')}-${o.latentSize} (${o.reconstruction}) batch ${batchSize}`,
    metrics: ['epoch'],
    flops: { epoch: epochs * denseTrainingFlops(train.x.rows, layers) },
    warmup: true,
    iotIds: epochRunner(() => {
      const params = VaeParameters.initial(train.x.cols, o.encoderUnits, o.latentSize, new Random(1));
      const adam = new Adam(params.trainable(), { learningRate: o.learningRate });
      const settings = { reconstruction: o.reconstruction, beta: o.beta };
      return new VaeStage(params, adam, { x: train.x }, { batchSize, seed: 1, settings, weightPrefix: '' });
    }, epochs),
    references: torchSides(
      'PyTorch',
      trainCommand(
        `vae-${batchSize}`,
        {
          model: 'vae',
          batchSize,
          encoderUnits: o.encoderUnits,
          latentSize: o.latentSize,
          learningRate: o.learningRate,
        },
        epochs,
        data,
      ),
    ),
  }));
}

/** As bench/bigru.ts: 20,000 sequences of 8 × 16 from a seeded linear teacher, 5 classes. */
async function biGruCases(shared: SharedData, epochs: number): Promise<BenchCase[]> {
  const shape = { timesteps: 8, featuresPerStep: 16, units: 32, classes: 5, resetAfter: true };
  const synthetic = linearTeacherData(new Random(42), 20_000, shape.timesteps * shape.featuresPerStep, 5);
  const data = shared.file('bigru-teacher', synthetic.x, synthetic.y);
  const o = biGruDefaults;
  return Promise.resolve(
    [...new Set([256, o.batchSize])].map((batchSize) => ({
      bench: 'bigru',
      name: `BiGRU(${shape.units}) ${synthetic.x.rows} × ${shape.timesteps}×${shape.featuresPerStep} batch ${batchSize}`,
      metrics: ['epoch'],
      flops: { epoch: epochs * biGruTrainingFlops(synthetic.x.rows, shape) },
      warmup: true,
      iotIds: epochRunner(() => {
        const params = BiGruParameters.initial(shape, new Random(7));
        const adam = new Adam(params.trainable(), { learningRate: o.learningRate });
        const rows = { ...synthetic, rowWeights: null };
        return new BiGruStage(params, adam, rows, { batchSize, seed: 7, prefix: '' });
      }, epochs),
      references: torchSides(
        'PyTorch',
        trainCommand(
          `bigru-${batchSize}`,
          { model: 'bigru', batchSize, ...shape, learningRate: o.learningRate },
          epochs,
          data,
        ),
      ),
    })),
  );
}

async function scoreCases(shared: SharedData): Promise<BenchCase[]> {
  const { train } = await shared.nsl();
  const classes = train.classes.length;
  const data = shared.file('nsl-train', train.x, train.y);
  // Each network on one iot-ids thread (against PyTorch and numpy), then on two (FoldedNetwork's
  // `threads: 2`: the calling thread and a helper; against numpy only).
  return [1, 2].flatMap((threads) =>
    [[64, 32], fcnnDefaults.hiddenUnits].map((hiddenUnits): BenchCase => {
      const widths = [train.x.cols, ...hiddenUnits, classes];
      let network: FoldedNetwork | null = null;
      const command = (engine: string) => () => ({
        task: 'score',
        key: `${engine}-${hiddenUnits.join('-')}`,
        engine,
        hiddenUnits,
        classes,
        batchSize: PREDICT_BATCH_SIZE,
        data,
      });
      return {
        bench: 'score',
        name:
          `FCNN ${widths.join('-')} scoring ${train.x.rows} rows, batch ${PREDICT_BATCH_SIZE}` +
          (threads === 2 ? ', iot-ids on 2 threads' : ''),
        metrics: ['score'],
        flops: { score: denseForwardFlops(train.x.rows, widthsToLayers(widths)) },
        warmup: true,
        iotIds: () => {
          network ??= new FoldedNetwork(
            FcnnParameters.initial(train.x.cols, hiddenUnits, classes, new Random(1)),
            { threads: threads === 2 ? 2 : 1 },
          );
          const cpu = process.cpuUsage();
          const start = performance.now();
          network.predictProba(train.x);
          return Promise.resolve({ timings: { score: sinceStart(start, cpu) } });
        },
        references: [
          ...(threads === 1 ? torchSides('PyTorch', command('torch')) : []),
          ...torchSides('numpy folded', command('numpy')),
        ],
      };
    }),
  );
}

/** 100 trees, 2 threads on both sides; round r uses seed r on both. Fit on KDDTrain+, predict KDDTest+. */
async function forestCases(shared: SharedData): Promise<BenchCase[]> {
  const { train, test } = await shared.nsl();
  const trainData = shared.file('nsl-train', train.x, train.y);
  const testData = shared.file('nsl-test', test.x, test.y);
  return [
    {
      bench: 'forest',
      name: `Random forest 100 trees, 2 threads, KDDTrain+ ${train.x.rows} × ${train.x.cols} → KDDTest+`,
      metrics: ['fit', 'predict'],
      flops: {},
      warmup: false,
      iotIds: async (round) => {
        const forest = new RandomForestClassifier({ nEstimators: 100, nJobs: 2, seed: round });
        let cpu = process.cpuUsage();
        let start = performance.now();
        await forest.fit(train.x, train.y, { nClasses: train.classes.length });
        const fit = sinceStart(start, cpu);
        cpu = process.cpuUsage();
        start = performance.now();
        const predicted = await forest.predict(test.x);
        const predict = sinceStart(start, cpu);
        await forest.dispose();
        return { timings: { fit, predict }, accuracy: accuracy(test.y, predicted) };
      },
      references: [
        {
          label: 'scikit-learn n_jobs=2',
          threads: 1,
          command: (round) => ({
            task: 'forest',
            seed: round,
            trees: 100,
            jobs: 2,
            train: trainData,
            test: testData,
          }),
        },
      ],
    },
  ];
}

function loadCases(): BenchCase[] {
  const targets = [
    { name: 'KDDTrain+ (gzip)', dataset: DATASETS['nsl-kdd'], file: 'nsl-kdd/KDDTrain+.txt.gz' },
    { name: 'KDD99 10 % (gzip)', dataset: DATASETS.kdd99, file: 'kddcup99/kddcup.data_10_percent.gz' },
  ];
  return targets.map((target) => {
    const path = join(benchDataDir, target.file);
    return {
      bench: 'load',
      name: `load ${target.name}`,
      metrics: ['load'],
      flops: {},
      warmup: true,
      iotIds: async () => {
        const cpu = process.cpuUsage();
        const start = performance.now();
        await loadTable(path, target.dataset.schema);
        return { timings: { load: sinceStart(start, cpu) } };
      },
      references: [{ label: 'pandas.read_csv', threads: 1, command: () => ({ task: 'load', path }) }],
    };
  });
}
