/**
 * An in-process stand-in for a Kafka cluster, implementing the consumer's narrow client interface
 * (kafka-client.ts: members that subscribe, run a batch handler, commit through the batch, crash), for
 * testing consumer logic fast and deterministically; the real-broker tests (kcat's mock cluster) cover
 * kafkajs itself. It models what at-least-once processing depends on, not the wire protocol:
 *   - topics with partitions and offsets; messages are appended and never removed;
 *   - consumer groups: members that are running share the subscribed partitions round-robin (kafkajs's
 *     default assigner); a join, a stop or a crash rebalances the group;
 *   - committed offsets per group and partition; a member starts a newly assigned partition at the
 *     committed offset (else at the beginning or the end, by `fromBeginning`), so work that was processed
 *     but not committed is delivered again to the next owner;
 *   - commits are fenced: a crashed member, or one committing a partition it no longer owns, gets an error,
 *     as a member of an old group generation does from a real coordinator;
 *   - a batch handler that throws, or returns without committing to the batch's end, gets the rest of the
 *     messages again from the last commit (after `retryMs` when it threw).
 * Not modelled: the network, retention, rebalance delays and session timeouts (a crash is noticed at once).
 */
import type {
  ConsumedMessage,
  ConsumerCrash,
  GroupMember,
  KafkaClient,
  MessageBatch,
} from '../kafka-client.js';

// The tests that drive this broker wait with the same helper as the real-broker ones.
export { waitFor } from './wait-for.js';

export interface FakeKafkaOptions {
  /** Most messages handed to one `eachBatch` call. Default 100. */
  maxBatchMessages?: number;
  /** Pause between fetches when no partition has new messages. Default 2 ms. */
  pollMs?: number;
  /** Pause before a failed batch is delivered again. Default 5 ms. */
  retryMs?: number;
}

export interface ProducedMessage {
  key?: string | null;
  value: string | Buffer | null;
  /** Default: by key hash when there is a key, else round-robin. */
  partition?: number;
}

/** A `KafkaClient` whose members are fakes, listed in creation order. */
export interface FakeKafkaClient extends KafkaClient {
  readonly consumers: FakeConsumer[];
  member(groupId: string): FakeConsumer;
}

interface TopicPartition {
  topic: string;
  partition: number;
}

const keyOf = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

export class FakeKafkaBroker {
  readonly options: Required<FakeKafkaOptions>;
  /** Errors thrown by batch handlers, in order (the batch was delivered again each time). */
  readonly handlerErrors: { groupId: string; memberId: string; error: unknown }[] = [];
  private readonly topics = new Map<string, ConsumedMessage[][]>();
  private readonly groups = new Map<string, FakeGroup>();
  private roundRobin = 0;
  private memberCounter = 0;

  constructor(options: FakeKafkaOptions = {}) {
    this.options = {
      maxBatchMessages: options.maxBatchMessages ?? 100,
      pollMs: options.pollMs ?? 2,
      retryMs: options.retryMs ?? 5,
    };
  }

  createTopic(name: string, partitions: number): void {
    if (this.topics.has(name)) throw new Error(`topic ${name} exists`);
    this.topics.set(
      name,
      Array.from({ length: partitions }, () => []),
    );
  }

  /** Appends messages; returns the partition and offset each one got. */
  produce(topic: string, messages: readonly ProducedMessage[]): TopicPartition[] {
    const partitions = this.partitionsOf(topic);
    return messages.map((m) => {
      const partition =
        m.partition ??
        (m.key != null ? hash(m.key) % partitions.length : this.roundRobin++ % partitions.length);
      const log = partitions[partition];
      log.push({
        key: m.key == null ? null : Buffer.from(m.key),
        value: m.value === null ? null : Buffer.isBuffer(m.value) ? m.value : Buffer.from(m.value),
        timestamp: String(Date.now()),
        offset: String(log.length),
      });
      return { topic, partition };
    });
  }

  partitionCount(topic: string): number {
    return this.partitionsOf(topic).length;
  }

  /** Offset the next produced message of the partition will get. */
  endOffset(topic: string, partition: number): number {
    return this.partitionsOf(topic)[partition].length;
  }

  /** The group's committed offset (the next offset to read), or undefined before its first commit. */
  committed(groupId: string, topic: string, partition: number): number | undefined {
    return this.groups.get(groupId)?.committed.get(keyOf({ topic, partition }));
  }

  /** Whether the group has committed every message of the topic. */
  caughtUp(groupId: string, topic: string): boolean {
    return this.partitionsOf(topic).every(
      (log, partition) => (this.committed(groupId, topic, partition) ?? 0) === log.length,
    );
  }

