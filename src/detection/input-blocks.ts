import { IotIdsError } from '../errors.js';
import type { FeaturePipeline } from '../preprocess/pipeline.js';

/** Where one raw input column lands in the encoded feature matrix. */
export interface InputBlock {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** First encoded feature of the column. */
  readonly offset: number;
  /** Encoded features: 1 for a numeric column (0 when dropped as constant), one per category otherwise. */
  readonly width: number;
  /**
   * The raw value whose encoding is all zeros, i.e. the column's "neutral" value: the training minimum for
   * a numeric column (expm1 of it for a log1p column), which min-max scales to 0, and null for a categorical
   * column, whose all-zero block is how the pipeline encodes a category training never saw.
   */
  readonly neutral: number | null;
}

/**
 * The raw-column layout of a fitted pipeline's output, read from its saved state: columns in training
 * order, each taking the next `width` features. Checked against `nFeatures`, so a change in the pipeline's
 * layout fails loudly here instead of explaining the wrong features.
 */
export function inputBlocks(pipeline: FeaturePipeline): InputBlock[] {
  const state = pipeline.toJSON();
  const columns = [
    ...state.numeric.map((c) => ({
      name: c.name,
      position: c.position,
      kind: 'numeric' as const,
      width: c.dropped ? 0 : 1,
      neutral: c.log1p ? Math.expm1(c.min) : c.min,
    })),
    ...state.categorical.map((c) => ({
      name: c.name,
      position: c.position,
      kind: 'categorical' as const,
      width: c.categories.length,
      neutral: null,
    })),
  ].sort((a, b) => a.position - b.position);
  let offset = 0;
  const blocks = columns.map(({ name, kind, width, neutral }): InputBlock => {
    const block = { name, kind, offset, width, neutral };
    offset += width;
    return block;
  });
  if (offset !== pipeline.nFeatures) {
    throw new IotIdsError(
      `pipeline layout has ${offset} features but the pipeline produces ${pipeline.nFeatures}`,
    );
  }
  return blocks;
}
