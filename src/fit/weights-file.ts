import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { IotIdsError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.js';

/** Named float tensors as plain data: how deep models hand their weights (and optimizer state) around. */
export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}
export type NamedWeights = Record<string, WeightTensor>;

const indexSchema = z
  .object({
    formatVersion: z.literal(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    byteLength: z.number().int().nonnegative(),
    tensors: z.array(
      z
        .object({
          name: z.string().min(1),
          shape: z.array(z.number().int().nonnegative()),
          offset: z.number().int().nonnegative(),
          length: z.number().int().nonnegative(),
        })
        .strict(),
    ),
  })
  .strict();

/**
 * Writes `<name>.bin` (all tensors back to back, little-endian float32) and `<name>.json` (names, shapes,
 * offsets and the SHA-256 of the binary), each atomically. Returns the two file names.
 */
export async function writeWeights(dir: string, name: string, weights: NamedWeights): Promise<string[]> {
  const entries = Object.entries(weights);
  const total = entries.reduce((n, [, w]) => n + w.data.length, 0);
  const buffer = new Float32Array(total);
  const tensors: z.infer<typeof indexSchema>['tensors'] = [];
  let offset = 0;
  for (const [tensorName, w] of entries) {
    const expected = w.shape.reduce((a, b) => a * b, 1);
    if (expected !== w.data.length) {
      throw new IotIdsError(
        `weight "${tensorName}" has ${w.data.length} values but shape [${w.shape.join(', ')}]`,
      );
    }
    buffer.set(w.data, offset);
    tensors.push({ name: tensorName, shape: [...w.shape], offset, length: w.data.length });
    offset += w.data.length;
  }
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await writeFileAtomic(join(dir, `${name}.bin`), bytes);
  await writeJsonAtomic(join(dir, `${name}.json`), {
    formatVersion: 1,
    sha256,
    byteLength: bytes.byteLength,
    tensors,
  });
  return [`${name}.bin`, `${name}.json`];
}

/** Reads what `writeWeights` wrote, checking the index, the byte length and the checksum. */
export async function readWeights(dir: string, name: string): Promise<NamedWeights> {
  const indexPath = join(dir, `${name}.json`);
  const binPath = join(dir, `${name}.bin`);
  let rawIndex: unknown;
  try {
    rawIndex = JSON.parse(await readFile(indexPath, 'utf8')) as unknown;
  } catch (error) {
    throw new IotIdsError(`cannot read the weight index: ${(error as Error).message}`, {
      location: { file: indexPath },
      cause: error,
    });
  }
  const parsed = indexSchema.safeParse(rawIndex);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IotIdsError(`invalid weight index: ${issue.message}`, {
      location: { file: indexPath, field: issue.path.join('.') },
    });
  }
  const index = parsed.data;
  let bytes: Buffer;
  try {
    bytes = await readFile(binPath);
  } catch (error) {
    throw new IotIdsError(`cannot read the weights: ${(error as Error).message}`, {
      location: { file: binPath },
      cause: error,
    });
  }
  if (bytes.byteLength !== index.byteLength) {
    throw new IotIdsError(
      `weights file has ${bytes.byteLength} bytes, the index says ${index.byteLength}: truncated or replaced`,
      {
        location: { file: binPath },
      },
    );
  }
  if (createHash('sha256').update(bytes).digest('hex') !== index.sha256) {
    throw new IotIdsError('weights file does not match its checksum: it was modified or damaged', {
      location: { file: binPath },
    });
  }
  // Copy into an aligned buffer: a Buffer's byteOffset need not be a multiple of 4.
  const all = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(all.buffer).set(bytes);
  const weights: NamedWeights = {};
  for (const t of index.tensors) {
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (expected !== t.length || t.offset + t.length > all.length) {
      throw new IotIdsError(`weight "${t.name}" does not fit its shape or the file`, {
        location: { file: indexPath, field: t.name },
      });
    }
    weights[t.name] = { shape: t.shape, data: all.slice(t.offset, t.offset + t.length) };
  }
  return weights;
}

export function cloneWeights(weights: NamedWeights): NamedWeights {
  const copy: NamedWeights = {};
  for (const [name, w] of Object.entries(weights)) copy[name] = { shape: [...w.shape], data: w.data.slice() };
  return copy;
}
