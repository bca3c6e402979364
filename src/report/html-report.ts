/**
 * Self-contained HTML reports: `iot-ids report runs/<id>` builds one with `buildRunReport`, `iot-ids compare`
 * with `buildCompareReport`; `writeReport` saves either (and, on request, every chart as PNG).
 */
export { buildRunReport, type ReportOptions } from './run-report.js';
export { buildCompareReport, type CompareReportOptions } from './compare-report.js';
export { writeReport, type WriteReportOptions } from './write-report.js';
