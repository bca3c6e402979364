import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../../errors.js';
import { createMatrix, type Matrix } from '../../preprocess/matrix.js';
import { gaussianBlobs } from '../contract-cases.js';
import type { Classifier } from '../estimator.js';
import { RandomForestClassifier } from '../random-forest/forest.js';
import { RfFcnnEnsemble } from './rf-fcnn.js';
import { SoftVoting } from './soft-voting.js';

const data = gaussianBlobs({ seed: 3, rows: 300, features: 4, classes: 3 });

/** A member that answers every row with the same probabilities, or fails to train. */
function fixedMember(row: number[], failWith?: string): Classifier {
  let fitted = false;
  return {
    kind: 'fixed',
    outputKind: 'probabilities',
    options: {},
    get fitted() {
      return fitted;
    },
    fit(): Promise<never> {
      if (failWith) return Promise.reject(new Error(failWith));
      fitted = true;
      return Promise.resolve(this as never);
    },
    predictProba: (x: Matrix) =>
      Promise.resolve(
        createMatrix(
          x.rows,
          row.length,
          Float32Array.from({ length: x.rows * row.length }, (_, j) => row[j % row.length]),
        ),
      ),
    predict: () => Promise.resolve(new Int32Array(0)),
    save: () => Promise.resolve([]),
    dispose: () => Promise.resolve(),
  };
}

describe('SoftVoting', () => {
  it('averages the members’ probabilities by their weights', async () => {
    const voting = new SoftVoting([
      { name: 'a', model: fixedMember([1, 0, 0]), weight: 3 },
      { name: 'b', model: fixedMember([0, 0, 1]), weight: 1 },
    ]);
    await voting.fit(data.x, data.y, { nClasses: 3 });
    const p = await voting.predictProba(createMatrix(2, 4));
    expect(Array.from(p.data)).toEqual([0.75, 0, 0.25, 0.75, 0, 0.25]);
  });

  it('fails with the member named when one fails to train', async () => {
    const voting = new SoftVoting([
      { name: 'rf', model: fixedMember([1, 0, 0]), weight: 1 },
      { name: 'fcnn', model: fixedMember([0, 1, 0], 'out of memory'), weight: 1 },
    ]);
    const error = await voting.fit(data.x, data.y, { nClasses: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as Error).message).toBe('ensemble member "fcnn" failed to train: out of memory');
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('fails when a trained member gives non-finite probabilities (a diverged network)', async () => {
    const voting = new SoftVoting([
      { name: 'rf', model: fixedMember([1, 0, 0]), weight: 1 },
      { name: 'fcnn', model: fixedMember([NaN, NaN, NaN]), weight: 1 },
    ]);
    await expect(voting.fit(data.x, data.y, { nClasses: 3 })).rejects.toThrow(
      /member "fcnn" failed to train: its probability for row 0 is NaN/,
    );
  });

  it('refuses fewer than two members or weights that are all 0', () => {
    expect(() => new SoftVoting([{ name: 'a', model: fixedMember([1]), weight: 1 }])).toThrow(/two members/);
    expect(
      () =>
        new SoftVoting([
          { name: 'a', model: fixedMember([1]), weight: 0 },
          { name: 'b', model: fixedMember([1]), weight: 0 },
        ]),
    ).toThrow(/not all 0/);
  });
});

describe('RfFcnnEnsemble', () => {
  it('with fcnnWeight 0 predicts exactly what its forest does', async () => {
    const forest = await new RandomForestClassifier({ nEstimators: 5, nJobs: 0, seed: 4 }).fit(
      data.x,
      data.y,
      {
        nClasses: 3,
      },
    );
    const ensemble = await new RfFcnnEnsemble({
      rf: { nEstimators: 5, nJobs: 0 },
      fcnn: { hiddenUnits: [4], epochs: 1 },
      fcnnWeight: 0,
      seed: 4,
    }).fit(data.x, data.y, { nClasses: 3 });
    expect(Array.from((await ensemble.predictProba(data.x)).data)).toEqual(
      Array.from((await forest.predictProba(data.x)).data),
    );
    await ensemble.dispose();
    await forest.dispose();
  });
});
