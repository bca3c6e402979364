/**
 * Issue 17, NSL-KDD 5class: the "classifier + anomaly alerts" route with other classifiers, routers and
 * anomaly scores, CHOSEN on leave-attack-type-out (LATO) validation rows of KDDTrain+ (docs/results.md,
 * "5-class route, second round"). Two phases:
 *
 *   # validation only: no test file is read
 *   node --import tsx bench/nsl5class-lato.ts --phase validate --seeds 1,2 --out /tmp/nsl5class
 *   # the chosen candidate, test files read once per seed, at the rates validation chose
 *   node --import tsx bench/nsl5class-lato.ts --phase final --seeds 1,2,3,4,5 --out /tmp/nsl5class \
 *     --candidate fcnn5/nearest/error
 *
 * Per seed the validate phase trains, on the LATO fit part only: five FCNNs (honest-best's configuration,
 * seeds s, s+1000, …), a forest (defaults), the autoencoder (normal fit rows; validation normal rows stop it
 * and set its quantiles; cached in <out>/ae-seed-s and reused by the final phase, as in
 * train/evaluate-zero-day-selected.ts) and a router (forest, defaults) from the autoencoder's residual
 * profile x − x̂ of the fit part's attack rows to their attack class. Every candidate — classifier
 * (fcnn1 | fcnn5 | rf+fcnn5) × route (nearest | residual) × anomaly score (error | doubt) — is scored on the
 * validation rows at every rate of --rates; <out>/validate-seed-s.json keeps it all. The stages themselves are
 * src/train/ensemble-anomaly-route.ts, which compare's `anomalyAlerts.routes` runs too.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { loadLabelledSplit } from '../src/data/labelled-split.js';
import { dataSearchPath } from '../src/data/locate.js';
import { resolveDataset } from '../src/data/registry.js';
import { IotIdsError } from '../src/errors.js';
import { residualProfile } from '../src/models/zero-day/residual-profile.js';
import {
  ensembleScores,
  finalRoute,
  judgeRoute,
  latoStage,
  memberScores,
  parseRouteClassifier,
  readOfficialTests,
  residualRouterScores,
  routeSettings,
  ROUTE_ROUTERS,
  ROUTE_SCORES,
  type RouteRouter,
  type RouteScore,
} from '../src/train/ensemble-anomaly-route.js';
import { routeAnomalies } from '../src/models/zero-day/route-unknown.js';
import {
  chooseByAccuracyPlusF1,
  verdictFigures,
  type VerdictFigures,
} from '../src/train/unknown-attack-routes.js';
import { writeJsonAtomic } from '../src/util/atomic-write.js';
import { silentProgress } from '../src/util/progress-reporter.js';
import { benchDataDir } from './lib/nsl-kdd-matrices.js';

const { values: args } = parseArgs({
  options: {
    phase: { type: 'string', default: 'validate' },
    seeds: { type: 'string', default: '1,2' },
    out: { type: 'string', default: '/tmp/nsl5class' },
    rates: { type: 'string', default: '1,2,5,10' },
    members: { type: 'string', default: '5' },
    candidate: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  },
});

/** honest-best's FCNN (experiments/honest-best.json), with log1p in the pipeline. */
const FCNN_OPTIONS = { classWeight: 'balanced', classWeightPower: 0.5, classWeightMax: 50, epochs: 1 };

