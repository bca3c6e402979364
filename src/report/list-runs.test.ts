import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRunList, listRuns } from './list-runs.js';

async function writeMetrics(dir: string, fields: Record<string, unknown>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'metrics.json'), JSON.stringify(fields));
}

describe('listRuns', () => {
  it('finds run directories at any depth with their dataset, task, protocol and first split', async () => {
    const root = await mkdtemp(join(tmpdir(), 'iot-ids-runs-'));
    const split = { n: 10, accuracy: 0.9, f1: { macro: 0.8, weighted: 0.85 } };
    await writeMetrics(join(root, 'a'), {
      dataset: 'nsl-kdd',
      task: '5class',
      protocol: 'official',
      model: 'rf',
      splits: { 'KDDTest+': split, 'KDDTest-21': split },
      createdAt: '2026-01-01',
    });
    await writeMetrics(join(root, 'grid', 'b'), {
      dataset: 'home',
      task: 'binary',
      protocol: 'random-split',
      model: 'fcnn',
      splits: {},
      warnings: ['x', 'y'],
      createdAt: '2026-01-02',
    });
    await mkdir(join(root, 'broken'));
    await writeFile(join(root, 'broken', 'metrics.json'), '{');
    await mkdir(join(root, 'a', 'model'));
    const { runs, unreadable } = await listRuns(root);
    expect(runs.map((r) => r.dir)).toEqual(['a', join('grid', 'b')]);
    expect(unreadable).toEqual([join(root, 'broken', 'metrics.json')]);
    const table = formatRunList(runs).split('\n');
    expect(table[0]).toMatch(
      /^run\s+dataset\s+task\s+protocol\s+model\s+first test split\s+accuracy\s+macro-F1\s+warnings$/,
    );
    expect(table[2]).toMatch(
      /^a\s+nsl-kdd\s+5class\s+official\s+rf\s+KDDTest\+ \(\+1\)\s+90\.00%\s+80\.00%\s+0$/,
    );
    expect(table[3]).toMatch(/random-split \(INFLATED\)\s+fcnn\s+\(none evaluated\)\s+-\s+-\s+2$/);
  });
});
