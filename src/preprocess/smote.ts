import { usageError } from '../errors.js';
import { Random } from '../util/random.js';
import { classCounts, rowsByClass } from './class-counts.js';
import { createMatrix, type Matrix } from './matrix.js';

export interface SmoteOptions {
  /** Neighbours each synthetic row may interpolate towards. Default 5. */
  k?: number;
  /** Each minority class grows to round(ratio × majority count) rows; classes are never shrunk. Default 1. */
  targetRatio?: number;
  /** Classes to grow. Default: every class present with fewer rows than the target. */
  classes?: number[];
  /** Seed of every random choice. Default 1. */
  seed?: number;
  /**
   * Columns (e.g. one-hot) whose synthetic values are copied from one parent instead of interpolated.
   * All binary columns of a synthetic row come from the same parent (the nearer one along the segment),
   * so a one-hot block keeps exactly one 1. Default: none.
   */
  binaryColumns?: boolean[];
  /**
   * Largest number of same-class rows searched for neighbours (Infinity: always the whole class). The
   * search is exact over its candidates and pruned with pivots, but its worst case is
   * O(bases × candidates × columns) with bases = min(class rows, rows to add). A larger class is
   * searched in a seeded random subset of this size, so neighbours are the nearest within that subset.
   * Default 5000 (on KDDTrain+, 122 features: growing DoS, 45.9k rows, to the majority takes ~5 s).
   */
  maxCandidates?: number;
}

export interface SmoteResult {
  /** The original rows, unchanged and first, then the synthetic rows class by class. */
  x: Matrix;
  y: Int32Array;
  /** Synthetic rows added per grown class. */
  added: Record<number, number>;
}

/**
 * SMOTE (Chawla et al. 2002): a synthetic row is x_i + u·(x_nn − x_i) with u uniform in [0, 1) and x_nn
 * one of the k nearest (squared Euclidean) rows of the same class. Base rows are taken in turns from a
 * shuffled order of the class, so every row seeds about the same number of synthetic rows. A class with
 * a single row has no neighbour to interpolate towards: it is grown by exact duplicates. Deterministic for
 * a seed.
 */
export function smote(x: Matrix, y: Int32Array, options: SmoteOptions = {}): SmoteResult {
  const k = options.k ?? 5;
  const targetRatio = options.targetRatio ?? 1;
  const maxCandidates = options.maxCandidates ?? 5000;
  const binary = options.binaryColumns ?? new Array<boolean>(x.cols).fill(false);
  if (!Number.isInteger(k) || k < 1) throw usageError(`SMOTE k must be a positive integer, got ${k}`);
  if (!(targetRatio > 0 && Number.isFinite(targetRatio))) {
    throw usageError(`SMOTE target ratio must be a positive number, got ${targetRatio}`);
  }
  if (!(maxCandidates > k) || !(Number.isInteger(maxCandidates) || maxCandidates === Infinity)) {
    throw usageError(`SMOTE maxCandidates must be an integer above k (${k}), got ${maxCandidates}`);
  }
  if (binary.length !== x.cols) {
    throw usageError(`SMOTE binaryColumns has ${binary.length} entries but the matrix has ${x.cols} columns`);
  }
  if (y.length !== x.rows) throw usageError(`SMOTE got ${x.rows} rows but ${y.length} labels`);

  const counts = classCounts(y);
  const target = Math.round(targetRatio * Math.max(0, ...counts));
  const classes = chooseClasses(options.classes, counts, target);
  const members = rowsByClass(y, counts);
  const toAdd = classes.map((c) => Math.max(0, target - counts[c]));
  const total = toAdd.reduce((a, b) => a + b, 0);

  const out = new Float32Array((x.rows + total) * x.cols);
  out.set(x.data);
  const outY = new Int32Array(x.rows + total);
  outY.set(y);
  const random = new Random(options.seed ?? 1);
  const added: Record<number, number> = {};
  let row = x.rows;
  classes.forEach((c, i) => {
    const writer = { out, row, cols: x.cols, binary };
    synthesiseClass(x, members[c], toAdd[i], { k, maxCandidates, random: random.fork() }, writer);
    outY.fill(c, row, row + toAdd[i]);
    row += toAdd[i];
    added[c] = toAdd[i];
  });
  return { x: createMatrix(x.rows + total, x.cols, out), y: outY, added };
}

