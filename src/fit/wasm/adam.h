// The project's Adam update (src/fit/adam.ts) for wasm kernels that keep their weights and Adam's moments
// resident in their memory: sae-step.c and vae-step.c include it (each module is compiled on its own, so
// each exports its own `adam`). The includer defines AT(type, offset) and includes <wasm_simd128.h>.
//
// Adam over `count` values (a multiple of 4) in place, operation for operation as src/fit/adam.ts in
// double, two values at a time: g = plain ? ∂ : ∂·scale + decay·p; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g·g
// (stored as float32); p ← p − step·m / (√v · root_scale + shift), with the double m and v, as float32.
// Padding lanes (∂ = m = v = p = 0) stay 0 since shift > 0.
void adam(int p_at, int g_at, int m_at, int v_at, int count, double scale, double decay, int plain,
          double beta1, double beta2, double step_size, double root_scale, double shift) {
  float* p = AT(float*, p_at);
  const float* grad = AT(const float*, g_at);
  float* m = AT(float*, m_at);
  float* v = AT(float*, v_at);
  v128_t b1 = wasm_f64x2_splat(beta1), c1 = wasm_f64x2_splat(1.0 - beta1);
  v128_t b2 = wasm_f64x2_splat(beta2), c2 = wasm_f64x2_splat(1.0 - beta2);
  v128_t sc = wasm_f64x2_splat(scale), dc = wasm_f64x2_splat(decay);
  v128_t st = wasm_f64x2_splat(step_size), rs = wasm_f64x2_splat(root_scale), sh = wasm_f64x2_splat(shift);
  for (int i = 0; i < count; i += 2) {
    v128_t pi = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(p + i));
    v128_t g = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(grad + i));
    if (!plain) g = wasm_f64x2_add(wasm_f64x2_mul(g, sc), wasm_f64x2_mul(dc, pi));
    v128_t mi = wasm_f64x2_add(wasm_f64x2_mul(b1, wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(m + i))),
                               wasm_f64x2_mul(c1, g));
    v128_t vi = wasm_f64x2_add(wasm_f64x2_mul(b2, wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(v + i))),
                               wasm_f64x2_mul(wasm_f64x2_mul(c2, g), g));
    wasm_v128_store64_lane(m + i, wasm_f32x4_demote_f64x2_zero(mi), 0);
    wasm_v128_store64_lane(v + i, wasm_f32x4_demote_f64x2_zero(vi), 0);
    v128_t update = wasm_f64x2_div(wasm_f64x2_mul(st, mi),
                                   wasm_f64x2_add(wasm_f64x2_mul(wasm_f64x2_sqrt(vi), rs), sh));
    wasm_v128_store64_lane(p + i, wasm_f32x4_demote_f64x2_zero(wasm_f64x2_sub(pi, update)), 0);
  }
}
