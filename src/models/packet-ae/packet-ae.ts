import { IotIdsError } from '../../errors.js';
import { Random } from '../../util/random.js';
import type { OnlineDetector } from '../online-detector.js';
import { EnsembleScorer } from './ensemble-scorer.js';
import { FeatureCorrelation } from './feature-map.js';
import { LogNormalFit } from './log-normal-threshold.js';
import { resolvePacketAeOptions, type PacketAeOptions } from './options.js';
import { readPacketAeState, writePacketAeState, type PacketAeState } from './state-file.js';
import { TinyAutoencoder } from './tiny-autoencoder.js';
import { WasmEnsembleScorer } from './wasm-ensemble-scorer.js';

export type PacketAePhase = 'feature-map' | 'training' | 'calibrating' | 'detecting';

/**
 * How `scoreOne` (and `process` after training) scores: `wasm` (default) runs the SIMD kernel
 * (wasm-ensemble-scorer.ts), `ts` the TypeScript packed scorer (ensemble-scorer.ts) it is tested against.
 * Both give the same scores; the choice is a speed comparison, not a model setting, so it is not saved.
 */
export type PacketAeScoring = 'wasm' | 'ts';

/**
 * KitNET (Mirsky et al., NDSS 2018), written afresh in Float64Array maths: a feature map learned from
 * correlations, one tiny autoencoder per feature group, an output autoencoder over their RMSEs whose RMSE is
 * the score, and a log-normal alert threshold. `process` walks the phases feature-map → training →
 * calibrating (scores benign samples to fit the threshold, learns nothing) → detecting (scores only);
 * `learnOne` / `scoreOne` give direct control, `freeze` stops learning.
 */
export class PacketAe implements OnlineDetector<PacketAeOptions> {
  readonly kind = 'packet-ae';
  readonly options: Readonly<PacketAeOptions>;
  /** Samples with non-finite values (read as 0). */
  nonFiniteInputs = 0;
  private nFeatures = 0;
  private correlation: FeatureCorrelation | null = null;
  private groupIndices: Int32Array[] = [];
  private ensemble: TinyAutoencoder[] = [];
  private output: TinyAutoencoder | null = null;
  private errors = new Float64Array(0);
  private clean = new Float64Array(0);
  /** The output autoencoder's RMSE lands here (writing into an array keeps the double unboxed). */
  private readonly result = new Float64Array(1);
  private trainedSamples = 0;
  /** Which packed scorer `scoreOne` uses. */
  scoring: PacketAeScoring = 'wasm';
  /** The flat scoring snapshot of the autoencoders; dropped whenever they learn, rebuilt on the next score. */
  private scorer: EnsembleScorer | null = null;
  /** The WebAssembly scorer, kept for the detector's life and re-packed on the next score after learning. */
  private wasmScorer: WasmEnsembleScorer | null = null;
  private wasmPacked = false;
  private readonly fit = new LogNormalFit();
  private fittedThreshold: number | null = null;
  private isFrozen = false;
  /** The fit a loaded model was saved with (its running sums are not kept once the threshold is fixed). */
  private restoredFit: { mu: number; sigma: number; samples: number } | null = null;

  constructor(options: Partial<PacketAeOptions> = {}) {
    this.options = resolvePacketAeOptions(options);
  }

  get frozen(): boolean {
    return this.isFrozen;
  }

  get ready(): boolean {
    return this.fittedThreshold !== null;
  }

  get phase(): PacketAePhase {
    if (this.output === null) return 'feature-map';
    if (this.trainedSamples < this.options.detectorGrace) return 'training';
    return this.fittedThreshold === null ? 'calibrating' : 'detecting';
  }

  /** Samples `process` needs before it has a threshold (all grace periods and the calibration). */
  get samplesBeforeDetection(): number {
    const o = this.options;
    return o.featureMapGrace + o.detectorGrace + o.calibrationSamples;
  }

  /** Alert threshold on the score, null until calibrated. */
  get threshold(): number | null {
    return this.fittedThreshold;
  }

  /** The log-normal fitted to the calibration scores (of their natural logs). */
  get thresholdFit(): { mu: number; sigma: number; samples: number } {
    if (this.restoredFit) return { ...this.restoredFit };
    return { mu: this.fit.mu, sigma: this.fit.sigma, samples: this.fit.count };
  }

  /** Feature groups of the ensemble (empty before the feature map is learned). */
  get featureGroups(): number[][] {
    return this.groupIndices.map((g) => Array.from(g));
  }

  /** Samples the autoencoders have trained on. */
  get trained(): number {
    return this.trainedSamples;
  }

  learnOne(x: Float64Array): void {
    if (this.isFrozen) throw new IotIdsError('packet-ae: the detector is frozen and learns nothing more');
    const v = this.sanitize(x);
    if (this.output === null) {
      this.correlation ??= new FeatureCorrelation(this.nFeatures);
      this.correlation.update(v);
      if (this.correlation.count >= this.options.featureMapGrace) {
        this.buildEnsemble(this.correlation.groups(this.options.maxAutoencoderInputs));
        this.correlation = null;
      }
      return;
    }
    this.dropPackedScorers();
    const lr = this.options.learningRate;
    for (let a = 0; a < this.ensemble.length; a++) {
      this.ensemble[a].trainInto(v, this.groupIndices[a], lr, this.errors, a);
    }
    this.output.trainInto(this.errors, null, lr, this.result, 0);
    this.trainedSamples++;
  }

