import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NamedWeights } from './weights-file.js';
import type { Callback, EpochLogs } from './callbacks.js';
import { EarlyStopping } from './early-stopping.js';
import { fitStage, type FitStageResult, type TrainableStage } from './fit-stage.js';
import { History } from './history.js';
import { ModelCheckpoint, readLastCheckpoint, type CheckpointState } from './model-checkpoint.js';

/**
 * Weights that depend on every earlier epoch (so a resume that starts from the wrong weights shows), and a
 * validation loss that depends on the epoch only: best at epoch 5 (index 4), then three worse epochs.
 */
const VAL_LOSSES = [5, 4, 3, 3.5, 2.5, 2.6, 2.7, 2.8, 1, 0.5, 0.4, 0.3];
const EPOCHS = VAL_LOSSES.length;
const PATIENCE = 3;

class FakeStage implements TrainableStage {
  readonly name = 'fcnn';
  readonly batchesPerEpoch = 2;
  private kernel = new Float32Array([0.5, -0.25]);
  private bias = new Float32Array([0]);
  private lastEpoch = -1;

  trainEpoch(epoch: number, onBatch: (batch: number, loss?: number) => void): Promise<EpochLogs> {
    for (let b = 0; b < this.batchesPerEpoch; b++) {
      this.kernel = this.kernel.map((w, i) => w * 0.9 + 0.01 * (epoch + 1) * (i + 1));
      this.bias = this.bias.map((v) => v + this.kernel[0] - this.kernel[1]);
      onBatch(b, 1 / (epoch + 1));
    }
    this.lastEpoch = epoch;
    return Promise.resolve({ loss: 1 / (epoch + 1) });
  }
  validate(): Promise<{ valLoss: number }> {
    return Promise.resolve({ valLoss: VAL_LOSSES[this.lastEpoch] });
  }
  getWeights(): NamedWeights {
    return {
      kernel: { shape: [2], data: this.kernel.slice() },
      bias: { shape: [1], data: this.bias.slice() },
    };
  }
  setWeights(weights: NamedWeights): void {
    this.kernel = weights.kernel.data.slice();
    this.bias = weights.bias.data.slice();
  }
}

interface Outcome {
  stopReason?: string;
  epochsDone: number;
  weights: NamedWeights;
  history: (EpochLogs & { epoch: number })[];
}

/** The callbacks run-training and the models give a stage: history and checkpoints, then early stopping. */
function loop(dir: string, history: History, extra: Callback[] = []): Callback[] {
  const checkpoint = new ModelCheckpoint({ dir, history: () => history.data });
  return [history, checkpoint, ...extra, new EarlyStopping({ patience: PATIENCE })];
}

function outcome(stage: FakeStage, history: History, result: FitStageResult): Outcome {
  const epochs = history.data.stages.fcnn.epochs.map(({ seconds: _, ...logs }, epoch) => ({
    ...logs,
    epoch,
  }));
  return {
    stopReason: result.stopReason,
    epochsDone: epochs.length,
    weights: stage.getWeights(),
    history: epochs,
  };
}

async function straightRun(): Promise<Outcome> {
  const stage = new FakeStage();
  const history = new History();
  const dir = await mkdtemp(join(tmpdir(), 'iot-ids-es-'));
  return outcome(stage, history, await fitStage(stage, { epochs: EPOCHS, callbacks: loop(dir, history) }));
}

/** Runs until a crash right after epoch `crashAfter` (0-based) and returns the checkpoint folder. */
async function crashedRun(crashAfter: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'iot-ids-es-'));
  const crash: Callback = {
    onEpochEnd: (epoch) => {
      if (epoch === crashAfter) throw new Error('simulated crash');
    },
  };
  await expect(
    fitStage(new FakeStage(), { epochs: EPOCHS, callbacks: loop(dir, new History(), [crash]) }),
  ).rejects.toThrow('simulated crash');
  return dir;
}

/** What run-training does on --resume: a fresh model and loop, fed from `last/` on disk. */
async function resumedRun(
  dir: string,
  edit: (state: CheckpointState) => CheckpointState = (s) => s,
): Promise<Outcome> {
  const last = await readLastCheckpoint(dir);
  if (!last) throw new Error('no checkpoint');
  const state = edit(last.state);
  const stage = new FakeStage();
  stage.setWeights(last.weights);
  const history = new History();
  history.restore(state.history!);
  const result = await fitStage(stage, {
    epochs: EPOCHS,
    startEpoch: state.epoch + 1,
    callbacks: loop(dir, history),
    resumeFrom: { state },
  });
  return outcome(stage, history, result);
}

describe('EarlyStopping across --resume', () => {
  it('stops at the same epoch with the same reason, weights and history as an uninterrupted run', async () => {
    const straight = await straightRun();
    expect(straight.epochsDone).toBe(8);
    expect(straight.stopReason).toBe('no valLoss improvement for 3 epochs (best at epoch 5)');
    // Crash points before, at and after the best epoch, and after the stopping epoch itself.
    for (const crashAfter of [0, 3, 4, 5, 6, 7]) {
      const resumed = await resumedRun(await crashedRun(crashAfter));
      expect({ crashAfter, ...resumed }).toEqual({ crashAfter, ...straight });
    }
  });

  it('stores the early-stopping state and best weights in last/ and keeps best/ at the best epoch', async () => {
    const dir = await crashedRun(6);
    const last = await readLastCheckpoint(dir);
    expect(last?.state.callbacks?.earlyStopping.state).toEqual({
      monitor: 'valLoss',
      best: 2.5,
      bestEpoch: 4,
      wait: 2,
    });
    const straightBest = (await straightRun()).weights;
    expect(last?.state.callbacks?.earlyStopping.weights).toEqual(straightBest);
    await resumedRun(dir);
    const best = JSON.parse(await readFile(join(dir, 'best', 'state.json'), 'utf8')) as CheckpointState;
    expect(best.epoch).toBe(4);
  });

  it('still resumes a checkpoint written before callback state was stored, with a fresh early stopping', async () => {
    const straight = await straightRun();
    const old = await resumedRun(await crashedRun(5), ({ callbacks: _c, stopReason: _s, ...state }) => state);
    // The old behaviour: patience restarts at epoch 7 (index 6), so the later improvements keep it going.
    expect(old.stopReason).toBeUndefined();
    expect(old.epochsDone).toBe(EPOCHS);
    expect(old.history.slice(0, 8)).toEqual(straight.history);
  });

  it('refuses saved state it cannot use', () => {
    const stopping = new EarlyStopping();
    expect(() => stopping.restoreCheckpointState({ state: { monitor: 'valLoss', best: 1 } })).toThrow(
      /earlyStopping\.bestEpoch.*invalid early-stopping state/,
    );
    expect(() =>
      stopping.restoreCheckpointState({ state: { monitor: 'loss', best: 1, bestEpoch: 0, wait: 0 } }),
    ).toThrow(/watched loss, this run watches valLoss/);
  });

  it('rejects a state.json whose callback weights point elsewhere', async () => {
    const dir = await crashedRun(2);
    const path = join(dir, 'last', 'state.json');
    const state = JSON.parse(await readFile(path, 'utf8')) as {
      callbacks: Record<string, { weights: string }>;
    };
    state.callbacks.earlyStopping.weights = '../best/weights';
    await writeFile(path, JSON.stringify(state));
    await expect(readLastCheckpoint(dir)).rejects.toThrow(/callbacks\.earlyStopping\.weights/);
  });
});
