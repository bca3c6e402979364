import type { Matrix } from '../../preprocess/matrix.js';
import type { Classifier, FitContext } from '../estimator.js';
import { FcnnClassifier } from '../fcnn/fcnn.js';
import { RandomForestClassifier } from '../random-forest/forest.js';
import type { RfFcnnOptions } from './rf-fcnn-options.js';

export type { RfFcnnOptions } from './rf-fcnn-options.js';
import { SoftVoting } from './soft-voting.js';

/**
 * Forest + FCNN soft voting (`--model rf-fcnn`): the forest ranks rows well (its ROC-AUC is the higher),
 * the FCNN catches more of the rare classes; their averaged probabilities are the prediction. Both members
 * get the run's seed; the FCNN stops early on the validation set as it does alone.
 */
export class RfFcnnEnsemble implements Classifier<RfFcnnOptions> {
  readonly kind = 'rf-fcnn';
  readonly outputKind = 'probabilities';
  readonly options: Readonly<RfFcnnOptions>;
  private readonly voting: SoftVoting;

  constructor(options: Partial<RfFcnnOptions> = {}, members?: { rf: Classifier; fcnn: Classifier }) {
    const seed = options.seed ?? 1;
    this.options = Object.freeze({
      rf: { ...options.rf },
      fcnn: { ...options.fcnn },
      fcnnWeight: options.fcnnWeight ?? 0.5,
      seed,
    });
    const o = this.options;
    const rf = members?.rf ?? new RandomForestClassifier({ ...o.rf, seed });
    const fcnn = members?.fcnn ?? new FcnnClassifier({ ...o.fcnn, seed });
    this.voting = new SoftVoting([
      { name: 'rf', model: rf, weight: 1 - o.fcnnWeight },
      { name: 'fcnn', model: fcnn, weight: o.fcnnWeight },
    ]);
  }

  get fitted(): boolean {
    return this.voting.fitted;
  }

  async fit(x: Matrix, y: Int32Array, context: FitContext): Promise<this> {
    await this.voting.fit(x, y, context);
    return this;
  }

  predictProba(x: Matrix): Promise<Matrix> {
    return this.voting.predictProba(x);
  }

  predict(x: Matrix): Promise<Int32Array> {
    return this.voting.predict(x);
  }

  save(dir: string): Promise<string[]> {
    return this.voting.save(dir);
  }

  static async load(dir: string, options: Partial<RfFcnnOptions>): Promise<RfFcnnEnsemble> {
    const seed = options.seed ?? 1;
    const rf = await RandomForestClassifier.load(dir, { ...options.rf, seed });
    const fcnn = await FcnnClassifier.load(dir, { ...options.fcnn, seed });
    return new RfFcnnEnsemble(options, { rf, fcnn });
  }

  dispose(): Promise<void> {
    return this.voting.dispose();
  }
}
