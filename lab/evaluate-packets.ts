/**
 * The packet-level detector on the lab, beside the two flow detectors, on the same test run:
 *
 *   - packet-ae (packet-stats + KitNET), Kitsune's protocol: its grace periods (feature map, training,
 *     calibration) take the first packets of the test run's benign lead (`lab/run.ts --lead`), then every
 *     later packet is scored with the statistics carried on;
 *   - the flow classifier: a Random Forest on `conn` features trained on the labelled train runs (and any
 *     `--benign-train` benign-only runs as `normal`), as lab/evaluate.ts trains it (interim records every
 *     `--interim` seconds);
 *   - the flow zero-day autoencoder: trained on the train runs' benign connection records (and every record
 *     of the `--benign-train` runs) through the forest's pipeline, threshold at `--flow-fpr` of held-out
 *     benign records; or, with `--zero-day-train RUN_DIR`, on every record of those benign-only runs.
 *
 * Thresholds for a target false-alert rate: with `--validation RUN_DIR` (benign-only runs, repeatable) and
 * `--packet-alerts-per-hour`, `--flow-alerts-per-hour` or `--forest-alerts-per-hour`, each detector's
 * threshold is the lowest that raises at most that many false alerts (source × window) per hour over the
 * validation runs' scored time (lab/alert-rate-threshold.ts). packet-ae calibrates on every run anew, so
 * its threshold is carried over as a number of log-normal standard deviations above the run's fitted mean
 * (the same form as its tail `--false-alarm-rate`: tail = Φ(−z)).
 *
 * Every run is scored offline over one evaluation span: from the end of packet-ae's calibration to the end
 * of the run. A flow record counts from the capture time the meter emits it (the capture is fed to the
 * meter packet by packet and each batch is stamped with the last packet read), so a flow detector's delay
 * includes the meter's wait for a connection to end or an interim tick; scoring and storing take
 * milliseconds on top (measured live in lab/evaluate.ts), not counted here. Per detector: ROC-AUC (attack
 * units against benign ones: packets for packet-ae, records for the flow detectors), per phase the share of
 * its units that alerted and the delay from the phase's logged start to the first alert, and the false
 * alerts on benign units — counted as the store folds them, one per source and 60 s window — per hour.
 *
 *   node --import tsx lab/evaluate-packets.ts --train RUN_DIR... --test RUN_DIR... [--out DIR | --eval-name NAME]
 *        [--benign-train RUN_DIR...] [--zero-day-train RUN_DIR...] [--validation RUN_DIR...]
 *        [--packet-alerts-per-hour R] [--flow-alerts-per-hour R] [--forest-alerts-per-hour R]
 *        [--trees 30] [--interim 2] [--feature-map-grace 2000] [--detector-grace 15000] [--calibration 5000]
 *        [--false-alarm-rate 1e-4] [--packet-min-alerting 1] [--flow-fpr 0.01] [--forest-min-probability 0.5]
 *        [--window 60]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rocAucBinary } from '../src/evaluate/roc.js';
import { normalQuantile } from '../src/models/packet-ae/log-normal-threshold.js';
import { PacketAe } from '../src/models/packet-ae/packet-ae.js';
import { AnomalyDetector } from '../src/models/zero-day/anomaly-detector.js';
import { fractionAbove } from '../src/models/zero-day/threshold.js';
import { takeRows } from '../src/preprocess/matrix.js';
import { meterWithTimes } from '../bench/lib/meter-with-times.js';
import { thresholdForAlertRate, type AlertRateThreshold, type ScoredUnit } from './alert-rate-threshold.js';
import { parseEvaluatePacketsOptions } from './evaluate-packets-options.js';
import { trainLabForestOnRuns, type LabTrainingRun } from './lab-forest.js';
import { buildFeatureTable } from '../src/traffic/features/feature-table.js';
import {
  LAB_BENIGN,
  LAB_UNATTRIBUTED,
  labelConnection,
  readLabGroundTruth,
  type LabGroundTruth,
} from '../src/traffic/lab-labels.js';
import type { ConnRecord } from '../src/traffic/conn-record.js';
import { PacketStats } from '../src/traffic/packet-stats/packet-stats.js';
import { readPackets } from '../src/traffic/read-packets.js';
import { Random } from '../src/util/random.js';

const runList = { type: 'string', multiple: true } as const;
const { values } = parseArgs({
  options: {
    train: runList,
    'benign-train': runList,
    'zero-day-train': runList,
    validation: runList,
    test: runList,
    out: { type: 'string' },
    'eval-name': { type: 'string' },
    interim: { type: 'string' },
    trees: { type: 'string' },
    'feature-map-grace': { type: 'string' },
    'detector-grace': { type: 'string' },
    calibration: { type: 'string' },
    'false-alarm-rate': { type: 'string' },
    'flow-fpr': { type: 'string' },
    'forest-min-probability': { type: 'string' },
    window: { type: 'string' },
    'packet-alerts-per-hour': { type: 'string' },
    'flow-alerts-per-hour': { type: 'string' },
    'forest-alerts-per-hour': { type: 'string' },
    'zero-day-seed': { type: 'string' },
    'packet-min-alerting': { type: 'string' },
  },
});
const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
let o: ReturnType<typeof parseEvaluatePacketsOptions>;
try {
  o = parseEvaluatePacketsOptions(Object.fromEntries(Object.entries(values).map(([k, v]) => [camel(k), v])));
} catch (error) {
  process.stderr.write(
    `${(error as Error).message}\nusage: node --import tsx lab/evaluate-packets.ts --train RUN_DIR... --test RUN_DIR... [--out DIR | --eval-name NAME] [options]\n`,
  );
  process.exit(2);
}
const windowSeconds = o.window;
const log = (m: string): void => void process.stderr.write(`${m}\n`);

/** One scored unit (a packet or a connection record) of a run. */
interface Unit {
  /** Capture time the verdict exists: the packet's time, or when the meter emitted the record. */
  at: number;
  label: string;
  source: string;
  score: number;
}
interface ScoredRun {
  dir: string;
  truth: LabGroundTruth;
  spanStart: number;
  spanEnd: number;
  packetAe: { gracePackets: number; autoencoders: number; mu: number; sigma: number; tailThreshold: number };
  packetUnits: Unit[];
  forestUnits: Unit[];
  /** The forest's most probable class per record is an attack class with probability ≥ the minimum. */
  forestDefaultAlert: boolean[];
  zeroDayUnits: Unit[];
}

