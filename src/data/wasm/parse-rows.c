// Parses complete CSV lines straight from UTF-8 bytes into column-major batches: numbers, category codes,
// each row's 53-bit key and line number. Built by scripts/build-wasm.sh; called from
// src/data/wasm-row-parser.ts, which lays out the memory and copies the batches into the table.
//
// Only the common case is handled here: an ASCII line without quotes whose fields are plain decimals
// (`-?digits[.digits]`, as src/data/fast-number.ts) and categories already in the dictionaries, with
// exactly the schema's column count. Every other line (blank-looking, quoted, non-ASCII, a field that
// needs trimming, an empty field, an unknown category, anything to reject) stops the parse, and the
// caller hands that line to the TypeScript TableBuilder, the reference this kernel must agree with bit
// for bit: same float32 values, same codes, same row keys (row-key.ts's two murmur-style streams).

extern unsigned char __heap_base;

// First free byte after the module's data and stack: the caller's buffers start here.
int heap_base(void) { return (int)&__heap_base; }

#define KIND_IGNORE 0
#define KIND_NUMERIC 1
#define KIND_CODE 2 // categorical or label: a dictionary code

// Layout and schema, written by the caller as 32-bit words (pointers are byte offsets in this memory).
typedef struct {
  int n_columns;
  int delimiter;             // one ASCII byte that cannot be part of a number, nor a quote or CR/LF
  int suffix_len;            // the label's suffix (schema.labelSuffix) in bytes, 0 for none
  unsigned char *suffix;
  int label_column;          // the label column (its suffix is stripped before the lookup)
  unsigned char *kinds;      // [n_columns]
  int *slots;                // [n_columns]: numeric slot, or dictionary index for KIND_CODE
  int *tables;               // per dictionary, table_slots entries of 4 ints: hash, code + 1 (0: free),
                             // pointer, length
  int table_slots;           // power of two
  int *counts;               // per dictionary: entries stored
  unsigned char *arena;      // bytes of the stored categories
  int arena_cap;
  int arena_used;
  float *out_values;         // [n_numeric][batch]
  int *out_codes;            // [n_dictionaries][batch]
  double *out_keys;          // [batch]
  unsigned *out_lines;       // [batch]
  int batch;
  int max_line_bytes; // longer lines go to the caller, which counts them in UTF-16 units
  // Written by parse():
  int status;         // 0: reached `end`; 1: stopped at a line for the caller; 2: batch full
  int stop;           // where parsing stopped (start of the caller's line, or of the next line)
  int stop_end;       // status 1: offset of that line's '\n'
  int line;           // number of the line at `stop`
} Config;

static Config config_block;

Config *config(void) { return &config_block; }

