import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertStore } from '../alerts/alert-store.js';
import type { ConsumedAlert } from './consumer.js';
import type { StoredAlert } from '../alerts/alert-store.js';
import type { AlertForwarder } from '../alerts/alert-forwarder.js';
import { kafkaAlertWriter } from './store-alerts.js';

function alert(label: string, key: string | null, offset: string): ConsumedAlert {
  return {
    label,
    probability: 0.9,
    probabilities: { normal: 0.1, [label]: 0.9 },
    alert: true,
    topic: 'flows',
    partition: 2,
    offset,
    key,
    timestamp: '0',
  };
}

describe('kafkaAlertWriter', () => {
  it('aggregates a step into one stored alert per class and source, durable before it resolves', async () => {
    const store = AlertStore.open(join(await mkdtemp(join(tmpdir(), 'iot-ids-kafka-')), 'alerts.db'));
    try {
      const write = kafkaAlertWriter(store, { model: 'rf', now: () => 120_500 });
      await write([
        alert('dos', 'gw-1', '1'),
        alert('dos', 'gw-1', '2'),
        alert('dos', null, '3'),
        alert('probe', 'gw-1', '4'),
      ]);
      const page = store.list({});
      const summary = page.alerts.map((a) => `${a.class}/${a.sourceKey}/${a.count}`).sort();
      expect(summary).toEqual(['dos/flows/2/1', 'dos/gw-1/2', 'probe/gw-1/1']);
    } finally {
      store.close();
    }
  });

  it("folds steps into the store's window, the one the service uses, and keeps the first message", async () => {
    const store = AlertStore.open(':memory:', { alertWindowSeconds: 10 });
    try {
      let now = 5_000;
      const write = kafkaAlertWriter(store, { model: 'rf', now: () => now });
      await write([alert('dos', 'gw-1', '7')]);
      now = 9_999;
      await write([alert('dos', 'gw-1', '8'), alert('dos', 'gw-1', '9')]);
      now = 10_000;
      await write([alert('dos', 'gw-1', '10')]);
      const alerts = store.list({}).alerts.map((a) => [a.windowStart, a.count, a.record]);
      expect(alerts).toEqual([
        [new Date(10_000).toISOString(), 1, { topic: 'flows', partition: 2, offset: '10', key: 'gw-1' }],
        [new Date(0).toISOString(), 3, { topic: 'flows', partition: 2, offset: '7', key: 'gw-1' }],
      ]);
    } finally {
      store.close();
    }
  });

  it('hands each newly opened alert, once durable, to the forwarders; a folded-in step sends nothing', async () => {
    const store = AlertStore.open(join(await mkdtemp(join(tmpdir(), 'iot-ids-kafka-')), 'alerts.db'));
    const sent: StoredAlert[] = [];
    const forwarder: AlertForwarder = {
      target: 'test',
      forward: (a) => sent.push(a),
      stats: () => ({ delivered: sent.length, failed: 0, dropped: 0, queued: 0 }),
      close: () => Promise.resolve(),
    };
    try {
      const write = kafkaAlertWriter(store, { model: 'rf', now: () => 120_500, forwarders: [forwarder] });
      await write([alert('dos', 'gw-1', '1'), alert('probe', 'gw-1', '2')]);
      expect(sent.map((a) => `${a.class}/${a.sourceKey}`).sort()).toEqual(['dos/gw-1', 'probe/gw-1']);
      expect(sent.every((a) => store.get(a.id)?.class === a.class)).toBe(true);
      await write([alert('dos', 'gw-1', '3')]);
      expect(sent).toHaveLength(2);
    } finally {
      store.close();
    }
  });
});
