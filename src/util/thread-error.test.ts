import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { errorFromThread, errorToThread } from './thread-error.js';

/** What crossing a thread does to the data: a structured clone. */
const cross = (error: unknown): Error => errorFromThread(structuredClone(errorToThread(error)), []);

describe('errors across threads', () => {
  it('keeps an IotIdsError’s location without naming it twice, and brings any other error back as one', () => {
    const located = new IotIdsError('bad value', { kind: 'usage', location: { file: 'a.csv', line: 2 } });
    const back = cross(located) as IotIdsError;
    expect(back).toBeInstanceOf(IotIdsError);
    expect(back.message).toBe('a.csv, line 2: bad value');
    expect(back.location).toEqual({ file: 'a.csv', line: 2 });
    const other = cross(new TypeError('x is undefined')) as IotIdsError;
    expect(other).toBeInstanceOf(IotIdsError);
    expect(other.message).toBe('x is undefined');
    expect(other.kind).toBe('failure');
    expect((cross('a string') as IotIdsError).message).toBe('a string');
  });
});