const meterRun = async (dir: string, truth: LabGroundTruth) =>
  (await meterWithTimes(join(dir, truth.pcap), o.interim)).records;

// 1. The flow models, trained before any validation or test run is read.
const trainRuns: (LabTrainingRun & { dir: string })[] = [];
for (const dir of o.train) {
  const truth = await readLabGroundTruth(join(dir, 'ground-truth.json'));
  trainRuns.push({ dir, truth, records: (await meterRun(dir, truth)).map((r) => r.record) });
}
const benignOnly = async (dir: string, flag: string) => {
  const truth = await readLabGroundTruth(join(dir, 'ground-truth.json'));
  if (truth.phases.length > 0) throw new Error(`${flag} ${dir} has attack phases`);
  return { dir, truth, records: (await meterRun(dir, truth)).map((r) => r.record) };
};
const benignTrainRuns = [];
for (const dir of o.benignTrain) benignTrainRuns.push(await benignOnly(dir, '--benign-train'));
const {
  table: trainTable,
  classes,
  y,
  x: trainX,
  pipeline,
  forest,
} = await trainLabForestOnRuns([...trainRuns, ...benignTrainRuns], o.trees);
log(`forest: ${o.trees} trees on ${trainTable.nRows} records (${classes.join(', ')})`);

const toX = (records: readonly ConnRecord[]) =>
  pipeline.transform(buildFeatureTable(records, 'conn', { sortByTime: false, labelOf: () => 'normal' }).table)
    .x;
