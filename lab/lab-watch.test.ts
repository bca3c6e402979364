import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConnModel } from '../src/serve/watch/test-helpers/conn-model.js';
import { readLabGroundTruth } from '../src/traffic/lab-labels.js';
import { labUnavailableReason } from './netns.js';
import { missingLabTool } from './run.js';

const repo = resolve(import.meta.dirname, '..');
const reason = labUnavailableReason() ?? missingLabTool() ?? null;
if (reason) console.warn(`lab/lab-watch.test.ts skipped: ${reason}`);

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((done) =>
    child.exitCode !== null ? done(child.exitCode) : child.once('exit', (code) => done(code)),
  );
}

/**
 * The live path end to end: the quick lab runs in a namespace while `watch --netns` captures its loopback
 * through tcpdump; alerts about the attacker must be on /v1/alerts, stamped inside the attack phases.
 * The model is the fixture one (scan probes vs whole connections), not one trained on the lab.
 */
describe.skipIf(reason !== null)('watch on the live lab', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-lab-watch-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('raises alerts about the attacker during the attack phases', async () => {
    const modelDir = await makeConnModel(dir);
    const netns = `iotids-watch-${process.pid}`;
    const lab = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'lab/run.ts',
        '--quick',
        '--seed',
        '3',
        '--netns',
        netns,
        '--start-delay',
        '4',
        '--out',
        join(dir, 'lab'),
      ],
      { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let labLog = '';
    lab.stdout?.on('data', (d: Buffer) => (labLog += d.toString()));
    lab.stderr?.on('data', (d: Buffer) => (labLog += d.toString()));
    // Wait for the namespace, then attach.
    while (!labLog.includes(`namespace ${netns} ready`) && lab.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
    const watch = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/run-cli.ts',
        'watch',
        '--interface',
        'lo',
        '--netns',
        netns,
        '--model-dir',
        modelDir,
        '--store',
        join(dir, 'alerts.db'),
        '--interim',
        '2',
      ],
      { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let watchLog = '';
    watch.stderr?.on('data', (d: Buffer) => (watchLog += d.toString()));
    try {
      expect(await exited(lab), labLog).toBe(0);
      const url = /dashboard at (http:\/\/[^/\s]+)\//.exec(watchLog)?.[1];
      expect(url, watchLog).toBeDefined();
      // The last phase's connections end (close delay) and are scored within a few seconds.
      let alerts: { sourceKey: string; record: { ts: number } }[] = [];
      for (let i = 0; i < 40 && alerts.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 250));
        const body = (await (await fetch(`${url}/v1/alerts`)).json()) as { alerts: typeof alerts };
        alerts = body.alerts.filter((a) => a.sourceKey === '127.0.0.66');
      }
      const truth = await readLabGroundTruth(join(dir, 'lab', 'ground-truth.json'));
      expect(alerts.length, watchLog).toBeGreaterThan(0);
      const first = truth.phases[0].start - truth.grace.before;
      const last = truth.phases.at(-1)!.end + truth.grace.after;
      for (const a of alerts) {
        expect(a.record.ts).toBeGreaterThanOrEqual(first);
        expect(a.record.ts).toBeLessThanOrEqual(last);
      }
    } finally {
      watch.kill('SIGTERM');
      const code = await exited(watch);
      lab.kill('SIGTERM');
      await exited(lab);
      expect(code, watchLog).toBe(0);
    }
  }, 180_000);
});
