// Fills an array with the next words of a xoshiro128** generator: the generator of util/random.ts
// (Random.nextUint32), step for step, so Random.fillUint32 gives exactly the words that many nextUint32
// calls would and leaves the state where they would. In JavaScript each word costs ≈ 4 ns (the state lives
// in object fields); here the state stays in registers.

static inline unsigned rotl(unsigned x, int k) { return (x << k) | (x >> (32 - k)); }

// state: the four state words (read, then written back); out: `count` words.
void random_words(unsigned *state, unsigned *out, int count) {
  unsigned s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3];
  for (int i = 0; i < count; i++) {
    out[i] = rotl(s1 * 5, 7) * 9;
    const unsigned t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
  }
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
}
