/** The report's chart builders: each returns a vega-lite spec titled with dataset, task, protocol, split and seeds. */
export { rocCurvesSpec, type RocChartInput, type RocModelCurves } from './charts/roc-chart.js';
export { confusionMatrixSpec, type ConfusionChartInput } from './charts/confusion-chart.js';
export { trainingCurvesSpec, type TrainingChartAbout } from './charts/training-chart.js';
export {
  metricBarsSpec,
  BAR_METRICS,
  BAR_METRIC_LABELS,
  type BarMetric,
  type ModelScores,
  type ScoreValue,
} from './charts/metric-bars-chart.js';
export {
  perClassBarsSpec,
  perClassFigures,
  type PerClassChartInput,
  type PerClassFigures,
  type PerClassModel,
} from './charts/per-class-chart.js';
export { errorBarsSpec, type ClassSpread, type ErrorBarsInput } from './charts/error-bars-chart.js';
export { oneVsRestAccuracy } from './one-vs-rest-accuracy.js';
export {
  packetScoreSeriesSpec,
  type PacketScoreChartInput,
  type PacketSpan,
} from './charts/packet-score-chart.js';
