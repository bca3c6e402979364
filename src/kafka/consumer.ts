import type { ConsumerConfig } from 'kafkajs';

import { DATASETS } from '../data/registry.js';
import { datasetForModel } from '../models/model-dataset.js';
import type { DatasetSchema } from '../data/schema.js';
import { IotIdsError, usageError } from '../errors.js';
import { checkFeatureColumns } from '../detection/detection-table.js';
import { Detector, type Prediction } from '../detection/detector.js';
import type { AnomalyDetector } from '../models/zero-day/anomaly-detector.js';
import { anomalousMask } from '../models/zero-day/anomaly-detector.js';
import { combineWithClassifier, withAnomalyAlerts } from '../models/zero-day/combine.js';
import { loadZeroDay } from '../models/zero-day/zero-day-dir.js';
import type { ConsumedMessage, GroupMember, KafkaClient, MessageBatch } from './kafka-client.js';
import { kafkajsClient, type KafkajsClientOptions } from './kafkajs-client.js';
import {
  decodeMessages,
  trafficMessagesFor,
  type MessageRejection,
  type TrafficMessages,
} from './message-records.js';

export type { ConsumerCrash, KafkaClient } from './kafka-client.js';

/** Where a record came from on the topic. */
export interface MessageOrigin {
  topic: string;
  partition: number;
  /** Kafka offset (a decimal string, as kafkajs gives it). */
  offset: string;
  /** Message key as UTF-8, or null. */
  key: string | null;
  /** Producer or broker timestamp, milliseconds since the epoch as a string. */
  timestamp: string;
}

/** The verdict on one consumed record. */
export interface ConsumedPrediction extends Prediction, MessageOrigin {
  /** Zero-day mode only: the record's reconstruction error. */
  anomalyScore?: number;
}

/** A consumed record that raised an alert: an attack class, or `anomaly` in zero-day mode. */
export type ConsumedAlert = ConsumedPrediction & { alert: true };

/** A message that could not be scored; it is skipped (and its offset committed with the rest). */
export interface ConsumedRejection extends Omit<MessageRejection, 'index'>, MessageOrigin {}

export interface ConsumerStats {
  /** Messages handled (scored or rejected) and committed or about to be. */
  messages: number;
  records: number;
  alerts: number;
  rejected: number;
  /** Scoring steps run (each ends with an offset commit). */
  batches: number;
}

export interface StartConsumerOptions {
  /** Bootstrap brokers, `host:port`. Required (unless `kafka` is given). */
  brokers: string[];
  topic: string;
  /** Consumer group: processes with the same group share the topic's partitions. */
  groupId: string;
  /** Model directory written by `iot-ids train` (…/model). */
  modelDir: string;
  /** Called for every scored record, in offset order within a partition. Default: none. */
  onPrediction?: (prediction: ConsumedPrediction) => void;
  /**
   * Called once per scoring step with the step's alerts (never with an empty list) and awaited before
   * the step's offsets are committed: when it resolves, the alerts must be stored. If it throws, nothing
   * is committed and the messages are delivered again. Default: none.
   */
  onAlert?: (alerts: ConsumedAlert[]) => Promise<void> | void;
  /** Called for every message that could not be scored (bad JSON, wrong field count…). Default: none. */
  onReject?: (rejection: ConsumedRejection) => void;
  /** Most records scored (and committed) per step; a fetched batch larger than this is split. Default 1000. */
  batchSize?: number;
  /** A group without committed offsets starts at the topic's beginning instead of its end. Default false. */
  fromBeginning?: boolean;
  /** Kafka client id. Default 'iot-ids'. */
  clientId?: string;
  /** Alert threshold per attack class (see `DetectorOptions`). Default 0.5 for every class. */
  thresholds?: Record<string, number>;
  /** The benign class. Default 'normal'. */
  normalClass?: string;
  /**
   * Zero-day mode: load `<modelDir>/zero-day/` (a string: that directory) and raise `anomaly` alerts for
   * records the classifier calls normal but the autoencoder finds anomalous. Default false.
   */
  zeroDay?: boolean | string;
  /** Built-in dataset or schema file for CSV messages. Default: the model's dataset. */
  dataset?: string;
  /**
   * Receives kafkajs's warnings and errors (connection retries, rebalances). Default: kafkajs's own console
   * logger, which writes them to stderr as JSON lines.
   */
  onLog?: (level: 'error' | 'warn', message: string) => void;
  /**
   * kafkajs consumer settings besides the group id (session and rebalance timeouts, fetch wait), e.g. to
   * notice a dead member sooner. Default: kafkajs's. Passed to the client factory.
   */
  consumerConfig?: Omit<ConsumerConfig, 'groupId'>;
  /**
   * A consumer that crashes and is not restarted by kafkajs is started again this many times, after
   * 1 s, 2 s, 4 s … (at most 30 s); then `failed` resolves. Default 5.
   */
  maxRestarts?: number;
  /** Pause before the first restart in ms (doubled each time). Default 1000. */
  restartDelayMs?: number;
  /** Creates the Kafka client (kafka-client.ts). Default: kafkajs (kafkajs-client.ts). */
  kafka?: (config: KafkajsClientOptions) => KafkaClient;
}

