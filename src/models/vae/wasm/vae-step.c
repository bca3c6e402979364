// The VAE's whole training step (forward, loss, backward) over buffers that stay in this module's memory:
// built by scripts/build-wasm.sh, driven layer by layer from src/models/vae/vae-step-kernel.ts, which lays
// out the memory and keeps vae-step.ts (tfjs products + JS loops) as the reference its tests compare with.
//
// Matrices are row-major with a row pitch (`stride`) of their column count rounded up to 4, so every row
// starts on a 16-byte boundary; padding lanes hold zeros and are kept zero. Every product runs over the
// non-zero entries of its left operand only, listed per row (list_nonzeros / relu_list): the input rows are
// one-hot encoded features, hidden activations are ReLU outputs and their gradients carry the same zeros.
// A skipped term is x = 0 and x + 0 · w = x, so each sum is the float32 sum over the listed terms in order.
#include <wasm_simd128.h>
#include "../../../engine/wasm/sparse-chunks.h"

extern unsigned char __heap_base;

// First free byte after the module's data and stack: the caller's buffers start here.
int scratch_base(void) { return (int)&__heap_base; }

#define AT(type, offset) ((type)(unsigned long)(offset))
#define SPLAT(v) wasm_f32x4_splat(v)

// Copies a rows × cols block from pitch `from_pitch` to pitch `to_pitch`, leaving the rest of each
// destination row untouched (so a block can land at a column offset, as the μ and log σ² heads do).
void place(int from_at, int to_at, int rows, int cols, int from_pitch, int to_pitch) {
  const float* from = AT(const float*, from_at);
  float* to = AT(float*, to_at);
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++) to[r * to_pitch + c] = from[r * from_pitch + c];
}

// to (cols × to_pitch) ← the transpose of from (rows × from_pitch), its first `cols` columns.
void transpose(int from_at, int to_at, int rows, int cols, int from_pitch, int to_pitch) {
  const float* from = AT(const float*, from_at);
  float* to = AT(float*, to_at);
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++) to[c * to_pitch + r] = from[r * from_pitch + c];
}

// Lists the non-zero entries of the first `cols` columns of the n rows of x (row pitch `pitch`): column
// indices into idx, values into val, where each row's list starts into starts[0..n]. Four values are tested
// at a time, so runs of zeros cost one comparison per four; entries are written branch-free. The lists
// continue from entry `base` (to list a long matrix a block of rows at a time); returns the entries' end.
int list_nonzeros(int x_at, int n, int cols, int pitch, int idx_at, int val_at, int starts_at, int base) {
  return list_rows(AT(const float*, x_at), n, cols, pitch, AT(int*, idx_at), AT(float*, val_at),
                   AT(int*, starts_at), base);
}

// The batch from the rows `order[0, n)` of a matrix held as non-zero lists (m_starts, m_idx, m_val): their
// entries appended to the batch's lists, as list_nonzeros would list them, and the rows written densely
// into x (n × pitch, zeroed first) for the loss. The rows are scattered over a matrix larger than the
// caches, so each costs a few cache misses; one row after another, each waited for the last (its copy
// loop's exit depends on loaded values and is mispredicted), so the rows' positions are read first, then
// the first and last words of each row's entries are touched, in loops whose loads do not depend on one
// another, before the copy. `order` is overwritten (each row's first entry). Returns a value of no meaning
// (what the touching loads read, so that they are kept).
int gather_rows(int order_at, int n, int m_starts_at, int m_idx_at, int m_val_at, int pitch, int x_at,
                int idx_at, int val_at, int starts_at) {
  int* order = AT(int*, order_at);
  const int* m_starts = AT(const int*, m_starts_at);
  const int* m_idx = AT(const int*, m_idx_at);
  const float* m_val = AT(const float*, m_val_at);
  const int* m_bits = AT(const int*, m_val_at);
  float* x = AT(float*, x_at);
  int* idx = AT(int*, idx_at);
  float* val = AT(float*, val_at);
  int* starts = AT(int*, starts_at);
  int count = 0;
  for (int r = 0; r < n; r++) {
    int from = m_starts[order[r]], to = m_starts[order[r] + 1];
    order[r] = from;
    starts[r] = count;
    count += to - from;
  }
  starts[n] = count;
  int touched = 0;
  for (int r = 0; r < n; r++) {
    int last = order[r] + (starts[r + 1] > starts[r] ? starts[r + 1] - starts[r] - 1 : 0);
    touched ^= m_idx[order[r]] ^ m_idx[last] ^ m_bits[order[r]] ^ m_bits[last];
  }
  for (int i = 0; i < n * pitch; i += 4) wasm_v128_store(x + i, SPLAT(0.0f));
  for (int r = 0; r < n; r++) {
    float* row = x + r * pitch;
    const int* from_idx = m_idx + order[r];
    const float* from_val = m_val + order[r];
    for (int i = 0; i < starts[r + 1] - starts[r]; i++) {
      idx[starts[r] + i] = from_idx[i];
      val[starts[r] + i] = from_val[i];
      row[from_idx[i]] = from_val[i];
    }
  }
  return touched;
}

