import type { FeaturePipeline } from '../preprocess/pipeline.js';
import type { Classifier } from './estimator.js';
import { readModelDir, type ModelManifest } from './model-dir.js';
import { loadModel } from './model-loaders.js';
import { parseModelOptions } from './model-options.js';

/**
 * Loads a verified model directory: manifest, fitted pipeline and the model itself (only that model's code is
 * imported, see model-loaders.ts).
 */
export async function loadSavedModel(
  dir: string,
): Promise<{ manifest: ModelManifest; pipeline: FeaturePipeline; model: Classifier }> {
  const { manifest, pipeline } = await readModelDir(dir);
  const { seed: _seed, ...options } = manifest.options;
  parseModelOptions(manifest.kind, options, `${dir}/manifest.json`);
  const model = await loadModel(manifest.kind, dir, manifest.options);
  return { manifest, pipeline, model };
}
