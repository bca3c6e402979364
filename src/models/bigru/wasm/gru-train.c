// Forward and backward pass through time of the bidirectional GRU (reset-after gates, units a multiple of
// 4), for training. Built by scripts/build-wasm.sh; called from src/models/bigru/gru-kernel.ts, which lays
// out the memory and runs the dense softmax layer on top in JS.
//
// Everything a step needs stays in this module's memory between the forward and the backward pass: the
// input products of all steps, each step's hidden state and gate activations, the gate gradients. The
// matrix products are register-blocked (4 rows × 8 columns of f32x4 accumulators) and the gates of a step
// are computed four units at a time, with the same rational tanh as activations.ts (in float32 here).
//
// Layout (float32, row-major; n rows in the batch, T steps, F values a step, H units, G = 3H):
//   x      [n·T, F]  the batch as given: row i·T + t is step t of row i
//   wcat   [F, 2G]   both directions' input kernels side by side; bcat [2G] their biases
//   u[d]   [H, G]    recurrent kernels; ut[d] [G, H] their transposes; bu[d] [G] recurrent biases
//   gx     [n·T, 2G] input products plus bias, per direction the z, r, n blocks
//   hs[d]  [T+1, n, H]  block s is the state before step s of direction d (block 0 is zero)
//   zs, rs, cs, as[d] [T, n, H]  update gate, reset gate, candidate, Uₙh + bₙ per step
//   dh[d]  [n, H]    d loss / d state, written by the caller for the final state before `gru_backward`
//   dgx    [n·T, 2G] gate pre-activation gradients (input side); dgh[d] [T, n, G] (recurrent side)
//   grads: dwcat [F, 2G], dbcat [2G], du[d] [H, G], dbu[d] [G]; dx [n·T, F]; wcatT [2G, F]
//   the dense head (K classes): wout [2H, K], woutT [K, 2H], bout [K]; logits, dlogits [n, K]; dwout [2H, K]
#include <wasm_simd128.h>

extern unsigned char __heap_base;

// First free byte after the module's data and stack: the caller's buffers start here.
int gru_scratch_base(void) { return (int)&__heap_base; }

#define AT(type, offset) ((type)(unsigned long)(offset))

// Field indices of the context: an int array the caller fills with the sizes and buffer offsets.
enum {
  C_T, C_F, C_H, C_X, C_WCAT, C_BCAT, C_U0, C_U1, C_UT0, C_UT1, C_BU0, C_BU1, C_GX, C_HS0, C_HS1,
  C_Z0, C_Z1, C_R0, C_R1, C_C0, C_C1, C_A0, C_A1, C_GH, C_DH0, C_DH1, C_DGX, C_DGH0, C_DGH1,
  C_DWCAT, C_DBCAT, C_DU0, C_DU1, C_DBU0, C_DBU1, C_DX, C_WCATT, C_K, C_WOUT, C_WOUTT, C_BOUT, C_LOGITS,
  C_DLOGITS, C_DWOUT, C_FIELDS
};

int gru_context_fields(void) { return C_FIELDS; }

// ---- activations: Eigen's float tanh (odd degree-13 over even degree-6, clamped to ±7.905), f32x4 ----

static inline v128_t tanh4(v128_t x) {
  const v128_t clamp = wasm_f32x4_splat(7.90531110763549805f);
  v128_t c = wasm_f32x4_pmax(wasm_f32x4_pmin(x, clamp), wasm_f32x4_neg(clamp));
  v128_t c2 = wasm_f32x4_mul(c, c);
  v128_t p = wasm_f32x4_splat(-2.76076847742355e-16f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, c2), wasm_f32x4_splat(2.00018790482477e-13f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, c2), wasm_f32x4_splat(-8.60467152213735e-11f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, c2), wasm_f32x4_splat(5.12229709037114e-8f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, c2), wasm_f32x4_splat(1.48572235717979e-5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, c2), wasm_f32x4_splat(6.37261928875436e-4f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, c2), wasm_f32x4_splat(4.89352455891786e-3f));
  v128_t q = wasm_f32x4_splat(1.19825839466702e-6f);
  q = wasm_f32x4_add(wasm_f32x4_mul(q, c2), wasm_f32x4_splat(1.18534705686654e-4f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, c2), wasm_f32x4_splat(2.268434632439e-3f));
  q = wasm_f32x4_add(wasm_f32x4_mul(q, c2), wasm_f32x4_splat(4.89352518554385e-3f));
  return wasm_f32x4_div(wasm_f32x4_mul(c, p), q);
}

