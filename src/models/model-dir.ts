import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { IotIdsError } from '../errors.js';
import type { ColumnSpec } from '../data/schema.js';
import { FeaturePipeline } from '../preprocess/pipeline.js';
import { writeDirAtomic, exists } from '../util/atomic-dir.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import type { Classifier } from './estimator.js';
import { readJsonValue } from '../util/read-json-file.js';

export const MODEL_FORMAT_VERSION = 1;
const MANIFEST = 'manifest.json';
const PIPELINE = 'pipeline.json';

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
  /** SHA-256 of every file in the directory except the manifest itself. */
  files: Record<string, string>;
  createdAt: string;
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
  files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
  createdAt: z.string(),
});

export type ManifestInfo = Omit<ModelManifest, 'formatVersion' | 'kind' | 'options' | 'files' | 'createdAt'>;

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
    for (const name of [...modelFiles, PIPELINE]) files[name] = await sha256File(join(temp, name));
    const manifest: ModelManifest = {
      formatVersion: MODEL_FORMAT_VERSION,
      kind: model.kind,
      options: { ...model.options },
      files,
      createdAt: new Date().toISOString(),
      ...info,
    };
    await writeJsonAtomic(join(temp, MANIFEST), manifest);
    return manifest;
  });
}

/** Reads and verifies the manifest, every checksum and the pipeline; never executes anything from `dir`. */
export async function readModelDir(
  dir: string,
): Promise<{ manifest: ModelManifest; pipeline: FeaturePipeline }> {
  const manifestPath = join(dir, MANIFEST);
  if (!(await exists(manifestPath))) {
    throw new IotIdsError(`not a model directory: ${MANIFEST} is missing`, { location: { file: dir } });
  }
  const manifest = parseManifest(await readJsonValue(manifestPath, undefined, 'failure'), manifestPath);
  if (manifest.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new IotIdsError(
      `model format version ${manifest.formatVersion} is not supported (this iot-ids reads version ${MODEL_FORMAT_VERSION})`,
      { location: { file: manifestPath, field: 'formatVersion' } },
    );
  }
  for (const [name, expected] of Object.entries(manifest.files)) {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      throw new IotIdsError(`file name "${name}" is not allowed`, {
        location: { file: manifestPath, field: 'files' },
      });
    }
    const path = join(dir, name);
    if (!(await exists(path))) {
      throw new IotIdsError(`model file is missing`, { location: { file: path } });
    }
    const actual = await sha256File(path);
    if (actual !== expected) {
      throw new IotIdsError(
        `checksum mismatch (expected ${expected}, found ${actual}): the file was modified or damaged`,
        {
          location: { file: path },
        },
      );
    }
  }
  const pipelinePath = join(dir, PIPELINE);
  if (!manifest.files[PIPELINE]) {
    throw new IotIdsError(`${PIPELINE} is not listed in the manifest`, {
      location: { file: manifestPath, field: 'files' },
    });
  }
  let pipeline: FeaturePipeline;
  try {
    pipeline = FeaturePipeline.fromJSON(await readJsonValue(pipelinePath, undefined, 'failure'));
  } catch (error) {
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

function parseManifest(value: unknown, path: string): ModelManifest {
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IotIdsError(`invalid manifest: ${issue.message}`, {
      location: { file: path, field: issue.path.join('.') || undefined },
    });
  }
  return parsed.data;
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}
