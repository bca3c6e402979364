import type { DatasetSchema } from '../data/schema.js';
import { selectRows, type Table } from '../data/table.js';
import { IotIdsError } from '../errors.js';
import { MAX_SOURCE_KEY_LENGTH } from '../alerts/storable-record.js';
import { checkFeatureColumns, UNLABELLED } from '../detection/detection-table.js';
import { SkipTally, type ConnRecord } from '../traffic/conn-record.js';
import { buildFeatureTable } from '../traffic/features/feature-table.js';
import type { FeatureSetName } from '../traffic/features/feature-set.js';
import type { ParserContext } from '../traffic/logs/flow-line-parser.js';
import { createFlowLineParser } from '../traffic/logs/read-flow-log.js';
import { TextLines } from '../traffic/logs/text-lines.js';
import type { FlowLogFormat } from '../traffic/logs/traffic-format.js';
import { HttpError } from './http-error.js';

/** Lines of a flow-log body that gave no connection, by reason, with the first positions of each. */
export interface SkippedLines {
  total: number;
  reasons: Record<string, number>;
  examples: Record<string, string[]>;
}

export interface TrafficBody {
  /** The connections' features, rows in body line order. */
  table: Table;
  /** Connections read. */
  recordCount: number;
  /** 0-based body line of each table row. */
  rowIndices: Int32Array;
  /** Originator address of each row: the source key its alerts are aggregated by. */
  source: string[];
  skipped: SkippedLines;
}

/** What a flow-log body is turned into features for. */
export interface TrafficBodyModel {
  /** The model's input schema (its feature columns, for the column check). */
  schema: DatasetSchema;
  /** The traffic feature set the model was trained on; undefined for a model of CSV columns. */
  featureSet?: FeatureSetName;
  /** The feature set the client says it expects (`?features=`); must be the model's. */
  features?: string;
}

/** Skip reasons that mean "not a connection" (other events, other logs), not a damaged line. */
const NOT_A_CONNECTION = /\(not a flow\)$|, not conn$|^blank line$/;

/**
 * A flow-log body (Zeek JSON lines, eve.json lines, or any flow log the traffic entrance reads) through the
 * same line parsers as `iot-ids detect --input conn.log`, then the model's traffic feature set
 * (`buildFeatureTable`, connections in start order so the KDD window features see them as they happened;
 * the windows span the connections of this body only). Lines that give no connection are skipped and
 * counted, never fatal; a body with lines but no connection, and at least one damaged line, is a 400.
 * A model not trained on traffic features, or a `features` other than the model's, is a 422 naming both.
 */
export function decodeTrafficBody(
  body: Uint8Array,
  format: FlowLogFormat,
  model: TrafficBodyModel,
  maxRecords: number,
): TrafficBody {
  const set = requireFeatureSet(format, model);
  const skipped = new SkipTally(3);
  const ctx: ParserContext = { file: 'request body', skipped, headerLines: 0 };
  const parser = createFlowLineParser(format, ctx);
  const records: ConnRecord[] = [];
  const lines = new TextLines({
    line(text, n) {
      if (records.length + skipped.total > maxRecords) return;
      const record = parser.line(text, n);
      if (record !== undefined) records.push(record);
    },
    tooLong(n, length) {
      skipped.add('line too long', `line ${n} (${length} characters)`);
    },
  });
  lines.push(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  lines.end();
  if (records.length + skipped.total > maxRecords) {
    throw new HttpError(413, `more than ${maxRecords} lines in one request; split it`);
  }
  const summary: SkippedLines = {
    total: skipped.total,
    reasons: skipped.counts(),
    examples: skipped.examples(),
  };
  if (records.length === 0 && Object.keys(summary.reasons).some((r) => !NOT_A_CONNECTION.test(r))) {
    const [reason, count] = Object.entries(summary.reasons).find(([r]) => !NOT_A_CONNECTION.test(r))!;
    throw new HttpError(
      400,
      `no ${format} connection could be read: ${summary.total} line(s) skipped, ${count} for "${reason}" ` +
        `(first at ${summary.examples[reason][0]})`,
      { skipped: summary },
    );
  }
  const built = buildFeatureTable(records, set, { labelOf: () => UNLABELLED });
  try {
    checkFeatureColumns(
      { name: set, columns: built.columns, header: false, delimiter: ',' },
      model.schema.columns,
      `the served model (dataset "${model.schema.name}")`,
    );
  } catch (error) {
    if (!(error instanceof IotIdsError)) throw error;
    throw new HttpError(422, error.message, {}, {}, error);
  }
  // Features were computed in start order; rows go back to body order so answers follow the lines.
  const order = Array.from(built.table.lineNumbers.keys()).sort(
    (a, b) => built.table.lineNumbers[a] - built.table.lineNumbers[b],
  );
  const inLineOrder = selectRows(built.table, order);
  const table: Table = { ...inLineOrder, timestamps: undefined };
  const byLine = new Map(records.map((r) => [r.line ?? 0, r]));
  const rowIndices = Int32Array.from(table.lineNumbers, (line) => line - 1);
  const source = Array.from(table.lineNumbers, (line) =>
    (byLine.get(line)?.origH ?? '').slice(0, MAX_SOURCE_KEY_LENGTH),
  );
  return { table, recordCount: records.length, rowIndices, source, skipped: summary };
}

function requireFeatureSet(format: FlowLogFormat, model: TrafficBodyModel): FeatureSetName {
  const set = model.featureSet;
  if (set === undefined) {
    throw new HttpError(
      422,
      `the served model was trained on the columns of dataset "${model.schema.name}", not on a traffic feature ` +
        `set (conn or kdd-traffic), so it cannot score ${format} connections; send records in its own columns ` +
        '(GET /v1/model lists them) or serve a model trained on traffic features (e.g. -d iot-23)',
      { modelDataset: model.schema.name, format },
    );
  }
  if (model.features !== undefined && model.features !== '' && model.features !== set) {
    throw new HttpError(
      422,
      `the served model expects "${set}" features but the request asks for "${model.features.slice(0, 40)}" features`,
      { modelFeatureSet: set, requested: model.features.slice(0, 40) },
    );
  }
  return set;
}
