import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseModelOptions } from '../models/registry.js';
import { runTraining } from './run-training.js';

const dataDir = resolve(import.meta.dirname, '../..', process.env.IOT_IDS_DATA_DIR ?? '../shared/data');
const fridge = join(dataDir, 'ton-iot', 'Train_Test_IoT_Fridge.csv.gz');
if (!existsSync(fridge)) console.log(`skipping the TON_IoT protocol tests: ${fridge} is absent`);

/** The TON_IoT fridge file as a user would declare it: date and time columns, one split. */
const schema = {
  name: 'ton-iot-fridge',
  header: true,
  columns: [
    { name: 'date', type: 'ignore' },
    { name: 'time', type: 'ignore' },
    { name: 'fridge_temperature', type: 'numeric' },
    { name: 'temp_condition', type: 'categorical' },
    { name: 'label', type: 'ignore' },
    { name: 'type', type: 'label' },
  ],
  time: { date: 'date', time: 'time' },
  taxonomy: {
    normal: ['normal'],
    categories: {
      backdoor: 'backdoor',
      ddos: 'ddos',
      injection: 'injection',
      password: 'password',
      ransomware: 'ransomware',
      scanning: 'scanning',
      xss: 'xss',
    },
  },
  splits: { all: 'ton-iot/Train_Test_IoT_Fridge.csv.gz' },
};

describe.skipIf(!existsSync(fridge))('one-file protocols on the real TON_IoT fridge file', () => {
  let dir: string;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('time-splits by date and time, reports the one-sided classes and the repeated rows, and --dedup before-split removes them', async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-ton-'));
    const schemaPath = join(dir, 'fridge.json');
    await writeFile(schemaPath, JSON.stringify(schema));
    const base = {
      dataset: schemaPath,
      model: 'rf',
      modelOptions: parseModelOptions('rf', { nEstimators: 3, nJobs: 1 }, 'test'),
      seed: 1,
      dataDir,
    };
    const timed = await runTraining({ ...base, out: join(dir, 'time'), task: 'attack-cat' });
    const m = timed.metrics;
    expect(m.protocol).toBe('time-split');
    // Normal traffic was recorded on 31 March – 2 April, the attacks on 25–29 April.
    expect(m.protocolDescription).toContain(
      'training rows up to 2019-04-26 16:07:38, test rows from 2019-04-26 16:07:43 (27960 and 11984 rows)',
    );
    expect(m.classes).toEqual(['normal', 'backdoor', 'ddos', 'injection', 'password', 'ransomware', 'xss']);
    expect(m.warnings).toEqual([
      'class "scanning" of task attack-cat has no rows in all; it is left out of this run',
      'class "backdoor", "ransomware", "xss" occurs only in the test part (all (latest 30% by time)); the model has no training rows for it and cannot predict it',
      'class "normal", "ddos", "injection" has no rows in the test part (all (latest 30% by time)); its test figures measure nothing',
      'all (latest 30% by time): 2,040 of 11,984 test rows (17.0 %) also occur in the training data, so the score on them measures memorisation, not detection of new traffic. Use --dedup before-split to remove repeated rows before the split.',
    ]);

    const deduped = await runTraining({
      ...base,
      out: join(dir, 'dedup'),
      protocol: 'random-split',
      dedup: 'before-split',
    });
    const [name] = Object.keys(deduped.metrics.splits);
    expect(deduped.metrics.cleaning.splits[name].overlapWithTrain).toBe(0);
    // Without date and time (ignored columns are not compared) only 1,057 of the 39,944 rows are distinct.
    expect(deduped.metrics.cleaning.splits.all.dedupRemoved).toBe(39_944 - 1_057);
  }, 60_000);
});
