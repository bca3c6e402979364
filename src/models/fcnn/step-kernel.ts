/**
 * The FCNN's whole training step in one WebAssembly SIMD kernel (wasm/fcnn-step.c): every dense layer's
 * forward product and weight gradient over the non-zero inputs, BatchNorm → ReLU → dropout and their
 * gradients, the input gradients dh = dz · Wᵀ in register tiles, and the Adam update, with the weights,
 * BatchNorm's moving statistics and Adam's moments kept in the kernel's memory for a whole epoch. The
 * training matrix is copied in once, as the lists of its non-zero entries, and a batch is a range of the
 * epoch's row order: nothing is copied per batch but the labels (and row weights). Only the softmax
 * cross-entropy (softmax-loss.ts, `Math.exp` / `Math.log`) and the dropout draws (the epoch's generator)
 * are computed in JS, into the kernel's memory.
 *
 * `TrainingStep` (training-step.ts) is the reference the tests compare it with: every operation is the
 * same, in the same order, so the gradients, weights and moving statistics are the same to the bit.
 */
import { IotIdsError } from '../../errors.js';
import type { Adam } from '../../fit/adam.js';
import type { Matrix } from '../../preprocess/matrix.js';
import { bufferLayout } from '../../engine/buffer-layout.js';
import type { Random } from '../../util/random.js';
import { ensureWasmMemory, instantiateWasm } from '../../util/wasm-module.js';
import type { FcnnParameters } from './parameters.js';
import { softmaxCrossEntropy } from './softmax-loss.js';
import { BATCH_NORM_EPSILON, BATCH_NORM_MOMENTUM, type BatchResult } from './training-step.js';
import { wasmBase64 } from './wasm/fcnn-step.wasm.js';
import { writeNonZeroRows } from '../non-zero-rows.js';
import { readPitched, writePitched } from '../pitched-rows.js';

interface Exports {
  memory: WebAssembly.Memory;
  scratch_base: () => number;
  forward: (
    net: number,
    order: number,
    n: number,
    threshold: number,
    halfKeep: number,
    momentum: number,
    epsilon: number,
  ) => void;
  backward: (net: number, n: number, keep: number) => void;
  adam_all: (
    table: number,
    count: number,
    beta1: number,
    beta2: number,
    stepSize: number,
    rootScale: number,
    shift: number,
  ) => void;
}

const FLOAT = 4;
const DOUBLE = 8;
// The Net and Layer structs of fcnn-step.c, field by field.
const NET_FIELDS = ['blocks', 'layers', 'starts', 'idx', 'val', 'bfrom', 'zeros'] as const;
const LAYER_FIELDS = [
  'inputs',
  'units',
  'ip',
  'up',
  'w',
  'gw',
  'wt',
  'bias',
  'gbias',
  'gamma',
  'beta',
  'ggamma',
  'gbeta',
  'mmean',
  'mvar',
  'mean',
  'istd',
  's1',
  's2',
  'c1',
  'c2',
  'c3',
  'z',
  'a',
  'dh',
  'draws',
  'starts',
  'idx',
  'val',
] as const;
type LayerField = (typeof LAYER_FIELDS)[number];
type Layer = Record<LayerField, number>;

/** Where a trainable parameter lives: `rows` × `cols` at row pitch `pitch`, its gradient and moments. */
interface Slot {
  readonly rows: number;
  readonly cols: number;
  readonly pitch: number;
  readonly values: number;
  readonly gradient: number;
  readonly m: number;
  readonly v: number;
}

const pad4 = (n: number): number => Math.ceil(n / 4) * 4;

/** One training matrix, one FCNN shape, batches of at most `maxRows` rows, in its own instance. */
export class FcnnStepKernel {
  private readonly exports: Exports;
  private readonly net: number;
  private readonly layers: Layer[];
  private readonly order: number;
  private readonly adamTable: number;
  /** In `FcnnParameters.trainable()` order. */
  private readonly slots: Slot[];
  private readonly labels: Int32Array;
  private readonly rowWeights: Float32Array | null;
  private readonly keepScale: number;
  private readonly dropThreshold: number;
  private step = 0;

