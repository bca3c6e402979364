import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { IotIdsError } from '../errors.js';

/** Where streamed text output goes: a file that appears only when complete, or a stream such as stdout. */
export interface TextOutput {
  /** Resolves once the stream can take more (backpressure), so a slow reader slows the producer down. */
  write(text: string): Promise<void>;
  /** Finishes: a file is flushed, closed and renamed into place; a stream is left open for its owner. */
  commit(): Promise<void>;
  /** Gives up: a file's temporary copy is removed, so no partial output is left behind. */
  abort(): Promise<void>;
  /** The path, or 'stdout' / 'stream'. */
  readonly name: string;
}

/**
 * A file output written to a temporary sibling and renamed over `path` on commit (rename is atomic on one
 * file system), the way `writeFileAtomic` does it for outputs too large to hold in memory.
 */
export async function openFileOutput(path: string): Promise<TextOutput> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const stream = createWriteStream(temp);
  const errors = watchErrors(stream, path);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  }).catch((error: unknown) => {
    throw new IotIdsError(`cannot write output: ${errorText(error)}`, {
      location: { file: path },
      cause: error,
    });
  });
  let done = false;
  return {
    name: path,
    write: (text) => writeWithBackpressure(stream, text, errors),
    async commit() {
      errors.check();
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        stream.end(() => resolve());
      });
      errors.check();
      errors.stop();
      await rename(temp, path);
      done = true;
    },
    async abort() {
      if (done) return;
      done = true;
      errors.stop();
      stream.destroy();
      await rm(temp, { force: true });
    },
  };
}

/** Output to an existing stream (stdout by default); errors such as EPIPE surface from `write`. */
export function streamOutput(stream: NodeJS.WritableStream, name = 'stdout'): TextOutput {
  const errors = watchErrors(stream, name);
  return {
    name,
    write: (text) => writeWithBackpressure(stream, text, errors),
    commit: () => {
      errors.stop();
      return Promise.resolve();
    },
    abort: () => {
      errors.stop();
      return Promise.resolve();
    },
  };
}

interface ErrorWatch {
  /** Throws the first error the stream emitted, if any. */
  check(): void;
  /** Waits for 'drain', or rejects on an error. */
  drain(): Promise<void>;
  stop(): void;
}

/** Keeps an 'error' listener attached so a failing stream never crashes the process with an unhandled event. */
function watchErrors(stream: NodeJS.WritableStream, name: string): ErrorWatch {
  let failure: IotIdsError | undefined;
  const waiting = new Set<(error?: IotIdsError) => void>();
  const onError = (error: unknown): void => {
    failure ??= new IotIdsError(`cannot write output: ${errorText(error)}`, {
      location: { file: name },
      cause: error,
    });
    for (const wake of waiting) wake(failure);
  };
  const onDrain = (): void => {
    for (const wake of waiting) wake();
  };
  stream.on('error', onError);
  stream.on('drain', onDrain);
  return {
    check() {
      if (failure) throw failure;
    },
    drain() {
      return new Promise<void>((resolve, reject) => {
        const wake = (error?: IotIdsError): void => {
          waiting.delete(wake);
          if (error) reject(error);
          else resolve();
        };
        waiting.add(wake);
      });
    },
    stop() {
      stream.off('drain', onDrain);
      stream.off('error', onError);
    },
  };
}

async function writeWithBackpressure(
  stream: NodeJS.WritableStream,
  text: string,
  errors: ErrorWatch,
): Promise<void> {
  errors.check();
  if (!stream.write(text)) await errors.drain();
  errors.check();
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
