import { IotIdsError } from '../errors.js';

/**
 * An error with an HTTP status, thrown by request handling and turned into a JSON answer
 * `{ "error": message, ...details }` by the server. Anything else that escapes a handler is a 500.
 * It is the project's error class with a status: 4xx are the client's mistakes (`usage`), 503 a failure.
 */
export class HttpError extends IotIdsError {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 421 | 422 | 429 | 503,
    message: string,
    /** Extra fields of the JSON answer, e.g. `errors` for validation failures. */
    readonly details: Record<string, unknown> = {},
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
    /** What went wrong underneath (a parse error, a closed socket), kept for logs. */
    cause?: unknown,
  ) {
    super(message, { kind: status < 500 ? 'usage' : 'failure', cause });
    this.name = 'HttpError';
  }
}

/**
 * The client went away before its request was read: counted as
 * an aborted request, never logged as an error or counted as a 500.
 */
export class ClientAbortedError extends HttpError {
  constructor() {
    super(400, 'the client closed the connection mid-request');
    this.name = 'ClientAbortedError';
  }
}
