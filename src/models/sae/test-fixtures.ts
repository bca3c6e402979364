import { createMatrix, type Matrix } from '../../preprocess/matrix.js';
import type { EpochLogs } from '../../fit/callbacks.js';
import type { CheckpointState } from '../../fit/model-checkpoint.js';
import { gaussianBlobs } from '../contract-cases.js';
import type { NamedWeights } from '../../fit/weights-file.js';
import { cloneWeights } from '../../fit/weights-file.js';

/** Gaussian blobs min-max scaled into [0, 1] per column, as the pipeline hands features to the models. */
export function scaledBlobs(options: { seed: number; rows: number; features: number; classes: number }): {
  x: Matrix;
  y: Int32Array;
  nClasses: number;
} {
  const blobs = gaussianBlobs(options);
  const { rows, cols } = blobs.x;
  const data = blobs.x.data.slice();
  for (let c = 0; c < cols; c++) {
    let low = Infinity;
    let high = -Infinity;
    for (let r = 0; r < rows; r++) {
      low = Math.min(low, data[r * cols + c]);
      high = Math.max(high, data[r * cols + c]);
    }
    for (let r = 0; r < rows; r++) data[r * cols + c] = (data[r * cols + c] - low) / (high - low);
  }
  return { x: createMatrix(rows, cols, data), y: blobs.y, nClasses: blobs.nClasses };
}

export interface RecordedEpoch {
  stage: string;
  epoch: number;
  logs: EpochLogs;
}

/**
 * A callback that records every epoch and keeps a checkpoint (state + weights, as ModelCheckpoint would
 * store them) of each, so tests can resume from any of them.
 */
export function recorder(): {
  epochs: RecordedEpoch[];
  stagesBegun: { stage: string; startEpoch: number }[];
  checkpoints: { state: CheckpointState; weights: NamedWeights }[];
  callback: {
    onStageBegin(info: { stage: string; startEpoch: number }): void;
    onEpochEnd(epoch: number, logs: EpochLogs, control: { stage: string; getWeights(): NamedWeights }): void;
  };
} {
  const epochs: RecordedEpoch[] = [];
  const stagesBegun: { stage: string; startEpoch: number }[] = [];
  const checkpoints: { state: CheckpointState; weights: NamedWeights }[] = [];
  return {
    epochs,
    stagesBegun,
    checkpoints,
    callback: {
      onStageBegin: ({ stage, startEpoch }) => void stagesBegun.push({ stage, startEpoch }),
      onEpochEnd: (epoch, logs, control) => {
        epochs.push({ stage: control.stage, epoch, logs });
        checkpoints.push({
          state: { formatVersion: 1, stage: control.stage, epoch, logs },
          weights: cloneWeights(control.getWeights()),
        });
      },
    },
  };
}
