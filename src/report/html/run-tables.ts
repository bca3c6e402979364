import type { SplitCleaning } from '../../data/labelled-split.js';
import type { MetricsFile } from '../../evaluate/metrics-file.js';
import type { SplitMetrics } from '../../evaluate/split-metrics.js';
import { protocolLabel, type ChartContext } from '../chart-context.js';
import { claimMetricLabel, type PaperClaim } from '../paper-claims.js';
import { count, decimal, difference, percent } from './format.js';
import { html, type SafeHtml } from './html.js';
import { num, table, type CellInput, type TableRow } from './table.js';

/** One row per evaluated split: the figures a reader looks for first. */
export function headlineTable(id: string, metrics: MetricsFile, context: ChartContext): SafeHtml {
  const splits = Object.entries(metrics.splits);
  return table({
    id,
    title: `Headline figures — model ${metrics.model}`,
    context: { ...context, split: splits.map(([name]) => name).join(', ') || 'none' },
    note: 'precision, recall, F1 and ROC-AUC are macro averages over classes (ROC-AUC one-vs-rest)',
    head: [
      'split',
      num('rows'),
      num('accuracy'),
      num('precision'),
      num('recall'),
      num('F1'),
      num('F1 weighted'),
      num('ROC-AUC'),
      num('predict rows/s'),
    ],
    rows: splits.map(([name, s]) => [
      name,
      num(count(s.n)),
      num(percent(s.accuracy)),
      num(decimal(s.precision.macro)),
      num(decimal(s.recall.macro)),
      num(decimal(s.f1.macro)),
      num(decimal(s.f1.weighted)),
      num(decimal(s.rocAuc.macro)),
      num(count(Math.round(s.predictRowsPerSecond))),
    ]),
  });
}

/**
 * scikit-learn's classification report laid out as a table (one row per class, then accuracy, macro and
 * weighted averages), with specificity and one-vs-rest ROC-AUC added.
 */
export function classificationReportTable(
  id: string,
  split: SplitMetrics,
  model: string,
  context: ChartContext,
): SafeHtml {
  const labels = split.confusion.labels;
  const stats = labels.map((name) => split.perClass[name]);
  const total = stats.reduce((sum, s) => sum + (s?.support ?? 0), 0);
  const macroSpecificity =
    stats.reduce((sum, s) => sum + (s?.specificity ?? 0), 0) / Math.max(1, stats.length);
  const weightedSpecificity =
    total === 0 ? 0 : stats.reduce((sum, s) => sum + (s?.specificity ?? 0) * (s?.support ?? 0), 0) / total;
  const classRows = labels.map((name, c) => {
    const s = stats[c];
    return [
      name,
      num(decimal(s?.precision)),
      num(decimal(s?.recall)),
      num(decimal(s?.f1)),
      num(decimal(s?.specificity)),
      num(decimal(split.rocAuc.perClass[name])),
      num(count(s?.support)),
    ];
  });
  const summaryRows: TableRow[] = [
    {
      kind: 'summary',
      cells: [
        'accuracy',
        num(''),
        num(''),
        num(decimal(split.accuracy)),
        num(''),
        num(''),
        num(count(split.n)),
      ],
    },
    {
      kind: 'summary',
      cells: [
        'macro avg',
        num(decimal(split.precision.macro)),
        num(decimal(split.recall.macro)),
        num(decimal(split.f1.macro)),
        num(decimal(macroSpecificity)),
        num(decimal(split.rocAuc.macro)),
        num(count(total)),
      ],
    },
    {
      kind: 'summary',
      cells: [
        'weighted avg',
        num(decimal(split.precision.weighted)),
        num(decimal(split.recall.weighted)),
        num(decimal(split.f1.weighted)),
        num(decimal(weightedSpecificity)),
        num(''),
        num(count(total)),
      ],
    },
  ];
  return table({
    id,
    title: `Classification report — model ${model}`,
    context,
    note: 'ROC-AUC one-vs-rest; "–" for a class with no rows in the split',
    head: [
      'class',
      num('precision'),
      num('recall'),
      num('f1-score'),
      num('specificity'),
      num('ROC-AUC'),
      num('support'),
    ],
    rows: [...classRows, ...summaryRows],
  });
}

/** What loading and cleaning did to every file the run read, and what resampling did to the training rows. */
export function cleaningTable(id: string, metrics: MetricsFile, context: ChartContext): SafeHtml {
  const splits = Object.entries(metrics.cleaning?.splits ?? {});
  const rows = splits.map(([name, c]) =>
    cleaningRow(name, name === metrics.trainSplit ? 'training' : 'test', c),
  );
  const resampling = metrics.cleaning?.resampling;
  const resampled = [
    ...Object.entries(resampling?.smoteAdded ?? {}).map(([cls, n]) => `SMOTE added ${count(n)} ${cls}`),
    ...Object.entries(resampling?.undersampleRemoved ?? {}).map(
      ([cls, n]) => `undersampling removed ${count(n)} ${cls}`,
    ),
  ];
  return html`${table({
      id,
      title: 'Cleaning report',
      context: { ...context, split: splits.map(([name]) => name).join(', ') || 'none' },
      note: 'every line read is either kept or counted under a reason; overlap = test rows (features and label) also in the training rows',
      head: [
        'file',
        'role',
        num('rows read'),
        num('kept'),
        'rejected',
        num('exact duplicates'),
        'left out by the task',
        num('overlap with training'),
        'other findings',
      ],
      rows,
    })}
    <p class="small">
      Resampling of the training rows: ${resampled.length ? resampled.join('; ') : 'none'}.
    </p>`;
}

