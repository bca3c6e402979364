import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFile } from '../detection/detect-file.js';
import { evaluateModel } from '../evaluate/evaluate-model.js';
import { readModelDir } from '../models/model-dir.js';
import { parseModelOptions } from '../models/registry.js';
import { runTraining } from './run-training.js';

/** A model trained from a schema file is used afterwards with nothing but its directory. */
let dir: string;
let modelDir: string;
let schemaPath: string;
const schema = {
  name: 'plant-sensors',
  header: true,
  delimiter: ';',
  columns: [
    { name: 'ts', type: 'ignore' },
    { name: 'pressure', type: 'numeric' },
    { name: 'valve', type: 'categorical' },
    { name: 'class', type: 'label' },
  ],
  time: { timestamp: 'ts' },
  taxonomy: { normal: ['ok'], categories: { spoof: 'spoof' } },
  splits: { all: 'plant.csv' },
};

function rows(n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const attack = i % 4 === 0;
    return `${1_700_000_000 + i};${attack ? 50 + (i % 9) : 10 + (i % 11)};${i % 5 === 0 ? 'open' : 'shut'};${attack ? 'spoof' : 'ok'}`;
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-keeps-'));
  await writeFile(join(dir, 'plant.csv'), `ts;pressure;valve;class\n${rows(300).join('\n')}\n`);
  schemaPath = join(dir, 'plant.json');
  await writeFile(schemaPath, JSON.stringify(schema));
  const result = await runTraining({
    dataset: schemaPath,
    model: 'rf',
    modelOptions: parseModelOptions('rf', { nEstimators: 5, nJobs: 1 }, 'test'),
    seed: 1,
    out: join(dir, 'run'),
  });
  modelDir = result.modelDir;
  // The schema file is gone: everything must come from the model directory.
  await rm(schemaPath);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a model directory keeps its dataset schema', () => {
  it('stores columns, layout, taxonomy and time columns in the manifest', async () => {
    const { manifest } = await readModelDir(modelDir);
    expect(manifest.datasetDefinition?.schema).toMatchObject({
      name: 'plant-sensors',
      header: true,
      delimiter: ';',
      columns: schema.columns,
      taxonomy: schema.taxonomy,
      time: { timestamp: 'ts' },
    });
    expect(manifest.protocol).toBe('time-split');
  });

  it('evaluate and detect need only the model directory', async () => {
    const evaluated = await evaluateModel({ modelDir, split: 'all', out: join(dir, 'eval') });
    expect(evaluated.metrics.splits.all.n).toBe(300);
    const input = join(dir, 'new.csv');
    await writeFile(input, `ts;pressure;valve;class\n${rows(8, 1000).join('\n')}\n`);
    const output = join(dir, 'verdicts.ndjson');
    const summary = await detectFile({ modelDir, input, output });
    expect(summary.records).toBe(8);
    expect(summary.rejected).toBe(0);
    const lines = (await readFile(output, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(8);
  });

  it('refuses a -d that contradicts the stored schema, naming each difference', async () => {
    const other = join(dir, 'other.json');
    await writeFile(
      other,
      JSON.stringify({
        ...schema,
        delimiter: ',',
        columns: schema.columns.map((c) => (c.name === 'valve' ? { ...c, type: 'numeric' } : c)),
        taxonomy: { normal: ['ok'], categories: { Spoof: 'spoof' } },
      }),
    );
    const input = join(dir, 'new.csv');
    await expect(
      detectFile({ modelDir, input, dataset: other, output: join(dir, 'x.ndjson') }),
    ).rejects.toThrow(
      `-d ${other} contradicts the dataset the model in ${modelDir} was trained on ("plant-sensors"): ` +
        'column 3 is "valve" (categorical) in the model but "valve" (numeric) in -d; ' +
        'delimiter is ";" in the model but "," in -d; ' +
        'taxonomy: "spoof" is "spoof" in the model but none in -d, "Spoof" is none in the model but "spoof" in -d. ' +
        "Leave out -d to use the model's own schema",
    );
  });
});
