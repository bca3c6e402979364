import { describe, expect, it } from 'vitest';
import {
  formatZeroDayMarkdown,
  meanStd,
  novelLabels,
  zeroDayFigures,
  type ZeroDayEvaluation,
} from './evaluate-zero-day.js';

describe('novelLabels', () => {
  it('lists the test labels the training data lacks, sorted, never normal', () => {
    const train = ['normal', 'neptune', 'smurf', 'neptune'];
    const test = ['normal', 'snmpguess', 'neptune', 'apache2', 'snmpguess', 'normal'];
    expect(novelLabels(train, test)).toEqual(['apache2', 'snmpguess']);
    expect(novelLabels(['neptune'], ['normal', 'neptune'])).toEqual([]);
  });
});

describe('zeroDayFigures', () => {
  // Rows: 4 novel attacks, 4 normal rows, 2 known attacks (counted in neither group).
  const isNovel = Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  const isNormal = Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1, 0, 0]);
  const classifierLabels = [
    'dos',
    'normal',
    'normal',
    'normal',
    'normal',
    'normal',
    'normal',
    'probe',
    'dos',
    'normal',
  ];
  const errors = Float32Array.from([0.1, 0.9, 0.8, 0.2, 0.1, 0.1, 0.7, 0.1, 0.9, 0.9]);

  it('counts recall on novel rows and false positives on normal rows for each detector and both', () => {
    const f = zeroDayFigures({ isNovel, isNormal, classifierLabels, errors, threshold: 0.5 });
    expect(f.classifierRecall).toBe(1 / 4);
    expect(f.anomalyRecall).toBe(2 / 4);
    // Row 0 by the classifier, rows 1 and 2 by anomaly alerts; row 3 by neither.
    expect(f.combinedRecall).toBe(3 / 4);
    expect(f.classifierFalsePositiveRate).toBe(1 / 4);
    expect(f.anomalyFalsePositiveRate).toBe(1 / 4);
    expect(f.combinedFalsePositiveRate).toBe(2 / 4);
    // Binary over all 10 rows: the classifier gets rows 0, 4, 5, 6, 8 right; combined, rows 1, 2 and 9
    // (attacks it called normal, flagged by the autoencoder) turn right and row 6 (a flagged normal row) wrong.
    expect(f.classifierBinaryAccuracy).toBe(5 / 10);
    expect(f.combinedBinaryAccuracy).toBe(7 / 10);
  });

  it('reduces to the classifier alone at an infinite threshold', () => {
    const f = zeroDayFigures({ isNovel, isNormal, classifierLabels, errors, threshold: Infinity });
    expect(f.combinedRecall).toBe(f.classifierRecall);
    expect(f.anomalyRecall).toBe(0);
  });

  it('refuses inputs of different lengths', () => {
    expect(() =>
      zeroDayFigures({ isNovel, isNormal, classifierLabels: ['normal'], errors, threshold: 1 }),
    ).toThrow(/same length/);
  });
});

describe('meanStd and the Markdown table', () => {
  it('uses the sample standard deviation', () => {
    expect(meanStd([1, 2, 3])).toEqual({ mean: 2, std: 1 });
    expect(meanStd([5])).toEqual({ mean: 5, std: 0 });
    expect(meanStd([]).mean).toBeNaN();
  });

  it('prints one row per rate with mean ± std over seeds and the novel labels', () => {
    const seed = (s: number, r: number) => ({
      seed: s,
      classifierRecall: 0.1 * s,
      classifierFalsePositiveRate: 0.02,
      classifierBinaryAccuracy: 0.8,
      autoencoderEpochs: 10,
      autoencoderSeconds: 1,
      byRate: [
        {
          falsePositiveRate: 0.01,
          threshold: 1,
          anomalyRecall: r,
          combinedRecall: r + 0.1,
          anomalyFalsePositiveRate: 0.01,
          combinedFalsePositiveRate: 0.03,
          combinedBinaryAccuracy: 0.84,
        },
        {
          falsePositiveRate: 0.05,
          threshold: 0.5,
          anomalyRecall: r + 0.2,
          combinedRecall: r + 0.3,
          anomalyFalsePositiveRate: 0.05,
          combinedFalsePositiveRate: 0.07,
        },
      ],
    });
    const evaluation: ZeroDayEvaluation = {
      dataset: 'nsl-kdd',
      trainSplit: 'KDDTrain+',
      testSplit: 'KDDTest+',
      classifier: 'rf',
      novelLabels: { apache2: 737, snmpguess: 331 },
      novelRows: 1068,
      normalRows: 9711,
      seeds: [seed(1, 0.4), seed(2, 0.5), seed(3, 0.6)],
    };
    const text = formatZeroDayMarkdown(evaluation);
    const rows = text.split('\n').filter((l) => l.startsWith('| '));
    expect(rows).toHaveLength(3);
    expect(rows[1]).toBe(
      '| 1 % | 20.00 ± 10.00 % | 50.00 ± 10.00 % | 60.00 ± 10.00 % | 1.00 ± 0.00 % | 3.00 ± 0.00 % | 80.00 ± 0.00 % | 84.00 ± 0.00 % |',
    );
    expect(rows[2]).toContain('| 5 % | 20.00 ± 10.00 % | 70.00 ± 10.00 % | 80.00 ± 10.00 % | 5.00 ± 0.00 %');
    // A file from before binary accuracy was recorded says so instead of printing NaN.
    expect(rows[2]).toMatch(/\| 80\.00 ± 0\.00 % \| n\/a \|$/);
    expect(text).toContain('2 labels, 1068 rows — apache2 737, snmpguess 331');
  });
});
