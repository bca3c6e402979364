import { contextLine, type ChartContext } from '../chart-context.js';
import { html, SafeHtml } from './html.js';

/** A table cell: text, or markup; `num` right-aligns it; `className` adds a CSS class. */
export interface Cell {
  value: SafeHtml | string;
  num?: boolean;
  className?: string;
  /** Columns the cell spans. Default 1. */
  colspan?: number;
}

export type CellInput = Cell | string | SafeHtml;

export interface TableRow {
  cells: readonly CellInput[];
  /** 'summary' rows (averages) get a rule above; 'group' rows are section labels inside the table. */
  kind?: 'summary' | 'group';
}

export interface TableInput {
  id: string;
  title: string;
  /** States dataset, task, protocol, split and seeds in the caption. Omit only for tables about files. */
  context?: ChartContext;
  /** Extra caption text after the context. */
  note?: string;
  head: readonly CellInput[];
  rows: readonly (TableRow | readonly CellInput[])[];
}

export function num(value: string): Cell {
  return { value, num: true };
}

/** A captioned table: title in bold, then the context line, so a table cut out of the page still says what it is. */
export function table(input: TableInput): SafeHtml {
  const caption = [input.context ? contextLine(input.context) : '', input.note ?? '']
    .filter(Boolean)
    .join(' · ');
  const rows = input.rows.map((row) => ('cells' in row ? row : { cells: row }));
  return html`<div class="table-wrap">
    <table id="${input.id}" data-table="${input.id}">
      <caption>
        <strong>${input.title}</strong
        >${caption}
      </caption>
      <thead>
        <tr>
          ${input.head.map((c) => cell(c, 'th'))}
        </tr>
      </thead>
      <tbody>
        ${rows.map((r) => html`<tr${r.kind ? html` class="${r.kind}"` : ''}>${r.cells.map((c) => cell(c, 'td'))}</tr>\n`)}
      </tbody>
    </table>
  </div>`;
}

function cell(input: CellInput, tag: 'th' | 'td'): SafeHtml {
  const c: Cell = typeof input === 'string' || input instanceof SafeHtml ? { value: input } : input;
  const classes = [c.num ? 'num' : '', c.className ?? ''].filter(Boolean).join(' ');
  const attributes = html`${classes ? html` class="${classes}"` : ''}${c.colspan ? html` colspan="${c.colspan}"` : ''}`;
  return tag === 'th' ? html`<th${attributes}>${c.value}</th>` : html`<td${attributes}>${c.value}</td>`;
}
