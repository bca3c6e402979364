import type { AlertForwarder } from '../alerts/alert-forwarder.js';
import type { AlertGroupWrite, AlertStore } from '../alerts/alert-store.js';
import type { ConsumedAlert } from './consumer.js';

/**
 * Turns one scoring step's alerts into the store's aggregated groups (one per class, source key and time
 * window, like the HTTP service) and waits until they are durable, so the consumer commits offsets only for
 * stored alerts. The source key is the message key when the producer set one, else topic/partition.
 */
export function kafkaAlertWriter(
  store: AlertStore,
  options: {
    model: string;
    windowSeconds?: number;
    now?: () => number;
    /** Where each newly opened alert is also sent once durable (as `serve` does). Default none. */
    forwarders?: readonly AlertForwarder[];
  },
): (alerts: ConsumedAlert[]) => Promise<void> {
  const windowMs = (options.windowSeconds ?? 60) * 1000;
  const now = options.now ?? Date.now;
  return async (alerts) => {
    const time = now();
    const windowStart = time - (time % windowMs);
    const groups = new Map<string, AlertGroupWrite>();
    for (const alert of alerts) {
      const sourceKey = alert.key ?? `${alert.topic}/${alert.partition}`;
      const id = `${alert.label}\u0000${sourceKey}`;
      const group = groups.get(id);
      if (group) {
        group.count++;
        group.maxProbability = Math.max(group.maxProbability, alert.probability);
        continue;
      }
      groups.set(id, {
        class: alert.label,
        sourceKey,
        windowStart,
        firstTime: time,
        lastTime: time,
        count: 1,
        probability: alert.probability,
        maxProbability: alert.probability,
        explanation: [],
        record: { topic: alert.topic, partition: alert.partition, offset: alert.offset, key: alert.key },
        model: options.model,
      });
    }
    const results = store.writeGroups([...groups.values()]);
    await store.durable();
    for (const result of results) {
      if (!result.created || !options.forwarders?.length) continue;
      const alert = store.get(result.id);
      if (alert) for (const forwarder of options.forwarders) forwarder.forward(alert);
    }
  };
}
