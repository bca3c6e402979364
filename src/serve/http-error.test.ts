import { describe, expect, it } from 'vitest';
import { EXIT_FAILURE, EXIT_USAGE, IotIdsError } from '../errors.js';
import { errorFromThread, errorToThread } from '../util/thread-error.js';
import { ClientAbortedError, HttpError } from './http-error.js';

/** What crossing a worker thread does to the data: a structured clone. */
const cross = (error: unknown): Error =>
  errorFromThread(structuredClone(errorToThread(error)), [HttpError, ClientAbortedError]);

describe('HttpError', () => {
  it('is the project error class with a status, keeping its cause', () => {
    const cause = new SyntaxError('Unexpected token');
    const error = new HttpError(400, 'body is not JSON', { line: 2 }, {}, cause);
    expect(error).toBeInstanceOf(IotIdsError);
    expect(error.name).toBe('HttpError');
    expect(error.message).toBe('body is not JSON');
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ line: 2 });
    expect(error.exitCode).toBe(EXIT_USAGE);
    expect(new HttpError(503, 'shutting down').exitCode).toBe(EXIT_FAILURE);
  });

  it('crosses a worker thread as data and is rebuilt with its class, status, details, headers, kind and cause', () => {
    const cause = new SyntaxError('Unexpected token');
    const original = new HttpError(413, 'too big', { line: 3 }, { connection: 'close' }, cause);
    const error = cross(original) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toBeInstanceOf(IotIdsError);
    expect(error.name).toBe('HttpError');
    expect(error.message).toBe('too big');
    expect(error.status).toBe(413);
    expect(error.details).toEqual({ line: 3 });
    expect(error.headers).toEqual({ connection: 'close' });
    expect(error.kind).toBe('usage');
    expect(error.exitCode).toBe(2);
    expect((error.cause as Error).message).toBe('Unexpected token');
    expect(error.stack).toBe(original.stack);
    expect(cross(new ClientAbortedError())).toBeInstanceOf(ClientAbortedError);
  });
});
