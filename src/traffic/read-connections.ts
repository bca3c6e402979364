import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { IotIdsError } from '../errors.js';
import type { ConnRecord } from './conn-record.js';
import {
  openConnectionSource,
  type ConnectionSourceOptions,
  type TrafficSummary,
} from './connection-source.js';

export interface ReadConnectionsOptions extends Omit<ConnectionSourceOptions, 'file'> {
  /** Standard input stand-in for `-` (tests). Default process.stdin. */
  stdin?: NodeJS.ReadableStream;
  /** Called after every batch with the records read so far. */
  onProgress?: (records: number, summary: TrafficSummary) => void;
}

/**
 * Reads every connection of a capture or flow log (a path, or `-` for stdin) into memory, in start-time
 * order (stable), as the offline paths (`flows`, `detect`, training) need: the KDD window features assume
 * start order, while a meter or Zeek emits a connection when it ends. Memory grows with connections, not
 * packets; the live path (`watch`) streams instead.
 */
export async function readConnections(
  input: string,
  options: ReadConnectionsOptions = {},
): Promise<{ records: ConnRecord[]; summary: TrafficSummary }> {
  const file = input === '-' ? 'stdin' : input;
  if (input !== '-') {
    const info = await stat(input).catch((error: unknown) => {
      throw new IotIdsError(`cannot read the input: ${(error as Error).message}`, {
        kind: 'usage',
        location: { file },
        cause: error,
      });
    });
    if (!info.isFile()) throw new IotIdsError('is not a regular file', { kind: 'usage', location: { file } });
  }
  const stream = input === '-' ? (options.stdin ?? process.stdin) : createReadStream(input);
  const source = await openConnectionSource(stream, { ...options, file });
  const records: ConnRecord[] = [];
  for await (const batch of source.batches()) {
    for (const r of batch) records.push(r);
    options.onProgress?.(records.length, source.summary());
  }
  return { records: inStartOrder(records), summary: source.summary() };
}

/** The records stable-sorted by start time (the same array when already in order). */
export function inStartOrder(records: ConnRecord[]): ConnRecord[] {
  let sorted = true;
  for (let i = 1; i < records.length && sorted; i++) sorted = records[i - 1].ts <= records[i].ts;
  if (sorted) return records;
  const order = records.map((_, i) => i).sort((a, b) => records[a].ts - records[b].ts || a - b);
  return order.map((i) => records[i]);
}

/** Summary lines for a person: what was read, what was skipped and why, what came out. */
export function formatTrafficSummary(s: TrafficSummary): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const skipped = Object.values(s.skipped).reduce((a, b) => a + b, 0);
  const lines = [
    `${s.format}${s.gzip ? ' (gzip)' : ''}: ${n(s.read)} ${s.unit} read → ${n(s.records)} connections` +
      (s.unit === 'packets' ? ` (+ ${n(skipped)} packets not in a connection)` : ''),
  ];
  if (skipped > 0) {
    lines.push(`skipped ${s.unit}: ${n(skipped)}`);
    for (const [reason, count] of Object.entries(s.skipped)) {
      const where = s.skipExamples[reason]?.slice(0, 2).join(', ');
      lines.push(`  ${reason}: ${n(count)}${where ? ` (first at ${where})` : ''}`);
    }
  }
  if (s.evictions) lines.push(`connections ended early (table full): ${n(s.evictions)}`);
  if (s.outOfOrder) lines.push(`packets with a timestamp going backwards: ${n(s.outOfOrder)}`);
  return lines.join('\n');
}
