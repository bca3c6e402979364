import { createHash } from 'node:crypto';
import { TIME_SPLIT_BY, type TimeSplitBy } from '../preprocess/time-split.js';
import { constants, type Stats } from 'node:fs';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { IotIdsError } from '../errors.js';
import type { ColumnSpec, DatasetDefinition } from '../data/schema.js';
import { FeaturePipeline } from '../preprocess/pipeline.js';
import { recoverDirAtomic, writeDirAtomic } from '../util/atomic-dir.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import type { Classifier } from './estimator.js';

/** 2: the manifest carries every file's size and a digest over itself (1 had neither and is refused). */
export const MODEL_FORMAT_VERSION = 2;
const MANIFEST = 'manifest.json';
const PIPELINE = 'pipeline.json';
/** A manifest is a few kilobytes; anything this large is not one. */
const MAX_MANIFEST_BYTES = 4 << 20;
/**
 * Entries of a model directory the manifest does not list because another part adds and verifies them:
 * the zero-day anomaly detector (`zero-day/`) and the temporary copies its atomic write leaves meanwhile.
 */
const ADD_ON_DIRS = ['zero-day'];

function isAddOn(name: string): boolean {
  return ADD_ON_DIRS.some((dir) => name === dir || name.startsWith(`.${dir}.`));
}

/** Reading and verifying a model directory gives up after this long by default (a stuck mount). */
const DEFAULT_READ_TIMEOUT_MS = 120_000;

/** What a saved model directory says about itself; loading checks every field before using any file. */
export interface ModelManifest {
  formatVersion: number;
  kind: string;
  options: Record<string, unknown>;
  dataset: string;
  task: string;
  protocol: string;
  seed: number;
  classes: string[];
  /** Raw columns the pipeline expects (the feature schema), in file order. */
  inputColumns: ColumnSpec[];
  featureNames: string[];
  /**
   * The whole dataset definition the model was trained with (columns and types, header, delimiter,
   * taxonomy, time and group columns, split files), so `evaluate`, `detect` and `consume` need only the
   * model directory. Absent in models saved before it was stored.
   */
  datasetDefinition?: DatasetDefinition;
  /** Name of the feature set the input columns come from (e.g. a traffic feature extractor), if any. */
  featureSet?: string;
  /**
   * One-file protocols: how the file was cut (the test fraction given, if any, and for time-split whether by
   * rows or by elapsed time), so later steps can cut it again exactly. Absent: the protocol's defaults.
   */
  holdOut?: { testFraction?: number; timeSplitBy?: TimeSplitBy };
  /** SHA-256 of every file in the directory except the manifest itself; no other file may be there. */
  files: Record<string, string>;
  /** Size in bytes of every file in `files`: the most that is read of it. */
  fileSizes: Record<string, number>;
  createdAt: string;
  /**
   * SHA-256 over the manifest's other fields (`manifestDigest`), so a change to the manifest itself —
   * swapped class names, a file dropped from `files` — is refused like a change to a file.
   */
  digest: string;
}

const manifestSchema = z.object({
  formatVersion: z.number().int(),
  kind: z.string().min(1),
  options: z.record(z.string(), z.unknown()),
  dataset: z.string(),
  task: z.string(),
  protocol: z.string(),
  seed: z.number(),
  classes: z.array(z.string()).min(2),
  inputColumns: z.array(
    z.object({ name: z.string(), type: z.enum(['numeric', 'categorical', 'label', 'ignore']) }),
  ),
  featureNames: z.array(z.string()),
  // Checked in depth where it is used (models/model-dataset.ts); here only its outline.
  datasetDefinition: z
    .looseObject({
      name: z.string(),
      schema: z.looseObject({ name: z.string(), columns: z.array(z.looseObject({ name: z.string() })) }),
      splits: z.array(z.looseObject({ name: z.string(), file: z.string() })),
      official: z.looseObject({ train: z.string(), tests: z.array(z.string()) }),
      tasks: z.array(z.string()),
    })
    .optional(),
  featureSet: z.string().optional(),
  holdOut: z
    .object({
      testFraction: z.number().gt(0).lt(1).optional(),
      timeSplitBy: z.enum(TIME_SPLIT_BY).optional(),
    })
    .strict()
    .optional(),
  files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
  fileSizes: z.record(z.string(), z.number().int().nonnegative()),
  createdAt: z.string(),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
});

export type ManifestInfo = Omit<
  ModelManifest,
  'formatVersion' | 'kind' | 'options' | 'files' | 'fileSizes' | 'createdAt' | 'digest'
>;

export interface ReadModelDirOptions {
  /** Give up reading and verifying after this long, in ms. Default 120 s. */
  timeoutMs?: number;
}

