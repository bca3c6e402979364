import { protocolLabel, seedsLabel, type ChartContext } from '../chart-context.js';
import { claimMetricLabel, type PaperClaim } from '../paper-claims.js';
import type { ResultsCell, ResultsRun, Summary } from '../results-file.js';
import { decimal, difference, interval, meanStd, percent } from './format.js';
import { html, type SafeHtml } from './html.js';
import { claimedCell, groupBySource, sourceRow } from './run-tables.js';
import { num, table, type CellInput, type TableRow } from './table.js';

/** One row per model: mean ± sample std over seeds, with Student-t 95 % intervals for accuracy and macro F1. */
export function cellSummaryTable(id: string, cells: readonly ResultsCell[], context: ChartContext): SafeHtml {
  const withInterval = (summary: Summary, style: 'percent' | 'decimal'): CellInput => ({
    value: html`${meanStd(summary, style)}<br /><span class="small"
        >95 % CI ${interval(summary, style)}</span
      >`,
    num: true,
  });
  return table({
    id,
    title: 'Mean ± standard deviation over seeds',
    context,
    note: 'std: sample (n − 1); 95 % CI: Student t on the mean; precision, recall, F1, ROC-AUC: macro averages',
    head: [
      'model',
      num('seeds'),
      num('accuracy'),
      num('precision'),
      num('recall'),
      num('F1'),
      num('ROC-AUC'),
      num('training time'),
    ],
    rows: cells.map((c) => [
      { value: html`<strong>${c.model}</strong>`, className: 'nowrap' },
      num(String(c.n)),
      withInterval(c.metrics.accuracy, 'percent'),
      num(meanStd(c.metrics.precisionMacro, 'decimal')),
      num(meanStd(c.metrics.recallMacro, 'decimal')),
      withInterval(c.metrics.f1Macro, 'decimal'),
      num(meanStd(c.metrics.rocAucMacro, 'decimal')),
      num(meanStd(c.metrics.trainSeconds, 'seconds')),
    ]),
  });
}

/** Per model and class: precision, recall, F1, specificity and ROC-AUC, mean ± std over seeds. */
export function perClassSummaryTable(
  id: string,
  cells: readonly ResultsCell[],
  context: ChartContext,
): SafeHtml {
  const rows = cells.flatMap((c) => [
    { kind: 'group' as const, cells: [{ value: `${c.model} · ${seedsLabel(c.seeds)}`, colspan: 6 }] },
    ...c.classes.map((name): CellInput[] => {
      const s = c.perClass[name];
      return [
        name,
        num(meanStd(s.precision, 'decimal')),
        num(meanStd(s.recall, 'decimal')),
        num(meanStd(s.f1, 'decimal')),
        num(meanStd(s.specificity, 'decimal')),
        num(meanStd(s.rocAuc, 'decimal')),
      ];
    }),
  ]);
  return table({
    id,
    title: 'Per class, mean ± standard deviation over seeds',
    context,
    note: 'ROC-AUC one-vs-rest; "–" where a class had no rows',
    head: ['class', num('precision'), num('recall'), num('F1'), num('specificity'), num('ROC-AUC')],
    rows,
  });
}

/**
 * Published figures beside each model's mean over seeds: one row per claimed figure, one column per model,
 * the difference to the claim under each of ours. Claimed figures are shaded and labelled.
 */
