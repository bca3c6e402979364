// The two products of a dense layer whose input rows are mostly zeros (one-hot encoded features), for
// training: z = x · W (forward) and dW = xᵀ · dz (weight gradient), both over the non-zero entries of x
// only. Built by scripts/build-wasm.sh; called from src/engine/sparse-rows.ts, which lays out the memory.
//
// A zero entry adds nothing to either sum (x + 0 · w = x for finite w), so the results are the float32
// sums in increasing k (forward) and increasing row (gradient) order, whatever the sparsity. Matrices
// here are row-major with a row pitch (`stride`) of the column count rounded up to 4, so that every row
// starts on a 16-byte boundary and its last vector's spare lanes are padding, not the next row.
#include <wasm_simd128.h>
#include "sparse-chunks.h"

extern unsigned char __heap_base;

// First free byte after the module's data and stack: the caller's buffers start here.
int scratch_base(void) { return (int)&__heap_base; }

#define AT(type, offset) ((type)(unsigned long)(offset))

// Copies a rows × cols matrix with row pitch `from_pitch` to one with pitch `to_pitch` (zeroing the padding
// when widening). Regions may be the same (pitch changes in place are done in a safe direction).
void repitch(int from_at, int to_at, int rows, int cols, int from_pitch, int to_pitch) {
  float* from = AT(float*, from_at);
  float* to = AT(float*, to_at);
  if (to_pitch >= from_pitch) {
    for (int r = rows - 1; r >= 0; r--) {
      for (int c = cols - 1; c >= 0; c--) to[r * to_pitch + c] = from[r * from_pitch + c];
      for (int c = cols; c < to_pitch; c++) to[r * to_pitch + c] = 0.0f;
    }
  } else {
    for (int r = 0; r < rows; r++)
      for (int c = 0; c < cols; c++) to[r * to_pitch + c] = from[r * from_pitch + c];
  }
}

// Lists the non-zero entries of the n rows of x (cols values a row, no padding) row by row: column
// indices into idx, values into val, and where each row's list starts into starts[0..n] (starts[n] = the
// total). Four values are tested at a time, so runs of zeros cost one comparison per four.
int list_nonzeros(int x_at, int n, int cols, int idx_at, int val_at, int starts_at) {
  return list_rows(AT(const float*, x_at), n, cols, cols, AT(int*, idx_at), AT(float*, val_at),
                   AT(int*, starts_at), 0);
}

// z[r, c..c+4V) = bias[c..c+4V) + Σ over row r's list of val · w[idx, c..c+4V), k ascending, the
// accumulators in registers starting from the bias (zeros when there is none).
#define FORWARD_CHUNK(V)                                                                            \
  static void forward##V(const int* idx, const float* val, int from, int to, const float* w,        \
                         int stride, const float* bias, float* z) {                                 \
    v128_t acc[V];                                                                                  \
    _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[v] =                         \
        wasm_v128_load(bias + 4 * v);                                                               \
    for (int i = from; i < to; i++) {                                                               \
      v128_t x = wasm_v128_load32_splat(val + i);                                                   \
      const float* row = w + idx[i] * stride;                                                       \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[v] =                       \
          wasm_f32x4_add(acc[v], wasm_f32x4_mul(x, wasm_v128_load(row + 4 * v)));                   \
    }                                                                                               \
    _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) wasm_v128_store(z + 4 * v, acc[v]); \
  }
FORWARD_CHUNK(8)
FORWARD_CHUNK(4)
FORWARD_CHUNK(2)
FORWARD_CHUNK(1)

// z (n × stride) = x · w + bias (w: inputs × stride, bias: stride), x given by its lists.
void forward(int idx_at, int val_at, int starts_at, int n, int w_at, int stride, int bias_at, int z_at) {
  const float* bias = AT(const float*, bias_at);
  const int* idx = AT(const int*, idx_at);
  const float* val = AT(const float*, val_at);
  const int* starts = AT(const int*, starts_at);
  const float* w = AT(const float*, w_at);
  for (int r = 0; r < n; r++) {
    float* z = AT(float*, z_at) + r * stride;
    int from = starts[r], to = starts[r + 1];
    int c = 0;
    for (; c + 32 <= stride; c += 32) forward8(idx, val, from, to, w + c, stride, bias + c, z + c);
    if (c + 16 <= stride) {
      forward4(idx, val, from, to, w + c, stride, bias + c, z + c);
      c += 16;
    }
    if (c + 8 <= stride) {
      forward2(idx, val, from, to, w + c, stride, bias + c, z + c);
      c += 8;
    }
    if (c + 4 <= stride) forward1(idx, val, from, to, w + c, stride, bias + c, z + c);
  }
}

// dw (inputs × stride) = xᵀ · dz (dz: n × stride): zeroed, then for each row r in order and each of its
// non-zero entries (k, v), dw[k, :] += v · dz[r, :].
void weight_gradient(int idx_at, int val_at, int starts_at, int n, int inputs, int dz_at, int stride,
                     int dw_at) {
  const int* idx = AT(const int*, idx_at);
  const float* val = AT(const float*, val_at);
  const int* starts = AT(const int*, starts_at);
  float* dw = AT(float*, dw_at);
  for (int i = 0; i < inputs * stride; i += 4) wasm_v128_store(dw + i, wasm_f32x4_splat(0.0f));
  int vectors = stride / 4;
  for (int r = 0; r < n; r++) {
    const float* dz = AT(const float*, dz_at) + r * stride;
    for (int i = starts[r]; i < starts[r + 1]; i++) {
      v128_t x = wasm_v128_load32_splat(val + i);
      float* row = dw + idx[i] * stride;
      for (int v = 0; v < vectors; v++) {
        wasm_v128_store(row + 4 * v, wasm_f32x4_add(wasm_v128_load(row + 4 * v),
                                                    wasm_f32x4_mul(x, wasm_v128_load(dz + 4 * v))));
      }
    }
  }
}
