import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { IotIdsError } from '../../errors.js';
import { addStats, applyStatsLine, ZERO_STATS, type CaptureStats } from './capture-stats.js';
import {
  countingStream,
  RunQueue,
  type CaptureHealth,
  type CaptureRun,
  type LivePcapSource,
} from './live-source.js';

/**
 * Live capture through a `tcpdump -U -w -` child: the capture privilege stays with tcpdump, iot-ids reads
 * its pcap stream from stdout. tcpdump's statistics are parsed from stderr (at exit, and on demand through
 * SIGUSR1). A child that exits on its own is reported and restarted after an exponential backoff, up to a
 * bound; `stop()` (or the abort signal) ends it with SIGTERM, which makes tcpdump flush and report.
 */

export interface Backoff {
  /** Delay before the first restart. */
  initialMs: number;
  /** Multiplier per consecutive failure. */
  factor: number;
  /** Ceiling of the delay. */
  maxMs: number;
  /** Consecutive restarts allowed before giving up. */
  maxRestarts: number;
  /** A child that ran at least this long counts as healthy: the next failure starts the backoff afresh. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Readonly<Backoff> = Object.freeze({
  initialMs: 500,
  factor: 2,
  maxMs: 30_000,
  maxRestarts: 8,
  resetAfterMs: 60_000,
});

export interface TcpdumpCaptureOptions {
  /** Interface to capture on (`-i`). */
  interface: string;
  /** BPF filter expression, passed to tcpdump as one argument. */
  filter?: string;
  /** Run tcpdump inside this network namespace (`ip netns exec NAME tcpdump …`, needs root). */
  netns?: string;
  /** Deliver packets as they arrive rather than per kernel buffer block (lower latency, more CPU). */
  immediate?: boolean;
  snaplen?: number;
  /**
   * The kernel capture buffer, KiB (tcpdump -B). Default 32768 (32 MiB): while the reader is busy (a burst of
   * interim records being scored) packets wait here instead of being dropped; at 20 k packets/s of small
   * packets that is about 15 s. 0 leaves tcpdump's own default (2 MiB on Linux).
   */
  bufferKiB?: number;
  tcpdumpPath?: string;
  backoff?: Partial<Backoff>;
  /** Stops the capture when aborted. */
  signal?: AbortSignal;
  /** How long `stop()` waits after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
  /** Replaces the whole command line (tests use a fake child); `interface` and `filter` are then unused. */
  command?: { file: string; args: string[] };
}

export type CaptureEvent =
  | { type: 'started'; generation: number; pid: number; command: string }
  /** tcpdump said `listening on IF`: packets from now on are captured. */
  | { type: 'listening'; generation: number }
  | { type: 'stats'; generation: number; stats: CaptureStats }
  | {
      type: 'exit';
      generation: number;
      code: number | null;
      signal: NodeJS.Signals | null;
      /** True when `stop()` asked for it; false for a crash or an exit on its own. */
      requested: boolean;
      stats: CaptureStats | null;
      /** The last lines tcpdump wrote to stderr, for the report. */
      stderrTail: string[];
      error?: string;
    }
  | { type: 'restart'; generation: number; attempt: number; delayMs: number }
  | { type: 'gave-up'; restarts: number; reason: string };

export const DEFAULT_CAPTURE_BUFFER_KIB = 32768;

/** The command line `watch --interface IF [--filter F]` runs. */
export function tcpdumpCommand(options: TcpdumpCaptureOptions): { file: string; args: string[] } {
  if (options.command) return options.command;
  if (!/^[\w.:@-]+$/.test(options.interface)) {
    throw new IotIdsError(`invalid interface name "${options.interface}"`, { kind: 'usage' });
  }
  const tcpdump = [
    options.tcpdumpPath ?? 'tcpdump',
    '-U',
    '-w',
    '-',
    '-i',
    options.interface,
    ...(options.snaplen ? ['-s', String(options.snaplen)] : []),
    ...((options.bufferKiB ?? DEFAULT_CAPTURE_BUFFER_KIB) > 0
      ? ['-B', String(options.bufferKiB ?? DEFAULT_CAPTURE_BUFFER_KIB)]
      : []),
    ...(options.immediate ? ['--immediate-mode'] : []),
    ...(options.filter?.trim() ? [options.filter] : []),
  ];
  if (options.netns === undefined) return { file: tcpdump[0], args: tcpdump.slice(1) };
  if (!/^[\w.-]+$/.test(options.netns)) {
    throw new IotIdsError(`invalid network namespace name "${options.netns}"`, { kind: 'usage' });
  }
  // `ip netns exec` execs tcpdump in place, so the child's pid is tcpdump's and signals reach it directly.
  return { file: 'ip', args: ['netns', 'exec', options.netns, ...tcpdump] };
}

export class TcpdumpCapture extends EventEmitter implements LivePcapSource {
  private readonly backoff: Backoff;
  private readonly queue = new RunQueue();
  private readonly command: { file: string; args: string[] };
  private child: ChildProcess | null = null;
  private childExited: Promise<void> = Promise.resolve();
  private generation = -1;
  private consecutiveFailures = 0;
  private restarts = 0;
  private bytes = 0;
  private finishedStats: CaptureStats = { ...ZERO_STATS };
  private currentStats: CaptureStats = { ...ZERO_STATS };
  private lastError: string | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private stopped = false;
  private started = false;

