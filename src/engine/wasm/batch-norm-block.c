// The element-wise loops of a training step's hidden block (BatchNorm with batch statistics → ReLU →
// dropout), in double precision two lanes at a time (f64x2). Built by scripts/build-wasm.sh; called from
// src/engine/batch-norm-block.ts. Every lane does the IEEE double operations of the JavaScript loops it
// replaces, in the same order (float32 inputs widened exactly, products and sums rounded once each, the
// result rounded to float32 to nearest), so the results are bit for bit those loops' results.
#include <wasm_simd128.h>

extern unsigned char __heap_base;

int scratch_base(void) { return (int)&__heap_base; }

#define AT(type, offset) ((type)(unsigned long)(offset))

// Two float32 at p, widened to f64x2.
static inline v128_t load2(const float* p) {
  return wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(p));
}

// sum[j] = Σ_i z[i, j] and squares[j] = Σ_i z[i, j]², i ascending, in double (z: n × u float32).
void column_sums(int z_at, int n, int u, int sum_at, int squares_at) {
  const float* z = AT(const float*, z_at);
  double* sum = AT(double*, sum_at);
  double* squares = AT(double*, squares_at);
  int j = 0;
  for (; j + 8 <= u; j += 8) {
    v128_t s0 = wasm_f64x2_splat(0), s1 = s0, s2 = s0, s3 = s0, q0 = s0, q1 = s0, q2 = s0, q3 = s0;
    for (int i = 0; i < n; i++) {
      const float* row = z + i * u + j;
      v128_t v0 = load2(row), v1 = load2(row + 2), v2 = load2(row + 4), v3 = load2(row + 6);
      s0 = wasm_f64x2_add(s0, v0);
      q0 = wasm_f64x2_add(q0, wasm_f64x2_mul(v0, v0));
      s1 = wasm_f64x2_add(s1, v1);
      q1 = wasm_f64x2_add(q1, wasm_f64x2_mul(v1, v1));
      s2 = wasm_f64x2_add(s2, v2);
      q2 = wasm_f64x2_add(q2, wasm_f64x2_mul(v2, v2));
      s3 = wasm_f64x2_add(s3, v3);
      q3 = wasm_f64x2_add(q3, wasm_f64x2_mul(v3, v3));
    }
    wasm_v128_store(sum + j, s0);
    wasm_v128_store(sum + j + 2, s1);
    wasm_v128_store(sum + j + 4, s2);
    wasm_v128_store(sum + j + 6, s3);
    wasm_v128_store(squares + j, q0);
    wasm_v128_store(squares + j + 2, q1);
    wasm_v128_store(squares + j + 4, q2);
    wasm_v128_store(squares + j + 6, q3);
  }
  for (; j < u; j++) {
    double s = 0, q = 0;
    for (int i = 0; i < n; i++) {
      double v = z[i * u + j];
      s += v;
      q += v * v;
    }
    sum[j] = s;
    squares[j] = q;
  }
}

// out[i, j] = (y + |y|) · (half_keep · kept) with y = z[i, j] · scale[j] + shift[j] (double) and kept = 1
// when draws[i, j] ≥ threshold, else 0; rounded to float32. ReLU as (y + |y|) / 2 folded into half_keep
// (= keep scale / 2). With no dropout: threshold 0 and half_keep 0.5.
void normalise_relu_dropout(int z_at, int n, int u, int scale_at, int shift_at, int draws_at,
                            int threshold, double half_keep, int out_at) {
  const float* z = AT(const float*, z_at);
  const double* scale = AT(const double*, scale_at);
  const double* shift = AT(const double*, shift_at);
  const unsigned short* draws = AT(const unsigned short*, draws_at);
  float* out = AT(float*, out_at);
  v128_t keep = wasm_f64x2_splat(half_keep);
  v128_t limit = wasm_i32x4_splat(threshold);
  for (int i = 0; i < n; i++) {
    const float* zr = z + i * u;
    const unsigned short* dr = draws + i * u;
    float* o = out + i * u;
    int j = 0;
    for (; j + 2 <= u; j += 2) {
      v128_t y = wasm_f64x2_add(wasm_f64x2_mul(load2(zr + j), wasm_v128_load(scale + j)),
                                wasm_v128_load(shift + j));
      v128_t d = wasm_u32x4_extend_low_u16x8(wasm_v128_load32_zero(dr + j));
      v128_t kept = wasm_i64x2_extend_low_i32x4(wasm_i32x4_ge(d, limit));
      v128_t r = wasm_f64x2_mul(wasm_f64x2_add(y, wasm_f64x2_abs(y)), wasm_v128_and(keep, kept));
      wasm_v128_store64_lane(o + j, wasm_f32x4_demote_f64x2_zero(r), 0);
    }
    for (; j < u; j++) {
      double y = zr[j] * scale[j] + shift[j];
      double factor = dr[j] >= threshold ? half_keep : 0.0;
      o[j] = (float)((y + __builtin_fabs(y)) * factor);
    }
  }
}

