import { setImmediate as nextTurn } from 'node:timers/promises';
import { usageError } from '../errors.js';
import { PRUNE_BATCH_ROWS, type AlertStore } from './alert-store.js';

export interface AlertRetentionOptions {
  /** Time between prunes, in ms (the first runs at once). Default 3600000 (an hour). */
  intervalMs?: number;
  /** Rows deleted per transaction; the event loop runs other work between transactions. Default 5000. */
  batchRows?: number;
  /** Where each run reports what it removed (the first run always, later ones when they removed any). Default: nowhere. */
  log?: (message: string) => void;
  /** Called after every transaction that removed alerts, with how many (for a metric). Default none. */
  onPruned?: (count: number) => void;
  /** Clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

export interface AlertRetention {
  /** Prunes now (or joins the run under way) and resolves to how many alerts that run removed. */
  runNow(): Promise<number>;
  /** Stops the timer and waits for a run under way to stop after its current batch. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Applies a store's retention period (`AlertStoreOptions.retentionDays`) in the background: once at start,
 * then every `intervalMs`, on an unref'd timer so it never keeps a process alive. A run deletes in small
 * transactions and yields to the event loop between them, so a first run after months without retention
 * does not stall scoring. A failed run (e.g. the file is locked by another writer) is logged and retried at
 * the next tick. Call `stop()` before closing the store.
 */
export function startAlertRetention(store: AlertStore, options: AlertRetentionOptions = {}): AlertRetention {
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const batchRows = options.batchRows ?? PRUNE_BATCH_ROWS;
  const intervalMs = options.intervalMs ?? 3_600_000;
  if (!Number.isInteger(intervalMs) || intervalMs < 1) {
    throw usageError(`prune interval must be a whole number of ms ≥ 1, got ${intervalMs}`);
  }
  let stopped = false;
  let running: Promise<number> | null = null;
  let runs = 0;

  const prune = async (): Promise<number> => {
    const at = now();
    let total = 0;
    for (;;) {
      if (stopped || !store.isOpen) break;
      const deleted = store.pruneBatch(at, batchRows);
      total += deleted;
      // Per batch, so a run that fails half-way still counts what it removed.
      if (deleted > 0) options.onPruned?.(deleted);
      if (deleted < batchRows) break;
      await nextTurn();
    }
    if (total > 0 || runs === 0) {
      log(`alert retention: removed ${total} alerts older than ${store.retentionDays ?? '∞'} days`);
    }
    runs++;
    return total;
  };

  const runNow = (): Promise<number> => {
    running ??= prune().finally(() => {
      running = null;
    });
    return running;
  };

  const tick = (): void => {
    runNow().catch((error: unknown) => log(`alert retention failed: ${(error as Error).message}`));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();

  return {
    runNow,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
