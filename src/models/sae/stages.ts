import type { Callback } from '../../fit/callbacks.js';
import { EarlyStopping } from '../../fit/early-stopping.js';
import { fitStage, resumeStartEpoch, type FitStageResult, type TrainableStage } from '../../fit/fit-stage.js';
import type { FitContext } from '../estimator.js';
import type { EpochProgress } from '../epoch-progress.js';
import type { NamedWeights } from '../../fit/weights-file.js';

/** What the SAE models take from a FitContext to run their stages. */
export type StageContext = Pick<FitContext, 'callbacks' | 'resumeFrom' | 'onProgress'>;

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
