// The FCNN's whole training step (src/models/fcnn/step-kernel.ts lays out the memory and calls it;
// src/models/fcnn/training-step.ts is the reference it is tested against, bit for bit):
//
//   forward:  per hidden block z = a·W over the non-zero inputs, BatchNorm with the batch's statistics
//             (double), ReLU, dropout (16-bit draws from JS's generator), then logits = a·W + b
//   (JS:      softmax cross-entropy on the logits: dlogits and the output bias gradient)
//   backward: per layer, top down: the block's ReLU-and-dropout gate and BatchNorm gradient (double),
//             ∂W = aᵀ·dz over the non-zero inputs, dh = dz·Wᵀ (dense, register tiles) for the layer below
//   adam:     the project's Adam (src/fit/adam.ts) in double, over every parameter
//
// The weights, BatchNorm's moving statistics and Adam's moments stay here for a whole epoch. The training
// matrix lives here once per stage as lists of its non-zero entries; a batch is a range of the epoch's row
// order, whose lists `forward` gathers. Matrices are row-major with a row pitch rounded up to 4 floats;
// padding lanes of weights, γ and β are zero, which keeps every padding lane of z, a and dz at zero.
//
// Every operation is the reference's, in its order: the products sum in k order from the bias (or 0) with
// a separate multiply and add (as the engine's matmul and sparse-rows.c do), weight gradients add row after
// row, and the BatchNorm loops are batch-norm-block.c's double arithmetic and training-step.ts's per-unit
// arithmetic.
#include <wasm_simd128.h>

extern unsigned char __heap_base;

// First free byte after the module's data and stack: the caller's buffers start here.
int scratch_base(void) { return (int)&__heap_base; }

#define AT(type, offset) ((type)(unsigned long)(offset))

// One dense layer (hidden blocks first, the output layer last), byte offsets written by the caller.
typedef struct {
  int inputs, units, ip, up;             // sizes; ip, up: pitches of the input and of this layer's rows
  int w, gw, wt;                         // inputs × up, its gradient, Wᵀ (units × ip, layers ≥ 1)
  int bias, gbias;                       // up (output layer; 0 for a hidden block)
  int gamma, beta, ggamma, gbeta;        // up floats (hidden blocks)
  int mmean, mvar;                       // moving statistics, up floats
  int mean, istd, s1, s2, c1, c2, c3;    // up doubles each: per-unit scratch
  int z, a, dh, draws;                   // n × up floats (z: logits for the output layer; dh: its dz);
                                         // n·units 16-bit draws
  int starts, idx, val;                  // lists of the non-zero entries of this layer's input rows
} Layer;

typedef struct {
  int blocks;                // hidden blocks; blocks + 1 layers
  int layers;                // offset of Layer[blocks + 1]
  int starts, idx, val;      // the training matrix's non-zero entries, by row
  int bfrom;                 // scratch: where each batch row's list starts in the matrix's
  int zeros;                 // max pitch zeros (the hidden products' "bias")
} Net;

static void zero(float* to, int count) {
  for (int i = 0; i < count; i += 4) wasm_v128_store(to + i, wasm_f32x4_splat(0.0f));
}

#include "../../../engine/wasm/sparse-chunks.h"

// c[r, v-th vector] = Σₖ a[r, k] · b[k, v-th vector] for an R-row × V-vector tile, k ascending from 0,
// the accumulators in registers.
#define GEMM_TILE(R, V)                                                                              \
  static void tile##R##x##V(const float* a, int lda, int K, const float* b, int ldb, float* c,       \
                            int ldc) {                                                               \
    v128_t acc[R][V];                                                                                \
    _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++)                                   \
        _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[r][v] =                   \
            wasm_f32x4_splat(0.0f);                                                                  \
    for (int k = 0; k < K; k++) {                                                                    \
      const float* brow = b + k * ldb;                                                               \
      v128_t bv[V];                                                                                  \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) bv[v] = wasm_v128_load(brow + 4 * v); \
      _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                               \
        v128_t s = wasm_v128_load32_splat(a + r * lda + k);                                          \
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

