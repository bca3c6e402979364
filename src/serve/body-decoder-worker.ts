import { parentPort } from 'node:worker_threads';
import { transferablesOf, type DecodeJob, type DecodeReply } from './body-decoder-protocol.js';
import { decodeDetectBody } from './detect-body.js';
import { HttpError } from './http-error.js';
import { IotIdsError } from '../errors.js';

// Entry point of a body decoder thread: parses and validates the /v1/detect bodies it is sent.
const port = parentPort;
if (!port) throw new IotIdsError('serve/body-decoder-worker.ts must run in a worker thread');
port.on('message', (job: DecodeJob) => {
  let reply: DecodeReply;
  try {
    const decoded = decodeDetectBody(job.body, job.request);
    port.postMessage({ id: job.id, ok: true, decoded, body: job.body } satisfies DecodeReply, [
      ...transferablesOf(decoded),
      job.body.buffer as ArrayBuffer,
    ]);
    return;
  } catch (error) {
    reply =
      error instanceof HttpError
        ? {
            id: job.id,
            ok: false,
            message: error.message,
            httpError: {
              status: error.status,
              message: error.message,
              details: error.details,
              headers: error.headers,
            },
          }
        : { id: job.id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
