import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertStore, MAX_PAGE_BYTES, type AlertGroupWrite } from './alert-store.js';
import { MAX_STORED_FIELD_CHARS, MAX_STORED_RECORD_BYTES, OMITTED_KEY } from './storable-record.js';

function group(sourceKey: string, record: unknown): AlertGroupWrite {
  return {
    class: 'dos',
    sourceKey,
    windowStart: 60_000,
    firstTime: 61_000,
    lastTime: 61_000,
    count: 1,
    probability: 0.9,
    maxProbability: 0.9,
    explanation: [{ feature: 'proto', value: 'x'.repeat(100_000), neutral: null, contribution: 0.4 }],
    record,
    model: 'rf@test',
  };
}

/** A JSON value nested `depth` levels deep, built without recursion (as JSON.parse would hand it over). */
function deepArray(depth: number): unknown {
  return JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;
}

describe('AlertStore bounds what one alert stores', () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-bounds-'));
    path = join(dir, 'alerts.db');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a record whose ignored field is nested 100,000 deep, without that field, next to others', () => {
    const store = AlertStore.open(path, { synchronous: 'normal' });
    const results = store.writeGroups([
      group('attacker', { signal: 12, label: deepArray(100_000) }),
      group('victim', { signal: 13, label: 'dos' }),
    ]);
    expect(results).toHaveLength(2);
    const attacker = store.get(results[0].id)!;
    expect(attacker.record).toEqual({ signal: 12, label: '[not stored: an array]' });
    expect(store.get(results[1].id)!.record).toEqual({ signal: 13, label: 'dos' });
    store.close();
  });

  it('cuts long strings per field and the whole record to its byte budget', () => {
    const store = AlertStore.open(path, { synchronous: 'normal' });
    const fields: Record<string, unknown> = { label: 'y'.repeat(15_000_000) };
    for (let i = 0; i < 100; i++) fields[`f${i}`] = 'z'.repeat(2000);
    const [result] = store.writeGroups([group('k'.repeat(10_000), fields)]);
    const alert = store.get(result.id)!;
    const record = alert.record as Record<string, string>;
    expect(record.label.startsWith('y'.repeat(MAX_STORED_FIELD_CHARS))).toBe(true);
    expect(record.label).toContain('15000000 characters');
    expect(record.label.length).toBeLessThan(MAX_STORED_FIELD_CHARS + 64);
    expect(JSON.stringify(record).length).toBeLessThanOrEqual(MAX_STORED_RECORD_BYTES + 256);
    expect(record.f99).toBeUndefined();
    expect(record[OMITTED_KEY]).toMatch(/^\d+ more fields past the record size limit$/);
    expect(String(alert.explanation[0].value).length).toBeLessThan(MAX_STORED_FIELD_CHARS + 64);
    expect(alert.sourceKey.length).toBeLessThanOrEqual(128);
    store.close();
  });

  it('pages a listing by bytes as well as rows, and never loads an oversized stored record', () => {
    const store = AlertStore.open(path, { synchronous: 'normal' });
    store.writeGroups(
      Array.from({ length: 700 }, (_, i) => group(`s${i}`, { note: 'n'.repeat(MAX_STORED_FIELD_CHARS) })),
    );
    store.close();
    // A store written before records were bounded: one row holds a 5 MB record.
    const db = new Database(path);
    db.prepare('UPDATE alerts SET record = ? WHERE source_key = ?').run(
      JSON.stringify({ label: 'q'.repeat(5_000_000) }),
      's699',
    );
    db.close();
    const reopened = AlertStore.open(path, { synchronous: 'normal' });
    const page = reopened.list({ limit: 1000 });
    expect(page.alerts[0].sourceKey).toBe('s699');
    expect(page.alerts[0].record).toBe('[not shown: stored record of 5000012 bytes]');
    expect(JSON.stringify(page.alerts).length).toBeLessThanOrEqual(MAX_PAGE_BYTES + 20_000);
    expect(page.alerts.length).toBeLessThan(700);
    expect(page.nextBefore).toBe(page.alerts[page.alerts.length - 1].id);
    // Following the cursor reaches every alert exactly once.
    const seen = new Set(page.alerts.map((a) => a.id));
    let before = page.nextBefore;
    while (before !== null) {
      const next = reopened.list({ limit: 1000, before });
      for (const a of next.alerts) seen.add(a.id);
      before = next.nextBefore;
    }
    expect(seen.size).toBe(700);
    reopened.close();
  });
});
