/**
 * The contract of online anomaly detectors (River's style): one sample at a time, learning and scoring
 * apart, so training can continue after deployment or be frozen. Scores are finite, higher = more unusual.
 * The constructor takes options only; learned state is what `save` writes.
 */
export interface OnlineDetector<Options extends object = object> {
  /** Model kind as used by `--model`, e.g. `packet-ae`. */
  readonly kind: string;
  readonly options: Readonly<Options>;
  /** True after `freeze()`: `learnOne` then refuses. */
  readonly frozen: boolean;
  /** Whether the detector has learned enough to score (scores are 0 before). */
  readonly ready: boolean;
  /** Learns from one sample. Throws once frozen. */
  learnOne(x: Float64Array): void;
  /** Scores one sample without learning from it; a finite number ≥ 0. */
  scoreOne(x: Float64Array): number;
  /** Learns while the detector's grace periods last, scores after (returns 0 while it only learns). */
  process(x: Float64Array): number;
  /** Whether a score is above the alert threshold (false while none is fitted). */
  isAlert(score: number): boolean;
  /** Stops all learning: scores no longer change for the same input. */
  freeze(): void;
  /** Writes the learned state into `dir`; returns the file names written. */
  save(dir: string): Promise<string[]>;
}
