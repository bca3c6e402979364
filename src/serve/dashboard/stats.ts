import type { ClassTotals } from './api-types.js';
import type { ClassColors } from './colors.js';
import { el, numberFormat } from './dom.js';

/** One card for all attack classes together, then one per class: alerting records and stored alerts. */
export function renderStats(
  box: HTMLElement,
  classes: readonly string[],
  totals: Readonly<Record<string, ClassTotals>>,
  colors: ClassColors,
): void {
  let records = 0;
  let alerts = 0;
  for (const c of classes) {
    records += totals[c]?.records ?? 0;
    alerts += totals[c]?.alerts ?? 0;
  }
  box.replaceChildren(
    card('all attack classes', records, `${numberFormat.format(alerts)} alerts stored`, '#5b8cff'),
    ...classes.map((c) => {
      const t = totals[c] ?? { records: 0, alerts: 0 };
      return card(c, t.records, `${numberFormat.format(t.alerts)} alerts`, colors.of(c));
    }),
  );
}

function card(label: string, value: number, detail: string, color: string): HTMLElement {
  const stat = el('div', 'stat');
  stat.style.setProperty('--c', color);
  stat.append(
    el('div', 'label', label),
    el('div', 'value', numberFormat.format(value)),
    el('div', 'detail', detail),
  );
  return stat;
}