// σ(x) = (1 + tanh(x / 2)) / 2.
static inline v128_t sigmoid4(v128_t x) {
  const v128_t half = wasm_f32x4_splat(0.5f);
  return wasm_f32x4_add(half, wasm_f32x4_mul(half, tanh4(wasm_f32x4_mul(half, x))));
}

// ---- matrix products ----

// C[m × nc] = init + A[m × k] · B[k × nc] (pitches lda, ldb, ldc). init: 0 zero, 1 the row vector `bias`,
// 2 C's own values (accumulate). Blocks of 4 rows × 8 columns, then 4 columns, then single columns.
static void mm_ab(const float* a, int lda, const float* b, int ldb, float* c, int ldc, int m, int k, int nc,
                  int init, const float* bias) {
  int i = 0;
  for (; i + 4 <= m; i += 4) {
    const float* a0 = a + i * lda;
    const float* a1 = a0 + lda;
    const float* a2 = a1 + lda;
    const float* a3 = a2 + lda;
    float* c0 = c + i * ldc;
    float* c1 = c0 + ldc;
    float* c2 = c1 + ldc;
    float* c3 = c2 + ldc;
    int j = 0;
    for (; j + 8 <= nc; j += 8) {
      v128_t s00, s01, s10, s11, s20, s21, s30, s31;
      if (init == 2) {
        s00 = wasm_v128_load(c0 + j), s01 = wasm_v128_load(c0 + j + 4);
        s10 = wasm_v128_load(c1 + j), s11 = wasm_v128_load(c1 + j + 4);
        s20 = wasm_v128_load(c2 + j), s21 = wasm_v128_load(c2 + j + 4);
        s30 = wasm_v128_load(c3 + j), s31 = wasm_v128_load(c3 + j + 4);
      } else {
        v128_t i0 = init == 1 ? wasm_v128_load(bias + j) : wasm_f32x4_splat(0.0f);
        v128_t i1 = init == 1 ? wasm_v128_load(bias + j + 4) : wasm_f32x4_splat(0.0f);
        s00 = s10 = s20 = s30 = i0;
        s01 = s11 = s21 = s31 = i1;
      }
      const float* bp = b + j;
      for (int q = 0; q < k; q++, bp += ldb) {
        v128_t b0 = wasm_v128_load(bp);
        v128_t b1 = wasm_v128_load(bp + 4);
        v128_t x;
        x = wasm_f32x4_splat(a0[q]);
        s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(x, b0));
        s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(x, b1));
        x = wasm_f32x4_splat(a1[q]);
        s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(x, b0));
        s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(x, b1));
        x = wasm_f32x4_splat(a2[q]);
        s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(x, b0));
        s21 = wasm_f32x4_add(s21, wasm_f32x4_mul(x, b1));
        x = wasm_f32x4_splat(a3[q]);
        s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(x, b0));
        s31 = wasm_f32x4_add(s31, wasm_f32x4_mul(x, b1));
      }
      wasm_v128_store(c0 + j, s00), wasm_v128_store(c0 + j + 4, s01);
      wasm_v128_store(c1 + j, s10), wasm_v128_store(c1 + j + 4, s11);
      wasm_v128_store(c2 + j, s20), wasm_v128_store(c2 + j + 4, s21);
      wasm_v128_store(c3 + j, s30), wasm_v128_store(c3 + j + 4, s31);
    }
    for (; j + 4 <= nc; j += 4) {
      v128_t s0, s1, s2, s3;
      if (init == 2) {
        s0 = wasm_v128_load(c0 + j), s1 = wasm_v128_load(c1 + j);
        s2 = wasm_v128_load(c2 + j), s3 = wasm_v128_load(c3 + j);
      } else {
        s0 = s1 = s2 = s3 = init == 1 ? wasm_v128_load(bias + j) : wasm_f32x4_splat(0.0f);
      }
      const float* bp = b + j;
      for (int q = 0; q < k; q++, bp += ldb) {
        v128_t b0 = wasm_v128_load(bp);
        s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_f32x4_splat(a0[q]), b0));
        s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_f32x4_splat(a1[q]), b0));
        s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_f32x4_splat(a2[q]), b0));
        s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_f32x4_splat(a3[q]), b0));
      }
      wasm_v128_store(c0 + j, s0), wasm_v128_store(c1 + j, s1);
      wasm_v128_store(c2 + j, s2), wasm_v128_store(c3 + j, s3);
    }
    for (; j < nc; j++) {
      for (int r = 0; r < 4; r++) {
        const float* ar = a + (i + r) * lda;
        float s = init == 2 ? c[(i + r) * ldc + j] : init == 1 ? bias[j] : 0.0f;
        for (int q = 0; q < k; q++) s += ar[q] * b[q * ldb + j];
        c[(i + r) * ldc + j] = s;
      }
    }
  }
  for (; i < m; i++) {
    const float* ar = a + i * lda;
    float* cr = c + i * ldc;
    int j = 0;
    for (; j + 4 <= nc; j += 4) {
      v128_t s = init == 2   ? wasm_v128_load(cr + j)
                 : init == 1 ? wasm_v128_load(bias + j)
                             : wasm_f32x4_splat(0.0f);
      for (int q = 0; q < k; q++)
        s = wasm_f32x4_add(s, wasm_f32x4_mul(wasm_f32x4_splat(ar[q]), wasm_v128_load(b + q * ldb + j)));
      wasm_v128_store(cr + j, s);
    }
    for (; j < nc; j++) {
      float s = init == 2 ? cr[j] : init == 1 ? bias[j] : 0.0f;
      for (int q = 0; q < k; q++) s += ar[q] * b[q * ldb + j];
      cr[j] = s;
    }
  }
}

