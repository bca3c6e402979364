import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'libsql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyModel } from '../detection/test-helpers/tiny-model.js';
import { tinyRecords } from '../serve/test-helpers/tiny-server.js';
import {
  committedOffsets,
  kcatMissing,
  startMockBroker,
  type MockBroker,
} from './test-helpers/kcat-broker.js';
import { waitFor } from './test-helpers/wait-for.js';

const missing = kcatMissing();
const repo = resolve(import.meta.dirname, '../..');

/** Alerting records stored in a consume process's alert store (0 before it exists). */
function storedRecords(path: string): number {
  if (!existsSync(path)) return 0;
  const db = new Database(path, { readonly: true, timeout: 5000 });
  try {
    const row = db.prepare('SELECT COALESCE(SUM(count), 0) AS n FROM alerts').get() as { n: number };
    return Number(row.n);
  } catch {
    return 0; // not migrated yet
  } finally {
    db.close();
  }
}

describe.skipIf(missing !== undefined)('iot-ids consume: kill -9 of a group member loses no record', () => {
  let dir: string;
  let modelDir: string;
  let broker: MockBroker;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kafka-kill-'));
    ({ modelDir } = await makeTinyModel(dir));
    broker = await startMockBroker();
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    broker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function consume(
    store: string,
    topic = 'kill',
  ): { child: ChildProcess; stderr: () => string; exited: Promise<string> } {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repo, 'test/run-cli.ts'),
        'consume',
        '--brokers',
        broker.brokers,
        '--topic',
        topic,
        '--group',
        'g-kill',
        '--model-dir',
        modelDir,
        '--store',
        store,
        '--from-beginning',
        '--batch-size',
        '25',
        '--session-timeout',
        '6000',
      ],
      { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<string>((r) => child.on('exit', (code, signal) => r(signal ?? String(code))));
    return { child, stderr: () => stderr, exited };
  }

  it('the surviving member takes over and every alerting record ends up stored', async () => {
    const records = tinyRecords(51, 2000, 'dos').map((r) => JSON.stringify(r));
    broker.produce('kill', records.slice(0, 1000));
    const storeA = join(dir, 'a.db');
    const storeB = join(dir, 'b.db');
    const a = consume(storeA);
    await waitFor(() => storedRecords(storeA) > 0, 'member A to store alerts', 90_000, 100);
    const b = consume(storeB);
    await waitFor(() => b.stderr().includes('consuming kill'), 'member B to join', 90_000, 100);
    a.child.kill('SIGKILL');
    expect(await a.exited).toBe('SIGKILL');
    broker.produce('kill', records.slice(1000));
    await waitFor(
      () => storedRecords(storeA) + storedRecords(storeB) >= 2000,
      'every record to be stored',
      120_000,
      100,
    );

    // And the group's committed offsets cover the whole topic.
    let total = 0;
    for (let i = 0; i < 100 && total < 2000; i++) {
      const offsets = await committedOffsets(broker.brokers, 'kill', 'g-kill');
      total = [...offsets.values()].reduce((sum, offset) => sum + Math.max(0, offset), 0);
      if (total < 2000) await new Promise((r) => setTimeout(r, 200));
    }
    expect(total).toBe(2000);

    b.child.kill('SIGTERM');
    expect(await b.exited).toBe('0');
    expect(b.stderr()).toMatch(/stopped: \d+ records, \d+ alerts, 0 rejected/);
  });

  it('exits 1 after printing its summary when the consumer fails for good (a snappy topic)', async () => {
    broker.produce(
      'snappy-cli',
      tinyRecords(52, 5, 'dos').map((r) => JSON.stringify(r)),
      { compression: 'snappy' },
    );
    const run = consume(join(dir, 'snappy.db'), 'snappy-cli');
    expect(await run.exited).toBe('1');
    expect(run.stderr()).toMatch(/stopped: 0 records, 0 alerts, 0 rejected/);
    expect(run.stderr()).toMatch(/snappy-compressed messages, which iot-ids cannot read/);
    expect(run.stderr()).not.toMatch(/\n\s+at /);
  });
});
