import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../detection/detector.js';
import { recordsToTable } from '../detection/json-records.js';
import {
  makeTinyModel,
  TINY_SCHEMA,
  tinyLine,
  tinyRows,
  type TinyRow,
} from '../detection/test-helpers/tiny-model.js';
import { ANOMALY_CLASS } from '../models/zero-day/combine.js';
import { loadZeroDay } from '../models/zero-day/zero-day-dir.js';
import { trainZeroDay } from '../train/train-zero-day.js';
import {
  startConsumer,
  type ConsumedAlert,
  type ConsumedPrediction,
  type ConsumedRejection,
  type StartConsumerOptions,
} from './consumer.js';
import { FakeKafkaBroker, waitFor } from './test-helpers/fake-kafka.js';

const TOPIC = 'flows';
const GROUP = 'iot-ids';

function record(row: TinyRow): Record<string, unknown> {
  return { duration: row.duration, proto: row.proto, signal: row.signal, noise: row.noise };
}

/** Even rows as JSON, odd rows as CSV lines (with the label, as a capture file would have it). */
function messageOf(row: TinyRow, i: number): string {
  return i % 2 === 0 ? JSON.stringify(record(row)) : tinyLine(row, 'all-columns');
}

const idOf = (p: { partition: number; offset: string }) => `${p.partition}:${p.offset}`;

