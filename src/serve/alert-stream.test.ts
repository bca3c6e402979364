import { describe, expect, it } from 'vitest';
import { AlertHub } from '../alerts/alert-hub.js';
import { AlertStore, type StoredAlert } from '../alerts/alert-store.js';
import { IotIdsError } from '../errors.js';
import { alertEventStream } from './alert-stream.js';

/** Stores one alert per source and returns them, oldest first. */
function storeAlerts(store: AlertStore, n: number): StoredAlert[] {
  const results = store.writeGroups(
    Array.from({ length: n }, (_, i) => ({
      class: 'dos',
      sourceKey: `gw-${i}`,
      windowStart: 0,
      firstTime: 1000,
      lastTime: 1000,
      count: 1,
      probability: 0.9,
      maxProbability: 0.9,
      explanation: [],
      record: null,
      model: 'rf',
    })),
  );
  return results.map((r) => store.get(r.id)!);
}

async function readText(reader: ReadableStreamDefaultReader<Uint8Array>, until: string): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes(until)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
  }
  return text;
}

describe('alertEventStream', () => {
  it('replays stored alerts after Last-Event-ID, then streams live events', async () => {
    const store = AlertStore.open(':memory:');
    try {
      const alerts = storeAlerts(store, 3);
      const hub = new AlertHub();
      const live = alertEventStream(hub, store, { after: alerts[0].id })!;
      const reader = live.stream.getReader();
      const replayed = await readText(reader, `id: ${alerts[2].id}\n`);
      expect(replayed).toMatch(/^retry: 3000\n\n/);
      expect(replayed).not.toContain(`id: ${alerts[0].id}\n`);
      expect(replayed).toContain(`id: ${alerts[1].id}\nevent: alert\n`);
      hub.publish([{ type: 'update', data: { id: alerts[2].id, class: 'dos', count: 5, lastTime: 'x' } }]);
      expect(await readText(reader, '\n\n')).toContain(`event: update\ndata: {"id":${alerts[2].id},`);
      live.close();
      expect((await reader.read()).done).toBe(true);
      expect(hub.size).toBe(0);
    } finally {
      store.close();
    }
  });

  it('drops a client that stops reading once maxQueuedEvents wait, with an IotIdsError, and frees its slot', async () => {
    const store = AlertStore.open(':memory:');
    try {
      const hub = new AlertHub(1);
      let ended = 0;
      const live = alertEventStream(hub, store, { maxQueuedEvents: 5, onEnd: () => ended++ })!;
      expect(alertEventStream(hub, store)).toBeNull(); // the hub is full
      const reader = live.stream.getReader();
      // The retry line and four events fill the queue; the fifth event finds it full.
      const update = { id: 1, class: 'dos', count: 2, lastTime: 'x' };
      for (let i = 0; i < 5; i++) hub.publish([{ type: 'update', data: update }]);
      expect(ended).toBe(1);
      expect(hub.size).toBe(0);
      const error = await reader.read().then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(IotIdsError);
      expect((error as Error).message).toMatch(/live client too slow: 5 events waiting unread/);
      // More events go nowhere, and the slot is free for another client.
      hub.publish([{ type: 'update', data: update }]);
      expect(alertEventStream(hub, store)).not.toBeNull();
    } finally {
      store.close();
    }
  });
});