  constructor(private readonly options: TcpdumpCaptureOptions) {
    super();
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.command = tcpdumpCommand(options);
    options.signal?.addEventListener('abort', () => void this.stop(), { once: true });
  }

  /** Starts the first child (idempotent); `runs()` starts it too. */
  start(): this {
    if (this.started || this.stopping) return this;
    this.started = true;
    if (this.options.signal?.aborted) {
      void this.stop();
      return this;
    }
    this.spawnChild();
    return this;
  }

  runs(): AsyncIterable<CaptureRun> {
    this.start();
    return this.queue.iterate();
  }

  health(): CaptureHealth {
    return {
      kind: 'tcpdump',
      running: this.child !== null,
      generation: Math.max(0, this.generation),
      restarts: this.restarts,
      bytes: this.bytes,
      stats: addStats(this.finishedStats, this.currentStats),
      lastError: this.lastError,
    };
  }

  /** Asks the running tcpdump for its statistics (SIGUSR1); they arrive as a `stats` event. */
  requestStats(): boolean {
    return this.child?.pid !== undefined && this.child.exitCode === null && this.child.kill('SIGUSR1');
  }

  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.restartTimer = null;
      const child = this.child;
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), this.options.stopTimeoutMs ?? 5000);
        await this.childExited;
        clearTimeout(timer);
      }
      this.stopped = true;
      this.queue.close();
    }
    while (!this.stopped) await this.childExited;
  }

  private spawnChild(): void {
    const generation = ++this.generation;
    const startedAt = Date.now();
    this.currentStats = { ...ZERO_STATS };
    const child = spawn(this.command.file, this.command.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const stderrTail: string[] = [];
    let spawnError: Error | undefined;
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > 20) stderrTail.shift();
      if (line.includes('listening on ')) this.emitEvent({ type: 'listening', generation });
      // A report ends with the kernel's drop count (the interface's, where printed, follows at exit only).
      if (applyStatsLine(this.currentStats, line) && line.includes('dropped by kernel')) {
        this.emitEvent({ type: 'stats', generation, stats: { ...this.currentStats } });
      }
    });
    child.once('error', (error) => (spawnError = error));
    this.childExited = new Promise<void>((resolve) => {
      // 'close' waits for stdout and stderr to end, so the exit statistics have been parsed.
      child.once('close', (code, signal) => {
        this.onExit(generation, startedAt, code, signal, stderrTail, spawnError);
        resolve();
      });
    });
    if (child.pid !== undefined) {
      this.emitEvent({
        type: 'started',
        generation,
        pid: child.pid,
        command: [this.command.file, ...this.command.args].join(' '),
      });
    }
    const stream = countingStream(child.stdout, (n) => (this.bytes += n));
    this.queue.push({ generation, stream, startedAt });
  }

  private onExit(
    generation: number,
    startedAt: number,
    code: number | null,
    signal: NodeJS.Signals | null,
    stderrTail: string[],
    spawnError: Error | undefined,
  ): void {
    const sawStats = stderrTail.some((l) => /packets? captured/.test(l));
    const childStats = { ...this.currentStats };
    this.finishedStats = addStats(this.finishedStats, childStats);
    this.currentStats = { ...ZERO_STATS };
    this.child = null;
    const requested = this.stopping;
    const error = spawnError?.message;
    this.emitEvent({
      type: 'exit',
      generation,
      code,
      signal,
      requested,
      stats: sawStats ? childStats : null,
      stderrTail: [...stderrTail],
      ...(error ? { error } : {}),
    });
    if (requested) return;
    this.lastError =
      error ??
      `capture exited (${signal ? `signal ${signal}` : `code ${code}`})${stderrTail.length ? `: ${stderrTail.at(-1)}` : ''}`;
    if (Date.now() - startedAt >= this.backoff.resetAfterMs) this.consecutiveFailures = 0;
    if (this.consecutiveFailures >= this.backoff.maxRestarts) {
      this.emitEvent({ type: 'gave-up', restarts: this.restarts, reason: this.lastError });
      this.stopping = true;
      this.stopped = true;
      this.queue.close();
      return;
    }
    const delayMs = Math.min(
      this.backoff.maxMs,
      this.backoff.initialMs * this.backoff.factor ** this.consecutiveFailures,
    );
    this.consecutiveFailures++;
    this.emitEvent({
      type: 'restart',
      generation: generation + 1,
      attempt: this.consecutiveFailures,
      delayMs,
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.restarts++;
      this.spawnChild();
    }, delayMs);
  }

  private emitEvent(event: CaptureEvent): void {
    this.emit('event', event);
  }
}

/** Stops the capture on SIGTERM and SIGINT (as `watch` does); returns a function removing the handlers. */
export function stopOnSignals(
  source: LivePcapSource,
  signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
): () => void {
  const handler = (): void => void source.stop();
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
