import type { DecodedBody, DetectBodyRequest } from './detect-body.js';

/** Main thread → decoder worker: one body to decode. */
export interface DecodeJob {
  id: number;
  body: Uint8Array;
  request: DetectBodyRequest;
}

/** An `HttpError` as plain data (errors lose their class crossing threads). */
export interface HttpErrorData {
  status: number;
  message: string;
  details: Record<string, unknown>;
  headers: Record<string, string>;
}

/** Decoder worker → main thread. */
export type DecodeReply =
  | { id: number; ok: true; decoded: DecodedBody }
  | { id: number; ok: false; httpError?: HttpErrorData; message: string };

/** The decoded table's typed arrays, handed over rather than copied (each has a buffer of its own). */
export function transferablesOf(decoded: DecodedBody): ArrayBuffer[] {
  const { table } = decoded;
  return [
    ...table.features.map((c) => (c.kind === 'numeric' ? c.values.buffer : c.codes.buffer)),
    table.label.codes.buffer,
    table.lineNumbers.buffer,
    decoded.rowIndices.buffer,
  ] as ArrayBuffer[];
}
