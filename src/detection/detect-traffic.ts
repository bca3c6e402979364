import { Readable } from 'node:stream';
import { createReadStream } from 'node:fs';
import type { TrafficSummary } from '../traffic/connection-source.js';
import { openTrafficInput } from '../traffic/logs/open-traffic-input.js';
import type { TrafficFormat } from '../traffic/logs/traffic-format.js';
import { readConnections } from '../traffic/read-connections.js';
import { IotIdsError } from '../errors.js';
import type { Detector } from './detector.js';
import { ConnectionScorer, formatScoredConnections } from './score-connections.js';
import type { TextOutput } from './text-output.js';

/** Formats whose first bytes say they are traffic for certain, not a flow CSV a schema could describe. */
const SURELY_TRAFFIC: readonly TrafficFormat[] = ['pcap', 'pcapng', 'zeek-tsv', 'zeek-json', 'eve'];

/**
 * For a model trained on CSV columns: refuses a file that is a packet capture or a Zeek / Suricata log,
 * naming what the model expects and what the input is, instead of rejecting every line as malformed.
 * Standard input is not peeked at (it could not be replayed); there the line checks speak.
 */
export async function refuseTrafficForCsvModel(
  input: string,
  detector: Detector,
  modelDir: string,
): Promise<void> {
  if (input === '-') return;
  const stream = createReadStream(input, { highWaterMark: 64 * 1024 });
  try {
    const { format } = await openTrafficInput(Readable.from(headOf(stream)));
    if (format !== undefined && SURELY_TRAFFIC.includes(format)) {
      throw new IotIdsError(
        `the input is ${format} traffic, but the model in ${modelDir} was trained on the CSV columns of dataset ` +
          `"${detector.manifest.dataset}", not on a traffic feature set (conn or kdd-traffic); ` +
          'train a traffic model (e.g. -d iot-23, or -d nsl-kdd-traffic for kdd-traffic features) to score it',
        { kind: 'usage', location: { file: input } },
      );
    }
  } catch (error) {
    if (error instanceof IotIdsError) throw error;
    // An unreadable or odd file is left to the CSV reader, which reports it in its own terms.
  } finally {
    stream.destroy();
  }
}

/** The first chunk or two of a stream (enough for a format peek), then stop reading. */
async function* headOf(stream: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    yield chunk;
    bytes += chunk.length;
    if (bytes >= 128 * 1024) return;
  }
}

export interface DetectTrafficOptions {
  input: string;
  modelDir: string;
  /** Force the traffic format instead of detecting it. */
  format?: TrafficFormat;
  /** The feature set the user says the input should get; must be the model's. */
  features?: string;
  batchRows?: number;
  stdin?: NodeJS.ReadableStream;
}

export interface TrafficDetectResult {
  featureSet: string;
  traffic: TrafficSummary;
  /** Connections whose start time went backwards between batches (0 offline: records are sorted first). */
  outOfOrder: number;
}

/**
 * Scores every connection of a capture or flow log with a traffic model: records are read whole and put in
 * start order (as for training), featured and scored in batches by one `ConnectionScorer`, and written as
 * NDJSON with each connection's identity. `onScored` sees every batch (for the summary's tallies).
 */
export async function detectTraffic(
  detector: Detector,
  output: TextOutput,
  options: DetectTrafficOptions,
  onScored: (scored: Awaited<ReturnType<ConnectionScorer['score']>>) => void,
): Promise<TrafficDetectResult> {
  const scorer = new ConnectionScorer(detector, { modelDir: options.modelDir, features: options.features });
  const { records, summary } = await readConnections(options.input, {
    format: options.format,
    stdin: options.stdin,
  });
  const step = options.batchRows ?? 4096;
  for (let start = 0; start < records.length; start += step) {
    const result = await scorer.score(records.slice(start, start + step));
    onScored(result);
    await output.write(formatScoredConnections(detector.classes, result));
  }
  return { featureSet: scorer.featureSet, traffic: summary, outOfOrder: scorer.outOfOrder };
}