// ReLU in place over the n × stride matrix z (padding stays 0), then lists its non-zeros as list_nonzeros.
// The ReLU is pmax (z < 0 ? 0 : z, one x86 instruction) rather than f32x4.max, which V8 builds from eight
// to order −0 below +0 and to pass NaN from either side: here NaN passes as well, and a −0 stays −0, which
// is not listed and fails the gate's > 0 as +0 does.
int relu_list(int z_at, int n, int cols, int stride, int idx_at, int val_at, int starts_at) {
  float* z = AT(float*, z_at);
  for (int i = 0; i < n * stride; i += 4)
    wasm_v128_store(z + i, wasm_f32x4_pmax(wasm_v128_load(z + i), SPLAT(0.0f)));
  return list_nonzeros(z_at, n, cols, stride, idx_at, val_at, starts_at, 0);
}

// out[r, c..c+4V) = init[c..c+4V) (or 0) + Σ over row r's list of x · m[idx, c..c+4V), in list order, the
// accumulators in registers, x being val[i] (`listed`: the list's own values) or val[idx[i]] (`gathered`:
// val is a row of another matrix, read at the listed columns); with `mask`, lanes where mask[r, ·] ≤ 0 are
// stored as 0 (the ReLU's gate, for input gradients).
#define CHUNK(NAME, V, X)                                                                             \
  static void NAME##V(const int* idx, const float* val, int from, int to, const float* m, int stride, \
                      const float* init, const float* mask, float* out) {                             \
    v128_t acc[V];                                                                                    \
    _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[v] =                           \
        init ? wasm_v128_load(init + 4 * v) : SPLAT(0.0f);                                            \
    for (int i = from; i < to; i++) {                                                                 \
      v128_t x = wasm_v128_load32_splat(X);                                                           \
      const float* row = m + idx[i] * stride;                                                         \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[v] =                         \
          wasm_f32x4_add(acc[v], wasm_f32x4_mul(x, wasm_v128_load(row + 4 * v)));                     \
    }                                                                                                 \
    if (mask) {                                                                                       \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[v] =                         \
          wasm_v128_and(acc[v], wasm_f32x4_gt(wasm_v128_load(mask + 4 * v), SPLAT(0.0f)));            \
    }                                                                                                 \
    _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) wasm_v128_store(out + 4 * v, acc[v]); \
  }
CHUNK(listed, 8, val + i)
CHUNK(listed, 7, val + i)
CHUNK(listed, 6, val + i)
CHUNK(listed, 5, val + i)
CHUNK(listed, 4, val + i)
CHUNK(listed, 3, val + i)
CHUNK(listed, 2, val + i)
CHUNK(listed, 1, val + i)
CHUNK(gathered, 8, val + idx[i])
CHUNK(gathered, 7, val + idx[i])
CHUNK(gathered, 6, val + idx[i])
CHUNK(gathered, 5, val + idx[i])
CHUNK(gathered, 4, val + idx[i])
CHUNK(gathered, 3, val + idx[i])
CHUNK(gathered, 2, val + idx[i])
CHUNK(gathered, 1, val + idx[i])