static const double POWERS_OF_TEN[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                         1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                         1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#define MAX_SAFE_INTEGER 9007199254740991ULL

static inline unsigned rotl(unsigned x, int k) { return (x << k) | (x >> (32 - k)); }

// RowKeyHasher.addWords: one word into each of the two streams.
#define ADD_WORDS(wa, wb)                                                                                  \
  do {                                                                                                     \
    unsigned k_ = (wa) * 0xcc9e2d51u;                                                                      \
    k_ = rotl(k_, 15) * 0x1b873593u;                                                                       \
    a = rotl(a ^ k_, 13) * 5u + 0xe6546b64u;                                                               \
    unsigned j_ = ((wb) ^ 0x27d4eb2fu) * 0x85ebca77u;                                                      \
    j_ = rotl(j_, 13) * 0xc2b2ae3du;                                                                       \
    b = rotl(b ^ j_, 17) * 9u + 0x165667b1u;                                                               \
  } while (0)

static inline unsigned final_mix(unsigned h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

// Rows are keyed four at a time: parse_line lists a row's words (what RowKeyHasher would add, in order)
// and hash_group runs the four rows' hash chains side by side. One chain is a serial multiply per word,
// so a row alone waits on it; four independent chains keep the core busy (≈ 40 % of the parse time
// was the chains before).
#define GROUP 4
#define MAX_ROW_WORDS 1024 // a row with more (long categories) is left to the caller
static unsigned row_words[GROUP][2 * MAX_ROW_WORDS];
static int row_word_count[GROUP];
static int group_rows[GROUP];

// RowKeyHasher's digest of the rows in group slots [0, count), into keys[group_rows[g]].
static void hash_group(double *keys, int count) {
  unsigned a0 = 0x9747b28cu, b0 = 0x2f3d1a57u, a1 = a0, b1 = b0, a2 = a0, b2 = b0, a3 = a0, b3 = b0;
  int common = 0;
  if (count == GROUP) {
    common = row_word_count[0];
    for (int g = 1; g < GROUP; g++)
      if (row_word_count[g] < common) common = row_word_count[g];
    const unsigned *w0 = row_words[0], *w1 = row_words[1], *w2 = row_words[2], *w3 = row_words[3];
    for (int k = 0; k < 2 * common; k += 2) {
      unsigned a, b;
      a = a0, b = b0;
      ADD_WORDS(w0[k], w0[k + 1]);
      a0 = a, b0 = b;
      a = a1, b = b1;
      ADD_WORDS(w1[k], w1[k + 1]);
      a1 = a, b1 = b;
      a = a2, b = b2;
      ADD_WORDS(w2[k], w2[k + 1]);
      a2 = a, b2 = b;
      a = a3, b = b3;
      ADD_WORDS(w3[k], w3[k + 1]);
      a3 = a, b3 = b;
    }
  }
  unsigned as[GROUP] = {a0, a1, a2, a3}, bs[GROUP] = {b0, b1, b2, b3};
  for (int g = 0; g < count; g++) {
    unsigned a = as[g], b = bs[g];
    const unsigned *w = row_words[g];
    for (int k = 2 * common; k < 2 * row_word_count[g]; k += 2) ADD_WORDS(w[k], w[k + 1]);
    keys[group_rows[g]] =
        (double)(((unsigned long long)final_mix(a) << 21) | (final_mix(b ^ 0x85ebca6bu) >> 11));
  }
}

static inline unsigned bytes_hash(const unsigned char *bytes, int len) {
  unsigned h = 2166136261u;
  for (int i = 0; i < len; i++) h = (h ^ bytes[i]) * 16777619u;
  return h;
}

static inline int same_bytes(const unsigned char *x, const unsigned char *y, int len) {
  for (int i = 0; i < len; i++)
    if (x[i] != y[i]) return 0;
  return 1;
}

// The code of `bytes` in dictionary `d`, or -1 when it is not stored.
static inline int find_code(int d, const unsigned char *bytes, int len) {
  const Config *c = &config_block;
  const unsigned mask = (unsigned)c->table_slots - 1;
  const int *table = c->tables + 4 * d * c->table_slots;
  const unsigned h = bytes_hash(bytes, len);
  for (unsigned i = h & mask;; i = (i + 1) & mask) {
    const int *entry = table + 4 * i;
    if (entry[1] == 0) return -1;
    if ((unsigned)entry[0] == h && entry[3] == len && same_bytes((const unsigned char *)entry[2], bytes, len))
      return entry[1] - 1;
  }
}

// Stores category `bytes` with `code` in dictionary `d`; 0 when the table is half full or the arena is
// full (lines with that value then keep going to the caller, which is slower but as correct).
int dict_insert(int d, const unsigned char *bytes, int len, int code) {
  Config *c = &config_block;
  int *count = c->counts + d;
  if (2 * (*count + 1) > c->table_slots || c->arena_used + len > c->arena_cap) return 0;
  if (find_code(d, bytes, len) != -1) return 1;
  const unsigned mask = (unsigned)c->table_slots - 1;
  int *table = c->tables + 4 * d * c->table_slots;
  const unsigned h = bytes_hash(bytes, len);
  unsigned i = h & mask;
  while (table[4 * i + 1] != 0) i = (i + 1) & mask;
  unsigned char *stored = c->arena + c->arena_used;
  for (int k = 0; k < len; k++) stored[k] = bytes[k];
  table[4 * i] = (int)h;
  table[4 * i + 1] = code + 1;
  table[4 * i + 2] = (int)stored;
  table[4 * i + 3] = len;
  c->arena_used += len;
  (*count)++;
  return 1;
}

// The schema and output pointers of one parse() call, in locals: stores through the output pointers could
// otherwise alias config_block and make the compiler reload it for every field.
typedef struct {
  const unsigned char *kinds;
  const int *slots;
  float *values;
  int *codes;
  int batch, last, label_column, suffix_len, max_line_bytes;
  const unsigned char *suffix;
  unsigned char delimiter;
} Schema;

// The value of a plain decimal's digits when there are more than 15 of them (fewer always fit in 53
// bits), or -1 when the mantissa exceeds 2^53 - 1 (the TypeScript parser's limit).
static long long long_mantissa(const unsigned char *q, const unsigned char *end) {
  unsigned long long mantissa = 0;
  for (; q < end; q++) {
    if (*q == '.') continue;
    mantissa = mantissa * 10 + (unsigned)(*q - '0');
    if (mantissa > MAX_SAFE_INTEGER) return -1;
  }
  return (long long)mantissa;
}

// One line starting at `pos` (not a blank one) into batch row `row`, its key's words into group slot `g`.
// Returns the offset of its '\n', or -1 when the caller must take the line.
static int parse_line(const Schema *s, const unsigned char *in, int pos, int row, int g) {
  unsigned *words = row_words[g];
  int n = 0; // words listed so far
  const unsigned char delimiter = s->delimiter;
  const int batch = s->batch;
  const int last = s->last;
  const unsigned char *q = in + pos;
  if (*q <= 0x20) return -1; // leading space or control byte: the TableBuilder decides
  for (int j = 0;; j++) {
    const int kind = s->kinds[j];
    if (kind == KIND_NUMERIC) {
      // fast-number.ts's parsePlainDecimal: -?digits[.digits], at least one digit.
      const int negative = *q == '-';
      q += negative;
      const unsigned char *first = q;
      unsigned long long mantissa = 0;
      unsigned digit;
      while ((digit = (unsigned)*q - '0') < 10) {
        mantissa = mantissa * 10 + digit;
        q++;
      }
      int digits = (int)(q - first);
      int decimals = 0;
      if (*q == '.') {
        const unsigned char *fraction = ++q;
        while ((digit = (unsigned)*q - '0') < 10) {
          mantissa = mantissa * 10 + digit;
          q++;
        }
        decimals = (int)(q - fraction);
        digits += decimals;
      }
      if (digits == 0 || decimals > 22) return -1;
      if (digits > 15) {
        const long long exact = long_mantissa(first, q);
        if (exact < 0) return -1;
        mantissa = (unsigned long long)exact;
      }
      double value = (double)mantissa;
      if (decimals > 0) value = value / POWERS_OF_TEN[decimals];
      if (negative) value = -value;
      s->values[s->slots[j] * batch + row] = (float)value;
      // RowKeyHasher.addNumber: -0 hashes as 0.
      union {
        double d;
        unsigned long long u;
      } bits;
      bits.d = value == 0 ? 0.0 : value;
      const unsigned low = (unsigned)bits.u, high = (unsigned)(bits.u >> 32);
      if (n == MAX_ROW_WORDS) return -1;
      words[2 * n] = low + high * 0x9e3779b1u;
      words[2 * n + 1] = high + low * 0x7feb352eu;
      n++;
    } else {
      const unsigned char *start = q;
      unsigned char ch;
      while ((ch = *q) != delimiter && ch != '\n') {
        if (ch >= 0x80 || ch == '"') return -1; // invalid UTF-8 checks and quoted fields: the TableBuilder
        q++;
      }
      if (kind == KIND_CODE) {
        const unsigned char *end = q;
        if (ch == '\n' && end > start && end[-1] == '\r') end--;
        // Empty, or with bytes String.trim() might remove: the TableBuilder.
        if (end == start || *start <= 0x20 || end[-1] <= 0x20) return -1;
        const int suffix_len = s->suffix_len;
        if (j == s->label_column && suffix_len > 0 && end - start >= suffix_len &&
            same_bytes(end - suffix_len, s->suffix, suffix_len)) {
          end -= suffix_len;
          if (end == start) return -1;
        }
        const int length = (int)(end - start);
        const int code = find_code(s->slots[j], start, length);
        if (code < 0) return -1;
        s->codes[s->slots[j] * batch + row] = code;
        if (n + length + 1 > MAX_ROW_WORDS) return -1;
        for (const unsigned char *k = start; k < end; k++, n++) words[2 * n] = words[2 * n + 1] = *k;
        const unsigned tail = (unsigned)length ^ 0x5bd1e995u;
        words[2 * n] = words[2 * n + 1] = tail;
        n++;
      }
    }
    // `q` is at the byte after the field: the delimiter, '\n', or "\r\n" ending the line.
    if (*q == delimiter) {
      if (j == last) return -1; // more fields than columns
      q++;
      continue;
    }
    if (*q == '\r' && q[1] == '\n') q++;
    if (*q != '\n' || j != last) return -1; // a stray byte, or fewer fields than columns
    const int newline = (int)(q - in);
    if (newline - pos > s->max_line_bytes) return -1;
    row_word_count[g] = n;
    group_rows[g] = row;
    return newline;
  }
}

// Parses the complete lines in input[pos, end) (input[end - 1] is '\n') into the batch, numbering them
// from `line`. Returns the rows written; status, stop, stop_end and line say where and why it stopped.
int parse(const unsigned char *in, int pos, int end, int line) {
  Config *c = &config_block;
  const Schema schema = {c->kinds,         c->slots,      c->out_values,     c->out_codes,
                         c->batch,         c->n_columns - 1, c->label_column, c->suffix_len,
                         c->max_line_bytes, c->suffix,     (unsigned char)c->delimiter};
  const int batch = c->batch;
  unsigned *lines = c->out_lines;
  int rows = 0, g = 0;
  c->status = 0;
  while (pos < end) {
    const unsigned char first = in[pos];
    if (first == '\n') { // blank lines are skipped, as TableBuilder.line does
      pos++;
      line++;
      continue;
    }
    if (first == '\r' && in[pos + 1] == '\n') {
      pos += 2;
      line++;
      continue;
    }
    if (rows == batch) {
      c->status = 2;
      break;
    }
    const int newline = parse_line(&schema, in, pos, rows, g);
    if (newline < 0) {
      int p = pos;
      while (in[p] != '\n') p++;
      c->status = 1;
      c->stop_end = p;
      break;
    }
    if (++g == GROUP) {
      hash_group(c->out_keys, GROUP);
      g = 0;
    }
    lines[rows++] = (unsigned)line;
    line++;
    pos = newline + 1;
  }
  if (g > 0) hash_group(c->out_keys, g);
  c->stop = pos;
  c->line = line;
  return rows;
}
