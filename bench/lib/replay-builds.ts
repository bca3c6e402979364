import { readFileSync } from 'node:fs';
import { median } from './nsl-kdd-matrices.js';

/** A kernel build's exports as the replay calls them: its memory and its functions by name. */
export type ReplayExports = { memory: WebAssembly.Memory } & Record<string, unknown>;

/**
 * Times several builds of one kernel on one recorded step: every round restores each build's memory from
 * `snapshot` (at byte `base`), replays the recorded calls `reps` times and takes the CPU µs a step. The
 * builds alternate within each round, so load drift on a shared machine hits them alike. Returns each
 * build's per-round µs and their median.
 */
export function timeReplays(
  instances: readonly ReplayExports[],
  recorded: readonly [string, number[]][],
  snapshot: Uint8Array,
  options: { base?: number; reps: number; rounds: number },
): { rounds: number[]; median: number }[] {
  const times = instances.map(() => [] as number[]);
  for (let round = 0; round < options.rounds; round++) {
    instances.forEach((exports, b) => {
      new Uint8Array(exports.memory.buffer).set(snapshot, options.base ?? 0);
      const start = process.cpuUsage();
      for (let r = 0; r < options.reps; r++) {
        for (const [name, a] of recorded) (exports[name] as (...args: number[]) => unknown)(...a);
      }
      const used = process.cpuUsage(start);
      times[b].push((used.user + used.system) / options.reps);
    });
  }
  return times.map((t) => ({ rounds: t, median: median(t) }));
}

/**
 * Runs `step` with `holder.exports` swapped for a spy that records the calls to the `wanted` exports
 * (arguments only: a replay starts from the memory as it was after the step, which every call reads the
 * same way), then puts the real exports back. Returns the calls in order.
 */
export function recordCalls<E extends Record<string, unknown>>(
  holder: { exports: E },
  wanted: readonly string[],
  step: () => void,
): [string, number[]][] {
  const plain = holder.exports;
  const recorded: [string, number[]][] = [];
  const spy: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(plain)) {
    spy[name] =
      typeof f !== 'function'
        ? f
        : (...a: number[]) => {
            if (wanted.includes(name)) recorded.push([name, a]);
            return (f as (...args: number[]) => unknown)(...a);
          };
  }
  holder.exports = spy as E;
  try {
    step();
  } finally {
    holder.exports = plain;
  }
  return recorded;
}

/** The module of a committed `NAME.wasm.ts` (its base64 string), or of any file holding one, e.g. from `git show`. */
export function moduleOfWasmTs(file: string, bench: string): WebAssembly.Module {
  const base64 = /'([A-Za-z0-9+/=]+)'/.exec(readFileSync(file, 'utf8'))?.[1];
  if (!base64) throw new Error(`${bench}: no module in ${file}`);
  return new WebAssembly.Module(Buffer.from(base64, 'base64'));
}
