import type { Command } from 'commander';
import { Option } from 'commander';
import { MODEL_KINDS } from '../../models/model-kinds.js';
import { loadTaxonomyOverrides } from '../../data/taxonomy.js';
import type { ProtocolName, TaskName } from '../../data/schema.js';
import type { RunSpec } from '../../train/run-spec.js';
import { formatSummaryTable } from '../summary-table.js';
import { terminalProgress } from '../terminal-progress.js';
import { PROTOCOL_NAMES } from '../../data/protocols.js';
import { TASK_NAMES } from '../../data/tasks.js';
import type { DedupMode } from '../../train/run-spec.js';
import { VALIDATION_SCHEMES, type ValidationScheme } from '../../train/validation-schemes.js';
import { fractionOption, intOption, positiveNumberOption } from '../parse-options.js';
import { defaultPacketAeOptions } from '../../models/packet-ae/options.js';

/** The packet-level detector trains on a capture, not a dataset: its own code path (train-packet-ae.ts). */
const PACKET_AE = 'packet-ae';
const packetAeDefaults = defaultPacketAeOptions();

interface TrainFlags {
  dataset?: string;
  model?: string;
  task?: TaskName;
  protocol?: ProtocolName;
  seed?: number;
  out: string;
  dataDir?: string;
  trainSplit?: string;
  config?: string;
  taxonomy?: string;
  smote?: boolean;
  smoteRatio?: number;
  undersample?: number;
  log1p?: boolean;
  validation?: ValidationScheme;
  dropConstant?: boolean;
  strict?: boolean;
  resume?: boolean;
  dedup?: boolean | string;
  testFraction?: number;
  nEstimators?: number;
  maxDepth?: number;
  minSamplesLeaf?: number;
  classWeight?: string;
  jobs?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  patience?: number;
  input?: string;
  featureMapGrace?: number;
  detectorGrace?: number;
  calibrationSamples?: number;
  falseAlarmRate?: number;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description(
      'fit a model (and its preprocessing) on training data, save it, and evaluate it on every test split of the protocol',
    )
    .option(
      '-d, --dataset <name|schema.json>',
      'nsl-kdd, kdd99, unsw-nb15, or a schema file (default nsl-kdd)',
    )
    .addOption(
      new Option(
        '-m, --model <kind>',
        'model to train (default rf); packet-ae trains the unsupervised packet-level detector on --input',
      ).choices([...MODEL_KINDS, PACKET_AE]),
    )
    .option(
      '-i, --input <capture>',
      'packet-ae: benign capture (pcap or pcapng) to learn normal traffic from',
    )
    .option(
      '--feature-map-grace <n>',
      `packet-ae: packets that learn the feature map (default ${packetAeDefaults.featureMapGrace})`,
      intOption('--feature-map-grace'),
    )
    .option(
      '--detector-grace <n>',
      `packet-ae: packets the autoencoders train on (default ${packetAeDefaults.detectorGrace})`,
      intOption('--detector-grace'),
    )
    .option(
      '--calibration-samples <n>',
      `packet-ae: benign packets the threshold is fitted on (default ${packetAeDefaults.calibrationSamples})`,
      intOption('--calibration-samples'),
    )
    .option(
      '--false-alarm-rate <p>',
      `packet-ae: tail probability above the alert threshold (default ${packetAeDefaults.falseAlarmRate})`,
      positiveNumberOption('--false-alarm-rate'),
    )
    .addOption(
      new Option('-t, --task <task>', 'label set (default: the first task the dataset supports)').choices([
        ...TASK_NAMES,
      ]),
    )
    .addOption(
      new Option(
        '-p, --protocol <protocol>',
        "official test files; for one-file data time-split (latest rows test), group-split (by the schema's groupColumn) or the inflated random-split (default: the schema's protocol, else official when there is a test file, else time-split, group-split, random-split)",
      ).choices([...PROTOCOL_NAMES]),
    )
    .option(
      '--test-fraction <f>',
      'one-file protocols: share of rows held out for testing (default 0.3 for time-split and group-split, 0.2 for random-split)',
      fractionOption('--test-fraction'),
    )
    .option('-s, --seed <n>', 'seed for every random choice (default 1)', intOption('--seed'))
    .requiredOption('-o, --out <dir>', 'run directory: metrics.json, classification-report.txt, model/')
    .option(
      '--data-dir <dir>',
      'where the dataset files are (then $IOT_IDS_DATA_DIR, then the per-user cache)',
    )
    .option('--train-split <name>', 'train on this split instead, e.g. KDDTrain+_20Percent for a quick run')
    .option('-c, --config <file.json>', 'every option in a JSON file (flags override it)')
    .option('--taxonomy <file.json>', 'override attack categories, e.g. {"httptunnel": "r2l"}')
    .option('--smote', 'SMOTE minority classes in the training rows')
    .option(
      '--smote-ratio <r>',
      'grow minority classes to r × the majority count (default 1)',
      positiveNumberOption('--smote-ratio'),
    )
    .option('--undersample <n>', 'cap every training class at n rows', intOption('--undersample'))
    .option('--log1p', 'log1p heavy-tailed count columns before min-max scaling')
    .addOption(
      new Option(
        '--validation <scheme>',
        'validation rows out of the training data: random (stratified rows) or leave-attack-type-out (whole attack types of each class); given, every model is scored on them in metrics.json',
      ).choices([...VALIDATION_SCHEMES]),
    )
    .option('--drop-constant', 'drop columns that are constant on the training data')
    .option('--strict', 'stop at the first bad input row instead of skipping and counting it')
    .addOption(
      new Option(
        '--dedup [when]',
        'drop exact duplicate rows: train-only (default when given without a value; after the hold-out) or before-split (the whole file, so no test row repeats a training row); counted in the report',
      ).choices(['train-only', 'before-split']),
    )
    .option('--resume', 'deep models: continue from <out>/checkpoints/last after a crash')
    .option('--n-estimators <n>', 'rf: number of trees (default 100)', intOption('--n-estimators'))
    .option('--max-depth <n>', 'rf: maximum tree depth (default unlimited)', intOption('--max-depth'))
    .option(
      '--min-samples-leaf <n>',
      'rf: minimum rows per leaf (default 1)',
      intOption('--min-samples-leaf'),
    )
    .addOption(new Option('--class-weight <w>', 'rf: class weights').choices(['balanced', 'none']))
    .option('-j, --jobs <n>', 'worker threads (default: up to 2)', intOption('--jobs'))
    .option('--epochs <n>', 'deep models: maximum epochs per stage', intOption('--epochs'))
    .option('--batch-size <n>', 'deep models: mini-batch size', intOption('--batch-size'))
    .option('--learning-rate <r>', 'deep models: Adam learning rate', positiveNumberOption('--learning-rate'))
    .option('--patience <n>', 'deep models: early-stopping patience in epochs', intOption('--patience'))
    .action(async (flags: TrainFlags) => {
      if (flags.model === PACKET_AE) return trainPacketAeFromFlags(flags);
      const packetOnly = (
        [
          ['--input', flags.input],
          ['--feature-map-grace', flags.featureMapGrace],
          ['--detector-grace', flags.detectorGrace],
          ['--calibration-samples', flags.calibrationSamples],
          ['--false-alarm-rate', flags.falseAlarmRate],
        ] as const
      ).filter(([, v]) => v !== undefined);
      if (packetOnly.length) {
        const { usageError } = await import('../../errors.js');
        throw usageError(
          `${packetOnly.map(([name]) => name).join(', ')}: only for --model packet-ae; dataset models read --dataset`,
        );
      }
      const { runTraining } = await import('../../train/run-training.js');
      const spec = await trainSpecFromFlags(flags);
      const result = await runTraining(spec, terminalProgress());
      process.stdout.write(`${formatSummaryTable(result.metrics)}\n\n`);
      for (const warning of result.metrics.warnings ?? []) process.stdout.write(`WARNING: ${warning}\n`);
      if (result.metrics.warnings?.length) process.stdout.write('\n');
      process.stdout.write(`metrics: ${result.metricsPath}\nmodel:   ${result.modelDir}\n`);
    });
}