let zeroDayX = trainX;
let benignRows = [...y.keys()].filter((i) => y[i] === 0);
if (o.zeroDayTrain.length > 0) {
  const records = [];
  for (const dir of o.zeroDayTrain) records.push(...(await benignOnly(dir, '--zero-day-train')).records);
  zeroDayX = toX(records);
  benignRows = [...Array(zeroDayX.rows).keys()];
}
new Random(o.zeroDaySeed).shuffle(benignRows);
const holdOut = Math.max(1, Math.round(benignRows.length * 0.1));
const zeroDay = new AnomalyDetector({ seed: o.zeroDaySeed });
await zeroDay.fit(takeRows(zeroDayX, benignRows.slice(holdOut)), {
  validation: takeRows(zeroDayX, benignRows.slice(0, holdOut)),
  falsePositiveRate: o.flowFpr,
});
const heldOutErrors = zeroDay.getValidationErrors();
log(`zero-day AE: ${benignRows.length} benign records (${holdOut} held out)`);
const trainSeeds = [...trainRuns, ...benignTrainRuns].map((r) => r.truth.seed);

// 2. Scoring one run: packet-ae under Kitsune's protocol, the flow models over the same span.
async function scoreRun(dir: string): Promise<ScoredRun> {
  const truth = await readLabGroundTruth(join(dir, 'ground-truth.json'));
  const firstAttack = truth.phases.length
    ? Math.min(...truth.phases.map((p) => p.start)) - truth.grace.before
    : Number.POSITIVE_INFINITY;
  const stats = new PacketStats();
  const detector = new PacketAe({
    featureMapGrace: o.featureMapGrace,
    detectorGrace: o.detectorGrace,
    calibrationSamples: o.calibration,
    falseAlarmRate: o.falseAlarmRate,
  });
  const x = new Float64Array(stats.nFeatures);
  const packetUnits: Unit[] = [];
  let spanStart = Number.NaN;
  let lastPacket = 0;
  let gracePackets = 0;
  await readPackets(createReadStream(join(dir, truth.pcap)), {
    file: truth.pcap,
    onPacket: (p) => {
      lastPacket = p.ts;
      const wasReady = detector.ready;
      const score = detector.process(stats.extract(p, x));
      if (!wasReady) {
        gracePackets++;
        if (p.ts >= firstAttack)
          throw new Error(
            `${dir}: the benign lead is too short for the grace periods (${gracePackets} packets used)`,
          );
        if (detector.ready) spanStart = p.ts;
        return;
      }
      const label = labelConnection({ ts: p.ts, origH: p.srcIp, respH: p.dstIp }, truth);
      if (label === LAB_UNATTRIBUTED) return;
      packetUnits.push({ at: p.ts, label, source: p.srcIp, score });
    },
  });
  if (!detector.ready) throw new Error(`${dir}: the run is shorter than packet-ae’s grace periods`);
  const fit = detector.thresholdFit;

  const records = (await meterRun(dir, truth)).filter((r) => r.at >= spanStart);
  const testX = toX(records.map((r) => r.record));
  const probabilities = await forest.predictProba(testX);
  const errors = await zeroDay.score(testX);
  const k = classes.length;
  const forestUnits: Unit[] = [];
  const forestDefaultAlert: boolean[] = [];
  const zeroDayUnits: Unit[] = [];
  records.forEach(({ record, at }, i) => {
    const label = labelConnection(record, truth);
    if (label === LAB_UNATTRIBUTED) return;
    const row = probabilities.data.subarray(i * k, (i + 1) * k);
    let best = 0;
    for (let c = 1; c < k; c++) if (row[c] > row[best]) best = c;
    // The score is the most probable attack class's probability; the default rule also wants that class
    // to be the most probable of all.
    let attack = 0;
    for (let c = 1; c < k; c++) attack = Math.max(attack, row[c]);
    forestUnits.push({ at, label, source: record.origH, score: attack });
    forestDefaultAlert.push(best !== 0 && row[best] >= o.forestMinProbability);
    zeroDayUnits.push({ at, label, source: record.origH, score: errors[i] });
  });
  log(
    `${dir}: ${packetUnits.length} packets and ${records.length} records scored from ${(spanStart - truth.start).toFixed(1)} s`,
  );
  return {
    dir,
    truth,
    spanStart,
    spanEnd: lastPacket,
    packetAe: {
      gracePackets,
      autoencoders: detector.featureGroups.length,
      mu: fit.mu,
      sigma: fit.sigma,
      tailThreshold: detector.threshold!,
    },
    packetUnits,
    forestUnits,
    forestDefaultAlert,
    zeroDayUnits,
  };
}

