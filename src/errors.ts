/** Exit codes of the CLI: 0 ok, 1 failure, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Where in an input file a problem was found; every field is optional so partial knowledge still helps. */
export interface InputLocation {
  file?: string;
  line?: number;
  field?: string;
}

/**
 * The one error class of the project. `usage` errors exit with code 2, everything else with 1.
 * The message already names file, line and field when they are known, so callers can print it as is.
 */
export class IotIdsError extends Error {
  readonly kind: 'usage' | 'failure';
  readonly location: InputLocation;

  constructor(
    message: string,
    options: { kind?: 'usage' | 'failure'; location?: InputLocation; cause?: unknown } = {},
  ) {
    super(withLocation(message, options.location), { cause: options.cause });
    this.name = 'IotIdsError';
    this.kind = options.kind ?? 'failure';
    this.location = options.location ?? {};
  }

  get exitCode(): number {
    return this.kind === 'usage' ? EXIT_USAGE : EXIT_FAILURE;
  }
}

export function usageError(message: string, cause?: unknown): IotIdsError {
  return new IotIdsError(message, { kind: 'usage', cause });
}

function withLocation(message: string, location: InputLocation | undefined): string {
  if (!location) return message;
  const parts: string[] = [];
  if (location.file !== undefined) parts.push(location.file);
  if (location.line !== undefined) parts.push(`line ${location.line}`);
  if (location.field !== undefined) parts.push(`field "${location.field}"`);
  return parts.length ? `${parts.join(', ')}: ${message}` : message;
}
