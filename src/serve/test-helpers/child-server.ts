import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ServerOptions } from '../server.js';

export interface ChildServer {
  child: ChildProcess;
  url: string;
  /** What the child wrote to stderr so far. */
  stderr: () => string;
  /** Resolves with the exit signal or code once the process is gone. */
  exited: Promise<string>;
}

const SCRIPT = fileURLToPath(new URL('./serve-child.ts', import.meta.url));

/** Starts `serve-child.ts` with tsx and waits until it listens (at most `timeoutMs`). */
export function startChildServer(options: ServerOptions, timeoutMs = 30_000): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<string>((resolve) => {
    child.on('exit', (code, signal) => resolve(signal ?? String(code)));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child server did not start in ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const { url } = JSON.parse(line) as { url: string };
      resolve({ child, url, stderr: () => stderr, exited });
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`child server exited (${how}) before listening: ${stderr}`));
    });
  });
}
