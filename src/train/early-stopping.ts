import type { NamedWeights } from '../models/weights-file.js';
import { cloneWeights } from '../models/weights-file.js';
import type { Callback, EpochLogs, LoopControl } from './callbacks.js';

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

/** Stops a stage when the monitored validation figure stops improving; one instance per stage. */
export class EarlyStopping implements Callback {
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

  onStageEnd(_info: unknown, control: LoopControl): void {
    if (this.options.restoreBestWeights && this.bestWeights) control.setWeights(this.bestWeights);
  }
}
