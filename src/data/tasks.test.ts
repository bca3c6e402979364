import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { DATASETS } from './registry.js';
import type { Table } from './table.js';
import { classesForTask, labelsForTask, TASK_CLASSES } from './tasks.js';
import { taxonomyWithOverrides } from './taxonomy.js';
import { dataAvailable } from '../../test/available.js';

/** A table with no features, only the label column, dictionary-encoded the way the loader does it. */
function labelTable(labels: readonly string[]): Table {
  const categories: string[] = [];
  const codes = new Int32Array(labels.length);
  labels.forEach((label, i) => {
    let code = categories.indexOf(label);
    if (code < 0) code = categories.push(label) - 1;
    codes[i] = code;
  });
  return {
    nRows: labels.length,
    features: [],
    label: { kind: 'categorical', name: 'label', codes, categories },
    lineNumbers: Uint32Array.from(labels, (_, i) => i + 1),
  };
}

const nsl = DATASETS['nsl-kdd'];
const kdd99 = DATASETS.kdd99;
const unsw = DATASETS['unsw-nb15'];

describe('classesForTask', () => {
  it('returns the fixed class lists', () => {
    expect(classesForTask('5class', nsl)).toEqual(['normal', 'dos', 'probe', 'r2l', 'u2r']);
    expect(classesForTask('binary', unsw)).toEqual(['normal', 'attack']);
    expect(classesForTask('ddos-u2r-normal', kdd99)).toEqual(['normal', 'ddos', 'u2r']);
  });

  it('takes attack-cat classes from the dataset taxonomy, normal first', () => {
    const classes = classesForTask('attack-cat', unsw);
    expect(classes[0]).toBe('normal');
    expect(classes).toEqual(expect.arrayContaining(['generic', 'exploits', 'dos', 'worms', 'backdoor']));
    expect(classes).toHaveLength(10);
  });

  it('refuses a task the dataset does not support, as a usage error', () => {
    const error = (() => {
      try {
        classesForTask('ddos-u2r-normal', nsl);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as IotIdsError).kind).toBe('usage');
    expect((error as Error).message).toMatch(/ddos-u2r-normal.*nsl-kdd.*5class, binary/);
  });
});

describe('labelsForTask', () => {
  const table = labelTable([
    'normal',
    'neptune',
    'satan',
    'guess_passwd',
    'rootkit',
    'httptunnel',
    'normal',
    'smurf',
  ]);

  it('maps raw labels to the five categories', () => {
    const result = labelsForTask(table, '5class', nsl);
    const names = Array.from(result.y, (c) => result.classes[c]);
    expect(names).toEqual(['normal', 'dos', 'probe', 'r2l', 'u2r', 'u2r', 'normal', 'dos']);
    expect(Array.from(result.rows)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(result.excluded).toBe(0);
  });

  it('collapses every attack into one class for binary', () => {
    const result = labelsForTask(table, 'binary', kdd99);
    expect(Array.from(result.y)).toEqual([0, 1, 1, 1, 1, 1, 0, 1]);
  });

  it('drops and counts probe and r2l rows for ddos-u2r-normal', () => {
    const result = labelsForTask(table, 'ddos-u2r-normal', kdd99);
    expect(result.classes).toEqual(TASK_CLASSES['ddos-u2r-normal']);
    expect(Array.from(result.rows)).toEqual([0, 1, 4, 5, 6, 7]);
    expect(Array.from(result.y, (c) => result.classes[c])).toEqual([
      'normal',
      'ddos',
      'u2r',
      'u2r',
      'normal',
      'ddos',
    ]);
    expect(result.excluded).toBe(2);
    expect(result.excludedByLabel).toEqual({ satan: 1, guess_passwd: 1 });
    expect(result.unknownLabels).toEqual({});
  });

  it('excludes and reports labels the taxonomy does not know instead of guessing', () => {
    const withUnknown = labelTable(['normal', 'zeroday', 'zeroday', 'constructor', 'smurf']);
    const result = labelsForTask(withUnknown, 'binary', nsl);
    expect(Array.from(result.rows)).toEqual([0, 4]);
    expect(result.unknownLabels).toEqual({ zeroday: 2, constructor: 1 });
    expect(result.excludedByLabel).toEqual({ zeroday: 2, constructor: 1 });
    expect(result.excluded).toBe(3);
  });

  it('applies a taxonomy with overrides', () => {
    const moved = taxonomyWithOverrides(nsl.schema.taxonomy!, { httptunnel: 'r2l' });
    const result = labelsForTask(table, '5class', nsl, moved);
    expect(result.classes[result.y[5]]).toBe('r2l');
    expect(result.classes[result.y[4]]).toBe('u2r');
  });

  it('uses UNSW-NB15 attack_cat values for attack-cat and binary', () => {
    const unswTable = labelTable(['Normal', 'Generic', 'Exploits', 'Worms', 'Normal', 'Backdoor']);
    const cat = labelsForTask(unswTable, 'attack-cat', unsw);
    expect(cat.classes).toEqual(classesForTask('attack-cat', unsw));
    expect(Array.from(cat.y, (c) => cat.classes[c])).toEqual([
      'normal',
      'generic',
      'exploits',
      'worms',
      'normal',
      'backdoor',
    ]);
    expect(Array.from(labelsForTask(unswTable, 'binary', unsw).y)).toEqual([0, 1, 1, 1, 0, 1]);
  });

  it('refuses an unsupported task', () => {
    expect(() => labelsForTask(table, 'attack-cat', nsl)).toThrow(IotIdsError);
  });
});

const dataDir = resolve(process.env.IOT_IDS_DATA_DIR ?? '../shared/data');
const kddTestPlus = join(dataDir, 'nsl-kdd/KDDTest+.txt.gz');

describe.runIf(dataAvailable(kddTestPlus, 'labelsForTask on the real KDDTest+'))(
  'labelsForTask on the real KDDTest+',
  () => {
    it('reproduces the published category counts (normal 9,711 / DoS 7,458 / Probe 2,421 / R2L 2,754 / U2R 200)', async () => {
      const text = gunzipSync(await readFile(kddTestPlus)).toString('utf8');
      const labels = text
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => line.split(',')[41]);
      const result = labelsForTask(labelTable(labels), '5class', nsl);
      const counts = Object.fromEntries(result.classes.map((c) => [c, 0]));
      for (const c of result.y) counts[result.classes[c]]++;
      expect(counts).toEqual({ normal: 9711, dos: 7458, probe: 2421, r2l: 2754, u2r: 200 });
      expect(result.unknownLabels).toEqual({});
    });
  },
);
