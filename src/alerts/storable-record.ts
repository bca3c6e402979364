/**
 * What an alert may store of the record that raised it. The record comes from the network: its label and
 * ignored columns are never read by the model and may hold anything JSON can (a 15 MB string, an array
 * nested 100,000 deep that `JSON.stringify` cannot even serialise). The store keeps a flat copy instead:
 * scalar fields as they are, strings cut to `MAX_STORED_FIELD_CHARS`, anything nested replaced by a note,
 * and the whole record cut to `MAX_STORED_RECORD_BYTES`. Nothing here recurses, so no value can overflow
 * the stack, and the work is bounded by the budget, not by the record.
 */

/** Characters of one string field kept in a stored alert; the rest is replaced by a note of its length. */
export const MAX_STORED_FIELD_CHARS = 1024;

/** Serialised size of a stored record at most (plus one note counting the fields left out past it). */
export const MAX_STORED_RECORD_BYTES = 16 * 1024;

/** The field of a stored record that counts the fields left out (no column is named like this). */
export const OMITTED_KEY = '[not stored]';

/** Fields of one record looked at at most; a record has one per column, so this is generous. */
const MAX_STORED_FIELDS = 1000;

/** A string value cut to `MAX_STORED_FIELD_CHARS`, saying how long it was. */
export function storableText(text: string): string {
  if (text.length <= MAX_STORED_FIELD_CHARS) return text;
  return `${text.slice(0, MAX_STORED_FIELD_CHARS)}…[cut: ${text.length} characters]`;
}

/** A flat, bounded copy of `record` (see the module comment); a scalar record is kept (strings cut). */
export function storableRecord(record: unknown): unknown {
  if (record === null || record === undefined) return null;
  if (typeof record !== 'object') return storableScalar(record);
  if (Array.isArray(record)) return notStored(record);
  const stored: Record<string, unknown> = {};
  let bytes = 2;
  let fields = 0;
  let left = 0;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    if (++fields > MAX_STORED_FIELDS) break;
    if (left > 0) {
      left++;
      continue;
    }
    const name = storableText(key);
    const value = storableScalar((record as Record<string, unknown>)[key]);
    const size = JSON.stringify(name).length + JSON.stringify(value).length + 2;
    if (bytes + size > MAX_STORED_RECORD_BYTES) {
      left++;
      continue;
    }
    bytes += size;
    stored[name] = value;
  }
  if (fields > MAX_STORED_FIELDS) stored[OMITTED_KEY] = `fields past the first ${MAX_STORED_FIELDS}`;
  else if (left > 0) stored[OMITTED_KEY] = `${left} more fields past the record size limit`;
  return stored;
}

function storableScalar(value: unknown): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string') return storableText(value);
  return notStored(value);
}

function notStored(value: unknown): string {
  return `[not stored: ${value === undefined ? 'undefined' : Array.isArray(value) ? 'an array' : `a${typeof value === 'object' ? 'n object' : ` ${typeof value}`}`}]`;
}

/** Characters of a source key kept (the HTTP service cuts them the same way, source-key.ts). */
export const MAX_SOURCE_KEY_LENGTH = 128;

/** A source key as stored and looked up: a grouping key, not payload. */
export function storableSourceKey(key: string): string {
  return key.length > MAX_SOURCE_KEY_LENGTH ? key.slice(0, MAX_SOURCE_KEY_LENGTH) : key;
}

/** An explanation with its categorical values cut like record fields (they are copied from the record). */
export function storableExplanation<T extends { value: number | string }>(explanation: readonly T[]): T[] {
  return explanation.map((c) => (typeof c.value === 'string' ? { ...c, value: storableText(c.value) } : c));
}
