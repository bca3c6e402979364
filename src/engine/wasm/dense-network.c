// Forward pass of a small dense network over a batch of rows, one row at a time through every layer:
// h ← act(h_prev · W + b) per layer (ReLU on hidden layers), softmax on the last. Built by
// scripts/build-wasm.sh; called from src/engine/dense-network.ts, which lays out the memory.
//
// Why row by row and not a blocked GEMM: the rows it scores are mostly zeros (one-hot columns: ≈ 14 of
// KDD's 122 features are non-zero; after a ReLU about half the units are). Each layer first lists the
// row's non-zero inputs (k, x_k), then adds x_k · W[k, :] for those only, into accumulators held in
// registers (up to 8 × 4 units at a time). Skipping a zero term leaves every sum exactly as the dense
// product in the same k order would give it (x + 0 · w = x for finite w), so the result does not depend
// on how sparse the input is; only the time does. A row's activations never leave the L1 cache.
//
// Memory layout of a layer (set up by the caller): weights inputs × stride floats, row-major, columns
// padded with zeros to stride = units rounded up to a multiple of 4; bias stride floats (zero-padded).
#include <wasm_simd128.h>

extern unsigned char __heap_base;

// First free byte after the module's data and stack: the caller's buffers start here.
int scratch_base(void) { return (int)&__heap_base; }

// One layer, as 6 ints in the descriptor array.
typedef struct {
  int inputs, units, stride, weights, bias, relu;
} Layer;

// For each 4-bit mask of non-zero lanes: the byte shuffle that moves those lanes, in order, to the front
// (index 0x80 gives a zero byte), and how many there are.
static unsigned char pack_shuffle[16][16];
static int pack_count[16];
static int tables_ready = 0;

static void make_tables(void) {
  for (int mask = 0; mask < 16; mask++) {
    int n = 0;
    for (int b = 0; b < 16; b++) pack_shuffle[mask][b] = 0x80;
    for (int lane = 0; lane < 4; lane++) {
      if (!(mask & (1 << lane))) continue;
      for (int b = 0; b < 4; b++) pack_shuffle[mask][4 * n + b] = (unsigned char)(4 * lane + b);
      n++;
    }
    pack_count[mask] = n;
  }
  tables_ready = 1;
}

// Appends the non-zero lanes of v (the values at indices first..first+3) to idx/val at count, without a
// branch: four values and four indices are always stored (idx/val have room for four more), and count
// moves by the number of non-zero lanes. Returns the new count.
static inline int pack4(v128_t v, int first, int* idx, float* val, int count) {
  int mask = wasm_i32x4_bitmask(wasm_f32x4_ne(v, wasm_f32x4_splat(0.0f)));
  v128_t shuffle = wasm_v128_load(pack_shuffle[mask]);
  v128_t index = wasm_i32x4_add(wasm_i32x4_splat(first), wasm_i32x4_make(0, 1, 2, 3));
  wasm_v128_store(val + count, wasm_i8x16_swizzle(v, shuffle));
  wasm_v128_store(idx + count, wasm_i8x16_swizzle(index, shuffle));
  return count + pack_count[mask];
}

// Lists the non-zero values of x[0..n): indices into idx, values into val; returns how many.
static int nonzeros(const float* x, int n, int* idx, float* val) {
  int count = 0;
  int k = 0;
  for (; k + 4 <= n; k += 4) count = pack4(wasm_v128_load(x + k), k, idx, val, count);
  for (; k < n; k++) {
    float value = x[k];
    idx[count] = k;
    val[count] = value;
    count += value != 0.0f;
  }
  return count;
}

// Units [first, first + 4V) of a layer, V ≤ 8 vectors held in registers: act(bias + Σ_i val[i] · w[idx[i],
// ·]), the sum starting from the bias and adding the terms in increasing k, a multiply and an add each (no
// FMA). Then either stored to out (the last layer) or appended, non-zeros only, to the next layer's input
// list (next_idx / next_val, from next_count, which it returns). Padded units (zero weights and bias) give
// zero, so they are never listed.
#define CHUNK(V)                                                                                   \
  static int chunk##V(const int* idx, const float* val, int count, const float* w, int stride,      \
                      const float* bias, int relu, int first, float* out, int* next_idx,            \
                      float* next_val, int next_count) {                                            \
    v128_t acc[V];                                                                                 \
    _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[v] =                        \
        wasm_v128_load(bias + 4 * v);                                                              \
    for (int i = 0; i < count; i++) {                                                              \
      v128_t x = wasm_v128_load32_splat(val + i);                                                  \
      const float* row = w + idx[i] * stride;                                                      \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[v] =                      \
          wasm_f32x4_add(acc[v], wasm_f32x4_mul(x, wasm_v128_load(row + 4 * v)));                  \
    }                                                                                              \
    if (relu) {                                                                                    \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[v] =                      \
          wasm_f32x4_pmax(wasm_f32x4_splat(0.0f), acc[v]);                                         \
    }                                                                                              \
    if (out) {                                                                                     \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) wasm_v128_store(              \
          out + 4 * v, acc[v]);                                                                    \
      return next_count;                                                                           \
    }                                                                                              \
    _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) next_count =                    \
        pack4(acc[v], first + 4 * v, next_idx, next_val, next_count);                              \
    return next_count;                                                                             \
  }