// One output row in chunks of 32 columns, then one chunk of the 4–28 left: a chunk's sums are independent
// chains of adds, and a chunk of one or two vectors (the 124-column decoder output in chunks of 32, 16, 8 and
// 4 before) waits on an add's latency at every list entry. The chunking does not change any sum's order.
#define ROW_IN_CHUNKS(NAME)                                                                       \
  do {                                                                                            \
    int c = 0;                                                                                    \
    for (; c + 32 <= stride; c += 32)                                                             \
      NAME##8(idx, val, from, to, m + c, stride, init ? init + c : 0, mask ? mask + c : 0, out + c); \
    const float* i0 = init ? init + c : 0;                                                        \
    const float* m0 = mask ? mask + c : 0;                                                        \
    switch ((stride - c) / 4) {                                                                   \
      case 7: NAME##7(idx, val, from, to, m + c, stride, i0, m0, out + c); break;                 \
      case 6: NAME##6(idx, val, from, to, m + c, stride, i0, m0, out + c); break;                 \
      case 5: NAME##5(idx, val, from, to, m + c, stride, i0, m0, out + c); break;                 \
      case 4: NAME##4(idx, val, from, to, m + c, stride, i0, m0, out + c); break;                 \
      case 3: NAME##3(idx, val, from, to, m + c, stride, i0, m0, out + c); break;                 \
      case 2: NAME##2(idx, val, from, to, m + c, stride, i0, m0, out + c); break;                 \
      case 1: NAME##1(idx, val, from, to, m + c, stride, i0, m0, out + c); break;                 \
    }                                                                                             \
  } while (0)

// out (n × stride) = lists · m (+ init), m: (list columns) × stride: the forward products (init = the
// bias), and the weight gradients over column lists (column_lists); with `accumulate`, added to out's own
// values instead (the weight gradient of a batch taken in blocks of rows).
void rows_times(int idx_at, int val_at, int starts_at, int n, int m_at, int stride, int init_at,
                int out_at, int accumulate) {
  const int* idx = AT(const int*, idx_at);
  const int* starts = AT(const int*, starts_at);
  const float* m = AT(const float*, m_at);
  const float* mask = 0;
  for (int r = 0; r < n; r++) {
    const float* val = AT(const float*, val_at);
    float* out = AT(float*, out_at) + r * stride;
    const float* init = accumulate ? out : AT(const float*, init_at);
    int from = starts[r], to = starts[r + 1];
    ROW_IN_CHUNKS(listed);
  }
}

// out (n × stride) = (g · m) gated by mask > 0 (when mask_at ≠ 0), g: n × g_stride, m = Wᵀ: an input
// gradient. Only the columns of g that idx lists are read: row r's list (starts) is the layer output's
// non-zero list, outside which a ReLU layer's gradient is 0; without starts every row reads idx[0, count)
// (a linear layer's dense gradient, idx = 0, 1, 2, …).
void gradient_times(int idx_at, int starts_at, int count, int g_at, int g_stride, int n, int m_at,
                    int stride, int mask_at, int out_at) {
  const int* idx = AT(const int*, idx_at);
  const int* starts = AT(const int*, starts_at);
  const float* m = AT(const float*, m_at);
  const float* init = 0;
  for (int r = 0; r < n; r++) {
    const float* val = AT(const float*, g_at) + r * g_stride;
    const float* mask = mask_at ? AT(const float*, mask_at) + r * stride : 0;
    float* out = AT(float*, out_at) + r * stride;
    int from = starts ? starts[r] : 0, to = starts ? starts[r + 1] : count;
    ROW_IN_CHUNKS(gathered);
  }
}

