// Scoring kernel of the random forest (wasm-scorer.ts calls it; forestProba in tree.ts is the reference it
// must match exactly). For every row it adds up, tree after tree, the class distribution of the leaf the row
// reaches, in double precision and in tree order, as forestProba does.
//
// The forest is laid out as packed-forest.ts describes: a node's children sit side by side and a leaf steps
// to itself, so a step down is `child + (x > threshold)`: a comparison that yields 0 or 1, with no branch to
// mispredict (on these deep, data-dependent trees a branch per level costs more than the rest of the step).
// LANES rows go down a tree together, so their chains of dependent loads overlap; rows already at their leaf
// keep stepping to it until the last of them gets there. 8 lanes measured faster than 4 and 16.

#define LANES 8

// Adds to sums[i * k + c] the leaf distributions of trees [0, nTrees) for rows [0, rows) of x (row-major,
// `cols` values a row). Internal nodes have leafValue −1; a leaf's is the offset of its k values in leafProba.
void forest_sums(const int *roots, int nTrees, const int *feature, const float *threshold, const int *child,
                 const int *leafValue, const float *leafProba, int k, const float *x, int rows, int cols,
                 double *sums) {
  for (int t = 0; t < nTrees; t++) {
    const int root = roots[t];
    int i = 0;
    for (; i + LANES <= rows; i += LANES) {
      const float *row[LANES];
      int node[LANES], value[LANES];
      for (int j = 0; j < LANES; j++) {
        row[j] = x + (long)(i + j) * cols;
        node[j] = root;
        value[j] = leafValue[root];
      }
      // The sign bit of the OR is set while any lane is at an internal node.
      int internal = value[0];
      while (internal < 0) {
        internal = 0;
        for (int j = 0; j < LANES; j++) {
          const int n = node[j];
          node[j] = child[n] + (row[j][feature[n]] > threshold[n]);
          value[j] = leafValue[node[j]];
          internal |= value[j];
        }
      }
      double *s = sums + (long)i * k;
      for (int j = 0; j < LANES; j++)
        for (int c = 0; c < k; c++) s[j * k + c] += leafProba[value[j] + c];
    }
    for (; i < rows; i++) {
      const float *r = x + (long)i * cols;
      int n = root;
      int v = leafValue[root];
      while (v < 0) {
        n = child[n] + (r[feature[n]] > threshold[n]);
        v = leafValue[n];
      }
      double *s = sums + (long)i * k;
      for (int c = 0; c < k; c++) s[c] += leafProba[v + c];
    }
  }
}
