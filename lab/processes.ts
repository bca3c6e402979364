import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** A child the lab started, with a promise of its exit (never rejects: a spawn failure is an exit too). */
export interface LabChild {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>;
}

/**
 * Keeps every process the lab starts, so that whatever happens (a failed phase, Ctrl-C, an exception) the
 * cleanup can stop each one by its pid — no child may outlive the lab.
 */
export class ChildRegistry {
  private readonly live = new Set<LabChild>();

  start(name: string, command: string, args: string[], options: SpawnOptions = {}): LabChild {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], ...options });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
      (resolve) => {
        child.once('error', (error) => resolve({ code: null, signal: null, error }));
        child.once('exit', (code, signal) => resolve({ code, signal }));
      },
    );
    const entry: LabChild = { name, child, exited };
    this.live.add(entry);
    void exited.then(() => this.live.delete(entry));
    return entry;
  }

  /** Stops one child: SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(entry: LabChild, graceMs = 2000): Promise<void> {
    if (entry.child.exitCode !== null || entry.child.signalCode !== null) return;
    entry.child.kill('SIGTERM');
    const timer = setTimeout(() => entry.child.kill('SIGKILL'), graceMs);
    await entry.exited;
    clearTimeout(timer);
  }

  /** Stops every child still running (in parallel). */
  async stopAll(graceMs = 2000): Promise<void> {
    await Promise.all([...this.live].map((e) => this.stop(e, graceMs)));
  }

  /** Runs a bounded tool to completion, killing it at `timeLimitMs` (its own count should end it first). */
  async run(
    name: string,
    command: string,
    args: string[],
    timeLimitMs: number,
  ): Promise<{ code: number | null; stderr: string }> {
    const entry = this.start(name, command, args);
    let stderr = '';
    entry.child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString();
    });
    const timer = setTimeout(() => void this.stop(entry), timeLimitMs);
    const result = await entry.exited;
    clearTimeout(timer);
    if (result.error) throw result.error;
    return { code: result.code, stderr };
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