// C[p × nc] = A[m × p]ᵀ · B[m × nc] (pitches lda, ldb, ldc), the sums in increasing row order. Blocks of 4 output rows × 8 columns, then 4 columns; output rows past a multiple of 4 one
// at a time.
static void mm_atb(const float* a, int lda, const float* b, int ldb, float* c, int ldc, int m, int p, int nc) {
  int i = 0;
  for (; i + 4 <= p; i += 4) {
    int j = 0;
    for (; j + 8 <= nc; j += 8) {
      v128_t s00 = wasm_f32x4_splat(0.0f), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00,
             s30 = s00, s31 = s00;
      const float* ar = a + i;
      const float* bp = b + j;
      for (int r = 0; r < m; r++, ar += lda, bp += ldb) {
        v128_t b0 = wasm_v128_load(bp);
        v128_t b1 = wasm_v128_load(bp + 4);
        v128_t x;
        x = wasm_f32x4_splat(ar[0]);
        s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(x, b0));
        s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(x, b1));
        x = wasm_f32x4_splat(ar[1]);
        s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(x, b0));
        s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(x, b1));
        x = wasm_f32x4_splat(ar[2]);
        s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(x, b0));
        s21 = wasm_f32x4_add(s21, wasm_f32x4_mul(x, b1));
        x = wasm_f32x4_splat(ar[3]);
        s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(x, b0));
        s31 = wasm_f32x4_add(s31, wasm_f32x4_mul(x, b1));
      }
      float* cp = c + i * ldc + j;
      wasm_v128_store(cp, s00), wasm_v128_store(cp + 4, s01), cp += ldc;
      wasm_v128_store(cp, s10), wasm_v128_store(cp + 4, s11), cp += ldc;
      wasm_v128_store(cp, s20), wasm_v128_store(cp + 4, s21), cp += ldc;
      wasm_v128_store(cp, s30), wasm_v128_store(cp + 4, s31);
    }
    for (; j + 4 <= nc; j += 4) {
      v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
      const float* ar = a + i;
      const float* bp = b + j;
      for (int r = 0; r < m; r++, ar += lda, bp += ldb) {
        v128_t b0 = wasm_v128_load(bp);
        s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_f32x4_splat(ar[0]), b0));
        s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_f32x4_splat(ar[1]), b0));
        s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(wasm_f32x4_splat(ar[2]), b0));
        s3 = wasm_f32x4_add(s3, wasm_f32x4_mul(wasm_f32x4_splat(ar[3]), b0));
      }
      float* cp = c + i * ldc + j;
      wasm_v128_store(cp, s0), wasm_v128_store(cp + ldc, s1);
      wasm_v128_store(cp + 2 * ldc, s2), wasm_v128_store(cp + 3 * ldc, s3);
    }
  }
  for (; i < p; i++) {
    for (int j = 0; j + 4 <= nc; j += 4) {
      v128_t s = wasm_f32x4_splat(0.0f);
      for (int r = 0; r < m; r++)
        s = wasm_f32x4_add(s, wasm_f32x4_mul(wasm_f32x4_splat(a[r * lda + i]), wasm_v128_load(b + r * ldb + j)));
      wasm_v128_store(c + i * ldc + j, s);
    }
  }
  // Columns past a multiple of 4 (the head's class count), one value at a time.
  for (int j = nc & ~3; j < nc; j++) {
    for (i = 0; i < p; i++) {
      float s = 0.0f;
      for (int r = 0; r < m; r++) s += a[r * lda + i] * b[r * ldb + j];
      c[i * ldc + j] = s;
    }
  }
}

