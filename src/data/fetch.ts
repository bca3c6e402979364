import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip, createGzip } from 'node:zlib';
import { IotIdsError } from '../errors.js';
import { userCacheDir } from './locate.js';
import { splitByName } from './registry.js';
import type { DatasetDefinition, SplitFile } from './schema.js';

export interface FetchOptions {
  /** Folder files are stored in, as `<cacheDir>/<split.file>` (always gzipped). Default: `userCacheDir()`. */
  cacheDir?: string;
  /**
   * Base URL that replaces every split's canonical URL with `${mirror}/${split.file}`, for offline mirrors
   * or when an upstream moves. Default: $IOT_IDS_MIRROR, else the canonical URLs.
   */
  mirror?: string;
  /**
   * Names of the splits to fetch. Default: every split with a canonical URL; with a mirror, also every
   * non-optional split (an optional split without a URL must be asked for by name).
   */
  splits?: string[];
  /** Download again even when a verified copy is present. Default false. */
  force?: boolean;
  /** Called as bytes arrive; `total` is the Content-Length when the server sends one. Default none. */
  onProgress?: (split: string, bytes: number, total?: number) => void;
  /** The fetch implementation (tests pass a stub). Default: the global `fetch`. */
  fetchImpl?: typeof fetch;
  /** Environment read for IOT_IDS_MIRROR and the cache location. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

export interface FetchResult {
  split: string;
  path: string;
  /** SHA-256 of the decompressed content. */
  sha256: string;
  status: 'downloaded' | 'already-present';
}

const GZIP_MAGIC = [0x1f, 0x8b];

async function startsWithGzipMagic(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === GZIP_MAGIC[0] && buffer[1] === GZIP_MAGIC[1];
  } finally {
    await handle.close();
  }
}

/** A pass-through stream that hashes what flows through it. */
function hashingTap(): { tap: Transform; digest: () => string } {
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  return { tap, digest: () => hash.digest('hex') };
}

function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}

/** SHA-256 of the decompressed content of a file that may or may not be gzipped. */
export async function sha256OfContent(path: string): Promise<string> {
  const { tap, digest } = hashingTap();
  if (await startsWithGzipMagic(path)) await pipeline(createReadStream(path), createGunzip(), tap, discard());
  else await pipeline(createReadStream(path), tap, discard());
  return digest();
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Temporary name next to `target`, so the final rename stays on one file system and is atomic. */
function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

function mirrorUrl(mirror: string, split: SplitFile): string {
  const path = split.file.split('/').map(encodeURIComponent).join('/');
  return `${mirror.replace(/\/+$/, '')}/${path}`;
}

interface PlannedDownload {
  split: SplitFile;
  url: string;
}

function planDownloads(
  dataset: DatasetDefinition,
  names: string[] | undefined,
  mirror: string | undefined,
): PlannedDownload[] {
  const urlOf = (split: SplitFile): string | undefined =>
    mirror !== undefined ? mirrorUrl(mirror, split) : split.url;
  const chosen =
    names?.map((name) => splitByName(dataset, name)) ??
    dataset.splits.filter((s) => s.url !== undefined || (mirror !== undefined && !s.optional));
  if (chosen.length === 0) {
    throw new IotIdsError(
      `dataset ${dataset.name} declares no download locations; set a mirror (IOT_IDS_MIRROR) or place its files by hand`,
      { kind: 'usage' },
    );
  }
  return chosen.map((split) => {
    const url = urlOf(split);
    if (url === undefined) {
      throw new IotIdsError(
        `split ${split.name} of dataset ${dataset.name} has no known download location; set a mirror (IOT_IDS_MIRROR) or place ${split.file} in a data folder by hand`,
        { kind: 'usage' },
      );
    }
    if (isAbsolute(split.file)) {
      throw new IotIdsError(
        `split ${split.name} of dataset ${dataset.name} names an absolute path; it cannot be fetched`,
        {
          kind: 'usage',
        },
      );
    }
    return { split, url };
  });
}

function causeText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/**
 * Downloads `url` into `target` (gzipped) and returns the SHA-256 of the decompressed content. Nothing
 * appears at `target` unless the whole body arrived and, when `expected` is given, the checksum matched.
 */
async function download(
  url: string,
  target: string,
  split: SplitFile,
  fetchImpl: typeof fetch,
  onProgress: FetchOptions['onProgress'],
): Promise<string> {
  await mkdir(dirname(target), { recursive: true });
  const received = tempPathFor(target);
  const compressed = tempPathFor(target);
  try {
    let response: Response;
    try {
      response = await fetchImpl(url);
    } catch (error) {
      throw new IotIdsError(`cannot download ${url}: ${causeText(error)}`, { cause: error });
    }
    if (!response.ok || response.body === null) {
      throw new IotIdsError(
        `cannot download ${url}: HTTP ${response.status} ${response.statusText}`.trimEnd(),
      );
    }
    const total = Number(response.headers.get('content-length')) || undefined;
    let bytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        onProgress?.(split.name, bytes, total);
        callback(null, chunk);
      },
    });
    try {
      const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
      await pipeline(body, counter, createWriteStream(received));
    } catch (error) {
      throw new IotIdsError(`download of ${url} broke off after ${bytes} bytes: ${causeText(error)}`, {
        cause: error,
      });
    }

    // Upstreams differ (UCI serves .gz, GitHub raw serves plain text), so the content decides, not the URL.
    const isGzip = await startsWithGzipMagic(received);
    const { tap, digest } = hashingTap();
    try {
      if (isGzip) await pipeline(createReadStream(received), createGunzip(), tap, discard());
      else await pipeline(createReadStream(received), tap, createGzip(), createWriteStream(compressed));
    } catch (error) {
      throw new IotIdsError(
        `download of ${url} is not a readable ${isGzip ? 'gzip' : ''} file: ${causeText(error)}`,
        {
          cause: error,
        },
      );
    }
    const actual = digest();
    if (split.sha256 !== undefined && actual !== split.sha256) {
      throw new IotIdsError(
        `checksum mismatch for ${url}: expected SHA-256 ${split.sha256} of the decompressed content, got ${actual}; nothing was saved`,
      );
    }
    await rename(isGzip ? received : compressed, target);
    return actual;
  } finally {
    await rm(received, { force: true });
    await rm(compressed, { force: true });
  }
}

/**
 * Downloads the split files of `dataset` into the cache, verifying each against its SHA-256. Files already
 * present are hashed and kept when they match (a damaged copy is downloaded again).
 */
export async function fetchDataset(
  dataset: DatasetDefinition,
  options: FetchOptions = {},
): Promise<FetchResult[]> {
  const env = options.env ?? process.env;
  const cacheDir = options.cacheDir ?? userCacheDir(env);
  const mirror = options.mirror ?? (env.IOT_IDS_MIRROR || undefined);
  const fetchImpl = options.fetchImpl ?? fetch;
  const results: FetchResult[] = [];
  // Plan first, so a bad split name fails before anything is downloaded.
  for (const { split, url } of planDownloads(dataset, options.splits, mirror)) {
    const target = join(cacheDir, split.file);
    if (!options.force && (await exists(target))) {
      const present = await sha256OfContent(target).catch(() => undefined);
      if (present !== undefined && (split.sha256 === undefined || present === split.sha256)) {
        results.push({ split: split.name, path: target, sha256: present, status: 'already-present' });
        continue;
      }
    }
    const sha256 = await download(url, target, split, fetchImpl, options.onProgress);
    results.push({ split: split.name, path: target, sha256, status: 'downloaded' });
  }
  return results;
}
