import type { ProgressReporter } from '../util/progress-reporter.js';
import type { Callback, EpochLogs } from './callbacks.js';

/** Drives a progress bar: one stage per model stage, counting batches, with the latest epoch's figures. */
export function progressCallback(progress: ProgressReporter): Callback {
  let total = 0;
  let lastLogs = '';
  let epochs = 0;
  return {
    onStageBegin({ stage, epochs: n, startEpoch, batchesPerEpoch }) {
      epochs = n;
      total = n * batchesPerEpoch;
      lastLogs = startEpoch > 0 ? `resumed after epoch ${startEpoch}` : '';
      progress.start(`train ${stage}`, total, 'batches');
    },
    onBatchEnd({ epoch, batch, batchesPerEpoch }) {
      progress.update(epoch * batchesPerEpoch + batch + 1, total, `epoch ${epoch + 1}/${epochs} ${lastLogs}`);
    },
    onEpochEnd(epoch, logs) {
      lastLogs = formatLogs(logs);
      progress.update((epoch + 1) * (total / epochs), total, `epoch ${epoch + 1}/${epochs} ${lastLogs}`);
    },
    onStageEnd({ epochsRun, stopReason }) {
      progress.finish(
        `${epochsRun} epochs${stopReason ? `, stopped early: ${stopReason}` : ''}; ${lastLogs}`,
      );
    },
  };
}

export function formatLogs(logs: EpochLogs): string {
  const parts = [`loss ${logs.loss.toFixed(4)}`];
  if (logs.accuracy !== undefined) parts.push(`acc ${(logs.accuracy * 100).toFixed(2)}%`);
  if (logs.valLoss !== undefined) parts.push(`val_loss ${logs.valLoss.toFixed(4)}`);
  if (logs.valAccuracy !== undefined) parts.push(`val_acc ${(logs.valAccuracy * 100).toFixed(2)}%`);
  return parts.join(' · ');
}
