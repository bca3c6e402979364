import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Wall and CPU seconds (CPU: all threads of the process) of one piece of work. */
export interface Timing {
  wall: number;
  cpu: number;
}

const SERVER = join(import.meta.dirname, '..', 'reference', 'serve.py');

/**
 * A long-lived `bench/reference/serve.py` (Debian's /usr/bin/python3 with python3-torch, -sklearn and
 * -pandas; see bench/reference/README.md) with its thread count fixed at start: torch.set_num_threads and
 * OMP_NUM_THREADS / OPENBLAS_NUM_THREADS. Commands go one JSON line at a time and wait for their answer, so
 * the reference only works while the iot-ids side waits: the two take turns.
 */
export class ReferenceProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly answers: string[] = [];
  private waiting: ((line: string) => void) | null = null;
  private stderr = '';

  constructor(
    readonly threads: number,
    python = process.env.IOT_IDS_REFERENCE_PYTHON ?? '/usr/bin/python3',
  ) {
    const env = {
      ...process.env,
      OMP_NUM_THREADS: String(threads),
      OPENBLAS_NUM_THREADS: String(threads),
      MKL_NUM_THREADS: String(threads),
    };
    this.child = spawn(python, [SERVER, '--threads', String(threads)], { env });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = null;
        resolve(line);
      } else this.answers.push(line);
    });
    this.child.on('exit', (code) => {
      if (this.waiting) this.waiting(JSON.stringify({ error: `reference exited (${code}): ${this.stderr}` }));
    });
  }

  /** Sends one command and returns its answer; an answer with `error` throws. */
  async run<T = Record<string, unknown>>(command: Record<string, unknown>): Promise<T> {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    const line = this.answers.shift() ?? (await new Promise<string>((resolve) => (this.waiting = resolve)));
    const answer = JSON.parse(line) as T & { error?: string };
    if (answer.error !== undefined) {
      throw new Error(
        `reference (${this.threads} thread(s)) failed on ${String(command.task)}: ${answer.error}`,
      );
    }
    return answer;
  }

  /** Ends the process: it exits once its input closes; `now` also kills it in the middle of a command. */
  close(now = false): void {
    this.child.stdin.end();
    if (now) this.child.kill();
  }
}
