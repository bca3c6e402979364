import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets watch's old generation grow past what the last full collection kept, in percent
 * (V8's `--heap-growing-percent`: the next full collection comes at (1 + p/100) × the live size).
 *
 * Why: watch keeps a large, steady live heap (the open-connection table: ≈ 50 MiB at 66,700 UDP flows)
 * and promotes a steady trickle of garbage into the old generation. With Node's defaults V8 let the old
 * space grow to about twice that before collecting (factor up to 4 on a machine with gigabytes), so RSS
 * peaked 30–50 MiB above where it settles. At 50 % the old space stays within 1.5 × the live heap, at
 * the cost of more frequent full collections (each a few tens of ms at this size). Unlike
 * `--max-old-space-size` this is no cap: a heap that needs to grow still grows, it is never ended by an
 * out-of-memory error. V8 reads this flag at every full collection, so setting it at run time takes effect
 * (unlike `--max-semi-space-size`, fixed when the heap is set up).
 */
export const WATCH_HEAP_GROWING_PERCENT = 50;

/**
 * Sets watch's heap growth unless the user chose one (`--heap-growing-percent` on node's command line or in
 * NODE_OPTIONS; `--heap-growing-percent=0` restores V8's own heuristics). Returns the percent set, or null.
 */
export function limitHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
  setFlags: (flags: string) => void = setFlagsFromString,
): number | null {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)];
  if (given.some((flag) => /^--heap[-_]growing[-_]percent(=|$)/.test(flag))) return null;
  setFlags(`--heap-growing-percent=${WATCH_HEAP_GROWING_PERCENT}`);
  return WATCH_HEAP_GROWING_PERCENT;
}
