import { usageError } from '../errors.js';
import type { Classifier } from './estimator.js';
import { MODEL_KINDS, type ModelKind } from './model-kinds.js';

type Loader = (dir: string, options: Record<string, unknown>) => Promise<Classifier>;

/**
 * How each model kind is reloaded from its directory, each model's code imported only when it is loaded:
 * the deep models import TF.js and its wasm backend (≈ 40 MB of RSS), which a process serving a Random
 * Forest (`watch`, `serve`, `detect`) never uses. The registry's descriptors load through these too.
 */
export const MODEL_LOADERS: Record<ModelKind, Loader> = {
  rf: async (dir, options) =>
    (await import('./random-forest/forest.js')).RandomForestClassifier.load(dir, options),
  svm: async (dir, options) => (await import('./svm/svm.js')).SvmClassifier.load(dir, options),
  'sae-softmax': async (dir, options) =>
    (await import('./sae/sae-softmax.js')).SaeSoftmaxClassifier.load(dir, options),
  'sae-svm': async (dir, options) => (await import('./sae/sae-svm.js')).SaeSvmClassifier.load(dir, options),
  fcnn: async (dir, options) => (await import('./fcnn/fcnn.js')).FcnnClassifier.load(dir, options),
  vae: async (dir, options) => (await import('./vae/vae-classifier.js')).VaeClassifier.load(dir, options),
  bigru: async (dir, options) => (await import('./bigru/bigru.js')).BiGruClassifier.load(dir, options),
  'vae-bigru': async (dir, options) =>
    (await import('./bigru/vae-bigru.js')).VaeBiGruClassifier.load(dir, options),
  'rf-fcnn': async (dir, options) =>
    (await import('./ensemble/rf-fcnn.js')).RfFcnnEnsemble.load(dir, options),
};

/** Reloads a saved model of `kind` (the same unknown-kind error as the registry's). */
export function loadModel(kind: string, dir: string, options: Record<string, unknown>): Promise<Classifier> {
  if (!Object.hasOwn(MODEL_LOADERS, kind)) {
    throw usageError(`unknown model "${kind}"; known models: ${MODEL_KINDS.join(', ')}`);
  }
  return MODEL_LOADERS[kind as ModelKind](dir, options);
}
