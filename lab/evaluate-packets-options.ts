import { z } from 'zod';
import { usageError } from '../src/errors.js';

/**
 * The options of `lab/evaluate-packets.ts`, checked in one place. Run directories are lists (each flag may
 * be repeated): the flow models can learn from several attack runs and several benign-only runs, and the
 * alert thresholds can be set on benign-only validation runs for a target number of false alerts per hour,
 * before any test run is read.
 */
const count = z.coerce.number().int().positive();
const rate = z.coerce.number().finite().nonnegative();

export const evaluatePacketsOptionsSchema = z
  .object({
    /** Labelled lab runs with attack phases: the forest's training data (benign records go to the AE too). */
    train: z.array(z.string().min(1)).min(1, 'needs at least one --train RUN_DIR'),
    /** Benign-only runs added to the forest's `normal` class and to the zero-day AE's training records. */
    benignTrain: z.array(z.string().min(1)).default([]),
    /** Benign-only runs the zero-day AE is trained on instead of the train runs' benign records. */
    zeroDayTrain: z.array(z.string().min(1)).default([]),
    /** Benign-only runs the `--*-alerts-per-hour` thresholds are set on (never a test run). */
    validation: z.array(z.string().min(1)).default([]),
    /** Runs scored with the fixed configuration. */
    test: z.array(z.string().min(1)).min(1, 'needs at least one --test RUN_DIR'),
    /** Output directory for one test run; with several, each one's is TEST/`evalName`. */
    out: z.string().min(1).optional(),
    evalName: z
      .string()
      .regex(/^[\w.-]+$/, 'must be a plain directory name')
      .default('eval'),
    interim: z.coerce.number().positive().finite().default(2),
    trees: count.max(10_000).default(30),
    featureMapGrace: count.default(2000),
    detectorGrace: count.default(15_000),
    calibration: count.min(2).default(5000),
    /** packet-ae's log-normal tail when no `packetAlertsPerHour` is given. */
    falseAlarmRate: z.coerce.number().gt(0).lt(0.5).default(1e-4),
    /** The zero-day AE's false-positive rate on held-out training records, when no `flowAlertsPerHour`. */
    flowFpr: z.coerce.number().min(0).lt(1).default(0.01),
    /** The forest alerts when an attack class is the most probable one with at least this probability. */
    forestMinProbability: z.coerce.number().min(0).max(1).default(0.5),
    /** Width of the store's alert window: false alerts are (source, window) pairs. */
    window: z.coerce.number().positive().finite().default(60),
    /** Targets of false alerts per hour on the validation runs, one per detector (absent: not used). */
    packetAlertsPerHour: rate.optional(),
    flowAlertsPerHour: rate.optional(),
    forestAlertsPerHour: rate.optional(),
    /**
     * packet-ae's k-of-window rule: a source's window alerts once this many of its packets are above the
     * threshold (1: every packet above it alerts, Kitsune's rule).
     */
    packetMinAlerting: count.max(10_000).default(1),
    /** Seed of the zero-day AE (its weights and its held-out split). */
    zeroDaySeed: z.coerce.number().int().default(1),
  })
  .strict()
  .superRefine((o, ctx) => {
    const perHour = [o.packetAlertsPerHour, o.flowAlertsPerHour, o.forestAlertsPerHour];
    if (perHour.some((v) => v !== undefined) && o.validation.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['validation'],
        message: 'the --*-alerts-per-hour targets need --validation runs',
      });
    if (o.test.length > 1 && o.out !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['out'],
        message: 'with several --test runs use --eval-name, not --out',
      });
    const tests = new Set(o.test);
    for (const dir of [...o.train, ...o.benignTrain, ...o.zeroDayTrain, ...o.validation])
      if (tests.has(dir))
        ctx.addIssue({
          code: 'custom',
          path: ['test'],
          message: `${dir} is both a test run and a training or validation run`,
        });
  });

export type EvaluatePacketsOptions = z.infer<typeof evaluatePacketsOptionsSchema>;

/** Checks parsed command-line values (strings) and fills defaults; a usage error names the first bad option. */
export function parseEvaluatePacketsOptions(raw: Record<string, unknown>): EvaluatePacketsOptions {
  const defined = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
  const parsed = evaluatePacketsOptionsSchema.safeParse(defined);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = String(issue.path[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw usageError(`lab/evaluate-packets: --${flag}: ${issue.message}`);
  }
  return parsed.data;
}
