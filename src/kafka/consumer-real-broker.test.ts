import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyModel, tinyRows, type TinyRow } from '../detection/test-helpers/tiny-model.js';
import {
  startConsumer,
  type ConsumedPrediction,
  type ConsumedRejection,
  type RunningConsumer,
  type StartConsumerOptions,
} from './consumer.js';
import {
  committedOffsets,
  kcatMissing,
  startMockBroker,
  type MockBroker,
} from './test-helpers/kcat-broker.js';
import { waitFor } from './test-helpers/wait-for.js';

const missing = kcatMissing();
if (missing) console.warn(`skipping the Kafka tests against a real broker: ${missing}`);

/** Short group timeouts so that rebalances and takeovers happen in seconds, not kafkajs's 30 s. */
const FAST_GROUP = {
  sessionTimeout: 6000,
  rebalanceTimeout: 6000,
  heartbeatInterval: 500,
  maxWaitTimeInMs: 100,
};

function json(row: TinyRow): string {
  return JSON.stringify({ duration: row.duration, proto: row.proto, signal: row.signal, noise: row.noise });
}

/** Rebalances against the mock take seconds: a real-broker wait gets a minute, polled every 50 ms. */
const BROKER_WAIT = [60_000, 50] as const;

const idOf = (m: { partition: number; offset: string }): string => `${m.partition}:${m.offset}`;

/** A member that records every verdict and rejection it hands out. */
interface Member {
  consumer: RunningConsumer;
  scored: ConsumedPrediction[];
  rejected: ConsumedRejection[];
}

describe.skipIf(missing !== undefined)(
  'consume against a real Kafka-protocol broker (kcat mock cluster)',
  () => {
    let dir: string;
    let modelDir: string;
    let broker: MockBroker;
    const members: Member[] = [];

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'kafka-real-'));
      ({ modelDir } = await makeTinyModel(dir));
      broker = await startMockBroker();
    });
    afterAll(async () => {
      for (const m of members) await m.consumer.stop().catch(() => {});
      broker?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    async function member(
      topic: string,
      group: string,
      extra: Partial<StartConsumerOptions> = {},
    ): Promise<Member> {
      const scored: ConsumedPrediction[] = [];
      const rejected: ConsumedRejection[] = [];
      const consumer = await startConsumer({
        brokers: [broker.brokers],
        topic,
        groupId: group,
        modelDir,
        fromBeginning: true,
        batchSize: 100,
        consumerConfig: FAST_GROUP,
        // The mock's SyncGroup race makes a joining member crash now and then: the consumer restarts it.
        restartDelayMs: 200,
        onLog: () => {},
        onPrediction: (p) => scored.push(p),
        onReject: (r) => rejected.push(r),
        ...extra,
      });
      const m = { consumer, scored, rejected };
      members.push(m);
      return m;
    }

    /** The group's committed offset per partition, from the broker. */
    const committed = (topic: string, group: string): Promise<Map<number, number>> =>
      committedOffsets(broker.brokers, topic, group);

    it('two members of one group share the partitions and score every record at least once', async () => {
      const rows = tinyRows(41, 2000);
      broker.produce('shared', rows.slice(0, 1000).map(json));
      const a = await member('shared', 'g-shared');
      const b = await member('shared', 'g-shared');
      await waitFor(() => a.scored.length + b.scored.length >= 1000, 'the first half', ...BROKER_WAIT);
      broker.produce('shared', rows.slice(1000).map(json));
      const seen = (): Set<string> => new Set([...a.scored, ...b.scored].map(idOf));
      let produced = 2000;
      await waitFor(() => seen().size === produced, 'every record', ...BROKER_WAIT);
      // On a loaded machine the second member's rebalance can finish only after the first has consumed
      // everything produced so far: keep producing (bounded) until the group has shared some of the work.
      for (let round = 0; round < 5 && (a.scored.length === 0 || b.scored.length === 0); round++) {
        broker.produce('shared', tinyRows(100 + round, 500).map(json));
        produced += 500;
        await waitFor(() => seen().size === produced, 'every record', ...BROKER_WAIT);
      }
      // Both members scored part of the topic, and every record was scored at least once.
      expect(a.scored.length).toBeGreaterThan(0);
      expect(b.scored.length).toBeGreaterThan(0);
      expect(a.scored.length + b.scored.length).toBeGreaterThanOrEqual(produced);
      // After a quiet moment every partition is committed up to its end.
      const ends = new Map<number, number>();
      for (const p of [...a.scored, ...b.scored])
        ends.set(p.partition, Math.max(ends.get(p.partition) ?? 0, Number(p.offset) + 1));
      let offsets = await committed('shared', 'g-shared');
      for (let i = 0; i < 50 && [...ends].some(([p, end]) => offsets.get(p) !== end); i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        offsets = await committed('shared', 'g-shared');
      }
      for (const [partition, end] of ends) expect(offsets.get(partition)).toBe(end);
    });

    it('skips and counts a poison message, scores the rest and commits past it', async () => {
      const rows = tinyRows(42, 40);
      const lines = rows.map(json);
      lines.splice(20, 0, '{"duration": [[[[', '\u0000\u00ff not a record');
      broker.produce('poison', lines);
      const m = await member('poison', 'g-poison');
      await waitFor(() => m.scored.length + m.rejected.length === 42, 'all 42 messages', ...BROKER_WAIT);
      expect(m.scored).toHaveLength(40);
      expect(m.rejected).toHaveLength(2);
      expect(m.consumer.stats().rejected).toBe(2);
    });

    it('refuses a snappy-compressed topic with a clear message instead of crashing', async () => {
      broker.produce('snappy', tinyRows(43, 10).map(json), { compression: 'snappy' });
      const m = await member('snappy', 'g-snappy');
      const failure = await m.consumer.failed;
      expect(failure.message).toMatch(/holds snappy-compressed messages, which iot-ids cannot read/);
    });

    it('carries on when the broker stops answering for longer than the session timeout and comes back', async () => {
      const rows = tinyRows(44, 400);
      broker.produce('outage', rows.slice(0, 200).map(json));
      const m = await member('outage', 'g-outage');
      await waitFor(() => new Set(m.scored.map(idOf)).size === 200, 'the first 200', ...BROKER_WAIT);
      broker.pause();
      await new Promise((resolve) => setTimeout(resolve, FAST_GROUP.sessionTimeout + 2000));
      broker.resume();
      broker.produce('outage', rows.slice(200).map(json));
      await waitFor(
        () => new Set(m.scored.map(idOf)).size === 400,
        'all 400 after the outage',
        ...BROKER_WAIT,
      );
      let failed = false;
      void m.consumer.failed.then(() => (failed = true));
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(failed).toBe(false);
    });
  },
);
