import { join } from 'node:path';
import { usageError } from '../errors.js';
import { defaultProtocolOf, requireProtocol } from '../data/protocols.js';
import { countOverlap } from '../data/cleaning-report.js';
import { dataSearchPath } from '../data/locate.js';
import { resolveDataset } from '../data/registry.js';
import { withoutFeatures } from '../data/drop-features.js';
import type { DatasetDefinition, Taxonomy } from '../data/schema.js';
import { KDD_TAXONOMY, taxonomyWithOverrides } from '../data/taxonomy.js';
import { formatClassificationReport } from '../evaluate/classification-report.js';
import { describeProtocol, type MetricsFile } from '../evaluate/metrics-file.js';
import { scoreSplit } from '../evaluate/score-split.js';
import type { SplitMetrics } from '../evaluate/split-metrics.js';
import { saveModelDir } from '../models/model-dir.js';
import { buildRocFile, mergeRocFiles, type RocFile } from '../evaluate/roc-file.js';
import { modelDescriptor } from '../models/registry.js';
import { FeaturePipeline } from '../preprocess/pipeline.js';
import { classCoverage, restrictClasses } from '../data/class-coverage.js';
import { holdOut } from './hold-out.js';
import { overlapWarning, refuseLabelLeaks } from './label-leakage.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.js';
import { dedupSplit, loadLabelledSplit, type LabelledSplit } from '../data/labelled-split.js';
import { silentProgress, type ProgressReporter } from '../util/progress-reporter.js';
import type { Callback } from '../fit/callbacks.js';
import { History } from '../fit/history.js';
import { ModelCheckpoint, readLastCheckpoint } from '../fit/model-checkpoint.js';
import { progressCallback } from '../fit/progress-callback.js';
import { resampleTraining } from './resample-training.js';
import type { DedupMode, RunSpec } from './run-spec.js';
import { validationSplit } from './validation-split.js';

/**
 * The seed of a run's validation hold-out, apart from the run's own so the validation rows do not follow
 * the model's initialisation. Exported so an evaluation can cut the same validation rows again.
 */
export function validationSeed(seed: number): number {
  return seed + 7919;
}

export interface RunResult {
  metrics: MetricsFile;
  modelDir: string;
  metricsPath: string;
}

/**
 * One honest training run: the training file is loaded and cleaned, the pipeline and every resampling step
 * are fitted on training rows only, the model is fitted, saved, and only then are the test splits read and
 * scored, once.
 */
