/**
 * How long-running work reports progress without knowing about terminals: the CLI turns these calls into
 * progress bars, tests and the library use can ignore them.
 */
export interface ProgressReporter {
  /** Starts a stage (e.g. "load KDDTrain+", "fit rf"); `total` units are rows, trees, epochs… */
  start(stage: string, total?: number, unit?: string): void;
  update(done: number, total?: number, detail?: string): void;
  finish(summary?: string): void;
  /** A line of information that is not progress (warnings, what was skipped). */
  note(message: string): void;
}

export const silentProgress: ProgressReporter = {
  start: () => undefined,
  update: () => undefined,
  finish: () => undefined,
  note: () => undefined,
};
