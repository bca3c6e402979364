import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  LAB_GROUND_TRUTH_FORMAT,
  labClasses,
  labelConnection,
  readLabGroundTruth,
  type LabGroundTruth,
  type LabPhase,
} from './lab-labels.js';

function phase(name: string, start: number, end: number): LabPhase {
  return {
    name,
    tool: 'nmap',
    command: 'nmap …',
    start,
    end,
    attacker: '127.0.0.66',
    target: '127.0.0.10',
    ports: '1-100',
    bound: 100,
    exitCode: 0,
  };
}

const truth: LabGroundTruth = {
  format: LAB_GROUND_TRUTH_FORMAT,
  version: 1,
  seed: 1,
  scale: 1,
  start: 1000,
  end: 1100,
  pcap: 'run.pcap',
  addresses: { device: '127.0.0.10', clients: ['127.0.0.20'], attacker: '127.0.0.66' },
  grace: { before: 0.5, after: 2 },
  phases: [phase('syn-scan', 1010, 1020), phase('udp-flood', 1021, 1030)],
  benign: { 'http-polls': 3 },
};

describe('labelConnection', () => {
  it('labels attacker traffic by the phase running at its start, either direction', () => {
    expect(labelConnection({ ts: 1015, origH: '127.0.0.66', respH: '127.0.0.10' }, truth)).toBe('syn-scan');
    expect(labelConnection({ ts: 1025, origH: '127.0.0.10', respH: '127.0.0.66' }, truth)).toBe('udp-flood');
  });

  it('attributes trailing packets within the grace, preferring the phase whose own window holds them', () => {
    // 1020.4 lies only in syn-scan's widened window (udp-flood's opens at 1021 - 0.5 = 1020.5).
    expect(labelConnection({ ts: 1020.4, origH: '127.0.0.66', respH: '127.0.0.10' }, truth)).toBe('syn-scan');
    // 1020.7 lies in both widened windows; the later phase starts within its grace → udp-flood.
    expect(labelConnection({ ts: 1020.7, origH: '127.0.0.66', respH: '127.0.0.10' }, truth)).toBe(
      'udp-flood',
    );
    expect(labelConnection({ ts: 1031.9, origH: '127.0.0.66', respH: '127.0.0.10' }, truth)).toBe(
      'udp-flood',
    );
  });

  it('calls attacker traffic outside every window unattributed, and everything else benign', () => {
    expect(labelConnection({ ts: 1050, origH: '127.0.0.66', respH: '127.0.0.10' }, truth)).toBe(
      'unattributed',
    );
    expect(labelConnection({ ts: 1015, origH: '127.0.0.20', respH: '127.0.0.10' }, truth)).toBe('benign');
  });

  it('lists the classes benign first, then the phases in run order', () => {
    expect(labClasses(truth)).toEqual(['benign', 'syn-scan', 'udp-flood']);
  });
});

describe('readLabGroundTruth', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('reads a valid file and names the field of an invalid one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lab-labels-'));
    dirs.push(dir);
    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify(truth));
    expect(await readLabGroundTruth(good)).toEqual(truth);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...truth, phases: [{ ...truth.phases[0], start: 'soon' }] }));
    await expect(readLabGroundTruth(bad)).rejects.toThrow(
      /bad\.json, field "phases\[0\]\.start": invalid lab ground truth: must be a number, got "soon"/,
    );
  });
});
