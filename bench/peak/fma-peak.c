/*
 * Single-core floating-point peak of this machine, float32, in GFLOP/s: independent multiply-add chains
 * kept in registers, so nothing but the arithmetic units limits the rate. Built and run by
 * bench/peak/peak.ts (gcc -O2 at bench time, never by npm ci). Prints one JSON object.
 *
 *   avx2-fma     8 lanes × 2 flops per vfmadd (what PyTorch's AVX2 kernels can reach)
 *   avx512-fma  16 lanes × 2 flops per vfmadd (only where the processor has AVX-512F)
 *   sse-mul-add  4 lanes, a separate multiply and add (no FMA): the ceiling of WebAssembly SIMD128,
 *                which has no fused multiply-add, so the most iot-ids' wasm kernels can reach
 *
 * Timed in this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so time spent preempted by other work on a
 * shared machine does not count; each kind runs `trials` times and the best trial is the peak.
 */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHAINS 12

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Keeps the results alive so the compiler cannot drop the loops. */
static volatile float sink;

__attribute__((target("avx2,fma"))) static double avx2_fma(long iterations) {
  __m256 acc[CHAINS];
  for (int c = 0; c < CHAINS; c++) acc[c] = _mm256_set1_ps(0.001f * c);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  double start = now();
  for (long i = 0; i < iterations; i++)
    for (int c = 0; c < CHAINS; c++) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
  double seconds = now() - start;
  __m256 total = acc[0];
  for (int c = 1; c < CHAINS; c++) total = _mm256_add_ps(total, acc[c]);
  sink = _mm256_cvtss_f32(total);
  return (double)iterations * CHAINS * 8 * 2 / seconds / 1e9;
}

__attribute__((target("avx512f"))) static double avx512_fma(long iterations) {
  __m512 acc[CHAINS];
  for (int c = 0; c < CHAINS; c++) acc[c] = _mm512_set1_ps(0.001f * c);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  double start = now();
  for (long i = 0; i < iterations; i++)
    for (int c = 0; c < CHAINS; c++) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
  double seconds = now() - start;
  __m512 total = acc[0];
  for (int c = 1; c < CHAINS; c++) total = _mm512_add_ps(total, acc[c]);
  sink = _mm512_reduce_add_ps(total);
  return (double)iterations * CHAINS * 16 * 2 / seconds / 1e9;
}

static double sse_mul_add(long iterations) {
  __m128 acc[CHAINS];
  for (int c = 0; c < CHAINS; c++) acc[c] = _mm_set1_ps(0.001f * c);
  const __m128 a = _mm_set1_ps(0.999999f), b = _mm_set1_ps(1e-7f);
  double start = now();
  for (long i = 0; i < iterations; i++)
    for (int c = 0; c < CHAINS; c++) acc[c] = _mm_add_ps(_mm_mul_ps(acc[c], a), b);
  double seconds = now() - start;
  __m128 total = acc[0];
  for (int c = 1; c < CHAINS; c++) total = _mm_add_ps(total, acc[c]);
  sink = _mm_cvtss_f32(total);
  return (double)iterations * CHAINS * 4 * 2 / seconds / 1e9;
}

static double best(double (*kernel)(long), long iterations, int trials) {
  double top = 0;
  for (int t = 0; t < trials; t++) {
    double rate = kernel(iterations);
    if (rate > top) top = rate;
  }
  return top;
}

int main(int argc, char **argv) {
  int trials = argc > 1 ? atoi(argv[1]) : 7;
  long iterations = argc > 2 ? atol(argv[2]) : 20000000L;
  __builtin_cpu_init();
  int has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  int has_avx512 = __builtin_cpu_supports("avx512f");
  printf("{\"trials\":%d,\"iterations\":%ld", trials, iterations);
  if (has_avx2) printf(",\"avx2Fma\":%.2f", best(avx2_fma, iterations, trials));
  if (has_avx512) printf(",\"avx512Fma\":%.2f", best(avx512_fma, iterations, trials));
  printf(",\"sseMulAdd\":%.2f}\n", best(sse_mul_add, iterations, trials));
  return 0;
}
