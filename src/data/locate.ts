import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { IotIdsError } from '../errors.js';
import { DATASETS, splitByName } from './registry.js';
import type { DatasetDefinition, SplitFile } from './schema.js';

/**
 * Where a split file was found: `--data-dir`, `IOT_IDS_DATA_DIR`, the per-user download cache, or (for user
 * schema files) next to the schema file / at the absolute path it names.
 */
export type DataSource = 'flag' | 'env' | 'cache' | 'schema';

export interface SearchEntry {
  dir: string;
  source: DataSource;
}

export interface LocatedSplit {
  path: string;
  source: DataSource;
}

/** Per-user download folder: $IOT_IDS_CACHE_DIR, else $XDG_CACHE_HOME/iot-ids/data, else ~/.cache/iot-ids/data. */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.IOT_IDS_CACHE_DIR) return resolve(env.IOT_IDS_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return resolve(env.XDG_CACHE_HOME, 'iot-ids', 'data');
  return join(env.HOME || homedir(), '.cache', 'iot-ids', 'data');
}

/** Folders searched for data, first hit wins: --data-dir, then $IOT_IDS_DATA_DIR, then the user cache. */
export function dataSearchPath(flagDir?: string, env: NodeJS.ProcessEnv = process.env): SearchEntry[] {
  const entries: SearchEntry[] = [];
  if (flagDir) entries.push({ dir: resolve(flagDir), source: 'flag' });
  if (env.IOT_IDS_DATA_DIR) entries.push({ dir: resolve(env.IOT_IDS_DATA_DIR), source: 'env' });
  entries.push({ dir: userCacheDir(env), source: 'cache' });
  return entries;
}

/** The declared file name first, then the same name with `.gz` removed or added: either form is accepted. */
function nameVariants(file: string): string[] {
  return file.endsWith('.gz') ? [file, file.slice(0, -3)] : [file, `${file}.gz`];
}

/** Every path looked at for `split`, in order, with the source each belongs to. */
export function candidatePaths(
  dataset: DatasetDefinition,
  split: SplitFile,
  searchPath: readonly SearchEntry[],
): LocatedSplit[] {
  if (isAbsolute(split.file)) return nameVariants(split.file).map((path) => ({ path, source: 'schema' }));
  const candidates: LocatedSplit[] = [];
  if (dataset.baseDir !== undefined) {
    for (const v of nameVariants(split.file))
      candidates.push({ path: resolve(dataset.baseDir, v), source: 'schema' });
  }
  for (const entry of searchPath) {
    for (const v of nameVariants(split.file))
      candidates.push({ path: join(entry.dir, v), source: entry.source });
  }
  return candidates;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export async function locateSplit(
  dataset: DatasetDefinition,
  split: string,
  searchPath: readonly SearchEntry[],
): Promise<LocatedSplit | undefined> {
  const spec = splitByName(dataset, split);
  for (const candidate of candidatePaths(dataset, spec, searchPath)) {
    if (await isFile(candidate.path)) return candidate;
  }
  return undefined;
}

const SOURCE_LABEL: Record<DataSource, string> = {
  flag: '--data-dir',
  env: 'IOT_IDS_DATA_DIR',
  cache: 'download cache',
  schema: 'schema file',
};

function howToGet(dataset: DatasetDefinition, spec: SplitFile, searchPath: readonly SearchEntry[]): string {
  const pointAt = `point --data-dir (or IOT_IDS_DATA_DIR) at a folder that holds ${spec.file} (gzipped or not)`;
  if (dataset.baseDir !== undefined) return `Put the file there, or ${pointAt}.`;
  if (spec.url === undefined) {
    return `No download location is known for this file: get it from the publisher and ${pointAt}, or fetch it from a mirror that has it (IOT_IDS_MIRROR).`;
  }
  const cache = searchPath.find((e) => e.source === 'cache')?.dir;
  return `Download it with \`iot-ids fetch ${dataset.name}\`${cache ? ` (into ${cache})` : ''}, or ${pointAt}.`;
}

/** The path of `split`, or an error listing every place searched and how to get the file. */
export async function requireSplit(
  dataset: DatasetDefinition,
  split: string,
  searchPath: readonly SearchEntry[],
): Promise<string> {
  const found = await locateSplit(dataset, split, searchPath);
  if (found) return found.path;
  const spec = splitByName(dataset, split);
  const searched = candidatePaths(dataset, spec, searchPath)
    .map((c) => `  ${c.path} (${SOURCE_LABEL[c.source]})`)
    .join('\n');
  throw new IotIdsError(
    `split ${split} of dataset ${dataset.name} not found. Searched:\n${searched}\n${howToGet(dataset, spec, searchPath)}`,
  );
}

export interface DatasetStatus {
  dataset: string;
  split: string;
  found: boolean;
  path?: string;
  source?: DataSource;
  /** Row count declared by the registry (files are not read, so this stays fast). */
  rows?: number;
  optional?: boolean;
}

/** Which split files of `datasets` (default: the built-in ones) can be found, for `iot-ids datasets`. */
export async function describeDatasets(
  searchPath: readonly SearchEntry[],
  datasets: readonly DatasetDefinition[] = Object.values(DATASETS),
): Promise<DatasetStatus[]> {
  const statuses: DatasetStatus[] = [];
  for (const dataset of datasets) {
    for (const spec of dataset.splits) {
      const found = await locateSplit(dataset, spec.name, searchPath);
      statuses.push({
        dataset: dataset.name,
        split: spec.name,
        found: found !== undefined,
        path: found?.path,
        source: found?.source,
        rows: spec.rows,
        optional: spec.optional,
      });
    }
  }
  return statuses;
}
