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
