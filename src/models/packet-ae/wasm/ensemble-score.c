// The scoring pass of a KitNET ensemble (packet-ae) in 128-bit SIMD: every autoencoder of the ensemble and
// then the output autoencoder, in one call per packet. Each f64x2 vector holds two hidden units (encoder) or
// two visible units (decoder), so every lane adds its terms in the same order as the TypeScript scorers
// (ensemble-scorer.ts, tiny-autoencoder.ts): a lane's sum is the scalar sum, bit for bit. The sigmoid is
// fastSigmoid's (src/util/fast-exp.ts: the same constants, the same range reduction, the same rational form
// evaluated in the same tree, 2^n from exponent bits where TypeScript reads a table of the same exact
// powers), two lanes at a time. Wasm never fuses a multiply and an add, so the scores equal the
// TypeScript packed scorer's, bit for bit.
//
// Memory is laid out by wasm-ensemble-scorer.ts above __heap_base: fastExp's constants, one descriptor per
// autoencoder, their packed parameters, the feature vector, the RMSE vector and three scratch vectors.
#include <wasm_simd128.h>

extern unsigned char __heap_base;

/** Where the caller may start laying out its data. */
int heap_base(void) { return (int)&__heap_base; }

/**
 * One autoencoder, packed (all pointers into this memory). With n2 = n rounded up to even and m2 = m rounded
 * up to even: min, scale and visible_bias hold n2 values, hidden_bias m2 (padding is 0); encoder holds, per
 * pair of hidden units p, n pairs (w[i][2p], w[i][2p+1]); decoder holds, per pair of visible units q, m pairs
 * (w[2q][j], w[2q+1][j]).
 */
typedef struct {
  int n;
  int m;
  int trained;
  const int *index;
  const double *min;
  const double *scale;
  const double *visible_bias;
  const double *hidden_bias;
  const double *encoder;
  const double *decoder;
} Autoencoder;

#define MAX_DOUBLE 1.7976931348623157e308
#define UNDERFLOW -746.0
#define OVERFLOW 710.0

/**
 * fastExp's constants (FAST_EXP_CONSTANTS, written by the caller), in this order. Read from memory rather
 * than written as literals: V8 builds every v128 literal from general registers at each use, several
 * instructions where a load-and-broadcast is one.
 */
enum {
  K_LOG2E,
  K_ROUND,
  K_LN2_HI,
  K_LN2_LO,
  K_EXPONENT_BIAS,
  K_R0,
  K_R1,
  K_R2,
  K_R3,
  K_R4,
  K_R5,
  K_R6,
  K_ONE,
  K_LOW,
  K_HIGH,
};
static const double *k;

#define SPLAT(i) wasm_v128_load64_splat(k + (i))
#define ADD wasm_f64x2_add
#define SUB wasm_f64x2_sub
#define MUL wasm_f64x2_mul

/** fastExp's R(r) = r·coth(r/2) in z = r², the same expression tree. */
static double coth_series(double z) {
  double z2 = z * z;
  double z4 = z2 * z2;
  return k[K_R0] + z * k[K_R1] + z2 * (k[K_R2] + z * k[K_R3]) + z4 * (k[K_R4] + z * k[K_R5] + z2 * k[K_R6]);
}

/** fastExp's `reducedExp`: e^r = 1 + 2r / (R − r) for |r| ≤ ln2/2. */
static double reduced_exp(double r) {
  double R = coth_series(r * r);
  return 1 + (r + r) / (R - r);
}

/** 2^n for an integer n with n + 1023 ∈ [0, 2047], from its exponent bits. */
static double pow2(double n) {
  union {
    double d;
    unsigned long long u;
  } v = {.d = n + k[K_EXPONENT_BIAS]};
  v.u <<= 52;
  return v.d;
}