function chooseClasses(requested: number[] | undefined, counts: Int32Array, target: number): number[] {
  if (!requested) return [...counts.keys()].filter((c) => counts[c] > 0 && counts[c] < target);
  const unique = [...new Set(requested)].sort((a, b) => a - b);
  for (const c of unique) {
    if (!(c >= 0 && c < counts.length && counts[c] > 0)) {
      throw usageError(`SMOTE cannot grow class ${c}: it has no rows to interpolate from`);
    }
  }
  return unique;
}

interface Writer {
  readonly out: Float32Array;
  /** First output row of this class. */
  readonly row: number;
  readonly cols: number;
  readonly binary: readonly boolean[];
}

function synthesiseClass(
  x: Matrix,
  rows: Int32Array,
  count: number,
  search: { k: number; maxCandidates: number; random: Random },
  writer: Writer,
): void {
  const { out, cols } = writer;
  if (count === 0) return;
  if (rows.length === 1) {
    const source = x.data.subarray(rows[0] * cols, (rows[0] + 1) * cols);
    for (let s = 0; s < count; s++) out.set(source, (writer.row + s) * cols);
    return;
  }
  const { random } = search;
  const order = random.shuffle(Int32Array.from(rows));
  const candidates =
    rows.length > search.maxCandidates ? order.slice(0, search.maxCandidates) : Int32Array.from(rows);
  const nBases = Math.min(order.length, count);
  const k = Math.min(search.k, rows.length - 1);
  const index = new NeighbourIndex(x, candidates);
  const neighbours = new Int32Array(nBases * k);
  const found = new Int32Array(nBases);
  for (let b = 0; b < nBases; b++) {
    found[b] = index.nearest(order[b], neighbours.subarray(b * k, (b + 1) * k));
  }
  for (let s = 0; s < count; s++) {
    const b = s % nBases;
    const base = order[b];
    const neighbour = neighbours[b * k + random.int(found[b])];
    interpolate(x, base, neighbour, random.next(), writer, writer.row + s);
  }
}

const PIVOTS = 12;

/**
 * Exact nearest-neighbour search over a fixed set of rows, pruned with pivots (LAESA): for any pivot p,
 * |d(q, p) − d(c, p)| ≤ d(q, c), so a candidate whose pivot distances already put it beyond the current
 * k-th best is skipped without computing its distance. Rows are sorted by distance to the first pivot
 * and scanned outwards from the query's, so the scan also stops early. Flow data is full of duplicates
 * and tight clusters, which is where this pays off; the worst case stays a brute-force pass.
 */
class NeighbourIndex {
  private readonly rows: Int32Array;
  private readonly pivots: Int32Array;
  /** rows.length × pivots: distance of each sorted row to each pivot. */
  private readonly pivotDistances: Float64Array;

  constructor(
    private readonly x: Matrix,
    candidates: Int32Array,
  ) {
    this.pivots = farthestFirst(x, candidates, Math.min(PIVOTS, candidates.length));
    const nPivots = this.pivots.length;
    const distances = new Float64Array(candidates.length * nPivots);
    candidates.forEach((row, i) =>
      this.distancesToPivots(row, distances.subarray(i * nPivots, (i + 1) * nPivots)),
    );
    const byFirst = Int32Array.from(candidates.keys()).sort(
      (a, b) => distances[a * nPivots] - distances[b * nPivots] || candidates[a] - candidates[b],
    );
    this.rows = Int32Array.from(byFirst, (i) => candidates[i]);
    this.pivotDistances = new Float64Array(distances.length);
    byFirst.forEach((from, to) =>
      this.pivotDistances.set(distances.subarray(from * nPivots, (from + 1) * nPivots), to * nPivots),
    );
  }

