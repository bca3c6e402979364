import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../detection/detector.js';
import { scoreConnections } from '../detection/score-connections.js';
import { makeTrafficModel, trafficRecords } from '../detection/test-helpers/traffic-model.js';
import { zeekJsonLine, zeekJsonObject } from '../traffic/test-helpers/log-lines.js';
import { startConsumer, type ConsumedPrediction, type ConsumedRejection } from './consumer.js';
import { decodeMessages, trafficMessagesFor } from './message-records.js';
import { FakeKafkaBroker, waitFor } from './test-helpers/fake-kafka.js';

let dir: string;
let connModel: string;
let kddModel: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kafka-zeek-'));
  connModel = await makeTrafficModel(dir, 'conn');
  kddModel = await makeTrafficModel(dir, 'kdd-traffic');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Kafka topics carrying Zeek JSON', () => {
  it('decodes Zeek conn messages, plain or tagged {"conn": …}, into the model’s features; other logs and bad records are rejected', async () => {
    const detector = await Detector.load(kddModel);
    try {
      const records = trafficRecords(4);
      const values = [
        zeekJsonLine(records[0]),
        JSON.stringify({ conn: zeekJsonObject(records[1]) }),
        JSON.stringify({ dns: { ts: 1_700_000_000, 'id.orig_h': '10.0.0.5', query: 'x' } }),
        JSON.stringify({ ...zeekJsonObject(records[2]), orig_bytes: 'many' }),
        zeekJsonLine(records[3]),
      ];
      const traffic = trafficMessagesFor(detector.manifest)!;
      expect(traffic.featureSet).toBe('kdd-traffic');
      const decoded = await decodeMessages(values, detector.inputSchema, traffic);
      expect(decoded.parts).toHaveLength(1);
      expect(decoded.parts[0].format).toBe('zeek-json');
      expect(Array.from(decoded.parts[0].messageIndices)).toEqual([0, 1, 4]);
      expect(decoded.rejected).toEqual([
        { index: 2, reason: 'Zeek conn record: _path is "dns", not conn' },
        { index: 3, reason: 'Zeek conn record: non-numeric value', field: 'orig_bytes' },
      ]);
      // A model of CSV columns gets no traffic context: such messages are records with unknown fields.
      expect(
        trafficMessagesFor({ ...detector.manifest, featureSet: undefined, datasetDefinition: undefined }),
      ).toBeUndefined();
    } finally {
      await detector.dispose();
    }
  });

  it('consume scores them as detect scores the same connections, and rejects what the Zeek reader skips', async () => {
    const records = trafficRecords(40, 1_700_200_000);
    const broker = new FakeKafkaBroker({ maxBatchMessages: 7, retryMs: 1 });
    broker.createTopic('zeek-conn', 1);
    const values = records.map((r, i) =>
      i % 3 === 0 ? JSON.stringify({ conn: zeekJsonObject(r) }) : zeekJsonLine(r),
    );
    values.push('{"conn": {"ts": "yesterday", "id.orig_h": "10.0.0.1"}}');
    broker.produce(
      'zeek-conn',
      values.map((value) => ({ value })),
    );
    const predictions: ConsumedPrediction[] = [];
    const rejections: ConsumedRejection[] = [];
    const client = broker.client();
    const consumer = await startConsumer({
      brokers: ['fake:9092'],
      topic: 'zeek-conn',
      groupId: 'iot-ids',
      modelDir: connModel,
      fromBeginning: true,
      batchSize: 10,
      kafka: () => client,
      onPrediction: (p) => predictions.push(p),
      onReject: (r) => rejections.push(r),
    });
    await waitFor(() => broker.caughtUp('iot-ids', 'zeek-conn'), 'every offset to be committed');
    await consumer.stop();
    expect(consumer.stats()).toMatchObject({ messages: 41, records: 40, rejected: 1 });
    expect(rejections).toEqual([
      expect.objectContaining({
        offset: '40',
        reason: 'Zeek conn record: bad timestamp',
        field: 'ts',
      }) as unknown,
    ]);
    const detector = await Detector.load(connModel);
    try {
      const expected = await scoreConnections(detector, records);
      const byUid = new Map(expected.records.map((r, i) => [r.uid, expected.scored.predicted[i]]));
      expect(predictions.map((p) => p.label)).toEqual(
        records.map((r) => detector.classes[byUid.get(r.uid)!]),
      );
      expect(predictions.filter((p) => p.alert)).toHaveLength(20);
    } finally {
      await detector.dispose();
    }
  });
});
