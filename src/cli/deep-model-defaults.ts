import { biGruDefaults } from '../models/bigru/options.js';
import { fcnnDefaults } from '../models/fcnn/options.js';
import type { MODEL_KINDS } from '../models/model-kinds.js';
import { sparseAutoencoderDefaults } from '../models/sae/options.js';
import { svmDefaults } from '../models/svm/options.js';
import { vaeClassifierDefaults, vaeDefaults } from '../models/vae/options.js';

/** The four options every deep model trains with; `--epochs`, `--batch-size`, … set them. */
export interface EpochDefaults {
  epochs: number;
  batchSize: number;
  learningRate: number;
  patience: number;
}

type DeepKind = Exclude<(typeof MODEL_KINDS)[number], 'rf'>;

/**
 * Each deep model's training defaults, read from the model's own option defaults (the options files load
 * no TF.js, so `--help` stays fast). A composite lists its parts: each part keeps its own default unless a
 * flag sets them all.
 */
export function deepModelDefaults(): Record<DeepKind, { part: string; defaults: EpochDefaults }[]> {
  const pick = (o: EpochDefaults): EpochDefaults => ({
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    patience: o.patience,
  });
  const sae = pick(sparseAutoencoderDefaults);
  const svm = pick(svmDefaults);
  return {
    svm: [{ part: '', defaults: svm }],
    'sae-softmax': [{ part: '', defaults: sae }],
    // The SVM on the codes follows the autoencoder's epochs and patience, and keeps its own batch and rate.
    'sae-svm': [
      { part: 'autoencoder', defaults: sae },
      { part: 'svm', defaults: { ...svm, epochs: sae.epochs, patience: sae.patience } },
    ],
    fcnn: [{ part: '', defaults: pick(fcnnDefaults) }],
    vae: [{ part: '', defaults: pick(vaeClassifierDefaults) }],
    bigru: [{ part: '', defaults: pick(biGruDefaults) }],
    'rf-fcnn': [{ part: 'fcnn', defaults: pick(fcnnDefaults) }],
    'vae-bigru': [
      { part: 'vae', defaults: pick(vaeDefaults) },
      { part: 'bigru', defaults: pick(biGruDefaults) },
    ],
  };
}

/** The table `train --help` prints under its options. */
export function formatDeepModelDefaults(): string {
  const rows = Object.entries(deepModelDefaults()).map(([kind, parts]) => {
    const text = parts
      .map(
        ({ part, defaults: d }) =>
          `${part ? `${part} ` : ''}${d.epochs} / ${d.batchSize} / ${d.learningRate} / ${d.patience}`,
      )
      .join(', ');
    return `  ${kind.padEnd(12)} ${text}`;
  });
  return `Deep-model defaults (--epochs / --batch-size / --learning-rate / --patience), from each model's options:\n${rows.join('\n')}`;
}
