import { Random } from '../../util/random.js';
import type { BitColumns } from './binning.js';
import type { GrownTree } from './tree.js';
import {
  addColumnHistogram,
  addColumnHistogramNoting,
  countBits,
  countDrawnPerClass,
  partitionRows,
  placeDrawnRows,
  sumBits,
  sumCounts,
} from './row-loops.js';
import { TreeBuffers } from './tree-buffers.js';

/** The binned training set, as shared between the trainer and its workers. */
export interface TrainingData {
  /** Column-major bins: feature f of row i at f · nRows + i. */
  readonly binned: Uint8Array;
  /** The two-bin features' bins again, one bit a row. */
  readonly bits: BitColumns;
  readonly nRows: number;
  readonly nFeatures: number;
  /** Bins per feature; 1 means the feature is constant. */
  readonly nBins: Int32Array;
  readonly y: Int32Array;
}

export interface GrowParams {
  readonly nClasses: number;
  /** Weight per class, multiplying each row's bootstrap count. */
  readonly classWeights: Float64Array;
  /** Infinity for unlimited. */
  readonly maxDepth: number;
  readonly minSamplesLeaf: number;
  readonly featuresPerSplit: number;
  readonly bootstrap: boolean;
}

/**
 * A node with at least this many rows per bin of a feature finds the feature's occupied bins by scanning
 * the histogram afterwards; a smaller one notes each bin as a row first lands in it.
 */
const ROWS_PER_BIN_TO_SCAN = 4;

/**
 * Grows CART trees (Gini) on histogram-binned data, depth first. Each node builds class histograms for the
 * randomly drawn candidate features only: with sqrt(d) of d features per node, that is far cheaper than the
 * all-features histograms the parent − sibling subtraction trick needs (that trick pays off in gradient
 * boosting, where every node looks at every feature).
 *
 * - Histograms count bootstrap draws per class in integers; class weights multiply the counts when a split
 *   is scored, so with unit weights every sum is exact (and the trees the same as with float weights).
 * - A node's rows are grouped by class and ascending within a class: the tree's rows are laid out so, and
 *   partitions are stable. Reading a feature's column for them walks memory forwards, and a two-bin feature
 *   (one-hot columns, flags), read from its bits, needs one register sum per class instead of a histogram.
 * - Scratch buffers are allocated once per grower and reused for every tree, so a worker allocates almost
 *   nothing per tree.
 */
export class TreeGrower {
  private readonly k: number;
  private readonly bootstrapCounts: Int32Array;
  // The rows of the current tree, partitioned in place so every node owns a contiguous range; the class
  // and bootstrap count of each row move with it, so histogram building reads them sequentially. Rows are
  // grouped by class (ascending within a class) and partitions are stable, so every node's range is too.
  private readonly rows: Int32Array;
  private readonly rowClass: Int32Array;
  private readonly rowCount: Int32Array;
  // Where a partition puts the right child's rows before copying them back behind the left child's.
  private readonly spareRows: Int32Array;
  private readonly spareClass: Int32Array;
  private readonly spareCount: Int32Array;
  /** The candidate feature's bootstrap draws per (bin, class), at bin · k + class. */
  private readonly histogram: Int32Array;
  /** Distinct rows per bin (filled where bins are noted as rows land; read where minSamplesLeaf needs). */
  private readonly binRows: Int32Array;
  /** The candidate feature's occupied bins, ascending: usedBins[0, used). */
  private readonly usedBins: Int32Array;
  private used = 0;
  /** The current node's rows of class c are [classStart[c], classStart[c + 1]). */
  private readonly classStart: Int32Array;
  /** The current node's bootstrap draws per class. */
  private readonly classCounts: Int32Array;
  private readonly nodeTotals: Float64Array;
  private readonly leftTotals: Float64Array;
  // Candidate features; [0, c) are known constant in the current node, so descendants never re-test them.
  private readonly features: Int32Array;
  private readonly initialFeatures: Int32Array;
  private readonly nGlobalConstants: number;
  private rng = new Random(0);
  private bestFeature = -1;
  private bestBin = -1;
  private constantsAfterSearch = 0;

