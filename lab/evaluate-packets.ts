/**
 * The packet-level detector on the lab, beside the two flow detectors, on the same test run:
 *
 *   - packet-ae (packet-stats + KitNET), Kitsune's protocol: its grace periods (feature map, training,
 *     calibration) take the first packets of the test run's benign lead (`lab/run.ts --lead`), then every
 *     later packet is scored with the statistics carried on;
 *   - the flow classifier: a Random Forest on `conn` features trained on the labelled train run, as
 *     lab/evaluate.ts trains it (interim records every `--interim` seconds);
 *   - the flow zero-day autoencoder: trained on the train run's benign connection records only (through the
 *     forest's pipeline), threshold at `--flow-fpr` of held-out benign records; or, with
 *     `--zero-day-train RUN_DIR`, on every record of a benign-only run (`lab/run.ts --benign-only`), whose
 *     connections live as long as a soak's do.
 *
 * All three are scored offline on the test run's capture, over one evaluation span: from the end of
 * packet-ae's calibration to the end of the run. A flow record counts from the capture time the meter
 * emits it (the capture is fed to the meter packet by packet and each batch is stamped with the last packet
 * read), so a flow detector's delay includes the meter's wait for a connection to end or an interim tick;
 * scoring and storing take milliseconds on top (measured live in lab/evaluate.ts), not counted here.
 * Per detector: ROC-AUC (attack units against benign ones: packets for packet-ae, records for the flow
 * detectors), per phase the share of its units that alerted and the delay from the phase's logged start to
 * the first alert, and the false alerts on benign units — counted as the store folds them, one per source
 * and 60 s window — per hour of the span.
 *
 *   node --import tsx lab/evaluate-packets.ts --train RUN_DIR --test RUN_DIR [--out DIR]
 *        [--feature-map-grace 2000] [--detector-grace 15000] [--calibration 5000] [--false-alarm-rate 1e-4]
 *        [--zero-day-train BENIGN_RUN_DIR]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rocAucBinary } from '../src/evaluate/roc.js';
import { PacketAe } from '../src/models/packet-ae/packet-ae.js';
import { AnomalyDetector } from '../src/models/zero-day/anomaly-detector.js';
import { takeRows } from '../src/preprocess/matrix.js';
import { meterWithTimes } from '../bench/lib/meter-with-times.js';
import { trainLabForest } from './lab-forest.js';
import { buildFeatureTable } from '../src/traffic/features/feature-table.js';
import {
  LAB_BENIGN,
  LAB_UNATTRIBUTED,
  labelConnection,
  readLabGroundTruth,
} from '../src/traffic/lab-labels.js';
import { PacketStats } from '../src/traffic/packet-stats/packet-stats.js';
import { readPackets } from '../src/traffic/read-packets.js';
import { Random } from '../src/util/random.js';

const { values } = parseArgs({
  options: {
    train: { type: 'string' },
    test: { type: 'string' },
    out: { type: 'string', default: 'runs/lab/eval-packets' },
    interim: { type: 'string', default: '2' },
    trees: { type: 'string', default: '30' },
    'feature-map-grace': { type: 'string', default: '2000' },
    'detector-grace': { type: 'string', default: '15000' },
    calibration: { type: 'string', default: '5000' },
    'false-alarm-rate': { type: 'string', default: '0.0001' },
    'flow-fpr': { type: 'string', default: '0.01' },
    window: { type: 'string', default: '60' },
    'zero-day-train': { type: 'string' },
  },
});
if (!values.train || !values.test) {
  process.stderr.write('usage: node --import tsx lab/evaluate-packets.ts --train RUN_DIR --test RUN_DIR\n');
  process.exit(2);
}
const interim = Number(values.interim);
const windowSeconds = Number(values.window);
const out = values.out;
await mkdir(out, { recursive: true });
const log = (m: string): void => void process.stderr.write(`${m}\n`);

/** One scored unit (a packet or a connection record) of the test run. */
interface Unit {
  /** Capture time the verdict exists: the packet's time, or when the meter emitted the record. */
  at: number;
  label: string;
  source: string;
  score: number;
  alert: boolean;
}

