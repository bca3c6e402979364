import type { DecodedBody } from './detect-body.js';
import type { DetectOutcome } from './detection-service.js';
import type { SkippedLines } from './traffic-body.js';
import { round6 } from '../util/round6.js';

/** What an answer says besides the verdicts, for bodies of lines (CSV, flow logs). */
export interface DetectExtras {
  /** The body's 1-based line of each scored record; absent for JSON records (answered in request order). */
  lines?: Int32Array;
  /** Flow logs: the lines that gave no connection. */
  skipped?: SkippedLines;
}

/** The extras of a decoded body: line numbers for CSV and flow logs, skipped lines for flow logs. */
export function detectExtras(decoded: Pick<DecodedBody, 'format' | 'rowIndices' | 'skipped'>): DetectExtras {
  if (decoded.format === 'json' || decoded.format === 'ndjson') return {};
  const lines = Int32Array.from(decoded.rowIndices, (index) => index + 1);
  return decoded.skipped === undefined ? { lines } : { lines, skipped: decoded.skipped };
}

/**
 * The JSON answer to POST /v1/detect, built by hand (a few times faster than JSON.stringify of objects at
 * thousands of records per request):
 * `{"model":…,"records":n,"alerts":m,"predictions":[{"label":…,"probability":…,"alert":…,"alertId":…}]}`,
 * one prediction per record in request order. `alertId` (the stored alert the record was folded into) is
 * present only on alerting records; `probabilities` (every class) only when asked for. For bodies of lines
 * every prediction starts with its `line`, and a flow log's answer ends with `skipped`.
 */
export function formatDetectResponse(
  outcome: DetectOutcome,
  withProbabilities: boolean,
  extras: DetectExtras = {},
): string {
  const names = outcome.classes.map((c) => JSON.stringify(c));
  const k = names.length;
  const { predicted, probabilities, alertIds } = outcome;
  const lines = extras.lines;
  const parts: string[] = new Array<string>(predicted.length);
  for (let i = 0; i < predicted.length; i++) {
    const c = predicted[i];
    let text = lines === undefined ? '{' : `{"line":${lines[i]},`;
    text += `"label":${names[c]},"probability":${round6(probabilities[i * k + c])}`;
    if (withProbabilities) {
      let all = '';
      for (let j = 0; j < k; j++)
        all += `${j === 0 ? '' : ','}${names[j]}:${round6(probabilities[i * k + j])}`;
      text += `,"probabilities":{${all}}`;
    }
    text += alertIds[i] > 0 ? `,"alert":true,"alertId":${alertIds[i]}}` : ',"alert":false}';
    parts[i] = text;
  }
  return (
    `{"model":${JSON.stringify(outcome.modelId)},"records":${predicted.length},"alerts":${outcome.alerts},` +
    `"predictions":[${parts.join(',')}]${skippedPart(extras)}}`
  );
}

export function emptyDetectResponse(modelId: string, extras: DetectExtras = {}): string {
  return `{"model":${JSON.stringify(modelId)},"records":0,"alerts":0,"predictions":[]${skippedPart(extras)}}`;
}

function skippedPart(extras: DetectExtras): string {
  return extras.skipped === undefined ? '' : `,"skipped":${JSON.stringify(extras.skipped)}`;
}
