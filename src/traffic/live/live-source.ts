import { Transform, type Readable } from 'node:stream';
import type { CaptureStats } from './capture-stats.js';

/**
 * A live pcap byte stream for `watch`. A capture child that is restarted produces a new stream, with a
 * pcap file header of its own, so a source yields one `CaptureRun` per stream; the consumer reads each with
 * a fresh pcap reader, in order.
 */
export interface CaptureRun {
  /** 0 for the first stream, then one more per restart. */
  readonly generation: number;
  readonly stream: Readable;
  /** Epoch milliseconds when the stream was opened. */
  readonly startedAt: number;
}

/** The capture's health, for `/metrics` and the dashboard. */
export interface CaptureHealth {
  /** `tcpdump` or `stdin`. */
  readonly kind: string;
  readonly running: boolean;
  readonly generation: number;
  readonly restarts: number;
  /** Bytes read from all streams so far. */
  readonly bytes: number;
  /** tcpdump's statistics summed over all its processes (zero for stdin, which has none). */
  readonly stats: CaptureStats;
  /** The last problem reported (an exit, a spawn failure), or null. */
  readonly lastError: string | null;
}

export interface LivePcapSource {
  /** The streams, one per capture process; ends when the source is stopped or gives up. */
  runs(): AsyncIterable<CaptureRun>;
  health(): CaptureHealth;
  /** Stops capturing; resolves once every child has exited. Idempotent. */
  stop(): Promise<void>;
}

/** A queue of runs with an async iterator, shared by the sources. Ends once `close` is called. */
export class RunQueue {
  private readonly items: CaptureRun[] = [];
  private waiting: ((r: IteratorResult<CaptureRun>) => void) | null = null;
  private closed = false;

  push(run: CaptureRun): void {
    if (this.closed) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: run, done: false });
    } else this.items.push(run);
  }

  close(): void {
    this.closed = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: undefined, done: true });
    }
  }

  async *iterate(): AsyncGenerator<CaptureRun> {
    for (;;) {
      const next = this.items.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.closed) return;
      const result = await new Promise<IteratorResult<CaptureRun>>((resolve) => (this.waiting = resolve));
      if (result.done) return;
      yield result.value;
    }
  }
}

/**
 * The stream a consumer reads, counting the bytes that pass. A `data` listener on the source itself would
 * switch it to flowing mode and lose whatever arrives before the consumer attaches; a transform keeps
 * backpressure (a slow consumer makes tcpdump block, and the kernel's drop counter shows it).
 */
export function countingStream(input: Readable, onBytes: (n: number) => void): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  input.once('error', (error) => counter.destroy(error));
  return input.pipe(counter);
}
