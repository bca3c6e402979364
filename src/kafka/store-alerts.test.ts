import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertStore } from '../alerts/alert-store.js';
import type { ConsumedAlert } from './consumer.js';
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
});
