import type { Command } from 'commander';
import { Option } from 'commander';
import { TIME_SPLIT_BY, type TimeSplitBy } from '../../preprocess/time-split.js';
import { MODEL_KINDS } from '../../models/model-kinds.js';
import { DEDUP_MODES, PROTOCOL_NAMES, TASK_NAMES } from '../../data/run-names.js';
import { formatSummaryTable } from '../summary-table.js';
import { terminalProgress } from '../terminal-progress.js';
import { intOption, numberOption, positiveNumberOption } from '../parse-options.js';
import { requiredOption } from '../required-options.js';
import { formatDeepModelDefaults } from '../deep-model-defaults.js';
import { VALIDATION_SCHEMES, type ValidationScheme } from '../../train/validation-schemes.js';
import { defaultPacketAeOptions } from '../../models/packet-ae/options.js';
import { randomForestDefaults } from '../../models/random-forest/options.js';
import type { RunSpec } from '../../train/run-spec.js';

/** The packet-level detector trains on a capture, not a dataset: its own code path (train-packet-ae.ts). */
const PACKET_AE = 'packet-ae';
const packetAeDefaults = defaultPacketAeOptions();
const rfDefaults = randomForestDefaults;

/** Commander's attribute names; where each goes in the run options is in train-flags.ts. */
interface TrainFlags {
  dataset?: string;
  model?: string;
  task?: string;
  protocol?: string;
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
  dropFeatures?: string[];
  validation?: ValidationScheme;
  dropConstant?: boolean;
  strict?: boolean;
  resume?: boolean;
  dedup?: boolean | string;
  testFraction?: number;
  timeSplitBy?: TimeSplitBy;
  nEstimators?: number;
  maxDepth?: number;
  minSamplesLeaf?: number;
  classWeight?: string;
  jobs?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  patience?: number;
  focalGamma?: number;
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
      'nsl-kdd, kdd99, unsw-nb15, iot-23, or a schema file (default: nsl-kdd)',
    )
    .addOption(
      new Option(
        '-m, --model <kind>',
        'model kind to train (default: rf); packet-ae trains the unsupervised packet-level detector on --input',
      ).choices([...MODEL_KINDS, PACKET_AE]),
    )
    .option(
      '-i, --input <capture>',
      'packet-ae: benign capture (pcap or pcapng) to learn normal traffic from',
    )
    .option(
      '--feature-map-grace <n>',
      `packet-ae: packets that learn the feature map (default: ${packetAeDefaults.featureMapGrace})`,
      intOption('--feature-map-grace'),
    )
    .option(
      '--detector-grace <n>',
      `packet-ae: packets the autoencoders train on (default: ${packetAeDefaults.detectorGrace})`,
      intOption('--detector-grace'),
    )
    .option(
      '--calibration-samples <n>',
      `packet-ae: benign packets the threshold is fitted on (default: ${packetAeDefaults.calibrationSamples})`,
      intOption('--calibration-samples'),
    )
    .option(
      '--false-alarm-rate <p>',
      `packet-ae: tail probability above the alert threshold (default: ${packetAeDefaults.falseAlarmRate})`,
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
      'one-file protocols: share of rows held out for testing, above 0 and below 0.9 (default: 0.3 for time-split and group-split, 0.2 for random-split)',
      numberOption('--test-fraction'),
    )
    .addOption(
      new Option(
        '--time-split-by <how>',
        'time-split: cut after the earliest rows (rows), or at the mark of the elapsed time (elapsed: a late burst of traffic goes wholly to the test part) (default: rows)',
      ).choices([...TIME_SPLIT_BY]),
    )
    .option('-s, --seed <n>', 'seed for every random choice (default: 1)', intOption('--seed'))
    .addOption(
      requiredOption('-o, --out <dir>', 'run directory: metrics.json, classification-report.txt, model/'),
    )
    .option(
      '--data-dir <dir>',
      'where the dataset files are (then $IOT_IDS_DATA_DIR, then the per-user cache)',
    )
    .option(
      '--train-split <name>',
      "train on this split instead, e.g. KDDTrain+_20Percent for a quick run (default: the protocol's training file)",
    )
    .option(
      '-c, --config <file.json>',
      'run options in a JSON file, flags override it (format: docs/configuration.md)',
    )
    .option(
      '--taxonomy <file.json>',
      'override attack categories, e.g. {"httptunnel": "r2l"} (default: the dataset\'s taxonomy)',
    )
    .option('--smote', 'SMOTE minority classes in the training rows')
    .option(
      '--smote-ratio <r>',
      'grow minority classes to r × the majority count, 0 < r ≤ 1 (default: 1)',
      numberOption('--smote-ratio'),
    )
    .option(
      '--undersample <n>',
      'cap every training class at n rows (default: no cap)',
      intOption('--undersample'),
    )
    .option('--log1p', 'log1p heavy-tailed count columns before min-max scaling')
    .option(
      '--drop-features <names>',
      'comma-separated feature columns no model sees (they are read, then ignored)',
      (value: string) => value.split(',').map((name) => name.trim()),
    )
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
        'drop exact duplicate rows: train-only (default when given without a value; after the hold-out) or before-split (the whole file, so no test row repeats a training row); counted in the report (default: keep duplicates)',
      ).choices([...DEDUP_MODES]),
    )
    .option('--resume', 'deep models: continue from <out>/checkpoints/last after a crash')
    .option(
      '--n-estimators <n>',
      `rf: number of trees (default: ${rfDefaults.nEstimators})`,
      intOption('--n-estimators'),
    )
    .option(
      '--max-depth <n>',
      `rf: maximum tree depth (default: ${rfDefaults.maxDepth ?? 'unlimited'})`,
      intOption('--max-depth'),
    )
    .option(
      '--min-samples-leaf <n>',
      `rf: minimum rows per leaf (default: ${rfDefaults.minSamplesLeaf})`,
      intOption('--min-samples-leaf'),
    )
    .addOption(
      new Option(
        '--class-weight <w>',
        'balanced weighs each row by n / (k · count of its class); every model but sae-svm (default: none)',
      ).choices(['balanced', 'none']),
    )
    .option(
      '-j, --jobs <n>',
      `rf: worker threads, 0 trains in the main thread (default: min(2, cores) = ${rfDefaults.nJobs} here)`,
      intOption('--jobs'),
    )
    .option(
      '--epochs <n>',
      'deep models: maximum epochs per stage (default: per model, below)',
      intOption('--epochs'),
    )
    .option(
      '--batch-size <n>',
      'deep models: mini-batch size (default: per model, below)',
      intOption('--batch-size'),
    )
    .option(
      '--learning-rate <r>',
      'deep models: Adam learning rate (default: per model, below)',
      positiveNumberOption('--learning-rate'),
    )
    .option(
      '--patience <n>',
      'deep models: epochs without a better validation loss before stopping (default: per model, below)',
      intOption('--patience'),
    )
    .option(
      '--focal-gamma <g>',
      'fcnn: focal loss exponent, 0 to 10; 0 is cross-entropy (default: 0)',
      numberOption('--focal-gamma'),
    )
    .addHelpText(
      'after',
      `
${formatDeepModelDefaults()}
  (vae-bigru: the flags set both parts; sae-svm: --epochs and --patience set both parts, --batch-size and
  --learning-rate the autoencoder)

Examples:
  iot-ids train -d nsl-kdd -m rf -t 5class -p official -s 1 -o runs/rf-1
  iot-ids train -m fcnn --epochs 10 --train-split KDDTrain+_20Percent -o runs/fcnn-quick
  iot-ids train -d my-flows.schema.json -p time-split --dedup before-split -o runs/mine
  iot-ids train -c run.json -s 2 -o runs/from-config          (run.json: docs/configuration.md)
  iot-ids train -m packet-ae -i benign.pcap -o runs/kitnet`,
    )
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

