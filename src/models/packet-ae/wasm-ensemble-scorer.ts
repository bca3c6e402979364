import { FAST_EXP_CONSTANTS } from '../../util/fast-exp.js';
import { ensureWasmMemory, instantiateWasm } from '../../util/wasm-module.js';
import type { TinyAutoencoder } from './tiny-autoencoder.js';
import { wasmBase64 } from './wasm/ensemble-score.wasm.js';

type ScoreFunction = (
  autoencoders: number,
  count: number,
  x: number,
  nFeatures: number,
  nonFinite: number,
  rmse: number,
  input: number,
  hidden: number,
  output: number,
  constants: number,
) => number;

/** Int32 fields of one autoencoder's descriptor (the C struct `Autoencoder` in wasm/ensemble-score.c). */
const DESCRIPTOR_FIELDS = 10;
const even = (k: number): number => k + (k & 1);
const align16 = (bytes: number): number => (bytes + 15) & ~15;

/**
 * The scoring pass of a KitNET ensemble in WebAssembly with 128-bit SIMD (wasm/ensemble-score.c): the packed
 * parameters of every autoencoder live in the module's memory, the feature vector is copied in once per packet
 * (non-finite values are read as 0 there), and one call scores the ensemble and the output autoencoder. Each
 * vector lane computes one hidden or visible unit, adding its terms in the order `EnsembleScorer` does, with
 * the same sigmoid (fastSigmoid's operations on its constants), so the scores equal the TypeScript packed
 * scorer's bit for bit (the tests compare them). Unlike `EnsembleScorer`, one instance is kept and re-packed
 * (`pack`) after the autoencoders learn, so interleaved learning and scoring does not instantiate a module per
 * sample.
 */
export class WasmEnsembleScorer {
  private readonly memory: WebAssembly.Memory;
  private readonly run: ScoreFunction;
  /** Byte offsets in the module's memory. */
  private readonly constantsAt: number;
  private descriptorsAt = 0;
  private featuresAt = 0;
  private nonFiniteAt = 0;
  private rmseAt = 0;
  private inputAt = 0;
  private hiddenAt = 0;
  private outputAt = 0;
  private count = 0;
  /** The feature vector in the module's memory (re-made whenever the memory grows). */
  private features = new Float64Array(0);
  /** The kernel's flag: did the last scored vector hold non-finite values (read as 0)? */
  private nonFiniteFlag = new Int32Array(1);

  constructor() {
    const instance = instantiateWasm(wasmBase64, 'packet-ae ensemble-score');
    this.memory = instance.exports.memory as WebAssembly.Memory;
    this.run = instance.exports.score as ScoreFunction;
    this.constantsAt = align16((instance.exports.heap_base as () => number)());
    const buffer = ensureWasmMemory(this.memory, this.constantsAt + FAST_EXP_CONSTANTS.byteLength);
    new Float64Array(buffer, this.constantsAt, FAST_EXP_CONSTANTS.length).set(FAST_EXP_CONSTANTS);
  }

  /** Copies the autoencoders' current parameters in (their weights, biases and min-max ranges). */
  pack(
    ensemble: readonly TinyAutoencoder[],
    groups: readonly Int32Array[],
    output: TinyAutoencoder,
    nFeatures: number,
  ): void {
    const all = [...ensemble, output];
    const count = all.length;
    // Lay out first (descriptors, then each autoencoder's arrays, then the vectors), grow, then write.
    let at = align16(this.constantsAt + FAST_EXP_CONSTANTS.byteLength);
    const take = (bytes: number): number => {
      const start = at;
      at = align16(at + bytes);
      return start;
    };
    this.descriptorsAt = take(count * DESCRIPTOR_FIELDS * 4);
    const places = all.map((ae) => {
      const n2 = even(ae.nVisible);
      const m2 = even(ae.nHidden);
      return {
        index: take(ae.nVisible * 4),
        min: take(n2 * 8),
        scale: take(n2 * 8),
        visibleBias: take(n2 * 8),
        hiddenBias: take(m2 * 8),
        encoder: take(m2 * ae.nVisible * 8),
        decoder: take(n2 * ae.nHidden * 8),
      };
    });
    let widest = 0;
    let deepest = 0;
    for (const ae of all) {
      widest = Math.max(widest, even(ae.nVisible));
      deepest = Math.max(deepest, even(ae.nHidden));
    }
    this.featuresAt = take(nFeatures * 8);
    this.nonFiniteAt = take(4);
    this.rmseAt = take(count * 8);
    this.inputAt = take(widest * 8);
    this.hiddenAt = take(deepest * 8);
    this.outputAt = take(widest * 8);
    const buffer = ensureWasmMemory(this.memory, at);
    const f64 = new Float64Array(buffer);
    const i32 = new Int32Array(buffer);
    // Padding must be 0 (a padded lane then adds exact zeros, or is never read): clear the whole region.
    f64.fill(0, (this.constantsAt + FAST_EXP_CONSTANTS.byteLength) / 8, at / 8);
    for (let a = 0; a < count; a++) {
      const ae = all[a];
      const n = ae.nVisible;
      const m = ae.nHidden;
      const p = places[a];
      i32.set(
        [
          n,
          m,
          ae.trained > 0 ? 1 : 0,
          p.index,
          p.min,
          p.scale,
          p.visibleBias,
          p.hiddenBias,
          p.encoder,
          p.decoder,
        ],
        this.descriptorsAt / 4 + a * DESCRIPTOR_FIELDS,
      );
      for (let i = 0; i < n; i++) {
        i32[p.index / 4 + i] = a < ensemble.length ? groups[a][i] : i;
        f64[p.min / 8 + i] = ae.min[i];
        f64[p.scale / 8 + i] = ae.inputScale(i);
        f64[p.visibleBias / 8 + i] = ae.visibleBias[i];
      }
      f64.set(ae.hiddenBias, p.hiddenBias / 8);
      // Encoder: per pair of hidden units (j, j + 1), the pairs (w[i][j], w[i][j + 1]) for every input i.
      for (let j = 0; j < m; j++) {
        for (let i = 0; i < n; i++)
          f64[p.encoder / 8 + (j >> 1) * 2 * n + 2 * i + (j & 1)] = ae.weights[i * m + j];
      }
      // Decoder: per pair of visible units (i, i + 1), the pairs (w[i][j], w[i + 1][j]) for every hidden j.
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++)
          f64[p.decoder / 8 + (i >> 1) * 2 * m + 2 * j + (i & 1)] = ae.weights[i * m + j];
      }
    }
    this.count = count;
    this.features = new Float64Array(buffer, this.featuresAt, nFeatures);
    this.nonFiniteFlag = new Int32Array(buffer, this.nonFiniteAt, 1);
  }

  /** Whether the vector last scored held non-finite values (the kernel read them as 0). */
  get replacedNonFinite(): boolean {
    return this.nonFiniteFlag[0] !== 0;
  }

  /**
   * The output autoencoder's RMSE over the ensemble's RMSEs of `x` (`pack` first; `x` as wide as packed).
   * Non-finite values of `x` are read as 0 (`replacedNonFinite` tells); `x` itself is not changed.
   */
  score(x: Float64Array): number {
    const features = this.features;
    features.set(x);
    return this.run(
      this.descriptorsAt,
      this.count,
      this.featuresAt,
      features.length,
      this.nonFiniteAt,
      this.rmseAt,
      this.inputAt,
      this.hiddenAt,
      this.outputAt,
      this.constantsAt,
    );
  }
}