export async function runTraining(
  spec: RunSpec,
  progress: ProgressReporter = silentProgress,
): Promise<RunResult> {
  const dataset = withoutFeatures(await resolveDataset(spec.dataset), spec.dropFeatures ?? []);
  const task = spec.task ?? dataset.tasks[0];
  if (!dataset.tasks.includes(task)) {
    throw usageError(
      `dataset "${dataset.name}" does not support task "${task}"; it supports: ${dataset.tasks.join(', ')}`,
    );
  }
  const protocol = requireProtocol(dataset, spec.protocol ?? defaultProtocolOf(dataset));
  if (spec.protocol === undefined) progress.note(`protocol: ${protocol} (the default for ${dataset.name})`);
  const dedup = dedupMode(spec.dedup);
  const descriptor = modelDescriptor(spec.model);
  const taxonomy = taxonomyFor(dataset, spec.taxonomyOverrides);
  const searchPath = dataSearchPath(spec.dataDir);
  const loadOptions = { searchPath, taxonomy, strict: spec.strict, progress };
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    progress.note(`WARNING: ${message}`);
  };

  const trainSplitName =
    spec.trainSplit ?? (protocol === 'official' ? dataset.official.train : dataset.randomSplitSource);
  let train = await loadLabelledSplit(dataset, trainSplitName, task, loadOptions);
  noteUnknownLabels(train, warnings);
  if (dedup === 'before-split') {
    train = dedupSplit(train);
    progress.note(
      `--dedup before-split removed ${train.cleaning.dedupRemoved} duplicate rows of ${trainSplitName}`,
    );
  }
  let heldOut: LabelledSplit | undefined;
  let testNames: string[];
  let protocolDetail: string | undefined;
  if (protocol !== 'official') {
    const parts = holdOut(train, protocol, {
      testFraction: spec.testFraction,
      seed: spec.seed,
      timeSplitBy: spec.timeSplitBy,
    });
    ({ train, test: heldOut, detail: protocolDetail } = parts);
    progress.note(`${protocol}: ${protocolDetail}`);
    testNames = [heldOut.name];
  } else {
    testNames = [...dataset.official.tests];
  }
  if (dedup === 'train-only') {
    train = dedupSplit(train);
    progress.note(`--dedup removed ${train.cleaning.dedupRemoved} duplicate training rows`);
  }
  const coverage = classCoverage(train, heldOut);
  if (coverage.dropped.length) {
    warn(
      `class ${coverage.dropped.map((c) => `"${c}"`).join(', ')} of task ${task} has no rows in ${trainSplitName}; it is left out of this run`,
    );
  }
  if (coverage.onlyInTest.length) {
    warn(
      `class ${coverage.onlyInTest.map((c) => `"${c}"`).join(', ')} occurs only in the test part (${heldOut?.name}); the model has no training rows for it and cannot predict it`,
    );
  }
  if (coverage.absentFromTest.length) {
    warn(
      `class ${coverage.absentFromTest.map((c) => `"${c}"`).join(', ')} has no rows in the test part (${heldOut?.name}); its test figures measure nothing`,
    );
  }
  train = restrictClasses(train, coverage.classes);
  if (heldOut) heldOut = restrictClasses(heldOut, coverage.classes);
  refuseLabelLeaks(train, dataset.name);

  const started = performance.now();
  let fitPart = train;
  let validation: { x: ReturnType<FeaturePipeline['transform']>['x']; y: Int32Array } | undefined;
  let validationPart: LabelledSplit | undefined;
  let validationInfo: Omit<NonNullable<MetricsFile['validation']>, 'metrics' | 'rows'> | undefined;
  if (descriptor.trainsInEpochs || spec.validation) {
    const scheme = spec.validation ?? 'random';
    const parts = validationSplit(train, scheme, spec.validationFraction ?? 0.1, validationSeed(spec.seed));
    ({ fit: fitPart, validation: validationPart } = parts);
    validationInfo = {
      scheme,
      detail: parts.detail,
      ...(parts.fallback ? { fallback: parts.fallback } : {}),
    };
    progress.note(`validation: ${parts.detail}`);
    if (parts.fallback) progress.note(`validation fallback: ${parts.fallback}`);
  }
  progress.start('fit pipeline');
  const pipelineOptions = spec.log1p
    ? { ...spec.pipeline, log1pColumns: dataset.schema.logColumns ?? [] }
    : spec.pipeline;
  const pipeline = new FeaturePipeline(pipelineOptions).fit(fitPart.table);
  const trainX = pipeline.transform(fitPart.table).x;
  if (validationPart) validation = { x: pipeline.transform(validationPart.table).x, y: validationPart.y };
  progress.finish(`${pipeline.nFeatures} features`);

  const resampled = resampleTraining(
    trainX,
    fitPart.y,
    pipeline.featureNames,
    train.classes,
    spec.resample,
    spec.seed,
    progress,
  );
  const model = descriptor.create(spec.modelOptions, spec.seed);
  try {
    const epochs = descriptor.trainsInEpochs ? await epochCallbacks(spec, progress) : undefined;
    if (!epochs) progress.start(`fit ${spec.model}`);
    await model.fit(resampled.x, resampled.y, {
      nClasses: train.classes.length,
      validation,
      onProgress: epochs ? undefined : (done, total, detail) => progress.update(done, total, detail),
      callbacks: epochs?.callbacks,
      resumeFrom: epochs?.resumeFrom,
    });
    const trainSeconds = (performance.now() - started) / 1000;
    if (!epochs) progress.finish(`${resampled.x.rows} rows × ${resampled.x.cols} features`);
    if (epochs) await epochs.history.save(join(spec.out, 'history.json'));

    const modelDir = join(spec.out, 'model');
    await saveModelDir(modelDir, model, pipeline, {
      dataset: dataset.name,
      task,
      protocol,
      seed: spec.seed,
      classes: train.classes,
      inputColumns: [...dataset.schema.columns],
      featureNames: pipeline.featureNames,
      datasetDefinition: dataset,
      ...(dataset.schema.featureSet ? { featureSet: dataset.schema.featureSet } : {}),
      // How a one-file protocol cut the file, so zero-day training and its figures cut it again the same way.
      ...(protocol !== 'official'
        ? { holdOut: { testFraction: spec.testFraction, timeSplitBy: spec.timeSplitBy } }
        : {}),
    });

    // Validation rows come from the training file: scoring them is what model selection may look at.
    let validationMetrics: MetricsFile['validation'];
    if (validation && validationInfo) {
      const scored = await scoreSplit(model, validation.x, validation.y, train.classes);
      validationMetrics = { ...validationInfo, rows: validation.y.length, metrics: scored.metrics };
    }

    // The test splits are read here, after every choice has been made, and only once.
    const splits: Record<string, SplitMetrics> = {};
    const cleaning: MetricsFile['cleaning']['splits'] = { [trainSplitName]: train.cleaning };
    const reports: string[] = [];
    const rocFiles: RocFile[] = [];
    // A selection run (spec.skipTests) is judged on its validation rows only: no test file is read.
    for (const name of spec.skipTests ? [] : testNames) {
      let test = heldOut ?? (await loadLabelledSplit(dataset, name, task, loadOptions));
      if (!heldOut) {
        noteUnknownLabels(test, warnings);
        test = restrictClasses(test, coverage.classes);
        if (dedup === 'before-split') test = dedupSplit(test);
      }
      const overlap = countOverlap(train.rowKeys, test.rowKeys);
      const overlapText = `${name}: ${overlap.toLocaleString('en-US')} of ${test.y.length.toLocaleString('en-US')} test rows also occur in the training data`;
      const tooMuch = overlapWarning(name, overlap, test.y.length, protocol);
      if (tooMuch) warn(tooMuch);
      else progress.note(overlapText);
      const transformed = pipeline.transform(test.table);
      progress.start(`score ${name}`, test.table.nRows, 'rows');
      const scored = await scoreSplit(model, transformed.x, test.y, train.classes);
      progress.finish();
      splits[name] = scored.metrics;
      cleaning[name] = {
        ...test.cleaning,
        overlapWithTrain: overlap,
        unknownCategories: transformed.unknownCategories,
        clippedValues: transformed.clipped,
      };
      reports.push(`${name}\n${formatClassificationReport(train.classes, test.y, scored.yPred)}`);
      rocFiles.push(buildRocFile(train.classes, test.y, scored.scores, name));
    }

    const metrics: MetricsFile = {
      formatVersion: 1,
      dataset: dataset.name,
      task,
      protocol,
      protocolDescription: describeProtocol(protocol, trainSplitName, testNames, protocolDetail),
      model: spec.model,
      modelOptions: { ...model.options },
      seed: spec.seed,
      classes: train.classes,
      trainSplit: trainSplitName,
      trainRows: resampled.x.rows,
      trainSeconds,
      cleaning: { splits: cleaning, resampling: resampled.summary },
      splits,
      createdAt: new Date().toISOString(),
      warnings,
      ...(dedup ? { dedup } : {}),
      ...(validationMetrics ? { validation: validationMetrics } : {}),
      ...(spec.log1p ? { log1p: true } : {}),
    };
    const metricsPath = join(spec.out, 'metrics.json');
    await writeJsonAtomic(join(spec.out, 'roc.json'), mergeRocFiles(...rocFiles));
    await writeFileAtomic(
      join(spec.out, 'classification-report.txt'),
      `${metrics.protocolDescription}\n\n${reports.join('\n')}`,
    );
    // metrics.json is written last: its presence marks a finished run (compare resumes on it).
    await writeJsonAtomic(metricsPath, metrics);
    return { metrics, modelDir, metricsPath };
  } finally {
    await model.dispose();
  }
}

