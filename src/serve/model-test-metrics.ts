import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';

/** One test split's headline figures, as shown on the dashboard. */
export interface SplitFigures {
  n: number;
  accuracy: number;
  macroF1: number | null;
  weightedF1: number | null;
  rocAucMacro: number | null;
  perClass: Record<string, { precision: number; recall: number; f1: number; support: number }>;
}

export interface TestMetrics {
  /** Where they were read from. */
  file: string;
  protocol: string | null;
  protocolDescription: string | null;
  trainSplit: string | null;
  trainRows: number | null;
  createdAt: string | null;
  splits: Record<string, SplitFigures>;
}

const perClassSchema = z.object({
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number(),
});

const splitSchema = z.object({
  n: z.number(),
  accuracy: z.number(),
  f1: z
    .object({ macro: z.number().nullable().optional(), weighted: z.number().nullable().optional() })
    .optional(),
  rocAuc: z.object({ macro: z.number().nullable().optional() }).nullable().optional(),
  perClass: z.record(z.string(), perClassSchema).optional(),
});

const metricsSchema = z.object({
  protocol: z.string().optional(),
  protocolDescription: z.string().optional(),
  trainSplit: z.string().optional(),
  trainRows: z.number().optional(),
  createdAt: z.string().optional(),
  splits: z.record(z.string(), splitSchema),
});

/**
 * The test metrics of the run that produced a model: `metrics.json` in the run directory, i.e. beside the
 * model directory (`<modelDir>/../metrics.json`), as `iot-ids train` writes it. Absent or unreadable
 * metrics give null: a model copied on its own still serves.
 */
export async function readTestMetrics(modelDir: string): Promise<TestMetrics | null> {
  const file = join(dirname(resolve(modelDir)), 'metrics.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
  const parsed = metricsSchema.safeParse(raw);
  if (!parsed.success) return null;
  const m = parsed.data;
  return {
    file,
    protocol: m.protocol ?? null,
    protocolDescription: m.protocolDescription ?? null,
    trainSplit: m.trainSplit ?? null,
    trainRows: m.trainRows ?? null,
    createdAt: m.createdAt ?? null,
    splits: Object.fromEntries(
      Object.entries(m.splits).map(([name, s]): [string, SplitFigures] => [
        name,
        {
          n: s.n,
          accuracy: s.accuracy,
          macroF1: s.f1?.macro ?? null,
          weightedF1: s.f1?.weighted ?? null,
          rocAucMacro: s.rocAuc?.macro ?? null,
          perClass: s.perClass ?? {},
        },
      ]),
    ),
  };
}
