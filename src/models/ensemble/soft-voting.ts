import { IotIdsError } from '../../errors.js';
import { createMatrix, takeRows, type Matrix } from '../../preprocess/matrix.js';
import { argmaxRows, type Classifier, type FitContext } from '../estimator.js';
import { NotFittedError } from '../fit-input.js';

/** One member of a soft-voting ensemble: its name (for errors), the model and its share of the vote. */
export interface VotingMember {
  readonly name: string;
  readonly model: Classifier;
  readonly weight: number;
}

/** Rows of the training or validation data each member's probabilities are checked on after fitting. */
const CHECK_ROWS = 2000;

/**
 * Soft voting: the weighted mean of the members' class probabilities. Members train one after the other on
 * the same rows (each gets the validation set, so a deep member still stops early). A member whose fit
 * fails, or whose probabilities come out non-finite (a diverged network), fails the whole ensemble with an
 * error naming it: a vote by the remaining members would silently be another model than the one asked for.
 */
export class SoftVoting {
  constructor(readonly members: readonly VotingMember[]) {
    if (members.length < 2) throw new IotIdsError('a soft-voting ensemble needs at least two members');
    const total = members.reduce((sum, m) => sum + m.weight, 0);
    if (!(total > 0) || members.some((m) => !(m.weight >= 0) || !Number.isFinite(m.weight))) {
      throw new IotIdsError('ensemble weights must be finite, ≥ 0 and not all 0');
    }
  }

  get fitted(): boolean {
    return this.members.every((m) => m.model.fitted);
  }

  async fit(x: Matrix, y: Int32Array, context: FitContext): Promise<void> {
    const n = this.members.length;
    for (const [i, member] of this.members.entries()) {
      const onProgress = context.onProgress;
      const memberContext: FitContext = {
        ...context,
        onProgress: onProgress
          ? (done, total, detail) =>
              onProgress(i * 1000 + Math.round((done / Math.max(1, total)) * 1000), n * 1000, detail)
          : undefined,
      };
      try {
        await member.model.fit(x, y, memberContext);
      } catch (error) {
        throw new IotIdsError(
          `ensemble member "${member.name}" failed to train: ${(error as Error).message}`,
          { cause: error },
        );
      }
      const check = context.validation?.x ?? x;
      const rows = Array.from({ length: Math.min(check.rows, CHECK_ROWS) }, (_, r) => r);
      const proba = await member.model.predictProba(takeRows(check, rows));
      const bad = proba.data.findIndex((p) => !Number.isFinite(p));
      if (bad >= 0) {
        throw new IotIdsError(
          `ensemble member "${member.name}" failed to train: its probability for row ${Math.floor(bad / proba.cols)} is ${proba.data[bad]} (diverged?)`,
        );
      }
    }
    context.onProgress?.(n * 1000, n * 1000);
  }

  async predictProba(x: Matrix): Promise<Matrix> {
    if (!this.fitted) throw new NotFittedError('ensemble');
    const total = this.members.reduce((sum, m) => sum + m.weight, 0);
    let out: Float32Array | undefined;
    let cols = 0;
    for (const member of this.members) {
      const p = await member.model.predictProba(x);
      if (!out) {
        out = new Float32Array(p.data.length);
        cols = p.cols;
      } else if (p.cols !== cols) {
        throw new IotIdsError(`ensemble member "${member.name}" gives ${p.cols} classes, the others ${cols}`);
      }
      const share = member.weight / total;
      for (let j = 0; j < out.length; j++) out[j] += share * p.data[j];
    }
    return createMatrix(x.rows, cols, out);
  }

  async predict(x: Matrix): Promise<Int32Array> {
    return argmaxRows(await this.predictProba(x));
  }

  async save(dir: string): Promise<string[]> {
    if (!this.fitted) throw new NotFittedError('ensemble');
    const files: string[] = [];
    for (const member of this.members) {
      for (const file of await member.model.save(dir)) {
        if (files.includes(file)) {
          throw new IotIdsError(`ensemble members both write "${file}"; they cannot share a directory`);
        }
        files.push(file);
      }
    }
    return files;
  }

  async dispose(): Promise<void> {
    for (const member of this.members) await member.model.dispose();
  }
}