export interface RunningConsumer {
  /** Running totals since start. */
  stats(): ConsumerStats;
  /**
   * Stops fetching, lets the step in progress finish (its offsets are committed), leaves the group and
   * releases the model. Idempotent.
   */
  stop(): Promise<void>;
  /**
   * Resolves with the reason when the consumer has stopped for good on its own: a topic with messages
   * compressed with a codec kafkajs cannot read (snappy, lz4, zstd), or crashes beyond `maxRestarts`.
   * Everything stored so far is committed (a step commits after its alerts are stored); call `stop()`
   * to release the model. Never resolves otherwise.
   */
  failed: Promise<IotIdsError>;
}

/** kafkajs reads gzip and uncompressed batches only; these codecs throw KafkaJSNotImplemented. */
const UNSUPPORTED_CODEC = /^(Snappy|LZ4|ZSTD) compression not implemented/;

/** The message of an error and of its causes: kafkajs wraps the error that matters. */
function messagesOf(error: unknown): string[] {
  const messages: string[] = [];
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    messages.push(e.message);
  }
  return messages;
}

const DEFAULT_BATCH_SIZE = 1000;

/**
 * `iot-ids consume`: scores flow records from a Kafka topic as one member of a consumer group, so several
 * processes started with the same group split the topic's partitions between them (and take over a
 * stopped one's partitions). Delivery is at-least-once: a step's offsets are committed only after its
 * records are scored and its alerts handed to `onAlert` and awaited; a crash before that commit means the
 * step's messages are scored again by whichever member owns the partition next, so the alert store may
 * be handed an alert twice (alerts carry topic, partition and offset, so repeats can be recognised). Message formats:
 * see `message-records.ts`. Resolves once the consumer has joined and started fetching.
 */
export async function startConsumer(options: StartConsumerOptions): Promise<RunningConsumer> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw usageError(`batch size must be a positive integer, got ${batchSize}`);
  }
  if (!options.kafka && options.brokers.length === 0)
    throw usageError('at least one broker (host:port) is needed');
  const detector = await Detector.load(options.modelDir, {
    thresholds: options.thresholds,
    normalClass: options.normalClass,
  });
  let zeroDay: AnomalyDetector | undefined;
  let consumer: GroupMember | undefined;
  try {
    const schema = await inputSchema(detector, options);
    if (options.zeroDay) {
      const dir = typeof options.zeroDay === 'string' ? options.zeroDay : undefined;
      zeroDay = await loadZeroDay(options.modelDir, detector.manifest, dir);
    }
    const stats: ConsumerStats = { messages: 0, records: 0, alerts: 0, rejected: 0, batches: 0 };
    const scorer = new StepScorer(detector, zeroDay, schema, options, stats);
    const clientId = options.clientId ?? 'iot-ids';
    const client = (options.kafka ?? kafkajsClient)({
      brokers: options.brokers,
      clientId,
      onLog: options.onLog,
      consumerConfig: options.consumerConfig,
    });
    const where = `topic "${options.topic}" as group "${options.groupId}" from ${options.brokers.join(', ') || 'the given client'}`;
    const maxRestarts = options.maxRestarts ?? 5;
    const restartDelayMs = options.restartDelayMs ?? 1000;
    let stopped = false;
    let restarts = 0;
    let restartTimer: NodeJS.Timeout | undefined;
    let fail!: (error: IotIdsError) => void;
    const failed = new Promise<IotIdsError>((resolve) => {
      fail = resolve;
    });
    /** A member joins the group; a crash kafkajs does not recover from starts a fresh one, with backoff. */
    const startMember = async (): Promise<GroupMember> => {
      const member = client.member(options.groupId);
      consumer = member;
      member.onCrash((crash) => {
        if (crash.restart || stopped || member !== consumer) return;
        const reasons = messagesOf(crash.error);
        const codec = reasons.map((m) => UNSUPPORTED_CODEC.exec(m)?.[1]).find((c) => c !== undefined);
        if (codec !== undefined) {
          fail(
            new IotIdsError(
              `${where}: the topic holds ${codec.toLowerCase()}-compressed messages, which iot-ids cannot ` +
                'read (its Kafka client reads gzip and uncompressed batches only); have the producers use ' +
                'gzip or no compression',
              { cause: crash.error },
            ),
          );
          return;
        }
        if (restarts >= maxRestarts) {
          fail(
            new IotIdsError(
              `${where}: the consumer crashed ${restarts + 1} times and was given up; last error: ${reasons.join(': ')}`,
              { cause: crash.error },
            ),
          );
          return;
        }
        const delay = Math.min(30_000, restartDelayMs * 2 ** restarts);
        restarts++;
        options.onLog?.('warn', `consumer crashed (${reasons.join(': ')}); restarting in ${delay} ms`);
        restartTimer = setTimeout(() => {
          if (stopped) return;
          startMember().catch((error: unknown) => {
            fail(
              new IotIdsError(`${where}: the consumer could not be restarted: ${(error as Error).message}`, {
                cause: error,
              }),
            );
          });
        }, delay);
      });
      await member.connect();
      await member.subscribe(options.topic, options.fromBeginning ?? false);
      await member.run((batch) => processBatch(batch, scorer, batchSize));
      return member;
    };
    try {
      await startMember();
    } catch (error) {
      throw new IotIdsError(`cannot consume ${where}: ${(error as Error).message}`, { cause: error });
    }
    let stopping: Promise<void> | undefined;
    return {
      stats: () => ({ ...stats }),
      failed,
      stop: () => {
        stopping ??= (async () => {
          stopped = true;
          clearTimeout(restartTimer);
          try {
            await consumer?.stop();
            await consumer?.disconnect();
          } finally {
            zeroDay?.dispose();
            await detector.dispose();
          }
        })();
        return stopping;
      },
    };
  } catch (error) {
    await consumer?.disconnect().catch(() => undefined);
    zeroDay?.dispose();
    await detector.dispose();
    throw error;
  }
}

