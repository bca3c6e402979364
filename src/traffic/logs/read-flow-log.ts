import { IotIdsError } from '../../errors.js';
import { SkipTally, type ConnRecord } from '../conn-record.js';
import { ArgusCsvParser } from './argus-csv.js';
import { EveJsonParser } from './eve-json.js';
import type { FlowLineParser, ParserContext } from './flow-line-parser.js';
import { NfdumpCsvParser } from './nfdump-csv.js';
import { openTrafficInput, type TrafficSource } from './open-traffic-input.js';
import { TextLines } from './text-lines.js';
import type { FlowLogFormat } from './traffic-format.js';
import { ZeekJsonParser } from './zeek-json.js';
import { ZeekTsvParser } from './zeek-tsv.js';

export interface FlowLogOptions {
  /** Name used in messages (default `input`). */
  file?: string;
  /** Force a format instead of detecting it from the first bytes. */
  format?: FlowLogFormat;
}

/** What a read has done so far; final once the batches are exhausted. */
export interface FlowLogStats {
  format: FlowLogFormat;
  gzip: boolean;
  lines: number;
  records: number;
  /** Header and metadata lines (Zeek `#` lines, CSV headers): lines = records + headerLines + skipped.total. */
  headerLines: number;
  /** Lines that gave no record, by reason with positions (headers and `#` metadata are not counted). */
  skipped: SkipTally;
}

export interface FlowLog {
  readonly stats: FlowLogStats;
  /** The records, one array per input chunk (cheaper than one promise per record). Iterate once. */
  batches(): AsyncGenerator<ConnRecord[]>;
}

export function createFlowLineParser(format: FlowLogFormat, ctx: ParserContext): FlowLineParser {
  switch (format) {
    case 'zeek-tsv':
      return new ZeekTsvParser(ctx);
    case 'zeek-json':
      return new ZeekJsonParser(ctx);
    case 'eve':
      return new EveJsonParser(ctx);
    case 'argus':
      return new ArgusCsvParser(ctx);
    case 'nfdump':
      return new NfdumpCsvParser(ctx);
  }
}

/**
 * Opens a flow log (file stream, stdin or any byte iterable; plain or gzip) and reads it lazily into
 * ConnRecords. Nothing is held beyond one chunk and one line. Bad lines are counted in `stats.skipped`; an
 * IotIdsError is thrown only when the format is unknown or when the input had lines but none gave a record.
 */
export async function openFlowLog(source: TrafficSource, options: FlowLogOptions = {}): Promise<FlowLog> {
  const file = options.file ?? 'input';
  let opened: Awaited<ReturnType<typeof openTrafficInput>>;
  try {
    opened = await openTrafficInput(source);
  } catch (error) {
    throw new IotIdsError(`cannot read the input: ${(error as Error).message}`, {
      location: { file },
      cause: error,
    });
  }
  const detected = opened.format;
  if (options.format === undefined && (detected === 'pcap' || detected === 'pcapng')) {
    throw new IotIdsError(
      `is a ${detected} packet capture, not a flow log (read it with the capture reader)`,
      {
        kind: 'usage',
        location: { file },
      },
    );
  }
  const format = options.format ?? detected;
  if (format === undefined || format === 'pcap' || format === 'pcapng') {
    throw new IotIdsError(
      'cannot tell the flow-log format from the first bytes (expected a Zeek conn.log, Zeek JSON, eve.json, ' +
        'Argus or nfdump CSV); pass --format to force one',
      { kind: 'usage', location: { file } },
    );
  }
  const stats: FlowLogStats = {
    format,
    gzip: opened.gzip,
    lines: 0,
    records: 0,
    headerLines: 0,
    skipped: new SkipTally(),
  };
  const ctx: ParserContext = { file, skipped: stats.skipped, headerLines: 0 };
  const parser = createFlowLineParser(format, ctx);
  return { stats, batches: () => readBatches(opened.chunks, parser, stats, ctx) };
}

async function* readBatches(
  chunks: AsyncIterable<Buffer>,
  parser: FlowLineParser,
  stats: FlowLogStats,
  ctx: ParserContext,
): AsyncGenerator<ConnRecord[]> {
  const file = ctx.file;
  let batch: ConnRecord[] = [];
  const lines = new TextLines({
    line(text, n) {
      const record = parser.line(text, n);
      if (record !== undefined) batch.push(record);
    },
    tooLong(n, length) {
      stats.skipped.add('line too long', `line ${n} (${length} characters)`);
    },
  });
  try {
    for await (const chunk of chunks) {
      lines.push(chunk);
      if (batch.length > 0) {
        stats.records += batch.length;
        const out = batch;
        batch = [];
        yield out;
      }
    }
  } catch (error) {
    throw new IotIdsError(`cannot read the input: ${(error as Error).message}`, {
      location: { file },
      cause: error,
    });
  }
  lines.end();
  stats.lines = lines.linesSeen;
  stats.headerLines = ctx.headerLines;
  if (batch.length > 0) {
    stats.records += batch.length;
    yield batch;
  }
  if (stats.records === 0 && stats.skipped.total > 0) {
    const [reason, count] = Object.entries(stats.skipped.counts())[0];
    const where = stats.skipped.examples()[reason]?.[0] ?? '';
    throw new IotIdsError(
      `no ${stats.format} record could be read: ${stats.skipped.total} line(s) skipped, most for "${reason}" ` +
        `(${count}, first at ${where})`,
      { location: { file } },
    );
  }
}

/** Reads a whole flow log into memory (tests, small files, the training path). */
export async function readFlowLog(
  source: TrafficSource,
  options: FlowLogOptions = {},
): Promise<{ records: ConnRecord[]; stats: FlowLogStats }> {
  const log = await openFlowLog(source, options);
  const records: ConnRecord[] = [];
  for await (const batch of log.batches()) for (const r of batch) records.push(r);
  return { records, stats: log.stats };
}