function cleaningRow(name: string, role: string, c: Partial<SplitCleaning>): CellInput[] {
  const byReason = Object.entries(c.rejectedByReason ?? {})
    .map(([reason, n]) => `${reason} ${count(n)}`)
    .join(', ');
  const listed = (record: Record<string, number> | undefined): string => {
    const entries = Object.entries(record ?? {}).sort((a, b) => b[1] - a[1]);
    if (entries.length === 0) return 'none';
    const shown = entries.slice(0, 6).map(([key, n]) => `${key} ${count(n)}`);
    return entries.length > 6 ? `${shown.join(', ')}, … (${entries.length} in all)` : shown.join(', ');
  };
  return [
    html`<strong>${name}</strong>${c.file ? html`<br /><span class="small">${c.file}</span>` : ''}`,
    role,
    num(count(c.rowsRead)),
    num(count(c.rowsKept)),
    html`${count(c.rowsRejected)}${byReason ? html`<br /><span class="small">${byReason}</span>` : ''}`,
    num(count(c.duplicateRows)),
    html`${count(c.taskExcluded)}${c.taskExcludedByLabel && Object.keys(c.taskExcludedByLabel).length ? html`<br /><span class="small">${listed(c.taskExcludedByLabel)}</span>` : ''}`,
    num(role === 'test' ? count(c.overlapWithTrain) : ''),
    html`<span class="small notes"
      >unknown labels:
      ${listed(c.unknownLabels)}${
        role === 'test'
          ? html`<br />categories unseen in training: ${listed(c.unknownCategories)}<br />values clipped to
              the training range: ${count(c.clippedValues)}`
          : ''
      }</span
    >`,
  ];
}

/** Our figure for a claim on one split, or null where the split does not define it. */
export function ourValue(claim: PaperClaim, split: SplitMetrics): number | null {
  if (claim.metric === 'accuracy') return split.accuracy;
  return claim.className === undefined ? null : (split.rocAuc.perClass[claim.className] ?? null);
}

/** Published figures beside ours on every evaluated split, each labelled as claimed by its paper. */
export function runClaimsTable(
  id: string,
  claims: readonly PaperClaim[],
  metrics: MetricsFile,
  context: ChartContext,
): SafeHtml {
  const splits = Object.entries(metrics.splits);
  const rows = groupBySource(claims).flatMap(([source, group]) => [
    sourceRow(source, group[0].setting, 5),
    ...group.flatMap((claim) =>
      splits.map(([name, split]): CellInput[] => {
        const ours = ourValue(claim, split);
        const style = claim.metric === 'accuracy' ? 'percent' : 'decimal';
        const show = (v: number | null) => (style === 'percent' ? percent(v) : decimal(v));
        return [
          claimMetricLabel(claim),
          claimedCell(claim.value === null ? null : show(claim.value)),
          num(show(ours)),
          `${metrics.model} on ${name}, protocol ${protocolLabel(metrics.protocol)}, seed ${metrics.seed}`,
          num(difference(ours, claim.value, style)),
        ];
      }),
    ),
  ]);
  return table({
    id,
    title: 'Claimed by the paper, beside ours',
    context: { ...context, split: splits.map(([name]) => name).join(', ') || 'none' },
    note: 'claimed figures are quoted from the papers, not measured here; ours were measured under the protocol named in each row',
    head: [
      'figure',
      { value: 'claimed by the paper', num: true, className: 'claim' },
      num('ours'),
      'ours measured as',
      num('ours − claimed'),
    ],
    rows,
  });
}

/** Claims in table order, grouped by source (a source's claims share its setting). */
export function groupBySource(claims: readonly PaperClaim[]): Array<[string, PaperClaim[]]> {
  const groups = new Map<string, PaperClaim[]>();
  for (const claim of claims) groups.set(claim.source, [...(groups.get(claim.source) ?? []), claim]);
  return [...groups];
}

/** A group row naming the source of the claims below it and what it says about its test setting. */
export function sourceRow(source: string, setting: string | null, columns: number): TableRow {
  return {
    kind: 'group',
    cells: [
      {
        value: html`${source}
          <span class="small">· paper's test setting: ${setting ?? 'not recorded here'}</span>`,
        colspan: columns,
      },
    ],
  };
}

/** A claimed figure, shaded and labelled so it cannot be mistaken for a measurement; null = not stated. */
export function claimedCell(text: string | null): CellInput {
  return {
    value: text === null ? html`<em>not stated</em>` : html`${text} <span class="label-claim">claimed</span>`,
    num: true,
    className: 'claim',
  };
}

/** Model options as recorded in metrics.json. */
export function optionsTable(id: string, metrics: MetricsFile, context: ChartContext): SafeHtml {
  const entries = Object.entries(metrics.modelOptions ?? {});
  return table({
    id,
    title: `Model options — ${metrics.model}`,
    context: { ...context, split: metrics.trainSplit },
    note: `${count(metrics.trainRows)} training rows after resampling`,
    head: ['option', 'value'],
    rows: entries.length
      ? entries.map(([key, value]) => [key, JSON.stringify(value) ?? 'undefined'])
      : [['(none recorded)', '']],
  });
}
