import { describe, expect, it } from 'vitest';
import { EXIT_FAILURE, EXIT_USAGE, IotIdsError } from '../errors.js';
import { HttpError } from './http-error.js';

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
});