  /** Fills `into` with the rows nearest to `base` (itself excluded), nearest first; returns how many. */
  nearest(base: number, into: Int32Array): number {
    const { rows, pivotDistances } = this;
    const nPivots = this.pivots.length;
    const k = into.length;
    const best = new Float64Array(k).fill(Infinity);
    const query = new Float64Array(nPivots);
    this.distancesToPivots(base, query);
    let found = 0;
    let hi = lowerBound(pivotDistances, nPivots, rows.length, query[0]);
    let lo = hi - 1;
    while (lo >= 0 || hi < rows.length) {
      const gapLo = lo >= 0 ? query[0] - pivotDistances[lo * nPivots] : Infinity;
      const gapHi = hi < rows.length ? pivotDistances[hi * nPivots] - query[0] : Infinity;
      const gap = Math.min(gapLo, gapHi);
      const worst = best[k - 1];
      if (gap * gap >= worst) break;
      const at = gapLo <= gapHi ? lo-- : hi++;
      const candidate = rows[at];
      if (candidate === base || this.prunedByPivots(query, at, worst)) continue;
      const d = squaredDistanceBelow(this.x, base, candidate, worst);
      if (d >= worst) continue;
      let slot = Math.min(found, k - 1);
      while (slot > 0 && best[slot - 1] > d) {
        best[slot] = best[slot - 1];
        into[slot] = into[slot - 1];
        slot--;
      }
      best[slot] = d;
      into[slot] = candidate;
      if (found < k) found++;
    }
    return found;
  }

  private prunedByPivots(query: Float64Array, at: number, worst: number): boolean {
    const nPivots = query.length;
    for (let p = 1; p < nPivots; p++) {
      const gap = query[p] - this.pivotDistances[at * nPivots + p];
      if (gap * gap >= worst) return true;
    }
    return false;
  }

  private distancesToPivots(row: number, into: Float64Array): void {
    this.pivots.forEach(
      (pivot, p) => (into[p] = Math.sqrt(squaredDistanceBelow(this.x, row, pivot, Infinity))),
    );
  }
}

/** Pivots spread over the data: each next pivot is the candidate farthest from the ones chosen so far. */
function farthestFirst(x: Matrix, candidates: Int32Array, count: number): Int32Array {
  const pivots = new Int32Array(count);
  const nearestPivot = new Float64Array(candidates.length).fill(Infinity);
  let next = 0;
  for (let p = 0; p < count; p++) {
    pivots[p] = candidates[next];
    let farthest = -1;
    candidates.forEach((row, i) => {
      nearestPivot[i] = Math.min(nearestPivot[i], squaredDistanceBelow(x, row, pivots[p], Infinity));
      if (nearestPivot[i] > farthest) {
        farthest = nearestPivot[i];
        next = i;
      }
    });
  }
  return pivots;
}

/** Squared Euclidean distance of two rows, abandoned (returning a value ≥ limit) once it reaches `limit`. */
function squaredDistanceBelow(x: Matrix, a: number, b: number, limit: number): number {
  const { data, cols } = x;
  const ao = a * cols;
  const bo = b * cols;
  let d = 0;
  for (let j = 0; j < cols && d < limit; j++) {
    const diff = data[ao + j] - data[bo + j];
    d += diff * diff;
  }
  return d;
}

/** First row whose key (every `stride`-th value) is ≥ `value`, keys ascending. */
function lowerBound(keys: Float64Array, stride: number, length: number, value: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid * stride] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function interpolate(
  x: Matrix,
  base: number,
  neighbour: number,
  u: number,
  writer: Writer,
  row: number,
): void {
  const { data, cols } = x;
  const { out, binary } = writer;
  const bo = base * cols;
  const no = neighbour * cols;
  const oo = row * cols;
  const parent = u < 0.5 ? bo : no;
  for (let j = 0; j < cols; j++) {
    const a = data[bo + j];
    out[oo + j] = binary[j] ? data[parent + j] : a + u * (data[no + j] - a);
  }
}