/**
 * Saves model + fitted pipeline into `dir` atomically: everything is written into a sibling temporary
 * directory that replaces `dir` only once complete, so a crash never leaves a half-written model.
 */
export async function saveModelDir(
  dir: string,
  model: Classifier,
  pipeline: FeaturePipeline,
  info: ManifestInfo,
): Promise<ModelManifest> {
  return writeDirAtomic(dir, async (temp) => {
    const modelFiles = await model.save(temp);
    await writeJsonAtomic(join(temp, PIPELINE), pipeline.toJSON());
    const files: Record<string, string> = {};
    const fileSizes: Record<string, number> = {};
    for (const name of [...modelFiles, PIPELINE]) {
      const bytes = await readFile(join(temp, name));
      files[name] = sha256(bytes);
      fileSizes[name] = bytes.byteLength;
    }
    const unsigned: Omit<ModelManifest, 'digest'> = {
      formatVersion: MODEL_FORMAT_VERSION,
      kind: model.kind,
      options: { ...model.options },
      files,
      fileSizes,
      createdAt: new Date().toISOString(),
      ...info,
    };
    const manifest: ModelManifest = { ...unsigned, digest: manifestDigest(unsigned) };
    await writeJsonAtomic(join(temp, MANIFEST), manifest);
    return manifest;
  });
}

/**
 * Reads and verifies a model directory; never executes anything from it, and every way it can be wrong is
 * an `IotIdsError` naming the file. The manifest must be a regular file of at most 4 MiB whose digest
 * matches; the directory must hold exactly the files it lists; each of those must be a regular file (no
 * symbolic link, device or FIFO) of the listed size, read no further than that size, with the listed
 * SHA-256. All of it within `timeoutMs`. A crash between `writeDirAtomic`'s renames is repaired first.
 */
export async function readModelDir(
  dir: string,
  options: ReadModelDirOptions = {},
): Promise<{ manifest: ModelManifest; pipeline: FeaturePipeline }> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new IotIdsError(`reading the model directory took longer than ${timeoutMs} ms; gave up`, {
            location: { file: dir },
          }),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([readVerifiedModelDir(dir), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

async function readVerifiedModelDir(
  dir: string,
): Promise<{ manifest: ModelManifest; pipeline: FeaturePipeline }> {
  await recoverDirAtomic(dir);
  const manifestPath = join(dir, MANIFEST);
  const manifestBytes = await readRegularFile(manifestPath, MAX_MANIFEST_BYTES, {
    missing: `not a model directory: ${MANIFEST} is missing`,
  });
  const raw = parseJson(manifestBytes, manifestPath);
  const version = (raw as { formatVersion?: unknown } | null)?.formatVersion;
  if (version === 1) {
    throw new IotIdsError(
      'model format version 1 has no manifest digest or file sizes, so it cannot be verified; ' +
        'train the model again with this iot-ids',
      { location: { file: manifestPath, field: 'formatVersion' } },
    );
  }
  if (typeof version === 'number' && version !== MODEL_FORMAT_VERSION) {
    throw new IotIdsError(
      `model format version ${version} is not supported (this iot-ids reads version ${MODEL_FORMAT_VERSION})`,
      { location: { file: manifestPath, field: 'formatVersion' } },
    );
  }
  const manifest = parseManifest(raw, manifestPath);
  const names = Object.keys(manifest.files);
  for (const name of names) {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.') || name === MANIFEST) {
      throw new IotIdsError(`file name "${name}" is not allowed`, {
        location: { file: manifestPath, field: 'files' },
      });
    }
  }
  const sized = Object.keys(manifest.fileSizes);
  if (sized.length !== names.length || names.some((name) => manifest.fileSizes[name] === undefined)) {
    throw new IotIdsError('fileSizes must list exactly the files in files', {
      location: { file: manifestPath, field: 'fileSizes' },
    });
  }
  const { digest, ...unsigned } = manifest;
  const expectedDigest = manifestDigest(unsigned, manifestPath);
  if (digest !== expectedDigest) {
    throw new IotIdsError(
      `manifest digest mismatch (expected ${digest}, computed ${expectedDigest}): the manifest was modified`,
      { location: { file: manifestPath, field: 'digest' } },
    );
  }
  if (!manifest.files[PIPELINE]) {
    throw new IotIdsError(`${PIPELINE} is not listed in the manifest`, {
      location: { file: manifestPath, field: 'files' },
    });
  }
  let present: string[];
  try {
    present = await readdir(dir);
  } catch (error) {
    throw fileError(error, dir);
  }
  for (const name of present) {
    if (name !== MANIFEST && !Object.hasOwn(manifest.files, name) && !isAddOn(name)) {
      throw new IotIdsError('file is not listed in the manifest; a model directory holds only its files', {
        location: { file: join(dir, name) },
      });
    }
  }
  let pipelineBytes: Buffer | undefined;
  for (const name of names) {
    const path = join(dir, name);
    const bytes = await readRegularFile(path, manifest.fileSizes[name], {
      missing: 'model file is missing',
      exactSize: true,
    });
    const actual = sha256(bytes);
    if (actual !== manifest.files[name]) {
      throw new IotIdsError(
        `checksum mismatch (expected ${manifest.files[name]}, found ${actual}): the file was modified or damaged`,
        { location: { file: path } },
      );
    }
    if (name === PIPELINE) pipelineBytes = bytes;
  }
  const pipelinePath = join(dir, PIPELINE);
  let pipeline: FeaturePipeline;
  try {
    pipeline = FeaturePipeline.fromJSON(parseJson(pipelineBytes!, pipelinePath));
  } catch (error) {
    if (error instanceof IotIdsError && error.location.file === pipelinePath) throw error;
    throw new IotIdsError(`invalid fitted pipeline: ${(error as Error).message}`, {
      location: { file: pipelinePath },
      cause: error,
    });
  }
  if (pipeline.nFeatures !== manifest.featureNames.length) {
    throw new IotIdsError(
      `pipeline produces ${pipeline.nFeatures} features but the manifest lists ${manifest.featureNames.length}`,
      { location: { file: pipelinePath } },
    );
  }
  return { manifest, pipeline };
}

/**
 * SHA-256 over a manifest without its digest: its JSON with object keys sorted, so the digest does not
 * depend on how a writer orders fields.
 */
export function manifestDigest(manifest: Omit<ModelManifest, 'digest'>, path = MANIFEST): string {
  let canonical: string;
  try {
    canonical = JSON.stringify(manifest, (_key, value: unknown) =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : value,
    );
  } catch (error) {
    throw new IotIdsError(`manifest cannot be digested: ${(error as Error).message}`, {
      location: { file: path },
      cause: error,
    });
  }
  return sha256(Buffer.from(canonical, 'utf8'));
}

/** Node's file-kind test names for a message ("a directory", "a FIFO"). */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  return 'not a file';
}

