// Forward pass of a small dense network over a batch of rows, two rows at a time through every layer:
// h ← act(h_prev · W + b) per layer (ReLU on hidden layers), softmax on the last. Built by
// scripts/build-wasm.sh; called from src/engine/dense-network.ts, which lays out the memory.
//
// Why row by row and not a blocked GEMM: the rows it scores are mostly zeros (one-hot columns: ≈ 14 of
// KDD's 122 features are non-zero; after a ReLU about half the units are). Each layer first lists the
// row's non-zero inputs (k, x_k), then adds x_k · W[k, :] for those only, into accumulators held in
// registers (up to 8 × 4 units at a time; narrower chunks of units take two rows at once, whose sums
// are independent chains of adds, so a 5-unit output layer is not bound by the latency of one chain).
// Skipping a zero term leaves every sum exactly as the dense product in the same k order would give it
// (x + 0 · w = x for finite w), so the result does not depend on how sparse the input is; only the time
// does. A row's activations never leave the L1 cache.
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

// Appends the non-zero lanes of v (the values of inputs first..first+3) to idx/val at count, without a
// branch: four values and four entries of idx are always stored (idx/val have room for four more), and
// count moves by the number of non-zero lanes. idx gets each input's weights row as a byte offset, k ·
// step (step = the consuming layer's stride × 4), so the product loops need no multiply to address it.
// Returns the new count.
static inline int pack4(v128_t v, int first, int step, int* idx, float* val, int count) {
  int mask = wasm_i32x4_bitmask(wasm_f32x4_ne(v, wasm_f32x4_splat(0.0f)));
  v128_t shuffle = wasm_v128_load(pack_shuffle[mask]);
  v128_t index = wasm_i32x4_add(wasm_i32x4_splat(first * step),
                                wasm_i32x4_make(0, step, 2 * step, 3 * step));
  wasm_v128_store(val + count, wasm_i8x16_swizzle(v, shuffle));
  wasm_v128_store(idx + count, wasm_i8x16_swizzle(index, shuffle));
  return count + pack_count[mask];
}

// Lists the non-zero values of x[0..n): k · step into idx, values into val; returns how many. A mask of
// the non-zero inputs, 16 at a time (compare, narrow to bytes, bitmask), then one step per set bit: the
// input rows are ≈ 88 % zeros, so this costs less than packing every 4 inputs (pack4). It reads up to 15
// floats past x[n) (the caller leaves room), whose bits are cleared.
static int nonzeros(const float* x, int n, int step, int* idx, float* val) {
  int count = 0;
  v128_t zero = wasm_f32x4_splat(0.0f);
  for (int k = 0; k < n; k += 64) {
    unsigned long long bits = 0;
    for (int g = 0; g < 64 && k + g < n; g += 16) {
      const float* p = x + k + g;
      v128_t a = wasm_f32x4_ne(wasm_v128_load(p), zero);
      v128_t b = wasm_f32x4_ne(wasm_v128_load(p + 4), zero);
      v128_t c = wasm_f32x4_ne(wasm_v128_load(p + 8), zero);
      v128_t d = wasm_f32x4_ne(wasm_v128_load(p + 12), zero);
      v128_t m =
          wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(a, b), wasm_i16x8_narrow_i32x4(c, d));
      bits |= (unsigned long long)(unsigned)wasm_i8x16_bitmask(m) << g;
    }
    if (n - k < 64) bits &= (1ULL << (n - k)) - 1;
    while (bits) {
      int b = __builtin_ctzll(bits);
      idx[count] = (k + b) * step;
      val[count] = x[k + b];
      count++;
      bits &= bits - 1;
    }
  }
  return count;
}

// The terms val[i] · (the 4V floats at byte offset idx[i] from w) added to V accumulators, for i in
// [from, to): one row's sums, in increasing k, a multiply and an add each (no FMA).
#define ADD_TERMS(V, acc, idx, val, from, to, w)                                                   \
  for (int i = (from); i < (to); i++) {                                                            \
    v128_t x = wasm_v128_load32_splat((val) + i);                                                  \
    const float* row = (const float*)((const char*)(w) + (idx)[i]);                                \
    _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[v] =                        \
        wasm_f32x4_add(acc[v], wasm_f32x4_mul(x, wasm_v128_load(row + 4 * v)));                    \
  }

