import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { IotIdsError } from '../../errors.js';
import { exists, writeDirAtomic } from '../../util/atomic-dir.js';
import { writeJsonAtomic } from '../../util/atomic-write.js';
import { MODEL_FORMAT_VERSION, sha256File } from '../model-dir.js';
import { featureNames } from '../../traffic/packet-stats/feature-layout.js';
import { resolvePacketStatsOptions } from '../../traffic/packet-stats/packet-stats.js';
import { packetAeOptionsSchema } from './options.js';
import { PacketAe } from './packet-ae.js';

const MANIFEST = 'manifest.json';

/** How the detector's inputs are made: the extractor's name and options, and the feature names in order. */
export interface FeatureSource {
  extractor: string;
  options: Record<string, unknown>;
  featureNames: string[];
}

/** The manifest of a packet-ae model directory (the classifiers' conventions, without their dataset fields). */
export interface PacketAeManifest {
  formatVersion: number;
  kind: 'packet-ae';
  options: Record<string, unknown>;
  features: FeatureSource;
  /** SHA-256 of every file in the directory except the manifest itself. */
  files: Record<string, string>;
  createdAt: string;
}

const manifestSchema = z
  .object({
    formatVersion: z.number().int(),
    kind: z.literal('packet-ae'),
    options: z.record(z.string(), z.unknown()),
    features: z.object({
      extractor: z.string().min(1),
      options: z.record(z.string(), z.unknown()),
      featureNames: z.array(z.string()).min(1),
    }),
    files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
    createdAt: z.string(),
  })
  .strict();

/**
 * Saves a calibrated detector into `dir` atomically (a sibling temporary directory replaces `dir` once
 * complete). A detector still in its grace periods is refused before anything is written.
 */
export async function savePacketAeModel(
  dir: string,
  detector: PacketAe,
  features: FeatureSource,
): Promise<PacketAeManifest> {
  const state = detector.toState(); // throws, naming the shortfall, when not calibrated yet
  if (features.featureNames.length !== state.nFeatures) {
    throw new IotIdsError(
      `packet-ae: ${features.featureNames.length} feature names for a ${state.nFeatures}-feature detector`,
    );
  }
  return writeDirAtomic(dir, async (temp) => {
    const names = await detector.save(temp);
    const files: Record<string, string> = {};
    for (const name of names) files[name] = await sha256File(join(temp, name));
    const manifest: PacketAeManifest = {
      formatVersion: MODEL_FORMAT_VERSION,
      kind: 'packet-ae',
      options: { ...detector.options },
      features,
      files,
      createdAt: new Date().toISOString(),
    };
    await writeJsonAtomic(join(temp, MANIFEST), manifest);
    return manifest;
  });
}

/** Reads, verifies (manifest, every checksum, shapes) and rebuilds a detector; never executes anything. */
export async function loadPacketAeModel(
  dir: string,
): Promise<{ detector: PacketAe; manifest: PacketAeManifest }> {
  const manifestPath = join(dir, MANIFEST);
  if (!(await exists(manifestPath))) {
    throw new IotIdsError(`not a model directory: ${MANIFEST} is missing`, { location: { file: dir } });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(manifestPath, 'utf8')) as unknown;
  } catch (error) {
    throw new IotIdsError(`not valid JSON: ${(error as Error).message}`, {
      location: { file: manifestPath },
      cause: error,
    });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IotIdsError(`invalid manifest: ${issue.message}`, {
      location: { file: manifestPath, field: issue.path.join('.') || undefined },
    });
  }
  const manifest = parsed.data;
  if (manifest.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new IotIdsError(
      `model format version ${manifest.formatVersion} is not supported (this iot-ids reads version ${MODEL_FORMAT_VERSION})`,
      {
        location: { file: manifestPath, field: 'formatVersion' },
      },
    );
  }
  for (const required of ['packet-ae.json', 'packet-ae.bin']) {
    if (!manifest.files[required]) {
      throw new IotIdsError(`${required} is not listed in the manifest`, {
        location: { file: manifestPath, field: 'files' },
      });
    }
  }
  for (const [name, expected] of Object.entries(manifest.files)) {
    if (name.includes('/') || name.includes('\\') || name.startsWith('.')) {
      throw new IotIdsError(`file name "${name}" is not allowed`, {
        location: { file: manifestPath, field: 'files' },
      });
    }
    const path = join(dir, name);
    if (!(await exists(path))) throw new IotIdsError('model file is missing', { location: { file: path } });
    const actual = await sha256File(path);
    if (actual !== expected) {
      throw new IotIdsError(
        `checksum mismatch (expected ${expected}, found ${actual}): the file was modified or damaged`,
        { location: { file: path } },
      );
    }
  }
  const options = packetAeOptionsSchema.safeParse(manifest.options);
  if (!options.success) {
    const issue = options.error.issues[0];
    throw new IotIdsError(`invalid options: ${issue.message}`, {
      location: { file: manifestPath, field: `options.${issue.path.join('.')}` },
    });
  }
  const detector = await PacketAe.load(dir, options.data);
  if (manifest.features.featureNames.length !== detector.toState().nFeatures) {
    throw new IotIdsError(
      `the manifest names ${manifest.features.featureNames.length} features, the detector has ${detector.toState().nFeatures}`,
      {
        location: { file: manifestPath, field: 'features.featureNames' },
      },
    );
  }
  if (manifest.features.extractor === 'packet-stats') checkPacketStatsSource(manifest.features, manifestPath);
  return { detector, manifest: { ...manifest, options: { ...options.data } } };
}

/** The packet statistics a model was trained on must be rebuilt exactly: valid options, the same names. */
function checkPacketStatsSource(features: FeatureSource, manifestPath: string): void {
  let expected: string[];
  try {
    const options = resolvePacketStatsOptions(features.options);
    expected = featureNames(options.layout, options.lambdas);
  } catch (error) {
    throw new IotIdsError(`invalid packet-stats options: ${(error as Error).message}`, {
      location: { file: manifestPath, field: 'features.options' },
      cause: error,
    });
  }
  if (expected.join('\n') !== features.featureNames.join('\n')) {
    throw new IotIdsError('the feature names do not match the packet-stats options they were saved with', {
      location: { file: manifestPath, field: 'features.featureNames' },
    });
  }
}