// The dot products of g (`vectors` vectors) with the rows w[idx[0..K)] (row pitch `vectors` · 4), K = 3 or 1
// at a time, written to out[idx[k]]. Each sum runs over the even and the odd vectors in two accumulators,
// added, then its four lanes as (0 + 2) + (1 + 3): the same bits whatever K, so a row's list can be taken
// three entries at a time (six independent sums: an add's latency no longer sets the pace) and the rest
// one by one. Four at a time (eight sums) was 5 % slower: V8 unrolls the loop once more and, with x86's 16
// vector registers, keeps two of the sums on the stack (bench/vae-kernel-builds.ts).
#define DOTS(K)                                                                                        \
  static void dots##K(const float* g, const float* w, int vectors, const int* idx, float* out) {      \
    v128_t even[K], odd[K];                                                                          \
    const float* row[K];                                                                             \
    _Pragma("clang loop unroll(full)") for (int k = 0; k < K; k++) {                                 \
      even[k] = odd[k] = SPLAT(0.0f);                                                                \
      row[k] = w + idx[k] * 4 * vectors;                                                             \
    }                                                                                                \
    int v = 0;                                                                                       \
    for (; v + 2 <= vectors; v += 2) {                                                               \
      v128_t g0 = wasm_v128_load(g + 4 * v), g1 = wasm_v128_load(g + 4 * v + 4);                    \
      _Pragma("clang loop unroll(full)") for (int k = 0; k < K; k++) {                               \
        even[k] = wasm_f32x4_add(even[k], wasm_f32x4_mul(g0, wasm_v128_load(row[k] + 4 * v)));       \
        odd[k] = wasm_f32x4_add(odd[k], wasm_f32x4_mul(g1, wasm_v128_load(row[k] + 4 * v + 4)));     \
      }                                                                                              \
    }                                                                                                \
    if (v < vectors) {                                                                               \
      v128_t g0 = wasm_v128_load(g + 4 * v);                                                         \
      _Pragma("clang loop unroll(full)") for (int k = 0; k < K; k++) even[k] =                       \
          wasm_f32x4_add(even[k], wasm_f32x4_mul(g0, wasm_v128_load(row[k] + 4 * v)));               \
    }                                                                                                \
    _Pragma("clang loop unroll(full)") for (int k = 0; k < K; k++) {                                 \
      v128_t a = wasm_f32x4_add(even[k], odd[k]);                                                    \
      a = wasm_f32x4_add(a, wasm_i32x4_shuffle(a, a, 2, 3, 0, 1));                                   \
      a = wasm_f32x4_add(a, wasm_i32x4_shuffle(a, a, 1, 0, 3, 2));                                   \
      out[idx[k]] = wasm_f32x4_extract_lane(a, 0);                                                   \
    }                                                                                                \
  }
DOTS(3)
DOTS(1)

// out (n × out_stride) = (g · wᵀ) at the non-zeros of the layer input only, 0 elsewhere (the ReLU's gate):
// out[r, k] = g[r, ·] · w[k, ·] for each k of row r's input list (idx, starts), w: inputs × g_stride. For a
// linear layer's dense gradient this skips the columns the gate zeroes, which gradient_times would compute.
void gated_gradient(int idx_at, int starts_at, int n, int g_at, int g_stride, int w_at, int out_at,
                    int out_stride) {
  const int* idx = AT(const int*, idx_at);
  const int* starts = AT(const int*, starts_at);
  const float* w = AT(const float*, w_at);
  int vectors = g_stride / 4;
  for (int r = 0; r < n; r++) {
    const float* g = AT(const float*, g_at) + r * g_stride;
    float* out = AT(float*, out_at) + r * out_stride;
    for (int c = 0; c < out_stride; c += 4) wasm_v128_store(out + c, SPLAT(0.0f));
    int i = starts[r];
    for (; i + 3 <= starts[r + 1]; i += 3) dots3(g, w, vectors, idx + i, out);
    for (; i < starts[r + 1]; i++) dots1(g, w, vectors, idx + i, out);
  }
}

// Column lists from the row lists of an n-row matrix with `inputs` columns: for each column k, the rows
// (ascending) where it is non-zero and the values, starting at col_starts[k]; `cursor` is inputs ints of
// scratch. The weight gradient xᵀ · g is then a product over these lists (rows_times), its sums in row
// order and its accumulators in registers, instead of read-modify-writes of a dw row per input value.
void column_lists(int idx_at, int val_at, int starts_at, int n, int inputs, int col_starts_at,
                  int col_rows_at, int col_vals_at, int cursor_at) {
  const int* idx = AT(const int*, idx_at);
  const float* val = AT(const float*, val_at);
  const int* starts = AT(const int*, starts_at);
  int* col_starts = AT(int*, col_starts_at);
  int* col_rows = AT(int*, col_rows_at);
  float* col_vals = AT(float*, col_vals_at);
  int* cursor = AT(int*, cursor_at);
  for (int k = 0; k < inputs; k++) cursor[k] = 0;
  for (int i = starts[0]; i < starts[n]; i++) cursor[idx[i]]++;
  int total = 0;
  for (int k = 0; k < inputs; k++) {
    col_starts[k] = total;
    total += cursor[k];
    cursor[k] = col_starts[k];
  }
  col_starts[inputs] = total;
  for (int r = 0; r < n; r++) {
    for (int i = starts[r]; i < starts[r + 1]; i++) {
      int at = cursor[idx[i]]++;
      col_rows[at] = r;
      col_vals[at] = val[i];
    }
  }
}