// out[nc] = Σ rows of B[m × nc] (pitch ldb), in increasing row order; nc a multiple of 4.
static void column_sums(const float* b, int ldb, int m, int nc, float* out) {
  for (int j = 0; j < nc; j += 4) {
    v128_t s = wasm_f32x4_splat(0.0f);
    for (int r = 0; r < m; r++) s = wasm_f32x4_add(s, wasm_v128_load(b + r * ldb + j));
    wasm_v128_store(out + j, s);
  }
}

// ---- forward ----

// The input products of every step and both directions in one product, then each direction's steps: the
// recurrent product Uh + b_u (just b_u from the zero initial state), then the gates, four units at a time.
void gru_forward(int ctx_at, int n) {
  const int* ctx = AT(const int*, ctx_at);
  const int t_steps = ctx[C_T], f = ctx[C_F], h = ctx[C_H], g = 3 * h, g2 = 6 * h;
  float* gx = AT(float*, ctx[C_GX]);
  float* gh = AT(float*, ctx[C_GH]);
  mm_ab(AT(const float*, ctx[C_X]), f, AT(const float*, ctx[C_WCAT]), g2, gx, g2, n * t_steps, f, g2, 1,
        AT(const float*, ctx[C_BCAT]));
  for (int d = 0; d < 2; d++) {
    const float* u = AT(const float*, ctx[C_U0 + d]);
    const float* bu = AT(const float*, ctx[C_BU0 + d]);
    float* hs = AT(float*, ctx[C_HS0 + d]);
    float* zs = AT(float*, ctx[C_Z0 + d]);
    float* rs = AT(float*, ctx[C_R0 + d]);
    float* cs = AT(float*, ctx[C_C0 + d]);
    float* as = AT(float*, ctx[C_A0 + d]);
    for (int q = 0; q < n * h; q++) hs[q] = 0.0f;
    for (int s = 0; s < t_steps; s++) {
      const int t = d == 0 ? s : t_steps - 1 - s;
      const float* previous = hs + s * n * h;
      float* next = hs + (s + 1) * n * h;
      const int cache = s * n * h;
      if (s == 0) {
        for (int i = 0; i < n; i++)
          for (int j = 0; j < g; j += 4) wasm_v128_store(gh + i * g + j, wasm_v128_load(bu + j));
      } else {
        mm_ab(previous, h, u, g, gh, g, n, h, g, 1, bu);
      }
      for (int i = 0; i < n; i++) {
        const float* gxr = gx + (i * t_steps + t) * g2 + d * g;
        const float* ghr = gh + i * g;
        const float* hin = previous + i * h;
        float* hout = next + i * h;
        const int c0 = cache + i * h;
        for (int j = 0; j < h; j += 4) {
          v128_t z = sigmoid4(wasm_f32x4_add(wasm_v128_load(gxr + j), wasm_v128_load(ghr + j)));
          v128_t r = sigmoid4(wasm_f32x4_add(wasm_v128_load(gxr + h + j), wasm_v128_load(ghr + h + j)));
          v128_t an = wasm_v128_load(ghr + 2 * h + j);
          v128_t c = tanh4(wasm_f32x4_add(wasm_v128_load(gxr + 2 * h + j), wasm_f32x4_mul(r, an)));
          v128_t hp = wasm_v128_load(hin + j);
          wasm_v128_store(hout + j, wasm_f32x4_add(c, wasm_f32x4_mul(z, wasm_f32x4_sub(hp, c))));
          wasm_v128_store(zs + c0 + j, z);
          wasm_v128_store(rs + c0 + j, r);
          wasm_v128_store(cs + c0 + j, c);
          wasm_v128_store(as + c0 + j, an);
        }
      }
    }
  }
}

