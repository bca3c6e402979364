import { describe, expect, it } from 'vitest';
import type { MessageBatch } from '../kafka-client.js';
import { FakeKafkaBroker, waitFor, type FakeConsumer } from './fake-kafka.js';

function values(n: number, prefix = 'm'): { value: string }[] {
  return Array.from({ length: n }, (_, i) => ({ value: `${prefix}${i}` }));
}

/** A handler that records `partition:offset` of every message and commits the whole batch. */
function recording(seen: string[]): (batch: MessageBatch) => Promise<void> {
  return async (batch) => {
    for (const m of batch.messages) seen.push(`${batch.partition}:${m.offset}`);
    await batch.commit(batch.messages[batch.messages.length - 1].offset);
  };
}

async function joined(member: FakeConsumer, topic: string, fromBeginning = true): Promise<FakeConsumer> {
  await member.connect();
  await member.subscribe(topic, fromBeginning);
  return member;
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
    const a = await joined(client.member('g'), 't');
    const b = await joined(client.member('g'), 't');
    await a.run(recording(seen));
    await b.run(recording(seen));
    expect(broker.assignments('g')).toEqual({ 'member-1': [0, 2], 'member-2': [1, 3] });
    // Produced once both have joined: no rebalance while work is in flight, so nothing is seen twice.
    broker.produce('t', values(40));
    await waitFor(() => broker.caughtUp('g', 't'), 'the group to commit everything');
    expect(new Set(seen).size).toBe(40);
    expect(seen).toHaveLength(40);
    const partitionsOf = (c: FakeConsumer) => new Set(c.deliveries.map((d) => d.partition));
    expect([...partitionsOf(a)].sort()).toEqual([0, 2]);
    expect([...partitionsOf(b)].sort()).toEqual([1, 3]);

    await a.disconnect();
    expect(broker.assignments('g')).toEqual({ 'member-2': [0, 1, 2, 3] });
    broker.produce('t', values(8, 'late'));
    await waitFor(() => broker.caughtUp('g', 't'), 'the remaining member to take over');
    expect(seen).toHaveLength(48);
    await b.disconnect();
  });

  it("delivers a batch in flight during a rebalance again to the partition's new owner, and refuses the old owner's commit", async () => {
    const broker = new FakeKafkaBroker({ maxBatchMessages: 3 });
    broker.createTopic('t', 2);
    broker.produce('t', values(6));
    const client = broker.client();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inFlight: MessageBatch | undefined;
    const a = await joined(client.member('g'), 't');
    await a.run(async (batch) => {
      if (batch.partition === 1 && !inFlight) {
        inFlight = batch;
        await held;
      }
      await batch.commit(batch.messages[batch.messages.length - 1].offset);
    });
    await waitFor(() => inFlight !== undefined, 'a batch of partition 1');
    expect(inFlight!.isActive()).toBe(true);
    const b = await joined(client.member('g'), 't');
    const seenByB: string[] = [];
    await b.run(recording(seenByB));
    expect(inFlight!.isActive()).toBe(false);
    await expect(inFlight!.commit('2')).rejects.toThrow(/no longer owns t\/1/);
    release();
    await waitFor(() => broker.caughtUp('g', 't'), 'b to commit partition 1');
    // a's handler, released, fails on that commit: the batch is not a's to commit any more.
    await waitFor(() => broker.handlerErrors.length > 0, "a's refused commit");
    expect(broker.handlerErrors.map((e) => (e.error as Error).message)).toEqual([
      expect.stringMatching(/no longer owns t\/1/),
    ]);
    // a never committed partition 1, so b read the batch a had in flight again, from the beginning.
    expect(inFlight!.messages.map((m) => m.offset)).toEqual(['0', '1', '2']);
    expect(seenByB).toEqual(['1:0', '1:1', '1:2']);
    await a.disconnect();
    await b.disconnect();
  });

  it('delivers again what was processed but not committed when a member crashes, and fences its late commit', async () => {
    const broker = new FakeKafkaBroker({ maxBatchMessages: 5 });
    broker.createTopic('t', 1);
    broker.produce('t', values(10));
    const client = broker.client();
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const a = await joined(client.member('g'), 't');
    // Commits the first batch, then hangs in the second before committing it.
    let calls = 0;
    let lateCommit: Promise<void> | undefined;
    await a.run(async (batch) => {
      if (++calls === 2) await stuck;
      lateCommit = batch.commit(batch.messages[batch.messages.length - 1].offset);
      await lateCommit;
    });
    await waitFor(() => calls === 2, 'the second batch');
    expect(broker.committed('g', 't', 0)).toBe(5);
    a.crash();

    const redelivered: string[] = [];
    const b = await joined(client.member('g'), 't');
    await b.run(async (batch) => {
      redelivered.push(...batch.messages.map((m) => m.offset));
      await batch.commit(batch.messages[batch.messages.length - 1].offset);
    });
    await waitFor(() => broker.caughtUp('g', 't'), 'the new member to catch up');
    expect(redelivered).toEqual(['5', '6', '7', '8', '9']);
    release();
    await waitFor(() => lateCommit !== undefined && calls === 2, 'the stuck batch to finish');
    await expect(lateCommit).rejects.toThrow(/not aware of this member/);
    expect(broker.committed('g', 't', 0)).toBe(10);
    await b.disconnect();
  });

  it('delivers a batch again when its handler throws or returns without committing it', async () => {
    const broker = new FakeKafkaBroker({ maxBatchMessages: 4, retryMs: 1 });
    broker.createTopic('t', 1);
    broker.produce('t', values(4));
    const client = broker.client();
    const c = await joined(client.member('g'), 't');
    let attempts = 0;
    await c.run(async (batch) => {
      attempts++;
      if (attempts === 1) throw new Error('store unavailable');
      if (attempts === 2) {
        await batch.commit('1'); // half of it, then stops (as a consumer that is stopping does)
        return;
      }
      await batch.commit(batch.messages[batch.messages.length - 1].offset);
    });
    await waitFor(() => broker.caughtUp('g', 't'), 'the retry to succeed');
    expect(attempts).toBe(3);
    expect(c.deliveries.map((d) => d.offsets)).toEqual([
      ['0', '1', '2', '3'],
      ['0', '1', '2', '3'],
      ['2', '3'],
    ]);
    expect(broker.handlerErrors.map((e) => (e.error as Error).message)).toEqual(['store unavailable']);
    await c.disconnect();
  });

  it('starts a group without commits at the end of the topic unless fromBeginning', async () => {
    const broker = new FakeKafkaBroker();
    broker.createTopic('t', 1);
    broker.produce('t', values(3, 'old'));
    const client = broker.client();
    const c = await joined(client.member('fresh'), 't', false);
    const got: string[] = [];
    await c.run(async (batch) => {
      got.push(...batch.messages.map((m) => m.value!.toString()));
      await batch.commit(batch.messages[batch.messages.length - 1].offset);
    });
    broker.produce('t', values(2, 'new'));
    await waitFor(() => got.length === 2, 'the new messages');
    expect(got).toEqual(['new0', 'new1']);
    await c.disconnect();
  });
});
