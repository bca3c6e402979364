// The sparse autoencoder's whole pretraining step (src/models/sae/autoencoder-kernel.ts lays out the memory
// and calls it; src/models/sae/autoencoder-step.ts is the reference it is tested against):
//
//   encode:   h = σ(x W₁ + b₁) over the non-zero inputs of the batch's rows, and Σᵢ hᵢ (for ρ̂)
//   backward: r = σ(h W₂ + b₂), e = r − x, Σ e², δout = e·r·(1 − r), ∂b₂ = Σᵢ δoutᵢ, ∂W₂ = hᵀ δout,
//             δh = (δout W₂ᵀ + g)·h·(1 − h) with g the sparsity penalty's per-unit gradient (from JS),
//             ∂b₁ = Σᵢ δhᵢ, ∂W₁ = xᵀ δh over the non-zero inputs
//   adam:     the project's Adam update (src/fit/adam.ts, 'explicit' bias correction) in double, as in JS
//
// The training matrix lives here once per stage as lists of its non-zero entries (row starts, column
// indices, values); a batch is a list of row numbers. Matrices are row-major with a row pitch rounded up to
// 4 floats; padding lanes of h, δout and δh are kept at zero so that no padding reaches a gradient.
// Every product sums in k order from its bias (or 0) with a separate multiply and add, as XNNPACK's do.
#include <wasm_simd128.h>

extern unsigned char __heap_base;

// First free byte after the module's data and stack: the caller's buffers start here.
int scratch_base(void) { return (int)&__heap_base; }

#define AT(type, offset) ((type)(unsigned long)(offset))

// Byte offsets of every buffer and the sizes, written once by the caller (same order there).
typedef struct {
  int features, hidden, dp, hp;  // D, H and their pitches (rounded up to 4)
  int starts, idx, val;          // the training matrix's non-zero entries, by row
  int bstarts, bidx, bval;       // the same for the batch's rows, gathered by `encode`
  int bfrom;                     // where each of the batch's lists starts in the matrix's
  int w1, b1, w2, b2;            // D × hp, hp, H × dp, dp
  int gw1, gb1, gw2, gb2;        // gradients, same shapes
  int h, hsum, unit_grad;        // rows × hp activations, their column sums, g (hp)
  int out, xb, dh, w2t, zeros;   // rows × dp (r, then δout), rows × dp (x), rows × hp, D × hp (W₂ᵀ), max(dp, hp) zeros
} Layout;

// The loops' vector constants, in memory. Written in the code, clang would rematerialise each as a
// v128.const inside the loop, and V8 builds every v128.const from general registers (about four
// instructions); loaded from memory each is one instruction, or an operand. `init` fills them once.
typedef struct {
  v128_t one, zmax, zmin, log2e, round, ln2_hi, ln2_lo, c7, c6, c5, c4, c3, c2, bias, lanes;
} Constants;
static Constants K;

void init(void) {
  K.one = wasm_f32x4_splat(1.0f);
  K.zmax = wasm_f32x4_splat(87.0f);
  K.zmin = wasm_f32x4_splat(-88.0f);
  K.log2e = wasm_f32x4_splat(1.44269504088896341f);
  K.round = wasm_f32x4_splat(12582912.0f);
  K.ln2_hi = wasm_f32x4_splat(0.693359375f);
  K.ln2_lo = wasm_f32x4_splat(-2.12194440e-4f);
  K.c7 = wasm_f32x4_splat(1.0f / 5040.0f);
  K.c6 = wasm_f32x4_splat(1.0f / 720.0f);
  K.c5 = wasm_f32x4_splat(1.0f / 120.0f);
  K.c4 = wasm_f32x4_splat(1.0f / 24.0f);
  K.c3 = wasm_f32x4_splat(1.0f / 6.0f);
  K.c2 = wasm_f32x4_splat(0.5f);
  K.bias = wasm_i32x4_splat(127 << 23);
  K.lanes = wasm_i32x4_make(0, 1, 2, 3);
}