  constructor(
    private readonly data: TrainingData,
    private readonly params: GrowParams,
  ) {
    const n = data.nRows;
    this.k = params.nClasses;
    this.bootstrapCounts = new Int32Array(n);
    this.rows = new Int32Array(n);
    this.rowClass = new Int32Array(n);
    this.rowCount = new Int32Array(n);
    this.spareRows = new Int32Array(n);
    this.spareClass = new Int32Array(n);
    this.spareCount = new Int32Array(n);
    this.histogram = new Int32Array(256 * this.k);
    this.binRows = new Int32Array(256);
    this.usedBins = new Int32Array(256);
    this.classStart = new Int32Array(this.k + 1);
    this.classCounts = new Int32Array(this.k);
    this.nodeTotals = new Float64Array(this.k);
    this.leftTotals = new Float64Array(this.k);
    // Features constant on the whole training set go first once and for all.
    const order: number[] = [];
    for (let f = 0; f < data.nFeatures; f++) if (data.nBins[f] <= 1) order.push(f);
    this.nGlobalConstants = order.length;
    for (let f = 0; f < data.nFeatures; f++) if (data.nBins[f] > 1) order.push(f);
    this.initialFeatures = Int32Array.from(order);
    this.features = new Int32Array(data.nFeatures);
  }

  grow(seed: number): GrownTree {
    const { params, data } = this;
    const n = data.nRows;
    this.rng = new Random(seed);
    // The search reorders `features`; starting every tree from the same order keeps a tree independent of
    // the trees this grower built before it (and so of the number of workers).
    this.features.set(this.initialFeatures);
    const m = this.sampleRows();
    const out = new TreeBuffers(Math.min(2 * m, 1024), this.k);
    // Explicit stack (start, end, depth, known constants, parent, side); the left child is popped first, so
    // node ids come out in pre-order.
    const stack: number[] = [0, m, 0, this.nGlobalConstants, -1, 0];
    while (stack.length > 0) {
      const side = stack.pop()!;
      const parent = stack.pop()!;
      const knownConstants = stack.pop()!;
      const depth = stack.pop()!;
      const end = stack.pop()!;
      const start = stack.pop()!;
      const id = out.addNode(end - start);
      if (parent >= 0) (side === 0 ? out.left : out.right)[parent] = id;

      const classesPresent = this.computeNodeTotals(start, end);
      const size = end - start;
      const splittable =
        depth < params.maxDepth && size >= 2 * params.minSamplesLeaf && size >= 2 && classesPresent > 1;
      if (!splittable || !this.findSplit(start, end, knownConstants)) {
        out.makeLeaf(id, this.nodeTotals);
        continue;
      }
      const f = this.bestFeature;
      const bin = this.bestBin;
      out.feature[id] = f;
      out.bin[id] = bin;
      const mid = this.partition(start, end, f * n, bin);
      const childConstants = this.constantsAfterSearch;
      stack.push(mid, end, depth + 1, childConstants, id, 1);
      stack.push(start, mid, depth + 1, childConstants, id, 0);
    }
    return out.toTree();
  }

  /** Bootstrap counts per drawn row, grouped by class; returns the number of distinct rows drawn. */
  private sampleRows(): number {
    const { y, nRows: n } = this.data;
    const counts = this.bootstrapCounts;
    if (this.params.bootstrap) {
      counts.fill(0);
      drawBootstrap(counts, this.rng, n);
    } else {
      counts.fill(1);
    }
    const next = this.classStart;
    next.fill(0);
    countDrawnPerClass(counts, y, next, n);
    for (let c = 0; c < this.k; c++) next[c + 1] += next[c];
    const m = next[this.k];
    placeDrawnRows(counts, y, next, this.rows, this.rowClass, this.rowCount, n);
    return m;
  }