// c (m × vecs vectors, pitch ldc) = a (m × K, pitch lda) · b (K × ldb).
static void gemm(const float* a, int lda, int m, int K, const float* b, int ldb, int vecs, float* c, int ldc) {
  int r = 0;
  for (; r + 4 <= m; r += 4) {
    int v = 0;
    for (; v + 2 <= vecs; v += 2) tile4x2(a + r * lda, lda, K, b + 4 * v, ldb, c + r * ldc + 4 * v, ldc);
    for (; v < vecs; v++) tile4x1(a + r * lda, lda, K, b + 4 * v, ldb, c + r * ldc + 4 * v, ldc);
  }
  for (; r < m; r++) {
    int v = 0;
    for (; v + 2 <= vecs; v += 2) tile1x2(a + r * lda, lda, K, b + 4 * v, ldb, c + r * ldc + 4 * v, ldc);
    for (; v < vecs; v++) tile1x1(a + r * lda, lda, K, b + 4 * v, ldb, c + r * ldc + 4 * v, ldc);
  }
}

// z (n × pitch) = bias + x · w (w: inputs × pitch), x given by its lists.
static void sparse_product(const int* starts, const int* idx, const float* val, int n, const float* w,
                           int pitch, const float* bias, float* z_all) {
  for (int r = 0; r < n; r++) {
    float* z = z_all + r * pitch;
    int from = starts[r], to = starts[r + 1];
    sparse_row(idx, val, from, to, w, pitch, bias, z);
  }
}

// gw (inputs × pitch) = xᵀ · d (d: n × pitch): zeroed, then rows in order, each row's list in order.
static void sparse_gradient(const int* starts, const int* idx, const float* val, int n, int inputs,
                            const float* d_all, int pitch, float* gw) {
  zero(gw, inputs * pitch);
  for (int r = 0; r < n; r++) {
    const float* d = d_all + r * pitch;
    int from = starts[r], to = starts[r + 1];
    scatter_row(idx, val, from, to, d, gw, pitch);
  }
}

// Lists the non-zero entries of the n rows of a (n × pitch), k ascending (sparse-chunks.h's list_rows).
static void list_nonzeros(const float* a, int n, int pitch, int* starts, int* idx, float* val) {
  list_rows(a, n, pitch, pitch, idx, val, starts, 0);
}

// Gathers the lists of the rows order[0..n) of the training matrix into layer 0's lists (sparse-chunks.h).
static void gather(const Net* net, const Layer* L, const int* order, int n) {
  gather_lists(AT(const int*, net->starts), AT(const int*, net->idx), AT(const float*, net->val), order, n,
              AT(int*, net->bfrom), AT(int*, L->starts), AT(int*, L->idx), AT(float*, L->val));
}

// Two float32 at p, widened to f64x2.
static inline v128_t load2(const float* p) { return wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(p)); }

// s1[j] = Σᵢ z[i, j], s2[j] = Σᵢ z[i, j]², i ascending, in double.
static void column_sums(const float* z, int n, int up, double* s1, double* s2) {
  for (int j = 0; j < up; j += 4) {
    v128_t a0 = wasm_f64x2_splat(0), a1 = a0, q0 = a0, q1 = a0;
    for (int i = 0; i < n; i++) {
      const float* row = z + i * up + j;
      v128_t v0 = load2(row), v1 = load2(row + 2);
      a0 = wasm_f64x2_add(a0, v0);
      q0 = wasm_f64x2_add(q0, wasm_f64x2_mul(v0, v0));
      a1 = wasm_f64x2_add(a1, v1);
      q1 = wasm_f64x2_add(q1, wasm_f64x2_mul(v1, v1));
    }
    wasm_v128_store(s1 + j, a0);
    wasm_v128_store(s1 + j + 2, a1);
    wasm_v128_store(s2 + j, q0);
    wasm_v128_store(s2 + j + 2, q1);
  }
}