// σ(z) = 1 / (1 + exp(−z)), exp(y) for y = −z clamped to [−87, 88] (so 2ⁿ below stays a normal float):
// y = n ln 2 + r with |r| ≤ ln 2 / 2 (n rounded by adding 1.5·2²³, whose low mantissa bits then hold n),
// e^r by its Taylor series to r⁷ (truncation < 1e−8 relative), 2ⁿ built in the exponent bits. No
// f32x4.max / nearest / trunc_sat: V8 expands each of them into several instructions.
// y and r are never formed: the code holds −y (z clamped to [−88, 87]) and −r, and each step is the one on
// y and r with the signs flipped, which rounding to nearest even leaves exact (−a − b = −(a + b),
// (−a)·b = −(a·b)), so the bits are those of the steps on y and r, one f32x4.neg (several instructions
// in V8) fewer: 1657–1682 → 1632–1646 µs a 1024-row encode + backward.
static v128_t sigmoid(v128_t z) {
  v128_t zc = wasm_f32x4_pmax(wasm_f32x4_pmin(z, K.zmax), K.zmin);
  v128_t t = wasm_f32x4_sub(K.round, wasm_f32x4_mul(zc, K.log2e));
  v128_t n = wasm_f32x4_sub(t, K.round);
  v128_t r = wasm_f32x4_add(zc, wasm_f32x4_mul(n, K.ln2_hi));
  r = wasm_f32x4_add(r, wasm_f32x4_mul(n, K.ln2_lo));
  v128_t p = wasm_f32x4_sub(K.c6, wasm_f32x4_mul(K.c7, r));
  p = wasm_f32x4_sub(K.c5, wasm_f32x4_mul(p, r));
  p = wasm_f32x4_sub(K.c4, wasm_f32x4_mul(p, r));
  p = wasm_f32x4_sub(K.c3, wasm_f32x4_mul(p, r));
  p = wasm_f32x4_sub(K.c2, wasm_f32x4_mul(p, r));
  p = wasm_f32x4_sub(K.one, wasm_f32x4_mul(p, r));
  p = wasm_f32x4_sub(K.one, wasm_f32x4_mul(p, r));
  // t's bits are 0x4B400000 + n: shifted left by 23 only n's bits survive (mod 2³²).
  v128_t e = wasm_f32x4_mul(p, wasm_i32x4_add(wasm_i32x4_shl(t, 23), K.bias));
  return wasm_f32x4_div(K.one, wasm_f32x4_add(K.one, e));
}

// All lanes set below `valid` (1..4), the others clear: masks a row's last vector.
static v128_t lanes_below(int valid) { return wasm_i32x4_lt(K.lanes, wasm_i32x4_splat(valid)); }

#include "../../../engine/wasm/sparse-chunks.h"

// c[r, v-th vector] = bias[r·brs + v-th vector] + Σₖ a(r, k) · b[k, v-th vector] for an R-row × V-vector
// tile, k ascending, with a(r, k) at a[r·ars + k·aks] (so a may be read transposed) and the accumulators in
// registers. brs = 0 adds one bias row to every row; brs = ldc and bias = c continues sums left in c.
#define GEMM_TILE(R, V)                                                                              \
  static void tile##R##x##V(const float* a, int ars, int aks, int K, const float* b, int ldb,        \
                            const float* bias, int brs, float* c, int ldc) {                         \
    v128_t acc[R][V];                                                                                \
    _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++)                                   \
        _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[r][v] =                   \
            wasm_v128_load(bias + r * brs + 4 * v);                                                  \
    for (int k = 0; k < K; k++) {                                                                    \
      const float* brow = b + k * ldb;                                                               \
      v128_t bv[V];                                                                                  \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) bv[v] = wasm_v128_load(brow + 4 * v); \
      const float* ak = a + k * aks;                                                                 \
      _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                               \
        v128_t s = wasm_v128_load32_splat(ak + r * ars);                                             \
        _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[r][v] =                   \
            wasm_f32x4_add(acc[r][v], wasm_f32x4_mul(s, bv[v]));                                     \
      }                                                                                              \
    }                                                                                                \
    _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++)                                   \
        _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++)                               \
            wasm_v128_store(c + r * ldc + 4 * v, acc[r][v]);                                         \
  }
GEMM_TILE(4, 2)
GEMM_TILE(4, 1)
GEMM_TILE(1, 2)
GEMM_TILE(1, 1)