describe('startConsumer', () => {
  let dir: string;
  let modelDir: string;
  const rows = tinyRows(21, 120);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kafka-consumer-'));
    ({ modelDir } = await makeTinyModel(dir));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function setup(partitions: number, maxBatchMessages = 100) {
    const broker = new FakeKafkaBroker({ maxBatchMessages, retryMs: 1 });
    broker.createTopic(TOPIC, partitions);
    const client = broker.client();
    const produced = broker.produce(
      TOPIC,
      rows.map((row, i) => ({ value: messageOf(row, i) })),
    );
    // Which row each (partition, offset) holds.
    const rowAt = new Map<string, number>();
    const next = new Map<number, number>();
    produced.forEach(({ partition }, i) => {
      const offset = next.get(partition) ?? 0;
      next.set(partition, offset + 1);
      rowAt.set(`${partition}:${offset}`, i);
    });
    const options = (extra: Partial<StartConsumerOptions> = {}): StartConsumerOptions => ({
      brokers: ['fake:9092'],
      topic: TOPIC,
      groupId: GROUP,
      modelDir,
      fromBeginning: true,
      kafka: () => client,
      ...extra,
    });
    return { broker, client, rowAt, options };
  }

  it('scores JSON and CSV messages exactly as the detector scores the same records', async () => {
    const { broker, rowAt, options } = setup(2, 17);
    const predictions: ConsumedPrediction[] = [];
    const alerts: ConsumedAlert[] = [];
    const consumer = await startConsumer(
      options({
        batchSize: 5,
        onPrediction: (p) => predictions.push(p),
        onAlert: (a) => {
          alerts.push(...a);
        },
      }),
    );
    await waitFor(() => broker.caughtUp(GROUP, TOPIC), 'every offset to be committed');
    await consumer.stop();
    await consumer.stop();

    expect(predictions).toHaveLength(rows.length);
    const detector = await Detector.load(modelDir);
    const expected = await detector.score(recordsToTable(rows.map(record), TINY_SCHEMA).table);
    await detector.dispose();
    for (const p of predictions) {
      const row = rowAt.get(idOf(p))!;
      expect(p.topic).toBe(TOPIC);
      expect({ label: p.label, probability: p.probability, alert: p.alert }).toEqual({
        label: expected[row].label,
        probability: expected[row].probability,
        alert: expected[row].alert,
      });
    }
    expect(alerts.map(idOf).sort()).toEqual(
      predictions
        .filter((p) => p.alert)
        .map(idOf)
        .sort(),
    );
    expect(alerts.length).toBeGreaterThan(20);
    // 60 messages per partition in fetches of 17, each split into steps of at most 5.
    const stats = consumer.stats();
    expect(stats).toEqual({
      messages: 120,
      records: 120,
      alerts: alerts.length,
      rejected: 0,
      batches: 2 * 14,
    });
  });

  it('reports bad messages with their offsets, skips them and commits past them', async () => {
    const broker = new FakeKafkaBroker();
    broker.createTopic(TOPIC, 1);
    broker.produce(TOPIC, [
      { value: JSON.stringify(record(rows[0])) },
      { value: '{not json' },
      { value: '1,tcp' },
      { value: JSON.stringify({ ...record(rows[1]), signal: '12' }) },
      { value: tinyLine(rows[2], 'features-only') },
    ]);
    const rejections: ConsumedRejection[] = [];
    const predictions: ConsumedPrediction[] = [];
    const consumer = await startConsumer({
      brokers: [],
      topic: TOPIC,
      groupId: GROUP,
      modelDir,
      fromBeginning: true,
      kafka: () => broker.client(),
      onReject: (r) => rejections.push(r),
      onPrediction: (p) => predictions.push(p),
    });
    await waitFor(() => broker.caughtUp(GROUP, TOPIC), 'every offset to be committed');
    await consumer.stop();
    expect(predictions.map((p) => p.offset)).toEqual(['0', '4']);
    expect(rejections.map((r) => [r.offset, r.reason, r.field])).toEqual([
      ['1', 'invalid JSON', undefined],
      ['2', 'wrong column count', undefined],
      ['3', 'invalid JSON record', 'signal'],
    ]);
    expect(consumer.stats().rejected).toBe(3);
  });

  it('commits a step only after its alerts were handed over and stored', async () => {
    const { broker, options } = setup(1, 200);
    const committedWhenCalled: (number | undefined)[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    const consumer = await startConsumer(
      options({
        batchSize: 40,
        onAlert: async (a) => {
          committedWhenCalled.push(broker.committed(GROUP, TOPIC, 0));
          // Every alert of the step is past the committed offset while the store still works on it.
          for (const alert of a)
            expect(Number(alert.offset)).toBeGreaterThanOrEqual(broker.committed(GROUP, TOPIC, 0) ?? 0);
          if (++calls === 1) await gate;
        },
      }),
    );
    await waitFor(() => calls === 1, 'the first alerts');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(broker.committed(GROUP, TOPIC, 0)).toBeUndefined();
    release();
    await waitFor(() => broker.caughtUp(GROUP, TOPIC), 'every offset to be committed');
    await consumer.stop();
    expect(committedWhenCalled).toEqual([undefined, 40, 80]);
  });

  it('delivers a step again when storing its alerts fails', async () => {
    const { broker, options } = setup(1);
    const stored: string[] = [];
    let predicted = 0;
    let failures = 0;
    const consumer = await startConsumer(
      options({
        batchSize: 30,
        onPrediction: () => predicted++,
        onAlert: (a) => {
          if (Number(a[0].offset) >= 30 && failures === 0) {
            failures++;
            throw new Error('alert store unavailable');
          }
          stored.push(...a.map(idOf));
        },
      }),
    );
    await waitFor(() => broker.caughtUp(GROUP, TOPIC), 'every offset to be committed');
    await consumer.stop();
    expect(failures).toBe(1);
    expect(broker.handlerErrors.map((e) => (e.error as Error).message)).toEqual(['alert store unavailable']);
    // Nothing lost and, since the failed step stored nothing, nothing stored twice.
    expect(new Set(stored).size).toBe(stored.length);
    // The failed step was scored twice; the totals count only steps that completed.
    expect(predicted).toBe(rows.length + 30);
    expect(consumer.stats().records).toBe(rows.length);
    const detector = await Detector.load(modelDir);
    const expected = await detector.score(recordsToTable(rows.map(record), TINY_SCHEMA).table);
    await detector.dispose();
    expect(stored.length).toBe(expected.filter((p) => p.alert).length);
  });

  it("shares partitions between group members and redelivers a crashed member's uncommitted step", async () => {
    const { broker, client, options } = setup(4);
    const seen = [new Set<string>(), new Set<string>()];
    const alertsStored: string[] = [];
    let stuckOffsets: string[] = [];
    let release!: () => void;
    const hang = new Promise<void>((resolve) => (release = resolve));
    const first = await startConsumer(
      options({
        batchSize: 10,
        onPrediction: (p) => seen[0].add(idOf(p)),
        onAlert: async (a) => {
          // The first member stores one step, then hangs in the next: it never commits that step.
          if (alertsStored.length > 0 && stuckOffsets.length === 0) {
            stuckOffsets = a.map(idOf);
            await hang;
            return;
          }
          alertsStored.push(...a.map(idOf));
        },
      }),
    );
    const second = await startConsumer(
      options({
        batchSize: 10,
        onPrediction: (p) => seen[1].add(idOf(p)),
        onAlert: (a) => {
          alertsStored.push(...a.map(idOf));
        },
      }),
    );
    const assignment = broker.assignments(GROUP);
    expect(Object.values(assignment).map((p) => p.length)).toEqual([2, 2]);
    await waitFor(() => stuckOffsets.length > 0, 'the first member to hang');
    client.consumers[0].crash();
    expect(Object.values(broker.assignments(GROUP))).toEqual([[0, 1, 2, 3]]);
    await waitFor(() => broker.caughtUp(GROUP, TOPIC), 'the second member to take over');

    // Every message was scored, and the stuck step's alerts reached the store through the second member.
    expect(new Set([...seen[0], ...seen[1]]).size).toBe(rows.length);
    for (const id of stuckOffsets) expect(alertsStored).toContain(id);
    expect(stuckOffsets.every((id) => seen[0].has(id) && seen[1].has(id))).toBe(true);
    release();
    await first.stop();
    await second.stop();
  });

  it('raises anomaly alerts in zero-day mode for records the classifier calls normal', async () => {
    const training = await trainZeroDay({
      modelDir,
      dataDir: dir,
      dataset: join(dir, 'tiny-schema.json'),
      falsePositiveRate: 0.3,
      detector: { hiddenUnits: [4, 2], epochs: 2, batchSize: 32 },
    });
    training.detector.dispose();
    const { broker, rowAt, options } = setup(1);
    const predictions: ConsumedPrediction[] = [];
    const alerts: ConsumedAlert[] = [];
    const consumer = await startConsumer(
      options({
        zeroDay: true,
        onPrediction: (p) => predictions.push(p),
        onAlert: (a) => {
          alerts.push(...a);
        },
      }),
    );
    await waitFor(() => broker.caughtUp(GROUP, TOPIC), 'every offset to be committed');
    await consumer.stop();

    const detector = await Detector.load(modelDir);
    const zeroDay = await loadZeroDay(modelDir);
    const table = recordsToTable(rows.map(record), TINY_SCHEMA).table;
    const classifier = await detector.score(table);
    const errors = await zeroDay.score(detector.pipeline.transform(table).x);
    const threshold = zeroDay.threshold;
    zeroDay.dispose();
    await detector.dispose();

    const anomalies = predictions.filter((p) => p.label === ANOMALY_CLASS);
    expect(anomalies.length).toBeGreaterThan(0);
    for (const p of predictions) {
      const row = rowAt.get(idOf(p))!;
      expect(p.anomalyScore).toBeCloseTo(errors[row], 6);
      const flagged = classifier[row].label === 'normal' && errors[row] > threshold;
      expect(p.label).toBe(flagged ? ANOMALY_CLASS : classifier[row].label);
      expect(p.alert).toBe(flagged || classifier[row].alert);
    }
    expect(alerts.filter((a) => a.label === ANOMALY_CLASS)).toHaveLength(anomalies.length);
  });

  it('starts a fresh member after a CRASH kafkajs does not recover from, and gives up after maxRestarts', async () => {
    const { broker, client, options } = setup(2);
    const logs: string[] = [];
    const consumer = await startConsumer(
      options({ maxRestarts: 1, restartDelayMs: 1, onLog: (_level, message) => logs.push(message) }),
    );
    await waitFor(() => consumer.stats().messages === rows.length, 'the first pass');
    const syncGroupError = new Error(
      'The server experienced an unexpected error when processing the request',
    );
    client.consumers[0].emitCrash(syncGroupError);
    await waitFor(() => client.consumers.length === 2, 'a fresh member');
    expect(logs.join('\n')).toMatch(/consumer crashed .* restarting in 1 ms/);
    const more = broker.produce(
      TOPIC,
      rows.slice(0, 10).map((row, i) => ({ value: messageOf(row, i) })),
    );
    await waitFor(() => consumer.stats().messages === rows.length + more.length, 'the new messages');
    client.consumers[1].emitCrash(syncGroupError);
    const failure = await consumer.failed;
    expect(failure.message).toMatch(/crashed 2 times and was given up; last error: The server experienced/);
    await consumer.stop();
  });

  it('fails with a clear message on a topic compressed with a codec kafkajs cannot read', async () => {
    const { client, options } = setup(1);
    const consumer = await startConsumer(options());
    const notImplemented = new Error('Snappy compression not implemented');
    notImplemented.name = 'KafkaJSNotImplemented';
    client.consumers[0].emitCrash(new Error('fetch failed', { cause: notImplemented }));
    const failure = await consumer.failed;
    expect(failure.message).toMatch(/holds snappy-compressed messages, which iot-ids cannot read.*gzip/);
    expect(client.consumers).toHaveLength(1);
    await consumer.stop();
  });

  it('names the topic, group and brokers when the client cannot connect', async () => {
    const refused = {
      member: () => ({
        connect: () => Promise.reject(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9')),
        subscribe: () => Promise.resolve(),
        run: () => Promise.resolve(),
        stop: () => Promise.resolve(),
        disconnect: () => Promise.resolve(),
        onCrash: () => {},
      }),
    };
    await expect(
      startConsumer({
        brokers: ['127.0.0.1:9'],
        topic: TOPIC,
        groupId: GROUP,
        modelDir,
        kafka: () => refused,
      }),
    ).rejects.toThrow(
      'cannot consume topic "flows" as group "iot-ids" from 127.0.0.1:9: Connection error: connect ECONNREFUSED',
    );
  });

  it('refuses a bad batch size and a missing zero-day detector before joining the group', async () => {
    const { client, options } = setup(1);
    await expect(startConsumer(options({ batchSize: 0 }))).rejects.toThrow(/batch size/);
    const other = await mkdtemp(join(tmpdir(), 'kafka-no-zero-day-'));
    try {
      const tiny = await makeTinyModel(other, 60);
      await expect(startConsumer(options({ modelDir: tiny.modelDir, zeroDay: true }))).rejects.toThrow(
        /train the zero-day/,
      );
    } finally {
      await rm(other, { recursive: true, force: true });
    }
    expect(client.consumers).toHaveLength(0);
  });
});
