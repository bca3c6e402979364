import { fastSigmoid } from '../../util/fast-exp.js';
import type { TinyAutoencoder } from './tiny-autoencoder.js';

/**
 * The scoring pass of a KitNET ensemble, packed flat for speed: every autoencoder's normalisation, biases
 * and weights sit back to back in a few shared typed arrays (encoder weights transposed, so both layers
 * run as dot products into a local accumulator instead of read-modify-write loops over a hidden array),
 * the whole ensemble and the output autoencoder run in one call without per-autoencoder method dispatch,
 * and the sigmoids use `fastSigmoid` (fastExp's reduction, one division). It is a snapshot: built from the
 * autoencoders as they are, rebuilt by the owner after they learn. Sums run in the same order as
 * `TinyAutoencoder`'s forward pass, so scores agree with it to the sigmoid's few ulps (the tests hold them to
 * 1e-12 relative). It is also the reference of the WebAssembly kernel (wasm-ensemble-scorer.ts), which
 * computes the same operations lane by lane.
 */
export class EnsembleScorer {
  private readonly count: number;
  /** Per autoencoder (ensemble, then the output one last): inputs, hidden units, offsets, trained or not. */
  private readonly nVisible: Int32Array;
  private readonly nHidden: Int32Array;
  private readonly visibleOffset: Int32Array;
  private readonly hiddenOffset: Int32Array;
  private readonly weightOffset: Int32Array;
  private readonly trained: Uint8Array;
  /** Per visible unit: index into the feature vector (ensemble) or the RMSE vector (output). */
  private readonly index: Int32Array;
  private readonly min: Float64Array;
  private readonly scale: Float64Array;
  private readonly visibleBias: Float64Array;
  private readonly hiddenBias: Float64Array;
  /** Encoder: per autoencoder nHidden × nVisible (row j holds hidden unit j's input weights). */
  private readonly encoder: Float64Array;
  /** Decoder: per autoencoder nVisible × nHidden (the tied weights as stored). */
  private readonly decoder: Float64Array;
  private readonly input: Float64Array;
  private readonly hidden: Float64Array;
  private readonly rmse: Float64Array;

  constructor(ensemble: readonly TinyAutoencoder[], groups: readonly Int32Array[], output: TinyAutoencoder) {
    const all = [...ensemble, output];
    const count = all.length;
    this.count = count;
    this.nVisible = Int32Array.from(all, (ae) => ae.nVisible);
    this.nHidden = Int32Array.from(all, (ae) => ae.nHidden);
    this.trained = Uint8Array.from(all, (ae) => (ae.trained > 0 ? 1 : 0));
    this.visibleOffset = new Int32Array(count);
    this.hiddenOffset = new Int32Array(count);
    this.weightOffset = new Int32Array(count);
    let visible = 0;
    let hidden = 0;
    let weights = 0;
    for (let a = 0; a < count; a++) {
      this.visibleOffset[a] = visible;
      this.hiddenOffset[a] = hidden;
      this.weightOffset[a] = weights;
      visible += all[a].nVisible;
      hidden += all[a].nHidden;
      weights += all[a].nVisible * all[a].nHidden;
    }
    this.index = new Int32Array(visible);
    this.min = new Float64Array(visible);
    this.scale = new Float64Array(visible);
    this.visibleBias = new Float64Array(visible);
    this.hiddenBias = new Float64Array(hidden);
    this.encoder = new Float64Array(weights);
    this.decoder = new Float64Array(weights);
    for (let a = 0; a < count; a++) {
      const ae = all[a];
      const n = ae.nVisible;
      const m = ae.nHidden;
      const vo = this.visibleOffset[a];
      const wo = this.weightOffset[a];
      for (let i = 0; i < n; i++) {
        this.index[vo + i] = a < ensemble.length ? groups[a][i] : i;
        this.min[vo + i] = ae.min[i];
        // As TinyAutoencoder keeps it: 1 / (max − min + ε).
        this.scale[vo + i] = ae.inputScale(i);
        this.visibleBias[vo + i] = ae.visibleBias[i];
        for (let j = 0; j < m; j++) {
          this.decoder[wo + i * m + j] = ae.weights[i * m + j];
          this.encoder[wo + j * n + i] = ae.weights[i * m + j];
        }
      }
      this.hiddenBias.set(ae.hiddenBias, this.hiddenOffset[a]);
    }
    let widest = 0;
    let deepest = 0;
    for (const ae of all) {
      widest = Math.max(widest, ae.nVisible);
      deepest = Math.max(deepest, ae.nHidden);
    }
    this.input = new Float64Array(widest);
    this.hidden = new Float64Array(deepest);
    this.rmse = new Float64Array(count);
  }

