import type { SplitMetrics } from '../evaluate/split-metrics.js';
import { protocolLabel, type ChartContext } from './chart-context.js';
import { confusionMatrixSpec } from './charts/confusion-chart.js';
import { metricBarsSpec } from './charts/metric-bars-chart.js';
import { perClassBarsSpec, perClassFigures } from './charts/per-class-chart.js';
import { rocCurvesSpec } from './charts/roc-chart.js';
import { trainingCurvesSpec } from './charts/training-chart.js';
import { CAPTIONS } from './html/captions.js';
import { chartFigure, figureRow } from './html/figure.js';
import { count, seconds } from './html/format.js';
import { html, slug, type SafeHtml } from './html/html.js';
import { missing, renderPage, section } from './html/page.js';
import {
  classificationReportTable,
  cleaningTable,
  headlineTable,
  optionsTable,
  runClaimsTable,
} from './html/run-tables.js';
import { claimsFor } from './paper-claims.js';
import { expectedTestSplits, own, scoresFromSplit } from './report-data.js';
import { loadRunDir, type RunDirContents } from './run-dir.js';

export interface ReportOptions {
  /** Timestamp printed in the footer. Default: now, ISO 8601. */
  generatedAt?: string;
}

/**
 * The HTML report of one run directory (metrics.json, and history.json and roc.json when present): headline
 * table, published claims beside ours, per test split the metric bars, per-class bars, ROC curves,
 * confusion matrix and classification report, the training curves, the cleaning report and the model
 * options. A missing optional file or split is marked where its figure would be.
 */
export async function buildRunReport(runDir: string, options: ReportOptions = {}): Promise<string> {
  const run = await loadRunDir(runDir);
  const m = run.metrics;
  const base = { dataset: m.dataset, task: m.task, protocol: m.protocol, seeds: [m.seed] };
  const splits = Object.entries(m.splits);
  const sections: SafeHtml[] = [];
  const contents: Array<{ id: string; label: string }> = [];
  const add = (id: string, label: string, content: SafeHtml, intro?: SafeHtml) => {
    contents.push({ id, label });
    sections.push(section(id, label, content, intro));
  };

  const absent = expectedTestSplits(m.dataset, m.protocol).filter((name) => !Object.hasOwn(m.splits, name));
  add(
    'summary',
    'Summary',
    html`${splits.length ? headlineTable('table-headline', m, { ...base, split: '' }) : missing('missing-splits', 'evaluated splits', 'metrics.json holds no evaluated split.')}
    ${absent.map((name) => missing(`missing-split-${slug(name)}`, `split ${name}`, `The official protocol tests on it, but this run did not evaluate it.`))}`,
  );

  const claims = claimsFor(m.dataset, m.task);
  add(
    'claims',
    'Claimed by the paper',
    claims.length && splits.length
      ? runClaimsTable('table-claims', claims, m, { ...base, split: '' })
      : html`<p>No published figure is recorded for dataset ${m.dataset}, task ${m.task}.</p>`,
  );

  for (const [name, split] of splits) {
    add(
      `split-${slug(name)}`,
      `Test split ${name}`,
      await splitSection(run, name, split, { ...base, split: name }),
      html`${count(split.n)} rows scored.`,
    );
  }

  add(
    'training',
    'Training curves',
    await trainingSection(run, {
      ...base,
      split: `${m.trainSplit} (training rows; validation held out of them)`,
    }),
  );
  add('cleaning', 'Data cleaning', cleaningTable('table-cleaning', m, { ...base, split: '' }));
  add('options', 'Model options', optionsTable('table-options', m, { ...base, split: m.trainSplit }));

  const protocolBadge = html`<span class="badge ${m.protocol === 'random-split' ? 'inflated' : 'official'}"
    >${protocolLabel(m.protocol)}</span
  >`;
  return renderPage({
    title: `${m.model} on ${m.dataset} — ${m.task}`,
    lede: html`Run <strong>${run.id}</strong>, seed ${m.seed}. ${m.protocolDescription}`,
    facts: [
      { term: 'model', value: m.model },
      { term: 'dataset', value: m.dataset },
      { term: 'task', value: m.task },
      { term: 'protocol', value: protocolBadge },
      { term: 'seed', value: String(m.seed) },
      { term: 'classes', value: m.classes.join(', ') },
      { term: 'training split', value: m.trainSplit },
      { term: 'training rows', value: count(m.trainRows) },
      {
        term: 'training time',
        value: m.trainSeconds === null ? 'not trained here' : seconds(m.trainSeconds),
      },
      { term: 'run created', value: m.createdAt || 'unknown' },
    ],
    warning: runWarning(m),
    contents,
    body: html`${sections}`,
    generatedAt: options.generatedAt ?? new Date().toISOString(),
  });
}

