/**
 * The names a run is described by, declared once: the types below, the dataset schema file's zod enums, the
 * run config (`train --config`), the experiment config (`compare -c`) and the CLI's `--task`, `--protocol`
 * and `--dedup` choices all come from these lists, so a new name is added here and nowhere else.
 */

/** Label sets (see tasks.ts for their classes). */
export const TASK_NAMES = ['5class', 'binary', 'ddos-u2r-normal', 'attack-cat', 'detailed'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/**
 * How rows are divided into training and test data, most honest first (the order `--help` and error
 * messages list them in). `official`: the dataset's own test files. For one-file data: `time-split`
 * (earliest rows train), `group-split` (no device or source on both sides) and `random-split` (stratified
 * hold-out; inflated, rows of one session land on both sides).
 */
export const PROTOCOL_NAMES = ['official', 'time-split', 'group-split', 'random-split'] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

/**
 * When exact duplicate rows are removed: `train-only` from the training rows (after a one-file protocol's
 * hold-out), `before-split` from the whole file before it is divided.
 */
export const DEDUP_MODES = ['train-only', 'before-split'] as const;
export type DedupMode = (typeof DEDUP_MODES)[number];
