import type { Alert, Contribution } from './api-types.js';
import type { ClassColors } from './colors.js';
import { clock, el, numberFormat } from './dom.js';

/** The class of anomaly alerts (`ANOMALY_CLASS` in src/models/zero-day/combine.ts): their value is a score. */
const ANOMALY_CLASS = 'anomaly';

export const MAX_FEED = 100;

interface Row {
  tr: HTMLTableRowElement;
  count: HTMLTableCellElement;
  records: number;
}

/** The live alert table: newest first, at most MAX_FEED rows, counts raised in place by updates. */
export class AlertFeed {
  private readonly rows = new Map<number, Row>();

  constructor(
    private readonly body: HTMLElement,
    private readonly empty: HTMLElement,
    private readonly counter: HTMLElement,
    private readonly colors: ClassColors,
  ) {}

  /** Adds an alert (on top when fresh, else below: a page of older alerts); a known id is ignored. */
  add(alert: Alert, fresh: boolean): void {
    if (this.rows.has(alert.id)) return;
    const tr = el('tr', fresh ? 'fresh' : '');
    const badge = el('span', 'badge', alert.class);
    badge.style.setProperty('--c', this.colors.of(alert.class));
    const cls = el('td');
    cls.append(badge);
    const count = el('td', 'num', numberFormat.format(alert.count));
    const value = el('td', 'num', alert.probability.toFixed(3));
    value.title =
      alert.class === ANOMALY_CLASS ? 'anomaly score (reconstruction error)' : 'class probability';
    const features = el('td');
    features.append(featuresText(alert.explanation));
    tr.append(
      el('td', 'mono nowrap', clock(alert.time)),
      cls,
      value,
      count,
      el('td', 'mono', alert.sourceKey),
      features,
    );
    tr.title = `alert #${alert.id}, window from ${new Date(alert.windowStart).toLocaleTimeString()}`;
    this.body.insertBefore(tr, fresh ? this.body.firstChild : null);
    this.rows.set(alert.id, { tr, count, records: alert.count });
    while (this.body.children.length > MAX_FEED) {
      const last = this.body.lastElementChild;
      if (!last) break;
      last.remove();
      for (const [id, row] of this.rows) if (row.tr === last) this.rows.delete(id);
    }
    this.empty.classList.toggle('hidden', this.rows.size > 0);
    this.counter.textContent = `${this.rows.size} shown`;
  }

  /** Sets a shown alert's record count; returns how many records it gained, or null if it is not shown. */
  update(id: number, records: number): number | null {
    const row = this.rows.get(id);
    if (!row) return null;
    const gained = records - row.records;
    row.records = records;
    row.count.textContent = numberFormat.format(records);
    return gained;
  }
}

/** The top three features of an explanation, `name=value (±contribution)`. */
function featuresText(explanation: readonly Contribution[]): HTMLElement {
  const wrap = el('span', 'features');
  explanation.slice(0, 3).forEach((f, i) => {
    if (i) wrap.append(document.createTextNode(' · '));
    wrap.append(el('b', '', f.feature));
    const sign = f.contribution < 0 ? '−' : '+';
    const value = typeof f.value === 'number' ? +f.value.toPrecision(4) : f.value;
    wrap.append(document.createTextNode(`=${String(value)} (${sign}${Math.abs(f.contribution).toFixed(2)})`));
  });
  return wrap;
}