// BatchNorm (batch statistics) → ReLU → dropout of hidden block L on its z, into a; moves the moving
// statistics. The per-unit arithmetic is training-step.ts's blockForward, the element loop
// batch-norm-block.c's normalise_relu_dropout (draws indexed by i · units + j).
static void block_forward(const Layer* L, int n, int threshold, double half_keep, double momentum,
                          double epsilon) {
  int up = L->up;
  const float* z = AT(const float*, L->z);
  double* mean = AT(double*, L->mean);
  double* istd = AT(double*, L->istd);
  double* sum_squares = AT(double*, L->s2);
  double* scale = AT(double*, L->c1);
  double* shift = AT(double*, L->c2);
  const float* gamma = AT(const float*, L->gamma);
  const float* beta = AT(const float*, L->beta);
  float* mmean = AT(float*, L->mmean);
  float* mvar = AT(float*, L->mvar);
  column_sums(z, n, up, mean, sum_squares);
  for (int j = 0; j < up; j++) {
    mean[j] /= n;
    double variance = sum_squares[j] / n - mean[j] * mean[j];
    if (variance < 0) variance = 0;  // Math.max(0, ·); NaN passes through as there
    istd[j] = 1 / __builtin_sqrt(variance + epsilon);
    scale[j] = gamma[j] * istd[j];
    shift[j] = beta[j] - mean[j] * scale[j];
    mmean[j] = (float)(momentum * mmean[j] + (1 - momentum) * mean[j]);
    mvar[j] = (float)(momentum * mvar[j] + (1 - momentum) * variance);
  }
  const unsigned short* draws = AT(const unsigned short*, L->draws);
  float* out = AT(float*, L->a);
  v128_t keep = wasm_f64x2_splat(half_keep);
  v128_t limit = wasm_i32x4_splat(threshold);
  for (int i = 0; i < n; i++) {
    const float* zr = z + i * up;
    const unsigned short* dr = draws + i * L->units;
    float* o = out + i * up;
    for (int j = 0; j < up; j += 2) {
      v128_t y = wasm_f64x2_add(wasm_f64x2_mul(load2(zr + j), wasm_v128_load(scale + j)),
                                wasm_v128_load(shift + j));
      v128_t d = wasm_u32x4_extend_low_u16x8(wasm_v128_load32_zero(dr + j));
      v128_t kept = wasm_i64x2_extend_low_i32x4(wasm_i32x4_ge(d, limit));
      v128_t r = wasm_f64x2_mul(wasm_f64x2_add(y, wasm_f64x2_abs(y)), wasm_v128_and(keep, kept));
      wasm_v128_store64_lane(o + j, wasm_f32x4_demote_f64x2_zero(r), 0);
    }
  }
}

// The whole forward pass over the rows order[0..n) of the last `set_order`: logits into the output
// layer's z. The dropout draws of every block must be in place (JS fills them from the epoch's generator).
void forward(int net_at, int order_at, int n, int threshold, double half_keep, double momentum,
             double epsilon) {
  const Net* net = AT(const Net*, net_at);
  const Layer* layers = AT(const Layer*, net->layers);
  gather(net, &layers[0], AT(const int*, order_at), n);
  for (int l = 0; l <= net->blocks; l++) {
    const Layer* L = &layers[l];
    if (l > 0) {
      const Layer* below = &layers[l - 1];
      list_nonzeros(AT(const float*, below->a), n, below->up, AT(int*, L->starts), AT(int*, L->idx),
                    AT(float*, L->val));
    }
    const float* bias = AT(const float*, l == net->blocks ? L->bias : net->zeros);
    sparse_product(AT(const int*, L->starts), AT(const int*, L->idx), AT(const float*, L->val), n,
                   AT(const float*, L->w), L->up, bias, AT(float*, L->z));
    if (l < net->blocks) block_forward(L, n, threshold, half_keep, momentum, epsilon);
  }
}

