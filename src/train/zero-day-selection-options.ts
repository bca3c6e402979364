import { z } from 'zod';

import { usageError } from '../errors.js';
import { describeIssue } from '../util/describe-issue.js';

/**
 * Where zero-day evaluation takes its anomaly thresholds from: `fixed`, the validation false-positive rates
 * given, each reported (bench/zero-day.ts's first mode); `lato-validation`, one rate per task chosen from the
 * candidates on leave-attack-type-out validation rows (train/evaluate-zero-day-selected.ts).
 */
export const THRESHOLD_SOURCES = ['fixed', 'lato-validation'] as const;
export type ThresholdSource = (typeof THRESHOLD_SOURCES)[number];

const rateSchema = z.number().gt(0).lt(1);

export const zeroDaySelectionOptionsSchema = z
  .object({
    thresholdFrom: z.enum(THRESHOLD_SOURCES),
    /** Candidate (or, with `fixed`, reported) validation false-positive rates. */
    rates: z
      .array(rateSchema)
      .min(1)
      .refine((rates) => new Set(rates).size === rates.length, { message: 'must not repeat a rate' }),
    seeds: z.number().int().min(1).max(20),
    validationFraction: z.number().gt(0).lt(0.5),
  })
  .strict();

export type ZeroDaySelectionOptions = z.infer<typeof zeroDaySelectionOptionsSchema>;

/**
 * Parses the command-line strings of bench/zero-day.ts's evaluation: `rates` is a comma-separated list of
 * percentages ("1,2,5,10"), `seeds` a count. Every problem is a usage error naming the option.
 */
export function parseZeroDaySelectionArgs(args: {
  thresholdFrom: string;
  rates: string;
  seeds: string;
  validationFraction: string;
}): ZeroDaySelectionOptions {
  const candidate = {
    thresholdFrom: args.thresholdFrom,
    rates: args.rates.split(',').map((r) => (r.trim() === '' ? Number.NaN : Number(r) / 100)),
    seeds: Number(args.seeds),
    validationFraction: Number(args.validationFraction),
  };
  const parsed = zeroDaySelectionOptionsSchema.safeParse(candidate);
  if (!parsed.success) {
    const flags: Record<string, string> = {
      thresholdFrom: '--threshold-from',
      rates: '--rates (percent)',
      seeds: '--seeds',
      validationFraction: '--validation-fraction',
    };
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const shown = key === 'rates' ? args.rates : String(candidate[key as keyof typeof candidate]);
      return `${flags[key] ?? key} ${JSON.stringify(shown)}: ${describeIssue(issue, candidate)}`;
    });
    throw usageError(`bad zero-day evaluation option: ${problems.join('; ')}`);
  }
  return parsed.data;
}