// out (stride) = the column sums of g (n × stride), rows in order: a bias gradient (added to out's values
// with `accumulate`).
void column_sums(int g_at, int n, int stride, int out_at, int accumulate) {
  const float* g = AT(const float*, g_at);
  float* out = AT(float*, out_at);
  for (int c = 0; c < stride; c += 4) {
    v128_t acc = accumulate ? wasm_v128_load(out + c) : SPLAT(0.0f);
    for (int r = 0; r < n; r++) acc = wasm_f32x4_add(acc, wasm_v128_load(g + r * stride + c));
    wasm_v128_store(out + c, acc);
  }
}

// e^x for four floats: x = k·ln 2 + r, e^r by Cephes' expf polynomial (≈ 1 ulp), 2^k in the exponent bits;
// x is clamped to [−87, 88] (beyond, the sigmoid and softplus below are exact to float32 anyway), by pmin
// and pmax (one x86 instruction each, where V8 builds f32x4.min and max from eight): the same values for
// every x, NaN included.
static v128_t exp4(v128_t x) {
  x = wasm_f32x4_pmax(wasm_f32x4_pmin(x, SPLAT(88.0f)), SPLAT(-87.0f));
  // Adding 1.5·2²³ rounds x·log₂e to an integer k held in the low mantissa bits (|k| ≤ 127).
  v128_t shifted = wasm_f32x4_add(wasm_f32x4_mul(x, SPLAT(1.44269504088896341f)), SPLAT(12582912.0f));
  v128_t k = wasm_f32x4_sub(shifted, SPLAT(12582912.0f));
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(k, SPLAT(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(k, SPLAT(-2.12194440e-4f)));
  v128_t p = SPLAT(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), SPLAT(5.0000001201e-1f));
  p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), r), SPLAT(1.0f));
  v128_t two_k = wasm_i32x4_shl(wasm_i32x4_sub(shifted, wasm_i32x4_splat(0x4B400000 - 127)), 23);
  return wasm_f32x4_mul(p, two_k);
}

// The reparameterisation: z = μ + σ·ε with σ = e^(log σ² / 2), h holding [μ | log σ²] (n × h_stride), ε
// n × latent (no padding, as drawn in JS; 3 spare values after its end), z and σ n × z_stride (padding
// lanes written 0). Four latent values at a time in float32 (exp4); returns Σ KL(N(μ, σ²) ‖ N(0, I)), each
// row's sum added in double.
double sample(int h_at, int h_stride, int eps_at, int n, int latent, int z_at, int sigma_at, int z_stride) {
  const float* h = AT(const float*, h_at);
  const float* eps = AT(const float*, eps_at);
  float* z = AT(float*, z_at);
  float* sigma = AT(float*, sigma_at);
  v128_t lanes = wasm_i32x4_make(0, 1, 2, 3);
  double kl = 0;
  for (int r = 0; r < n; r++) {
    v128_t row_kl = SPLAT(0.0f);
    for (int j = 0; j < z_stride; j += 4) {
      v128_t live = wasm_i32x4_lt(wasm_i32x4_add(lanes, wasm_i32x4_splat(j)), wasm_i32x4_splat(latent));
      v128_t mu = wasm_v128_and(wasm_v128_load(h + r * h_stride + j), live);
      v128_t log_var = wasm_v128_and(wasm_v128_load(h + r * h_stride + latent + j), live);
      v128_t e = wasm_v128_and(wasm_v128_load(eps + r * latent + j), live);
      v128_t sd = wasm_v128_and(exp4(wasm_f32x4_mul(log_var, SPLAT(0.5f))), live);
      wasm_v128_store(sigma + r * z_stride + j, sd);
      wasm_v128_store(z + r * z_stride + j, wasm_f32x4_add(mu, wasm_f32x4_mul(sd, e)));
      // ½ (μ² + σ² − 1 − log σ²); 0 in the padding lanes (μ = log σ² = 0 there, σ² − 1 masked).
      v128_t term = wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_mul(mu, mu), wasm_f32x4_mul(sd, sd)),
                                   wasm_f32x4_add(SPLAT(1.0f), log_var));
      row_kl = wasm_f32x4_add(row_kl, wasm_v128_and(term, live));
    }
    kl += 0.5 * ((double)wasm_f32x4_extract_lane(row_kl, 0) + (double)wasm_f32x4_extract_lane(row_kl, 1) +
                 (double)wasm_f32x4_extract_lane(row_kl, 2) + (double)wasm_f32x4_extract_lane(row_kl, 3));
  }
  return kl;
}

