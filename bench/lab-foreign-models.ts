/**
 * How models trained elsewhere fare on a lab run: each model scores the run's capture offline (reader →
 * meter → its feature set → detector, as `iot-ids detect -i run.pcap` does), every connection is labelled
 * from the run's ground truth, and per attack phase the share of connections that alerted is reported,
 * with the benign connections that alerted (false alerts) per hour of the run.
 *
 *   node --import tsx bench/lab-foreign-models.ts --run runs/lab/seed-2 MODEL_DIR [MODEL_DIR …]
 *
 * Prints one JSON line per model and a Markdown table (mean ± std over the models when several seeds of one
 * configuration are given).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Detector } from '../src/detection/detector.js';
import { ConnectionScorer } from '../src/detection/score-connections.js';
import {
  LAB_BENIGN,
  LAB_UNATTRIBUTED,
  labelConnection,
  readLabGroundTruth,
} from '../src/traffic/lab-labels.js';
import { readConnections } from '../src/traffic/read-connections.js';

const { values, positionals } = parseArgs({
  options: { run: { type: 'string' } },
  allowPositionals: true,
});
if (!values.run || positionals.length === 0) {
  process.stderr.write('usage: node --import tsx bench/lab-foreign-models.ts --run RUN_DIR MODEL_DIR…\n');
  process.exit(2);
}
const truth = await readLabGroundTruth(join(values.run, 'ground-truth.json'));
const { records } = await readConnections(join(values.run, truth.pcap));
const phases = truth.phases.map((p) => p.name);

interface PhaseResult {
  connections: number;
  alerted: number;
  predicted: Record<string, number>;
}
const results: { model: string; byLabel: Record<string, PhaseResult>; benignHours: number }[] = [];
for (const modelDir of positionals) {
  const detector = await Detector.load(modelDir);
  const scorer = new ConnectionScorer(detector, { modelDir });
  const { records: ordered, scored } = await scorer.score(records);
  const byLabel: Record<string, PhaseResult> = {};
  ordered.forEach((r, i) => {
    const label = labelConnection(r, truth);
    if (label === LAB_UNATTRIBUTED) return;
    const slot = (byLabel[label] ??= { connections: 0, alerted: 0, predicted: {} });
    slot.connections++;
    slot.alerted += scored.alerts[i];
    const cls = detector.manifest.classes[scored.predicted[i]];
    slot.predicted[cls] = (slot.predicted[cls] ?? 0) + 1;
  });
  const benignHours = (truth.end - truth.start) / 3600;
  results.push({ model: modelDir, byLabel, benignHours });
  console.log(
    JSON.stringify({ bench: 'lab-foreign-models', run: values.run, model: modelDir, byLabel, benignHours }),
  );
}

const pct = (v: number[]): string => {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return `${(mean * 100).toFixed(1)} ± ${(sd * 100).toFixed(1)} %`;
};
console.log(
  `\n| phase | connections | alerted (mean ± std over ${results.length} models) | most predicted class |`,
);
console.log('|---|---:|---:|---|');
for (const label of [...phases, LAB_BENIGN]) {
  const rows = results.map((r) => r.byLabel[label]).filter((x): x is PhaseResult => x !== undefined);
  if (rows.length === 0) continue;
  const predicted: Record<string, number> = {};
  for (const r of rows)
    for (const [c, n] of Object.entries(r.predicted)) predicted[c] = (predicted[c] ?? 0) + n;
  const top = Object.entries(predicted).sort((a, b) => b[1] - a[1])[0];
  const share = rows.map((r) => r.alerted / r.connections);
  const perHour = rows.map((r, k) => r.alerted / results[k].benignHours);
  const falsePerHour =
    label === LAB_BENIGN
      ? ` (${Math.round(perHour.reduce((a, b) => a + b, 0) / perHour.length)} false alerts per hour of the run)`
      : '';
  console.log(`| ${label} | ${rows[0].connections} | ${pct(share)}${falsePerHour} | ${top[0]} |`);
}
