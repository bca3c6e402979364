import { IotIdsError } from '../errors.js';

export interface MicroBatcherOptions {
  /** Records per batch at most; a single larger item still goes through, alone. Default 8192. */
  maxBatchRecords?: number;
  /**
   * How long the first item of a batch may wait for company, in ms. 0 means natural batching: a batch
   * starts as soon as the previous one is done and takes whatever arrived meanwhile, so an idle service
   * adds no delay and a busy one batches more. Default 0.
   */
  maxWaitMs?: number;
  /** Records waiting at most; `submit` beyond that fails with `OverloadedError`. Default 100000. */
  maxQueuedRecords?: number;
}

/** The queue is full: the caller should answer 503 and let the client retry. */
export class OverloadedError extends IotIdsError {
  constructor(queued: number) {
    super(`overloaded: ${queued} records are already waiting to be scored`);
    this.name = 'OverloadedError';
  }
}

interface Pending<I, O> {
  item: I;
  records: number;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Collects work items from concurrent requests and hands them to `run` together, one batch at a time, so
 * scoring and the store's commit are paid per batch rather than per request. `run` gets the items in
 * arrival order and returns one result per item; if it throws, every item of that batch fails with the
 * error.
 */
export class MicroBatcher<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  private queuedRecords = 0;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private readonly maxBatchRecords: number;
  private readonly maxWaitMs: number;
  private readonly maxQueuedRecords: number;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly recordsOf: (item: I) => number,
    options: MicroBatcherOptions = {},
  ) {
    this.maxBatchRecords = positive('maxBatchRecords', options.maxBatchRecords ?? 8192);
    this.maxWaitMs = options.maxWaitMs ?? 0;
    if (!(this.maxWaitMs >= 0)) throw new IotIdsError(`maxWaitMs must be ≥ 0, got ${this.maxWaitMs}`);
    this.maxQueuedRecords = positive('maxQueuedRecords', options.maxQueuedRecords ?? 100_000);
  }

  /** Records waiting for a batch (not counting the batch being scored). */
  get queued(): number {
    return this.queuedRecords;
  }

  submit(item: I): Promise<O> {
    const records = this.recordsOf(item);
    if (this.queuedRecords > 0 && this.queuedRecords + records > this.maxQueuedRecords) {
      return Promise.reject(new OverloadedError(this.queuedRecords));
    }
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, records, resolve, reject });
      this.queuedRecords += records;
      this.schedule();
    });
  }

  /** Resolves once everything submitted so far has been processed. */
  async drain(): Promise<void> {
    while (this.running || this.queue.length > 0) {
      if (this.running) await this.running;
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private schedule(): void {
    if (this.running || this.queue.length === 0 || this.immediate) return;
    const full = this.queuedRecords >= this.maxBatchRecords;
    if (this.maxWaitMs > 0 && !full) {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.start();
      }, this.maxWaitMs);
      return;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // setImmediate lets requests whose bodies are already in join this batch.
    this.immediate = setImmediate(() => {
      this.immediate = null;
      this.start();
    });
  }

  private start(): void {
    if (this.running || this.queue.length === 0) return;
    const batch: Pending<I, O>[] = [];
    let records = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (batch.length > 0 && records + next.records > this.maxBatchRecords) break;
      batch.push(next);
      records += next.records;
      this.queue.shift();
    }
    this.queuedRecords -= records;
    this.running = this.process(batch).finally(() => {
      this.running = null;
      this.schedule();
    });
  }

  private async process(batch: Pending<I, O>[]): Promise<void> {
    try {
      const results = await this.run(batch.map((p) => p.item));
      if (results.length !== batch.length) {
        throw new IotIdsError(`batch returned ${results.length} results for ${batch.length} items`);
      }
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new IotIdsError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}
