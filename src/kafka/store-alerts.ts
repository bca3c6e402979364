import type { AlertForwarder } from '../alerts/alert-forwarder.js';
import { AlertAggregator } from '../alerts/alert-aggregator.js';
import { hubWithForwarders } from '../alerts/alert-hub.js';
import type { AlertStore } from '../alerts/alert-store.js';
import type { ConsumedAlert } from './consumer.js';

/**
 * Folds one scoring step's alerts into stored alerts with the service's aggregator (alert-aggregator.ts:
 * one per class, source key and the store's time window) and waits until they are durable, so the consumer
 * commits offsets only for stored alerts. The source key is the message key when the producer set one,
 * else topic/partition. A new alert keeps where its first message was (topic, partition, offset, key).
 */
export function kafkaAlertWriter(
  store: AlertStore,
  options: {
    model: string;
    now?: () => number;
    /** Where each newly opened alert is also sent once durable (as `serve` does). Default none. */
    forwarders?: readonly AlertForwarder[];
  },
): (alerts: ConsumedAlert[]) => Promise<void> {
  const hub = options.forwarders?.length ? hubWithForwarders(options.forwarders) : null;
  const aggregator = new AlertAggregator(store, hub, options.now);
  return async (alerts) => {
    const batch = aggregator.begin<ConsumedAlert>();
    for (const alert of alerts) {
      batch.add(
        alert.label,
        alert.key ?? `${alert.topic}/${alert.partition}`,
        alert.probability,
        () => alert,
      );
    }
    const { durable } = aggregator.commit(batch, options.model, ({ first }) => ({
      explanation: [],
      record: { topic: first.topic, partition: first.partition, offset: first.offset, key: first.key },
    }));
    await durable;
  };
}
