import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartFigure } from './html/figure.js';
import { html } from './html/html.js';
import { metricBarsSpec } from './charts.js';
import { writeReport } from './html-report.js';
import { countNonWhite, decodePng } from './test-helpers/decode-png.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'iot-ids-write-report-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeReport', () => {
  it('writes the HTML, and with png every chart beside it as a PNG with drawn pixels', async () => {
    const context = {
      dataset: 'kdd99',
      task: 'binary',
      protocol: 'official',
      split: 'corrected',
      seeds: [1],
    };
    const scores = {
      accuracy: { mean: 0.9 },
      precision: { mean: 0.8 },
      recall: { mean: 0.7 },
      f1: { mean: 0.75 },
      rocAuc: { mean: 0.95 },
    };
    const figures = await Promise.all(
      ['one', 'two'].map((id) =>
        chartFigure(`fig-${id}`, { label: id, caption: id }, () =>
          metricBarsSpec([{ model: id, scores }], context),
        ),
      ),
    );
    const page = html`<!doctype html>
      <main>${figures}</main>`.value;
    const path = join(root, 'out', 'report.html');
    const written = await writeReport(path, page, { png: true });
    expect(await readFile(path, 'utf8')).toBe(page);
    expect(written.pngs).toEqual([
      join(root, 'out', 'report-fig-one.png'),
      join(root, 'out', 'report-fig-two.png'),
    ]);
    for (const png of written.pngs)
      expect(countNonWhite(decodePng(await readFile(png)))).toBeGreaterThan(1000);
    // Atomic: no temporary file is left behind.
    expect((await readdir(join(root, 'out'))).sort()).toEqual([
      'report-fig-one.png',
      'report-fig-two.png',
      'report.html',
    ]);
  });

  it('writes no PNG unless asked', async () => {
    const written = await writeReport(join(root, 'plain.html'), '<p>hi</p>');
    expect(written.pngs).toEqual([]);
  });
});