async function splitSection(
  run: RunDirContents,
  name: string,
  split: SplitMetrics,
  context: ChartContext,
): Promise<SafeHtml> {
  const m = run.metrics;
  const id = slug(name);
  const classes = split.confusion.labels;
  const curves = own(run.roc.value?.splits, name);
  const roc = curves
    ? await chartFigure(
        `fig-roc-${id}`,
        { label: `ROC curves, ${m.model}, ${name}`, caption: CAPTIONS.roc },
        () => rocCurvesSpec({ context, classes, models: [{ model: m.model, curves }] }),
      )
    : missing(
        `fig-roc-${id}`,
        `ROC curves for ${name}`,
        run.roc.problem ?? `roc.json has no curves for split ${name}.`,
      );
  const figures = [
    await chartFigure(
      `fig-metrics-${id}`,
      { label: `Headline metrics, ${m.model}, ${name}`, caption: CAPTIONS.metrics },
      () => metricBarsSpec([scoresFromSplit(m.model, split)], context),
    ),
    await chartFigure(
      `fig-per-class-${id}`,
      {
        label: `Per-class accuracy, recall and specificity, ${m.model}, ${name}`,
        caption: CAPTIONS.perClass,
      },
      () =>
        perClassBarsSpec({ context, classes, models: [{ model: m.model, classes: perClassFigures(split) }] }),
    ),
    roc,
    await chartFigure(
      `fig-confusion-${id}`,
      { label: `Confusion matrix, ${m.model}, ${name}`, caption: CAPTIONS.confusion },
      () => confusionMatrixSpec({ context, model: m.model, labels: classes, matrix: split.confusion.matrix }),
    ),
  ];
  return html`${figureRow(figures)}
    <h3>Classification report</h3>
    ${classificationReportTable(`table-classification-${id}`, split, m.model, context)}`;
}

async function trainingSection(run: RunDirContents, context: ChartContext): Promise<SafeHtml> {
  const history = run.history.value;
  if (!history) return missing('fig-training', 'training curves', run.history.problem ?? 'no history.json');
  return figureRow([
    await chartFigure(
      'fig-training',
      { label: `Training curves, ${run.metrics.model}`, caption: CAPTIONS.training },
      () => trainingCurvesSpec(history, { context, model: run.metrics.model }),
    ),
  ]);
}

/** The banner: the inflated protocol, then every warning the run recorded (overlap, classes, labels). */
function runWarning(m: RunDirContents['metrics']): SafeHtml | undefined {
  const inflated =
    m.protocol === 'random-split'
      ? html`<strong>Inflated protocol.</strong> Training and test rows come from the same file, so these
          scores are far above what the model reaches on the official test sets. Shown only because many
          papers report this protocol.`
      : undefined;
  const warnings = m.warnings ?? [];
  if (!inflated && warnings.length === 0) return undefined;
  return html`${inflated ?? ''}${warnings.map((w, i) => html`${inflated || i > 0 ? html`<br />` : ''}${w}`)}`;
}
