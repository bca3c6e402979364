import { isAbsolute, join } from 'node:path';
import { protocolLabel, type ChartContext } from './chart-context.js';
import { confusionMatrixSpec } from './charts/confusion-chart.js';
import { errorBarsSpec, type ClassSpread } from './charts/error-bars-chart.js';
import { metricBarsSpec } from './charts/metric-bars-chart.js';
import { rocCurvesSpec, type RocModelCurves } from './charts/roc-chart.js';
import { CAPTIONS } from './html/captions.js';
import {
  cellSummaryTable,
  compareClaimsTable,
  perClassSummaryTable,
  runsTable,
} from './html/compare-tables.js';
import { chartFigure, figureRow } from './html/figure.js';
import { html, slug, type SafeHtml } from './html/html.js';
import { missing, renderPage, section } from './html/page.js';
import { claimsFor } from './paper-claims.js';
import { own, scoresFromCell, sumMatrices } from './report-data.js';
import {
  summariseRuns,
  type PerClassMetric,
  type ResultsCell,
  type ResultsFile,
  type ResultsRun,
} from './results-file.js';
import { readOptional } from './run-dir.js';
import { parseRocFile } from './run-files.js';
import type { ReportOptions } from './run-report.js';

export interface CompareReportOptions extends ReportOptions {
  /** Folder that relative run `dir`s are resolved against (normally the folder of results.json). Default: the working directory. */
  baseDir?: string;
}

/** Per-class figures drawn as mean ± std over seeds, in panel order. */
const SPREAD_METRICS: ReadonlyArray<[PerClassMetric, string]> = [
  ['accuracy', 'accuracy (one-vs-rest)'],
  ['recall', 'recall'],
  ['f1', 'F1'],
];

/**
 * The HTML report of a comparison: one section per dataset × task × protocol × test split, holding the
 * models' mean ± std over seeds (table, bars with whiskers, per-class spread), published claims beside them,
 * ROC curves of each model's first seed (when its run directory with roc.json is at hand) and confusion
 * matrices summed over seeds; then every run. Cells are recomputed from the runs, so the report cannot
 * disagree with them.
 */
export async function buildCompareReport(
  results: ResultsFile,
  options: CompareReportOptions = {},
): Promise<string> {
  const cells = summariseRuns(results.runs);
  const groups = groupCells(cells);
  const sections: SafeHtml[] = [];
  const contents: Array<{ id: string; label: string }> = [];
  for (const group of groups) {
    const id = `group-${slug([group.dataset, group.task, group.protocol, group.split].join(' '))}`;
    const label = `${group.dataset} · ${group.task} · ${protocolLabel(group.protocol)} · ${group.split}`;
    contents.push({ id, label });
    sections.push(section(id, label, await groupSection(id, group, results.runs, options.baseDir)));
  }
  if (groups.length === 0) {
    sections.push(missing('missing-runs', 'runs', 'results.json holds no run with an evaluated split.'));
  }
  contents.push({ id: 'runs', label: 'Runs' });
  sections.push(section('runs', 'Runs', runsTable('table-runs', results.runs)));

  const distinct = (pick: (r: ResultsRun) => string | number) => [...new Set(results.runs.map(pick))];
  const seeds = distinct((r) => r.seed) as number[];
  const inflated = results.runs.some((r) => r.protocol === 'random-split');
  return renderPage({
    title: `Comparison: ${results.name}`,
    lede: html`${results.runs.length} runs of ${distinct((r) => r.model).length} models; every figure is a
    mean ± sample standard deviation over seeds, never one run.`,
    facts: [
      { term: 'datasets', value: distinct((r) => r.dataset).join(', ') },
      { term: 'tasks', value: distinct((r) => r.task).join(', ') },
      { term: 'protocols', value: distinct((r) => protocolLabel(r.protocol)).join(', ') },
      { term: 'models', value: distinct((r) => r.model).join(', ') },
      { term: 'seeds', value: seeds.sort((a, b) => a - b).join(', ') },
      { term: 'runs', value: String(results.runs.length) },
      ...(results.createdAt ? [{ term: 'compared', value: results.createdAt }] : []),
    ],
    warning: inflated
      ? html`<strong>Includes the inflated random-split protocol.</strong> Its training and test rows come
          from the same file; its sections are labelled and must not be read as results on new traffic.`
      : undefined,
    contents,
    body: html`${sections}`,
    generatedAt: options.generatedAt ?? new Date().toISOString(),
  });
}

interface CellGroup {
  dataset: string;
  task: string;
  protocol: string;
  split: string;
  cells: ResultsCell[];
}

function groupCells(cells: readonly ResultsCell[]): CellGroup[] {
  const groups = new Map<string, CellGroup>();
  for (const cell of cells) {
    const key = JSON.stringify([cell.dataset, cell.task, cell.protocol, cell.split]);
    let group = groups.get(key);
    if (!group) {
      group = {
        dataset: cell.dataset,
        task: cell.task,
        protocol: cell.protocol,
        split: cell.split,
        cells: [],
      };
      groups.set(key, group);
    }
    group.cells.push(cell);
  }
  return [...groups.values()];
}

