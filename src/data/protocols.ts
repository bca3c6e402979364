import { IotIdsError } from '../errors.js';
import type { ProtocolName } from './run-names.js';
import type { DatasetDefinition } from './schema.js';

/**
 * The protocols `dataset` can run: `official` only when it has a test file besides the training file,
 * `time-split` only with declared time columns, `group-split` only with a group column; `random-split`
 * always (it is labelled inflated wherever it is reported).
 */
export function availableProtocols(dataset: DatasetDefinition): ProtocolName[] {
  const out: ProtocolName[] = [];
  if (dataset.official.tests.length > 0) out.push('official');
  if (dataset.schema.time) out.push('time-split');
  if (dataset.schema.groupColumn !== undefined) out.push('group-split');
  out.push('random-split');
  return out;
}

/** The schema's `protocol` when given, else the most honest protocol the dataset can run. */
export function defaultProtocolOf(dataset: DatasetDefinition): ProtocolName {
  return dataset.defaultProtocol ?? availableProtocols(dataset)[0];
}

/** `protocol` when the dataset can run it; otherwise a usage error naming the ones it can. */
export function requireProtocol(dataset: DatasetDefinition, protocol: ProtocolName): ProtocolName {
  const available = availableProtocols(dataset);
  if (available.includes(protocol)) return protocol;
  const why: Record<ProtocolName, string> = {
    official: `it has no test file besides its training file "${dataset.official.train}" (one file: nothing to test on)`,
    'time-split':
      'its schema declares no time columns ("time": { "timestamp": ... } or { "date": ..., "time": ... })',
    'group-split': 'its schema declares no "groupColumn" (a device or source address column)',
    'random-split': '',
  };
  throw new IotIdsError(
    `dataset "${dataset.name}" cannot use protocol "${protocol}": ${why[protocol]}; protocols it can use: ${available.join(', ')}`,
    { kind: 'usage' },
  );
}
