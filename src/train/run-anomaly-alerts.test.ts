import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { formatCompareTable } from '../cli/compare-table.js';
import type { MetricsFile } from '../evaluate/metrics-file.js';
import { buildCompareReport } from '../report/compare-report.js';
import { buildResultsFile } from '../report/results-file.js';
import { chooseRate } from './anomaly-rate-selection.js';
import { parseExperimentConfig } from './experiment-config.js';
import { runGrid } from './run-grid.js';
import { writeSyntheticNslKdd } from './test-helpers/synthetic-nsl-kdd.js';

const config = (extra: Record<string, unknown> = {}) =>
  parseExperimentConfig(
    {
      name: 'route',
      grid: { dataset: ['nsl-kdd'], model: ['fcnn'], task: ['5class'], protocol: ['official'] },
      options: { fcnn: { epochs: 1, hiddenUnits: [8] } },
      anomalyAlerts: {
        thresholdFrom: 'lato-validation',
        rates: [0.05, 0.2],
        criteria: { binary: 'binary-accuracy', '5class': 'accuracy' },
        autoencoder: { epochs: 2, hiddenUnits: [8, 4], batchSize: 64 },
      },
      ...extra,
    },
    'route.json',
  );

describe('compare: classifier + anomaly alerts route (synthetic NSL-KDD)', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'anomaly-alerts-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('chooses each task rate on held-out attack types, scores the tests once, and reports it', async () => {
    const dataDir = await writeSyntheticNslKdd(await tempDir());
    const out = join(await tempDir(), 'out');
    const grid = await runGrid(config(), { seeds: 2, out, dataDir });
    const ids = grid.outcomes.map((o) => o.run.id);
    expect(ids).toEqual([
      'nsl-kdd__5class__official__fcnn__seed1',
      'nsl-kdd__5class__official__fcnn__seed2',
      'nsl-kdd__binary__official__fcnn+anomaly-alerts__seed1',
      'nsl-kdd__5class__official__fcnn+anomaly-alerts__seed1',
      'nsl-kdd__binary__official__fcnn+anomaly-alerts__seed2',
      'nsl-kdd__5class__official__fcnn+anomaly-alerts__seed2',
    ]);
    for (const outcome of grid.outcomes.slice(2)) {
      const { metrics } = outcome;
      const record = metrics.anomalyAlerts;
      if (!record) throw new Error(`${outcome.run.id} has no anomalyAlerts record`);
      // The grid's own official 5class run of the same seed is the final classifier, not trained again.
      expect(record.finalRun).toBe(join('runs', `nsl-kdd__5class__official__fcnn__seed${outcome.run.seed}`));
      expect(record.validationHeldOutAttackRows).toBeGreaterThan(0);
      expect(metrics.validation?.scheme).toBe('leave-attack-type-out');
      // The rate is the candidate the task's criterion prefers on validation rows.
      const criterion = outcome.run.task === 'binary' ? 'binary-accuracy' : 'accuracy';
      expect(record.criterion).toBe(criterion);
      const candidates = record.candidates.map((c) => ({
        falsePositiveRate: c.rate,
        threshold: c.threshold,
        figures: { ...c, recall: [] },
      }));
      expect(record.chosenRate).toBe(chooseRate(candidates, criterion).falsePositiveRate);
      expect(Object.keys(metrics.splits)).toEqual(['KDDTest+', 'KDDTest-21']);
      expect(metrics.classes).toEqual(
        outcome.run.task === 'binary' ? ['normal', 'attack'] : ['normal', 'dos', 'probe', 'r2l', 'u2r'],
      );
      const test = metrics.splits['KDDTest+'];
      expect(test.n).toBe(166);
      expect(test.rocAuc.macro).toBeNull();
      expect(record.falseAlarmRate['KDDTest+']).toBeCloseTo(1 - test.perClass.normal.recall, 12);
    }
    // The binary verdicts of a seed flag at least what its classifier alone flags.
    const alone = grid.outcomes[0].metrics.splits['KDDTest+'];
    const binary = grid.outcomes[2].metrics.splits['KDDTest+'];
    expect(binary.perClass.attack.recall).toBeGreaterThanOrEqual(alone.perClass.normal.specificity);

    const results = buildResultsFile(
      'route',
      grid.outcomes.map((o) => ({ ...o.run, dir: o.dir, metrics: o.metrics })),
    );
    const cell = results.cells.find(
      (c) => c.model === 'fcnn+anomaly-alerts' && c.task === 'binary' && c.split === 'KDDTest+',
    );
    expect(cell?.anomalyAlerts?.chosenRates).toEqual(
      grid.outcomes
        .filter((o) => o.run.id.includes('binary'))
        .map((o) => o.metrics.anomalyAlerts?.chosenRate),
    );
    expect(results.cells.find((c) => c.model === 'fcnn')?.anomalyAlerts).toBeUndefined();
    const table = formatCompareTable(results.cells);
    expect(table).toMatch(/threshold chosen per seed on leave-attack-type-out validation/);
    expect(table).toMatch(
      /^fcnn\+anomaly-alerts\s+nsl-kdd\s+binary\s+KDDTest\+\s+2\s+[\d.]+ ± [\d.]+ %\s+[\d.]+ ± [\d.]+ %\s+validation binary-accuracy\s+\d+, \d+ %$/m,
    );
    const html = await buildCompareReport(results, { baseDir: out });
    // The claims table of the binary task holds the combined column, its false alarms and its rates.
    const claims = /<table id="group-nsl-kdd-binary-official-kddtest-plus-table-claims"[^]*?<\/table>/.exec(
      html,
    )?.[0];
    expect(claims).toContain('ours: fcnn+anomaly-alerts');
    expect(claims).toContain('88.39 %');
    expect(claims).toContain('anomaly rate chosen per seed');

    // A second compare keeps every finished seed, and its figures are those recorded.
    const again = await runGrid(config(), { seeds: 2, out, dataDir });
    expect(again.outcomes.every((o) => o.reused)).toBe(true);
    const file = JSON.parse(
      await readFile(
        join(out, 'runs', 'nsl-kdd__anomaly-alerts__official__fcnn__seed1', 'anomaly-alerts.json'),
        'utf8',
      ),
    ) as { metrics: Record<string, MetricsFile> };
    expect(again.outcomes[2].metrics).toEqual(file.metrics.binary);
  }, 120_000);

  it('trains its own final classifier when the grid has no official 5class run', async () => {
    const dataDir = await writeSyntheticNslKdd(await tempDir());
    const out = join(await tempDir(), 'out');
    const grid = await runGrid(
      config({ grid: { dataset: ['nsl-kdd'], model: ['fcnn'], task: ['binary'], protocol: ['official'] } }),
      { seeds: 1, out, dataDir },
    );
    const route = grid.outcomes.filter((o) => o.run.model === 'fcnn+anomaly-alerts');
    expect(route.map((o) => o.run.task)).toEqual(['binary', '5class']);
    expect(route[0].metrics.anomalyAlerts?.finalRun).toBe(
      join('runs', 'nsl-kdd__anomaly-alerts__official__fcnn__seed1', 'final'),
    );
  }, 120_000);

  it('refuses validation rows that hold no attack type out, naming the seed', async () => {
    // One type per attack class: leave-attack-type-out can only fall back to random rows there.
    const dataDir = await writeSyntheticNslKdd(await tempDir(), {
      train: { normal: 200, neptune: 60, satan: 30, warezclient: 20, buffer_overflow: 10 },
    });
    const out = join(await tempDir(), 'out');
    await expect(runGrid(config(), { seeds: 1, out, dataDir })).rejects.toThrow(
      /validation rows of seed 1 .* hold out no attack type/,
    );
  }, 120_000);
});