// ReLU if asked, then either stored to out (the last layer) or appended, non-zeros only, to the next
// layer's input list (next_idx / next_val, from next_count, which it returns). Padded units (zero weights
// and bias) give zero, so they are never listed.
#define FINISH(V, acc, relu, first, out, next_step, next_idx, next_val, next_count)                \
  do {                                                                                             \
    if (relu) {                                                                                    \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[v] =                      \
          wasm_f32x4_pmax(wasm_f32x4_splat(0.0f), acc[v]);                                         \
    }                                                                                              \
    if (out) {                                                                                     \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) wasm_v128_store(              \
          (out) + 4 * v, acc[v]);                                                                  \
    } else {                                                                                       \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) next_count =                  \
          pack4(acc[v], (first) + 4 * v, next_step, next_idx, next_val, next_count);               \
    }                                                                                              \
  } while (0)

// One row's list of non-zero inputs (idx, val, count) and where its layer outputs go: to out (the last
// layer) or to the next list (next_idx, next_val), whose length is returned in *next_count.
typedef struct {
  const int* idx;
  const float* val;
  int count;
  float* out;
  int next_step;
  int* next_idx;
  float* next_val;
  int next_count;
} RowLists;

// Units [first, first + 4V) of a layer for one row, V ≤ 8 vectors held in registers: act(bias + Σ_i val[i] ·
// w[idx[i], ·]), the sum starting from the bias.
#define CHUNK(V)                                                                                   \
  static void chunk##V(RowLists* r, const float* w, const float* bias, int relu, int first) {      \
    v128_t acc[V];                                                                                 \
    _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc[v] =                        \
        wasm_v128_load(bias + 4 * v);                                                              \
    ADD_TERMS(V, acc, r->idx, r->val, 0, r->count, w);                                             \
    FINISH(V, acc, relu, first, r->out ? r->out + first : 0, r->next_step, r->next_idx,            \
           r->next_val, r->next_count);                                                            \
  }
CHUNK(8)
CHUNK(4)
CHUNK(2)
CHUNK(1)

// The same for two rows at once, V ≤ 4 vectors each: the two rows' sums are independent chains, so
// narrow layers (the output layer above all) are not bound by the latency of one chain of adds. The
// common part of the two lists runs interleaved, then each row's remainder alone; each sum is still its
// own row's terms in increasing k, as in chunk##V.
#define PAIR(V)                                                                                    \
  static void pair##V(RowLists* a, RowLists* b, const float* w, const float* bias, int relu,       \
                      int first) {                                                                 \
    v128_t acc_a[V], acc_b[V];                                                                     \
    _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) acc_a[v] = acc_b[v] =           \
        wasm_v128_load(bias + 4 * v);                                                              \
    int common = a->count < b->count ? a->count : b->count;                                        \
    for (int i = 0; i < common; i++) {                                                             \
      v128_t xa = wasm_v128_load32_splat(a->val + i);                                              \
      v128_t xb = wasm_v128_load32_splat(b->val + i);                                              \
      const float* row_a = (const float*)((const char*)w + a->idx[i]);                             \
      const float* row_b = (const float*)((const char*)w + b->idx[i]);                             \
      _Pragma("clang loop unroll(full)") for (int v = 0; v < V; v++) {                             \
        acc_a[v] = wasm_f32x4_add(acc_a[v], wasm_f32x4_mul(xa, wasm_v128_load(row_a + 4 * v)));    \
        acc_b[v] = wasm_f32x4_add(acc_b[v], wasm_f32x4_mul(xb, wasm_v128_load(row_b + 4 * v)));    \
      }                                                                                            \
    }                                                                                              \
    ADD_TERMS(V, acc_a, a->idx, a->val, common, a->count, w);                                      \
    ADD_TERMS(V, acc_b, b->idx, b->val, common, b->count, w);                                      \
    FINISH(V, acc_a, relu, first, a->out ? a->out + first : 0, a->next_step, a->next_idx,          \
           a->next_val, a->next_count);                                                            \
    FINISH(V, acc_b, relu, first, b->out ? b->out + first : 0, b->next_step, b->next_idx,          \
           b->next_val, b->next_count);                                                            \
  }
