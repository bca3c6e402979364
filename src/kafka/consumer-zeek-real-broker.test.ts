import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTrafficModel, trafficRecords } from '../detection/test-helpers/traffic-model.js';
import { zeekJsonLine, zeekJsonObject } from '../traffic/test-helpers/log-lines.js';
import { startConsumer, type ConsumedPrediction, type ConsumedRejection } from './consumer.js';
import { kcatMissing, startMockBroker, type MockBroker } from './test-helpers/kcat-broker.js';
import { waitFor } from './test-helpers/wait-for.js';

const missing = kcatMissing();
if (missing) console.warn(`skipping the Zeek-over-Kafka test against a real broker: ${missing}`);

describe.skipIf(missing !== undefined)(
  'consume Zeek JSON from a real Kafka-protocol broker (kcat mock)',
  () => {
    let dir: string;
    let modelDir: string;
    let broker: MockBroker;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'kafka-zeek-real-'));
      modelDir = await makeTrafficModel(dir, 'kdd-traffic');
      broker = await startMockBroker();
    });
    afterAll(async () => {
      broker?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('scores conn records as Zeek’s Kafka writer sends them, tagged or not, and rejects the others', async () => {
      const records = trafficRecords(200, 1_700_300_000);
      const lines = records.map((r, i) =>
        i % 2 === 0 ? zeekJsonLine(r) : JSON.stringify({ conn: zeekJsonObject(r) }),
      );
      lines.push(
        JSON.stringify({ dns: { ts: 1_700_300_500, 'id.orig_h': '10.0.0.5', 'id.resp_h': '10.0.0.1' } }),
      );
      broker.produce('zeek', lines);
      const scored: ConsumedPrediction[] = [];
      const rejected: ConsumedRejection[] = [];
      const consumer = await startConsumer({
        brokers: [broker.brokers],
        topic: 'zeek',
        groupId: 'g-zeek',
        modelDir,
        fromBeginning: true,
        consumerConfig: {
          sessionTimeout: 6000,
          rebalanceTimeout: 6000,
          heartbeatInterval: 500,
          maxWaitTimeInMs: 100,
        },
        restartDelayMs: 200,
        onLog: () => {},
        onPrediction: (p) => scored.push(p),
        onReject: (r) => rejected.push(r),
      });
      try {
        await waitFor(() => scored.length + rejected.length >= 201, 'every message', 60_000, 50);
      } finally {
        await consumer.stop();
      }
      expect(new Set(scored.map((p) => `${p.partition}:${p.offset}`)).size).toBe(200);
      // Scans (odd records) alert, web exchanges do not, on any partition.
      expect(scored.filter((p) => p.alert)).toHaveLength(100);
      expect(rejected.map((r) => r.reason)).toEqual(['Zeek conn record: _path is "dns", not conn']);
    });
  },
);