  /** Partitions currently assigned to each member of the group, by member id. */
  assignments(groupId: string): Record<string, number[]> {
    const group = this.groups.get(groupId);
    if (!group) return {};
    return Object.fromEntries(
      group.members.map((m) => [m.memberId, group.assignedTo(m).map((tp) => tp.partition)]),
    );
  }

  /** What a client factory (`startConsumer`'s `kafka` option) returns. */
  client(): FakeKafkaClient {
    const consumers: FakeConsumer[] = [];
    return {
      consumers,
      member: (groupId: string): FakeConsumer => {
        const consumer = new FakeConsumer(this, groupId, `member-${++this.memberCounter}`);
        consumers.push(consumer);
        return consumer;
      },
    };
  }

  /** @internal */
  group(groupId: string): FakeGroup {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new FakeGroup(this, groupId);
      this.groups.set(groupId, group);
    }
    return group;
  }

  /** @internal */
  partitionsOf(topic: string): ConsumedMessage[][] {
    const partitions = this.topics.get(topic);
    if (!partitions) throw new Error(`This server does not host this topic-partition (${topic})`);
    return partitions;
  }
}

/** A consumer group: its running members, their assignment and the committed offsets. */
class FakeGroup {
  readonly members: FakeConsumer[] = [];
  readonly committed = new Map<string, number>();
  generation = 0;
  private assignment = new Map<FakeConsumer, TopicPartition[]>();

  constructor(
    private readonly broker: FakeKafkaBroker,
    readonly groupId: string,
  ) {}

  join(member: FakeConsumer): void {
    this.members.push(member);
    this.rebalance();
  }

  leave(member: FakeConsumer): void {
    const at = this.members.indexOf(member);
    if (at >= 0) this.members.splice(at, 1);
    this.rebalance();
  }

  assignedTo(member: FakeConsumer): TopicPartition[] {
    return this.assignment.get(member) ?? [];
  }

  owns(member: FakeConsumer, tp: TopicPartition): boolean {
    return this.assignedTo(member).some((a) => a.topic === tp.topic && a.partition === tp.partition);
  }

  commit(member: FakeConsumer, offsets: { topic: string; partition: number; offset: number }[]): void {
    for (const o of offsets) {
      if (member.crashed || !this.members.includes(member)) {
        throw new Error(`The coordinator is not aware of this member (${member.memberId})`);
      }
      if (!this.owns(member, o)) {
        throw new Error(
          `The group is rebalancing, so a rejoin is needed (${member.memberId} no longer owns ${o.topic}/${o.partition})`,
        );
      }
    }
    for (const o of offsets) this.committed.set(keyOf(o), o.offset);
  }

  private rebalance(): void {
    this.generation++;
    const topics = [...new Set(this.members.flatMap((m) => m.topics))].sort();
    const partitions = topics.flatMap((topic) =>
      this.broker.partitionsOf(topic).map((_, partition) => ({ topic, partition })),
    );
    const members = [...this.members].sort((a, b) => a.memberId.localeCompare(b.memberId));
    const next = new Map<FakeConsumer, TopicPartition[]>(members.map((m) => [m, []]));
    let turn = 0;
    for (const tp of partitions) {
      // Round-robin among the members subscribed to the partition's topic.
      const eligible = members.filter((m) => m.topics.includes(tp.topic));
      if (eligible.length === 0) continue;
      next.get(eligible[turn++ % eligible.length])!.push(tp);
    }
    this.assignment = next;
    for (const member of members) member.assigned(next.get(member)!);
  }
}

/** One group member, implementing `GroupMember`, plus `crash()` and `emitCrash()` for tests. */
export class FakeConsumer implements GroupMember {
  topics: string[] = [];
  crashed = false;
  /** Batches this member was handed: partition and offsets. */
  readonly deliveries: { partition: number; offsets: string[] }[] = [];
  private connected = false;
  private running = false;
  private fromBeginning = false;
  private handle: ((batch: MessageBatch) => Promise<void>) | undefined;
  private loop: Promise<void> | undefined;
  /** Next offset to fetch per owned partition. */
  private readonly positions = new Map<string, number>();
  private turn = 0;
  private readonly crashListeners: ((crash: ConsumerCrash) => void)[] = [];

  constructor(
    private readonly broker: FakeKafkaBroker,
    readonly groupId: string,
    readonly memberId: string,
  ) {}

  connect(): Promise<void> {
    this.connected = true;
    return Promise.resolve();
  }