/**
 * The run spec of `train`: the config file's options with the given flags laid over them, parsed once by the
 * run options schema (src/train/run-options.ts), which fills the defaults. Every problem is reported in one
 * usage error, named as the user wrote it: the flag, or the config file and key.
 */
export async function trainSpecFromFlags(flags: TrainFlags): Promise<RunSpec> {
  const { readRunConfigFile } = await import('../../train/run-config-file.js');
  const { mergeRunOptions, modelOptionNames, parseRunOptions, runConfigKeys } =
    await import('../../train/run-options.js');
  const { runOptionsError, runOptionsFromFlags } = await import('../train-flags.js');
  const file = flags.config ? await readRunConfigFile(flags.config) : {};
  const given: Record<string, unknown> = { ...flags };
  if (flags.taxonomy) {
    const { loadTaxonomyOverrides } = await import('../../data/taxonomy.js');
    given.taxonomyOverrides = await loadTaxonomyOverrides(flags.taxonomy);
  }
  const merged = mergeRunOptions(file, runOptionsFromFlags(given));
  const parsed = parseRunOptions(merged);
  if (parsed.ok) return parsed.spec;
  const model = typeof merged.model === 'string' ? merged.model : 'rf';
  throw runOptionsError(parsed.problems, {
    flags: given,
    configFile: flags.config,
    model,
    modelOptionNames: modelOptionNames(model),
    configKeys: runConfigKeys(),
  });
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
