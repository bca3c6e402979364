import type { Callback } from '../fit/callbacks.js';
import type { FitContext } from './estimator.js';

/**
 * The one way a deep model reports `FitContext.onProgress`: epochs counted over all the stages of a fit, so
 * the count ends at `total`. A stage's callback (`stage`) reports the epochs as the training loop runs them;
 * models that drive their stages themselves (the SAE's) `credit` epochs instead. A stage that early stopping
 * ends before its last epoch, or that a resumed fit skips, is credited in full: its share of the work is
 * done. Without an `onProgress` nothing is reported and `stage` gives no callback.
 */
export class EpochProgress {
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly report?: FitContext['onProgress'],
  ) {}

  /** Adds `epochs` done (capped at the total) and reports them with `detail`. */
  credit(epochs: number, detail: string): void {
    this.done = Math.min(this.total, this.done + epochs);
    this.report?.(this.done, this.total, detail);
  }

  /**
   * The callbacks reporting a stage of `epochs` epochs that starts after `offset` epochs of the fit:
   * offset + epoch + 1 after each epoch, offset + epochs when the stage ends.
   */
  stage(offset: number, epochs: number): Callback[] {
    const report = this.report;
    if (!report) return [];
    const at = (done: number) => {
      this.done = Math.min(this.total, done);
      report(this.done, this.total, 'epochs');
    };
    return [{ onEpochEnd: (epoch) => at(offset + epoch + 1), onStageEnd: () => at(offset + epochs) }];
  }

  /** Reports the whole fit done. */
  finish(detail = 'done'): void {
    this.done = this.total;
    this.report?.(this.total, this.total, detail);
  }
}
