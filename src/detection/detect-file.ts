import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { RejectedRow } from '../data/cleaning-report.js';
import { datasetForModel } from '../models/model-dataset.js';
import type { DatasetSchema } from '../data/schema.js';
import { IotIdsError } from '../errors.js';
import type { ByteSource } from '../data/decode-input.js';
import { checkFeatureColumns } from './detection-table.js';
import { Detector, type ScoredTable } from './detector.js';
import { streamRecordBatches } from './record-batches.js';
import { openFileOutput, streamOutput, type TextOutput } from './text-output.js';

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
  });
  try {
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

async function run(
  detector: Detector,
  schema: DatasetSchema,
  source: { name: string; stream: ByteSource; totalBytes: number | undefined },
  output: TextOutput,
  options: DetectFileOptions,
): Promise<DetectSummary> {
  const started = performance.now();
  const counter = { bytesRead: 0 };
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

async function* countBytes(
  input: ByteSource,
  counter: { bytesRead: number },
): AsyncGenerator<Buffer | string> {
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    counter.bytesRead += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    yield chunk;
  }
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
      out.push(
        `{"line":${lines[i]},"label":${names[c]},"probability":${round6(data[i * k + c])},` +
          `"probabilities":{${probabilities}},"alert":${scored.alerts[i] === 1}}\n`,
      );
    }
    return out.join('');
  };
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
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