/** A packet's score in standard deviations of the run's fitted log-normal (its threshold's own scale). */
const sigmas = (run: ScoredRun, score: number): number =>
  (Math.log(Math.max(score, 1e-12)) - run.packetAe.mu) / run.packetAe.sigma;

// 3. Thresholds for the per-hour targets, on the validation runs only.
interface Chosen {
  target: number;
  validationHours: number;
  validationRuns: string[];
  found: AlertRateThreshold;
}
let packetSigmas: (Chosen & { equivalentTail: number }) | null = null;
let zeroDayThreshold: (Chosen & { heldOutFpr: number }) | null = null;
let forestThreshold: Chosen | null = null;
if (o.validation.length > 0) {
  const validation: ScoredRun[] = [];
  for (const dir of o.validation) {
    const run = await scoreRun(dir);
    if (run.truth.phases.length > 0) throw new Error(`--validation ${dir} has attack phases`);
    validation.push(run);
  }
  const hours = validation.reduce((a, r) => a + (r.spanEnd - r.spanStart) / 3600, 0);
  const choose = (target: number, units: ScoredUnit[], minAlertingUnits = 1): Chosen => ({
    target,
    validationHours: hours,
    validationRuns: o.validation,
    found: thresholdForAlertRate(units, { alertsPerHour: target, hours, windowSeconds, minAlertingUnits }),
  });
  if (o.packetAlertsPerHour !== undefined) {
    // Sources and windows stay apart per run (the runs are separate networks with the same addresses).
    const units = validation.flatMap((r, i) =>
      r.packetUnits.map((u) => ({ at: u.at, source: `${i} ${u.source}`, score: sigmas(r, u.score) })),
    );
    const chosen = choose(o.packetAlertsPerHour, units, o.packetMinAlerting);
    packetSigmas = { ...chosen, equivalentTail: normalQuantileTail(chosen.found.threshold) };
  }
  if (o.flowAlertsPerHour !== undefined) {
    const units = validation.flatMap((r, i) =>
      r.zeroDayUnits.map((u) => ({ ...u, source: `${i} ${u.source}` })),
    );
    const chosen = choose(o.flowAlertsPerHour, units);
    zeroDayThreshold = { ...chosen, heldOutFpr: fractionAbove(heldOutErrors, chosen.found.threshold) };
  }
  if (o.forestAlertsPerHour !== undefined) {
    // Only records the default rule alerts on can raise an alert, so only they set the threshold.
    const units = validation.flatMap((r, i) =>
      r.forestUnits.map((u, j) => ({
        ...u,
        source: `${i} ${u.source}`,
        score: r.forestDefaultAlert[j] ? u.score : 0,
      })),
    );
    forestThreshold = choose(o.forestAlertsPerHour, units);
  }
  for (const [name, c] of [
    ['packet-ae (σ above the fitted log mean)', packetSigmas],
    ['zero-day AE', zeroDayThreshold],
    ['forest (attack probability)', forestThreshold],
  ] as const)
    if (c)
      log(
        `${name}: threshold ${c.found.threshold.toPrecision(6)} for ≤ ${c.target}/h on ${hours.toFixed(2)} validation hours (${c.found.alertingWindows} of ${c.found.windows} windows alert)`,
      );
}

/** The upper-tail probability of a standard normal beyond z: Φ(−z), by bisection on the quantile. */
function normalQuantileTail(z: number): number {
  if (z <= 0) return 0.5;
  let lo = 1e-300;
  let hi = 0.5;
  for (let i = 0; i < 200; i++) {
    const mid = Math.sqrt(lo * hi);
    if (-normalQuantile(mid) > z) lo = mid;
    else hi = mid;
  }
  return hi;
}

