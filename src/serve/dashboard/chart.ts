import type { ClassColors } from './colors.js';
import { numberFormat, svg } from './dom.js';

export const WINDOW_MINUTES = 60;
const MINUTE = 60_000;

/** Alerting records per class per minute over the last hour, as stacked bars in an SVG. */
export function renderChart(
  box: HTMLElement,
  classes: readonly string[],
  buckets: ReadonlyMap<number, Record<string, number>>,
  colors: ClassColors,
): void {
  const W = Math.max(400, box.clientWidth || 1000);
  const [H, L, R, T, B] = [220, 46, 8, 10, 24];
  const now = Date.now();
  const end = now - (now % MINUTE) + MINUTE;
  const start = end - WINDOW_MINUTES * MINUTE;
  let max = 0;
  const columns: [number, Record<string, number>][] = [];
  for (let i = 0; i < WINDOW_MINUTES; i++) {
    const t = start + i * MINUTE;
    const counts = buckets.get(t) ?? {};
    let sum = 0;
    for (const c of classes) sum += counts[c] ?? 0;
    max = Math.max(max, sum);
    columns.push([t, counts]);
  }
  const top = niceMax(max);
  const root = svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': 'alerting records per minute by class',
  });
  for (let g = 0; g <= 4; g++) {
    const y = T + (H - T - B) * (1 - g / 4);
    root.append(svg('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'grid' }));
    const label = svg('text', { x: L - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' });
    label.textContent = numberFormat.format(Math.round((top * g) / 4));
    root.append(label);
  }
  const slot = (W - L - R) / WINDOW_MINUTES;
  const barWidth = Math.max(2, slot - 3);
  columns.forEach(([t, counts], i) => {
    let y = H - B;
    const x = L + i * slot + (slot - barWidth) / 2;
    for (const c of classes) {
      const n = counts[c] ?? 0;
      if (!n) continue;
      const h = (n / top) * (H - T - B);
      y -= h;
      const bar = svg('rect', {
        x: x.toFixed(1),
        y: y.toFixed(1),
        width: barWidth.toFixed(1),
        height: Math.max(h, 0.5).toFixed(1),
        fill: colors.of(c),
        rx: 1.5,
      });
      const tip = svg('title');
      tip.textContent = `${new Date(t).toLocaleTimeString()} · ${c}: ${numberFormat.format(n)}`;
      bar.append(tip);
      root.append(bar);
    }
    if (i % 10 === 0) {
      const label = svg('text', { x: (L + i * slot).toFixed(1), y: H - 6, class: 'axis' });
      label.textContent = new Date(t).toLocaleTimeString([], {
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
      root.append(label);
    }
  });
  box.replaceChildren(root);
}

/** The axis top: 4 at least, else the next 1, 2 or 5 × a power of ten. */
export function niceMax(value: number): number {
  if (value <= 4) return 4;
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  const m = value / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}