// Turns dh (the block's rows' upstream gradient, in L->dh) into dz in place and writes ∂γ, ∂β:
// batch-norm-block.c's gate_sums and batch_norm_gradient around training-step.ts's per-unit arithmetic.
static void block_backward(const Layer* L, int n, double keep) {
  int up = L->up;
  float* dh = AT(float*, L->dh);
  const float* a = AT(const float*, L->a);
  const float* z = AT(const float*, L->z);
  double* sum_dy = AT(double*, L->s1);
  double* sum_dyz = AT(double*, L->s2);
  v128_t keep2 = wasm_f64x2_splat(keep);
  for (int j = 0; j < up; j += 4) {
    v128_t s0 = wasm_f64x2_splat(0), s1 = s0, q0 = s0, q1 = s0;
    for (int i = 0; i < n; i++) {
      int at = i * up + j;
      v128_t passed = wasm_f32x4_gt(wasm_v128_load(a + at), wasm_f32x4_splat(0.0f));
      v128_t factor0 = wasm_v128_and(keep2, wasm_i64x2_extend_low_i32x4(passed));
      v128_t factor1 = wasm_v128_and(keep2, wasm_i64x2_extend_high_i32x4(passed));
      v128_t d = wasm_v128_load(dh + at);
      v128_t dy0 = wasm_f64x2_mul(wasm_f64x2_promote_low_f32x4(d), factor0);
      v128_t dy1 = wasm_f64x2_mul(load2(dh + at + 2), factor1);
      v128_t z0 = load2(z + at), z1 = load2(z + at + 2);
      s0 = wasm_f64x2_add(s0, dy0);
      s1 = wasm_f64x2_add(s1, dy1);
      q0 = wasm_f64x2_add(q0, wasm_f64x2_mul(dy0, z0));
      q1 = wasm_f64x2_add(q1, wasm_f64x2_mul(dy1, z1));
      wasm_v128_store(dh + at, wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(dy0),
                                                  wasm_f32x4_demote_f64x2_zero(dy1), 0, 1, 4, 5));
    }
    wasm_v128_store(sum_dy + j, s0);
    wasm_v128_store(sum_dy + j + 2, s1);
    wasm_v128_store(sum_dyz + j, q0);
    wasm_v128_store(sum_dyz + j + 2, q1);
  }
  const double* mean = AT(const double*, L->mean);
  const double* istd = AT(const double*, L->istd);
  const float* gamma = AT(const float*, L->gamma);
  float* ggamma = AT(float*, L->ggamma);
  float* gbeta = AT(float*, L->gbeta);
  double* c1 = AT(double*, L->c1);
  double* c2 = AT(double*, L->c2);
  double* c3 = AT(double*, L->c3);
  for (int j = 0; j < up; j++) {
    double sum_dy_xhat = (sum_dyz[j] - mean[j] * sum_dy[j]) * istd[j];
    gbeta[j] = (float)sum_dy[j];
    ggamma[j] = (float)sum_dy_xhat;
    double scale = gamma[j] * istd[j];
    double mean_dy_xhat = sum_dy_xhat / n;
    c1[j] = scale;
    c2[j] = -scale * mean_dy_xhat * istd[j];
    c3[j] = -scale * (sum_dy[j] / n - mean_dy_xhat * mean[j] * istd[j]);
  }
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < up; j += 2) {
      int at = i * up + j;
      v128_t dz = wasm_f64x2_add(wasm_f64x2_add(wasm_f64x2_mul(wasm_v128_load(c1 + j), load2(dh + at)),
                                                wasm_f64x2_mul(wasm_v128_load(c2 + j), load2(z + at))),
                                 wasm_v128_load(c3 + j));
      wasm_v128_store64_lane(dh + at, wasm_f32x4_demote_f64x2_zero(dz), 0);
    }
  }
}

// Everything after the loss: the output layer's dz (dlogits, in its dh) and bias gradient are in place
// (written by JS). Fills every other gradient (means over the batch, as the reference's).
void backward(int net_at, int n, double keep) {
  const Net* net = AT(const Net*, net_at);
  const Layer* layers = AT(const Layer*, net->layers);
  for (int l = net->blocks; l >= 0; l--) {
    const Layer* L = &layers[l];
    if (l < net->blocks) block_backward(L, n, keep);
    sparse_gradient(AT(const int*, L->starts), AT(const int*, L->idx), AT(const float*, L->val), n,
                    L->inputs, AT(const float*, L->dh), L->up, AT(float*, L->gw));
    if (l == 0) break;
    // dh of the block below = dz · Wᵀ, Wᵀ rebuilt from this step's weights (its padding columns stay 0).
    const float* w = AT(const float*, L->w);
    float* wt = AT(float*, L->wt);
    for (int j = 0; j < L->inputs; j++)
      for (int c = 0; c < L->units; c++) wt[c * L->ip + j] = w[j * L->up + c];
    const Layer* below = &layers[l - 1];
    gemm(AT(const float*, L->dh), L->up, n, L->units, wt, L->ip, L->ip / 4, AT(float*, below->dh), L->ip);
  }
}

#include "../../../fit/wasm/adam.h"

// Adam over `count` parameters whose (values, gradient, m, v, length) offsets are at `table` (5 ints each).
void adam_all(int table_at, int count, double beta1, double beta2, double step_size, double root_scale,
              double shift) {
  const int* t = AT(const int*, table_at);
  for (int k = 0; k < count; k++, t += 5)
    adam(t[0], t[1], t[2], t[3], t[4], 1.0, 0.0, 1, beta1, beta2, step_size, root_scale, shift);
}
