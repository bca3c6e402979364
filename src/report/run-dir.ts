import { basename, join, resolve } from 'node:path';
import { IotIdsError } from '../errors.js';
import type { MetricsFile } from '../evaluate/metrics-file.js';
import type { HistoryFile } from '../fit/history.js';
import type { RocFile } from '../evaluate/roc-file.js';
import {
  isFileNotFound,
  parseHistoryFile,
  parseMetricsFile,
  parseRocFile,
  readJsonFile,
} from './run-files.js';

/** An optional file of a run: its content, or why there is none (shown in the report instead). */
export type Optional<T> = { value: T; problem: null } | { value: null; problem: string };

export interface RunDirContents {
  dir: string;
  /** The directory's name, used as the run id. */
  id: string;
  metrics: MetricsFile;
  history: Optional<HistoryFile>;
  roc: Optional<RocFile>;
}

/**
 * Reads a run directory. metrics.json is required (without it this is not a run); history.json and
 * roc.json are optional, and a missing or unreadable one is recorded as a problem, not thrown.
 */
export async function loadRunDir(dir: string): Promise<RunDirContents> {
  const metricsPath = join(dir, 'metrics.json');
  let metrics: MetricsFile;
  try {
    metrics = parseMetricsFile(await readJsonFile(metricsPath), metricsPath);
  } catch (error) {
    if (isFileNotFound(error)) {
      throw new IotIdsError(`no metrics.json in ${dir}: is this a run directory (runs/<id>)?`, {
        kind: 'usage',
      });
    }
    throw error;
  }
  return {
    dir,
    id: basename(resolve(dir)),
    metrics,
    history: await readOptional(
      join(dir, 'history.json'),
      parseHistoryFile,
      'only models that train in epochs write one',
    ),
    roc: await readOptional(
      join(dir, 'roc.json'),
      parseRocFile,
      'runs written before ROC curves were saved have none',
    ),
  };
}

/** Reads an optional JSON file of a run directory, turning every failure into a stated problem. */
export async function readOptional<T>(
  path: string,
  parse: (raw: unknown, file: string) => T,
  whyMissing: string,
): Promise<Optional<T>> {
  try {
    return { value: parse(await readJsonFile(path), path), problem: null };
  } catch (error) {
    if (isFileNotFound(error)) {
      return { value: null, problem: `${basename(path)} is not in the run directory (${whyMissing})` };
    }
    // The report names the file, not where it sat on this machine.
    return { value: null, problem: (error as Error).message.split(path).join(basename(path)) };
  }
}