/**
 * One fetched batch (one partition), in steps of at most `batchSize` messages: score, hand over alerts,
 * then mark and commit the step's last offset. Between steps it heartbeats, and it returns early when the
 * consumer is stopping or the partition was taken away by a rebalance; the unprocessed rest is then
 * fetched again by the partition's owner from the last commit.
 */
async function processBatch(batch: MessageBatch, scorer: StepScorer, batchSize: number): Promise<void> {
  for (let start = 0; start < batch.messages.length; start += batchSize) {
    if (!batch.isActive()) return;
    const messages = batch.messages.slice(start, start + batchSize);
    await scorer.score(batch.topic, batch.partition, messages);
    await batch.commit(messages[messages.length - 1].offset);
    await batch.heartbeat();
  }
}

/** Scores one step of messages and hands its predictions, rejections and alerts on. */
class StepScorer {
  private traffic: TrafficMessages | null | undefined;

  constructor(
    private readonly detector: Detector,
    private readonly zeroDay: AnomalyDetector | undefined,
    private readonly schema: DatasetSchema,
    private readonly options: StartConsumerOptions,
    private readonly stats: ConsumerStats,
  ) {}

  async score(topic: string, partition: number, messages: readonly ConsumedMessage[]): Promise<void> {
    const origin = (m: ConsumedMessage): MessageOrigin => ({
      topic,
      partition,
      offset: m.offset,
      key: m.key === null ? null : m.key.toString('utf8'),
      timestamp: m.timestamp,
    });
    // Zeek conn records on the topic go through the traffic entrance when the model has a traffic feature set.
    this.traffic ??= trafficMessagesFor(this.detector.manifest) ?? null;
    const decoded = await decodeMessages(
      messages.map((m) => m.value),
      this.schema,
      this.traffic ?? undefined,
    );
    const verdicts = new Map<number, ConsumedPrediction>();
    for (const part of decoded.parts) {
      const predictions = await this.verdicts(part.table);
      predictions.forEach((p, row) => {
        const index = part.messageIndices[row];
        verdicts.set(index, { ...p, ...origin(messages[index]) });
      });
    }
    const alerts: ConsumedAlert[] = [];
    // Offset order within the step, whatever the formats were.
    for (const index of [...verdicts.keys()].sort((a, b) => a - b)) {
      const verdict = verdicts.get(index)!;
      this.options.onPrediction?.(verdict);
      if (verdict.alert) alerts.push(verdict as ConsumedAlert);
    }
    for (const { index, ...rejection } of decoded.rejected) {
      this.options.onReject?.({ ...rejection, ...origin(messages[index]) });
    }
    if (alerts.length > 0) await this.options.onAlert?.(alerts);
    this.stats.messages += messages.length;
    this.stats.records += verdicts.size;
    this.stats.alerts += alerts.length;
    this.stats.rejected += decoded.rejected.length;
    this.stats.batches++;
  }

  private async verdicts(
    table: Parameters<Detector['scoreTable']>[0],
  ): Promise<(Prediction & { anomalyScore?: number })[]> {
    const scored = await this.detector.scoreTable(table);
    const predictions = this.detector.predictions(scored);
    if (!this.zeroDay) return predictions;
    const errors = await this.zeroDay.score(this.detector.pipeline.transform(table).x);
    const flags = combineWithClassifier(
      predictions,
      anomalousMask(errors, this.zeroDay.threshold),
      this.detector.rules.normalClass,
    );
    return withAnomalyAlerts(predictions, flags, errors);
  }
}

async function inputSchema(detector: Detector, options: StartConsumerOptions): Promise<DatasetSchema> {
  // Messages carry one record each and no header, so the model's own columns suffice when it stores no
  // dataset definition (models saved before it was stored, trained on a schema file).
  const { manifest } = detector;
  if (
    options.dataset === undefined &&
    !manifest.datasetDefinition &&
    !Object.hasOwn(DATASETS, manifest.dataset)
  ) {
    return detector.inputSchema;
  }
  const { schema } = await datasetForModel(detector.manifest, options.modelDir, options.dataset);
  checkFeatureColumns(schema, detector.manifest.inputColumns, options.modelDir);
  return schema;
}