CHUNK(8)
CHUNK(4)
CHUNK(2)
CHUNK(1)

// A byte offset from address 0 as a pointer (the caller passes offsets into this module's memory).
#define AT(type, offset) ((type)(unsigned long)(offset))

// One layer for one row: reads the input list (idx, val, count); writes the outputs to out when out is
// set, else the non-zero outputs to the next list. Returns the next list's length.
static int layer_forward(const Layer* layer, const int* idx, const float* val, int count, float* out,
                         int* next_idx, float* next_val) {
  const float* w = AT(const float*, layer->weights);
  const float* bias = AT(const float*, layer->bias);
  int stride = layer->stride;
  int relu = layer->relu;
  int next = 0;
  int c = 0;
  for (; c + 32 <= stride; c += 32)
    next = chunk8(idx, val, count, w + c, stride, bias + c, relu, c, out ? out + c : 0, next_idx, next_val, next);
  if (c + 16 <= stride) {
    next = chunk4(idx, val, count, w + c, stride, bias + c, relu, c, out ? out + c : 0, next_idx, next_val, next);
    c += 16;
  }
  if (c + 8 <= stride) {
    next = chunk2(idx, val, count, w + c, stride, bias + c, relu, c, out ? out + c : 0, next_idx, next_val, next);
    c += 8;
  }
  if (c + 4 <= stride)
    next = chunk1(idx, val, count, w + c, stride, bias + c, relu, c, out ? out + c : 0, next_idx, next_val, next);
  return next;
}

// exp(x) of four lanes with x ≤ 0 (softmax after subtracting the maximum): x = n ln 2 + r with |r| ≤ ln 2 / 2
// (ln 2 split in two parts so n ln 2 is exact), a degree-7 polynomial for e^r (relative error below 2e-8,
// under one float ulp), times 2^n built in the exponent bits; 0 below -87 (where 2^n leaves the normal
// range) and for -infinity.
static v128_t exp4_nonpositive(v128_t x) {
  v128_t tiny = wasm_f32x4_lt(x, wasm_f32x4_splat(-87.0f));
  x = wasm_f32x4_pmax(x, wasm_f32x4_splat(-87.0f));
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.0f / 5040.0f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 720.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 120.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 24.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 6.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  v128_t scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_v128_andnot(wasm_f32x4_mul(p, scale), tiny);
}

// Softmax of logits[0..n) into out; logits has room for n rounded up to 4 (the padding is overwritten).
static void softmax(float* logits, int n, float* out) {
  int padded = (n + 3) & ~3;
  for (int j = n; j < padded; j++) logits[j] = -__builtin_inff();
  float max = logits[0];
  for (int j = 1; j < n; j++) max = logits[j] > max ? logits[j] : max;
  v128_t sum4 = wasm_f32x4_splat(0.0f);
  for (int j = 0; j < padded; j += 4) {
    v128_t e = exp4_nonpositive(wasm_f32x4_sub(wasm_v128_load(logits + j), wasm_f32x4_splat(max)));
    wasm_v128_store(logits + j, e);
    sum4 = wasm_f32x4_add(sum4, e);
  }
  float sum = (wasm_f32x4_extract_lane(sum4, 0) + wasm_f32x4_extract_lane(sum4, 1)) +
              (wasm_f32x4_extract_lane(sum4, 2) + wasm_f32x4_extract_lane(sum4, 3));
  for (int j = 0; j < n; j++) out[j] = logits[j] / sum;
}

// Scores rows of x (row-major, layers[0].inputs values a row) through the network; writes
// rows × layers[last].units probabilities (softmax) or, with softmax_out = 0, the last layer's outputs.
// Arguments are byte offsets into this module's memory: logits holds the last layer's stride floats;
// idx/val two lists each (one int / float per input of the widest layer, plus 4), back to back.
void forward_rows(int layers_at, int layer_count, int x_at, int rows, int out_at, int softmax_out,
                  int logits_at, int idx_at, int val_at, int list_size) {
  if (!tables_ready) make_tables();
  const Layer* layers = AT(const Layer*, layers_at);
  const Layer* last = &layers[layer_count - 1];
  float* logits = AT(float*, logits_at);
  int* idx[2] = {AT(int*, idx_at), AT(int*, idx_at) + list_size};
  float* val[2] = {AT(float*, val_at), AT(float*, val_at) + list_size};
  for (int r = 0; r < rows; r++) {
    int list = 0;
    int count = nonzeros(AT(const float*, x_at) + r * layers[0].inputs, layers[0].inputs, idx[0], val[0]);
    for (int l = 0; l < layer_count; l++) {
      float* out = l == layer_count - 1 ? logits : 0;
      count = layer_forward(&layers[l], idx[list], val[list], count, out, idx[1 - list], val[1 - list]);
      list = 1 - list;
    }
    float* out = AT(float*, out_at) + r * last->units;
    if (softmax_out) {
      softmax(logits, last->units, out);
    } else {
      for (int j = 0; j < last->units; j++) out[j] = logits[j];
    }
  }
}