  subscribe(topic: string, fromBeginning: boolean): Promise<void> {
    this.requireAlive();
    this.broker.partitionsOf(topic);
    if (!this.topics.includes(topic)) this.topics.push(topic);
    this.fromBeginning = fromBeginning;
    return Promise.resolve();
  }

  run(handle: (batch: MessageBatch) => Promise<void>): Promise<void> {
    this.requireAlive();
    if (!this.connected) throw new Error('the consumer is not connected');
    if (this.running) throw new Error('the consumer is already running');
    this.handle = handle;
    this.running = true;
    this.broker.group(this.groupId).join(this);
    this.loop = this.fetchLoop();
    return Promise.resolve();
  }

  /** Stops after the batch in progress and leaves the group. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.loop;
    this.broker.group(this.groupId).leave(this);
  }

  async disconnect(): Promise<void> {
    await this.stop();
    this.connected = false;
  }

  /**
   * The process dies: the member leaves the group at once (as after its session timeout), its partitions
   * go to the others, and whatever it processed but did not commit is delivered again. A batch it was
   * processing may still finish in the background; its commits are refused.
   */
  crash(): void {
    this.crashed = true;
    this.running = false;
    this.broker.group(this.groupId).leave(this);
  }

  /**
   * A kafkajs consumer CRASH (e.g. the coordinator answering SyncGroup with an error): listeners hear
   * `{ error, restart }`; without a restart the member has left the group and stopped, as kafkajs's has.
   */
  emitCrash(error: Error, restart = false): void {
    if (!restart) this.crash();
    for (const listener of this.crashListeners) listener({ error, restart });
  }

  onCrash(listener: (crash: ConsumerCrash) => void): void {
    this.crashListeners.push(listener);
  }

  /** @internal Called by the group on every rebalance. */
  assigned(partitions: TopicPartition[]): void {
    const keep = new Set(partitions.map(keyOf));
    for (const key of [...this.positions.keys()]) if (!keep.has(key)) this.positions.delete(key);
    const group = this.broker.group(this.groupId);
    for (const tp of partitions) {
      const key = keyOf(tp);
      if (this.positions.has(key)) continue;
      const start =
        group.committed.get(key) ?? (this.fromBeginning ? 0 : this.broker.endOffset(tp.topic, tp.partition));
      this.positions.set(key, start);
    }
  }

  private async fetchLoop(): Promise<void> {
    const group = this.broker.group(this.groupId);
    while (this.running) {
      const next = this.nextBatch(group);
      if (!next) {
        await sleep(this.broker.options.pollMs);
        continue;
      }
      const { tp, messages } = next;
      const key = keyOf(tp);
      const position = this.positions.get(key)!;
      this.deliveries.push({ partition: tp.partition, offsets: messages.map((m) => m.offset) });
      try {
        await this.handle!(this.batch(group, tp, messages));
      } catch (error) {
        if (this.crashed) return;
        this.broker.handlerErrors.push({ groupId: this.groupId, memberId: this.memberId, error });
        await sleep(this.broker.options.retryMs);
      }
      if (this.crashed) return;
      // What was not committed is fetched again.
      if (this.positions.has(key)) this.positions.set(key, group.committed.get(key) ?? position);
    }
  }

  /** The next owned partition (in turn) with messages after its position. */
  private nextBatch(group: FakeGroup): { tp: TopicPartition; messages: ConsumedMessage[] } | undefined {
    const owned = group.assignedTo(this);
    for (let i = 0; i < owned.length; i++) {
      const tp = owned[(this.turn + i) % owned.length];
      const log = this.broker.partitionsOf(tp.topic)[tp.partition];
      const position = this.positions.get(keyOf(tp)) ?? 0;
      if (position < log.length) {
        this.turn = (this.turn + i + 1) % owned.length;
        return { tp, messages: log.slice(position, position + this.broker.options.maxBatchMessages) };
      }
    }
    return undefined;
  }

  private batch(group: FakeGroup, tp: TopicPartition, messages: ConsumedMessage[]): MessageBatch {
    return {
      topic: tp.topic,
      partition: tp.partition,
      messages,
      commit: (offset) => {
        try {
          group.commit(this, [{ ...tp, offset: Number(offset) + 1 }]);
          return Promise.resolve();
        } catch (error) {
          return Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
      },
      heartbeat: () => Promise.resolve(),
      isActive: () => this.running && !this.crashed && group.owns(this, tp),
    };
  }

  private requireAlive(): void {
    if (this.crashed) throw new Error(`${this.memberId} has crashed`);
  }
}

function hash(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) >>> 0;
  return h;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
