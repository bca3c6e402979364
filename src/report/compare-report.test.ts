import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractFigures } from './html/figure.js';
import { meanStd } from './html/format.js';
import { buildCompareReport } from './html-report.js';
import { buildResultsFile, summariseRuns } from './results-file.js';
import { syntheticResultsRuns, writeSyntheticRunDir } from './synthetic-runs.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'iot-ids-compare-report-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('buildCompareReport', () => {
  const runs = syntheticResultsRuns(['rf', 'fcnn'], [1, 2, 3], { splits: { corrected: [200, 400, 20] } });
  let report: string;
  beforeAll(async () => {
    // Only rf's seed 2 has a run directory: its ROC curves are drawn, fcnn's are marked missing.
    const rf2 = runs.find((r) => r.id === 'rf-seed2')!;
    rf2.dir = 'runs/rf-seed2';
    rf2.metrics = (
      await writeSyntheticRunDir(join(root, rf2.dir), {
        model: 'rf',
        seed: 2,
        stages: null,
        splits: { corrected: [200, 400, 20] },
      })
    ).metrics;
    report = await buildCompareReport(buildResultsFile('two models', runs), {
      baseDir: root,
      generatedAt: '2025-01-01T00:00:00Z',
    });
  });

  it('draws the overview, spread, ROC and pooled confusion figures, each with its context', () => {
    const group = 'group-kdd99-ddos-u2r-normal-official-corrected';
    expect(extractFigures(report).map((f) => f.id)).toEqual([
      `${group}-fig-metrics`,
      `${group}-fig-spread`,
      `${group}-fig-roc`,
      `${group}-fig-confusion-rf`,
      `${group}-fig-confusion-fcnn`,
    ]);
    for (const figure of extractFigures(report)) {
      expect(figure.svg, figure.id).toContain('dataset kdd99 · task ddos-u2r-normal · protocol official');
      expect(figure.svg, figure.id).toContain('split corrected · 3 seeds (1–3)');
    }
    expect(report).toContain('rf · seed 2');
    expect(report).toContain('data-missing="ROC curves of fcnn"');
    expect(report).toContain('counts summed over 3 seeds');
  });

  it('tabulates mean ± std over seeds per model, with intervals, claims and per-class figures', () => {
    const cells = summariseRuns(runs);
    const summary = /<table id="[^"]*-table-summary"[\s\S]*?<\/table>/.exec(report)![0];
    expect(summary).toContain('3 seeds (1–3)');
    for (const cell of cells) {
      expect(summary).toContain(meanStd(cell.metrics.accuracy, 'percent'));
      expect(summary).toContain(meanStd(cell.metrics.f1Macro, 'decimal'));
    }
    expect(summary).toContain('95 % CI [');
    const claims = /<table id="[^"]*-table-claims"[\s\S]*?<\/table>/.exec(report)![0];
    expect(claims).toContain('98.01 %');
    expect(claims).toContain('ours: fcnn');
    expect(claims).toContain('protocol official, split corrected');
    expect(report).toMatch(/<table id="[^"]*-table-per-class"/);
    expect(report).toContain('<table id="table-runs"');
  });

  it('is self-contained', () => {
    expect(report).not.toMatch(/https?:\/\//);
    expect(report).not.toMatch(/<script|<link|<img/i);
  });

  it('marks an empty comparison instead of failing', async () => {
    const empty = await buildCompareReport({ formatVersion: 1, name: 'empty', runs: [], cells: [] });
    expect(empty).toContain('data-missing="runs"');
  });
});