// ---- backward ----

// From d loss / d final state (dh[d], written by the caller) back through every step of both directions:
// the gate gradients per step, dh ← dh ⊙ z + dgates · Uᵀ, then every weight gradient as one product over
// all steps, and with want_dx the input gradient dgx · Wᵀ.
void gru_backward(int ctx_at, int n, int want_dx) {
  const int* ctx = AT(const int*, ctx_at);
  const int t_steps = ctx[C_T], f = ctx[C_F], h = ctx[C_H], g = 3 * h, g2 = 6 * h;
  float* dgx = AT(float*, ctx[C_DGX]);
  const v128_t one = wasm_f32x4_splat(1.0f);
  for (int d = 0; d < 2; d++) {
    const float* ut = AT(const float*, ctx[C_UT0 + d]);
    const float* hs = AT(const float*, ctx[C_HS0 + d]);
    const float* zs = AT(const float*, ctx[C_Z0 + d]);
    const float* rs = AT(const float*, ctx[C_R0 + d]);
    const float* cs = AT(const float*, ctx[C_C0 + d]);
    const float* as = AT(const float*, ctx[C_A0 + d]);
    float* dh = AT(float*, ctx[C_DH0 + d]);
    float* dgh = AT(float*, ctx[C_DGH0 + d]);
    for (int s = t_steps - 1; s >= 0; s--) {
      const int t = d == 0 ? s : t_steps - 1 - s;
      const float* previous = hs + s * n * h;
      const int cache = s * n * h;
      float* dghs = dgh + s * n * g;
      for (int i = 0; i < n; i++) {
        float* dgxr = dgx + (i * t_steps + t) * g2 + d * g;
        float* dghr = dghs + i * g;
        const float* hin = previous + i * h;
        float* dhr = dh + i * h;
        const int c0 = cache + i * h;
        for (int j = 0; j < h; j += 4) {
          v128_t dout = wasm_v128_load(dhr + j);
          v128_t z = wasm_v128_load(zs + c0 + j);
          v128_t r = wasm_v128_load(rs + c0 + j);
          v128_t c = wasm_v128_load(cs + c0 + j);
          v128_t one_z = wasm_f32x4_sub(one, z);
          v128_t dc = wasm_f32x4_mul(wasm_f32x4_mul(dout, one_z), wasm_f32x4_sub(one, wasm_f32x4_mul(c, c)));
          v128_t dz = wasm_f32x4_mul(
              wasm_f32x4_mul(wasm_f32x4_mul(dout, wasm_f32x4_sub(wasm_v128_load(hin + j), c)), z), one_z);
          v128_t dr = wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_mul(dc, wasm_v128_load(as + c0 + j)), r),
                                     wasm_f32x4_sub(one, r));
          wasm_v128_store(dgxr + j, dz);
          wasm_v128_store(dgxr + h + j, dr);
          wasm_v128_store(dgxr + 2 * h + j, dc);
          wasm_v128_store(dghr + j, dz);
          wasm_v128_store(dghr + h + j, dr);
          wasm_v128_store(dghr + 2 * h + j, wasm_f32x4_mul(dc, r));
          wasm_v128_store(dhr + j, wasm_f32x4_mul(dout, z));
        }
      }
      // The initial state is a constant: nothing flows back from it.
      if (s > 0) mm_ab(dghs, g, ut, h, dh, h, n, g, h, 2, 0);
    }
    // Σ over steps s ≥ 1 of hs[s]ᵀ · dgh[s] (the state before step 0 is zero), and the bias's column sums.
    mm_atb(hs + n * h, h, dgh + n * g, g, AT(float*, ctx[C_DU0 + d]), g, (t_steps - 1) * n, h, g);
    column_sums(dgh, g, t_steps * n, g, AT(float*, ctx[C_DBU0 + d]));
  }
  mm_atb(AT(const float*, ctx[C_X]), f, dgx, g2, AT(float*, ctx[C_DWCAT]), g2, n * t_steps, f, g2);
  column_sums(dgx, g2, n * t_steps, g2, AT(float*, ctx[C_DBCAT]));
  if (want_dx) mm_ab(dgx, g2, AT(const float*, ctx[C_WCATT]), f, AT(float*, ctx[C_DX]), f, n * t_steps, g2, f, 0, 0);
}

