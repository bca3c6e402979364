import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { IotIdsError } from '../../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic-write.js';
import { forestProblem, treeCount, type Forest } from './tree.js';

export const FOREST_BIN = 'forest.bin';
export const FOREST_JSON = 'forest.json';
const FORMAT = 'iot-ids/random-forest';
const VERSION = 1;

type ArrayName =
  'treeStarts' | 'feature' | 'threshold' | 'left' | 'right' | 'value' | 'nodeSamples' | 'leafProba';
/** Order of the arrays in forest.bin; every one has 4-byte elements, little-endian. */
const LAYOUT: readonly { name: ArrayName; type: 'int32' | 'float32' }[] = [
  { name: 'treeStarts', type: 'int32' },
  { name: 'feature', type: 'int32' },
  { name: 'threshold', type: 'float32' },
  { name: 'left', type: 'int32' },
  { name: 'right', type: 'int32' },
  { name: 'value', type: 'int32' },
  { name: 'nodeSamples', type: 'int32' },
  { name: 'leafProba', type: 'float32' },
];

const headerSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(VERSION),
  nClasses: z.number().int().min(1),
  nFeatures: z.number().int().min(1),
  nTrees: z.number().int().min(1),
  nNodes: z.number().int().min(1),
  nLeafValues: z.number().int().min(1),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
type Header = z.infer<typeof headerSchema>;

/**
 * Writes forest.bin (the typed arrays back to back) and then forest.json (shapes and the SHA-256 of the
 * binary), each atomically. The checksum also catches a binary and header that come from different saves.
 */
export async function writeForest(dir: string, forest: Forest): Promise<string[]> {
  requireLittleEndian();
  const parts = LAYOUT.map(({ name }) => forest[name]);
  const bytes = parts.reduce((sum, a) => sum + a.byteLength, 0);
  const bin = new Uint8Array(bytes);
  let offset = 0;
  for (const a of parts) {
    bin.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offset);
    offset += a.byteLength;
  }
  const header: Header = {
    format: FORMAT,
    version: VERSION,
    nClasses: forest.nClasses,
    nFeatures: forest.nFeatures,
    nTrees: treeCount(forest),
    nNodes: forest.feature.length,
    nLeafValues: forest.leafProba.length,
    bytes,
    sha256: createHash('sha256').update(bin).digest('hex'),
  };
  await writeFileAtomic(join(dir, FOREST_BIN), bin);
  await writeJsonAtomic(join(dir, FOREST_JSON), header);
  return [FOREST_BIN, FOREST_JSON];
}

export async function readForest(dir: string): Promise<Forest> {
  requireLittleEndian();
  const jsonPath = join(dir, FOREST_JSON);
  const binPath = join(dir, FOREST_BIN);
  const header = await readHeader(jsonPath);
  const bin = await readOrFail(binPath);
  if (bin.byteLength !== header.bytes) {
    throw new IotIdsError(`expected ${header.bytes} bytes, found ${bin.byteLength} (truncated or corrupt)`, {
      location: { file: binPath },
    });
  }
  if (createHash('sha256').update(bin).digest('hex') !== header.sha256) {
    throw new IotIdsError(`checksum does not match ${FOREST_JSON} (corrupt file)`, {
      location: { file: binPath },
    });
  }
  const lengths: Record<ArrayName, number> = {
    treeStarts: header.nTrees + 1,
    feature: header.nNodes,
    threshold: header.nNodes,
    left: header.nNodes,
    right: header.nNodes,
    value: header.nNodes,
    nodeSamples: header.nNodes,
    leafProba: header.nLeafValues,
  };
  const expected = LAYOUT.reduce((sum, { name }) => sum + 4 * lengths[name], 0);
  if (expected !== header.bytes) {
    throw new IotIdsError(`shapes need ${expected} bytes but "bytes" says ${header.bytes}`, {
      location: { file: jsonPath },
    });
  }
  // A fresh buffer keeps every array 4-byte aligned whatever the read buffer's offset.
  const aligned = new Uint8Array(bin).buffer;
  const arrays = {} as Record<ArrayName, Int32Array | Float32Array>;
  let offset = 0;
  for (const { name, type } of LAYOUT) {
    const length = lengths[name];
    arrays[name] =
      type === 'int32' ? new Int32Array(aligned, offset, length) : new Float32Array(aligned, offset, length);
    offset += 4 * length;
  }
  const forest: Forest = {
    nClasses: header.nClasses,
    nFeatures: header.nFeatures,
    treeStarts: arrays.treeStarts as Int32Array,
    feature: arrays.feature as Int32Array,
    threshold: arrays.threshold as Float32Array,
    left: arrays.left as Int32Array,
    right: arrays.right as Int32Array,
    value: arrays.value as Int32Array,
    nodeSamples: arrays.nodeSamples as Int32Array,
    leafProba: arrays.leafProba as Float32Array,
  };
  const problem = forestProblem(forest);
  if (problem) throw new IotIdsError(`invalid forest: ${problem}`, { location: { file: binPath } });
  return forest;
}

async function readHeader(path: string): Promise<Header> {
  const text = (await readOrFail(path)).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new IotIdsError(`not valid JSON (truncated or corrupt): ${(error as Error).message}`, {
      location: { file: path },
      cause: error,
    });
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IotIdsError(`not a random forest header: ${issue.message}`, {
      location: { file: path, field: issue.path.join('.') || undefined },
    });
  }
  return parsed.data;
}

async function readOrFail(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new IotIdsError(`cannot read the saved forest: ${(error as Error).message}`, {
      location: { file: path },
      cause: error,
    });
  }
}

function requireLittleEndian(): void {
  if (endianness() !== 'LE')
    throw new IotIdsError('random forest files are little-endian; this machine is not');
}
