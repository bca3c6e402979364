import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IotIdsError } from '../errors.js';
import { loadSchemaFile } from './schema-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-schema-'));
});

const minimal = {
  name: 'toy-flows',
  columns: [
    { name: 'bytes', type: 'numeric' },
    { name: 'proto', type: 'categorical' },
    { name: 'kind', type: 'label' },
  ],
  taxonomy: { normal: ['benign'], categories: { scan: 'probe', flood: 'dos' } },
  splits: { train: 'train.csv', test: 'sub/test.csv.gz' },
};

async function writeSchema(name: string, content: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

async function loadError(name: string, content: unknown): Promise<IotIdsError> {
  const path = await writeSchema(name, content);
  const error = await loadSchemaFile(path).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(IotIdsError);
  expect((error as IotIdsError).kind).toBe('usage');
  expect((error as Error).message).toContain(path);
  return error as IotIdsError;
}

describe('loadSchemaFile', () => {
  it('turns a minimal file into a dataset definition with documented defaults', async () => {
    const path = await writeSchema('minimal.json', minimal);
    const dataset = await loadSchemaFile(path);
    expect(dataset.name).toBe('toy-flows');
    expect(dataset.title).toBe('toy-flows');
    expect(dataset.schema.header).toBe(false);
    expect(dataset.schema.delimiter).toBe(',');
    expect(dataset.schema.columns).toEqual(minimal.columns);
    expect(dataset.splits).toEqual([
      { name: 'train', file: 'train.csv' },
      { name: 'test', file: 'sub/test.csv.gz' },
    ]);
    expect(dataset.official).toEqual({ train: 'train', tests: ['test'] });
    expect(dataset.randomSplitSource).toBe('train');
    expect(dataset.tasks).toEqual(['binary', 'attack-cat']);
    expect(dataset.baseDir).toBe(dir);
  });

  it('accepts the full form: split objects, explicit protocol, tasks and options', async () => {
    const sha = 'AB'.repeat(32);
    const path = await writeSchema('full.json', {
      ...minimal,
      title: 'Toy flows',
      header: true,
      delimiter: ';',
      labelSuffix: '.',
      logColumns: ['bytes'],
      splits: { a: { file: '/abs/a.csv', sha256: sha, rows: 10 }, b: 'b.csv', c: 'c.csv' },
      official: { train: 'b', tests: ['c'] },
      randomSplitSource: 'a',
      tasks: ['5class', 'ddos-u2r-normal'],
    });
    const dataset = await loadSchemaFile(path);
    expect(dataset.splits[0]).toEqual({ name: 'a', file: '/abs/a.csv', sha256: sha.toLowerCase(), rows: 10 });
    expect(dataset.official).toEqual({ train: 'b', tests: ['c'] });
    expect(dataset.randomSplitSource).toBe('a');
    expect(dataset.tasks).toEqual(['5class', 'ddos-u2r-normal']);
    expect(dataset.schema).toMatchObject({
      header: true,
      delimiter: ';',
      labelSuffix: '.',
      logColumns: ['bytes'],
    });
  });

  it('names the field path and the allowed values for a wrong column type', async () => {
    const columns = [...minimal.columns];
    columns[1] = { name: 'proto', type: 'float' };
    const error = await loadError('float.json', { ...minimal, columns });
    expect(error.message).toContain('field "columns[1].type"');
    expect(error.message).toContain('"float"');
    expect(error.message).toContain('"numeric", "categorical", "label", "ignore"');
    expect(error.location.field).toBe('columns[1].type');
  });

  it('lists every problem, unknown keys with the allowed ones', async () => {
    const error = await loadError('typos.json', { ...minimal, colums: [], header: 'yes' });
    expect(error.message).toContain('header: expected boolean, got "yes"');
    expect(error.message).toMatch(/unknown key "colums"; allowed keys: name, title, columns/);
  });

  it('says what a value must be in the project’s words, not the library’s', async () => {
    const error = await loadError('empty.json', { ...minimal, columns: [], name: '' });
    expect(error.message).toContain('columns: must have at least 1 item(s)');
    expect(error.message).toContain('name: must have at least 1 character(s)');
    expect(error.message).not.toMatch(/Too small|Invalid input/);
  });

  it('reports a missing required field', async () => {
    const { splits: _splits, ...noSplits } = minimal;
    const error = await loadError('nosplits.json', noSplits);
    expect(error.message).toContain('splits');
    expect(error.message).toContain('required');
  });

  it('checks rules that span fields', async () => {
    const twoLabels = await loadError('two-labels.json', {
      ...minimal,
      columns: [...minimal.columns, { name: 'kind2', type: 'label' }],
    });
    expect(twoLabels.message).toMatch(/exactly one column must have type "label", found 2/);

    const badSplit = await loadError('bad-split.json', {
      ...minimal,
      official: { train: 'training', tests: ['test'] },
    });
    expect(badSplit.message).toContain('field "official.train"');
    expect(badSplit.message).toContain('unknown split "training"; expected one of "train", "test"');

    const badLog = await loadError('bad-log.json', { ...minimal, logColumns: ['proto'] });
    expect(badLog.message).toContain('logColumns[0]');

    const badTask = await loadError('bad-task.json', {
      ...minimal,
      taxonomy: { normal: ['benign'], categories: { scan: 'recon' } },
      tasks: ['5class'],
    });
    expect(badTask.message).toContain('tasks[0]');
    expect(badTask.message).toContain('dos, probe, r2l, u2r');
  });

  it('reports a JSON syntax error with the text around it', async () => {
    const error = await loadError('syntax.json', '{\n  "name": "x",\n  "columns": [,]\n}');
    expect(error.message).toContain('not valid JSON');
    expect(error.message).toContain('[,]');
  });

  it('reports a missing file as a usage error', async () => {
    const path = join(dir, 'nope.json');
    const error = await loadSchemaFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IotIdsError);
    expect((error as IotIdsError).kind).toBe('usage');
    expect((error as Error).message).toContain(`${path}: cannot read the schema file`);
  });

  it('accepts a file that starts with a byte-order mark', async () => {
    const path = await writeSchema('bom.json', `\uFEFF${JSON.stringify(minimal)}`);
    expect((await loadSchemaFile(path)).name).toBe('toy-flows');
  });
});