// c (m × vecs vectors, pitch ldc) = bias (rows brs apart) + a · b, a given by its strides (see GEMM_TILE),
// b K × ldb. Tiles
// of 4 rows × 2 vectors (8 accumulators): measured ≈ 10 % faster per step than 4 × 3, 3 × 3, 2 × 3, 2 × 4,
// 3 × 2 or 5 × 2 (V8 has 16 SIMD registers; 4 × 3 needs all 16 and spills).
static void gemm(const float* a, int ars, int aks, int m, int K, const float* b, int ldb, int vecs,
                 const float* bias, int brs, float* c, int ldc) {
  int full = m / 4 * 4;
  // Column tiles outside, row tiles inside: a column tile's K rows of b (each in its own cache line) come
  // from L1 for every row tile after the first (∂W₂'s 16 row tiles: 1480 → 1440 µs a 1024-row backward).
  int v = 0;
  for (; v + 2 <= vecs; v += 2)
    for (int r = 0; r < full; r += 4)
      tile4x2(a + r * ars, ars, aks, K, b + 4 * v, ldb, bias + r * brs + 4 * v, brs, c + r * ldc + 4 * v, ldc);
  for (; v < vecs; v++)
    for (int r = 0; r < full; r += 4)
      tile4x1(a + r * ars, ars, aks, K, b + 4 * v, ldb, bias + r * brs + 4 * v, brs, c + r * ldc + 4 * v, ldc);
  for (int r = full; r < m; r++) {
    const float* ar = a + r * ars;
    float* cr = c + r * ldc;
    int u = 0;
    for (; u + 2 <= vecs; u += 2) tile1x2(ar, ars, aks, K, b + 4 * u, ldb, bias + r * brs + 4 * u, brs, cr + 4 * u, ldc);
    for (; u < vecs; u++) tile1x1(ar, ars, aks, K, b + 4 * u, ldb, bias + r * brs + 4 * u, brs, cr + 4 * u, ldc);
  }
}

// Rows of the batch per part of ∂W₂'s sums (a multiple of the decoder's 4-row blocks): their δout (32 × 124
// floats) and h stay in the L1 cache between the decoder's element-wise pass and the product.
#ifndef GW2_ROWS
#define GW2_ROWS 32
#endif

static void zero(float* to, int count) {
  for (int i = 0; i < count; i += 4) wasm_v128_store(to + i, wasm_f32x4_splat(0.0f));
}

// h (n × hp) = σ(x W₁ + b₁) for the rows order[0..n), padding lanes 0; hsum = Σ of the rows, in row order.
void encode(int layout_at, int order_at, int n) {
  const Layout* L = AT(const Layout*, layout_at);
  const int* order = AT(const int*, order_at);
  const int* starts = AT(const int*, L->starts);
  const int* all_idx = AT(const int*, L->idx);
  const float* all_val = AT(const float*, L->val);
  int* bstarts = AT(int*, L->bstarts);
  int* idx = AT(int*, L->bidx);
  float* val = AT(float*, L->bval);
  // The batch's lists, gathered first into one contiguous run (sparse-chunks.h).
  gather_lists(starts, all_idx, all_val, order, n, AT(int*, L->bfrom), bstarts, idx, val);
  const float* w1 = AT(const float*, L->w1);
  const float* b1 = AT(const float*, L->b1);
  float* hsum = AT(float*, L->hsum);
  int hp = L->hp, vecs = hp / 4;
  v128_t last = lanes_below(L->hidden - (hp - 4));
  zero(hsum, hp);
  for (int r = 0; r < n; r++) {
    float* z = AT(float*, L->h) + r * hp;
    int from = bstarts[r], to = bstarts[r + 1];
    sparse_row(idx, val, from, to, w1, hp, b1, z);
    for (int v = 0; v < vecs; v++) {
      v128_t s = sigmoid(wasm_v128_load(z + 4 * v));
      if (v == vecs - 1) s = wasm_v128_and(s, last);
      wasm_v128_store(z + 4 * v, s);
      wasm_v128_store(hsum + 4 * v, wasm_f32x4_add(wasm_v128_load(hsum + 4 * v), s));
    }
  }
}

