import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { MetricsFile } from '../evaluate/metrics-file.js';

/** One finished run directory, as `iot-ids models` lists it. */
export interface RunListing {
  /** The run directory, relative to the folder searched. */
  dir: string;
  dataset: string;
  task: string;
  protocol: string;
  model: string;
  /** First evaluated split and its headline figures; absent when the run evaluated nothing. */
  split?: string;
  accuracy?: number;
  macroF1?: number;
  /** Further evaluated splits beyond the first. */
  moreSplits: number;
  warnings: number;
  createdAt: string;
}

const MAX_DEPTH = 4;
const SKIPPED = new Set(['node_modules', '.git', 'checkpoints', 'model', 'best']);

/**
 * Every run directory (one holding a metrics.json, which is written last) under `root`, up to four levels
 * deep, sorted by path. A metrics.json that cannot be read is listed as unreadable instead of hiding the run.
 */
export async function listRuns(root: string): Promise<{ runs: RunListing[]; unreadable: string[] }> {
  const runs: RunListing[] = [];
  const unreadable: string[] = [];
  async function visit(dir: string, depth: number): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    if (entries.some((e) => e.isFile() && e.name === 'metrics.json')) {
      const path = join(dir, 'metrics.json');
      try {
        runs.push(
          listing(JSON.parse(await readFile(path, 'utf8')) as MetricsFile, relative(root, dir) || '.'),
        );
      } catch {
        unreadable.push(path);
      }
    }
    if (depth >= MAX_DEPTH) return;
    for (const e of entries) {
      if (e.isDirectory() && !SKIPPED.has(e.name) && !e.name.startsWith('.')) {
        await visit(join(dir, e.name), depth + 1);
      }
    }
  }
  await visit(root, 0);
  runs.sort((a, b) => a.dir.localeCompare(b.dir));
  return { runs, unreadable };
}

function listing(m: MetricsFile, dir: string): RunListing {
  const splits = Object.entries(m.splits ?? {});
  const [first] = splits;
  return {
    dir,
    dataset: m.dataset,
    task: m.task,
    protocol: m.protocol === 'random-split' ? 'random-split (INFLATED)' : m.protocol,
    model: m.model,
    ...(first ? { split: first[0], accuracy: first[1].accuracy, macroF1: first[1].f1?.macro } : {}),
    moreSplits: Math.max(0, splits.length - 1),
    warnings: m.warnings?.length ?? 0,
    createdAt: m.createdAt,
  };
}

function percent(value: number | undefined): string {
  return value === undefined ? '-' : `${(value * 100).toFixed(2)}%`;
}

/** A plain-text table, one run per line. */
export function formatRunList(runs: readonly RunListing[]): string {
  const header = [
    'run',
    'dataset',
    'task',
    'protocol',
    'model',
    'first test split',
    'accuracy',
    'macro-F1',
    'warnings',
  ];
  const rows = runs.map((r) => [
    r.dir,
    r.dataset,
    r.task,
    r.protocol,
    r.model,
    r.split === undefined ? '(none evaluated)' : `${r.split}${r.moreSplits ? ` (+${r.moreSplits})` : ''}`,
    percent(r.accuracy),
    percent(r.macroF1),
    String(r.warnings),
  ]);
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((row) => row[j].length)));
  const numeric = new Set([6, 7, 8]);
  const line = (cells: string[]): string =>
    cells
      .map((c, j) => (numeric.has(j) ? c.padStart(widths[j]) : c.padEnd(widths[j])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
