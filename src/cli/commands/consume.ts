import type { Command } from 'commander';
import { deprecatedModelOption, modelDirOption } from '../model-dir-option.js';
import { intOption } from '../parse-options.js';
import { syslogOption, webhookOption } from '../alert-options.js';
import { requiredOption } from '../required-options.js';
import { readThresholds } from '../read-thresholds.js';

interface ConsumeFlags {
  brokers: string;
  topic: string;
  group: string;
  modelDir: string;
  store: string;
  thresholds?: string;
  batchSize?: number;
  fromBeginning?: boolean;
  zeroDay?: boolean | string;
  retainDays?: number;
  sessionTimeout?: number;
  webhook: string[];
  syslog: string[];
}

export function registerConsume(program: Command): void {
  program
    .command('consume')
    .description(
      'score flow records from Kafka as one consumer group (scale out by starting more processes); alerts go to a SQLite store',
    )
    .addOption(requiredOption('--brokers <host:port,...>', 'Kafka bootstrap brokers'))
    .addOption(
      requiredOption('--topic <name>', 'topic of flow records (one JSON object or CSV line per message)'),
    )
    .option('--group <id>', 'consumer group shared by every scoring process', 'iot-ids')
    .addOption(modelDirOption())
    .addOption(deprecatedModelOption())
    .option('--store <file.db>', 'SQLite alert store (WAL)', 'alerts.db')
    .option('--thresholds <file.json>', 'per-class alert thresholds, e.g. {"dos": 0.9} (default: 0.5)')
    .option('--batch-size <n>', 'records scored per step (default: 1000)', intOption('--batch-size'))
    .option('--from-beginning', 'a new group starts at the oldest message instead of the newest')
    .option(
      '--zero-day [dir]',
      "also raise 'anomaly' alerts with the model's zero-day detector (<model>/zero-day, or dir; see `iot-ids zero-day`)",
    )
    .option(
      '--retain-days <n>',
      'delete alerts whose last record is older than n days, at start and hourly (default: keep all)',
      intOption('--retain-days'),
    )
    .option(
      '--session-timeout <ms>',
      'how long the group waits for a silent member before giving its partitions to others (default: 30000)',
      intOption('--session-timeout'),
    )
    .addOption(webhookOption())
    .addOption(syslogOption())
    .addHelpText(
      'after',
      `
Examples:
  iot-ids consume --brokers kafka:9092 --topic flows --model-dir runs/rf-1/model
  iot-ids consume --brokers k1:9092,k2:9092 --topic flows --group iot-ids --model-dir /m --zero-day --store /var/lib/iot-ids/alerts.db

Start the same command on more hosts to share the topic's partitions; SIGINT or SIGTERM stops after the current step.`,
    )
    .action(async (flags: ConsumeFlags) => {
      const { AlertStore } = await import('../../alerts/alert-store.js');
      const { startAlertRetention } = await import('../../alerts/alert-retention.js');
      const { startConsumer } = await import('../../kafka/consumer.js');
      const { kafkaAlertWriter } = await import('../../kafka/store-alerts.js');
      const log = (message: string): void => {
        process.stderr.write(`${message}\n`);
      };
      const { openForwarders } = await import('../../alerts/alert-forwarder.js');
      const forwarders = await openForwarders({ webhooks: flags.webhook, syslog: flags.syslog, log });
      const store = AlertStore.open(flags.store, { retentionDays: flags.retainDays });
      const consumer = await startConsumer({
        brokers: flags.brokers.split(','),
        topic: flags.topic,
        groupId: flags.group,
        modelDir: flags.modelDir,
        batchSize: flags.batchSize,
        fromBeginning: flags.fromBeginning,
        zeroDay: flags.zeroDay,
        thresholds: flags.thresholds ? await readThresholds(flags.thresholds) : undefined,
        onAlert: kafkaAlertWriter(store, { model: flags.modelDir, forwarders }),
        onLog: (level, message) => log(`kafka ${level}: ${message}`),
        consumerConfig:
          flags.sessionTimeout === undefined
            ? undefined
            : {
                sessionTimeout: flags.sessionTimeout,
                rebalanceTimeout: flags.sessionTimeout,
                heartbeatInterval: Math.max(100, Math.floor(flags.sessionTimeout / 10)),
              },
      });
      const retention = store.retentionDays === undefined ? null : startAlertRetention(store, { log });
      process.stderr.write(`consuming ${flags.topic} as group ${flags.group}; alerts → ${flags.store}\n`);
      // Runs until a signal, or until the consumer fails for good (it then has nothing left to commit:
      // every step commits once its alerts are stored); either way the summary is printed.
      const failure = await new Promise<Error | undefined>((resolve) => {
        const stop = (): void => resolve(undefined);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        void consumer.failed.then(resolve);
      });
      await consumer.stop();
      const stats = consumer.stats();
      await retention?.stop();
      await Promise.all(forwarders.map((f) => f.close()));
      store.close();
      process.stderr.write(
        `stopped: ${stats.records} records, ${stats.alerts} alerts, ${stats.rejected} rejected\n`,
      );
      if (failure) throw failure;
    });
}
