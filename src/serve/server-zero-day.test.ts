import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../detection/detector.js';
import { recordsToTable } from '../detection/json-records.js';
import { makeTinyModel, TINY_SCHEMA } from '../detection/test-helpers/tiny-model.js';
import { ANOMALY_CLASS } from '../models/zero-day/combine.js';
import { trainZeroDay } from '../train/train-zero-day.js';
import { startServer, type RunningServer } from './server.js';
import { postRecords, tinyRecords } from './test-helpers/tiny-server.js';

let dir: string;
let modelDir: string;
let server: RunningServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-serve-zero-day-'));
  ({ modelDir } = await makeTinyModel(dir));
  const training = await trainZeroDay({
    modelDir,
    dataDir: dir,
    dataset: join(dir, 'tiny-schema.json'),
    falsePositiveRate: 0.3,
    detector: { hiddenUnits: [4, 2], epochs: 2, batchSize: 32 },
  });
  training.detector.dispose();
  server = await startServer({
    modelDir,
    host: '127.0.0.1',
    port: 0,
    store: join(dir, 'alerts.db'),
    storeSynchronous: 'normal',
    rateLimit: false,
    zeroDay: true,
  });
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('serve --zero-day', () => {
  it('answers `anomaly` where the detector in zero-day mode does, and stores those alerts under that class', async () => {
    const records = tinyRecords(5, 200, 'normal');
    const { status, body } = await postRecords(server.url, records);
    expect(status).toBe(200);
    const detector = await Detector.load(modelDir, { zeroDay: true });
    const expected = await detector.score(recordsToTable(records, TINY_SCHEMA).table);
    await detector.dispose();
    expect(body.predictions.map((p) => p.label)).toEqual(expected.map((p) => p.label));
    const anomalies = body.predictions.filter((p) => p.label === ANOMALY_CLASS);
    expect(anomalies.length).toBeGreaterThan(0);
    expect(anomalies.every((p) => p.alert && p.alertId !== undefined)).toBe(true);
    const { model } = (await (await fetch(`${server.url}/v1/model`)).json()) as {
      model: { classes: string[]; zeroDay: { falsePositiveRate: number } };
    };
    expect(model.classes).toContain(ANOMALY_CLASS);
    expect(model.zeroDay.falsePositiveRate).toBe(0.3);
    const page = (await (await fetch(`${server.url}/v1/alerts?class=anomaly`)).json()) as {
      alerts: { class: string; count: number; explanation: unknown[] }[];
    };
    expect(page.alerts.length).toBeGreaterThan(0);
    expect(page.alerts.reduce((n, a) => n + a.count, 0)).toBe(anomalies.length);
    expect(page.alerts[0].explanation.length).toBeGreaterThan(0);
  });

  it('reloads the anomaly detector with the model', async () => {
    const result = await server.reload();
    expect(result.ok).toBe(true);
    expect(result.model.classes).toContain(ANOMALY_CLASS);
  });
});
