import { join } from 'node:path';
import { IotIdsError, usageError } from '../errors.js';
import { countOverlap } from '../data/cleaning-report.js';
import { dataSearchPath } from '../data/locate.js';
import { resolveDataset } from '../data/registry.js';
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
import { stratifiedSplit } from '../preprocess/stratified-split.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.js';
import { dedupSplit, loadLabelledSplit, subsetSplit, type LabelledSplit } from '../data/labelled-split.js';
import { silentProgress, type ProgressReporter } from '../util/progress-reporter.js';
import type { Callback } from '../fit/callbacks.js';
import { History } from '../fit/history.js';
import { ModelCheckpoint, readLastCheckpoint } from '../fit/model-checkpoint.js';
import { progressCallback } from '../fit/progress-callback.js';
import { resampleTraining } from './resample-training.js';
import type { RunSpec } from './run-spec.js';

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
  const dataset = await resolveDataset(spec.dataset);
  if (!dataset.tasks.includes(spec.task)) {
    throw usageError(
      `dataset "${dataset.name}" does not support task "${spec.task}"; it supports: ${dataset.tasks.join(', ')}`,
    );
  }
  const descriptor = modelDescriptor(spec.model);
  const taxonomy = taxonomyFor(dataset, spec.taxonomyOverrides);
  const searchPath = dataSearchPath(spec.dataDir);
  const loadOptions = { searchPath, taxonomy, strict: spec.strict, progress };

  const trainSplitName =
    spec.trainSplit ?? (spec.protocol === 'official' ? dataset.official.train : dataset.randomSplitSource);
  let train = await loadLabelledSplit(dataset, trainSplitName, spec.task, loadOptions);
  let heldOut: LabelledSplit | undefined;
  let testNames: string[];
  if (spec.protocol === 'random-split') {
    const fraction = spec.testFraction ?? 0.2;
    const parts = stratifiedSplit(train.y, fraction, spec.seed);
    const name = `${trainSplitName} (random ${Math.round(fraction * 100)}% hold-out)`;
    heldOut = subsetSplit(train, parts.test, name);
    train = subsetSplit(train, parts.train, trainSplitName);
    testNames = [name];
  } else {
    testNames = [...dataset.official.tests];
  }
  if (spec.dedup) {
    train = dedupSplit(train);
    progress.note(`--dedup removed ${train.cleaning.dedupRemoved} duplicate training rows`);
  }
  assertEveryClassPresent(train);

  const started = performance.now();
  let fitPart = train;
  let validation: { x: ReturnType<FeaturePipeline['transform']>['x']; y: Int32Array } | undefined;
  let validationPart: LabelledSplit | undefined;
  if (descriptor.trainsInEpochs) {
    const parts = stratifiedSplit(train.y, spec.validationFraction ?? 0.1, spec.seed + 7919);
    validationPart = subsetSplit(train, parts.test, `${trainSplitName} (validation)`);
    fitPart = subsetSplit(train, parts.train, trainSplitName);
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
      task: spec.task,
      protocol: spec.protocol,
      seed: spec.seed,
      classes: train.classes,
      inputColumns: [...dataset.schema.columns],
      featureNames: pipeline.featureNames,
    });

    // The test splits are read here, after every choice has been made, and only once.
    const splits: Record<string, SplitMetrics> = {};
    const cleaning: MetricsFile['cleaning']['splits'] = { [trainSplitName]: train.cleaning };
    const reports: string[] = [];
    const rocFiles: RocFile[] = [];
    for (const name of testNames) {
      const test = heldOut ?? (await loadLabelledSplit(dataset, name, spec.task, loadOptions));
      const transformed = pipeline.transform(test.table);
      progress.start(`score ${name}`, test.table.nRows, 'rows');
      const scored = await scoreSplit(model, transformed.x, test.y, train.classes);
      progress.finish();
      splits[name] = scored.metrics;
      cleaning[name] = {
        ...test.cleaning,
        overlapWithTrain: countOverlap(train.rowKeys, test.rowKeys),
        unknownCategories: transformed.unknownCategories,
        clippedValues: transformed.clipped,
      };
      reports.push(`${name}\n${formatClassificationReport(train.classes, test.y, scored.yPred)}`);
      rocFiles.push(buildRocFile(train.classes, test.y, scored.scores, name));
    }

    const metrics: MetricsFile = {
      formatVersion: 1,
      dataset: dataset.name,
      task: spec.task,
      protocol: spec.protocol,
      protocolDescription: describeProtocol(spec.protocol, trainSplitName, testNames),
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

function assertEveryClassPresent(train: LabelledSplit): void {
  const counts = new Array<number>(train.classes.length).fill(0);
  for (const c of train.y) counts[c]++;
  const missing = train.classes.filter((_, i) => counts[i] === 0);
  if (missing.length) {
    throw new IotIdsError(
      `class ${missing.map((m) => `"${m}"`).join(', ')} has no training rows in ${train.name}; the model could never predict it. Use a task without it or a larger training file`,
      { location: { file: train.path } },
    );
  }
}
