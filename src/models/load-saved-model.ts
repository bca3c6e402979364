import type { FeaturePipeline } from '../preprocess/pipeline.js';
import type { Classifier } from './estimator.js';
import { readModelDir, type ModelManifest } from './model-dir.js';
import { modelDescriptor, parseModelOptions } from './registry.js';

/** Loads a verified model directory: manifest, fitted pipeline and the model itself. */
export async function loadSavedModel(
  dir: string,
): Promise<{ manifest: ModelManifest; pipeline: FeaturePipeline; model: Classifier }> {
  const { manifest, pipeline } = await readModelDir(dir);
  const descriptor = modelDescriptor(manifest.kind);
  const { seed: _seed, ...options } = manifest.options;
  parseModelOptions(manifest.kind, options, `${dir}/manifest.json`);
  const model = await descriptor.load(dir, manifest.options);
  return { manifest, pipeline, model };
}
