import { z } from 'zod';
import { IotIdsError } from '../errors.js';
import type { NamedWeights } from './weights-file.js';
import { cloneWeights } from './weights-file.js';
import type { Callback, CallbackCheckpointState, EpochLogs, LoopControl } from './callbacks.js';

const savedStateSchema = z
  .object({
    monitor: z.string(),
    // null while no epoch had a finite figure (JSON has no NaN).
    best: z.number().nullable(),
    bestEpoch: z.number().int().min(-1),
    wait: z.number().int().nonnegative(),
  })
  .strict();

export interface EarlyStoppingOptions {
  /** Log to watch; lower is better for losses, higher for accuracies. Default 'valLoss'. */
  monitor?: keyof EpochLogs;
  /** Epochs without improvement before stopping. Default 5. */
  patience?: number;
  /** Smallest change that counts as an improvement. Default 1e-4. */
  minDelta?: number;
  /** Put back the weights of the best epoch when the stage ends. Default true. */
  restoreBestWeights?: boolean;
}

/**
 * Stops a stage when the monitored validation figure stops improving; one instance per stage. Its state
 * (best value and epoch, epochs waited, best weights) goes into every checkpoint, so `--resume` carries on
 * exactly where the interrupted run was.
 */
export class EarlyStopping implements Callback {
  readonly checkpointKey = 'earlyStopping';
  readonly options: Required<EarlyStoppingOptions>;
  private best = Number.NaN;
  private bestEpoch = -1;
  private wait = 0;
  private bestWeights: NamedWeights | undefined;

  constructor(options: EarlyStoppingOptions = {}) {
    this.options = {
      monitor: options.monitor ?? 'valLoss',
      patience: options.patience ?? 5,
      minDelta: options.minDelta ?? 1e-4,
      restoreBestWeights: options.restoreBestWeights ?? true,
    };
  }

  get bestValue(): number {
    return this.best;
  }

  get bestEpochIndex(): number {
    return this.bestEpoch;
  }

  onStageBegin(): void {
    this.best = Number.NaN;
    this.bestEpoch = -1;
    this.wait = 0;
    this.bestWeights = undefined;
  }

  onEpochEnd(epoch: number, logs: EpochLogs, control: LoopControl): void {
    const value = logs[this.options.monitor];
    if (value === undefined || !Number.isFinite(value)) return;
    const higherIsBetter = String(this.options.monitor).toLowerCase().includes('accuracy');
    const improved =
      Number.isNaN(this.best) ||
      (higherIsBetter
        ? value > this.best + this.options.minDelta
        : value < this.best - this.options.minDelta);
    if (improved) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.options.restoreBestWeights) this.bestWeights = cloneWeights(control.getWeights());
      return;
    }
    this.wait++;
    if (this.wait >= this.options.patience) {
      control.stop(
        `no ${String(this.options.monitor)} improvement for ${this.options.patience} epochs (best at epoch ${this.bestEpoch + 1})`,
      );
    }
  }

  checkpointState(): CallbackCheckpointState {
    const state = {
      monitor: String(this.options.monitor),
      best: Number.isNaN(this.best) ? null : this.best,
      bestEpoch: this.bestEpoch,
      wait: this.wait,
    } satisfies z.infer<typeof savedStateSchema>;
    // bestWeights is replaced, never mutated, so handing out the reference is safe.
    return this.bestWeights ? { state, weights: this.bestWeights } : { state };
  }

  restoreCheckpointState(saved: CallbackCheckpointState): void {
    const parsed = savedStateSchema.safeParse(saved.state);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new IotIdsError(`invalid early-stopping state in the checkpoint: ${issue.message}`, {
        location: { field: `${this.checkpointKey}.${issue.path.join('.')}` },
      });
    }
    const state = parsed.data;
    if (state.monitor !== String(this.options.monitor)) {
      throw new IotIdsError(
        `the checkpoint's early stopping watched ${state.monitor}, this run watches ${String(this.options.monitor)}; resume with the same options or start afresh`,
      );
    }
    this.best = state.best ?? Number.NaN;
    this.bestEpoch = state.bestEpoch;
    this.wait = state.wait;
    this.bestWeights =
      this.options.restoreBestWeights && saved.weights ? cloneWeights(saved.weights) : undefined;
  }

  onStageEnd(_info: unknown, control: LoopControl): void {
    if (this.options.restoreBestWeights && this.bestWeights) control.setWeights(this.bestWeights);
  }
}
