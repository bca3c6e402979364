import { parentPort } from 'node:worker_threads';
import { TreeGrower } from './grow-tree.js';
import { transferablesOf, type GrowResult, type WorkerMessage } from './worker-protocol.js';
import { IotIdsError } from '../../errors.js';

// Entry point of a forest worker thread: takes the fit's data, then grows the trees it is sent, one
// message per tree.
const port = parentPort;
if (!port) throw new IotIdsError('random-forest/worker.ts must run in a worker thread');
let grower: TreeGrower | null = null;
port.on('message', (message: WorkerMessage) => {
  if (message.kind === 'init') {
    grower = new TreeGrower(message.data, message.params);
    return;
  }
  if (!grower) throw new IotIdsError('random forest worker: a tree was requested before the data');
  const tree = grower.grow(message.seed);
  const result: GrowResult = { treeIndex: message.treeIndex, tree };
  port.postMessage(result, transferablesOf(tree));
});
