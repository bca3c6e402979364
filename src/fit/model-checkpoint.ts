import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { IotIdsError } from '../errors.js';
import { readWeights, writeWeights, type NamedWeights } from './weights-file.js';
import { exists, recoverDirAtomic, writeDirAtomic } from '../util/atomic-dir.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import type { Callback, CallbackCheckpointState, EpochLogs, LoopControl } from './callbacks.js';
import type { HistoryFile } from './history.js';

/**
 * Where a checkpoint stands: the stage and the last completed epoch (0-based) of it. `stopReason` and
 * `callbacks` were added later as optional fields, so format version 1 covers checkpoints with and without
 * them; without them a resumed stage's callbacks start afresh (early stopping forgets its best epoch).
 */
export interface CheckpointState {
  formatVersion: 1;
  stage: string;
  epoch: number;
  logs: EpochLogs;
  history?: HistoryFile;
  /** Set when a callback had asked the stage to stop after this epoch. */
  stopReason?: string;
  /** State of the stage's stateful callbacks (early stopping) as of this epoch, by `checkpointKey`. */
  callbacks?: Record<string, CallbackCheckpointState>;
}

/** state.json holds callback weights by file name (`callback-<key>.bin/.json` beside it), not inline. */
const storedCallbacksSchema = z.record(
  z.string().regex(/^[\w-]+$/),
  z.object({ state: z.record(z.string(), z.unknown()), weights: z.string().optional() }).strict(),
);
type StoredCallbacks = z.infer<typeof storedCallbacksSchema>;

export interface ModelCheckpointOptions {
  /** Folder holding `last/` and `best/`. */
  dir: string;
  /** Log that decides "best" (lower is better). Default 'valLoss', falling back to 'loss' when absent. */
  monitor?: keyof EpochLogs;
  /** A history to store with each checkpoint so a resumed run keeps its curves. Default none. */
  history?: () => HistoryFile;
}

/**
 * Writes `last/` after every epoch and `best/` when the monitored loss improves, each as a whole directory
 * replaced atomically, so a crash at any moment leaves the previous complete checkpoint. `last/` also holds
 * the state of the stage's stateful callbacks, which `--resume` hands back to them.
 */
export class ModelCheckpoint implements Callback {
  private best = Number.POSITIVE_INFINITY;
  private bestStage = '';

  constructor(readonly options: ModelCheckpointOptions) {}

  /** On resume, carries on comparing against the stage's best so far (kept in `best/`), not from scratch. */
  async onStageBegin(info: { stage: string; startEpoch: number }): Promise<void> {
    this.bestStage = info.stage;
    this.best = Number.POSITIVE_INFINITY;
    if (info.startEpoch === 0) return;
    const statePath = join(this.options.dir, 'best', 'state.json');
    if (!(await exists(statePath))) return;
    let saved: Partial<CheckpointState>;
    try {
      saved = JSON.parse(await readFile(statePath, 'utf8')) as Partial<CheckpointState>;
    } catch {
      return; // a damaged best/ only means it may be replaced sooner; it never blocks a resume
    }
    if (saved.stage !== info.stage || !saved.logs || (saved.epoch ?? Infinity) >= info.startEpoch) return;
    const value = this.monitored(saved.logs);
    if (Number.isFinite(value)) this.best = value;
  }

  async onEpochEnd(epoch: number, logs: EpochLogs, control: LoopControl): Promise<void> {
    const state: CheckpointState = {
      formatVersion: 1,
      stage: control.stage,
      epoch,
      logs,
      history: this.options.history?.(),
      stopReason: control.stopReason,
    };
    const weights = control.getWeights();
    await writeCheckpoint(join(this.options.dir, 'last'), weights, {
      ...state,
      callbacks: control.callbackStates(),
    });
    const value = this.monitored(logs);
    if (this.bestStage !== control.stage) {
      // Losses of different stages (reconstruction vs classification) are not comparable.
      this.best = Number.POSITIVE_INFINITY;
      this.bestStage = control.stage;
    }
    if (Number.isFinite(value) && value < this.best) {
      this.best = value;
      await writeCheckpoint(join(this.options.dir, 'best'), weights, state);
    }
  }

  private monitored(logs: EpochLogs): number {
    return logs[this.options.monitor ?? 'valLoss'] ?? logs.loss;
  }
}

async function writeCheckpoint(dir: string, weights: NamedWeights, state: CheckpointState): Promise<void> {
  await writeDirAtomic(dir, async (temp) => {
    await writeWeights(temp, 'weights', weights);
    let callbacks: StoredCallbacks | undefined;
    for (const [key, saved] of Object.entries(state.callbacks ?? {})) {
      callbacks ??= {};
      callbacks[key] = { state: { ...saved.state } };
      if (saved.weights) {
        callbacks[key].weights = `callback-${key}`;
        await writeWeights(temp, `callback-${key}`, saved.weights);
      }
    }
    await writeJsonAtomic(join(temp, 'state.json'), { ...state, callbacks });
  });
}

/** Reads `<dir>/last` for `--resume`; undefined when there is no checkpoint yet. */
export async function readLastCheckpoint(
  dir: string,
): Promise<{ state: CheckpointState; weights: NamedWeights } | undefined> {
  const last = join(dir, 'last');
  // A crash between writeDirAtomic's renames leaves last/ missing and its new copy beside it.
  await recoverDirAtomic(last);
  if (!(await exists(join(last, 'state.json')))) return undefined;
  const statePath = join(last, 'state.json');
  let stored: Omit<CheckpointState, 'callbacks'> & { callbacks?: unknown };
  try {
    stored = JSON.parse(await readFile(statePath, 'utf8')) as typeof stored;
  } catch (error) {
    throw new IotIdsError(`unreadable checkpoint state: ${(error as Error).message}`, {
      location: { file: statePath },
      cause: error,
    });
  }
  if (stored.formatVersion !== 1 || typeof stored.stage !== 'string' || !Number.isInteger(stored.epoch)) {
    throw new IotIdsError('not a checkpoint state of this iot-ids version', {
      location: { file: statePath },
    });
  }
  const { callbacks: storedCallbacks, ...state } = stored;
  if (storedCallbacks === undefined) return { state, weights: await readWeights(last, 'weights') };
  const parsed = storedCallbacksSchema.safeParse(storedCallbacks);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IotIdsError(`invalid callback state: ${issue.message}`, {
      location: { file: statePath, field: ['callbacks', ...issue.path].join('.') },
    });
  }
  const callbacks: Record<string, CallbackCheckpointState> = {};
  for (const [key, saved] of Object.entries(parsed.data)) {
    if (saved.weights === undefined) {
      callbacks[key] = { state: saved.state };
      continue;
    }
    // Only the name writeCheckpoint gives is accepted, so state.json cannot point outside `last/`.
    if (saved.weights !== `callback-${key}`) {
      throw new IotIdsError(`expected "callback-${key}", found ${JSON.stringify(saved.weights)}`, {
        location: { file: statePath, field: `callbacks.${key}.weights` },
      });
    }
    callbacks[key] = { state: saved.state, weights: await readWeights(last, saved.weights) };
  }
  return { state: { ...state, callbacks }, weights: await readWeights(last, 'weights') };
}
