import { z } from 'zod';
import type { CategoricalColumn, Column, NumericColumn, Table } from '../data/table.js';
import { IotIdsError, usageError } from '../errors.js';
import { createMatrix, type Matrix } from './matrix.js';
import { fitMinMax, scaleColumnInto } from './min-max.js';
import { codesToFitted, compareCodeUnits, fitCategories, oneHotInto } from './one-hot.js';

export interface PipelineOptions {
  /** Apply log1p to these numeric columns before scaling (heavy-tailed counts). Default: none. */
  log1pColumns?: readonly string[];
  /** Drop numeric columns that are constant on the training data. Default false. */
  dropConstant?: boolean;
  /** Clip transformed values to [0, 1]. Default true. */
  clip?: boolean;
}

/** A numeric column as fitted: its training range after the optional log1p. */
export interface NumericFeatureState {
  name: string;
  /** Index of the column among the training table's feature columns; output follows this order. */
  position: number;
  log1p: boolean;
  min: number;
  max: number;
  /** Constant on the training data and removed because of `dropConstant`. */
  dropped: boolean;
}

/** A categorical column as fitted: its training values, sorted, one output feature each. */
export interface CategoricalFeatureState {
  name: string;
  position: number;
  categories: string[];
}

/** The fitted pipeline as plain JSON (what `pipeline.json` of a model directory holds). */
export interface PipelineState {
  formatVersion: 1;
  options: { log1pColumns: string[]; dropConstant: boolean; clip: boolean };
  numeric: NumericFeatureState[];
  categorical: CategoricalFeatureState[];
  /** Output feature names in order, e.g. `duration`, `protocol_type=tcp`; checked against the rest on load. */
  featureNames: string[];
}

export interface TransformResult {
  x: Matrix;
  /** Per categorical column: rows whose value never occurred in training (encoded as all zeros). */
  unknownCategories: Record<string, number>;
  /** Values forced into range: clipped into [0, 1], NaN set to 0, negative log1p inputs clamped to 0. */
  clipped: number;
}

type Step =
  | { kind: 'numeric'; state: NumericFeatureState; offset: number }
  | { kind: 'categorical'; state: CategoricalFeatureState; offset: number };

/**
 * Turns a table into the model's feature matrix: min-max scaling (after optional log1p) for numeric
 * columns and one-hot encoding for categoricals, in the table's column order. Everything is learned by
 * `fit` from the training rows only; `transform` never changes the fitted state, so test values outside
 * the training range are clipped and unseen categories become all-zero blocks (both are counted).
 */
export class FeaturePipeline {
  readonly options: Readonly<Required<PipelineOptions>>;
  private state?: PipelineState;
  private steps: Step[] = [];

  constructor(options: PipelineOptions = {}) {
    const log1pColumns = [...(options.log1pColumns ?? [])];
    const duplicate = log1pColumns.find((name, i) => log1pColumns.indexOf(name) !== i);
    if (duplicate !== undefined) throw usageError(`log1p column "${duplicate}" is listed twice`);
    this.options = {
      log1pColumns,
      dropConstant: options.dropConstant ?? false,
      clip: options.clip ?? true,
    };
  }

  get fitted(): boolean {
    return this.state !== undefined;
  }

  /** Learns categories and ranges from `train`; any earlier fit is replaced. */
  fit(train: Table): this {
    if (train.nRows === 0) throw new IotIdsError('cannot fit the feature pipeline on 0 rows');
    const byName = columnsByName(train.features);
    for (const name of this.options.log1pColumns) {
      const column = byName.get(name);
      if (!column) throw usageError(`log1p column "${name}" is not a feature column of the training data`);
      if (column.kind !== 'numeric') throw usageError(`log1p column "${name}" is categorical, not numeric`);
    }
    const log1p = new Set(this.options.log1pColumns);
    const numeric: NumericFeatureState[] = [];
    const categorical: CategoricalFeatureState[] = [];
    train.features.forEach((column, position) => {
      if (column.kind === 'numeric') {
        const isLog = log1p.has(column.name);
        const { min, max } = fitMinMax(column, isLog, train.lineNumbers);
        const dropped = this.options.dropConstant && min === max;
        numeric.push({ name: column.name, position, log1p: isLog, min, max, dropped });
      } else {
        categorical.push({ name: column.name, position, categories: fitCategories(column) });
      }
    });
    const options = { ...this.options, log1pColumns: [...this.options.log1pColumns] };
    const steps = layout(numeric, categorical);
    this.state = {
      formatVersion: 1,
      options,
      numeric,
      categorical,
      featureNames: featureNamesOf(steps),
    };
    this.steps = steps;
    return this;
  }