// The noise of `sample`, drawn as fillStandardNormal (vae-step.ts) draws it, by Marsaglia's polar method,
// from the same generator words in the same order, to the same bits. The logarithm is left to JavaScript's
// Math.log (no log of ours matches it to the last bit), so it runs in three parts:
//   polar_pairs — from the 32-bit words at words_at: u = 2·(w / 2³²) − 1 and v likewise, in double, and the
//     pairs with 0 < s = u² + v² < 1 kept as (u, v, s, ·) in `pairs`, until `wanted` are kept or fewer than
//     two words are left; writes the pairs kept to *kept_at and returns the words used;
//   the caller writes Math.log(s) into each pair's fourth value;
//   polar_scale — out[0, count) = u·f, v·f, … with f = √(−2 log s / s), as float32.
int polar_pairs(int words_at, int words, int pairs_at, int wanted, int kept_at) {
  const unsigned* word = AT(const unsigned*, words_at);
  double* pairs = AT(double*, pairs_at);
  int used = 0, kept = 0;
  while (kept < wanted && used + 2 <= words) {
    double u = 2 * ((double)word[used] / 4294967296.0) - 1;
    double v = 2 * ((double)word[used + 1] / 4294967296.0) - 1;
    used += 2;
    double s = u * u + v * v;
    pairs[4 * kept] = u;
    pairs[4 * kept + 1] = v;
    pairs[4 * kept + 2] = s;
    kept += s < 1 && s != 0;
  }
  *AT(int*, kept_at) = kept;
  return used;
}

void polar_scale(int pairs_at, int count, int out_at) {
  const double* pairs = AT(const double*, pairs_at);
  float* out = AT(float*, out_at);
  for (int i = 0; i < count; i += 2) {
    const double* pair = pairs + 2 * i;
    double factor = __builtin_sqrt((-2 * pair[3]) / pair[2]);
    out[i] = (float)(pair[0] * factor);
    if (i + 1 < count) out[i + 1] = (float)(pair[1] * factor);
  }
}

// ∂loss/∂[μ | log σ²] (n × h_stride) from ∂loss/∂z (dz, n × z_stride): dz + β·μ/n and
// ½ (dz · ε · σ + β·(σ² − 1)/n), `scale` = β/n (the float32 σ, as vae-step.ts keeps it).
void head_gradient(int h_at, int h_stride, int dz_at, int eps_at, int sigma_at, int z_stride, int n,
                   int latent, double scale, int out_at) {
  const float* h = AT(const float*, h_at);
  const float* dz = AT(const float*, dz_at);
  const float* eps = AT(const float*, eps_at);
  const float* sigma = AT(const float*, sigma_at);
  float* out = AT(float*, out_at);
  for (int r = 0; r < n; r++) {
    for (int j = 0; j < latent; j++) {
      double sd = sigma[r * z_stride + j];
      double d = dz[r * z_stride + j];
      out[r * h_stride + j] = (float)(d + scale * h[r * h_stride + j]);
      out[r * h_stride + latent + j] = (float)(0.5 * (d * eps[r * latent + j] * sd + scale * (sd * sd - 1)));
    }
  }
}

