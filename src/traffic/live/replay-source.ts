import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { IotIdsError } from '../../errors.js';
import { ZERO_STATS } from './capture-stats.js';
import { RunQueue, type CaptureHealth, type CaptureRun, type LivePcapSource } from './live-source.js';

/**
 * `watch --input f.pcap --replay [--speed N]`: a classic pcap file played back at its recorded pace (N
 * times faster), so interim records, timeouts and alert latency behave as they would live. Packets are
 * released in order once their time (relative to the first packet) has come; the bytes passed on are the
 * file's own, header first. pcapng is refused (convert it with `editcap -F pcap`).
 */
export class ReplayPcapSource implements LivePcapSource {
  private readonly queue = new RunQueue();
  private bytes = 0;
  private running = false;
  private lastError: string | null = null;
  private started = false;
  private readonly abort = new AbortController();
  private firstTs = -1;

  constructor(
    private readonly file: string,
    private readonly speed = 1,
  ) {
    if (!(speed > 0) || !Number.isFinite(speed)) {
      throw new IotIdsError(`--speed must be a positive number, got ${speed}`, { kind: 'usage' });
    }
  }

  runs(): AsyncIterable<CaptureRun> {
    if (!this.started) {
      this.started = true;
      this.running = true;
      const stream = Readable.from(this.paced(), { objectMode: false });
      this.queue.push({ generation: 0, stream, startedAt: Date.now() });
      this.queue.close();
    }
    return this.queue.iterate();
  }

  health(): CaptureHealth {
    return {
      kind: 'replay',
      running: this.running,
      generation: 0,
      restarts: 0,
      bytes: this.bytes,
      stats: { ...ZERO_STATS },
      lastError: this.lastError,
    };
  }

  /** Epoch seconds of the first packet (replay time 0), or -1 before it is read. */
  get firstPacketTime(): number {
    return this.firstTs;
  }

  stop(): Promise<void> {
    this.abort.abort();
    this.running = false;
    return Promise.resolve();
  }

  private async *paced(): AsyncGenerator<Buffer> {
    const input = createReadStream(this.file);
    try {
      const chunks = input as AsyncIterable<Buffer>;
      let pending = Buffer.alloc(0);
      let header: { little: boolean; nanos: boolean } | null = null;
      const startedAt = Date.now();
      for await (const chunk of chunks) {
        if (this.abort.signal.aborted) return;
        pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
        if (header === null) {
          if (pending.length < 24) continue;
          header = pcapHeader(pending, this.file);
          yield this.count(pending.subarray(0, 24));
          pending = pending.subarray(24);
        }
        let offset = 0;
        while (pending.length - offset >= 16) {
          const sec = header.little ? pending.readUInt32LE(offset) : pending.readUInt32BE(offset);
          const frac = header.little ? pending.readUInt32LE(offset + 4) : pending.readUInt32BE(offset + 4);
          const length = header.little ? pending.readUInt32LE(offset + 8) : pending.readUInt32BE(offset + 8);
          if (pending.length - offset < 16 + length) break;
          const ts = sec + frac / (header.nanos ? 1e9 : 1e6);
          if (this.firstTs < 0) this.firstTs = ts;
          const dueMs = startedAt + ((ts - this.firstTs) * 1000) / this.speed - Date.now();
          if (dueMs > 1) {
            // Pass on what is due before waiting, so earlier packets are not held back.
            if (offset > 0) yield this.count(pending.subarray(0, offset));
            pending = pending.subarray(offset);
            offset = 0;
            try {
              await sleep(dueMs, undefined, { signal: this.abort.signal });
            } catch {
              return;
            }
            continue;
          }
          offset += 16 + length;
        }
        if (offset > 0) yield this.count(pending.subarray(0, offset));
        pending = Buffer.from(pending.subarray(offset));
      }
      // A truncated last record is passed on: the pcap reader reports it, as it would from a file.
      if (pending.length > 0) yield this.count(pending);
    } catch (error) {
      this.lastError = `replay of ${this.file} failed: ${(error as Error).message}`;
      throw error;
    } finally {
      this.running = false;
      input.destroy();
    }
  }

  private count(bytes: Buffer): Buffer {
    this.bytes += bytes.length;
    return Buffer.from(bytes);
  }
}

function pcapHeader(bytes: Buffer, file: string): { little: boolean; nanos: boolean } {
  const magic = bytes.readUInt32LE(0);
  if (magic === 0xa1b2c3d4) return { little: true, nanos: false };
  if (magic === 0xa1b23c4d) return { little: true, nanos: true };
  if (magic === 0xd4c3b2a1) return { little: false, nanos: false };
  if (magic === 0x4d3cb2a1) return { little: false, nanos: true };
  throw new IotIdsError(
    `--replay needs a classic pcap file; ${file} starts with 0x${magic.toString(16)} (pcapng? convert it with editcap -F pcap)`,
    { kind: 'usage', location: { file } },
  );
}