// Backward, first pass: dy = dh · (keep if a > 0 else 0) (the ReLU-and-dropout gate, recovered from the
// forward output a), written over dh rounded to float32; sum_dy[j] = Σ_i dy and sum_dyz[j] = Σ_i dy · z,
// i ascending, from the unrounded dy.
void gate_sums(int dh_at, int a_at, int z_at, int n, int u, double keep, int sum_dy_at, int sum_dyz_at) {
  float* dh = AT(float*, dh_at);
  const float* a = AT(const float*, a_at);
  const float* z = AT(const float*, z_at);
  double* sum_dy = AT(double*, sum_dy_at);
  double* sum_dyz = AT(double*, sum_dyz_at);
  v128_t keep2 = wasm_f64x2_splat(keep);
  int j = 0;
  for (; j + 4 <= u; j += 4) {
    v128_t s0 = wasm_f64x2_splat(0), s1 = s0, q0 = s0, q1 = s0;
    for (int i = 0; i < n; i++) {
      int at = i * u + j;
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
      v128_t rounded = wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(dy0), wasm_f32x4_demote_f64x2_zero(dy1), 0, 1, 4, 5);
      wasm_v128_store(dh + at, rounded);
    }
    wasm_v128_store(sum_dy + j, s0);
    wasm_v128_store(sum_dy + j + 2, s1);
    wasm_v128_store(sum_dyz + j, q0);
    wasm_v128_store(sum_dyz + j + 2, q1);
  }
  for (; j < u; j++) {
    double s = 0, q = 0;
    for (int i = 0; i < n; i++) {
      int at = i * u + j;
      double dy = dh[at] * (a[at] > 0.0f ? keep : 0.0);
      dh[at] = (float)dy;
      s += dy;
      q += dy * z[at];
    }
    sum_dy[j] = s;
    sum_dyz[j] = q;
  }
}

// Backward, second pass: dz = c1[j] · dy + c2[j] · z + c3[j] (double, left to right), over dh rounded to
// float32, and also into dz_t (u × n, transposed) unless dz_t_at is 0.
void batch_norm_gradient(int dh_at, int z_at, int n, int u, int c1_at, int c2_at, int c3_at, int dz_t_at) {
  float* dh = AT(float*, dh_at);
  const float* z = AT(const float*, z_at);
  const double* c1 = AT(const double*, c1_at);
  const double* c2 = AT(const double*, c2_at);
  const double* c3 = AT(const double*, c3_at);
  float* dz_t = AT(float*, dz_t_at);
  for (int i = 0; i < n; i++) {
    int j = 0;
    for (; j + 2 <= u; j += 2) {
      int at = i * u + j;
      v128_t dz = wasm_f64x2_add(wasm_f64x2_add(wasm_f64x2_mul(wasm_v128_load(c1 + j), load2(dh + at)),
                                                wasm_f64x2_mul(wasm_v128_load(c2 + j), load2(z + at))),
                                 wasm_v128_load(c3 + j));
      v128_t rounded = wasm_f32x4_demote_f64x2_zero(dz);
      wasm_v128_store64_lane(dh + at, rounded, 0);
      if (dz_t_at) {
        dz_t[j * n + i] = wasm_f32x4_extract_lane(rounded, 0);
        dz_t[(j + 1) * n + i] = wasm_f32x4_extract_lane(rounded, 1);
      }
    }
    for (; j < u; j++) {
      int at = i * u + j;
      float dz = (float)(c1[j] * dh[at] + c2[j] * z[at] + c3[j]);
      dh[at] = dz;
      if (dz_t_at) dz_t[j * n + i] = dz;
    }
  }
}
