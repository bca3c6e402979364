import type { Worker } from 'node:worker_threads';
import { IotIdsError } from '../errors.js';
import { spawnWorker } from '../util/spawn-worker.js';
import type { DecodeJob, DecodeReply } from './body-decoder-protocol.js';
import { decodeDetectBody, type DecodedBody, type DetectBodyRequest } from './detect-body.js';
import { errorFromThread } from '../util/thread-error.js';
import { ClientAbortedError, HttpError } from './http-error.js';
import { OverloadedError } from './micro-batcher.js';

/** Parses and validates `/v1/detect` bodies, on the event loop or in worker threads. */
export interface BodyDecoder {
  /** Worker threads in use; 0 when bodies are decoded on the event loop. */
  readonly threads: number;
  /**
   * Rejects with `HttpError` for a malformed body, `OverloadedError` when too many bodies wait. The body
   * may be handed to the thread (the caller's view is then empty): use the answer's `body` afterwards.
   */
  decode(body: Uint8Array, request: DetectBodyRequest): Promise<DecodedWithBody>;
  /** Stops the threads; bodies still being decoded fail with "closed". */
  close(): Promise<void>;
}

export interface DecodedWithBody extends DecodedBody {
  /** The request body, for `submittedRecords`. */
  body: Uint8Array;
}

export interface BodyDecoderOptions {
  /** Worker threads; 0 decodes on the event loop. Default 1. */
  threads?: number;
  /** Bodies waiting for or in a thread at most; more are refused with `OverloadedError`. Default 256. */
  maxPending?: number;
  /** Where thread failures are reported. Default: nowhere. */
  log?: (message: string) => void;
}

/**
 * Parsing JSON and validating records is about 60 % of the event loop's work per record in the service
 * (docs/benchmarks.md); on a second core it runs beside scoring instead of before it.
 */
export function createBodyDecoder(options: BodyDecoderOptions = {}): BodyDecoder {
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 0) {
    throw new IotIdsError(`decoder threads must be a whole number ≥ 0, got ${threads}`, { kind: 'usage' });
  }
  return threads === 0 ? new InlineBodyDecoder() : new WorkerBodyDecoder(threads, options);
}

class InlineBodyDecoder implements BodyDecoder {
  readonly threads = 0;

  async decode(body: Uint8Array, request: DetectBodyRequest): Promise<DecodedWithBody> {
    return { ...(await decodeDetectBody(body, request)), body };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface Pending {
  resolve: (decoded: DecodedWithBody) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
  online: boolean;
  failed: boolean;
}

class WorkerBodyDecoder implements BodyDecoder {
  private readonly pool: Thread[] = [];
  private readonly maxPending: number;
  private readonly log: (message: string) => void;
  private nextId = 1;
  private closed = false;
  /** Set when a thread could not even start: bodies are then decoded on the event loop. */
  private fallback: InlineBodyDecoder | null = null;

  constructor(
    readonly threads: number,
    options: BodyDecoderOptions,
  ) {
    this.maxPending = options.maxPending ?? 256;
    this.log = options.log ?? (() => {});
    for (let i = 0; i < threads; i++) this.pool.push(this.spawn());
  }

  decode(body: Uint8Array, request: DetectBodyRequest): Promise<DecodedWithBody> {
    if (this.fallback) return this.fallback.decode(body, request);
    if (this.closed) return Promise.reject(new IotIdsError('the body decoder is closed'));
    let pending = 0;
    let thread = this.pool[0];
    for (const t of this.pool) {
      pending += t.pending.size;
      if (t.pending.size < thread.pending.size) thread = t;
    }
    if (pending >= this.maxPending) return Promise.reject(new OverloadedError(pending));
    const id = this.nextId++;
    return new Promise<DecodedWithBody>((resolve, reject) => {
      // The body goes to the thread and comes back with the answer, without a copy, when it has a buffer
      // of its own (a request read in several chunks does); a view into a shared buffer is copied first,
      // and so is an empty one: a transfer list holding a detached buffer silently drops the message.
      const own =
        body.byteLength > 0 &&
        body.byteOffset === 0 &&
        body.byteLength === body.buffer.byteLength &&
        body.buffer instanceof ArrayBuffer
          ? body
          : new Uint8Array(body);
      // Throws (e.g. a detached body) before anything is pending; the answer comes later.
      thread.worker.postMessage({ id, body: own, request } satisfies DecodeJob, [own.buffer as ArrayBuffer]);
      thread.pending.set(id, { resolve, reject });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closed = new IotIdsError('the body decoder is closed');
    for (const thread of this.pool) {
      for (const job of thread.pending.values()) job.reject(closed);
      thread.pending.clear();
    }
    await Promise.all(this.pool.map((t) => t.worker.terminate()));
  }

  private spawn(): Thread {
    const worker = spawnWorker(import.meta.url, 'body-decoder-worker');
    worker.unref();
    const thread: Thread = { worker, pending: new Map(), online: false, failed: false };
    worker.on('online', () => {
      thread.online = true;
    });
    worker.on('message', (reply: DecodeReply) => {
      const job = thread.pending.get(reply.id);
      if (!job) return;
      thread.pending.delete(reply.id);
      if (reply.ok) job.resolve({ ...reply.decoded, body: reply.body });
      else {
        const error = errorFromThread(reply.error, [HttpError, ClientAbortedError]);
        job.reject(
          error instanceof HttpError
            ? error
            : new IotIdsError(`decoding the request body failed: ${error.message}`, { cause: error }),
        );
      }
    });
    const failed = (reason: string, error?: unknown): void => {
      // 'error' is followed by 'exit': handle the first.
      if (this.closed || thread.failed) return;
      thread.failed = true;
      const failure = new IotIdsError(`the body decoder thread ${reason}`, { cause: error });
      for (const job of thread.pending.values()) job.reject(failure);
      thread.pending.clear();
      if (!thread.online) {
        this.log(`${failure.message}; decoding request bodies on the event loop instead`);
        this.fallback = new InlineBodyDecoder();
        return;
      }
      this.log(`${failure.message}; starting a new one`);
      this.pool[this.pool.indexOf(thread)] = this.spawn();
    };
    worker.on('error', (error) => failed(`failed: ${error.message}`, error));
    worker.on('exit', (code) => failed(`exited with code ${code}`));
    return thread;
  }
}
