import { parentPort, workerData } from 'node:worker_threads';
import { IotIdsError } from '../errors.js';
import { adoptCompiledWasm } from '../util/wasm-module.js';
import { DENSE_NETWORK_KERNEL, DenseNetworkKernel } from './dense-network.js';
import { scoreChunks, type HelperData, type HelperJob } from './dense-network-threads.js';

// Entry point of a ThreadedDenseNetwork's helper thread: keeps the network it was sent and takes chunks of
// every job it is posted until none is left (the calling thread takes them too, and waits for these).
const port = parentPort;
if (!port) throw new IotIdsError('engine/dense-network-worker.ts must run in a worker thread');
adoptCompiledWasm(DENSE_NETWORK_KERNEL, (workerData as HelperData).module);
let kernel: DenseNetworkKernel | null = null;

port.on('message', (job: HelperJob) => {
  if (job.network) kernel = new DenseNetworkKernel(job.network.layers, job.network.options);
  if (!kernel) throw new IotIdsError('dense-network worker: a job came before its network');
  scoreChunks(kernel, job, true);
});