  /** Encodes `table` with the fitted state; columns are matched by name and categories by string. */
  transform(table: Table): TransformResult {
    const state = this.requireFitted();
    const columns = this.matchColumns(table);
    const nFeatures = state.featureNames.length;
    const n = table.nRows;
    const out = new Float32Array(n * nFeatures);
    const writers = this.steps.map((step, i) => writerFor(step, columns[i], state.options.clip));
    // Row blocks keep the part of the output being written in cache; column by column over the whole
    // matrix would stream it through memory once per input column.
    for (let start = 0; start < n; start += BLOCK_ROWS) {
      const end = Math.min(n, start + BLOCK_ROWS);
      const block = out.subarray(start * nFeatures, end * nFeatures);
      for (const writer of writers) writer.write(start, end, block, nFeatures);
    }
    const unknownCategories: Record<string, number> = {};
    let clipped = 0;
    this.steps.forEach((step, i) => {
      if (step.kind === 'categorical') unknownCategories[step.state.name] = writers[i].count;
      else clipped += writers[i].count;
    });
    return { x: createMatrix(n, nFeatures, out), unknownCategories, clipped };
  }

  get featureNames(): string[] {
    return [...this.requireFitted().featureNames];
  }

  get nFeatures(): number {
    return this.requireFitted().featureNames.length;
  }

  toJSON(): PipelineState {
    return structuredClone(this.requireFitted());
  }

  /**
   * Rebuilds a fitted pipeline from `toJSON` output (typically read from a file named by `source`).
   * The structure is validated and so is its consistency (positions, ranges, sorted categories, feature
   * names), so a hand-edited or foreign file fails here with the offending field named.
   */
  static fromJSON(state: unknown, source?: string): FeaturePipeline {
    const parsed = pipelineStateSchema.safeParse(state);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const more =
        parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : '';
      throw new IotIdsError(`not a valid fitted pipeline: ${issue.message}${more}`, {
        location: { file: source, field: issue.path.join('.') || undefined },
      });
    }
    const valid = parsed.data;
    checkConsistency(valid, source);
    const pipeline = new FeaturePipeline(valid.options);
    pipeline.state = structuredClone(valid);
    pipeline.steps = layout(pipeline.state.numeric, pipeline.state.categorical);
    return pipeline;
  }

  private requireFitted(): PipelineState {
    if (!this.state)
      throw new IotIdsError('the feature pipeline is not fitted: call fit() or load one first');
    return this.state;
  }

  /** The table's columns in step order, after checking they are exactly the fitted ones. */
  private matchColumns(table: Table): Column[] {
    const columns = columnsByName(table.features);
    const missing = this.steps.map((step) => step.state.name).filter((name) => !columns.has(name));
    if (missing.length) {
      throw new IotIdsError(`columns the pipeline was fitted on are missing: ${quoted(missing)}`);
    }
    for (const step of this.steps) {
      const column = columns.get(step.state.name);
      if (column && column.kind !== step.kind) {
        throw new IotIdsError(
          `column "${column.name}" is ${column.kind} but the pipeline was fitted on a ${step.kind} column`,
        );
      }
    }
    const fittedNames = new Set(this.steps.map((step) => step.state.name));
    const extra = [...columns.keys()].filter((name) => !fittedNames.has(name));
    if (extra.length) {
      throw new IotIdsError(`columns not in the data the pipeline was fitted on: ${quoted(extra)}`);
    }
    return this.steps.map((step) => columns.get(step.state.name) as Column);
  }
}

const BLOCK_ROWS = 512;

/** Writes one column's features for rows [start, end) into a block of output rows and counts what it forced. */
interface ColumnWriter {
  /** Clipped values (numeric) or unknown categories (categorical) so far. */
  count: number;
  write(start: number, end: number, block: Float32Array, stride: number): void;
}

function writerFor(step: Step, column: Column, clip: boolean): ColumnWriter {
  const { offset } = step;
  if (step.kind === 'numeric') {
    const { values } = column as NumericColumn;
    const { state } = step;
    return {
      count: 0,
      write(start, end, block, stride) {
        if (state.dropped) return;
        this.count += scaleColumnInto(values.subarray(start, end), state, state.log1p, clip, {
          out: block,
          stride,
          offset,
        });
      },
    };
  }
  const { codes } = column as CategoricalColumn;
  const width = step.state.categories.length;
  const toFitted = codesToFitted(step.state.categories, column as CategoricalColumn);
  return {
    count: 0,
    write(start, end, block, stride) {
      this.count += oneHotInto(codes.subarray(start, end), toFitted, width, { out: block, stride, offset });
    },
  };
}

