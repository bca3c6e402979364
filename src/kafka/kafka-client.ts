/**
 * The little the consumer needs from Kafka, so that the consumer logic does not depend on kafkajs's whole
 * API and a test stand-in (test-helpers/fake-kafka.ts) implements only this. kafkajs-client.ts adapts
 * kafkajs to it; nothing else in src/ imports kafkajs.
 */

/** A consumed message: the fields the consumer reads. */
export interface ConsumedMessage {
  key: Buffer | null;
  value: Buffer | null;
  /** Kafka offset, a decimal string. */
  offset: string;
  /** Producer or broker timestamp, milliseconds since the epoch as a string. */
  timestamp: string;
}

/** One fetched batch of one partition, with what the consumer does about it. */
export interface MessageBatch {
  topic: string;
  partition: number;
  messages: readonly ConsumedMessage[];
  /**
   * Marks every message up to `offset` as processed and commits it for the group; rejects when the
   * commit is refused (the member left the group, or lost the partition in a rebalance).
   */
  commit(offset: string): Promise<void>;
  /** Tells the group coordinator this member is alive (long batches). */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the partition was given to another member. */
  isActive(): boolean;
}

/** Why a member stopped: kafkajs's CRASH event. */
export interface ConsumerCrash {
  error: Error;
  /** Whether the client restarts the member itself (retriable errors); otherwise it has stopped. */
  restart: boolean;
}

/** One member of a consumer group. Offsets are committed only through `MessageBatch.commit`. */
export interface GroupMember {
  connect(): Promise<void>;
  /** Subscribes to a topic; a group without committed offsets starts at its beginning or its end. */
  subscribe(topic: string, fromBeginning: boolean): Promise<void>;
  /**
   * Joins the group and starts fetching; `handle` gets one batch at a time. A batch whose handler throws,
   * or that was not committed to its end, is fetched again from the last commit.
   */
  run(handle: (batch: MessageBatch) => Promise<void>): Promise<void>;
  /** Stops fetching after the batch in progress and leaves the group. */
  stop(): Promise<void>;
  disconnect(): Promise<void>;
  onCrash(listener: (crash: ConsumerCrash) => void): void;
}

/** Creates group members: kafkajs (kafkajs-client.ts) or a stand-in. */
export interface KafkaClient {
  member(groupId: string): GroupMember;
}