  constructor(
    private readonly params: FcnnParameters,
    x: Matrix,
    private readonly y: Int32Array,
    private readonly weights: Float32Array | null,
    readonly maxRows: number,
    readonly dropout: number,
    /** Focal loss exponent γ (focal-loss.ts); 0 is plain cross-entropy. */
    readonly focalGamma = 0,
  ) {
    if (!Number.isInteger(maxRows) || maxRows < 1)
      throw new IotIdsError(`FcnnStepKernel: batches of ${maxRows} rows`);
    if (x.cols !== params.inputs)
      throw new IotIdsError(`FcnnStepKernel: ${x.cols} features for a network of ${params.inputs} inputs`);
    if (!(dropout >= 0 && dropout < 1))
      throw new IotIdsError(`fcnn: dropout must be in [0, 1), got ${dropout}`);
    // As TrainingStep: each 32-bit draw decides two elements (16 bits each).
    this.keepScale = 1 / (1 - dropout);
    this.dropThreshold = Math.round(dropout * 65536);
    this.exports = instantiateWasm(wasmBase64, 'fcnn-step').exports as unknown as Exports;
    let nonZeros = 0;
    for (let i = 0; i < x.data.length; i++) if (x.data[i] !== 0) nonZeros++;
    const { take, end } = bufferLayout(this.exports.scratch_base());
    const floats = (count: number) => take(count * FLOAT);
    const doubles = (count: number) => take(count * DOUBLE);
    const shapes = [...params.hidden, params.output];
    const blocks = params.hidden.length;
    this.net = take(NET_FIELDS.length * 4);
    const layersAt = take(shapes.length * LAYER_FIELDS.length * 4);
    this.order = take(Math.max(x.rows, 1) * 4);
    const matrixStarts = take((x.rows + 1) * 4);
    // Lists are copied four entries at a time, so each has 4 entries of slack.
    const matrixIdx = take((nonZeros + 4) * 4);
    const matrixVal = floats(nonZeros + 4);
    const bfrom = take(maxRows * 4);
    const maxPitch = Math.max(...shapes.map((s) => pad4(s.units)));
    const zeros = floats(maxPitch);
    const slots: Slot[] = [];
    const slot = (rows: number, cols: number, values: number, gradient: number): void => {
      const pitch = pad4(cols);
      slots.push({ rows, cols, pitch, values, gradient, m: floats(rows * pitch), v: floats(rows * pitch) });
    };
    this.layers = shapes.map((shape, l) => {
      const up = pad4(shape.units);
      const ip = pad4(shape.inputs);
      const hidden = l < blocks;
      const perUnit = (size: (n: number) => number) => (hidden ? size(up) : 0);
      const layer: Layer = {
        inputs: shape.inputs,
        units: shape.units,
        ip,
        up,
        w: floats(shape.inputs * up),
        gw: floats(shape.inputs * up),
        wt: l > 0 ? floats(shape.units * ip) : 0,
        bias: hidden ? 0 : floats(up),
        gbias: hidden ? 0 : floats(up),
        gamma: perUnit(floats),
        beta: perUnit(floats),
        ggamma: perUnit(floats),
        gbeta: perUnit(floats),
        mmean: perUnit(floats),
        mvar: perUnit(floats),
        mean: perUnit(doubles),
        istd: perUnit(doubles),
        s1: perUnit(doubles),
        s2: perUnit(doubles),
        c1: perUnit(doubles),
        c2: perUnit(doubles),
        c3: perUnit(doubles),
        z: floats(maxRows * up),
        a: hidden ? floats(maxRows * up) : 0,
        dh: floats(maxRows * up),
        // n · units 16-bit draws; the element loop reads up to a row's pitch past a row's start.
        draws: hidden ? take(2 * ((maxRows * shape.units + 1) >> 1) * 2 + 4 * up) : 0,
        starts: take((maxRows + 1) * 4),
        idx: take((maxRows * ip + 4) * 4),
        val: floats(maxRows * ip + 4),
      };
      slot(shape.inputs, shape.units, layer.w, layer.gw);
      if (hidden) {
        slot(1, shape.units, layer.gamma, layer.ggamma);
        slot(1, shape.units, layer.beta, layer.gbeta);
      } else slot(1, shape.units, layer.bias, layer.gbias);
      return layer;
    });
    this.slots = slots;
    this.adamTable = take(slots.length * 5 * 4);
    ensureWasmMemory(this.exports.memory, end());
    const buffer = this.exports.memory.buffer;
    new Int32Array(buffer, this.net, NET_FIELDS.length).set([
      blocks,
      layersAt,
      matrixStarts,
      matrixIdx,
      matrixVal,
      bfrom,
      zeros,
    ]);
    this.layers.forEach((layer, l) =>
      new Int32Array(buffer, layersAt + l * LAYER_FIELDS.length * 4, LAYER_FIELDS.length).set(
        LAYER_FIELDS.map((f) => layer[f]),
      ),
    );
    new Int32Array(buffer, this.adamTable, slots.length * 5).set(
      slots.flatMap((s) => [s.values, s.gradient, s.m, s.v, s.rows * s.pitch]),
    );
    writeNonZeroRows(this.exports.memory.buffer, x, { starts: matrixStarts, idx: matrixIdx, val: matrixVal });
    this.labels = new Int32Array(maxRows);
    this.rowWeights = weights ? new Float32Array(maxRows) : null;
  }