  /**
   * Finds the node's class ranges (its rows are grouped by class) and its weighted class totals, into
   * `classStart`, `classCounts` and `nodeTotals`; returns how many classes have weight.
   */
  private computeNodeTotals(start: number, end: number): number {
    const { nodeTotals, classStart, classCounts, rowClass, rowCount, k } = this;
    const cw = this.params.classWeights;
    let present = 0;
    let from = start;
    for (let c = 0; c < k; c++) {
      classStart[c] = from;
      // First row of a later class: binary search, the classes being ascending.
      let lo = from;
      let hi = end;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (rowClass[mid] <= c) lo = mid + 1;
        else hi = mid;
      }
      classCounts[c] = lo > from ? sumCounts(rowCount, from, lo) : 0;
      nodeTotals[c] = cw[c] * classCounts[c];
      if (nodeTotals[c] > 0) present++;
      from = lo;
    }
    classStart[k] = end;
    return present;
  }

  /**
   * Draws candidate features without replacement, as scikit-learn does: every draw counts towards
   * `featuresPerSplit` (features already known constant here are drawn without being scanned), and the
   * search goes on past that number until some valid split is found or the features run out.
   */
  private findSplit(start: number, end: number, knownConstants: number): boolean {
    const { features, rng } = this;
    const d = this.data.nFeatures;
    let undrawnKnown = knownConstants;
    let constants = knownConstants;
    let next = knownConstants; // features[next, d) are not drawn yet
    let visited = 0;
    let bestScore = -Infinity;
    this.bestFeature = -1;
    while (
      undrawnKnown + (d - next) > 0 &&
      (visited < this.params.featuresPerSplit || this.bestFeature < 0)
    ) {
      visited++;
      const r = rng.int(undrawnKnown + (d - next));
      if (r < undrawnKnown) {
        undrawnKnown--;
        continue;
      }
      const j = next + r - undrawnKnown;
      const f = features[j];
      features[j] = features[next];
      features[next] = f;
      this.fillHistogram(f, start, end);
      const score = this.scoreHistogram(f, start, end, bestScore);
      if (score === CONSTANT) {
        // Keep constants in one prefix so both children inherit them.
        features[next] = features[constants];
        features[constants] = f;
        constants++;
      } else if (score > bestScore) {
        bestScore = score;
      }
      next++;
    }
    this.constantsAfterSearch = constants;
    return this.bestFeature >= 0;
  }

  /** The histogram of feature f over the node: from its bits if it has two bins, else from its column. */
  private fillHistogram(f: number, start: number, end: number): void {
    const wordBase = this.data.bits.wordOffset[f];
    if (wordBase >= 0) this.fillBits(wordBase, start, end);
    else if (this.params.minSamplesLeaf > 1 || end - start < ROWS_PER_BIN_TO_SCAN * this.data.nBins[f]) {
      this.fillNoting(f, start, end);
    } else this.fillScanning(f, start, end);
  }

  /**
   * The histogram of a two-bin feature (bits from words[wordBase] on), class by class: the node's rows are
   * grouped by class, so each class's draws in bin 1 are one sum, and bin 0 holds the rest.
   */
  private fillBits(wordBase: number, start: number, end: number): void {
    const { histogram, binRows, usedBins, classStart, classCounts, rows, rowCount, k } = this;
    const words = this.data.bits.words;
    let zeros = 0;
    let ones = 0;
    for (let c = 0; c < k; c++) {
      const from = classStart[c];
      const to = classStart[c + 1];
      const inOne = from < to ? sumBits(words, wordBase, rows, rowCount, from, to) : 0;
      histogram[c] = classCounts[c] - inOne;
      histogram[k + c] = inOne;
      zeros += classCounts[c] - inOne;
      ones += inOne;
    }
    let used = 0;
    if (zeros > 0) usedBins[used++] = 0;
    if (ones > 0) usedBins[used++] = 1;
    this.used = used;
    if (this.params.minSamplesLeaf > 1) {
      const distinctOnes = countBits(words, wordBase, rows, start, end);
      binRows[0] = end - start - distinctOnes;
      binRows[1] = distinctOnes;
    }
  }

  /** The histogram of feature f over the node, noting each bin (and its rows) as rows land in it. */
  private fillNoting(f: number, start: number, end: number): void {
    const { histogram, binRows, usedBins, rows, rowClass, rowCount, k } = this;
    const column = this.data.binned;
    const base = f * this.data.nRows;
    const used = addColumnHistogramNoting(
      histogram,
      binRows,
      usedBins,
      k,
      column,
      base,
      rows,
      rowClass,
      rowCount,
      start,
      end,
    );
    sortSmall(usedBins, used);
    this.used = used;
  }

  /** The histogram of feature f over a large node; occupied bins are found by a pass over the bins after. */
  private fillScanning(f: number, start: number, end: number): void {
    const { histogram, usedBins, rows, rowClass, rowCount, k } = this;
    const nBins = this.data.nBins[f];
    const base = f * this.data.nRows;
    addColumnHistogram(histogram, k, this.data.binned, base, rows, rowClass, rowCount, start, end);
    let used = 0;
    for (let b = 0; b < nBins; b++) {
      const h = b * k;
      for (let c = 0; c < k; c++) {
        if (histogram[h + c] !== 0) {
          usedBins[used++] = b;
          break;
        }
      }
    }
    this.used = used;
  }

  /**
   * Scores the split candidates of feature `f`'s histogram: the split maximising Σ_children Σ_c w_c² / w
   * (equivalent to the lowest weighted Gini impurity). Updates the best split when it beats `bestScore`;
   * returns the best score of this feature, −Infinity if no split respects minSamplesLeaf, or CONSTANT.
   * Clears the histogram.
   */
  private scoreHistogram(f: number, start: number, end: number, bestScore: number): number {
    const { histogram, binRows, usedBins, used, k } = this;
    if (used === 1) {
      this.clearBins();
      return CONSTANT;
    }
    const size = end - start;
    const minLeaf = this.params.minSamplesLeaf;
    // With one row per leaf allowed, any two occupied bins make a valid split: distinct rows need no count.
    const countRows = minLeaf > 1;
    const cw = this.params.classWeights;
    const totals = this.nodeTotals;
    const left = this.leftTotals;
    left.fill(0);
    let nLeft = 0;
    let featureBest = -Infinity;
    for (let u = 0; u + 1 < used; u++) {
      const b = usedBins[u];
      const h = b * k;
      for (let c = 0; c < k; c++) left[c] += cw[c] * histogram[h + c];
      if (countRows) {
        nLeft += binRows[b];
        if (nLeft < minLeaf) continue;
        if (size - nLeft < minLeaf) break;
      }
      let wLeft = 0;
      let sqLeft = 0;
      let wRight = 0;
      let sqRight = 0;
      for (let c = 0; c < k; c++) {
        const l = left[c];
        const r = totals[c] - l;
        wLeft += l;
        sqLeft += l * l;
        wRight += r;
        sqRight += r * r;
      }
      const score = (wLeft > 0 ? sqLeft / wLeft : 0) + (wRight > 0 ? sqRight / wRight : 0);
      if (score > featureBest) featureBest = score;
      if (score > bestScore) {
        bestScore = score;
        this.bestFeature = f;
        this.bestBin = b;
      }
    }
    this.clearBins();
    return featureBest;
  }

  private clearBins(): void {
    const { histogram, binRows, usedBins, used, k } = this;
    for (let u = 0; u < used; u++) {
      const b = usedBins[u];
      binRows[b] = 0;
      histogram.fill(0, b * k, b * k + k);
    }
  }

  /**
   * Moves rows with bin ≤ `bin` to the front of [start, end), keeping the order on both sides; returns
   * where the right child starts.
   */
  private partition(start: number, end: number, base: number, bin: number): number {
    const { rows, rowClass, rowCount, spareRows, spareClass, spareCount } = this;
    const l = partitionRows(
      this.data.binned,
      base,
      bin,
      rows,
      rowClass,
      rowCount,
      spareRows,
      spareClass,
      spareCount,
      start,
      end,
    );
    const r = end - l;
    rows.set(spareRows.subarray(0, r), l);
    rowClass.set(spareClass.subarray(0, r), l);
    rowCount.set(spareCount.subarray(0, r), l);
    return l;
  }
}

/** Returned for a feature constant in the node (real scores are ≥ 0 or −Infinity). */
const CONSTANT = -1;

/** Ascending sort of the first `n` values; insertion sort, as n ≤ 256 and usually tiny. */
function sortSmall(values: Int32Array, n: number): void {
  if (n > 48) {
    values.subarray(0, n).sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const v = values[i];
    let j = i - 1;
    while (j >= 0 && values[j] > v) {
      values[j + 1] = values[j];
      j--;
    }
    values[j + 1] = v;
  }
}

/** n draws with replacement from [0, n), as counts per row. */
function drawBootstrap(counts: Int32Array, rng: Random, n: number): void {
  for (let i = 0; i < n; i++) counts[rng.int(n)]++;
}
