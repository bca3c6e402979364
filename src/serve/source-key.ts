import type { DatasetSchema } from '../data/schema.js';
import { MAX_SOURCE_KEY_LENGTH } from '../alerts/storable-record.js';

/**
 * Who sent a record, for alert aggregation ("one alert per class and source per window"). KDD-style records
 * carry no IP address, so the key is, in order:
 * 1. the record's `sourceField` (e.g. `srcip`, or a sensor id), when the service is configured with one
 *    and the record has it as a string or number — the field may be a column of the dataset or an extra
 *    field that exists only for this purpose;
 * 2. otherwise the address of the client that sent the request (the sensor or gateway that forwards the
 *    traffic), so each sensor's floods are counted apart.
 */
export function sourceKeysOf(
  records: readonly unknown[],
  rowIndices: Int32Array,
  sourceField: string | undefined,
  clientAddress: string,
): string | string[] {
  if (sourceField === undefined) return clientAddress;
  const keys = new Array<string>(rowIndices.length);
  for (let r = 0; r < rowIndices.length; r++) {
    const value = (records[rowIndices[r]] as Record<string, unknown>)[sourceField];
    keys[r] =
      typeof value === 'string' && value.length > 0
        ? value.slice(0, MAX_SOURCE_KEY_LENGTH)
        : typeof value === 'number' && Number.isFinite(value)
          ? String(value)
          : clientAddress;
  }
  return keys;
}

/** The request's peer address, IPv4-mapped IPv6 addresses written as plain IPv4. */
export function clientAddressOf(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return 'unknown';
  return remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.')
    ? remoteAddress.slice(7)
    : remoteAddress;
}

/**
 * The schema records are validated with: the model's input schema, plus the source field as an ignored
 * column when it is not a column already, so records may carry it without being refused as unknown.
 */
export function withSourceField(schema: DatasetSchema, sourceField: string | undefined): DatasetSchema {
  if (sourceField === undefined || schema.columns.some((c) => c.name === sourceField)) return schema;
  return { ...schema, columns: [...schema.columns, { name: sourceField, type: 'ignore' }] };
}