  /** Copies the parameters, the moving statistics, Adam's moments and its step count into the kernel. */
  load(adam: Adam): void {
    const trainable = this.params.trainable();
    if (trainable.some((_, k) => adam.decayOf(k) !== 0)) {
      throw new IotIdsError('FcnnStepKernel: its Adam update has no weight decay');
    }
    this.slots.forEach((s, k) => {
      const { m, v } = adam.moments(k);
      this.write(s, s.values, trainable[k][1]);
      this.write(s, s.m, m);
      this.write(s, s.v, v);
    });
    const buffer = this.exports.memory.buffer;
    this.params.hidden.forEach((block, b) => {
      new Float32Array(buffer, this.layers[b].mmean, block.units).set(block.movingMean);
      new Float32Array(buffer, this.layers[b].mvar, block.units).set(block.movingVariance);
    });
    this.step = adam.iterations;
  }

  /** Copies everything `load` wrote back (after an epoch, before validation or a checkpoint). */
  store(adam: Adam): void {
    const trainable = this.params.trainable();
    this.slots.forEach((s, k) => {
      const { m, v } = adam.moments(k);
      this.read(s, s.values, trainable[k][1]);
      this.read(s, s.m, m);
      this.read(s, s.v, v);
    });
    const buffer = this.exports.memory.buffer;
    this.params.hidden.forEach((block, b) => {
      block.movingMean.set(new Float32Array(buffer, this.layers[b].mmean, block.units));
      block.movingVariance.set(new Float32Array(buffer, this.layers[b].mvar, block.units));
    });
    adam.restoreIterations(this.step, 'fcnn step kernel', 'adam/iterations');
  }

  /** The epoch's row order; `run` takes its batches as ranges of it. */
  setOrder(order: Int32Array): void {
    new Int32Array(this.exports.memory.buffer, this.order, order.length).set(order);
  }

  /**
   * Forward and backward pass over the rows `order[start .. start + n)` of the last `setOrder`: leaves the
   * gradients in the kernel and returns the batch's loss sum and correct count, as `TrainingStep.run`.
   * `random` draws the dropout masks, block after block, as the reference does.
   */
  run(start: number, n: number, order: Int32Array, random: Random): BatchResult {
    if (!Number.isInteger(n) || n < 1 || n > this.maxRows) {
      throw new IotIdsError(`FcnnStepKernel: a batch of ${n} rows (at most ${this.maxRows})`);
    }
    const { exports, labels, rowWeights, y, weights } = this;
    for (let i = 0; i < n; i++) {
      const row = order[start + i];
      labels[i] = y[row];
      if (rowWeights && weights) rowWeights[i] = weights[row];
    }
    const buffer = exports.memory.buffer;
    if (this.dropThreshold > 0) {
      this.params.hidden.forEach((block, b) =>
        random.fillUint32(new Uint32Array(buffer, this.layers[b].draws, (n * block.units + 1) >> 1)),
      );
    }
    exports.forward(
      this.net,
      this.order + start * 4,
      n,
      this.dropThreshold,
      0.5 * this.keepScale,
      BATCH_NORM_MOMENTUM,
      BATCH_NORM_EPSILON,
    );
    const top = this.layers[this.layers.length - 1];
    const k = top.units;
    const result = softmaxCrossEntropy(
      {
        logits: new Float32Array(buffer, top.z, n * top.up),
        gradient: new Float32Array(buffer, top.dh, n * top.up),
        biasGradient: new Float32Array(buffer, top.gbias, k),
        pitch: top.up,
      },
      labels,
      rowWeights,
      n,
      k,
      this.focalGamma,
    );
    exports.backward(this.net, n, this.keepScale);
    return result;
  }

  /** One Adam update of the kernel's parameters with its gradients, as `adam.apply` would do it. */
  applyAdam(adam: Adam): void {
    this.step++;
    const { stepSize, rootScale, shift } = adam.stepFactors(this.step);
    this.exports.adam_all(
      this.adamTable,
      this.slots.length,
      adam.beta1,
      adam.beta2,
      stepSize,
      rootScale,
      shift,
    );
  }

  /** Copies of the gradients of the last `run`, in `FcnnParameters.trainable()` order (for tests). */
  gradients(): Float32Array[] {
    return this.slots.map((s) => {
      const out = new Float32Array(s.rows * s.cols);
      this.read(s, s.gradient, out);
      return out;
    });
  }

  private write(s: Slot, to: number, values: Float32Array): void {
    writePitched(this.exports.memory.buffer, to, s, values);
  }

  private read(s: Slot, from: number, out: Float32Array): void {
    readPitched(this.exports.memory.buffer, from, s, out);
  }
}