const truth = await readLabGroundTruth(join(values.test, 'ground-truth.json'));
const trainTruth = await readLabGroundTruth(join(values.train, 'ground-truth.json'));
const firstAttack = Math.min(...truth.phases.map((p) => p.start)) - truth.grace.before;

// 1. packet-ae, Kitsune's protocol on the test run.
const stats = new PacketStats();
const detector = new PacketAe({
  featureMapGrace: Number(values['feature-map-grace']),
  detectorGrace: Number(values['detector-grace']),
  calibrationSamples: Number(values.calibration),
  falseAlarmRate: Number(values['false-alarm-rate']),
});
const x = new Float64Array(stats.nFeatures);
const packetUnits: Unit[] = [];
let spanStart = Number.NaN;
let lastPacket = 0;
let gracePackets = 0;
await readPackets(createReadStream(join(values.test, truth.pcap)), {
  file: truth.pcap,
  onPacket: (p) => {
    lastPacket = p.ts;
    const wasReady = detector.ready;
    const score = detector.process(stats.extract(p, x));
    if (!wasReady) {
      gracePackets++;
      if (p.ts >= firstAttack)
        throw new Error(`the benign lead is too short for the grace periods (${gracePackets} packets used)`);
      if (detector.ready) spanStart = p.ts;
      return;
    }
    const label = labelConnection({ ts: p.ts, origH: p.srcIp, respH: p.dstIp }, truth);
    if (label === LAB_UNATTRIBUTED) return;
    packetUnits.push({ at: p.ts, label, source: p.srcIp, score, alert: detector.isAlert(score) });
  },
});
if (!detector.ready) throw new Error('the test run is shorter than packet-ae’s grace periods');
const spanEnd = lastPacket;
log(
  `packet-ae: ${gracePackets} grace packets up to ${(spanStart - truth.start).toFixed(1)} s, ${packetUnits.length} scored; threshold ${detector.threshold}`,
);

// 2. The flow detectors, trained on the train run.
const {
  table: trainTable,
  classes,
  y,
  x: trainX,
  pipeline,
  forest,
} = await trainLabForest(
  (await meterWithTimes(join(values.train, trainTruth.pcap), interim)).records.map((r) => r.record),
  trainTruth,
  Number(values.trees),
);
const zeroDayTrain = values['zero-day-train'];
let zeroDayX = trainX;
let benignRows = [...y.keys()].filter((i) => y[i] === 0);
if (zeroDayTrain !== undefined) {
  const benignTruth = await readLabGroundTruth(join(zeroDayTrain, 'ground-truth.json'));
  if (benignTruth.phases.length > 0) throw new Error(`--zero-day-train ${zeroDayTrain} has attack phases`);
  const { records } = await meterWithTimes(join(zeroDayTrain, benignTruth.pcap), interim);
  const { table } = buildFeatureTable(
    records.map((r) => r.record),
    'conn',
    { sortByTime: false, labelOf: () => 'normal' },
  );
  zeroDayX = pipeline.transform(table).x;
  benignRows = [...Array(table.nRows).keys()];
}
new Random(1).shuffle(benignRows);
const holdOut = Math.max(1, Math.round(benignRows.length * 0.1));
const zeroDay = new AnomalyDetector({ seed: 1 });
await zeroDay.fit(takeRows(zeroDayX, benignRows.slice(holdOut)), {
  validation: takeRows(zeroDayX, benignRows.slice(0, holdOut)),
  falsePositiveRate: Number(values['flow-fpr']),
});
log(
  `flow models: ${trainTable.nRows} training records from ${values.train}; zero-day AE on ${benignRows.length} benign records from ${zeroDayTrain ?? values.train}`,
);