/** fastExp's `scaledExp`: e^x outside the normal range. */
static double scaled_exp(double x) {
  if (!(x > UNDERFLOW && x < OVERFLOW)) return x > 0 ? __builtin_inf() : x < 0 ? 0 : x;
  double n = x * k[K_LOG2E] + k[K_ROUND] - k[K_ROUND];
  double p = reduced_exp(x - n * k[K_LN2_HI] - n * k[K_LN2_LO]);
  return x > 0 ? p * pow2(n - 64) * pow2(64) : p * pow2(n + 64) * pow2(-64);
}

/** fastSigmoid of one value, operation for operation. */
static double sigmoid_one(double a) {
  double x = -a;
  if (!(x > k[K_LOW] && x < k[K_HIGH])) return 1 / (1 + scaled_exp(x));
  double n = x * k[K_LOG2E] + k[K_ROUND] - k[K_ROUND];
  double r = x - n * k[K_LN2_HI] - n * k[K_LN2_LO];
  double R = coth_series(r * r);
  double d = R - r;
  return d / (d + pow2(n) * (R + r));
}

/**
 * fastSigmoid of both lanes: 1 / (1 + e^x), x = −a, with e^x = 2^n (R + r) / (R − r), i.e.
 * (R − r) / ((R − r) + 2^n (R + r)), one division. Lanes outside the normal range (rare) take the scalar path.
 */
static v128_t sigmoid_pair(v128_t a) {
  v128_t x = wasm_f64x2_neg(a);
  v128_t inside = wasm_v128_and(wasm_f64x2_gt(x, SPLAT(K_LOW)), wasm_f64x2_lt(x, SPLAT(K_HIGH)));
  if (!wasm_i64x2_all_true(inside)) {
    return wasm_f64x2_make(sigmoid_one(wasm_f64x2_extract_lane(a, 0)), sigmoid_one(wasm_f64x2_extract_lane(a, 1)));
  }
  v128_t round = SPLAT(K_ROUND);
  v128_t n = SUB(ADD(MUL(x, SPLAT(K_LOG2E)), round), round);
  v128_t r = SUB(SUB(x, MUL(n, SPLAT(K_LN2_HI))), MUL(n, SPLAT(K_LN2_LO)));
  // R = R0 + z·R1 + z2·(R2 + z·R3) + z4·(R4 + z·R5 + z2·R6), left to right as in TypeScript.
  v128_t z = MUL(r, r);
  v128_t z2 = MUL(z, z);
  v128_t z4 = MUL(z2, z2);
  v128_t R = ADD(ADD(ADD(SPLAT(K_R0), MUL(z, SPLAT(K_R1))), MUL(z2, ADD(SPLAT(K_R2), MUL(z, SPLAT(K_R3))))),
                 MUL(z4, ADD(ADD(SPLAT(K_R4), MUL(z, SPLAT(K_R5))), MUL(z2, SPLAT(K_R6)))));
  // 2^n: n + 1023 sits in the low bits of n + (2^52 + 1023); shifting them into the exponent field.
  v128_t scale = wasm_i64x2_shl(ADD(n, SPLAT(K_EXPONENT_BIAS)), 52);
  v128_t d = SUB(R, r);
  return wasm_f64x2_div(d, ADD(d, MUL(scale, ADD(R, r))));
}

/**
 * The sigmoid of `v[0 … count)` in place (count even). A loop of its own, two vectors an iteration: the
 * exponentials do not depend on each other, so the processor overlaps their long chains (range reduction,
 * division), which it cannot while each waits behind the dot product that feeds it.
 */
static void sigmoid_all(double *v, int count) {
  int k = 0;
  for (; k + 4 <= count; k += 4) {
    v128_t a = sigmoid_pair(wasm_v128_load(v + k));
    v128_t b = sigmoid_pair(wasm_v128_load(v + k + 2));
    wasm_v128_store(v + k, a);
    wasm_v128_store(v + k + 2, b);
  }
  if (k < count) wasm_v128_store(v + k, sigmoid_pair(wasm_v128_load(v + k)));
}

/**
 * out[0 … 2·pairs) = bias + Σ_t s[t] · w: per pair of units p, w holds `terms` pairs of weights
 * (w + 2·terms·p). Each lane adds its terms in order t = 0, 1, …, as the scalar sums do; two pairs per pass
 * share each broadcast of s[t] and keep two independent sums in flight.
 */