// ---- the dense head's products (the softmax and the loss stay in JS, which has exp and log) ----

// logits = [final forward state, final backward state] · wout + bout.
void gru_logits(int ctx_at, int n) {
  const int* ctx = AT(const int*, ctx_at);
  const int t_steps = ctx[C_T], h = ctx[C_H], k = ctx[C_K];
  const float* wout = AT(const float*, ctx[C_WOUT]);
  float* logits = AT(float*, ctx[C_LOGITS]);
  const float* f0 = AT(const float*, ctx[C_HS0]) + t_steps * n * h;
  const float* f1 = AT(const float*, ctx[C_HS1]) + t_steps * n * h;
  mm_ab(f0, h, wout, k, logits, k, n, h, k, 1, AT(const float*, ctx[C_BOUT]));
  mm_ab(f1, h, wout + h * k, k, logits, k, n, h, k, 2, 0);
}

// From d loss / d logits (dlogits, written by the caller): the head's kernel gradient into dwout and
// d loss / d final state of each direction into dh[d], where `gru_backward` starts.
void gru_head_backward(int ctx_at, int n) {
  const int* ctx = AT(const int*, ctx_at);
  const int t_steps = ctx[C_T], h = ctx[C_H], k = ctx[C_K];
  const float* dlogits = AT(const float*, ctx[C_DLOGITS]);
  const float* woutt = AT(const float*, ctx[C_WOUTT]);
  float* dwout = AT(float*, ctx[C_DWOUT]);
  for (int d = 0; d < 2; d++) {
    const float* final = AT(const float*, ctx[C_HS0 + d]) + t_steps * n * h;
    mm_atb(final, h, dlogits, k, dwout + d * h * k, k, n, h, k);
    mm_ab(dlogits, k, woutt + d * h, 2 * h, AT(float*, ctx[C_DH0 + d]), h, n, k, h, 0, 0);
  }
}