function quoted(names: string[]): string {
  return names.map((name) => `"${name}"`).join(', ');
}

function columnsByName(features: readonly Column[]): Map<string, Column> {
  const byName = new Map<string, Column>();
  for (const column of features) {
    if (byName.has(column.name)) throw new IotIdsError(`feature column "${column.name}" appears twice`);
    byName.set(column.name, column);
  }
  return byName;
}

/** Orders columns by training position and assigns each its first output feature. */
function layout(numeric: NumericFeatureState[], categorical: CategoricalFeatureState[]): Step[] {
  const ordered: Omit<Step, 'offset'>[] = [
    ...numeric.map((state) => ({ kind: 'numeric' as const, state })),
    ...categorical.map((state) => ({ kind: 'categorical' as const, state })),
  ].sort((a, b) => a.state.position - b.state.position);
  let offset = 0;
  return ordered.map((step) => {
    const placed = { ...step, offset } as Step;
    offset += width(placed);
    return placed;
  });
}

function width(step: Step): number {
  if (step.kind === 'categorical') return step.state.categories.length;
  return step.state.dropped ? 0 : 1;
}

function featureNamesOf(steps: Step[]): string[] {
  return steps.flatMap((step) => {
    if (step.kind === 'categorical')
      return step.state.categories.map((value) => `${step.state.name}=${value}`);
    return step.state.dropped ? [] : [step.state.name];
  });
}

const nameSchema = z.string().min(1);
const positionSchema = z.int().min(0);

const pipelineStateSchema = z.strictObject({
  formatVersion: z.literal(1),
  options: z.strictObject({
    log1pColumns: z.array(nameSchema),
    dropConstant: z.boolean(),
    clip: z.boolean(),
  }),
  numeric: z.array(
    z.strictObject({
      name: nameSchema,
      position: positionSchema,
      log1p: z.boolean(),
      min: z.number(),
      max: z.number(),
      dropped: z.boolean(),
    }),
  ),
  categorical: z.array(
    z.strictObject({
      name: nameSchema,
      position: positionSchema,
      categories: z.array(z.string()).min(1),
    }),
  ),
  featureNames: z.array(z.string()),
}) satisfies z.ZodType<PipelineState>;

/** What the schema cannot say: the parts of a state must agree with each other. */
function checkConsistency(state: PipelineState, source: string | undefined): void {
  const fail = (field: string, message: string): never => {
    throw new IotIdsError(`not a valid fitted pipeline: ${message}`, { location: { file: source, field } });
  };
  const columns = [...state.numeric, ...state.categorical];
  const names = new Set(columns.map((c) => c.name));
  if (names.size !== columns.length) fail('numeric/categorical', 'a column name appears more than once');
  const positions = new Set(columns.map((c) => c.position));
  if (positions.size !== columns.length || columns.some((c) => c.position >= columns.length)) {
    fail('numeric/categorical', `column positions must be 0…${columns.length - 1}, each once`);
  }
  const log1p = new Set(state.options.log1pColumns);
  if (log1p.size !== state.options.log1pColumns.length)
    fail('options.log1pColumns', 'a column is listed twice');
  for (const name of log1p) {
    if (!state.numeric.some((c) => c.name === name)) {
      fail('options.log1pColumns', `"${name}" is not a numeric column of the pipeline`);
    }
  }
  state.numeric.forEach((c, i) => {
    if (c.min > c.max) fail(`numeric.${i}.min`, `min ${c.min} is above max ${c.max}`);
    if (c.log1p !== log1p.has(c.name)) fail(`numeric.${i}.log1p`, `does not match options.log1pColumns`);
    if (c.dropped !== (state.options.dropConstant && c.min === c.max)) {
      fail(`numeric.${i}.dropped`, 'must be true exactly for constant columns when dropConstant is set');
    }
  });
  state.categorical.forEach((c, i) => {
    for (let j = 1; j < c.categories.length; j++) {
      if (compareCodeUnits(c.categories[j - 1], c.categories[j]) >= 0) {
        fail(`categorical.${i}.categories`, 'categories must be distinct and sorted');
      }
    }
  });
  const expected = featureNamesOf(layout(state.numeric, state.categorical));
  const mismatch = expected.findIndex((name, i) => state.featureNames[i] !== name);
  if (mismatch >= 0 || expected.length !== state.featureNames.length) {
    const at = mismatch >= 0 ? mismatch : Math.min(expected.length, state.featureNames.length);
    fail(
      `featureNames.${at}`,
      `feature names do not match the columns (expected ${JSON.stringify(expected[at] ?? null)}, ` +
        `found ${JSON.stringify(state.featureNames[at] ?? null)})`,
    );
  }
}
