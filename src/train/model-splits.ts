import { loadLabelledSplit, subsetSplit, type LabelledSplit } from '../data/labelled-split.js';
import type { DatasetDefinition } from '../data/schema.js';
import type { ModelManifest } from '../models/model-dir.js';
import { stratifiedSplit } from '../preprocess/stratified-split.js';
import { silentProgress } from '../util/progress-reporter.js';
import { holdOut } from './hold-out.js';

type LoadOptions = Parameters<typeof loadLabelledSplit>[3];

export interface ModelSplitOptions {
  /** Split whose rows the model trained on. Default: the official training split, or the one-file source. */
  trainSplit?: string;
  /** One-file models: the hold-out fraction they were trained with (default: the protocol's). */
  testFraction?: number;
  searchPath: LoadOptions['searchPath'];
  /** Load the official test split too (one-file protocols cut it anyway). Default true. */
  withTest?: boolean;
  progress?: LoadOptions['progress'];
}

/**
 * The rows a saved model was trained on and tested on, cut again as its training run cut them: the official
 * training split and first test split, or the same hold-out of the one file (same seed; random-split
 * stratified by the model's own task labels, as the run did). Labels are the `binary` task's, except for
 * random-split (its task's). `test` is undefined when the dataset has no test split for the protocol.
 */
export async function modelSplits(
  manifest: ModelManifest,
  dataset: DatasetDefinition,
  options: ModelSplitOptions,
): Promise<{ train: LabelledSplit; test: LabelledSplit | undefined }> {
  const official = manifest.protocol === 'official';
  const splitName = options.trainSplit ?? (official ? dataset.official.train : dataset.randomSplitSource);
  const load: LoadOptions = { searchPath: options.searchPath, progress: options.progress ?? silentProgress };
  if (manifest.protocol === 'random-split') {
    const task = manifest.task as Parameters<typeof loadLabelledSplit>[2];
    const full = await loadLabelledSplit(dataset, splitName, task, load);
    const parts = stratifiedSplit(
      full.y,
      options.testFraction ?? manifest.holdOut?.testFraction ?? 0.2,
      manifest.seed,
    );
    return {
      train: subsetSplit(full, parts.train, splitName),
      test: subsetSplit(full, parts.test, `${splitName} (hold-out)`),
    };
  }
  if (manifest.protocol === 'time-split' || manifest.protocol === 'group-split') {
    // The cut depends on times or groups and the seed, not on the task's labels.
    const full = await loadLabelledSplit(dataset, splitName, 'binary', load);
    const parts = holdOut(full, manifest.protocol, {
      testFraction: options.testFraction ?? manifest.holdOut?.testFraction,
      seed: manifest.seed,
      timeSplitBy: manifest.holdOut?.timeSplitBy,
    });
    return { train: parts.train, test: parts.test };
  }
  const train = await loadLabelledSplit(dataset, splitName, 'binary', load);
  const testName = dataset.official.tests[0];
  const wanted = options.withTest ?? true;
  const test =
    testName === undefined || !wanted
      ? undefined
      : await loadLabelledSplit(dataset, testName, 'binary', load);
  return { train, test };
}
