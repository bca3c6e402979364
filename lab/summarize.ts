import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { labClasses, labelConnection, readLabGroundTruth } from '../src/traffic/lab-labels.js';

/**
 * Packet counts of a lab run by label (each packet labelled as a one-packet connection would be), with each
 * phase's duration — the traffic figures of docs/results.md. Needs tshark.
 *
 *   node --import tsx lab/summarize.ts runs/lab/seed-1/ground-truth.json
 */
async function main(): Promise<void> {
  const truthPath = process.argv[2];
  if (!truthPath) throw new Error('usage: lab/summarize.ts GROUND-TRUTH.json');
  const truth = await readLabGroundTruth(truthPath);
  const pcap = join(dirname(truthPath), truth.pcap);
  const fields = ['frame.time_epoch', 'ip.src', 'ip.dst', 'frame.len'].flatMap((f) => ['-e', f]);
  const text = execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-E', 'occurrence=f', ...fields], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 1 << 30,
  });
  const counts = new Map<string, { packets: number; bytes: number }>(
    labClasses(truth).map((c) => [c, { packets: 0, bytes: 0 }]),
  );
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [ts, src, dst, len] = line.split('\t');
    const label = labelConnection({ ts: Number(ts), origH: src ?? '', respH: dst ?? '' }, truth);
    const entry = counts.get(label) ?? { packets: 0, bytes: 0 };
    entry.packets++;
    entry.bytes += Number(len);
    counts.set(label, entry);
    total++;
  }
  const rows = [...counts.entries()].map(([label, c]) => {
    const phase = truth.phases.find((p) => p.name === label);
    return { label, ...c, seconds: phase ? Math.round((phase.end - phase.start) * 10) / 10 : null };
  });
  const duration = Math.round((truth.end - truth.start) * 10) / 10;
  console.log(JSON.stringify({ seed: truth.seed, scale: truth.scale, duration, packets: total, rows }));
  console.log(`| label | packets | bytes | phase seconds |\n|---|---|---|---|`);
  for (const r of rows) console.log(`| ${r.label} | ${r.packets} | ${r.bytes} | ${r.seconds ?? '—'} |`);
  console.log(`| total (${duration} s, seed ${truth.seed}, scale ${truth.scale}) | ${total} | | |`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
