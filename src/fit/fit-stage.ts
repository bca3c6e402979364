import { IotIdsError } from '../errors.js';
import type { NamedWeights } from './weights-file.js';
import type { Callback, CallbackCheckpointState, EpochLogs, LoopControl } from './callbacks.js';
import type { CheckpointState } from './model-checkpoint.js';

/**
 * One trainable stage of a model (SAE pretraining, the softmax stage, the FCNN, fine-tuning…). The model
 * owns the engine work; the loop owns epochs, callbacks, stopping, NaN detection and resuming.
 */
export interface TrainableStage {
  readonly name: string;
  readonly batchesPerEpoch: number;
  /**
   * One pass over the training rows. Call `onBatch` after each batch, with the batch loss when it was read
   * (reading it forces a sync, so a model may read it every few batches).
   */
  trainEpoch(epoch: number, onBatch: (batch: number, loss?: number) => void): Promise<EpochLogs>;
  /** Loss (and accuracy) on the validation rows, when the model has them. */
  validate?(): Promise<Pick<EpochLogs, 'valLoss' | 'valAccuracy'>>;
  /** Every weight of the whole model (all stages) plus optimizer state: what a checkpoint stores. */
  getWeights(): NamedWeights;
  setWeights(weights: NamedWeights): void;
}

export interface FitStageOptions {
  epochs: number;
  /** Run in this order, except that callbacks keeping state (`checkpointState`) see each epoch's end first. */
  callbacks?: Callback[];
  /** First epoch to run (0-based): resuming after epoch k starts at k + 1. Default 0. */
  startEpoch?: number;
  /**
   * The checkpoint being resumed (`FitContext.resumeFrom`). When it was written in this stage right before
   * `startEpoch`, callbacks get their saved state back and a stop it had asked for still holds. Default none.
   */
  resumeFrom?: { readonly state: CheckpointState };
}

export interface FitStageResult {
  epochsRun: number;
  stopReason?: string;
  history: EpochLogs[];
}

/**
 * Runs the epochs of a stage. A non-finite loss stops training with an error naming the stage, epoch and
 * batch; checkpoints are only written at the end of a good epoch, so the last one on disk is good.
 */
export async function fitStage(stage: TrainableStage, options: FitStageOptions): Promise<FitStageResult> {
  const callbacks = options.callbacks ?? [];
  const keyed = keyedCallbacks(callbacks, stage.name);
  const epochEndOrder = [...keyed.map(([, c]) => c), ...callbacks.filter((c) => !isStateful(c))];
  const startEpoch = options.startEpoch ?? 0;
  let stopReason: string | undefined;
  const control: LoopControl = {
    stage: stage.name,
    stop: (reason) => {
      stopReason ??= reason;
    },
    get stopReason() {
      return stopReason;
    },
    callbackStates: () => {
      const states: Record<string, CallbackCheckpointState> = {};
      for (const [key, c] of keyed) states[key] = c.checkpointState();
      return states;
    },
    getWeights: () => stage.getWeights(),
    setWeights: (w) => stage.setWeights(w),
  };
  for (const c of callbacks) {
    await c.onStageBegin?.({
      stage: stage.name,
      epochs: options.epochs,
      startEpoch,
      batchesPerEpoch: stage.batchesPerEpoch,
    });
  }
  const resumed = options.resumeFrom?.state;
  if (resumed && resumed.stage === stage.name && resumed.epoch + 1 === startEpoch) {
    // Checkpoints written before callback states were stored have no `callbacks`: those callbacks start
    // afresh at the resume point, as every resume did then.
    for (const [key, c] of keyed) {
      const saved = resumed.callbacks?.[key];
      if (saved) c.restoreCheckpointState?.(saved);
    }
    stopReason ??= resumed.stopReason;
  }
  const history: EpochLogs[] = [];
  let epoch = startEpoch;
  for (; epoch < options.epochs && stopReason === undefined; epoch++) {
    const started = performance.now();
    const train = await stage.trainEpoch(epoch, (batch, loss) => {
      if (loss !== undefined && !Number.isFinite(loss)) {
        throw new IotIdsError(
          `the ${stage.name} loss became ${loss} at epoch ${epoch + 1}, batch ${batch + 1}; training stopped (the last good checkpoint is kept). Try a lower learning rate or check the input for extreme values`,
        );
      }
      for (const c of callbacks)
        c.onBatchEnd?.({ stage: stage.name, epoch, batch, batchesPerEpoch: stage.batchesPerEpoch, loss });
    });
    if (!Number.isFinite(train.loss)) {
      throw new IotIdsError(
        `the ${stage.name} loss became ${train.loss} in epoch ${epoch + 1}; training stopped (the last good checkpoint is kept)`,
      );
    }
    const logs: EpochLogs = { ...train, ...(stage.validate ? await stage.validate() : {}) };
    logs.seconds = (performance.now() - started) / 1000;
    history.push(logs);
    for (const c of epochEndOrder) await c.onEpochEnd?.(epoch, logs, control);
  }
  const epochsRun = epoch - startEpoch;
  for (const c of callbacks) await c.onStageEnd?.({ stage: stage.name, epochsRun, stopReason }, control);
  return { epochsRun, stopReason, history };
}

type StatefulCallback = Callback & Required<Pick<Callback, 'checkpointKey' | 'checkpointState'>>;

function isStateful(c: Callback): c is StatefulCallback {
  return c.checkpointState !== undefined;
}

/** The callbacks that keep state, by key; a key must be usable as a file name and unique in the stage. */
function keyedCallbacks(callbacks: readonly Callback[], stageName: string): [string, StatefulCallback][] {
  const keyed: [string, StatefulCallback][] = [];
  for (const c of callbacks.filter(isStateful)) {
    const key = c.checkpointKey as string | undefined;
    if (key === undefined || !/^[\w-]+$/.test(key) || keyed.some(([k]) => k === key)) {
      throw new IotIdsError(
        `stage ${stageName}: a callback with checkpoint state needs its own checkpointKey (letters, digits, '-', '_'); got ${JSON.stringify(key)}`,
      );
    }
    keyed.push([key, c]);
  }
  return keyed;
}

/**
 * Where a stage starts when resuming: stages before the checkpoint's stage are skipped (their weights come
 * from the checkpoint), the checkpoint's own stage continues after its last completed epoch, later stages
 * start at epoch 0. `stageOrder` lists the model's stage names in training order.
 */
export function resumeStartEpoch(
  resumeFrom: { state: { stage: string; epoch: number } } | undefined,
  stage: string,
  stageOrder: readonly string[],
): number | 'skip' {
  if (!resumeFrom) return 0;
  const at = stageOrder.indexOf(resumeFrom.state.stage);
  const here = stageOrder.indexOf(stage);
  if (at < 0 || here < 0) {
    throw new IotIdsError(
      `the checkpoint is from stage "${resumeFrom.state.stage}", which this model (stages ${stageOrder.join(', ')}) does not have`,
    );
  }
  if (here < at) return 'skip';
  return here === at ? resumeFrom.state.epoch + 1 : 0;
}
