import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labUnavailableReason } from './netns.js';
import { missingLabTool } from './run.js';

const repo = resolve(import.meta.dirname, '..');
const reason = labUnavailableReason() ?? (missingLabTool() ? `${missingLabTool()} is not installed` : null);
if (reason) console.warn(`lab/lab-interrupt.test.ts skipped: ${reason}`);

describe.skipIf(reason !== null)('the traffic lab, interrupted', () => {
  it('stops every process and deletes its namespace when terminated mid-attack', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iot-ids-lab-int-'));
    const namespace = `iotids-labint-${process.pid}`;
    try {
      const args = ['--quick', '--seed', '2', '--out', dir, '--netns', namespace];
      const child = spawn(process.execPath, ['--import', 'tsx', 'lab/run.ts', ...args], {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      let stopped = false;
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.stdout.on('data', (c: Buffer) => {
        output += c.toString();
        // Twice, as an impatient operator would: the second must not cut the cleanup short.
        if (!stopped && output.includes('phase syn-scan started')) {
          stopped = true;
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGTERM'), 200);
        }
      });
      const code = await new Promise<number | null>((done) => child.once('close', (c) => done(c)));
      expect(code, output).not.toBe(0);
      expect(output, output).toMatch(/interrupted before every phase ran/);
      expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain(namespace);
      const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes(dir));
      expect(left).toEqual([]);
    } finally {
      spawnSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' });
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
