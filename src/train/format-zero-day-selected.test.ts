import { describe, expect, it } from 'vitest';
import type { CombinedFigures } from './anomaly-rate-selection.js';
import type { SelectedSeedResult, ZeroDaySelectedEvaluation } from './evaluate-zero-day-selected.js';
import { formatZeroDaySelectedMarkdown } from './format-zero-day-selected.js';

const figures = (binaryAccuracy: number, accuracy: number): CombinedFigures => ({
  binaryAccuracy,
  falseAlarmRate: 0.1,
  attackRecall: 0.8,
  accuracy,
  macroF1: 0.5,
  recall: [0.9, 0.4],
});

const seed = (n: number, binaryRate: number, testBinary: number): SelectedSeedResult => ({
  seed: n,
  validationDetail: 'held out smurf',
  validationRows: 100,
  validationNormalRows: 60,
  validationHeldOutAttackRows: 40,
  autoencoderTrainRows: 540,
  autoencoderEpochs: 50,
  autoencoderSeconds: 120.4,
  validationClassifier: figures(0.7, 0.6),
  candidates: [
    { falsePositiveRate: 0.01, threshold: 0.3, figures: figures(0.75, 0.62) },
    { falsePositiveRate: 0.1, threshold: 0.1, figures: figures(0.85, 0.58) },
  ],
  binaryRate,
  multiClassRate: 0.01,
  tests: [
    {
      split: 'KDDTest+',
      rows: 1000,
      classifier: figures(0.78, 0.76),
      binaryRoute: figures(testBinary, 0.8),
      multiClassRoute: figures(0.79, 0.77),
    },
  ],
});

describe('formatZeroDaySelectedMarkdown', () => {
  it('shows each seed’s choice, the candidates on validation and the test figures as mean ± std', () => {
    const evaluation: ZeroDaySelectedEvaluation = {
      dataset: 'nsl-kdd',
      trainSplit: 'KDDTrain+',
      classifier: 'fcnn',
      classes: ['normal', 'attack'],
      rates: [0.01, 0.1],
      seeds: [seed(1, 0.1, 0.84), seed(2, 0.1, 0.86)],
    };
    const text = formatZeroDaySelectedMarkdown(evaluation);
    expect(text).toContain('| 1 | 100 (60) | 10 % | 1 % | 70.00 % → 85.00 % | 10.00 % | 60.00 % → 62.00 % |');
    expect(text).toContain('| 10 % | 85.00 ± 0.00 % |');
    // Test binary accuracy at the chosen rate: 84 and 86 % → 85.00 ± 1.41 %.
    expect(text).toContain('| binary accuracy | 78.00 ± 0.00 % | 85.00 ± 1.41 % | 79.00 ± 0.00 % |');
    expect(text).toContain('| recall attack | 40.00 ± 0.00 % |');
    expect(text).toContain(
      'rates chosen from 1 %, 10 % on leave-attack-type-out validation rows of KDDTrain+',
    );
  });
});
