import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { describeRejectedRow, type RejectedRow } from '../data/cleaning-report.js';
import { datasetForModel } from '../models/model-dataset.js';
import type { DatasetSchema } from '../data/schema.js';
import { IotIdsError } from '../errors.js';
import type { ByteSource } from '../data/decode-input.js';
import { checkFeatureColumns } from './detection-table.js';
import { Detector, type ScoredTable } from './detector.js';
import { streamRecordBatches } from './record-batches.js';
import { detectTraffic, refuseTrafficForCsvModel } from './detect-traffic.js';
import { requireTrafficFeatureSet, trafficFeatureSetOf } from './score-connections.js';
import type { TrafficSummary } from '../traffic/connection-source.js';
import type { TrafficFormat } from '../traffic/logs/traffic-format.js';
import { openFileOutput, streamOutput, type TextOutput } from './text-output.js';
import { round6 } from '../util/round6.js';

export interface DetectFileOptions {
  /** Model directory written by `iot-ids train` (…/model). */
  modelDir: string;
  /** Flow file, plain or gzip, or '-' for standard input. */
  input: string;
  /**
   * Built-in dataset name or schema file (.json) describing the input's columns, delimiter and header.
   * Default: the dataset stored in the model directory (models from before it was stored need it here).
   */
  dataset?: string;
  /** NDJSON file, written to a temporary file and renamed into place when complete. Default: stdout, streamed. */
  output?: string;
  /** Records read, scored and written per step. Default 4096. */
  batchRows?: number;
  /** Alert threshold per attack class. Default 0.5 for every class (see `DetectorOptions`). */
  thresholds?: Record<string, number>;
  /** The benign class. Default 'normal'. */
  normalClass?: string;
  /** Zero-day mode: attach the model's anomaly detector, or the one in this directory (see `DetectorOptions`). */
  zeroDay?: boolean | string;
  /** Whether the input starts with a header line. Default: the dataset's `header`. */
  header?: boolean;
  /** Rejected lines listed in the summary (all are counted). Default 100. */
  maxRejectedExamples?: number;
  /** Called after every batch, for a progress bar. Default none. */
  onProgress?: (progress: DetectProgress) => void;
  /** Standard input stand-in, for tests and embedding. Default process.stdin. */
  stdin?: ByteSource;
  /** Standard output stand-in. Default process.stdout. */
  stdout?: NodeJS.WritableStream;
  /** Traffic models: force the input's traffic format (pcap, zeek-tsv, …) instead of detecting it. */
  format?: TrafficFormat;
  /** Traffic models: the feature set the caller expects; refused when it is not the model's. */
  features?: string;
}

export interface DetectProgress {
  records: number;
  rejected: number;
  alerts: number;
  /** Input bytes read (compressed bytes for gzip). */
  bytesRead: number;
  /** Input file size; undefined for stdin. */
  totalBytes: number | undefined;
}

export interface DetectSummary {
  input: string;
  /** Output path, or 'stdout'. */
  output: string;
  /** Records scored (one NDJSON line each). */
  records: number;
  /** Data lines rejected and skipped. */
  rejected: number;
  rejectedByReason: Record<string, number>;
  /** The first rejected lines (line number, reason, field, offending value). */
  rejectedExamples: RejectedRow[];
  alerts: number;
  /** Records per predicted class (every class listed). */
  byLabel: Record<string, number>;
  /** Alerts per attack class (every attack class listed). */
  alertsByLabel: Record<string, number>;
  /** Per categorical column, records whose value training never saw (scored with an all-zero encoding). */
  unknownCategories: Record<string, number>;
  /** Values outside the training range, clipped by the pipeline. */
  clippedValues: number;
  /** Time spent reading, scoring and writing (model loading excluded). */
  seconds: number;
  recordsPerSecond: number;
  /** Traffic models only: the feature set computed from the connections. */
  featureSet?: string;
  /** Traffic models only: what the reader saw (packets or lines read, skipped by reason, connections). */
  traffic?: TrafficSummary;
}

const READ_CHUNK_BYTES = 256 * 1024;

/**
 * Scores every record of a flow file and writes one NDJSON line per record,
 * `{"line":…,"label":…,"probability":…,"probabilities":{…},"alert":…}` (probabilities rounded to 6
 * decimals), in input order. Bad lines are skipped and reported by line number in the summary; reading
 * goes on. Memory stays bounded whatever the input size: records stream through in batches.
 */
export async function detectFile(options: DetectFileOptions): Promise<DetectSummary> {
  const detector = await Detector.load(options.modelDir, {
    thresholds: options.thresholds,
    normalClass: options.normalClass,
    zeroDay: options.zeroDay,
  });
  try {
    if (trafficFeatureSetOf(detector.manifest) !== undefined) return await runTraffic(detector, options);
    if (options.features !== undefined) {
      // Words the refusal: this model reads no traffic features at all.
      requireTrafficFeatureSet(detector.manifest, options.modelDir, options.features);
    }
    await refuseTrafficForCsvModel(options.input, detector, options.modelDir);
    const schema = await inputSchema(detector, options);
    const source = await openInput(options);
    const output = options.output
      ? await openFileOutput(options.output)
      : streamOutput(options.stdout ?? process.stdout);
    try {
      const summary = await run(detector, schema, source, output, options);
      await output.commit();
      return summary;
    } catch (error) {
      await output.abort();
      throw error;
    }
  } finally {
    await detector.dispose();
  }
}

