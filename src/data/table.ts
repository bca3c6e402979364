/**
 * Columnar storage for a loaded flow file: one Float32Array per numeric column and dictionary-encoded
 * categoricals, so half a million rows of 41 features stay well under 1 GiB.
 */
export interface NumericColumn {
  readonly kind: 'numeric';
  readonly name: string;
  readonly values: Float32Array;
}

export interface CategoricalColumn {
  readonly kind: 'categorical';
  readonly name: string;
  /** Index into `categories` per row. */
  readonly codes: Int32Array;
  /** Distinct values (trimmed) in order of first appearance. */
  readonly categories: string[];
}

export type Column = NumericColumn | CategoricalColumn;

export interface Table {
  readonly nRows: number;
  /** Feature columns in schema order (label and ignored columns are not here). */
  readonly features: Column[];
  /** The raw label per row (suffixes such as KDD99's trailing '.' already stripped), dictionary-encoded. */
  readonly label: CategoricalColumn;
  /** 1-based line number in the source file of each kept row, for error messages and detection output. */
  readonly lineNumbers: Uint32Array;
  /** Epoch seconds per row, when the schema declares time columns (see `DatasetSchema.time`). */
  readonly timestamps?: Float64Array;
  /** Device or source of each row, when the schema declares a `groupColumn`. */
  readonly groups?: CategoricalColumn;
}

/** Raw label string of row `i`. */
export function rawLabelAt(table: Table, i: number): string {
  return table.label.categories[table.label.codes[i]];
}

/** Keeps the rows whose index is in `rows`, in that order (used for task filtering and splits). */
export function selectRows(table: Table, rows: ArrayLike<number>): Table {
  const n = rows.length;
  const pickNumeric = (src: Float32Array): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = src[rows[i]];
    return out;
  };
  const pickCodes = (src: Int32Array): Int32Array => {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = src[rows[i]];
    return out;
  };
  const lineNumbers = new Uint32Array(n);
  for (let i = 0; i < n; i++) lineNumbers[i] = table.lineNumbers[rows[i]];
  let timestamps: Float64Array | undefined;
  if (table.timestamps) {
    const source = table.timestamps;
    timestamps = new Float64Array(n);
    for (let i = 0; i < n; i++) timestamps[i] = source[rows[i]];
  }
  const groups: CategoricalColumn | undefined = table.groups && {
    ...table.groups,
    codes: pickCodes(table.groups.codes),
  };
  return {
    nRows: n,
    features: table.features.map((c) =>
      c.kind === 'numeric'
        ? { kind: 'numeric', name: c.name, values: pickNumeric(c.values) }
        : { kind: 'categorical', name: c.name, codes: pickCodes(c.codes), categories: c.categories },
    ),
    label: {
      kind: 'categorical',
      name: table.label.name,
      codes: pickCodes(table.label.codes),
      categories: table.label.categories,
    },
    lineNumbers,
    ...(timestamps ? { timestamps } : {}),
    ...(groups ? { groups } : {}),
  };
}