/**
 * The bytes of `path`, which must be a regular file (not a symbolic link, which could point at /dev/zero;
 * opened non-blocking, so a FIFO cannot hang the open) of at most `maxBytes` (exactly, with `exactSize`).
 * Never reads past that size, whatever the file does meanwhile.
 */
async function readRegularFile(
  path: string,
  maxBytes: number,
  options: { missing: string; exactSize?: boolean },
): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new IotIdsError(options.missing, { location: { file: path } });
    }
    throw fileError(error, path);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new IotIdsError(`not a regular file (${kindOf(stats)}); a model directory holds only files`, {
        location: { file: path },
      });
    }
    if (stats.size > maxBytes || (options.exactSize && stats.size !== maxBytes)) {
      throw new IotIdsError(
        `file has ${stats.size} bytes but the manifest says ${options.exactSize ? '' : 'at most '}${maxBytes}`,
        { location: { file: path } },
      );
    }
    const bytes = Buffer.alloc(stats.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled !== stats.size) {
      throw new IotIdsError(`file shrank while it was read (${filled} of ${stats.size} bytes)`, {
        location: { file: path },
      });
    }
    return bytes;
  } catch (error) {
    if (error instanceof IotIdsError) throw error;
    throw fileError(error, path);
  } finally {
    await handle.close();
  }
}

/** A file-system error as an `IotIdsError` with a readable reason (no stack trace for the user). */
function fileError(error: unknown, path: string): IotIdsError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ELOOP'
      ? 'not a regular file (a symbolic link); a model directory holds only files'
      : code === 'EISDIR'
        ? 'not a regular file (a directory); a model directory holds only files'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'ENOTDIR'
            ? 'not a directory'
            : `cannot be read (${code ?? (error as Error).message})`;
  return new IotIdsError(reason, { location: { file: path }, cause: error });
}

function parseManifest(value: unknown, path: string): ModelManifest {
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IotIdsError(`invalid manifest: ${issue.message}`, {
      location: { file: path, field: issue.path.join('.') || undefined },
    });
  }
  return parsed.data as ModelManifest;
}

function parseJson(bytes: Buffer, path: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch (error) {
    throw new IotIdsError(`not valid JSON: ${(error as Error).message}`, {
      location: { file: path },
      cause: error,
    });
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}
