import { parentPort, workerData } from 'node:worker_threads';
import { TreeGrower } from './grow-tree.js';
import { transferablesOf, type GrowResult, type GrowTask, type WorkerInit } from './worker-protocol.js';
import { IotIdsError } from '../../errors.js';

// Entry point of a forest worker thread: grows the trees it is sent, one message per tree.
const port = parentPort;
if (!port) throw new IotIdsError('random-forest/worker.ts must run in a worker thread');
const init = workerData as WorkerInit;
const grower = new TreeGrower(init.data, init.params);
port.on('message', (task: GrowTask) => {
  const tree = grower.grow(task.seed);
  const result: GrowResult = { treeIndex: task.treeIndex, tree };
  port.postMessage(result, transferablesOf(tree));
});
