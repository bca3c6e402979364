import { formatFixed } from '../../evaluate/classification-report.js';
import type { Summary } from '../results-file.js';

const DASH = '–';

/** A fraction with `digits` decimals, rounded like the text classification report (Python's rules). */
export function decimal(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined || !Number.isFinite(value) ? DASH : formatFixed(value, digits);
}

/** A fraction as a percentage: 0.98012 → "98.01 %". */
export function percent(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? DASH
    : `${formatFixed(100 * value, digits)} %`;
}

export function count(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? DASH
    : value.toLocaleString('en-US');
}

export function seconds(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return value < 10 ? `${value.toFixed(2)} s` : `${value.toFixed(1)} s`;
}

/** "98.01 ± 0.12 %" or "0.9812 ± 0.0011"; the std is left out for a single value. */
export function meanStd(summary: Summary, style: 'percent' | 'decimal' | 'seconds'): string {
  if (summary.mean === null) return DASH;
  if (style === 'seconds')
    return summary.std === null
      ? seconds(summary.mean)
      : `${seconds(summary.mean)} ± ${seconds(summary.std)}`;
  if (style === 'percent') {
    const mean = formatFixed(100 * summary.mean, 2);
    return summary.std === null ? `${mean} %` : `${mean} ± ${formatFixed(100 * summary.std, 2)} %`;
  }
  return summary.std === null ? decimal(summary.mean) : `${decimal(summary.mean)} ± ${decimal(summary.std)}`;
}

/** "[97.80, 98.22] %" / "[0.9790, 0.9834]", or a dash when there is no interval (fewer than two seeds). */
export function interval(summary: Summary, style: 'percent' | 'decimal'): string {
  if (!summary.ci95) return DASH;
  if (style === 'percent') {
    return `[${formatFixed(100 * summary.ci95.low, 2)}, ${formatFixed(100 * summary.ci95.high, 2)}] %`;
  }
  return `[${decimal(summary.ci95.low)}, ${decimal(summary.ci95.high)}]`;
}

/** A signed difference in percentage points or plain units: "+1.23 pp", "−0.0040". */
export function difference(
  ours: number | null,
  claimed: number | null,
  style: 'percent' | 'decimal',
): string {
  if (ours === null || claimed === null) return DASH;
  const delta = style === 'percent' ? 100 * (ours - claimed) : ours - claimed;
  const text = formatFixed(Math.abs(delta), style === 'percent' ? 2 : 4);
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  return style === 'percent' ? `${sign}${text} pp` : `${sign}${text}`;
}