/** A traffic model: the input is a capture or flow log, scored connection by connection. */
async function runTraffic(detector: Detector, options: DetectFileOptions): Promise<DetectSummary> {
  const started = performance.now();
  const output = options.output
    ? await openFileOutput(options.output)
    : streamOutput(options.stdout ?? process.stdout);
  const tally = new Tally(detector.classes, detector.rules.normalIndex, options.maxRejectedExamples ?? 100);
  try {
    const result = await detectTraffic(
      detector,
      output,
      {
        input: options.input,
        modelDir: options.modelDir,
        format: options.format,
        features: options.features,
        batchRows: options.batchRows,
        stdin: options.stdin as NodeJS.ReadableStream | undefined,
      },
      (batch) => {
        tally.addScored(batch.scored);
        options.onProgress?.({
          records: tally.records,
          rejected: 0,
          alerts: tally.alerts,
          bytesRead: 0,
          totalBytes: undefined,
        });
      },
    );
    await output.commit();
    const seconds = (performance.now() - started) / 1000;
    return {
      input: options.input === '-' ? 'stdin' : options.input,
      output: output.name,
      ...tally.summary(),
      seconds,
      recordsPerSecond: seconds > 0 ? Math.round(tally.records / seconds) : 0,
      featureSet: result.featureSet,
      traffic: result.traffic,
    };
  } catch (error) {
    await output.abort();
    throw error;
  }
}

async function run(
  detector: Detector,
  schema: DatasetSchema,
  source: { name: string; stream: ByteSource; totalBytes: number | undefined },
  output: TextOutput,
  options: DetectFileOptions,
): Promise<DetectSummary> {
  const started = performance.now();
  const counter: ByteCounter = { bytesRead: 0, head: Buffer.alloc(0) };
  const tally = new Tally(detector.classes, detector.rules.normalIndex, options.maxRejectedExamples ?? 100);
  const format = ndjsonFormatter(detector.classes);
  const batches = streamRecordBatches(countBytes(source.stream, counter), schema, {
    batchRows: options.batchRows,
    sourceName: source.name,
    header: options.header,
  });
  for await (const batch of batches) {
    tally.addRejected(batch.rejected);
    if (batch.table.nRows > 0) {
      const scored = await detector.scoreTable(batch.table);
      tally.addScored(scored);
      await output.write(format(batch.table.lineNumbers, scored));
    }
    options.onProgress?.({
      records: tally.records,
      rejected: tally.rejected,
      alerts: tally.alerts,
      bytesRead: counter.bytesRead,
      totalBytes: source.totalBytes,
    });
  }
  if (tally.records === 0 && tally.rejected > 0) {
    throw allRejected(tally.summary(), counter.head, schema, source.name);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    input: source.name,
    output: output.name,
    ...tally.summary(),
    seconds,
    recordsPerSecond: seconds > 0 ? Math.round(tally.records / seconds) : 0,
  };
}

/** The dataset's schema for reading the input, checked against the columns the model was trained on. */
async function inputSchema(detector: Detector, options: DetectFileOptions): Promise<DatasetSchema> {
  const { schema } = await datasetForModel(detector.manifest, options.modelDir, options.dataset);
  checkFeatureColumns(schema, detector.manifest.inputColumns, options.modelDir);
  return schema;
}

async function openInput(
  options: DetectFileOptions,
): Promise<{ name: string; stream: ByteSource; totalBytes: number | undefined }> {
  if (options.input === '-') {
    return { name: 'stdin', stream: options.stdin ?? process.stdin, totalBytes: undefined };
  }
  const path = options.input;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new IotIdsError('not a regular file');
    return {
      name: path,
      stream: createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }),
      totalBytes: info.size,
    };
  } catch (error) {
    throw new IotIdsError(`cannot read input: ${error instanceof Error ? error.message : String(error)}`, {
      location: { file: path },
      cause: error,
    });
  }
}

/** Input bytes read so far, and the first `HEAD_BYTES` of them (to say what a rejected input looked like). */
interface ByteCounter {
  bytesRead: number;
  head: Buffer;
}

const HEAD_BYTES = 512;

async function* countBytes(input: ByteSource, counter: ByteCounter): AsyncGenerator<Buffer | string> {
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    counter.bytesRead += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (counter.head.length < HEAD_BYTES) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      counter.head = Buffer.concat([counter.head, bytes.subarray(0, HEAD_BYTES - counter.head.length)]);
    }
    yield chunk;
  }
}

/**
 * The error for an input of which not one line could be scored — a PDF, a ZIP archive, UTF-16 text, the
 * wrong delimiter: it says how many lines were rejected for what, the first of them, and what the input
 * looks like, instead of exiting 0 with empty output.
 */
