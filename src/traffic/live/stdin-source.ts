import type { Readable } from 'node:stream';
import { ZERO_STATS } from './capture-stats.js';
import {
  countingStream,
  RunQueue,
  type CaptureHealth,
  type CaptureRun,
  type LivePcapSource,
} from './live-source.js';

/**
 * `watch --input -`: a pcap byte stream on stdin (e.g. `tcpdump -U -w - | iot-ids watch --input -`, or
 * `ssh gateway tcpdump … | …`). There is one stream and no restart: when it ends, the source ends. A stream
 * cut mid-packet is the pcap reader's to report; this source only says the stream ended, or failed.
 */
export class StdinPcapSource implements LivePcapSource {
  private readonly queue = new RunQueue();
  private bytes = 0;
  private running = false;
  private lastError: string | null = null;
  private started = false;

  constructor(private readonly input: Readable = process.stdin) {}

  runs(): AsyncIterable<CaptureRun> {
    if (!this.started) {
      this.started = true;
      this.running = true;
      const stream = countingStream(this.input, (n) => (this.bytes += n));
      this.input.once('end', () => this.finish(null));
      this.input.once('error', (error) => this.finish(`input stream failed: ${error.message}`));
      this.queue.push({ generation: 0, stream, startedAt: Date.now() });
      this.queue.close();
    }
    return this.queue.iterate();
  }

  health(): CaptureHealth {
    return {
      kind: 'stdin',
      running: this.running,
      generation: 0,
      restarts: 0,
      bytes: this.bytes,
      stats: { ...ZERO_STATS },
      lastError: this.lastError,
    };
  }

  stop(): Promise<void> {
    if (this.running) this.finish(null);
    // Stop reading: a paused stdin no longer keeps the process alive.
    this.input.pause();
    if (this.input !== process.stdin) this.input.destroy();
    return Promise.resolve();
  }

  private finish(error: string | null): void {
    this.running = false;
    if (error) this.lastError = error;
  }
}
