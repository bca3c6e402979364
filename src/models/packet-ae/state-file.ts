import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { IotIdsError } from '../../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic-write.js';
import type { TinyAutoencoderState } from './tiny-autoencoder.js';

/** Everything a fitted packet-ae detector learned. */
export interface PacketAeState {
  nFeatures: number;
  groups: number[][];
  ensemble: TinyAutoencoderState[];
  output: TinyAutoencoderState;
  trainedSamples: number;
  threshold: { value: number; mu: number; sigma: number; samples: number };
}

const JSON_FILE = 'packet-ae.json';
const BIN_FILE = 'packet-ae.bin';
/** Per autoencoder, the arrays stored back to back in the binary file, in this order. */
const ARRAYS = ['weights', 'hiddenBias', 'visibleBias', 'min', 'max'] as const;

const aeSchema = z
  .object({
    nVisible: z.number().int().min(1),
    nHidden: z.number().int().min(1),
    trained: z.number().int().min(0),
  })
  .strict();
const finite = z.number().refine((v) => Number.isFinite(v), 'must be finite');
const indexSchema = z
  .object({
    formatVersion: z.literal(1),
    nFeatures: z.number().int().min(1),
    groups: z.array(z.array(z.number().int().min(0))).min(1),
    ensemble: z.array(aeSchema).min(1),
    output: aeSchema,
    trainedSamples: z.number().int().min(0),
    threshold: z
      .object({
        value: z.number().positive(),
        mu: finite,
        sigma: finite.pipe(z.number().min(0)),
        samples: z.number().int().min(0),
      })
      .strict(),
    byteLength: z.number().int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

function arrayLengths(ae: { nVisible: number; nHidden: number }): number[] {
  return [ae.nVisible * ae.nHidden, ae.nHidden, ae.nVisible, ae.nVisible, ae.nVisible];
}

/** Writes `packet-ae.json` (shapes, groups, threshold, checksum) and `packet-ae.bin` (float64 LE), atomically. */
export async function writePacketAeState(dir: string, state: PacketAeState): Promise<string[]> {
  const all = [...state.ensemble, state.output];
  const total = all.reduce((n, ae) => n + arrayLengths(ae).reduce((a, b) => a + b, 0), 0);
  const bytes = Buffer.alloc(total * 8);
  let offset = 0;
  for (const ae of all) {
    for (const name of ARRAYS) {
      for (const v of ae[name]) offset = bytes.writeDoubleLE(v, offset);
    }
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const describe = (ae: TinyAutoencoderState): z.infer<typeof aeSchema> => ({
    nVisible: ae.nVisible,
    nHidden: ae.nHidden,
    trained: ae.trained,
  });
  await writeFileAtomic(join(dir, BIN_FILE), bytes);
  await writeJsonAtomic(join(dir, JSON_FILE), {
    formatVersion: 1,
    nFeatures: state.nFeatures,
    groups: state.groups,
    ensemble: state.ensemble.map(describe),
    output: describe(state.output),
    trainedSamples: state.trainedSamples,
    threshold: state.threshold,
    byteLength: bytes.byteLength,
    sha256,
  });
  return [JSON_FILE, BIN_FILE];
}

/** Reads and checks what `writePacketAeState` wrote: schema, group/shape consistency, byte length, checksum. */
export async function readPacketAeState(dir: string): Promise<PacketAeState> {
  const jsonPath = join(dir, JSON_FILE);
  const binPath = join(dir, BIN_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(jsonPath, 'utf8')) as unknown;
  } catch (error) {
    throw new IotIdsError(`cannot read the detector state: ${(error as Error).message}`, {
      location: { file: jsonPath },
      cause: error,
    });
  }
  const parsed = indexSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IotIdsError(`invalid detector state: ${issue.message}`, {
      location: { file: jsonPath, field: issue.path.join('.') || undefined },
    });
  }
  const index = parsed.data;
  const fail = (message: string, field?: string): IotIdsError =>
    new IotIdsError(message, { location: { file: jsonPath, field } });
  if (index.groups.length !== index.ensemble.length)
    throw fail(`${index.groups.length} groups but ${index.ensemble.length} autoencoders`, 'groups');
  const seen = new Set<number>();
  index.groups.forEach((group, a) => {
    if (group.length !== index.ensemble[a].nVisible)
      throw fail(
        `group ${a} has ${group.length} features, its autoencoder ${index.ensemble[a].nVisible}`,
        'groups',
      );
    for (const f of group) {
      if (f >= index.nFeatures || seen.has(f))
        throw fail(`feature ${f} is out of range or in two groups`, 'groups');
      seen.add(f);
    }
  });
  if (index.output.nVisible !== index.ensemble.length)
    throw fail(
      `the output autoencoder has ${index.output.nVisible} inputs for ${index.ensemble.length} autoencoders`,
      'output',
    );
  const bytes = await readFile(binPath).catch((error: unknown) => {
    throw new IotIdsError(`cannot read the detector weights: ${(error as Error).message}`, {
      location: { file: binPath },
      cause: error,
    });
  });
  const all = [...index.ensemble, index.output];
  const expected = 8 * all.reduce((n, ae) => n + arrayLengths(ae).reduce((a, b) => a + b, 0), 0);
  if (bytes.byteLength !== expected || index.byteLength !== expected) {
    throw new IotIdsError(`expected ${expected} bytes of weights, found ${bytes.byteLength}`, {
      location: { file: binPath },
    });
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== index.sha256) {
    throw new IotIdsError(`checksum mismatch (expected ${index.sha256}, found ${actual})`, {
      location: { file: binPath },
    });
  }
  let offset = 0;
  const states = all.map((ae): TinyAutoencoderState => {
    const arrays = arrayLengths(ae).map((length) => {
      const values = new Float64Array(length);
      for (let i = 0; i < length; i++, offset += 8) values[i] = bytes.readDoubleLE(offset);
      return values;
    });
    return {
      nVisible: ae.nVisible,
      nHidden: ae.nHidden,
      trained: ae.trained,
      weights: arrays[0],
      hiddenBias: arrays[1],
      visibleBias: arrays[2],
      min: arrays[3],
      max: arrays[4],
    };
  });
  return {
    nFeatures: index.nFeatures,
    groups: index.groups,
    ensemble: states.slice(0, -1),
    output: states[states.length - 1],
    trainedSamples: index.trainedSamples,
    threshold: index.threshold,
  };
}
