import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredAlert } from '../alerts/alert-store.js';
import { MAX_STORED_FIELD_CHARS } from '../alerts/storable-record.js';
import { postRecords, startTinyServer, tinyRecords, type TinyServer } from './test-helpers/tiny-server.js';

describe('one hostile record affects no other request', () => {
  let tiny: TinyServer;

  beforeAll(async () => {
    tiny = await startTinyServer({ rateLimit: false, sourceField: 'sensor' });
  });
  afterAll(async () => {
    await tiny.cleanup();
  });

  it('stores an alert whose label is nested 100,000 deep while other clients are answered 200', async () => {
    const [record] = tinyRecords(61, 1, 'dos');
    const nested = '['.repeat(100_000) + ']'.repeat(100_000);
    const hostile = `[${JSON.stringify({ ...record, sensor: 'attacker' }).slice(0, -1)},"label":${nested}}]`;
    const others = Array.from({ length: 12 }, (_, i) =>
      postRecords(
        tiny.url,
        tinyRecords(70 + i, 5, 'dos').map((r) => ({ ...r, sensor: `client-${i}` })),
      ),
    );
    const [attack, ...answers] = await Promise.all([postRecords(tiny.url, hostile), ...others]);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(attack.status).toBe(200);
    const id = attack.body.predictions[0].alertId;
    const alert = (await (await fetch(`${tiny.url}/v1/alerts/${id}`)).json()) as StoredAlert;
    expect(alert.sourceKey).toBe('attacker');
    expect((alert.record as Record<string, unknown>).label).toBe('[not stored: an array]');
  });

  it('stores a 4 MB label cut to its field limit, and lists it in a small page', async () => {
    const [record] = tinyRecords(62, 1, 'probe');
    const { status, body } = await postRecords(tiny.url, [
      { ...record, sensor: 'big', label: 'L'.repeat(4_000_000) },
    ]);
    expect(status).toBe(200);
    const res = await fetch(`${tiny.url}/v1/alerts?limit=1000`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text.length).toBeLessThan(200_000);
    const page = JSON.parse(text) as { alerts: StoredAlert[] };
    const alert = page.alerts.find((a) => a.id === body.predictions[0].alertId)!;
    const label = (alert.record as Record<string, string>).label;
    expect(label.slice(0, MAX_STORED_FIELD_CHARS)).toBe('L'.repeat(MAX_STORED_FIELD_CHARS));
    expect(label).toContain('[cut: 4000000 characters]');
  });

  it('rejects invalid UTF-8 in a category value like the CSV loader does', async () => {
    const [record] = tinyRecords(63, 1, 'dos');
    const json = JSON.stringify([{ ...record, proto: 'tcpX' }]);
    const at = json.indexOf('tcpX') + 3;
    const body = Buffer.from(json, 'utf8');
    body[at] = 0xc3; // a lead byte followed by '"': not UTF-8
    const res = await fetch(`${tiny.url}/v1/detect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { errors: { index: number; field: string; message: string }[] };
    expect(answer.errors).toEqual([{ index: 0, field: 'proto', message: 'invalid UTF-8' }]);
  });
});
