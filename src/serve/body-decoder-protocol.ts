import type { ThreadErrorData } from '../util/thread-error.js';
import type { DecodedBody, DetectBodyRequest } from './detect-body.js';

/** Main thread → decoder worker: one body to decode. */
export interface DecodeJob {
  id: number;
  body: Uint8Array;
  request: DetectBodyRequest;
}

/** Decoder worker → main thread. */
export type DecodeReply =
  /** `body` is the job's body, handed back so the caller can keep it without having copied it. */
  | { id: number; ok: true; decoded: DecodedBody; body: Uint8Array }
  /** The error thrown, an `HttpError` for a malformed body (rebuilt with `errorFromThread`). */
  | { id: number; ok: false; error: ThreadErrorData };

/**
 * The buffers under the decoded table's typed arrays, each once (columns of a kind share one), handed over
 * rather than copied. They were all allocated by the decode, so nothing else holds them.
 */
export function transferablesOf(decoded: DecodedBody): ArrayBuffer[] {
  const { table } = decoded;
  const buffers = new Set<ArrayBufferLike>([
    ...table.features.map((c) => (c.kind === 'numeric' ? c.values.buffer : c.codes.buffer)),
    table.label.codes.buffer,
    table.lineNumbers.buffer,
    decoded.rowIndices.buffer,
  ]);
  return [...buffers] as ArrayBuffer[];
}