// log x in double for x > 0 (normal): x = m·2^e with m in [√½, √2), log m = 2·atanh(t), t = (m − 1)/(m + 1),
// |t| ≤ 0.172, by its series to t¹⁹ (error below 10⁻¹⁶).
static double log_double(double x) {
  union {
    double d;
    long long i;
  } bits = {x};
  long long e = ((bits.i >> 52) & 0x7ff) - 1023;
  bits.i = (bits.i & 0x000fffffffffffffLL) | 0x3ff0000000000000LL;
  double m = bits.d;
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e++;
  }
  double t = (m - 1) / (m + 1);
  double t2 = t * t;
  double p = 1.0 / 19;
  for (int k = 17; k >= 1; k -= 2) p = p * t2 + 1.0 / k;
  return (double)e * 0.6931471805599453 + 2 * t * p;
}

// The reconstruction term of the decoder's logits o against the inputs x (both n × stride, `cols` real
// columns): returns its sum over every row and column, and writes g = scale · ∂term/∂o (padding lanes 0).
//   bce (kind 0): softplus(o) − x·o, ∂ = σ(o) − x;   mse (kind 1): (σ(o) − x)², ∂ = 2(σ(o) − x)σ(o)(1 − σ(o)).
// With e = e^(−|o|) and d = 1/(1 + e) ∈ [½, 1]: σ(o) = d for o > 0, e·d otherwise; softplus(o) = max(o, 0)
// − log d. The logs are not taken one by one: each lane multiplies up to 32 of its d's (≥ 2⁻³²), and the four
// lanes' products are logged at once, in double (as vae-loss.ts does in JavaScript).
double reconstruction(int o_at, int x_at, int n, int cols, int stride, int kind, float scale, int g_at) {
  const float* o = AT(const float*, o_at);
  const float* x = AT(const float*, x_at);
  float* g = AT(float*, g_at);
  v128_t lanes = wasm_i32x4_make(0, 1, 2, 3);
  double total = 0;
  for (int r = 0; r < n; r++) {
    v128_t row_total = SPLAT(0.0f);
    v128_t product = SPLAT(1.0f);
    int factors = 0;
    for (int c = 0; c < stride; c += 4) {
      int at = r * stride + c;
      v128_t live = wasm_i32x4_lt(wasm_i32x4_add(lanes, wasm_i32x4_splat(c)), wasm_i32x4_splat(cols));
      v128_t logit = wasm_v128_load(o + at);
      v128_t target = wasm_v128_load(x + at);
      v128_t e = exp4(wasm_f32x4_neg(wasm_f32x4_abs(logit)));
      v128_t d = wasm_f32x4_div(SPLAT(1.0f), wasm_f32x4_add(SPLAT(1.0f), e));
      v128_t positive = wasm_f32x4_gt(logit, SPLAT(0.0f));
      v128_t s = wasm_v128_bitselect(d, wasm_f32x4_mul(e, d), positive);
      v128_t error = wasm_f32x4_sub(s, target);
      v128_t term, grad;
      if (kind == 0) {
        // pmax as in relu_list (a logit of −0 gives a term of ±0, which leaves the sums as they were).
        term = wasm_f32x4_sub(wasm_f32x4_pmax(logit, SPLAT(0.0f)), wasm_f32x4_mul(target, logit));
        product = wasm_f32x4_mul(product, wasm_v128_bitselect(d, SPLAT(1.0f), live));
        if (++factors == 32 || c + 4 >= stride) {
          total -= log_double((double)wasm_f32x4_extract_lane(product, 0) * wasm_f32x4_extract_lane(product, 1) *
                              wasm_f32x4_extract_lane(product, 2) * wasm_f32x4_extract_lane(product, 3));
          product = SPLAT(1.0f);
          factors = 0;
        }
        grad = wasm_f32x4_mul(error, SPLAT(scale));
      } else {
        term = wasm_f32x4_mul(error, error);
        grad = wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_mul(error, SPLAT(2.0f * scale)), s),
                              wasm_f32x4_sub(SPLAT(1.0f), s));
      }
      row_total = wasm_f32x4_add(row_total, wasm_v128_and(term, live));
      wasm_v128_store(g + at, wasm_v128_and(grad, live));
    }
    total += (double)wasm_f32x4_extract_lane(row_total, 0) + (double)wasm_f32x4_extract_lane(row_total, 1) +
             (double)wasm_f32x4_extract_lane(row_total, 2) + (double)wasm_f32x4_extract_lane(row_total, 3);
  }
  return total;
}

#include "../../../fit/wasm/adam.h"
