import type { NamedWeights } from '../models/weights-file.js';

/** Figures of one epoch. `valLoss` / `valAccuracy` come from the validation part of the training data. */
export interface EpochLogs {
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  seconds?: number;
}

/** What a callback may do to the loop: stop it, and read or replace the model's weights. */
export interface LoopControl {
  readonly stage: string;
  stop(reason: string): void;
  getWeights(): NamedWeights;
  setWeights(weights: NamedWeights): void;
}

/**
 * Training callbacks in the tfjs-layers style. All methods are optional; async ones are awaited, so a
 * checkpoint is on disk before the next epoch starts.
 */
export interface Callback {
  onStageBegin?(info: {
    stage: string;
    epochs: number;
    startEpoch: number;
    batchesPerEpoch: number;
  }): void | Promise<void>;
  onBatchEnd?(info: {
    stage: string;
    epoch: number;
    batch: number;
    batchesPerEpoch: number;
    loss?: number;
  }): void;
  onEpochEnd?(epoch: number, logs: EpochLogs, control: LoopControl): void | Promise<void>;
  onStageEnd?(
    info: { stage: string; epochsRun: number; stopReason?: string },
    control: LoopControl,
  ): void | Promise<void>;
}
