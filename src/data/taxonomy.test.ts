import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import {
  KDD_CATEGORIES,
  KDD_TAXONOMY,
  loadTaxonomyOverrides,
  taxonomyCategories,
  taxonomyWithOverrides,
} from './taxonomy.js';

// Every label of KDDTest+ and of KDD'99 `corrected` (the superset of the training labels), per the data README.
// prettier-ignore
const TEST_LABELS = [
  'normal', 'neptune', 'guess_passwd', 'mscan', 'warezmaster', 'apache2', 'satan', 'processtable', 'smurf',
  'back', 'snmpguess', 'saint', 'mailbomb', 'snmpgetattack', 'portsweep', 'ipsweep', 'httptunnel', 'nmap',
  'pod', 'buffer_overflow', 'multihop', 'named', 'ps', 'sendmail', 'xterm', 'rootkit', 'teardrop', 'xlock',
  'land', 'xsnoop', 'ftp_write', 'worm', 'udpstorm', 'sqlattack', 'phf', 'perl', 'loadmodule', 'imap',
];
const TRAIN_ONLY_LABELS = ['warezclient', 'spy'];

describe('KDD_TAXONOMY', () => {
  it('knows every label of the NSL-KDD and KDD99 files, test-only attacks included', () => {
    for (const label of [...TEST_LABELS, ...TRAIN_ONLY_LABELS]) {
      const known = KDD_TAXONOMY.normal.includes(label) || Object.hasOwn(KDD_TAXONOMY.categories, label);
      expect(known, label).toBe(true);
    }
    expect(KDD_TAXONOMY.normal).toEqual(['normal']);
  });

  it('maps onto exactly the four attack categories, with the documented choice for contested labels', () => {
    expect(taxonomyCategories(KDD_TAXONOMY).sort()).toEqual([...KDD_CATEGORIES].sort());
    expect(KDD_TAXONOMY.categories.httptunnel).toBe('u2r');
    expect(KDD_TAXONOMY.categories.worm).toBe('r2l');
    expect(KDD_TAXONOMY.categories.neptune).toBe('dos');
    expect(KDD_TAXONOMY.categories.mscan).toBe('probe');
  });
});

describe('taxonomyWithOverrides', () => {
  it('moves a label to another category without touching the base', () => {
    const moved = taxonomyWithOverrides(KDD_TAXONOMY, { httptunnel: 'r2l' });
    expect(moved.categories.httptunnel).toBe('r2l');
    expect(KDD_TAXONOMY.categories.httptunnel).toBe('u2r');
  });

  it('can declare a label benign and an unknown label an attack', () => {
    const moved = taxonomyWithOverrides(KDD_TAXONOMY, { snmpgetattack: 'normal', newattack: 'dos' });
    expect(moved.normal).toContain('snmpgetattack');
    expect(Object.hasOwn(moved.categories, 'snmpgetattack')).toBe(false);
    expect(moved.categories.newattack).toBe('dos');
  });

  it('rejects a category the base taxonomy does not have', () => {
    expect(() => taxonomyWithOverrides(KDD_TAXONOMY, { httptunnel: 'r2I' })).toThrow(
      /httptunnel.*"r2I".*normal, dos, probe, r2l, u2r/,
    );
  });
});

describe('loadTaxonomyOverrides', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-taxonomy-'));
  });

  async function write(name: string, content: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  }

  it('reads a label → category object', async () => {
    const path = await write('ok.json', '{ "httptunnel": "r2l", "worm": "dos" }');
    expect(await loadTaxonomyOverrides(path)).toEqual({ httptunnel: 'r2l', worm: 'dos' });
  });

  it('names the file, the label and the allowed categories for a bad category', async () => {
    const path = await write('bad.json', '{ "httptunnel": "remote" }');
    const error = await loadTaxonomyOverrides(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as IotIdsError).kind).toBe('usage');
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('field "httptunnel"');
    expect((error as Error).message).toContain(
      'invalid category "remote"; expected one of normal, dos, probe, r2l, u2r',
    );
    expect((error as IotIdsError).location).toEqual({ file: path, field: 'httptunnel' });
  });

  it('rejects a category that is not a string, and checks against the given categories', async () => {
    const number = await write('number.json', '{ "worm": 5 }');
    await expect(loadTaxonomyOverrides(number)).rejects.toThrow(/field "worm": .*invalid category 5;/);
    const custom = await write('custom.json', '{ "scan": "dos" }');
    await expect(loadTaxonomyOverrides(custom, ['normal', 'recon'])).rejects.toThrow(
      /expected one of normal, recon/,
    );
    expect(await loadTaxonomyOverrides(await write('recon.json', '{ "scan": "recon" }'), ['recon'])).toEqual({
      scan: 'recon',
    });
  });

  it('rejects JSON that is not an object, and broken JSON', async () => {
    await expect(loadTaxonomyOverrides(await write('array.json', '["r2l"]'))).rejects.toThrow(/JSON object/);
    await expect(loadTaxonomyOverrides(await write('broken.json', '{ "a": '))).rejects.toThrow(
      /not valid JSON/,
    );
    await expect(loadTaxonomyOverrides(join(dir, 'missing.json'))).rejects.toThrow(/cannot read/);
  });
});
