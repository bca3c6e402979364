/** What every figure and table states about the numbers it shows. */
export interface ChartContext {
  dataset: string;
  task: string;
  /** 'official' or 'random-split' (labelled as inflated wherever it is shown). */
  protocol: string;
  /** The split the figures were measured on (the training split for training curves). */
  split: string;
  /** Seeds the figures come from; their count is the "n" of every mean ± std. */
  seeds: readonly number[];
}

/** The protocol as shown to readers: random-split always carries its warning. */
export function protocolLabel(protocol: string): string {
  return protocol === 'random-split' ? 'random-split (INFLATED)' : protocol;
}

/** "1 seed (7)", "5 seeds (1–5)", "3 seeds (1, 4, 9)". */
export function seedsLabel(seeds: readonly number[]): string {
  const sorted = [...new Set(seeds)].sort((a, b) => a - b);
  const contiguous = sorted.length > 2 && sorted.every((s, i) => i === 0 || s === sorted[i - 1] + 1);
  const list = contiguous ? `${sorted[0]}–${sorted[sorted.length - 1]}` : sorted.join(', ');
  return `${sorted.length} seed${sorted.length === 1 ? '' : 's'} (${list})`;
}

/** One line naming dataset, task, protocol, split and seeds, for table captions. */
export function contextLine(context: ChartContext): string {
  return contextLines(context).join(' · ');
}

/** The same in two shorter lines, for chart subtitles (which should not be much wider than the chart). */
export function contextLines(context: ChartContext): [string, string] {
  return [
    `dataset ${context.dataset} · task ${context.task} · protocol ${protocolLabel(context.protocol)}`,
    `split ${context.split} · ${seedsLabel(context.seeds)}`,
  ];
}
