import type { PipelineState } from '../preprocess/pipeline.js';

/** One field a record sent to the service must have. */
export interface InputField {
  name: string;
  type: 'numeric' | 'categorical';
  /** Numeric: the range seen in training (values outside are clipped into it). */
  min?: number;
  max?: number;
  /** Categorical: the values seen in training, up to 20 (others are encoded as unknown). */
  values?: string[];
  /** Categorical: how many values training saw in all. */
  valueCount?: number;
}

const MAX_VALUES_LISTED = 20;

function round(value: number): number {
  return Number(value.toPrecision(6));
}

/**
 * The fields a record needs, in the model's column order, with what training saw of each, and an example
 * record built from them (each number at the low end of its training range, each category the first one
 * seen), so a client can be written from `GET /v1/model` alone.
 */
export function describeInput(state: PipelineState): {
  fields: InputField[];
  example: Record<string, number | string>;
} {
  const steps = [
    ...state.numeric.map((n) => ({ position: n.position, field: numericField(n) })),
    ...state.categorical.map((c) => ({
      position: c.position,
      field: {
        name: c.name,
        type: 'categorical' as const,
        values: c.categories.slice(0, MAX_VALUES_LISTED),
        valueCount: c.categories.length,
      },
    })),
  ].sort((a, b) => a.position - b.position);
  const fields = steps.map((s) => s.field);
  const example: Record<string, number | string> = {};
  for (const f of fields) example[f.name] = f.type === 'numeric' ? (f.min ?? 0) : (f.values?.[0] ?? '');
  return { fields, example };
}

function numericField(n: PipelineState['numeric'][number]): InputField {
  // The state keeps the range after log1p; the client sends raw values.
  const raw = (v: number): number => (n.log1p ? Math.expm1(v) : v);
  return { name: n.name, type: 'numeric', min: round(raw(n.min)), max: round(raw(n.max)) };
}
