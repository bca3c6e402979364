import type { CaptureRun } from '../../traffic/live/live-source.js';

/**
 * The run's bytes until the stream ends or a stop is requested; then the iterator returns normally, so the
 * reader ends the capture and the meter flushes every open connection (SIGTERM loses nothing metered).
 */
export async function* untilStopped(
  run: CaptureRun,
  stopRequested: Promise<void>,
  isStopping: () => boolean,
  onBytes: (n: number) => void,
): AsyncGenerator<Buffer> {
  const iterator = (run.stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const stopped = stopRequested.then(() => null);
  try {
    for (;;) {
      if (isStopping()) return;
      const next = await Promise.race([iterator.next(), stopped]);
      if (next === null || next.done) return;
      onBytes(next.value.length);
      yield next.value;
    }
  } finally {
    void iterator.return?.();
  }
}