const seeds = args.seeds.split(',').map(Number);
const rates = args.rates.split(',').map((r) => Number(r) / 100);
const nMembers = Number(args.members);
const CLASSIFIERS = ['fcnn1', `fcnn${nMembers}`, `rf+fcnn${nMembers}`].map(parseRouteClassifier);
const log = (message: string): void => {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

const dataset = await resolveDataset('nsl-kdd');
const loadOptions = { searchPath: dataSearchPath(benchDataDir), progress: silentProgress };
const settings = routeSettings({
  dataset,
  train: await loadLabelledSplit(dataset, dataset.official.train, '5class', loadOptions),
  log1p: true,
  fcnnOptions: FCNN_OPTIONS,
  forestOptions: {},
  validationFraction: 0.1,
  log,
});
const { train, normalIndex } = settings;
await mkdir(args.out, { recursive: true });

const aeDir = (seed: number): string => join(args.out, `ae-seed-${seed}`);

interface CandidateResult {
  candidate: string;
  rates: { falsePositiveRate: number; figures: VerdictFigures }[];
  chosenRate: number;
  chosen: VerdictFigures;
}

async function validate(seed: number): Promise<void> {
  const started = performance.now();
  const stage = await latoStage(settings, seed, aeDir(seed), { falsePositiveRate: rates[0] });
  const { parts, heldOut, fitX, validationX, detector, weights } = stage;
  const y = parts.validation.y;
  const [models] = await memberScores(
    settings,
    seed,
    { fcnn: nMembers, forest: true },
    { x: fitX, y: parts.fit.y },
    { x: validationX, y },
    [validationX],
  );
  const errors = await detector.score(validationX);
  const [residualScores] = await residualRouterScores(
    settings,
    seed,
    residualProfile(weights, fitX),
    parts.fit.y,
    [residualProfile(weights, validationX)],
  );
  const normalRows = Int32Array.from(Array.from(y.keys()).filter((i) => y[i] === normalIndex));
  const results: CandidateResult[] = [];
  const alone: Record<string, VerdictFigures> = {};
  for (const classifier of CLASSIFIERS) {
    const scores = ensembleScores(classifier, models);
    const none = new Uint8Array(y.length);
    alone[classifier.name] = verdictFigures(
      y,
      routeAnomalies(scores, none, normalIndex),
      train.classes.length,
      normalIndex,
    );
    for (const score of ROUTE_SCORES) {
      for (const router of ROUTE_ROUTERS) {
        const judged = judgeRoute({
          settings,
          score,
          y,
          scores,
          errors,
          normalRows,
          routeScores: router === 'residual' ? residualScores : undefined,
          rates,
        }).map((r) => ({ falsePositiveRate: r.falsePositiveRate, figures: r.figures }));
        const chosen = chooseByAccuracyPlusF1(judged);
        results.push({
          candidate: `${classifier.name}/${router}/${score}`,
          rates: judged,
          chosenRate: chosen.falsePositiveRate,
          chosen: chosen.figures,
        });
      }
    }
  }
  await writeJsonAtomic(join(args.out, `validate-seed-${seed}.json`), {
    seed,
    validationDetail: parts.detail,
    validationRows: y.length,
    validationNormalRows: normalRows.length,
    validationHeldOutAttackRows: heldOut,
    classes: train.classes,
    autoencoderEpochs: detector.info.epochsRun,
    classifierAlone: alone,
    candidates: results,
    seconds: Math.round((performance.now() - started) / 1000),
  });
  detector.dispose();
  for (const r of results) {
    log(
      `seed ${seed} ${r.candidate.padEnd(26)} rate ${r.chosenRate}: acc ${(100 * r.chosen.accuracy).toFixed(2)} ` +
        `F1 ${(100 * r.chosen.macroF1).toFixed(2)} recall ${r.chosen.recall.map((v) => (100 * v).toFixed(1)).join(' / ')}`,
    );
  }
}

async function final(seed: number): Promise<void> {
  const candidate = args.candidate;
  if (!candidate)
    throw new IotIdsError('--phase final needs --candidate, the configuration validation chose');
  const [classifier, router, score] = candidate.split('/');
  if (!ROUTE_ROUTERS.includes(router as RouteRouter) || !ROUTE_SCORES.includes(score as RouteScore)) {
    throw new IotIdsError(`--candidate ${candidate} is not classifier/(nearest|residual)/(error|doubt)`);
  }
  const spec = {
    classifier: parseRouteClassifier(classifier),
    router: router as RouteRouter,
    score: score as RouteScore,
  };
  const saved = JSON.parse(await readFile(join(args.out, `validate-seed-${seed}.json`), 'utf8')) as {
    candidates: CandidateResult[];
  };
  const chosen = saved.candidates.find((c) => c.candidate === candidate);
  if (!chosen) throw new IotIdsError(`validate-seed-${seed}.json has no candidate ${candidate}`);
  const rate = chosen.chosenRate;
  const selection = await latoStage(settings, seed, aeDir(seed), {
    falsePositiveRate: rates[0],
    mustExist: true,
  });
  // Only after the training is the test files read, once. --dry-run checks this code path on the held
  // normal rows instead, reading no test file.
  const route = await finalRoute(settings, selection, spec, rate, async (held) =>
    args['dry-run'] ? [held] : readOfficialTests(dataset, loadOptions),
  );
  selection.detector.dispose();
  const k = train.classes.length;
  const figures = route.splits.map((s) => ({
    split: s.split.name,
    rows: s.split.y.length,
    classifierAlone: verdictFigures(s.split.y, s.alone, k, normalIndex),
    route: verdictFigures(s.split.y, s.predicted, k, normalIndex),
  }));
  await writeJsonAtomic(
    join(
      args.out,
      `${args['dry-run'] ? 'dry-run' : 'final'}-${candidate.replaceAll('/', '_')}-seed-${seed}.json`,
    ),
    {
      seed,
      candidate,
      rate,
      figures,
    },
  );
  for (const f of figures) {
    log(
      `FINAL seed ${seed} ${candidate} rate ${rate} ${f.split}: acc ${(100 * f.route.accuracy).toFixed(2)} F1 ${(100 * f.route.macroF1).toFixed(2)} ` +
        `(alone ${(100 * f.classifierAlone.accuracy).toFixed(2)})`,
    );
  }
}

// Last, so every function and constant above is initialised.
for (const seed of seeds) {
  if (args.phase === 'validate') await validate(seed);
  else if (args.phase === 'final') await final(seed);
  else throw new IotIdsError(`--phase must be validate or final, got ${args.phase}`);
}