PAIR(4)
PAIR(2)
PAIR(1)

// A byte offset from address 0 as a pointer (the caller passes offsets into this module's memory).
#define AT(type, offset) ((type)(unsigned long)(offset))

// One layer for one row (b = 0) or two rows (b set): reads each row's input list and writes its outputs
// to out, or its non-zero outputs to its next list (setting next_count). Chunks of 32 units go row by row
// (8 accumulators a row fill the registers); narrower ones take the two rows together.
static void layer_forward(const Layer* layer, RowLists* a, RowLists* b) {
  const float* w = AT(const float*, layer->weights);
  const float* bias = AT(const float*, layer->bias);
  int stride = layer->stride;
  int relu = layer->relu;
  a->next_count = 0;
  if (b) b->next_count = 0;
  int c = 0;
  for (; c + 32 <= stride; c += 32) {
    chunk8(a, w + c, bias + c, relu, c);
    if (b) chunk8(b, w + c, bias + c, relu, c);
  }
  if (c + 16 <= stride) {
    if (b) pair4(a, b, w + c, bias + c, relu, c);
    else chunk4(a, w + c, bias + c, relu, c);
    c += 16;
  }
  if (c + 8 <= stride) {
    if (b) pair2(a, b, w + c, bias + c, relu, c);
    else chunk2(a, w + c, bias + c, relu, c);
    c += 8;
  }
  if (c + 4 <= stride) {
    if (b) pair1(a, b, w + c, bias + c, relu, c);
    else chunk1(a, w + c, bias + c, relu, c);
  }
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
static void softmax_wide(float* logits, int n, float* out) {
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

// The largest lane of v, in every lane.
static inline v128_t max_lanes(v128_t v) {
  v = wasm_f32x4_pmax(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  return wasm_f32x4_pmax(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
}

// The same softmax for n ≤ 8 kept in two registers, the same operations in the same order (so the same
// bits): lanes from n on count as -infinity, exp by chunk, the sum's lanes added (0 + 1) + (2 + 3), each
// value divided by the sum. Stores 4 or 8 floats at out: the lanes past n land where the next row's
// values go (rows are written in order, so they are overwritten) or in the out buffer's slack.
static void softmax_narrow(const float* logits, int n, float* out) {
  v128_t lane = wasm_i32x4_make(0, 1, 2, 3);
  v128_t minus_inf = wasm_f32x4_splat(-__builtin_inff());
  v128_t l0 = wasm_v128_bitselect(wasm_v128_load(logits), minus_inf,
                                  wasm_i32x4_lt(lane, wasm_i32x4_splat(n)));
  v128_t max = l0;
  v128_t l1 = minus_inf;
  if (n > 4) {
    l1 = wasm_v128_bitselect(wasm_v128_load(logits + 4), minus_inf,
                             wasm_i32x4_lt(lane, wasm_i32x4_splat(n - 4)));
    max = wasm_f32x4_pmax(max, l1);
  }
  max = max_lanes(max);
  v128_t e0 = exp4_nonpositive(wasm_f32x4_sub(l0, max));
  v128_t sum4 = wasm_f32x4_add(wasm_f32x4_splat(0.0f), e0);
  v128_t e1 = wasm_f32x4_splat(0.0f);
  if (n > 4) {
    e1 = exp4_nonpositive(wasm_f32x4_sub(l1, max));
    sum4 = wasm_f32x4_add(sum4, e1);
  }
  float sum = (wasm_f32x4_extract_lane(sum4, 0) + wasm_f32x4_extract_lane(sum4, 1)) +
              (wasm_f32x4_extract_lane(sum4, 2) + wasm_f32x4_extract_lane(sum4, 3));
  v128_t divisor = wasm_f32x4_splat(sum);
  wasm_v128_store(out, wasm_f32x4_div(e0, divisor));
  if (n > 4) wasm_v128_store(out + 4, wasm_f32x4_div(e1, divisor));
}

// Scores one row (pair = 0) or two rows (pair = 1) starting at x through every layer, then softmax (or a
// copy of the last layer's outputs) into out. Row q's lists are lists[2q] and lists[2q + 1], used in turn;
// its last-layer outputs go to logits + q · (last layer's stride).
static void forward(const Layer* layers, int layer_count, const float* x, int pair, float* out,
                    int softmax_out, float* logits, int** idx, float** val) {
  const Layer* last = &layers[layer_count - 1];
  int inputs = layers[0].inputs;
  RowLists rows[2];
  int current[2] = {0, 0};
  for (int q = 0; q <= pair; q++) {
    rows[q].idx = idx[2 * q];
    rows[q].val = val[2 * q];
    rows[q].count = nonzeros(x + q * inputs, inputs, 4 * layers[0].stride, idx[2 * q], val[2 * q]);
  }
  for (int l = 0; l < layer_count; l++) {
    for (int q = 0; q <= pair; q++) {
      int next = 2 * q + 1 - current[q];
      rows[q].out = l == layer_count - 1 ? logits + q * last->stride : 0;
      rows[q].next_step = l == layer_count - 1 ? 0 : 4 * layers[l + 1].stride;
      rows[q].next_idx = idx[next];
      rows[q].next_val = val[next];
    }
    layer_forward(&layers[l], &rows[0], pair ? &rows[1] : 0);
    for (int q = 0; q <= pair; q++) {
      rows[q].idx = rows[q].next_idx;
      rows[q].val = rows[q].next_val;
      rows[q].count = rows[q].next_count;
      current[q] = 1 - current[q];
    }
  }
  int n = last->units;
  for (int q = 0; q <= pair; q++) {
    float* row_logits = logits + q * last->stride;
    float* row_out = out + q * n;
    if (!softmax_out) {
      for (int j = 0; j < n; j++) row_out[j] = row_logits[j];
    } else if (n <= 8) {
      softmax_narrow(row_logits, n, row_out);
    } else {
      softmax_wide(row_logits, n, row_out);
    }
  }
}

// Scores rows of x (row-major, layers[0].inputs values a row) through the network; writes
// rows × layers[last].units probabilities (softmax) or, with softmax_out = 0, the last layer's outputs.
// Arguments are byte offsets into this module's memory: x and out have room for 16 and 4 floats past their
// last row;
// logits holds two rows of the last layer's stride floats; idx/val four lists each (one int / float per
// input or padded unit of the widest layer, plus 4), back to back. Rows go through in pairs (see pair##V),
// an odd last row alone.
void forward_rows(int layers_at, int layer_count, int x_at, int rows, int out_at, int softmax_out,
                  int logits_at, int idx_at, int val_at, int list_size) {
  if (!tables_ready) make_tables();
  const Layer* layers = AT(const Layer*, layers_at);
  const float* x = AT(const float*, x_at);
  float* out = AT(float*, out_at);
  float* logits = AT(float*, logits_at);
  int* idx[4];
  float* val[4];
  for (int q = 0; q < 4; q++) {
    idx[q] = AT(int*, idx_at) + q * list_size;
    val[q] = AT(float*, val_at) + q * list_size;
  }
  int inputs = layers[0].inputs;
  int n = layers[layer_count - 1].units;
  int r = 0;
  for (; r + 2 <= rows; r += 2)
    forward(layers, layer_count, x + r * inputs, 1, out + r * n, softmax_out, logits, idx, val);
  if (r < rows)
    forward(layers, layer_count, x + r * inputs, 0, out + r * n, softmax_out, logits, idx, val);
}