export async function trainSpecFromFlags(flags: TrainFlags): Promise<RunSpec> {
  const { parseModelOptions } = await import('../../models/registry.js');
  const { readRunConfigFile } = await import('../../train/run-config-file.js');
  const file = flags.config ? await readRunConfigFile(flags.config) : {};
  const model = flags.model ?? file.model ?? 'rf';
  const fromFlags: Record<string, unknown> = {};
  if (flags.nEstimators !== undefined) fromFlags.nEstimators = flags.nEstimators;
  if (flags.maxDepth !== undefined) fromFlags.maxDepth = flags.maxDepth;
  if (flags.minSamplesLeaf !== undefined) fromFlags.minSamplesLeaf = flags.minSamplesLeaf;
  if (flags.classWeight !== undefined)
    fromFlags.classWeight = flags.classWeight === 'none' ? null : flags.classWeight;
  if (flags.jobs !== undefined) fromFlags.nJobs = flags.jobs;
  if (flags.epochs !== undefined) fromFlags.epochs = flags.epochs;
  if (flags.batchSize !== undefined) fromFlags.batchSize = flags.batchSize;
  if (flags.learningRate !== undefined) fromFlags.learningRate = flags.learningRate;
  if (flags.patience !== undefined) fromFlags.patience = flags.patience;
  const modelOptions = parseModelOptions(
    model,
    { ...file.modelOptions, ...fromFlags },
    flags.config ?? 'command line',
  );
  const taxonomyOverrides = flags.taxonomy
    ? await loadTaxonomyOverrides(flags.taxonomy)
    : file.taxonomyOverrides;
  const resample = {
    ...file.resample,
    ...(flags.smote ? { smote: true } : {}),
    ...(flags.smoteRatio !== undefined ? { smoteRatio: flags.smoteRatio } : {}),
    ...(flags.undersample !== undefined ? { undersampleMaxPerClass: flags.undersample } : {}),
  };
  const pipeline = {
    ...file.pipeline,
    ...(flags.dropConstant ? { dropConstant: true } : {}),
  };
  return {
    dataset: flags.dataset ?? file.dataset ?? 'nsl-kdd',
    task: flags.task ?? file.task,
    protocol: flags.protocol ?? file.protocol,
    model,
    modelOptions,
    seed: flags.seed ?? file.seed ?? 1,
    out: flags.out,
    dataDir: flags.dataDir,
    trainSplit: flags.trainSplit ?? file.trainSplit,
    validationFraction: file.validationFraction,
    validation: flags.validation ?? file.validation,
    testFraction: flags.testFraction ?? file.testFraction,
    taxonomyOverrides,
    pipeline,
    log1p: flags.log1p ?? file.log1p,
    resample,
    strict: flags.strict ?? file.strict,
    resume: flags.resume,
    dedup: flags.dedup === undefined ? file.dedup : flags.dedup === true ? true : (flags.dedup as DedupMode),
  };
}

async function trainPacketAeFromFlags(flags: TrainFlags): Promise<void> {
  const { usageError } = await import('../../errors.js');
  if (flags.input === undefined) throw usageError('--model packet-ae needs --input <capture.pcap>');
  if (flags.dataset !== undefined || flags.config !== undefined) {
    throw usageError('--model packet-ae trains on --input, not on --dataset or --config');
  }
  const { trainPacketAe } = await import('../../train/train-packet-ae.js');
  const result = await trainPacketAe({
    input: flags.input,
    out: flags.out,
    detector: {
      seed: flags.seed,
      featureMapGrace: flags.featureMapGrace,
      detectorGrace: flags.detectorGrace,
      calibrationSamples: flags.calibrationSamples,
      falseAlarmRate: flags.falseAlarmRate,
    },
  });
  const skipped = result.capture.frames - result.capture.decoded;
  process.stdout.write(
    `packet-ae trained on ${result.packets.toLocaleString('en-US')} packets of ${flags.input} (${skipped} frames skipped); threshold ${result.threshold.toPrecision(4)}\nmodel:   ${result.modelDir}\n`,
  );
}
