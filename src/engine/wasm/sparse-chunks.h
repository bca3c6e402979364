// The sparse-input pieces the training kernels share (sae-step.c, fcnn-step.c, vae-step.c, sparse-rows.c):
// listing and gathering rows' non-zero entries, and the row products over those lists: a batch row's
// non-zero inputs are a list of (index, value) pairs, and these multiply or scatter them against 4·V
// columns of a weight matrix held in V SIMD registers. Macros, so each kernel gets its own static copies
// and its module bytes stay those of the code written out in place.
#ifndef IOT_IDS_SPARSE_CHUNKS_H
#define IOT_IDS_SPARSE_CHUNKS_H
#include <wasm_simd128.h>

// z[c..c+4V) = bias + Σ over the list [from, to) of val · w[idx, c..c+4V), in k order, in registers.
#define SPARSE_CHUNK(V)                                                                               \
  static void sparse##V(const int* idx, const float* val, int from, int to, const float* w, int pitch, \
                        const float* bias, float* z) {                                                \
    v128_t acc[V];                                                                                    \
    _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[v] = wasm_v128_load(bias + 4 * v); \
    for (int i = from; i < to; i++) {                                                                 \
      v128_t x = wasm_v128_load32_splat(val + i);                                                     \
      const float* row = w + idx[i] * pitch;                                                          \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[v] =                         \
          wasm_f32x4_add(acc[v], wasm_f32x4_mul(x, wasm_v128_load(row + 4 * v)));                     \
    }                                                                                                 \
    _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) wasm_v128_store(z + 4 * v, acc[v]); \
  }
SPARSE_CHUNK(8)
SPARSE_CHUNK(4)
SPARSE_CHUNK(2)
SPARSE_CHUNK(1)

// gw[idx, c..c+4V) += val · d[c..c+4V) over the list [from, to), d held in registers: loaded once, not
// after each row's stores (a load that follows a store 4 KiB apart in the low address bits waits for it).
#define SCATTER_CHUNK(V)                                                                              \
  static void scatter##V(const int* idx, const float* val, int from, int to, const float* d, float* gw, \
                         int pitch) {                                                                 \
    v128_t dv[V];                                                                                     \
    _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) dv[v] = wasm_v128_load(d + 4 * v); \
    for (int i = from; i < to; i++) {                                                                 \
      v128_t x = wasm_v128_load32_splat(val + i);                                                     \
      float* row = gw + idx[i] * pitch;                                                               \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) wasm_v128_store(                 \
          row + 4 * v, wasm_f32x4_add(wasm_v128_load(row + 4 * v), wasm_f32x4_mul(x, dv[v])));        \
    }                                                                                                 \
  }
SCATTER_CHUNK(8)
SCATTER_CHUNK(4)
SCATTER_CHUNK(2)
SCATTER_CHUNK(1)

// z[0..width) = bias + Σ over the list [from, to) of val · w[idx, 0..width): the whole row (width a multiple
// of 4) in chunks of 32, 16, 8 and 4 columns.
static void sparse_row(const int* idx, const float* val, int from, int to, const float* w, int width,
                       const float* bias, float* z) {
  int c = 0;
  for (; c + 32 <= width; c += 32) sparse8(idx, val, from, to, w + c, width, bias + c, z + c);
  if (c + 16 <= width) {
    sparse4(idx, val, from, to, w + c, width, bias + c, z + c);
    c += 16;
  }
  if (c + 8 <= width) {
    sparse2(idx, val, from, to, w + c, width, bias + c, z + c);
    c += 8;
  }
  if (c + 4 <= width) sparse1(idx, val, from, to, w + c, width, bias + c, z + c);
}

// gw[idx, 0..width) += val · d[0..width) over the list [from, to): the whole row in chunks as sparse_row.
static void scatter_row(const int* idx, const float* val, int from, int to, const float* d, float* gw, int width) {
  int c = 0;
  for (; c + 32 <= width; c += 32) scatter8(idx, val, from, to, d + c, gw + c, width);
  if (c + 16 <= width) {
    scatter4(idx, val, from, to, d + c, gw + c, width);
    c += 16;
  }
  if (c + 8 <= width) {
    scatter2(idx, val, from, to, d + c, gw + c, width);
    c += 8;
  }
  if (c + 4 <= width) scatter1(idx, val, from, to, d + c, gw + c, width);
}

// Gathers the lists of the rows order[0..n) of a matrix held as row lists (starts, idx, val) into one
// contiguous run (bstarts, bidx, bval); `from` is scratch for n ints. The rows come in random order from a
// matrix of megabytes: the first pass reads only where each row's list starts and ends, with no branch on
// what it loads, so its cache misses overlap; the second copies the lists four entries at a time (a row's
// last vector may spill past its end: the next row overwrites it, and both buffers have 4 entries of slack).
static void gather_lists(const int* starts, const int* all_idx, const float* all_val, const int* order, int n,
                         int* from, int* bstarts, int* bidx, float* bval) {
  bstarts[0] = 0;
  for (int r = 0; r < n; r++) {
    int row = order[r];
    from[r] = starts[row];
    bstarts[r + 1] = bstarts[r] + (starts[row + 1] - starts[row]);
  }
  for (int r = 0; r < n; r++) {
    const int* si = all_idx + from[r];
    const float* sv = all_val + from[r];
    int to = bstarts[r], count = bstarts[r + 1] - to;
    for (int k = 0; k < count; k += 4) {
      wasm_v128_store(bidx + to + k, wasm_v128_load(si + k));
      wasm_v128_store(bval + to + k, wasm_v128_load(sv + k));
    }
  }
}

// Lists the non-zero entries of the first `cols` columns of the n rows of x (row pitch `pitch`): column
// indices into idx, values into val, where each row's list starts into starts[0..n]. Four values are tested
// at a time, so runs of zeros cost one comparison per four; entries are written branch-free. The lists
// continue from entry `base` (to list a long matrix a block of rows at a time); returns the entries' end.
static int list_rows(const float* x, int n, int cols, int pitch, int* idx, float* val, int* starts, int base) {
  int count = base;
  for (int r = 0; r < n; r++) {
    starts[r] = count;
    const float* row = x + r * pitch;
    int k = 0;
    for (; k + 4 <= cols; k += 4) {
      v128_t v = wasm_v128_load(row + k);
      if (wasm_i32x4_bitmask(wasm_f32x4_ne(v, wasm_f32x4_splat(0.0f))) == 0) continue;
      for (int j = 0; j < 4; j++) {
        float value = row[k + j];
        idx[count] = k + j;
        val[count] = value;
        count += value != 0.0f;
      }
    }
    for (; k < cols; k++) {
      float value = row[k];
      idx[count] = k;
      val[count] = value;
      count += value != 0.0f;
    }
  }
  starts[n] = count;
  return count;
}

#endif
