import { relative } from 'node:path';

import { TASK_CLASSES } from '../data/tasks.js';
import type { AnomalyAlertsRecord, MetricsFile } from '../evaluate/metrics-file.js';
import { computeSplitMetrics, type SplitMetrics } from '../evaluate/split-metrics.js';
import { anomalyAlertsModelName, type AnomalyAlertTask } from './anomaly-alerts-config.js';
import {
  chooseRate,
  combinedFigures,
  combinedPredictions,
  type RateCriterion,
} from './anomaly-rate-selection.js';
import type { ScoredRows, SelectedSeedOutcome } from './evaluate-zero-day-selected.js';

/**
 * The metrics.json of one task of the classifier + anomaly alerts route for one seed: the rate chosen by
 * `criterion` among the seed's validation candidates, and at its threshold the combined verdicts on the
 * validation rows and on every test split — multi-class for `5class` (alerts routed to the most probable
 * attack class), normal vs attack for `binary`. Everything else (training file, cleaning, warnings) is the
 * final classifier's. Run folders are recorded relative to `baseDir`.
 */
export function anomalyAlertsMetrics(
  outcome: SelectedSeedOutcome,
  task: AnomalyAlertTask,
  criterion: RateCriterion,
  baseDir: string,
): MetricsFile {
  const { result, normalIndex } = outcome;
  const chosen = chooseRate(result.candidates, criterion);
  const classes = task === 'binary' ? [...TASK_CLASSES.binary] : outcome.classes;
  const metricsAt = (rows: ScoredRows): SplitMetrics => {
    const predicted = combinedPredictions({ ...rows, threshold: chosen.threshold, normalIndex });
    const asTask = (y: Int32Array): Int32Array =>
      task === 'binary' ? Int32Array.from(y, (c) => (c === normalIndex ? 0 : 1)) : y;
    const perSecond = rows.seconds > 0 ? rows.yTrue.length / rows.seconds : 0;
    return computeSplitMetrics(classes, asTask(rows.yTrue), asTask(predicted), null, perSecond);
  };
  const falseAlarmOf = (rows: ScoredRows): number =>
    combinedFigures({ ...rows, threshold: chosen.threshold, normalIndex }).falseAlarmRate;
  const final = outcome.finalMetrics;
  const record: AnomalyAlertsRecord = {
    classifier: final.model,
    thresholdFrom: 'lato-validation',
    criterion,
    chosenRate: chosen.falsePositiveRate,
    threshold: chosen.threshold,
    candidates: result.candidates.map((c) => ({
      rate: c.falsePositiveRate,
      threshold: c.threshold,
      binaryAccuracy: c.figures.binaryAccuracy,
      falseAlarmRate: c.figures.falseAlarmRate,
      attackRecall: c.figures.attackRecall,
      accuracy: c.figures.accuracy,
      macroF1: c.figures.macroF1,
    })),
    validationHeldOutAttackRows: result.validationHeldOutAttackRows,
    validationNormalRows: result.validationNormalRows,
    autoencoder: {
      trainRows: result.autoencoderTrainRows,
      epochs: result.autoencoderEpochs,
      seconds: result.autoencoderSeconds,
    },
    selectionRun: relative(baseDir, outcome.selectionRunDir),
    finalRun: relative(baseDir, outcome.finalRunDir),
    falseAlarmRate: Object.fromEntries(outcome.tests.map((t) => [t.split, falseAlarmOf(t)])),
  };
  return {
    ...final,
    task,
    model: anomalyAlertsModelName(final.model),
    classes,
    trainSeconds: final.trainSeconds === null ? null : final.trainSeconds + result.autoencoderSeconds,
    splits: Object.fromEntries(outcome.tests.map((t) => [t.split, metricsAt(t)])),
    validation: {
      scheme: 'leave-attack-type-out',
      detail: result.validationDetail,
      rows: result.validationRows,
      metrics: metricsAt(outcome.validation),
    },
    createdAt: new Date().toISOString(),
    anomalyAlerts: record,
  };
}
