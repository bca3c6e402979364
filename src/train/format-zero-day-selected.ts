import type { CombinedFigures } from './anomaly-rate-selection.js';
import type { ZeroDaySelectedEvaluation } from './evaluate-zero-day-selected.js';
import { meanStd } from './evaluate-zero-day.js';

/** Percent, mean ± sample std over the values; `n/a` when any is NaN. */
function pct(values: readonly number[]): string {
  if (values.length === 0 || values.some((v) => Number.isNaN(v))) return 'n/a';
  const { mean, std } = meanStd(values.map((v) => v * 100));
  return `${mean.toFixed(2)} ± ${std.toFixed(2)} %`;
}

function rateText(rate: number): string {
  return `${+(rate * 100).toFixed(2)} %`;
}

/**
 * The selected-threshold evaluation as Markdown: what validation chose per seed, every candidate on
 * validation (mean over seeds), and the test figures at the chosen rates beside the classifier alone.
 */
export function formatZeroDaySelectedMarkdown(evaluation: ZeroDaySelectedEvaluation): string {
  const { seeds, classes } = evaluation;
  const lines: string[] = [];
  lines.push(
    '| seed | validation rows (normal) | chosen rate: binary | chosen rate: 5class | validation binary accuracy: classifier alone → chosen | validation false alarms at the binary choice | validation 5class accuracy: classifier alone → chosen | validation macro-F1 at the 5class choice | autoencoder epochs, s |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const s of seeds) {
    const binary = s.candidates.find((c) => c.falsePositiveRate === s.binaryRate)?.figures;
    const multi = s.candidates.find((c) => c.falsePositiveRate === s.multiClassRate)?.figures;
    const p = (v: number | undefined): string => (v === undefined ? 'n/a' : `${(v * 100).toFixed(2)} %`);
    lines.push(
      `| ${s.seed} | ${s.validationRows} (${s.validationNormalRows}) | ${rateText(s.binaryRate)} | ${rateText(
        s.multiClassRate,
      )} | ${p(s.validationClassifier.binaryAccuracy)} → ${p(binary?.binaryAccuracy)} | ${p(
        binary?.falseAlarmRate,
      )} | ${p(s.validationClassifier.accuracy)} → ${p(multi?.accuracy)} | ${p(multi?.macroF1)} | ${
        s.autoencoderEpochs
      }, ${Math.round(s.autoencoderSeconds)} |`,
    );
  }
  lines.push('');
  lines.push(
    '| candidate rate | validation binary accuracy | validation false alarms | validation attack recall | validation 5class accuracy | validation macro-F1 |',
    '|---|---|---|---|---|---|',
  );
  evaluation.rates.forEach((rate, k) => {
    const at = (key: keyof Omit<CombinedFigures, 'recall'>): string =>
      pct(seeds.map((s) => s.candidates[k].figures[key]));
    lines.push(
      `| ${rateText(rate)} | ${at('binaryAccuracy')} | ${at('falseAlarmRate')} | ${at('attackRecall')} | ${at(
        'accuracy',
      )} | ${at('macroF1')} |`,
    );
  });
  const splits = seeds[0]?.tests.map((t) => t.split) ?? [];
  splits.forEach((split, t) => {
    const of = (pick: (f: SelectedFigures) => CombinedFigures, key: (f: CombinedFigures) => number): string =>
      pct(seeds.map((s) => key(pick(s.tests[t]))));
    lines.push('');
    lines.push(
      `| ${split} (${seeds[0].tests[t].rows} rows) | ${evaluation.classifier} alone | + anomaly alerts, binary rate | + alerts routed to the nearest attack class, 5class rate |`,
      '|---|---|---|---|',
    );
    const rows: [string, (f: CombinedFigures) => number][] = [
      ['binary accuracy', (f) => f.binaryAccuracy],
      ['false alarms (normal rows flagged)', (f) => f.falseAlarmRate],
      ['attack recall', (f) => f.attackRecall],
      ['5class accuracy', (f) => f.accuracy],
      ['5class macro-F1', (f) => f.macroF1],
      ...classes.map((c, i): [string, (f: CombinedFigures) => number] => [`recall ${c}`, (f) => f.recall[i]]),
    ];
    for (const [name, key] of rows) {
      lines.push(
        `| ${name} | ${of((f) => f.classifier, key)} | ${of((f) => f.binaryRoute, key)} | ${of(
          (f) => f.multiClassRoute,
          key,
        )} |`,
      );
    }
  });
  lines.push('');
  lines.push(
    `Mean ± sample std over seeds ${seeds.map((s) => s.seed).join(', ')}; rates chosen from ${evaluation.rates
      .map(rateText)
      .join(', ')} on leave-attack-type-out validation rows of ${evaluation.trainSplit} only.`,
  );
  return lines.join('\n');
}

type SelectedFigures = ZeroDaySelectedEvaluation['seeds'][number]['tests'][number];
