import type { GrownTree } from './tree.js';

/** Growable node arrays of the tree being built. */
export class TreeBuffers {
  feature: Int32Array;
  bin: Int32Array;
  left: Int32Array;
  right: Int32Array;
  nodeSamples: Int32Array;
  leafProba: Float32Array;
  nNodes = 0;
  nLeafValues = 0;

  constructor(
    capacity: number,
    private readonly k: number,
  ) {
    this.feature = new Int32Array(capacity);
    this.bin = new Int32Array(capacity);
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.nodeSamples = new Int32Array(capacity);
    this.leafProba = new Float32Array(capacity * k);
  }

  addNode(samples: number): number {
    if (this.nNodes === this.feature.length) this.grow();
    const id = this.nNodes++;
    this.nodeSamples[id] = samples;
    return id;
  }

  makeLeaf(id: number, totals: Float64Array): void {
    const k = this.k;
    this.feature[id] = -1;
    this.left[id] = this.right[id] = -1;
    let sum = 0;
    for (let c = 0; c < k; c++) sum += totals[c];
    const o = this.nLeafValues;
    // A node whose rows all weigh 0 (class weight 0) says nothing: spread it evenly.
    for (let c = 0; c < k; c++) this.leafProba[o + c] = sum > 0 ? totals[c] / sum : 1 / k;
    this.nLeafValues += k;
  }

  toTree(): GrownTree {
    const n = this.nNodes;
    return {
      feature: this.feature.slice(0, n),
      bin: this.bin.slice(0, n),
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      nodeSamples: this.nodeSamples.slice(0, n),
      leafProba: this.leafProba.slice(0, this.nLeafValues),
    };
  }

  private grow(): void {
    const capacity = this.feature.length * 2;
    const enlarge = <T extends Int32Array | Float32Array>(
      a: T,
      make: (size: number) => T,
      size: number,
    ): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.feature = enlarge(this.feature, (s) => new Int32Array(s), capacity);
    this.bin = enlarge(this.bin, (s) => new Int32Array(s), capacity);
    this.left = enlarge(this.left, (s) => new Int32Array(s), capacity);
    this.right = enlarge(this.right, (s) => new Int32Array(s), capacity);
    this.nodeSamples = enlarge(this.nodeSamples, (s) => new Int32Array(s), capacity);
    this.leafProba = enlarge(this.leafProba, (s) => new Float32Array(s), capacity * this.k);
  }
}