const metered = await meterWithTimes(join(values.test, truth.pcap), interim);
const testRecords = metered.records.filter((r) => r.at >= spanStart);
const { table: testTable } = buildFeatureTable(
  testRecords.map((r) => r.record),
  'conn',
  { sortByTime: false, labelOf: () => 'normal' },
);
const testX = pipeline.transform(testTable).x;
const probabilities = await forest.predictProba(testX);
const errors = await zeroDay.score(testX);
const k = classes.length;
const forestUnits: Unit[] = [];
const zeroDayUnits: Unit[] = [];
testRecords.forEach(({ record, at }, i) => {
  const label = labelConnection(record, truth);
  if (label === LAB_UNATTRIBUTED) return;
  const row = probabilities.data.subarray(i * k, (i + 1) * k);
  let best = 0;
  for (let c = 1; c < k; c++) if (row[c] > row[best]) best = c;
  // The default alert rule: the predicted class is an attack class with probability ≥ 0.5.
  forestUnits.push({
    at,
    label,
    source: record.origH,
    score: 1 - row[0],
    alert: best !== 0 && row[best] >= 0.5,
  });
  zeroDayUnits.push({
    at,
    label,
    source: record.origH,
    score: errors[i],
    alert: errors[i] > zeroDay.threshold,
  });
});
const zeroDayThreshold = zeroDay.threshold;
await forest.dispose();
zeroDay.dispose();

// 3. Figures.
const hours = (spanEnd - spanStart) / 3600;
function figures(units: Unit[]) {
  const rocAuc = rocAucBinary(
    units.map((u) => u.score),
    units.map((u) => u.label !== LAB_BENIGN),
  );
  const phases = truth.phases.map((p) => {
    const mine = units.filter((u) => u.label === p.name);
    const alerted = mine.filter((u) => u.alert);
    const first = alerted.length ? Math.min(...alerted.map((u) => u.at)) : null;
    return {
      phase: p.name,
      units: mine.length,
      alerted: alerted.length,
      detectionRate: mine.length ? alerted.length / mine.length : 0,
      delaySeconds: first === null ? null : first - p.start,
    };
  });
  const benign = units.filter((u) => u.label === LAB_BENIGN);
  // Benign traffic while an attack runs shares streams with it (the device answers both), so its alerts
  // are split out from those in quiet time.
  const duringAttack = (u: Unit): boolean =>
    truth.phases.some((p) => u.at >= p.start - truth.grace.before && u.at <= p.end + truth.grace.after);
  const alertSources = new Map<string, number>();
  for (const u of benign) if (u.alert) alertSources.set(u.source, (alertSources.get(u.source) ?? 0) + 1);
  const falseAlerts = new Set(
    benign.filter((u) => u.alert).map((u) => `${u.source} ${Math.floor(u.at / windowSeconds)}`),
  ).size;
  return {
    rocAuc,
    phases,
    benign: {
      units: benign.length,
      alerting: benign.filter((u) => u.alert).length,
      falseAlarmRate: benign.filter((u) => u.alert).length / Math.max(1, benign.length),
      alertingDuringAttacks: benign.filter((u) => u.alert && duringAttack(u)).length,
      unitsDuringAttacks: benign.filter(duringAttack).length,
      alertingBySource: Object.fromEntries(alertSources),
      falseAlerts,
      falseAlertsPerHour: falseAlerts / hours,
    },
  };
}
const result = {
  train: values.train,
  test: values.test,
  seeds: [trainTruth.seed, truth.seed],
  span: { start: spanStart - truth.start, end: spanEnd - truth.start, hours },
  packetAe: {
    gracePackets,
    threshold: detector.threshold,
    falseAlarmRate: Number(values['false-alarm-rate']),
    autoencoders: detector.featureGroups.length,
    ...figures(packetUnits),
  },
  flowClassifier: { interimSeconds: interim, trainRecords: trainTable.nRows, ...figures(forestUnits) },
  flowZeroDay: {
    trainedOn: zeroDayTrain ?? values.train,
    trainRecords: benignRows.length,
    falsePositiveRate: Number(values['flow-fpr']),
    threshold: zeroDayThreshold,
    ...figures(zeroDayUnits),
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
  `Span: ${result.span.start.toFixed(1)}–${result.span.end.toFixed(1)} s of the test run (${(hours * 3600).toFixed(0)} s); packet-ae grace ${gracePackets} packets, threshold ${detector.threshold?.toPrecision(4)}.`,
];
await writeFile(join(out, 'evaluation-packets.md'), `${lines.join('\n')}\n`);
process.stdout.write(`${lines.join('\n')}\n`);
