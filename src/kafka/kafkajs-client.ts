import { Kafka, logLevel, type ConsumerConfig, type LogEntry } from 'kafkajs';
import type { KafkaClient } from './kafka-client.js';

export interface KafkajsClientOptions {
  brokers: string[];
  clientId: string;
  /** Receives kafkajs's warnings and errors. Default: kafkajs's console logger (JSON lines on stderr). */
  onLog?: (level: 'error' | 'warn', message: string) => void;
  /** kafkajs consumer settings besides the group id (session and rebalance timeouts…). */
  consumerConfig?: Omit<ConsumerConfig, 'groupId'>;
}

/** The real Kafka client: kafkajs behind the consumer's narrow interface, with manual commits. */
export function kafkajsClient(options: KafkajsClientOptions): KafkaClient {
  const onLog = options.onLog;
  const kafka = new Kafka({
    brokers: options.brokers,
    clientId: options.clientId,
    logLevel: logLevel.WARN,
    ...(onLog && {
      logCreator: () => (entry: LogEntry) => {
        const prefix = entry.namespace ? `[${entry.namespace}] ` : '';
        onLog(entry.level === logLevel.ERROR ? 'error' : 'warn', `${prefix}${entry.log.message}`);
      },
    }),
  });
  return {
    member: (groupId) => {
      const consumer = kafka.consumer({ ...options.consumerConfig, groupId });
      return {
        connect: () => consumer.connect(),
        subscribe: (topic, fromBeginning) => consumer.subscribe({ topics: [topic], fromBeginning }),
        run: (handle) =>
          consumer.run({
            autoCommit: false,
            eachBatchAutoResolve: false,
            eachBatch: (payload) =>
              handle({
                topic: payload.batch.topic,
                partition: payload.batch.partition,
                messages: payload.batch.messages,
                commit: async (offset) => {
                  payload.resolveOffset(offset);
                  await payload.commitOffsetsIfNecessary(payload.uncommittedOffsets());
                },
                heartbeat: () => payload.heartbeat(),
                isActive: () => payload.isRunning() && !payload.isStale(),
              }),
          }),
        stop: () => consumer.stop(),
        disconnect: () => consumer.disconnect(),
        onCrash: (listener) => {
          consumer.on(consumer.events.CRASH, (event) => {
            listener({ error: event.payload.error, restart: event.payload.restart });
          });
        },
      };
    },
  };
}
