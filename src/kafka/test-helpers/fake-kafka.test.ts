import { describe, expect, it } from 'vitest';
import type { EachBatchPayload } from 'kafkajs';
import { FakeKafkaBroker, waitFor } from './fake-kafka.js';

function values(n: number, prefix = 'm'): { value: string }[] {
  return Array.from({ length: n }, (_, i) => ({ value: `${prefix}${i}` }));
}

describe('FakeKafkaBroker', () => {
  it('appends messages with per-partition offsets, by explicit partition, key hash or round-robin', () => {
    const broker = new FakeKafkaBroker();
    broker.createTopic('t', 3);
    expect(broker.produce('t', values(6)).map((tp) => tp.partition)).toEqual([0, 1, 2, 0, 1, 2]);
    const keyed = broker.produce('t', [
      { key: 'k', value: 'a' },
      { key: 'k', value: 'b' },
    ]);
    expect(keyed[0].partition).toBe(keyed[1].partition);
    broker.produce('t', [{ value: 'x', partition: 1 }]);
    expect([0, 1, 2].map((p) => broker.endOffset('t', p)).reduce((a, b) => a + b)).toBe(9);
    expect(() => broker.produce('missing', values(1))).toThrow(/does not host/);
  });

  it('splits partitions between the members of a group and rebalances when one stops', async () => {
    const broker = new FakeKafkaBroker({ maxBatchMessages: 3 });
    broker.createTopic('t', 4);
    const client = broker.client();
    const seen: string[] = [];
    const handler = ({ batch }: EachBatchPayload) => {
      for (const m of batch.messages) seen.push(`${batch.partition}:${m.offset}`);
      return Promise.resolve();
    };
    const [a, b] = [client.consumer({ groupId: 'g' }), client.consumer({ groupId: 'g' })];
    for (const c of [a, b]) {
      await c.connect();
      await c.subscribe({ topics: ['t'], fromBeginning: true });
    }
    await a.run({ eachBatch: handler });
    await b.run({ eachBatch: handler });
    expect(broker.assignments('g')).toEqual({ 'member-1': [0, 2], 'member-2': [1, 3] });
    // Produced once both have joined: no rebalance while work is in flight, so nothing is seen twice.
    broker.produce('t', values(40));
    await waitFor(() => broker.caughtUp('g', 't'), 'the group to commit everything');
    expect(new Set(seen).size).toBe(40);
    expect(seen).toHaveLength(40);
    const partitionsOf = (c: typeof a) =>
      new Set(client.consumers[client.consumers.indexOf(c)].deliveries.map((d) => d.partition));
    expect([...partitionsOf(a)].sort()).toEqual([0, 2]);
    expect([...partitionsOf(b)].sort()).toEqual([1, 3]);

    await a.disconnect();
    expect(broker.assignments('g')).toEqual({ 'member-2': [0, 1, 2, 3] });
    broker.produce('t', values(8, 'late'));
    await waitFor(() => broker.caughtUp('g', 't'), 'the remaining member to take over');
    expect(seen).toHaveLength(48);
    await b.disconnect();
  });

  it("delivers a batch in flight during a rebalance again to the partition's new owner", async () => {
    const broker = new FakeKafkaBroker({ maxBatchMessages: 3 });
    broker.createTopic('t', 2);
    broker.produce('t', values(6));
    const client = broker.client();
    const seen: string[] = [];
    const handler = ({ batch }: EachBatchPayload) => {
      for (const m of batch.messages) seen.push(`${batch.partition}:${m.offset}`);
      return Promise.resolve();
    };
    const [a, b] = [client.consumer({ groupId: 'g' }), client.consumer({ groupId: 'g' })];
    for (const c of [a, b]) {
      await c.connect();
      await c.subscribe({ topics: ['t'], fromBeginning: true });
    }
    // a alone owns both partitions and starts on them; b joining takes partition 1 away mid-batch.
    await a.run({ eachBatch: handler });
    await b.run({ eachBatch: handler });
    await waitFor(() => broker.caughtUp('g', 't'), 'the group to commit everything');
    expect(new Set(seen).size).toBe(6);
    expect(seen.length).toBeGreaterThan(6);
    // What a fetched from partition 1 before losing it was never committed by a, so b read it again.
    const fromA = client.consumers[0].deliveries.filter((d) => d.partition === 1).flatMap((d) => d.offsets);
    const fromB = client.consumers[1].deliveries.filter((d) => d.partition === 1).flatMap((d) => d.offsets);
    expect(fromA.length).toBeGreaterThan(0);
    expect(fromB).toEqual(['0', '1', '2', '3', '4', '5'].slice(0, fromB.length));
    expect(fromB).toEqual(expect.arrayContaining(fromA));
    await a.disconnect();
    await b.disconnect();
  });

  it('delivers again what was processed but not committed when a member crashes', async () => {
    const broker = new FakeKafkaBroker({ maxBatchMessages: 5 });
    broker.createTopic('t', 1);
    broker.produce('t', values(10));
    const client = broker.client();
    const first = client.consumers;
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const a = client.consumer({ groupId: 'g' });
    await a.connect();
    await a.subscribe({ topics: ['t'], fromBeginning: true });
    // Commits the first batch, then hangs in the second before committing it.
    let calls = 0;
    await a.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async (payload) => {
        if (++calls === 2) await stuck;
        payload.resolveOffset(payload.batch.lastOffset());
        await payload.commitOffsetsIfNecessary(payload.uncommittedOffsets());
      },
    });
    await waitFor(() => calls === 2, 'the second batch');
    expect(broker.committed('g', 't', 0)).toBe(5);
    first[0].crash();

    const b = client.consumer({ groupId: 'g' });
    const redelivered: string[] = [];
    await b.connect();
    await b.subscribe({ topics: ['t'], fromBeginning: true });
    await b.run({
      eachBatch: ({ batch }) => {
        redelivered.push(...batch.messages.map((m) => m.offset));
        return Promise.resolve();
      },
    });
    await waitFor(() => broker.caughtUp('g', 't'), 'the new member to catch up');
    expect(redelivered).toEqual(['5', '6', '7', '8', '9']);
    // The crashed member's late commit is fenced off.
    release();
    await waitFor(() => first[0].deliveries.length === 2, 'the stuck batch to finish');
    expect(broker.committed('g', 't', 0)).toBe(10);
    await b.disconnect();
  });

  it('delivers a batch again when its handler throws, and refuses commits for partitions not owned', async () => {
    const broker = new FakeKafkaBroker({ maxBatchMessages: 4, retryMs: 1 });
    broker.createTopic('t', 1);
    broker.produce('t', values(4));
    const client = broker.client();
    const c = client.consumer({ groupId: 'g' });
    await c.connect();
    await c.subscribe({ topics: ['t'], fromBeginning: true });
    let attempts = 0;
    await c.run({
      eachBatch: async (payload) => {
        attempts++;
        if (attempts === 1) throw new Error('store unavailable');
        if (attempts === 2) {
          await expect(
            payload.commitOffsetsIfNecessary({
              topics: [{ topic: 't', partitions: [{ partition: 3, offset: '1' }] }],
            }),
          ).rejects.toThrow(/no longer owns t\/3/);
        }
      },
    });
    await waitFor(() => broker.caughtUp('g', 't'), 'the retry to succeed');
    expect(attempts).toBe(2);
    expect(broker.handlerErrors.map((e) => (e.error as Error).message)).toEqual(['store unavailable']);
    await c.disconnect();
  });

  it('starts a group without commits at the end of the topic unless fromBeginning', async () => {
    const broker = new FakeKafkaBroker();
    broker.createTopic('t', 1);
    broker.produce('t', values(3, 'old'));
    const client = broker.client();
    const c = client.consumer({ groupId: 'fresh' });
    const got: string[] = [];
    await c.connect();
    await c.subscribe({ topics: ['t'] });
    await c.run({
      eachBatch: ({ batch }) => {
        got.push(...batch.messages.map((m) => m.value!.toString()));
        return Promise.resolve();
      },
    });
    broker.produce('t', values(2, 'new'));
    await waitFor(() => got.length === 2, 'the new messages');
    expect(got).toEqual(['new0', 'new1']);
    await c.disconnect();
  });
});