  /** The output autoencoder's RMSE over the ensemble's RMSEs of `x`: the packet's anomaly score. */
  score(x: Float64Array): number {
    const last = this.count - 1;
    for (let a = 0; a < last; a++) this.forward(a, x);
    this.forward(last, this.rmse);
    return this.rmse[last];
  }

  /** Autoencoder `a` on `source` (through its index list); its RMSE goes to `rmse[a]` (0 if untrained). */
  private forward(a: number, source: Float64Array): void {
    if (this.trained[a] === 0) {
      this.rmse[a] = 0;
      return;
    }
    const n = this.nVisible[a];
    const m = this.nHidden[a];
    const vo = this.visibleOffset[a];
    const ho = this.hiddenOffset[a];
    const wo = this.weightOffset[a];
    const index = this.index;
    const min = this.min;
    const scale = this.scale;
    const input = this.input;
    const hidden = this.hidden;
    for (let i = 0; i < n; i++) input[i] = (source[index[vo + i]] - min[vo + i]) * scale[vo + i];
    // Four hidden units (then four visible units) at a time: four independent sums share each load and
    // keep the adder busy, where one running sum waits on its own previous addition every step. Each sum
    // still adds its terms in order, as TinyAutoencoder does.
    const encoder = this.encoder;
    const hiddenBias = this.hiddenBias;
    let j = 0;
    for (; j + 3 < m; j += 4) {
      const r0 = wo + j * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let a0 = hiddenBias[ho + j];
      let a1 = hiddenBias[ho + j + 1];
      let a2 = hiddenBias[ho + j + 2];
      let a3 = hiddenBias[ho + j + 3];
      for (let i = 0; i < n; i++) {
        const v = input[i];
        a0 += v * encoder[r0 + i];
        a1 += v * encoder[r1 + i];
        a2 += v * encoder[r2 + i];
        a3 += v * encoder[r3 + i];
      }
      hidden[j] = fastSigmoid(a0);
      hidden[j + 1] = fastSigmoid(a1);
      hidden[j + 2] = fastSigmoid(a2);
      hidden[j + 3] = fastSigmoid(a3);
    }
    for (; j < m; j++) {
      const row = wo + j * n;
      let acc = hiddenBias[ho + j];
      for (let i = 0; i < n; i++) acc += input[i] * encoder[row + i];
      hidden[j] = fastSigmoid(acc);
    }
    const decoder = this.decoder;
    const visibleBias = this.visibleBias;
    let sum = 0;
    let i = 0;
    for (; i + 3 < n; i += 4) {
      const r0 = wo + i * m;
      const r1 = r0 + m;
      const r2 = r1 + m;
      const r3 = r2 + m;
      let a0 = visibleBias[vo + i];
      let a1 = visibleBias[vo + i + 1];
      let a2 = visibleBias[vo + i + 2];
      let a3 = visibleBias[vo + i + 3];
      for (let k = 0; k < m; k++) {
        const h = hidden[k];
        a0 += h * decoder[r0 + k];
        a1 += h * decoder[r1 + k];
        a2 += h * decoder[r2 + k];
        a3 += h * decoder[r3 + k];
      }
      const e0 = input[i] - fastSigmoid(a0);
      const e1 = input[i + 1] - fastSigmoid(a1);
      const e2 = input[i + 2] - fastSigmoid(a2);
      const e3 = input[i + 3] - fastSigmoid(a3);
      sum += e0 * e0;
      sum += e1 * e1;
      sum += e2 * e2;
      sum += e3 * e3;
    }
    for (; i < n; i++) {
      const row = wo + i * m;
      let acc = visibleBias[vo + i];
      for (let k = 0; k < m; k++) acc += hidden[k] * decoder[row + k];
      const e = input[i] - fastSigmoid(acc);
      sum += e * e;
    }
    const rmse = Math.sqrt(sum / n);
    // As TinyAutoencoder: an overflowing sum reports the largest finite score.
    this.rmse[a] = rmse <= Number.MAX_VALUE ? rmse : Number.MAX_VALUE;
  }
}
