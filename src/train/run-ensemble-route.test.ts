import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { formatCompareTable } from '../cli/compare-table.js';
import { loadLabelledSplit } from '../data/labelled-split.js';
import { dataSearchPath } from '../data/locate.js';
import { resolveDataset } from '../data/registry.js';
import { buildCompareReport } from '../report/compare-report.js';
import { buildResultsFile } from '../report/results-file.js';
import { silentProgress } from '../util/progress-reporter.js';
import {
  finalRoute,
  latoStage,
  parseRouteClassifier,
  readOfficialTests,
  routeSettings,
  validateRoute,
} from './ensemble-anomaly-route.js';
import { parseExperimentConfig } from './experiment-config.js';
import { runGrid } from './run-grid.js';
import { binaryFigures } from './anomaly-rate-selection.js';
import { writeSyntheticNslKdd } from './test-helpers/synthetic-nsl-kdd.js';
import { chooseByAccuracyPlusF1, verdictFigures } from './unknown-attack-routes.js';

const FCNN = { epochs: 1, hiddenUnits: [8] };
const AUTOENCODER = { epochs: 2, hiddenUnits: [8, 4], batchSize: 64 };
const RATES = [0.05, 0.2];

const config = () =>
  parseExperimentConfig(
    {
      name: 'second-round',
      grid: { dataset: ['nsl-kdd'], model: ['fcnn'], task: ['5class'], protocol: ['official'] },
      options: { fcnn: FCNN },
      log1p: true,
      anomalyAlerts: {
        thresholdFrom: 'lato-validation',
        rates: RATES,
        criteria: { binary: 'binary-accuracy', '5class': 'accuracy+macro-f1' },
        routes: { '5class': { classifier: 'rf+fcnn2', router: 'residual', score: 'doubt' } },
        autoencoder: AUTOENCODER,
      },
    },
    'second-round.json',
  );

describe('binaryFigures', () => {
  it('counts any attack class as flagged', () => {
    // normal = 0; rows: normal→normal, normal→dos, dos→probe, probe→normal
    const figures = binaryFigures(Int32Array.from([0, 0, 1, 2]), Int32Array.from([0, 1, 2, 0]), 0);
    expect(figures).toEqual({ binaryAccuracy: 0.5, falseAlarmRate: 0.5, attackRecall: 0.5 });
  });
});

describe('compare: anomalyAlerts.routes.5class (synthetic NSL-KDD)', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'ensemble-route-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('runs the route beside the binary one, gives the shared stages’ figures and reports them', async () => {
    const dataDir = await writeSyntheticNslKdd(await tempDir());
    const out = join(await tempDir(), 'out');
    const grid = await runGrid(config(), { seeds: 1, out, dataDir });
    expect(grid.outcomes.map((o) => o.run.id)).toEqual([
      'nsl-kdd__5class__official__fcnn__seed1',
      'nsl-kdd__binary__official__fcnn+anomaly-alerts__seed1',
      'nsl-kdd__5class__official__rf+fcnn2-residual-doubt+anomaly-alerts__seed1',
    ]);
    const { metrics } = grid.outcomes[2];
    const record = metrics.anomalyAlerts;
    if (!record) throw new Error('the route run has no anomalyAlerts record');
    expect(record.classifier).toBe('rf+fcnn2');
    expect(record.route).toEqual({ router: 'residual', score: 'doubt' });
    expect(record.criterion).toBe('accuracy+macro-f1');
    expect(record.validationHeldOutAttackRows).toBeGreaterThan(0);
    expect(record.candidates.map((c) => c.rate)).toEqual(RATES);
    const best = chooseByAccuracyPlusF1(
      record.candidates.map((c) => ({
        falsePositiveRate: c.rate,
        figures: { accuracy: c.accuracy, macroF1: c.macroF1, recall: [], falseAlarmRate: c.falseAlarmRate },
      })),
    );
    expect(record.chosenRate).toBe(best.falsePositiveRate);
    expect(metrics.validation?.scheme).toBe('leave-attack-type-out');
    expect(metrics.classes).toEqual(['normal', 'dos', 'probe', 'r2l', 'u2r']);
    expect(Object.keys(metrics.splits)).toEqual(['KDDTest+', 'KDDTest-21']);
    const test = metrics.splits['KDDTest+'];
    expect(test.n).toBe(166);
    expect(record.falseAlarmRate['KDDTest+']).toBeCloseTo(1 - test.perClass.normal.recall, 12);

    // The same stages run directly (as bench/nsl5class-lato.ts runs them) give the same figures.
    const dataset = await resolveDataset('nsl-kdd');
    const loadOptions = { searchPath: dataSearchPath(dataDir), progress: silentProgress };
    const settings = routeSettings({
      dataset,
      train: await loadLabelledSplit(dataset, 'KDDTrain+', '5class', loadOptions),
      log1p: true,
      fcnnOptions: FCNN,
      forestOptions: {},
      validationFraction: 0.1,
      detector: AUTOENCODER,
      log: () => undefined,
    });
    const spec = {
      classifier: parseRouteClassifier('rf+fcnn2'),
      router: 'residual',
      score: 'doubt',
    } as const;
    const aeDir = join(await tempDir(), 'ae');
    const stage = await latoStage(settings, 1, aeDir, { falsePositiveRate: RATES[0] });
    const chosen = chooseByAccuracyPlusF1(await validateRoute(settings, stage, spec, RATES));
    stage.detector.dispose();
    expect(chosen.falsePositiveRate).toBe(record.chosenRate);
    const selection = await latoStage(settings, 1, aeDir, { falsePositiveRate: RATES[0], mustExist: true });
    const final = await finalRoute(settings, selection, spec, chosen.falsePositiveRate, () =>
      readOfficialTests(dataset, loadOptions),
    );
    selection.detector.dispose();
    expect(final.threshold).toBe(record.threshold);
    for (const s of final.splits) {
      const direct = verdictFigures(s.split.y, s.predicted, 5, 0);
      expect(metrics.splits[s.split.name].accuracy).toBe(direct.accuracy);
      expect(metrics.splits[s.split.name].f1.macro).toBeCloseTo(direct.macroF1, 12);
    }

    const results = buildResultsFile(
      'second-round',
      grid.outcomes.map((o) => ({ ...o.run, dir: o.dir, metrics: o.metrics })),
    );
    const cell = results.cells.find(
      (c) => c.model === 'rf+fcnn2-residual-doubt+anomaly-alerts' && c.split === 'KDDTest+',
    );
    expect(cell?.anomalyAlerts).toMatchObject({
      criterion: 'accuracy+macro-f1',
      chosenRates: [record.chosenRate],
    });
    expect(formatCompareTable(results.cells)).toMatch(
      /^rf\+fcnn2-residual-doubt\+anomaly-alerts\s+nsl-kdd\s+5class\s+KDDTest\+\s+1\s+[\d.]+ %.*validation accuracy\+macro-f1/m,
    );
    const html = await buildCompareReport(results, { baseDir: out });
    const claims = /<table id="group-nsl-kdd-5class-official-kddtest-plus-table-claims"[^]*?<\/table>/.exec(
      html,
    )?.[0];
    expect(claims).toContain('ours: rf+fcnn2-residual-doubt+anomaly-alerts');
    expect(claims).toContain('by validation accuracy+macro-f1');

    // A second compare keeps the finished seed.
    const again = await runGrid(config(), { seeds: 1, out, dataDir });
    expect(again.outcomes.every((o) => o.reused)).toBe(true);
    expect(again.outcomes[2].metrics).toEqual(metrics);
  }, 180_000);
});