async function groupSection(
  id: string,
  group: CellGroup,
  runs: readonly ResultsRun[],
  baseDir: string | undefined,
): Promise<SafeHtml> {
  const seeds = [...new Set(group.cells.flatMap((c) => c.seeds))];
  const context: ChartContext = {
    dataset: group.dataset,
    task: group.task,
    protocol: group.protocol,
    split: group.split,
    seeds,
  };
  const models = group.cells.map((c) => c.model);
  const classes = [...new Set(group.cells.flatMap((c) => c.classes))];
  const claims = claimsFor(group.dataset, group.task);

  const spread: ClassSpread[] = group.cells.flatMap((c) =>
    c.classes.flatMap((className) =>
      SPREAD_METRICS.flatMap(([key, metric]) => {
        const s = c.perClass[className][key];
        return s.mean === null
          ? []
          : [{ model: c.model, className, metric, mean: s.mean, std: s.std, n: s.n }];
      }),
    ),
  );
  const overview = figureRow([
    await chartFigure(
      `${id}-fig-metrics`,
      { label: `Headline metrics, ${group.split}`, caption: CAPTIONS.metrics },
      () => metricBarsSpec(group.cells.map(scoresFromCell), context),
    ),
    await chartFigure(
      `${id}-fig-spread`,
      { label: `Per-class spread over seeds, ${group.split}`, caption: CAPTIONS.spread },
      () =>
        errorBarsSpec({
          context,
          classes,
          models,
          metrics: SPREAD_METRICS.map(([, label]) => label),
          points: spread,
        }),
    ),
  ]);

  const curves = await firstSeedCurves(group, runs, baseDir);
  const lacking = models.filter((m) => !curves.some((c) => c.model === m));
  const roc = curves.length
    ? await chartFigure(
        `${id}-fig-roc`,
        { label: `ROC curves, ${group.split}`, caption: `${CAPTIONS.roc} One seed per model (its lowest).` },
        () => rocCurvesSpec({ context, classes, models: curves }),
      )
    : null;
  const rocNote = lacking.length
    ? missing(
        `${id}-missing-roc`,
        `ROC curves of ${lacking.join(', ')}`,
        'No run of these models in results.json names a run directory holding a roc.json for this split (ROC curves are drawn from one seed, not averaged).',
      )
    : null;

  const confusions = await Promise.all(
    group.cells.map((cell, i) => {
      const matrices = cell.runIds.flatMap((runId) => {
        const split = own(runs.find((r) => r.id === runId)?.metrics.splits, group.split);
        return split && sameLabels(split.confusion.labels, cell.classes) ? [split.confusion.matrix] : [];
      });
      return chartFigure(
        `${id}-fig-confusion-${slug(cell.model)}`,
        {
          label: `Confusion matrix, ${cell.model}, ${group.split}`,
          caption: i === 0 ? CAPTIONS.confusion : `As the first matrix, for ${cell.model}.`,
        },
        () =>
          confusionMatrixSpec({
            context: { ...context, seeds: cell.seeds },
            model: cell.model,
            labels: cell.classes,
            matrix: sumMatrices(matrices),
            note: matrices.length > 1 ? `counts summed over ${matrices.length} seeds` : undefined,
          }),
      );
    }),
  );

  return html`${cellSummaryTable(`${id}-table-summary`, group.cells, context)}
    ${claims.length ? compareClaimsTable(`${id}-table-claims`, claims, group.cells, context) : ''} ${overview}
    <h3>ROC curves</h3>
    ${roc ? figureRow([roc]) : ''}${rocNote ?? ''}
    <h3>Confusion matrices</h3>
    ${figureRow(confusions)}
    <h3>Per class</h3>
    ${perClassSummaryTable(`${id}-table-per-class`, group.cells, context)}`;
}

/** ROC curves of each model's lowest seed whose run directory holds roc.json with this split. */
async function firstSeedCurves(
  group: CellGroup,
  runs: readonly ResultsRun[],
  baseDir: string | undefined,
): Promise<RocModelCurves[]> {
  const found: RocModelCurves[] = [];
  for (const cell of group.cells) {
    const candidates = cell.runIds
      .map((runId) => runs.find((r) => r.id === runId))
      .filter((r): r is ResultsRun => r?.dir !== undefined)
      .sort((a, b) => a.seed - b.seed);
    for (const run of candidates) {
      const dir = isAbsolute(run.dir as string)
        ? (run.dir as string)
        : join(baseDir ?? '.', run.dir as string);
      const roc = await readOptional(join(dir, 'roc.json'), parseRocFile, 'no ROC curves saved');
      const curves = own(roc.value?.splits, group.split);
      if (curves) {
        found.push({ model: cell.model, curves, note: `seed ${run.seed}` });
        break;
      }
    }
  }
  return found;
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((label, i) => label === b[i]);
}