// 4. The test runs, scored once with the configuration fixed above.
const alerts = {
  packet: (run: ScoredRun, u: Unit): boolean =>
    packetSigmas ? sigmas(run, u.score) > packetSigmas.found.threshold : u.score > run.packetAe.tailThreshold,
  zeroDay: (u: Unit): boolean => u.score > (zeroDayThreshold?.found.threshold ?? zeroDay.threshold),
};
/**
 * packet-ae's k-of-window rule: a packet alerts when it is above the threshold and at least the
 * `--packet-min-alerting`-th such packet of its source in its window (packets are in capture order), so
 * the alert is raised by the k-th one and the first k − 1 only count towards it.
 */
function kOfWindow(units: readonly Unit[], above: (u: Unit) => boolean): boolean[] {
  const k = o.packetMinAlerting;
  const seen = new Map<string, number>();
  return units.map((u) => {
    if (!above(u)) return false;
    if (k === 1) return true;
    const key = `${u.source} ${Math.floor(u.at / windowSeconds)}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return n >= k;
  });
}

function figures(run: ScoredRun, units: Unit[], flagged: boolean[]) {
  const { truth } = run;
  const rocAuc = rocAucBinary(
    units.map((u) => u.score),
    units.map((u) => u.label !== LAB_BENIGN),
  );
  const phases = truth.phases.map((p) => {
    const mine = units.map((u, i) => ({ u, a: flagged[i] })).filter(({ u }) => u.label === p.name);
    const alerted = mine.filter(({ a }) => a).map(({ u }) => u);
    const first = alerted.length ? Math.min(...alerted.map((u) => u.at)) : null;
    return {
      phase: p.name,
      units: mine.length,
      alerted: alerted.length,
      detectionRate: mine.length ? alerted.length / mine.length : 0,
      delaySeconds: first === null ? null : first - p.start,
    };
  });
  const benignIdx = units.map((u, i) => i).filter((i) => units[i].label === LAB_BENIGN);
  const benign = benignIdx.map((i) => units[i]);
  const benignAlerting = benignIdx.filter((i) => flagged[i]).map((i) => units[i]);
  // Benign traffic while an attack runs shares streams with it (the device answers both), so its alerts
  // are split out from those in quiet time.
  const duringAttack = (u: Unit): boolean =>
    truth.phases.some((p) => u.at >= p.start - truth.grace.before && u.at <= p.end + truth.grace.after);
  const alertSources = new Map<string, number>();
  for (const u of benignAlerting) alertSources.set(u.source, (alertSources.get(u.source) ?? 0) + 1);
  const falseAlerts = new Set(benignAlerting.map((u) => `${u.source} ${Math.floor(u.at / windowSeconds)}`))
    .size;
  const hours = (run.spanEnd - run.spanStart) / 3600;
  return {
    rocAuc,
    phases,
    benign: {
      units: benign.length,
      alerting: benignAlerting.length,
      falseAlarmRate: benignAlerting.length / Math.max(1, benign.length),
      alertingDuringAttacks: benignAlerting.filter(duringAttack).length,
      unitsDuringAttacks: benign.filter(duringAttack).length,
      alertingBySource: Object.fromEntries(alertSources),
      falseAlerts,
      falseAlertsPerHour: falseAlerts / hours,
    },
  };
}

for (const dir of o.test) {
  const run = await scoreRun(dir);
  const { truth } = run;
  const out = o.out ?? join(dir, o.evalName);
  await mkdir(out, { recursive: true });
  const hours = (run.spanEnd - run.spanStart) / 3600;
  const forestThresholdValue = forestThreshold?.found.threshold ?? Number.NEGATIVE_INFINITY;
  const result = {
    train: o.train,
    benignTrain: o.benignTrain,
    validation: o.validation,
    test: dir,
    seeds: [trainSeeds[0], truth.seed],
    trainSeeds,
    span: { start: run.spanStart - truth.start, end: run.spanEnd - truth.start, hours },
    packetAe: {
      gracePackets: run.packetAe.gracePackets,
      threshold: packetSigmas
        ? Math.exp(run.packetAe.mu + packetSigmas.found.threshold * run.packetAe.sigma)
        : run.packetAe.tailThreshold,
      falseAlarmRate: packetSigmas ? packetSigmas.equivalentTail : o.falseAlarmRate,
      fit: { mu: run.packetAe.mu, sigma: run.packetAe.sigma },
      chosen: packetSigmas,
      autoencoders: run.packetAe.autoencoders,
      minAlertingPackets: o.packetMinAlerting,
      ...figures(
        run,
        run.packetUnits,
        kOfWindow(run.packetUnits, (u) => alerts.packet(run, u)),
      ),
    },
    flowClassifier: {
      interimSeconds: o.interim,
      trees: o.trees,
      trainRecords: trainTable.nRows,
      minProbability: o.forestMinProbability,
      chosen: forestThreshold,
      ...figures(
        run,
        run.forestUnits,
        run.forestUnits.map((u, i) => run.forestDefaultAlert[i] && u.score > forestThresholdValue),
      ),
    },
    flowZeroDay: {
      trainedOn: o.zeroDayTrain.length ? o.zeroDayTrain : [...o.train, ...o.benignTrain],
      trainRecords: benignRows.length,
      falsePositiveRate: zeroDayThreshold ? zeroDayThreshold.heldOutFpr : o.flowFpr,
      threshold: zeroDayThreshold?.found.threshold ?? zeroDay.threshold,
      chosen: zeroDayThreshold,
      ...figures(run, run.zeroDayUnits, run.zeroDayUnits.map(alerts.zeroDay)),
    },
  };
  await writeFile(join(out, 'evaluation-packets.json'), `${JSON.stringify(result, null, 2)}\n`);

  const pct = (v: number): string => `${(100 * v).toFixed(1)} %`;
  const cell = (p: { detectionRate: number; delaySeconds: number | null; units: number }): string =>
    p.units === 0
      ? 'no units'
      : `${pct(p.detectionRate)}, ${p.delaySeconds === null ? 'no alert' : `${p.delaySeconds.toFixed(2)} s`}`;
  const detectors = [
    ['packet-ae (packets)', result.packetAe],
    ['flow classifier (records)', result.flowClassifier],
    ['flow zero-day AE (records)', result.flowZeroDay],
  ] as const;
  const lines = [
    `| measure | ${detectors.map(([name]) => name).join(' | ')} |`,
    `|---|${detectors.map(() => '---').join('|')}|`,
    `| ROC-AUC (attack vs benign) | ${detectors.map(([, d]) => (d.rocAuc === null ? 'n/a' : d.rocAuc.toFixed(3))).join(' | ')} |`,
    ...truth.phases.map(
      (p, i) =>
        `| ${p.name}: detection rate, delay to first alert | ${detectors.map(([, d]) => cell(d.phases[i])).join(' | ')} |`,
    ),
    `| benign units alerting | ${detectors.map(([, d]) => `${d.benign.alerting} of ${d.benign.units} (${pct(d.benign.falseAlarmRate)})`).join(' | ')} |`,
    `| of which during an attack phase | ${detectors.map(([, d]) => `${d.benign.alertingDuringAttacks} of ${d.benign.unitsDuringAttacks}`).join(' | ')} |`,
    `| false alerts (source × ${windowSeconds} s window) per hour | ${detectors.map(([, d]) => `${d.benign.falseAlerts} → ${d.benign.falseAlertsPerHour.toFixed(1)}`).join(' | ')} |`,
    '',
    `Span: ${result.span.start.toFixed(1)}–${result.span.end.toFixed(1)} s of ${dir} (${(hours * 3600).toFixed(0)} s); packet-ae grace ${run.packetAe.gracePackets} packets, threshold ${result.packetAe.threshold.toPrecision(4)}${packetSigmas ? ` (${packetSigmas.found.threshold.toFixed(3)} σ, tail ${packetSigmas.equivalentTail.toPrecision(3)})` : ''}; zero-day threshold ${result.flowZeroDay.threshold.toPrecision(4)} (${pct(result.flowZeroDay.falsePositiveRate)} of held-out training records); forest ${o.trees} trees${forestThreshold ? `, attack probability > ${forestThreshold.found.threshold.toPrecision(4)}` : ''}.`,
  ];
  await writeFile(join(out, 'evaluation-packets.md'), `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
await forest.dispose();
zeroDay.dispose();
