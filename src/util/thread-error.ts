import { IotIdsError } from '../errors.js';

/**
 * An error as data a worker thread can post: structured cloning keeps an error's message, stack and cause
 * but turns every class into a plain `Error` and drops its own fields (an `HttpError`'s status, details and
 * headers, an `IotIdsError`'s kind and location). This keeps the class name and every own field.
 */
export interface ThreadErrorData {
  name: string;
  message: string;
  stack?: string;
  cause?: unknown;
  /** The error's own enumerable fields (`name`, `kind`, `location`, `status`…), structured-cloneable. */
  fields: Record<string, unknown>;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** The data of any thrown value (a non-error becomes an `IotIdsError` with its text). */
export function errorToThread(error: unknown): ThreadErrorData {
  const e = error instanceof Error ? error : new IotIdsError(String(error));
  return {
    name: e.name,
    message: e.message,
    stack: e.stack,
    cause: e.cause === undefined ? undefined : causeData(e.cause),
    fields: { ...e },
  };
}

/**
 * The error again, of the class in `classes` whose name it had (else `IotIdsError`), with the same message,
 * stack, cause and fields; no constructor runs, so nothing is added to the message twice.
 */
export function errorFromThread(data: ThreadErrorData, classes: readonly ErrorClass[]): Error {
  const type = classes.find((c) => c.name === data.name) ?? IotIdsError;
  const error = Object.create(type.prototype as object) as Error;
  const hidden = (value: unknown): PropertyDescriptor => ({ value, writable: true, configurable: true });
  Object.defineProperty(error, 'message', hidden(data.message));
  if (data.stack !== undefined) Object.defineProperty(error, 'stack', hidden(data.stack));
  if (data.cause !== undefined) Object.defineProperty(error, 'cause', hidden(data.cause));
  Object.assign(error, data.fields);
  if (type === IotIdsError) {
    // An error of another class arrives as the project's error: a failure unless it said otherwise.
    Object.assign(error, { kind: data.fields.kind ?? 'failure', location: data.fields.location ?? {} });
  }
  return error;
}

/** Causes are structured-cloned as they are when they can be (errors keep message and stack). */
function causeData(cause: unknown): unknown {
  try {
    return structuredClone(cause);
  } catch {
    return String(cause);
  }
}