function allRejected(
  tally: ReturnType<Tally['summary']>,
  head: Buffer,
  schema: DatasetSchema,
  name: string,
): IotIdsError {
  const reasons = Object.entries(tally.rejectedByReason)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
  const first = tally.rejectedExamples[0];
  return new IotIdsError(
    `no record could be scored: all ${tally.rejected} lines were rejected (${reasons})` +
      (first ? `; first: ${describeRejectedRow(first)}` : '') +
      `; ${describeHead(head, schema.delimiter || ',')}`,
    { location: { file: name } },
  );
}

/** What the first bytes of an input suggest it is. */
function describeHead(head: Buffer, delimiter: string): string {
  const starts = (text: string): boolean => head.subarray(0, text.length).toString('latin1') === text;
  if (starts('%PDF')) return 'the input looks like a PDF document, not a flow file';
  if (starts('PK\x03\x04')) return 'the input looks like a ZIP archive: unzip it first (gzip is read as is)';
  let zeros = 0;
  for (const byte of head) if (byte === 0) zeros++;
  if (starts('\xff\xfe') || starts('\xfe\xff') || zeros > head.length / 4) {
    return 'the input looks like UTF-16 text: convert it to UTF-8';
  }
  if (zeros > 0) return 'the input looks like binary data, not a flow file';
  const firstLine = head.toString('utf8').split('\n', 1)[0];
  const others = [',', ';', '\t', '|']
    .filter((d) => d !== delimiter)
    .map((d): [string, number] => [d, firstLine.split(d).length - 1])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  const guess =
    others.length > 0 ? ` (its first line holds ${JSON.stringify(others[0][0])} ${others[0][1]} times)` : '';
  return `check that the input is a flow file split by the schema's delimiter ${JSON.stringify(delimiter)}${guess}`;
}

/** Builds the NDJSON text of a scored batch by hand: a few times faster than JSON.stringify per record. */
function ndjsonFormatter(classes: readonly string[]): (lines: Uint32Array, scored: ScoredTable) => string {
  const names = classes.map((c) => JSON.stringify(c));
  const k = classes.length;
  return (lines, scored) => {
    const data = scored.probabilities.data;
    const out: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const c = scored.predicted[i];
      let probabilities = '';
      for (let j = 0; j < k; j++) {
        probabilities += `${j === 0 ? '' : ','}${names[j]}:${round6(data[i * k + j])}`;
      }
      // Zero-day mode adds each record's reconstruction error.
      const anomaly = scored.anomalyScores ? `,"anomalyScore":${round6(scored.anomalyScores[i])}` : '';
      out.push(
        `{"line":${lines[i]},"label":${names[c]},"probability":${round6(data[i * k + c])},` +
          `"probabilities":{${probabilities}},"alert":${scored.alerts[i] === 1}${anomaly}}\n`,
      );
    }
    return out.join('');
  };
}

/** Running counts for the summary. */
class Tally {
  records = 0;
  rejected = 0;
  alerts = 0;
  private clipped = 0;
  private readonly byLabel: Float64Array;
  private readonly alertsByLabel: Float64Array;
  private readonly rejectedByReason: Record<string, number> = {};
  private readonly examples: RejectedRow[] = [];
  private readonly unknownCategories: Record<string, number> = {};

  constructor(
    private readonly classes: readonly string[],
    private readonly normalIndex: number,
    private readonly maxExamples: number,
  ) {
    this.byLabel = new Float64Array(classes.length);
    this.alertsByLabel = new Float64Array(classes.length);
  }

  addRejected(rows: readonly RejectedRow[]): void {
    this.rejected += rows.length;
    for (const row of rows) {
      this.rejectedByReason[row.reason] = (this.rejectedByReason[row.reason] ?? 0) + 1;
      if (this.examples.length < this.maxExamples) this.examples.push(row);
    }
  }

  addScored(scored: ScoredTable): void {
    this.records += scored.predicted.length;
    this.clipped += scored.clipped;
    scored.predicted.forEach((c, i) => {
      this.byLabel[c]++;
      if (scored.alerts[i] === 1) {
        this.alerts++;
        this.alertsByLabel[c]++;
      }
    });
    for (const [column, count] of Object.entries(scored.unknownCategories)) {
      if (count > 0) this.unknownCategories[column] = (this.unknownCategories[column] ?? 0) + count;
    }
  }

  summary(): Omit<DetectSummary, 'input' | 'output' | 'seconds' | 'recordsPerSecond'> {
    const perClass = (counts: Float64Array, keep: (c: number) => boolean): Record<string, number> =>
      Object.fromEntries(this.classes.flatMap((name, c) => (keep(c) ? [[name, counts[c]]] : [])));
    return {
      records: this.records,
      rejected: this.rejected,
      rejectedByReason: { ...this.rejectedByReason },
      rejectedExamples: [...this.examples],
      alerts: this.alerts,
      byLabel: perClass(this.byLabel, () => true),
      alertsByLabel: perClass(this.alertsByLabel, (c) => c !== this.normalIndex),
      unknownCategories: { ...this.unknownCategories },
      clippedValues: this.clipped,
    };
  }
}
