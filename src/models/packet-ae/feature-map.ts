/**
 * KitNET's feature mapper: incremental correlation distances between features over the feature-map grace
 * period, then single-linkage agglomerative clustering, whose dendrogram is cut top-down until no group has
 * more than `maxGroupSize` features. Each group becomes the input of one autoencoder of the ensemble.
 */
export class FeatureCorrelation {
  readonly n: number;
  count = 0;
  private readonly sum: Float64Array;
  /** Sum of squared residuals per feature (residual against the running mean including the sample). */
  private readonly squares: Float64Array;
  /** Upper triangle (row-major, i ≤ j) of the summed residual products. */
  private readonly products: Float64Array;
  private readonly residual: Float64Array;

  constructor(n: number) {
    this.n = n;
    this.sum = new Float64Array(n);
    this.squares = new Float64Array(n);
    this.products = new Float64Array(n * n);
    this.residual = new Float64Array(n);
  }

  update(x: Float64Array): void {
    const n = this.n;
    this.count++;
    const r = this.residual;
    for (let i = 0; i < n; i++) {
      this.sum[i] += x[i];
      r[i] = x[i] - this.sum[i] / this.count;
      this.squares[i] += r[i] * r[i];
    }
    const p = this.products;
    for (let i = 0; i < n; i++) {
      const ri = r[i];
      if (ri === 0) continue;
      const row = i * n;
      for (let j = i + 1; j < n; j++) p[row + j] += ri * r[j];
    }
  }

  /** Correlation distance 1 − r in [0, 2]; a constant feature is at distance 1 from everything. */
  distance(i: number, j: number): number {
    if (i === j) return 0;
    const [a, b] = i < j ? [i, j] : [j, i];
    const scale = Math.sqrt(this.squares[a]) * Math.sqrt(this.squares[b]);
    if (!(scale > 0)) return 1;
    const d = 1 - this.products[a * this.n + b] / scale;
    // The running mean makes small excursions outside [0, 2] possible; clamp them.
    return d < 0 ? 0 : d > 2 ? 2 : d;
  }

  /** Groups of feature indices, each at most `maxGroupSize` long, covering every feature once. */
  groups(maxGroupSize: number): number[][] {
    return cutDendrogram(
      singleLinkage(this.n, (i, j) => this.distance(i, j)),
      Math.max(1, maxGroupSize),
    );
  }
}

/** A dendrogram node: a leaf (feature index) or a merge of two nodes. */
export type Dendrogram = { leaf: number; count: 1 } | { left: Dendrogram; right: Dendrogram; count: number };

/**
 * Single-linkage agglomerative clustering over n points (O(n³), fine for a hundred features): repeatedly
 * merges the two closest clusters, ties going to the lowest cluster numbers so the result is deterministic.
 */
export function singleLinkage(n: number, distance: (i: number, j: number) => number): Dendrogram {
  if (n < 1) throw new RangeError('need at least one feature');
  const nodes: (Dendrogram | null)[] = [];
  for (let i = 0; i < n; i++) nodes.push({ leaf: i, count: 1 });
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) d[i * n + j] = d[j * n + i] = distance(i, j);
  for (let merges = 0; merges < n - 1; merges++) {
    let best = Number.POSITIVE_INFINITY;
    let bi = -1;
    let bj = -1;
    for (let i = 0; i < n; i++) {
      if (!nodes[i]) continue;
      for (let j = i + 1; j < n; j++) {
        if (!nodes[j]) continue;
        const v = d[i * n + j];
        if (v < best || bi < 0) {
          best = v;
          bi = i;
          bj = j;
        }
      }
    }
    const left = nodes[bi] as Dendrogram;
    const right = nodes[bj] as Dendrogram;
    nodes[bi] = { left, right, count: left.count + right.count };
    nodes[bj] = null;
    for (let k = 0; k < n; k++) {
      if (k === bi || !nodes[k]) continue;
      const v = Math.min(d[bi * n + k], d[bj * n + k]);
      d[bi * n + k] = d[k * n + bi] = v;
    }
  }
  return nodes.find((node) => node !== null) as Dendrogram;
}

/** Splits the dendrogram top-down until every group has at most `maxSize` leaves (left before right). */
export function cutDendrogram(root: Dendrogram, maxSize: number): number[][] {
  const groups: number[][] = [];
  const visit = (node: Dendrogram): void => {
    if (node.count <= maxSize) {
      const leaves: number[] = [];
      const collect = (n: Dendrogram): void => {
        if ('leaf' in n) leaves.push(n.leaf);
        else {
          collect(n.left);
          collect(n.right);
        }
      };
      collect(node);
      groups.push(leaves);
    } else if ('left' in node) {
      visit(node.left);
      visit(node.right);
    }
  };
  visit(root);
  return groups;
}