export function taxonomyFor(
  dataset: DatasetDefinition,
  overrides?: Record<string, string>,
): Taxonomy | undefined {
  if (!overrides || Object.keys(overrides).length === 0) return undefined;
  return taxonomyWithOverrides(dataset.schema.taxonomy ?? KDD_TAXONOMY, overrides);
}

/** Progress, checkpoints and history for models that train in epochs; reads the last checkpoint for --resume. */
async function epochCallbacks(
  spec: RunSpec,
  progress: ProgressReporter,
): Promise<{
  callbacks: Callback[];
  history: History;
  resumeFrom?: Awaited<ReturnType<typeof readLastCheckpoint>>;
}> {
  const checkpointDir = join(spec.out, 'checkpoints');
  const history = new History();
  const resumeFrom = spec.resume ? await readLastCheckpoint(checkpointDir) : undefined;
  if (spec.resume && !resumeFrom) progress.note(`no checkpoint in ${checkpointDir}: starting from scratch`);
  if (resumeFrom) {
    if (resumeFrom.state.history) history.restore(resumeFrom.state.history);
    progress.note(`resuming after ${resumeFrom.state.stage} epoch ${resumeFrom.state.epoch + 1}`);
  }
  const checkpoint = new ModelCheckpoint({ dir: checkpointDir, history: () => history.data });
  return { callbacks: [history, checkpoint, progressCallback(progress)], history, resumeFrom };
}

function dedupMode(value: RunSpec['dedup']): DedupMode | undefined {
  if (value === true) return 'train-only';
  return value === false ? undefined : value;
}

/** Unknown labels were already printed while loading; the metrics file keeps them among the warnings. */
function noteUnknownLabels(split: LabelledSplit, warnings: string[]): void {
  const n = Object.values(split.cleaning.unknownLabels).reduce((sum, k) => sum + k, 0);
  if (n > 0) {
    warnings.push(
      `${split.name}: ${n} rows left out because their label is not in the taxonomy (${Object.keys(split.cleaning.unknownLabels).join(', ')})`,
    );
  }
}
