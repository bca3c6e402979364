import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { extractFigures } from './html/figure.js';
import { buildRunReport } from './html-report.js';
import { writeSyntheticRunDir } from './synthetic-runs.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'iot-ids-run-report-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every way a report could fetch something: no URL may appear at all. */
function expectNoNetwork(report: string): void {
  expect(report).not.toMatch(/https?:\/\//);
  expect(report).not.toMatch(/<script|<link|<iframe|<img|@import/i);
}

describe('buildRunReport, complete run directory', () => {
  let report: string;
  beforeAll(async () => {
    const dir = join(root, 'complete');
    await writeSyntheticRunDir(dir, { splits: { corrected: [400, 900, 30] } });
    report = await buildRunReport(dir, { generatedAt: '2025-01-02T03:04:05Z' });
  });

  it('holds every figure as inline SVG, each stating dataset, task, protocol, split and seeds', () => {
    const figures = extractFigures(report);
    expect(figures.map((f) => f.id)).toEqual([
      'fig-metrics-corrected',
      'fig-per-class-corrected',
      'fig-roc-corrected',
      'fig-confusion-corrected',
      'fig-training',
    ]);
    for (const figure of figures) {
      expect(figure.svg, figure.id).toContain('dataset kdd99 · task ddos-u2r-normal · protocol official');
      expect(figure.svg, figure.id).toMatch(/split [^<]+ · 1 seed \(1\)/);
    }
    expect(report).not.toContain('data-missing');
  });

  it('holds every table, each captioned with its context', () => {
    for (const id of [
      'table-headline',
      'table-claims',
      'table-classification-corrected',
      'table-cleaning',
      'table-options',
    ]) {
      const table = new RegExp(`<table id="${id}"[\\s\\S]*?</caption>`).exec(report)?.[0];
      expect(table, id).toBeDefined();
      expect(table, id).toContain('dataset kdd99 · task ddos-u2r-normal · protocol official');
      expect(table, id).toContain('1 seed (1)');
    }
  });

  it('puts the published claims beside ours, labelled and with our protocol', () => {
    const claims = /<table id="table-claims"[\s\S]*?<\/table>/.exec(report)![0];
    expect(claims).toContain('Claimed by the paper');
    expect(claims).toContain('AUTODEEP-ID');
    for (const figure of ['98.01 %', '0.9900', '0.9821', '0.9789']) expect(claims).toContain(figure);
    expect(claims).toContain('protocol official');
    expect(claims).toContain('claimed</span>');
  });

  it('lays the classification report out like scikit-learn, with averages', () => {
    const table = /<table id="table-classification-corrected"[\s\S]*?<\/table>/.exec(report)![0];
    for (const label of [
      'precision',
      'recall',
      'f1-score',
      'support',
      'normal',
      'ddos',
      'u2r',
      'accuracy',
      'macro avg',
      'weighted avg',
    ]) {
      expect(table).toContain(label);
    }
    expect(table).toContain('1,330'); // support total
  });

  it('reports cleaning and stays self-contained and printable', () => {
    expect(report).toContain('wrong column count 2');
    expect(report).toContain('SMOTE added 1,200 u2r');
    expect(report).toContain('@media print');
    expect(report).toContain('2025-01-02T03:04:05Z');
    expectNoNetwork(report);
  });
});

describe('buildRunReport, pieces missing', () => {
  it('marks an absent history.json and roc.json instead of failing', async () => {
    const dir = join(root, 'bare');
    await writeSyntheticRunDir(dir, { stages: null, withRoc: false, splits: { corrected: [100, 100, 10] } });
    const report = await buildRunReport(dir);
    expect(report).toContain('data-missing="training curves"');
    expect(report).toContain('history.json is not in the run directory');
    expect(report).toContain('data-missing="ROC curves for corrected"');
    expect(extractFigures(report).map((f) => f.id)).toEqual([
      'fig-metrics-corrected',
      'fig-per-class-corrected',
      'fig-confusion-corrected',
    ]);
    expectNoNetwork(report);
  });

  it('marks an unreadable history.json and an official test split the run did not evaluate', async () => {
    const dir = join(root, 'partial');
    await writeSyntheticRunDir(dir, {
      dataset: 'nsl-kdd',
      task: '5class',
      classes: ['normal', 'dos', 'probe', 'r2l', 'u2r'],
      splits: { 'KDDTest+': [90, 70, 20, 15, 5] },
    });
    await writeFile(join(dir, 'history.json'), '{ "formatVersion": 1, "stages": ');
    const report = await buildRunReport(dir);
    expect(report).toContain('data-missing="split KDDTest-21"');
    expect(report).toMatch(
      /data-missing="training curves"[^>]*>\s*<strong>Missing: training curves.<\/strong>\s*history\.json: not valid JSON/,
    );
    expect(report).toContain('Sangwan &amp; Chhillar');
    expect(report).toContain('<em>not stated</em>');
  });

  it('labels the random-split protocol as inflated', async () => {
    const dir = join(root, 'inflated');
    await writeSyntheticRunDir(dir, {
      protocol: 'random-split',
      stages: null,
      splits: { 'kddcup.data_10_percent (random 20% hold-out)': [50, 50, 5] },
    });
    const report = await buildRunReport(dir);
    expect(report).toContain('Inflated protocol.');
    expect(report).toContain('random-split (INFLATED)');
  });

  it('refuses a directory without metrics.json as a usage error', async () => {
    await expect(buildRunReport(join(root, 'nothing-here'))).rejects.toSatisfy(
      (error: unknown) =>
        error instanceof IotIdsError && error.kind === 'usage' && /metrics\.json/.test(error.message),
    );
  });

  it('names the file and field of a malformed metrics.json', async () => {
    const dir = join(root, 'malformed');
    await writeSyntheticRunDir(dir, {});
    await writeFile(join(dir, 'metrics.json'), JSON.stringify({ formatVersion: 1, dataset: 'kdd99' }));
    await expect(buildRunReport(dir)).rejects.toThrow(/metrics\.json, field "task"/);
  });
});
