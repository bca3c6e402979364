import type { Callback } from '../../fit/callbacks.js';
import { EarlyStopping } from '../../fit/early-stopping.js';
import { fitStage, resumeStartEpoch, type FitStageResult, type TrainableStage } from '../../fit/fit-stage.js';
import type { FitContext } from '../estimator.js';
import type { NamedWeights } from '../../fit/weights-file.js';

/** What the SAE models take from a FitContext to run their stages. */
export type StageContext = Pick<FitContext, 'callbacks' | 'resumeFrom' | 'onProgress'>;

/**
 * Counts epochs over all stages of a fit for `onProgress`: a stage that is skipped (resume) or stops early
 * is credited with its remaining epochs, so the count ends at its total.
 */
export class EpochProgress {
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly report?: FitContext['onProgress'],
  ) {}

  credit(epochs: number, stage: string): void {
    this.done = Math.min(this.total, this.done + epochs);
    this.report?.(this.done, this.total, stage);
  }

  finish(): void {
    this.done = this.total;
    this.report?.(this.total, this.total, 'done');
  }
}

export interface StageRun {
  readonly name: string;
  /** Builds the stage; not called when the stage is skipped (its inputs may be costly to compute). */
  readonly build: () => TrainableStage;
  /** Most epochs of the stage. */
  readonly epochs: number;
  /** Early-stopping patience. */
  readonly patience: number;
  /** Stage names of the whole model in training order (for resuming). */
  readonly stageOrder: readonly string[];
}

/**
 * Runs one stage with its own EarlyStopping (on valLoss when the stage validates, else on the training
 * loss) and the context's callbacks; resumes it or skips it as `context.resumeFrom` says. Returns null when
 * skipped.
 */
export async function runStage(
  run: StageRun,
  context: StageContext,
  progress: EpochProgress,
): Promise<FitStageResult | null> {
  const { epochs, patience, stageOrder } = run;
  const start = resumeStartEpoch(context.resumeFrom, run.name, stageOrder);
  if (start === 'skip') {
    progress.credit(epochs, run.name);
    return null;
  }
  const stage = run.build();
  const stopping = new EarlyStopping({
    monitor: stage.validate ? 'valLoss' : 'loss',
    patience,
    restoreBestWeights: true,
  });
  let credited = Math.min(start, epochs);
  progress.credit(credited, stage.name);
  const counter: Callback = {
    onEpochEnd: () => {
      credited++;
      progress.credit(1, stage.name);
    },
  };
  const result = await fitStage(stage, {
    epochs,
    startEpoch: start,
    callbacks: [stopping, ...(context.callbacks ?? []), counter],
    resumeFrom: context.resumeFrom,
  });
  progress.credit(epochs - credited, stage.name);
  return result;
}

/** The same stage, but checkpoints and early stopping see (and restore) the weights of the whole model. */
export function withModelWeights(
  stage: TrainableStage,
  model: { getWeights(): NamedWeights; setWeights(weights: NamedWeights): void },
): TrainableStage {
  return {
    name: stage.name,
    batchesPerEpoch: stage.batchesPerEpoch,
    trainEpoch: stage.trainEpoch.bind(stage),
    validate: stage.validate?.bind(stage),
    getWeights: () => model.getWeights(),
    setWeights: (weights) => model.setWeights(weights),
  };
}
