import type { TrainableStage } from '../../src/fit/fit-stage.js';
import { median } from './nsl-kdd-matrices.js';

/**
 * Runs `epochs` epochs of a training stage and returns median wall and CPU seconds per epoch (CPU time is
 * the steadier figure on a shared machine) and the last epoch's training loss.
 */
export async function measureEpochs(
  stage: TrainableStage,
  epochs: number,
): Promise<{ secondsPerEpoch: number; cpuSecondsPerEpoch: number; trainLoss: number }> {
  const wall: number[] = [];
  const cpu: number[] = [];
  let trainLoss = Number.NaN;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    trainLoss = (await stage.trainEpoch(epoch, () => undefined)).loss;
    const used = process.cpuUsage(cpuStart);
    wall.push((performance.now() - start) / 1000);
    cpu.push((used.user + used.system) / 1e6);
  }
  return { secondsPerEpoch: median(wall), cpuSecondsPerEpoch: median(cpu), trainLoss };
}
