import type { Matrix } from '../preprocess/matrix.js';
import { smote } from '../preprocess/smote.js';
import { randomUndersample } from '../preprocess/undersample.js';
import type { ProgressReporter } from '../util/progress-reporter.js';
import type { ResampleOptions } from './run-spec.js';

export interface ResampleSummary {
  smoteAdded?: Record<string, number>;
  undersampleRemoved?: Record<string, number>;
}

/**
 * Applies undersampling, then SMOTE, to the training rows only. One-hot columns (named `column=value`
 * by the pipeline) are marked binary so SMOTE keeps them 0/1.
 */
export function resampleTraining(
  x: Matrix,
  y: Int32Array,
  featureNames: readonly string[],
  classes: readonly string[],
  options: ResampleOptions | undefined,
  seed: number,
  progress: ProgressReporter,
): { x: Matrix; y: Int32Array; summary?: ResampleSummary } {
  if (!options || (!options.smote && options.undersampleMaxPerClass === undefined)) return { x, y };
  const summary: ResampleSummary = {};
  let current = { x, y };
  if (options.undersampleMaxPerClass !== undefined) {
    const cut = randomUndersample(current.x, current.y, {
      maxPerClass: options.undersampleMaxPerClass,
      seed,
    });
    summary.undersampleRemoved = byClassName(cut.removed, classes);
    current = cut;
    progress.note(`undersampling removed ${sum(cut.removed)} training rows`);
  }
  if (options.smote) {
    const grown = smote(current.x, current.y, {
      k: options.smoteK,
      targetRatio: options.smoteRatio,
      seed,
      binaryColumns: featureNames.map((name) => name.includes('=')),
    });
    summary.smoteAdded = byClassName(grown.added, classes);
    current = grown;
    progress.note(`SMOTE added ${sum(grown.added)} synthetic training rows`);
  }
  return { ...current, summary };
}

function byClassName(record: Record<number, number>, classes: readonly string[]): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [classes[Number(k)] ?? k, v]));
}

function sum(record: Record<number, number>): number {
  return Object.values(record).reduce((a, b) => a + b, 0);
}
