import { join } from 'node:path';

import { IotIdsError, usageError } from '../../errors.js';
import { exists } from '../../util/atomic-dir.js';
import { readModelDir, type ModelManifest } from '../model-dir.js';
import { AnomalyDetector } from './anomaly-detector.js';

/** Folder of a model directory that holds its zero-day anomaly detector. */
export const ZERO_DAY_FOLDER = 'zero-day';
/** The model directory's pipeline file, whose checksum ties a zero-day detector to the features it learned. */
export const PIPELINE_FILE = 'pipeline.json';

export function zeroDayDir(modelDir: string): string {
  return join(modelDir, ZERO_DAY_FOLDER);
}

/**
 * Loads `<modelDir>/zero-day/` (or `dir`), checking it was trained on features from this model's pipeline
 * (a model retrained in place replaces the whole directory, but a copied-in detector could be stale).
 */
export async function loadZeroDay(
  modelDir: string,
  manifest?: ModelManifest,
  dir = zeroDayDir(modelDir),
): Promise<AnomalyDetector> {
  if (!(await exists(dir))) {
    throw usageError(
      `${dir} does not exist: train the zero-day anomaly detector for this model first (iot-ids zero-day train)`,
    );
  }
  const { manifest: own } = manifest ? { manifest } : await readModelDir(modelDir);
  const detector = await AnomalyDetector.load(dir);
  const expected = own.files[PIPELINE_FILE];
  const recorded = detector.info.pipelineSha256;
  if (detector.nFeatures !== own.featureNames.length || (recorded !== undefined && recorded !== expected)) {
    detector.dispose();
    throw new IotIdsError(
      `the zero-day detector was trained on features of another pipeline than this model's; train it again`,
      { location: { file: join(dir, 'zero-day.json') } },
    );
  }
  return detector;
}
