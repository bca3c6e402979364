import type { SkipTally } from '../conn-record.js';
import { at } from './flow-line-parser.js';

/**
 * One line of a JSON-lines log as an object. Blank lines, bad JSON and values that are not objects (arrays,
 * strings, null…) are counted in the tally with their line number and give undefined.
 */
export function jsonObjectLine(
  text: string,
  n: number,
  skip: SkipTally,
): Record<string, unknown> | undefined {
  const trimmed = text.trim();
  if (trimmed.length === 0) return void skip.add('blank line', at(n));
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return void skip.add('bad JSON', at(n));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return void skip.add('not a JSON object', at(n));
  }
  return value as Record<string, unknown>;
}
