import type { NumericColumn } from '../data/table.js';
import { IotIdsError } from '../errors.js';

/** The training range of one numeric column, measured after the optional log1p. */
export interface MinMaxRange {
  readonly min: number;
  readonly max: number;
}

/**
 * Learns min and max of a training column. Non-finite values are rejected, and so are negative values
 * when `log1p` is asked for: log1p is meant for non-negative counts, so a negative training value means
 * the column was declared wrongly, which is better reported than silently bent.
 */
export function fitMinMax(column: NumericColumn, log1p: boolean, lineNumbers?: Uint32Array): MinMaxRange {
  const values = column.values;
  if (values.length === 0) {
    throw new IotIdsError('cannot fit a scaler on 0 rows', { location: { field: column.name } });
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const raw = values[i];
    if (!Number.isFinite(raw) || (log1p && raw < 0)) {
      const why = Number.isFinite(raw)
        ? `is negative (${raw}) but the column is log1p-transformed`
        : `is ${raw}`;
      throw new IotIdsError(`training value ${why}`, {
        location: { line: lineNumbers?.[i], field: column.name },
      });
    }
    const v = log1p ? Math.log1p(raw) : raw;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Where one feature goes in a row-major output buffer. */
export interface OutputColumn {
  /** Row-major output buffer. */
  readonly out: Float32Array;
  /** Values per output row. */
  readonly stride: number;
  /** Output column of this feature. */
  readonly offset: number;
}

/**
 * Writes (v − min) / (max − min) of every value into column `offset` of a row-major buffer and returns
 * how many values had to be forced into range. A constant training column maps everything to 0. Test
 * values may fall outside the training range: they are clipped into [0, 1] when `clip` is set. Values the
 * training data never had are also forced, whatever `clip` says: NaN becomes 0, and a negative input
 * of a log1p column is clamped to 0 before the log (log1p is undefined below −1 and meaningless for
 * counts below 0). Division rather than multiplication by a reciprocal keeps training values exactly
 * inside [0, 1], so fitting data is never counted as clipped.
 */
export function scaleColumnInto(
  values: Float32Array,
  range: MinMaxRange,
  log1p: boolean,
  clip: boolean,
  target: OutputColumn,
): number {
  const { out, stride, offset } = target;
  const { min } = range;
  const width = range.max - range.min;
  const n = values.length;
  if (width === 0) {
    for (let i = 0, o = offset; i < n; i++, o += stride) out[o] = 0;
    return 0;
  }
  let forced = 0;
  for (let i = 0, o = offset; i < n; i++, o += stride) {
    let v = values[i];
    if (v !== v) {
      out[o] = 0;
      forced++;
      continue;
    }
    // A value is counted once even when both the log clamp and the clip touch it.
    let touched = 0;
    if (log1p) {
      if (v < 0) {
        v = 0;
        touched = 1;
      }
      v = Math.log1p(v);
    }
    let s = (v - min) / width;
    if (clip) {
      if (s < 0) {
        s = 0;
        touched = 1;
      } else if (s > 1) {
        s = 1;
        touched = 1;
      }
    }
    out[o] = s;
    forced += touched;
  }
  return forced;
}