static void affine(const double *s, int terms, const double *w, const double *bias, int pairs, double *out) {
  int p = 0;
  for (; p + 2 <= pairs; p += 2) {
    const double *w0 = w + 2 * terms * p;
    const double *w1 = w0 + 2 * terms;
    v128_t a0 = wasm_v128_load(bias + 2 * p);
    v128_t a1 = wasm_v128_load(bias + 2 * p + 2);
    for (int t = 0; t < terms; t++) {
      v128_t st = wasm_f64x2_splat(s[t]);
      a0 = wasm_f64x2_add(a0, wasm_f64x2_mul(st, wasm_v128_load(w0 + 2 * t)));
      a1 = wasm_f64x2_add(a1, wasm_f64x2_mul(st, wasm_v128_load(w1 + 2 * t)));
    }
    wasm_v128_store(out + 2 * p, a0);
    wasm_v128_store(out + 2 * p + 2, a1);
  }
  if (p < pairs) {
    const double *w0 = w + 2 * terms * p;
    v128_t a0 = wasm_v128_load(bias + 2 * p);
    for (int t = 0; t < terms; t++) {
      a0 = wasm_f64x2_add(a0, wasm_f64x2_mul(wasm_f64x2_splat(s[t]), wasm_v128_load(w0 + 2 * t)));
    }
    wasm_v128_store(out + 2 * p, a0);
  }
}

/**
 * Autoencoder `ae` on `source` (through its index list): its RMSE, 0 if untrained. `input`, `hidden` and
 * `output` are scratch of n2, m2 and n2 values.
 */
static double forward(const Autoencoder *ae, const double *source, double *input, double *hidden, double *output) {
  if (ae->trained == 0) return 0;
  const int n = ae->n;
  const int m = ae->m;
  const int n2 = (n + 1) & ~1;
  const int m2 = (m + 1) & ~1;
  for (int i = 0; i < n; i++) input[i] = (source[ae->index[i]] - ae->min[i]) * ae->scale[i];
  // Encoder: lanes are hidden units, terms the n inputs. Decoder: lanes are visible units, terms the m real
  // hidden units only (a padding hidden unit is never read).
  affine(input, n, ae->encoder, ae->hidden_bias, m2 / 2, hidden);
  sigmoid_all(hidden, m2);
  affine(hidden, m, ae->decoder, ae->visible_bias, n2 / 2, output);
  sigmoid_all(output, n2);
  double sum = 0;
  for (int i = 0; i < n; i++) {
    double e = input[i] - output[i];
    sum += e * e;
  }
  double rmse = __builtin_sqrt(sum / n);
  // As the TypeScript: an overflowing (or NaN) sum reports the largest finite score.
  return rmse <= MAX_DOUBLE ? rmse : MAX_DOUBLE;
}

/**
 * The packet's anomaly score: non-finite values of `x` (`n_features` of them) are read as 0 (in place; `*non_finite`
 * tells whether there were any), then the `count − 1` ensemble autoencoders run on `x`, their RMSEs go into
 * `rmse`, then the output autoencoder (the last descriptor) runs on `rmse`. `input`, `hidden` and `output` are scratch of the
 * widest n2, the deepest m2 and the widest n2; `constants` are fastExp's.
 */
double score(const Autoencoder *aes, int count, double *x, int n_features, int *non_finite, double *rmse,
             double *input, double *hidden, double *output, const double *constants) {
  k = constants;
  int replaced = 0;
  for (int i = 0; i < n_features; i++) {
    // v − v is 0 for every finite v, NaN for ±∞ and NaN.
    if (!(x[i] - x[i] == 0)) {
      x[i] = 0;
      replaced = 1;
    }
  }
  *non_finite = replaced;
  const int last = count - 1;
  for (int a = 0; a < last; a++) rmse[a] = forward(aes + a, x, input, hidden, output);
  rmse[last] = forward(aes + last, rmse, input, hidden, output);
  return rmse[last];
}
