import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IotIdsError } from '../errors.js';
import { readWeights, writeWeights, type NamedWeights } from '../models/weights-file.js';
import { writeDirAtomic, exists } from '../util/atomic-dir.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import type { Callback, EpochLogs, LoopControl } from './callbacks.js';
import type { HistoryFile } from './history.js';

/** Where a checkpoint stands: the stage and the last completed epoch (0-based) of it. */
export interface CheckpointState {
  formatVersion: 1;
  stage: string;
  epoch: number;
  logs: EpochLogs;
  history?: HistoryFile;
}

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
 * replaced atomically, so a crash at any moment leaves the previous complete checkpoint.
 */
export class ModelCheckpoint implements Callback {
  private best = Number.POSITIVE_INFINITY;
  private bestStage = '';

  constructor(readonly options: ModelCheckpointOptions) {}

  async onEpochEnd(epoch: number, logs: EpochLogs, control: LoopControl): Promise<void> {
    const state: CheckpointState = {
      formatVersion: 1,
      stage: control.stage,
      epoch,
      logs,
      history: this.options.history?.(),
    };
    const weights = control.getWeights();
    await writeCheckpoint(join(this.options.dir, 'last'), weights, state);
    const monitor = this.options.monitor ?? 'valLoss';
    const value = logs[monitor] ?? logs.loss;
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
}

async function writeCheckpoint(dir: string, weights: NamedWeights, state: CheckpointState): Promise<void> {
  await writeDirAtomic(dir, async (temp) => {
    await writeWeights(temp, 'weights', weights);
    await writeJsonAtomic(join(temp, 'state.json'), state);
  });
}

/** Reads `<dir>/last` for `--resume`; undefined when there is no checkpoint yet. */
export async function readLastCheckpoint(
  dir: string,
): Promise<{ state: CheckpointState; weights: NamedWeights } | undefined> {
  const last = join(dir, 'last');
  if (!(await exists(join(last, 'state.json')))) return undefined;
  const statePath = join(last, 'state.json');
  let state: CheckpointState;
  try {
    state = JSON.parse(await readFile(statePath, 'utf8')) as CheckpointState;
  } catch (error) {
    throw new IotIdsError(`unreadable checkpoint state: ${(error as Error).message}`, {
      location: { file: statePath },
      cause: error,
    });
  }
  if (state.formatVersion !== 1 || typeof state.stage !== 'string' || !Number.isInteger(state.epoch)) {
    throw new IotIdsError('not a checkpoint state of this iot-ids version', {
      location: { file: statePath },
    });
  }
  return { state, weights: await readWeights(last, 'weights') };
}
