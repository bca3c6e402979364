import { IotIdsError } from '../errors.js';
import { accuracy, averaged, perClassStats } from './classification-metrics.js';
import { confusionMatrix } from './confusion.js';

const COLUMN_WIDTH = 9;
const HEADERS = ['precision', 'recall', 'f1-score', 'support'];

/**
 * A text table laid out like scikit-learn's `classification_report(y_true, y_pred,
 * labels=range(len(labels)), target_names=labels, digits=digits, zero_division=0)`: one row per class, then
 * accuracy, macro avg and weighted avg. Numbers are rounded as Python's format does (half to even on exact
 * ties), so the text matches scikit-learn's character for character. Ends with a newline.
 */
export function formatClassificationReport(
  labels: readonly string[],
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  digits = 4,
): string {
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) {
    throw new IotIdsError(`report digits must be an integer in [0, 20], got ${digits}`);
  }
  if (labels.length === 0) throw new IotIdsError('a classification report needs at least one class');
  const stats = perClassStats(confusionMatrix(yTrue, yPred, labels.length));
  const precision = averaged(stats, 'precision');
  const recall = averaged(stats, 'recall');
  const f1 = averaged(stats, 'f1');
  const total = yTrue.length;

  const nameWidth = Math.max(...labels.map(displayLength), displayLength('weighted avg'), digits);
  const name = (text: string): string => padStart(text, nameWidth);
  const cell = (text: string): string => ` ${padStart(text, COLUMN_WIDTH)}`;
  const number = (value: number): string => cell(formatFixed(value, digits));
  const row = (label: string, values: number[], support: number): string =>
    `${name(label)} ${values.map(number).join('')}${cell(String(support))}\n`;

  let report = `${name('')} ${HEADERS.map(cell).join('')}\n\n`;
  stats.forEach((s, c) => {
    report += row(labels[c], [s.precision, s.recall, s.f1], s.support);
  });
  report += '\n';
  report += `${name('accuracy')} ${cell('')}${cell('')}${number(accuracy(yTrue, yPred))}${cell(String(total))}\n`;
  report += row('macro avg', [precision.macro, recall.macro, f1.macro], total);
  report += row('weighted avg', [precision.weighted, recall.weighted, f1.weighted], total);
  return report;
}

/**
 * `value.toFixed(digits)`, except that exact ties round half to even as Python does (0.125 → "0.12"),
 * where toFixed rounds away from zero. A tie is detected from the exact decimal expansion, which toFixed
 * gives for up to 100 places.
 */
export function formatFixed(value: number, digits: number): string {
  const rounded = value.toFixed(digits);
  const extra = 30;
  const expanded = value.toFixed(Math.min(100, digits + extra));
  const tail = expanded.slice(expanded.length - extra);
  if (tail !== `5${'0'.repeat(extra - 1)}`) return rounded;
  const truncated = expanded.slice(0, expanded.length - extra).replace(/\.$/, '');
  const lastDigit = Number(truncated[truncated.length - 1]);
  return lastDigit % 2 === 0 ? truncated : rounded;
}

/** Length in code points, as Python's str formatting counts it. */
function displayLength(text: string): number {
  return [...text].length;
}

function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayLength(text))) + text;
}
