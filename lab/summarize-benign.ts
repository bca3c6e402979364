/**
 * False alerts per hour over benign-only lab runs: reads each run's ground truth and the
 * evaluation-packets.json that `lab/evaluate-packets.ts --test RUN --out RUN/EVAL` wrote for it, adds the
 * runs up per detector (lab/benign-soak.ts) and prints a Markdown table with the 95 % Poisson upper bound,
 * beside the size of each run's network (clients, packets and connections per hour: alerts per hour
 * depend on it). Writes the figures as one JSON line on stdout's last line.
 *
 *   node --import tsx lab/summarize-benign.ts [--eval eval] RUN_DIR...
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readLabGroundTruth } from '../src/traffic/lab-labels.js';
import { readConnections } from '../src/traffic/read-connections.js';
import { soakTotals, type SoakRunFigures } from './benign-soak.js';

const { values, positionals } = parseArgs({
  options: { eval: { type: 'string', default: 'eval' } },
  allowPositionals: true,
});
if (positionals.length === 0) {
  process.stderr.write('usage: node --import tsx lab/summarize-benign.ts [--eval SUBDIR] RUN_DIR...\n');
  process.exit(2);
}

const DETECTORS = [
  ['packetAe', 'packet-ae (packets)'],
  ['flowClassifier', 'flow classifier, `conn` forest (records)'],
  ['flowZeroDay', 'flow zero-day AE (records)'],
] as const;
type DetectorKey = (typeof DETECTORS)[number][0];

interface Evaluation {
  seeds: [number, number];
  /** Every training run's seed (attack runs and benign-only ones); older evaluations have only `seeds`. */
  trainSeeds?: number[];
  span: { start: number; end: number; hours: number };
  packetAe: { threshold: number };
  flowClassifier: { interimSeconds: number };
  flowZeroDay: { threshold: number };
}
type BenignFigures = { benign: Omit<SoakRunFigures, 'hours'> };

const perDetector = new Map<DetectorKey, SoakRunFigures[]>(DETECTORS.map(([k]) => [k, []]));
const runs: {
  seed: number;
  seconds: number;
  spanHours: number;
  packets: number;
  connections: number;
  clients: number;
}[] = [];
const trainSeeds = new Set<number>();
for (const dir of positionals) {
  const truth = await readLabGroundTruth(join(dir, 'ground-truth.json'));
  if (truth.phases.length > 0) throw new Error(`${dir} is not a benign-only run: it has attack phases`);
  const evaluation = JSON.parse(
    await readFile(join(dir, values.eval, 'evaluation-packets.json'), 'utf8'),
  ) as Evaluation & Record<DetectorKey, BenignFigures>;
  for (const seed of evaluation.trainSeeds ?? [evaluation.seeds[0]]) trainSeeds.add(seed);
  for (const [key] of DETECTORS) {
    const b = evaluation[key].benign;
    perDetector.get(key)!.push({
      hours: evaluation.span.hours,
      units: b.units,
      alerting: b.alerting,
      falseAlerts: b.falseAlerts,
      alertingBySource: b.alertingBySource,
    });
  }
  const { records } = await readConnections(join(dir, truth.pcap));
  runs.push({
    seed: truth.seed,
    seconds: truth.end - truth.start,
    spanHours: evaluation.span.hours,
    packets: truth.capture?.captured ?? Number.NaN,
    connections: records.length,
    clients: truth.addresses.clients.length,
  });
}

const totals = DETECTORS.map(([key, name]) => ({ key, name, ...soakTotals(perDetector.get(key)!) }));
const hoursRun = runs.reduce((a, r) => a + r.seconds, 0) / 3600;
const packets = runs.reduce((a, r) => a + r.packets, 0);
const connections = runs.reduce((a, r) => a + r.connections, 0);
const fmt = (v: number, d = 0): string =>
  v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const lines = [
  `${runs.length} benign-only runs (seeds ${runs.map((r) => r.seed).join(', ')}; models from the train runs of seeds ${[...trainSeeds].join(', ')}): ` +
    `${fmt(hoursRun, 2)} lab-hours captured, ${fmt(runs[0].clients)} clients and 1 device each; ` +
    `${fmt(packets / hoursRun)} packets and ${fmt(connections / hoursRun)} connections per lab-hour.`,
  '',
  '| detector | scored lab-hours | benign units alerting | false alerts (source × 60 s) | per hour | 95 % upper bound per hour | < 1 per hour shown |',
  '|---|---:|---:|---:|---:|---:|---|',
  ...totals.map(
    (t) =>
      `| ${t.name} | ${fmt(t.hours, 2)} | ${fmt(t.alerting)} of ${fmt(t.units)} | ${fmt(t.falseAlerts)} | ${fmt(t.falseAlertsPerHour, 2)} | ${fmt(t.upperBoundPerHour, 2)} | ${t.goalShown ? 'yes' : 'no'} |`,
  ),
  '',
  ...totals
    .filter((t) => t.alerting > 0)
    .map(
      (t) =>
        `${t.name}: alerting units by source: ${Object.entries(t.alertingBySource)
          .sort((a, b) => b[1] - a[1])
          .map(([s, n]) => `${s} ${fmt(n)}`)
          .join(', ')}`,
    ),
];
process.stdout.write(`${lines.join('\n')}\n`);
process.stdout.write(`${JSON.stringify({ runs, totals })}\n`);