describe('loadSchemaFile: time, group and protocol', () => {
  const oneFile = {
    ...minimal,
    columns: [{ name: 'ts', type: 'ignore' }, { name: 'host', type: 'ignore' }, ...minimal.columns],
    splits: { all: 'flows.csv' },
  };

  it('reads time and group columns and a default protocol', async () => {
    const path = await writeSchema('timed.json', {
      ...oneFile,
      time: { timestamp: 'ts' },
      groupColumn: 'host',
      protocol: 'group-split',
    });
    const dataset = await loadSchemaFile(path);
    expect(dataset.schema.time).toEqual({ timestamp: 'ts' });
    expect(dataset.schema.groupColumn).toBe('host');
    expect(dataset.defaultProtocol).toBe('group-split');
    expect(dataset.official.tests).toEqual([]);
  });

  it('names unknown columns, a half-declared time and a protocol the file cannot run', async () => {
    const error = await loadError('bad-time.json', {
      ...oneFile,
      time: { timestamp: 'ts', date: 'day' },
      groupColumn: 'device',
    });
    expect(error.message).toContain('time: give either "timestamp"');
    expect(error.message).toContain('time.date: "day" is not one of the columns');
    expect(error.message).toContain('groupColumn: "device" is not one of the columns');
    const official = await loadError('bad-protocol.json', { ...oneFile, protocol: 'official' });
    expect(official.message).toContain(
      'invalid schema file: "official" cannot run on this dataset; protocols it can use: random-split',
    );
  });
});
