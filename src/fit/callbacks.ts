import type { NamedWeights } from './weights-file.js';

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
  /** The first reason a callback gave for stopping after the current epoch; undefined while none did. */
  readonly stopReason: string | undefined;
  /** `checkpointState()` of every callback of the stage that has one, by `checkpointKey`. */
  callbackStates(): Record<string, CallbackCheckpointState>;
  getWeights(): NamedWeights;
  setWeights(weights: NamedWeights): void;
}

/** What a callback that keeps state across epochs stores with each checkpoint. */
export interface CallbackCheckpointState {
  /** Plain JSON; JSON has no NaN or Infinity, so store those as null. */
  readonly state: Readonly<Record<string, unknown>>;
  /** Weights the callback holds (e.g. the best epoch's), stored beside the model's. */
  readonly weights?: NamedWeights;
}

/**
 * Training callbacks in the tfjs-layers style. All methods are optional; async ones are awaited, so a
 * checkpoint is on disk before the next epoch starts.
 */
export interface Callback {
  /**
   * Name under which `checkpointState()` is stored, unique within a stage (letters, digits, '-', '_').
   * Required when `checkpointState` is implemented.
   */
  readonly checkpointKey?: string;
  /**
   * State as of the end of the latest epoch, so a resumed stage continues as if never interrupted. Callbacks
   * with it run their `onEpochEnd` before the others, so a checkpoint written there holds this epoch's state.
   */
  checkpointState?(): CallbackCheckpointState;
  /** On resume: what `checkpointState()` returned when the checkpoint was written; called after `onStageBegin`. */
  restoreCheckpointState?(saved: CallbackCheckpointState): void;
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