  scoreOne(x: Float64Array): number {
    if (this.output === null) return 0;
    if (this.scoring === 'ts') {
      const v = this.sanitize(x);
      this.scorer ??= new EnsembleScorer(this.ensemble, this.groupIndices, this.output);
      return this.scorer.score(v);
    }
    // The kernel reads non-finite values as 0 itself, on its copy of x, and reports whether there were any.
    this.checkWidth(x);
    this.wasmScorer ??= new WasmEnsembleScorer();
    if (!this.wasmPacked) {
      this.wasmScorer.pack(this.ensemble, this.groupIndices, this.output, this.nFeatures);
      this.wasmPacked = true;
    }
    const score = this.wasmScorer.score(x);
    if (this.wasmScorer.replacedNonFinite) this.nonFiniteInputs++;
    return score;
  }

  /**
   * `scoreOne` through each autoencoder's own forward pass (`Math.exp`, no packing): the reference the
   * packed scorer is tested against.
   */
  scoreOneReference(x: Float64Array): number {
    if (this.output === null) return 0;
    const v = this.sanitize(x);
    for (let a = 0; a < this.ensemble.length; a++) {
      this.ensemble[a].scoreInto(v, this.groupIndices[a], this.errors, a);
    }
    this.output.scoreInto(this.errors, null, this.result, 0);
    return this.result[0];
  }

  process(x: Float64Array): number {
    switch (this.phase) {
      case 'feature-map':
      case 'training':
        this.learnOne(x);
        return 0;
      case 'calibrating': {
        const score = this.scoreOne(x);
        this.fit.add(score);
        if (this.fit.count >= this.options.calibrationSamples) {
          this.fittedThreshold = this.fit.threshold(this.options.falseAlarmRate);
        }
        return score;
      }
      case 'detecting':
        return this.scoreOne(x);
    }
  }

  isAlert(score: number): boolean {
    return this.fittedThreshold !== null && score > this.fittedThreshold;
  }

  freeze(): void {
    this.isFrozen = true;
  }

  /** Writes `packet-ae.json` and `packet-ae.bin`; refuses (naming what is missing) before detection is ready. */
  async save(dir: string): Promise<string[]> {
    return writePacketAeState(dir, this.toState());
  }

  /** Reads what `save` wrote (checking shapes and the checksum); the loaded detector scores identically. */
  static async load(dir: string, options: Partial<PacketAeOptions>): Promise<PacketAe> {
    const state = await readPacketAeState(dir);
    const detector = new PacketAe(options);
    detector.restore(state);
    return detector;
  }

  toState(): PacketAeState {
    if (this.output === null || this.fittedThreshold === null) {
      throw new IotIdsError(
        `packet-ae: not enough samples to save a model: it needs ${this.samplesBeforeDetection} ` +
          `(feature map ${this.options.featureMapGrace} + training ${this.options.detectorGrace} + ` +
          `calibration ${this.options.calibrationSamples}) and is still in its ${this.phase} phase ` +
          `(${this.output === null ? (this.correlation?.count ?? 0) : this.trainedSamples + this.fit.count} done there)`,
      );
    }
    return {
      nFeatures: this.nFeatures,
      groups: this.featureGroups,
      ensemble: this.ensemble,
      output: this.output,
      trainedSamples: this.trainedSamples,
      threshold: {
        value: this.fittedThreshold,
        mu: this.fit.mu,
        sigma: this.fit.sigma,
        samples: this.fit.count,
      },
    };
  }

  private restore(state: PacketAeState): void {
    this.nFeatures = state.nFeatures;
    this.clean = new Float64Array(state.nFeatures);
    this.groupIndices = state.groups.map((g) => Int32Array.from(g));
    this.ensemble = state.ensemble.map((ae) => new TinyAutoencoder(ae));
    this.output = new TinyAutoencoder(state.output);
    this.dropPackedScorers();
    this.errors = new Float64Array(this.ensemble.length);
    this.trainedSamples = state.trainedSamples;
    this.fittedThreshold = state.threshold.value;
    this.restoredFit = {
      mu: state.threshold.mu,
      sigma: state.threshold.sigma,
      samples: state.threshold.samples,
    };
  }

  private buildEnsemble(groups: number[][]): void {
    const random = new Random(this.options.seed);
    this.groupIndices = groups.map((g) => Int32Array.from(g));
    this.ensemble = groups.map((g) => TinyAutoencoder.create(g.length, this.options.hiddenRatio, random));
    this.output = TinyAutoencoder.create(groups.length, this.options.hiddenRatio, random);
    this.dropPackedScorers();
    this.errors = new Float64Array(groups.length);
  }

  /** The autoencoders changed: both packed snapshots are stale. */
  private dropPackedScorers(): void {
    this.scorer = null;
    this.wasmPacked = false;
  }

  /** Fixes the width on the first sample, checks it after, and reads non-finite values as 0 (counted). */
  private sanitize(x: Float64Array): Float64Array {
    this.checkWidth(x);
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i])) return this.cleaned(x);
    }
    return x;
  }

  /** Fixes the width on the first sample and checks it after. */
  private checkWidth(x: Float64Array): void {
    if (this.nFeatures === 0) {
      if (x.length === 0) throw new IotIdsError('packet-ae: a sample needs at least one feature');
      this.nFeatures = x.length;
      this.clean = new Float64Array(x.length);
    } else if (x.length !== this.nFeatures) {
      throw new IotIdsError(
        `packet-ae: sample has ${x.length} features, the detector expects ${this.nFeatures}`,
      );
    }
  }

  private cleaned(x: Float64Array): Float64Array {
    this.nonFiniteInputs++;
    for (let i = 0; i < x.length; i++) this.clean[i] = Number.isFinite(x[i]) ? x[i] : 0;
    return this.clean;
  }
}
