import { describe, expect, it } from 'vitest';
import { conn } from '../src/traffic/features/test-records.js';
import { LAB_GROUND_TRUTH_FORMAT, type LabGroundTruth, type LabPhase } from '../src/traffic/lab-labels.js';
import { trainLabForestOnRuns } from './lab-forest.js';

const phase = (name: string, start: number, end: number): LabPhase => ({
  name,
  tool: 'lab',
  command: name,
  start,
  end,
  attacker: '127.0.0.66',
  target: '127.0.0.10',
  ports: '1-100',
  bound: 100,
  exitCode: 0,
});
const truthOf = (seed: number, phases: LabPhase[]): LabGroundTruth => ({
  format: LAB_GROUND_TRUTH_FORMAT,
  version: 1,
  seed,
  scale: 1,
  start: 0,
  end: 100,
  pcap: 'run.pcap',
  addresses: { device: '127.0.0.10', clients: ['127.0.0.20'], attacker: '127.0.0.66' },
  grace: { before: 0.5, after: 2 },
  phases,
  benign: {},
});
const benign = (ts: number, duration: number) =>
  conn({ ts, origH: '127.0.0.20', respH: '127.0.0.10', respP: 1883, duration, origPkts: 20, respPkts: 20 });
const scan = (ts: number, respP: number) =>
  conn({ ts, origH: '127.0.0.66', respH: '127.0.0.10', respP, connState: 'REJ', origPkts: 1, respPkts: 1 });

describe('trainLabForestOnRuns', () => {
  it('labels each run by its own ground truth and adds benign-only runs to the normal class', async () => {
    const attackRun = {
      truth: truthOf(1, [phase('syn-scan', 10, 20)]),
      records: [...Array.from({ length: 10 }, (_, i) => scan(10 + i, i + 1)), benign(1, 5), benign(30, 5)],
    };
    // A second attack run with another phase, and a benign-only run of long sessions.
    const attackRun2 = {
      truth: truthOf(2, [phase('udp-flood', 40, 50)]),
      records: Array.from({ length: 5 }, (_, i) =>
        conn({ ts: 40 + i, origH: '127.0.0.66', respH: '127.0.0.10', proto: 'udp', respP: 53 }),
      ),
    };
    const benignOnly = {
      truth: truthOf(3, []),
      records: Array.from({ length: 6 }, (_, i) => benign(i * 10, 3000)),
    };
    const { classes, y, forest } = await trainLabForestOnRuns([attackRun, attackRun2, benignOnly], 3);
    await forest.dispose();
    expect(classes).toEqual(['normal', 'syn-scan', 'udp-flood']);
    const counts = [0, 0, 0];
    for (const c of y) counts[c]++;
    expect(counts).toEqual([8, 10, 5]);
  });

  it('refuses runs without any attack phase', async () => {
    await expect(
      trainLabForestOnRuns([{ truth: truthOf(3, []), records: [benign(1, 5)] }], 3),
    ).rejects.toThrow(/no attack phase/);
    await expect(trainLabForestOnRuns([], 3)).rejects.toThrow(/no training run/);
  });
});