export function compareClaimsTable(
  id: string,
  claims: readonly PaperClaim[],
  cells: readonly ResultsCell[],
  context: ChartContext,
): SafeHtml {
  const columns = 2 + cells.length;
  const claimRows = groupBySource(claims).flatMap(([source, group]) => [
    sourceRow(source, group[0].setting, columns),
    ...group.map((claim): CellInput[] => {
      const style = claim.metric === 'accuracy' ? 'percent' : 'decimal';
      const claimed =
        claim.value === null ? null : style === 'percent' ? percent(claim.value) : decimal(claim.value);
      return [
        claimMetricLabel(claim),
        claimedCell(claimed),
        ...cells.map((c): CellInput => {
          const ours = claimSummary(claim, c);
          return {
            value: html`${meanStd(ours, style)}<br /><span class="small"
                >${difference(ours.mean, claim.value, style)} vs claim</span
              >`,
            num: true,
          };
        }),
      ];
    }),
  ]);
  const rows = [...claimRows, ...anomalyAlertsRows(cells, columns)];
  const seeds = [...new Set(cells.flatMap((c) => c.seeds))];
  return table({
    id,
    title: 'Claimed by the paper, beside ours',
    context: { ...context, seeds },
    note: `claimed figures are quoted from the papers, not measured here; ours: mean ± std over seeds, protocol ${protocolLabel(context.protocol)}, split ${context.split}`,
    head: [
      'figure',
      { value: 'claimed by the paper', num: true, className: 'claim' },
      ...cells.map((c) => num(`ours: ${c.model}`)),
    ],
    rows,
  });
}

/**
 * Below the claims, when a column is classifier + anomaly alerts: what each column's figures cost (false
 * alarms on the split's normal rows; for a plain classifier, 1 − its normal recall) and the anomaly rate
 * each seed's validation chose, so the figure beside a claim never hides its price or its choice. None
 * without such columns.
 */
function anomalyAlertsRows(cells: readonly ResultsCell[], columns: number): Array<TableRow | CellInput[]> {
  if (!cells.some((c) => c.anomalyAlerts)) return [];
  const notApplicable = (): CellInput => num('–');
  return [
    {
      kind: 'group',
      cells: [
        {
          value:
            'Classifier + anomaly alerts: threshold chosen per seed on leave-attack-type-out validation rows of the training file',
          colspan: columns,
        },
      ],
    },
    [
      'false alarms (share of normal rows flagged)',
      claimedCell(null),
      ...cells.map((c) => {
        const alone = c.perClass.normal?.recall;
        if (c.anomalyAlerts) return num(meanStd(c.anomalyAlerts.falseAlarmRate, 'percent'));
        return alone ? num(meanStd(complement(alone), 'percent')) : notApplicable();
      }),
    ],
    [
      'anomaly rate chosen per seed',
      num('–'),
      ...cells.map((c) =>
        c.anomalyAlerts
          ? num(
              `${c.anomalyAlerts.chosenRates.map((r) => +(r * 100).toFixed(2)).join(', ')} % (by validation ${c.anomalyAlerts.criterion})`,
            )
          : notApplicable(),
      ),
    ],
  ];
}

/** 1 − x of a summary over seeds (the false-alarm share from normal recall): same spread, mirrored. */
function complement(s: Summary): Summary {
  return {
    n: s.n,
    mean: s.mean === null ? null : 1 - s.mean,
    std: s.std,
    ci95: s.ci95 && { low: 1 - s.ci95.high, high: 1 - s.ci95.low },
  };
}

function claimSummary(claim: PaperClaim, cell: ResultsCell): Summary {
  if (claim.metric === 'accuracy') return cell.metrics.accuracy;
  const perClass = claim.className === undefined ? undefined : cell.perClass[claim.className];
  return perClass?.rocAuc ?? { n: 0, mean: null, std: null, ci95: null };
}

/** Every run that went into the comparison. */
export function runsTable(id: string, runs: readonly ResultsRun[]): SafeHtml {
  return table({
    id,
    title: 'Runs',
    note: 'one row per run; accuracy on each evaluated split',
    head: ['run', 'dataset', 'task', 'protocol', 'model', num('seed'), 'accuracy by split'],
    rows: runs.map((r) => [
      r.id,
      r.dataset,
      r.task,
      protocolLabel(r.protocol),
      r.model,
      num(String(r.seed)),
      Object.entries(r.metrics.splits)
        .map(([name, s]) => `${name} ${percent(s.accuracy)}`)
        .join(' · '),
    ]),
  });
}
