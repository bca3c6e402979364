import { parentPort, type MessagePort } from 'node:worker_threads';
import { transferablesOf, type DecodeJob, type DecodeReply } from './body-decoder-protocol.js';
import { decodeDetectBody } from './detect-body.js';
import { errorToThread } from '../util/thread-error.js';
import { IotIdsError } from '../errors.js';

// Entry point of a body decoder thread: parses and validates the /v1/detect bodies it is sent.
const port = parentPort;
if (!port) throw new IotIdsError('serve/body-decoder-worker.ts must run in a worker thread');
port.on('message', (job: DecodeJob) => void answer(port, job));

async function answer(to: MessagePort, job: DecodeJob): Promise<void> {
  try {
    const decoded = await decodeDetectBody(job.body, job.request);
    to.postMessage({ id: job.id, ok: true, decoded, body: job.body } satisfies DecodeReply, [
      ...transferablesOf(decoded),
      job.body.buffer as ArrayBuffer,
    ]);
  } catch (error) {
    // The error's class and fields (an HttpError's status, details, headers) cross as data.
    to.postMessage({ id: job.id, ok: false, error: errorToThread(error) } satisfies DecodeReply);
  }
}
