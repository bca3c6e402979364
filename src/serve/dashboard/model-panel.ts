import type { ModelInfo, TestMetrics } from './api-types.js';
import type { ClassColors } from './colors.js';
import { el, numberFormat, percent } from './dom.js';

/** The model served: kind, dataset, classes, thresholds, when it was trained and loaded. */
export function renderModel(list: HTMLElement, model: ModelInfo): void {
  const thresholds = Object.entries(model.thresholds)
    .map(([c, t]) => `${c} ≥ ${t}`)
    .join(', ');
  const rows: [string, string][] = [
    ['model', model.kind],
    ['dataset', model.dataset],
    ['task', model.task],
    ['protocol', model.protocol],
    ['classes', model.classes.join(', ')],
    ['alert thresholds', thresholds],
    ['trained', new Date(model.createdAt).toLocaleString()],
    ['loaded', new Date(model.loadedAt).toLocaleString()],
    ['run', model.run],
  ];
  list.replaceChildren();
  for (const [key, value] of rows) list.append(el('dt', '', key), el('dd', '', value));
}

/** The run's test metrics: one line per split, then per class on the first split. */
export function renderMetrics(box: HTMLElement, metrics: TestMetrics | null, colors: ClassColors): void {
  if (!metrics) return;
  box.replaceChildren();
  if (metrics.protocolDescription) box.append(el('p', 'hint', metrics.protocolDescription));
  const splits = Object.entries(metrics.splits);
  box.append(
    table(
      ['split', 'records', 'accuracy', 'macro-F1', 'ROC-AUC'],
      splits.map(([name, s]) => [
        el('td', '', name),
        el('td', 'num', numberFormat.format(s.n)),
        el('td', 'num', percent(s.accuracy)),
        el('td', 'num', percent(s.macroF1)),
        el('td', 'num', s.rocAucMacro === null ? '–' : s.rocAucMacro.toFixed(3)),
      ]),
    ),
  );
  const first = splits[0];
  if (!first || Object.keys(first[1].perClass).length === 0) return;
  box.append(el('div', 'split-name', `Per class on ${first[0]}`));
  box.append(
    table(
      ['class', 'precision', 'recall', 'F1', 'support'],
      Object.entries(first[1].perClass).map(([name, v]) => {
        const badge = el('span', 'badge', name);
        badge.style.setProperty('--c', colors.of(name));
        const cell = el('td');
        cell.append(badge);
        return [
          cell,
          el('td', 'num', percent(v.precision)),
          el('td', 'num', percent(v.recall)),
          el('td', 'num', percent(v.f1)),
          el('td', 'num', numberFormat.format(v.support)),
        ];
      }),
    ),
  );
}

/** A metrics table; every column but the first is numeric. */
function table(headers: readonly string[], rows: HTMLTableCellElement[][]): HTMLTableElement {
  const result = el('table', 'metrics-table');
  const head = el('tr');
  headers.forEach((h, i) => head.append(el('th', i === 0 ? '' : 'num', h)));
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  for (const cells of rows) {
    const tr = el('tr');
    tr.append(...cells);
    tbody.append(tr);
  }
  result.append(thead, tbody);
  return result;
}