// Everything after `encode` (for the same rows) and the penalty's gradient g (written to unit_grad by the caller): the four
// gradients (batch sums) into gw1, gb1, gw2, gb2. Returns Σ e² over the batch.
double backward(int layout_at, int n) {
  const Layout* L = AT(const Layout*, layout_at);
  const int* starts = AT(const int*, L->bstarts);
  const int* idx = AT(const int*, L->bidx);
  const float* val = AT(const float*, L->bval);
  const float* h = AT(const float*, L->h);
  const float* w2 = AT(const float*, L->w2);
  float* w2t = AT(float*, L->w2t);
  float* out = AT(float*, L->out);
  float* xb = AT(float*, L->xb);
  float* dh = AT(float*, L->dh);
  float* gw1 = AT(float*, L->gw1);
  float* gb1 = AT(float*, L->gb1);
  float* gb2 = AT(float*, L->gb2);
  int D = L->features, H = L->hidden, dp = L->dp, hp = L->hp;
  int dvecs = dp / 4, hvecs = hp / 4;

  // W₂ᵀ (D × hp), for δout W₂ᵀ as a product with contiguous rows; its padding columns stay 0.
  for (int j = 0; j < H; j++)
    for (int c = 0; c < D; c++) w2t[c * hp + j] = w2[j * dp + c];

  // x of the batch, dense (n × dp, zero outside this step), scattered here and cleared below: long before
  // the vector loads read it back, which a per-row scatter would not be (stores of 4 bytes stall a load of
  // 16 that overlaps them).
  for (int r = 0; r < n; r++)
    for (int i = starts[r]; i < starts[r + 1]; i++) xb[r * dp + idx[i]] = val[i];

  // Decoder pre-activations four rows at a time, each block's r, e = r − x, Σ e², δout and ∂b₂ while the
  // block is in the L1 cache; after every GW2_ROWS rows, ∂W₂ (H × dp) = hᵀ δout over them (h read
  // transposed), their δout and h still in L1: the sums continue from those left in gw2, k ascending from
  // 0, the same additions in the same order as one product over the whole batch, which read δout from L2.
  float* gw2 = AT(float*, L->gw2);
  const float* zeros = AT(const float*, L->zeros);
  v128_t last = lanes_below(D - (dp - 4));
  zero(gb2, dp);
  double sse = 0;
  for (int block = 0; block < n; block += 4) {
    int rows = n - block < 4 ? n - block : 4;
    gemm(h + block * hp, hp, 1, rows, H, w2, dp, dvecs, AT(const float*, L->b2), 0, out + block * dp, dp);
    for (int r = block; r < block + rows; r++) {
      float* o = out + r * dp;
      const float* xr = xb + r * dp;
      v128_t squares = wasm_f32x4_splat(0.0f);
      for (int v = 0; v < dvecs; v++) {
        v128_t s = sigmoid(wasm_v128_load(o + 4 * v));
        v128_t e = wasm_f32x4_sub(s, wasm_v128_load(xr + 4 * v));
        if (v == dvecs - 1) e = wasm_v128_and(e, last);
        squares = wasm_f32x4_add(squares, wasm_f32x4_mul(e, e));
        v128_t d = wasm_f32x4_mul(wasm_f32x4_mul(e, s), wasm_f32x4_sub(K.one, s));
        wasm_v128_store(o + 4 * v, d);
        wasm_v128_store(gb2 + 4 * v, wasm_f32x4_add(wasm_v128_load(gb2 + 4 * v), d));
      }
      sse += (double)wasm_f32x4_extract_lane(squares, 0) + (double)wasm_f32x4_extract_lane(squares, 1) +
             (double)wasm_f32x4_extract_lane(squares, 2) + (double)wasm_f32x4_extract_lane(squares, 3);
    }
    int done = block + rows;
    if (done % GW2_ROWS == 0 || done == n) {
      int first = (done - 1) / GW2_ROWS * GW2_ROWS;
      gemm(h + first * hp, 1, hp, H, done - first, out + first * dp, dp, dvecs, first == 0 ? zeros : gw2,
           first == 0 ? 0 : dp, gw2, dp);
    }
  }
  for (int r = 0; r < n; r++)
    for (int i = starts[r]; i < starts[r + 1]; i++) xb[r * dp + idx[i]] = 0.0f;

  // δh = (δout W₂ᵀ + g) · h · (1 − h) four rows at a time, then for those rows ∂b₁ (row order) and ∂W₁
  // over each row's non-zero inputs.
  zero(gb1, hp);
  zero(gw1, D * hp);
  for (int block = 0; block < n; block += 4) {
    int rows = n - block < 4 ? n - block : 4;
    gemm(out + block * dp, dp, 1, rows, D, w2t, hp, hvecs, AT(const float*, L->unit_grad), 0,
         dh + block * hp, hp);
    for (int r = block; r < block + rows; r++) {
      float* d = dh + r * hp;
      const float* hr = h + r * hp;
      for (int v = 0; v < hvecs; v++) {
        v128_t s = wasm_v128_load(hr + 4 * v);
        v128_t g = wasm_f32x4_mul(wasm_f32x4_mul(wasm_v128_load(d + 4 * v), s), wasm_f32x4_sub(K.one, s));
        wasm_v128_store(d + 4 * v, g);
        wasm_v128_store(gb1 + 4 * v, wasm_f32x4_add(wasm_v128_load(gb1 + 4 * v), g));
      }
      int from = starts[r], to = starts[r + 1];
      scatter_row(idx, val, from, to, d, gw1, hp);
    }
  }
  return sse;
}

#include "../../../fit/wasm/adam.h"
