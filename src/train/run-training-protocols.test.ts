import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModelOptions } from '../models/registry.js';
import type { ProgressReporter } from '../util/progress-reporter.js';
import { runTraining } from './run-training.js';
import type { RunSpec } from './run-spec.js';

/**
 * A small telemetry file like a user would bring: a timestamp, a device, two readings and a label.
 * Devices d0–d5; attacks ("scan") come from the readings; "exfil" only appears in the last hour.
 */
function telemetryCsv(
  options: { rows?: number; extraLabel?: (i: number) => string | undefined } = {},
): string {
  const n = options.rows ?? 400;
  const lines = ['ts,device,bytes,proto,label'];
  const start = Date.UTC(2024, 0, 1) / 1000;
  for (let i = 0; i < n; i++) {
    const attack = i % 3 === 0;
    const late = i >= n * 0.85;
    const label = options.extraLabel?.(i) ?? (late && i % 7 === 0 ? 'exfil' : attack ? 'scan' : 'normal');
    const bytes = attack ? 900 + (i % 17) : 100 + (i % 23);
    // Mostly udp for attacks, but not always: a strong feature, not a copy of the label.
    lines.push(`${start + i * 30},d${i % 6},${bytes},${attack && i % 4 !== 0 ? 'udp' : 'tcp'},${label}`);
  }
  return `${lines.join('\n')}\n`;
}

function schema(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'home-sensors',
    header: true,
    columns: [
      { name: 'ts', type: 'ignore' },
      { name: 'device', type: 'ignore' },
      { name: 'bytes', type: 'numeric' },
      { name: 'proto', type: 'categorical' },
      { name: 'label', type: 'label' },
    ],
    taxonomy: { normal: ['normal'], categories: { scan: 'scan', exfil: 'exfil', brute: 'brute' } },
    splits: { all: 'flows.csv' },
    time: { timestamp: 'ts' },
    groupColumn: 'device',
    ...extra,
  };
}

async function setUp(
  csv: string,
  schemaExtra: Record<string, unknown> = {},
): Promise<{ dir: string; schemaPath: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'iot-ids-run-'));
  await writeFile(join(dir, 'flows.csv'), csv);
  const schemaPath = join(dir, 'schema.json');
  await writeFile(schemaPath, JSON.stringify(schema(schemaExtra)));
  return { dir, schemaPath };
}

function spec(dataset: string, out: string, extra: Partial<RunSpec> = {}): RunSpec {
  return {
    dataset,
    model: 'rf',
    modelOptions: parseModelOptions('rf', { nEstimators: 5, nJobs: 1 }, 'test'),
    seed: 1,
    out,
    ...extra,
  };
}

function recordingProgress(): ProgressReporter & { notes: string[] } {
  const notes: string[] = [];
  return {
    notes,
    start: () => undefined,
    update: () => undefined,
    finish: () => undefined,
    note: (m) => notes.push(m),
  };
}

describe('runTraining on a one-file dataset', () => {
  it('refuses the official protocol, naming the protocols the dataset can use', async () => {
    const { dir, schemaPath } = await setUp(telemetryCsv());
    await expect(runTraining(spec(schemaPath, join(dir, 'run'), { protocol: 'official' }))).rejects.toThrow(
      /cannot use protocol "official".*no test file.*protocols it can use: time-split, group-split, random-split/,
    );
  });

  it('defaults to time-split, tests on the latest rows and reports classes seen only in the test part', async () => {
    const { dir, schemaPath } = await setUp(telemetryCsv());
    const progress = recordingProgress();
    const result = await runTraining(spec(schemaPath, join(dir, 'run')), progress);
    const m = result.metrics;
    expect(m.protocol).toBe('time-split');
    expect(m.task).toBe('binary');
    const [testName] = Object.keys(m.splits);
    expect(testName).toBe('all (latest 30% by time)');
    // 30 % of 400 rows, cut between two distinct timestamps.
    expect(m.splits[testName].n).toBe(120);
    expect(m.trainRows).toBe(280);
    expect(m.protocolDescription).toMatch(
      /training rows up to 2024-01-01 02:19:30, test rows from 2024-01-01 02:20:00/,
    );
    expect(progress.notes.join('\n')).toMatch(/protocol: time-split \(the default for home-sensors\)/);

    const attackCat = await runTraining(
      spec(schemaPath, join(dir, 'run2'), { task: 'attack-cat' }),
      progress,
    );
    expect(attackCat.metrics.classes).toEqual(['normal', 'scan', 'exfil']);
    expect(attackCat.metrics.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/class "brute" of task attack-cat has no rows in all; it is left out/),
        expect.stringMatching(/class "exfil" occurs only in the test part .*cannot predict it/),
      ]),
    );
  });

  it('time-split by elapsed time cuts at the mark of the time span, and the model keeps how it was cut', async () => {
    // 300 rows 30 s apart, then a burst of 100 rows within the last 100 s: by rows the cut falls inside the
    // burst; by elapsed time the whole burst is tested on.
    const lines = telemetryCsv({ rows: 300 }).trimEnd().split('\n');
    const start = Date.UTC(2024, 0, 1) / 1000;
    for (let i = 0; i < 100; i++) lines.push(`${start + 300 * 30 + i},d9,${900 + (i % 5)},udp,scan`);
    const { dir, schemaPath } = await setUp(`${lines.join('\n')}\n`);
    const byRows = await runTraining(spec(schemaPath, join(dir, 'rows')));
    expect(byRows.metrics.trainRows).toBe(280);
    const result = await runTraining(spec(schemaPath, join(dir, 'elapsed'), { timeSplitBy: 'elapsed' }));
    const [testName] = Object.keys(result.metrics.splits);
    expect(testName).toBe('all (latest 30% of the elapsed time)');
    // The span is 0 … 9,099 s; its 70 % mark (6,369.3 s) falls after row 212 (6,360 s).
    expect(result.metrics.trainRows).toBe(213);
    expect(result.metrics.splits[testName].n).toBe(187);
    const manifest = JSON.parse(await readFile(join(result.modelDir, 'manifest.json'), 'utf8'));
    expect(manifest.holdOut).toEqual({ timeSplitBy: 'elapsed' });
  });

  it('group-split keeps every device on one side', async () => {
    const { dir, schemaPath } = await setUp(telemetryCsv());
    const result = await runTraining(spec(schemaPath, join(dir, 'run'), { protocol: 'group-split' }));
    expect(result.metrics.protocolDescription).toMatch(
      /group-split: .*device values for training: (d\d, )*d\d; for testing: (d\d, )*d\d/,
    );
    const train = result.metrics.protocolDescription.match(/for training: ([^;]*);/)?.[1].split(', ');
    const test = result.metrics.protocolDescription.match(/for testing: ([^)]*)\)/)?.[1].split(', ');
    expect(train?.filter((d) => test?.includes(d))).toEqual([]);
    expect([...(train ?? []), ...(test ?? [])].sort()).toEqual(['d0', 'd1', 'd2', 'd3', 'd4', 'd5']);
  });

  it('warns in plain words when test rows repeat training rows, and --dedup before-split removes them', async () => {
    // Readings repeat every 40 rows: a random split puts copies of most test rows into training.
    const lines = ['ts,device,bytes,proto,label'];
    for (let i = 0; i < 400; i++) {
      const attack = i % 2 === 0;
      lines.push(
        `${1_700_000_000 + i},d${i % 4},${attack ? 900 : 100 + (i % 20)},tcp,${attack ? 'scan' : 'normal'}`,
      );
    }
    const { dir, schemaPath } = await setUp(`${lines.join('\n')}\n`);
    const progress = recordingProgress();
    const inflated = await runTraining(
      spec(schemaPath, join(dir, 'run'), { protocol: 'random-split' }),
      progress,
    );
    const [name] = Object.keys(inflated.metrics.splits);
    expect(inflated.metrics.cleaning.splits[name].overlapWithTrain).toBe(80);
    const warning = inflated.metrics.warnings?.find((w) => w.includes('memorisation'));
    expect(warning).toMatch(
      /80 of 80 test rows \(100\.0 %\) also occur in the training data, so the score on them measures memorisation.*--dedup before-split, or the group-split or time-split protocol/,
    );
    expect(progress.notes).toContain(`WARNING: ${warning}`);

    const deduped = await runTraining(
      spec(schemaPath, join(dir, 'run2'), { protocol: 'random-split', dedup: 'before-split' }),
    );
    const [name2] = Object.keys(deduped.metrics.splits);
    expect(deduped.metrics.cleaning.splits[name2].overlapWithTrain).toBe(0);
    expect(deduped.metrics.warnings?.some((w) => w.includes('memorisation'))).toBe(false);
    expect(deduped.metrics.dedup).toBe('before-split');
    const saved = JSON.parse(await readFile(deduped.metricsPath, 'utf8')) as { warnings: string[] };
    expect(saved.warnings).toEqual(deduped.metrics.warnings);
  });

  it('refuses a feature column that gives the label away', async () => {
    const csv = telemetryCsv()
      .split('\n')
      .map((line, i) => {
        if (i === 0) return line.replace('proto', 'is_attack');
        if (!line) return line;
        const fields = line.split(',');
        fields[3] = fields[4] === 'normal' ? '0' : '1';
        return fields.join(',');
      })
      .join('\n');
    const { dir, schemaPath } = await setUp(csv);
    const raw = JSON.parse(await readFile(schemaPath, 'utf8')) as { columns: { name: string }[] };
    raw.columns[3].name = 'is_attack';
    await writeFile(schemaPath, JSON.stringify(raw));
    await expect(runTraining(spec(schemaPath, join(dir, 'run')))).rejects.toThrow(
      /label leakage in dataset "home-sensors": column "is_attack" determines the class exactly \(1 → attack, 0 → normal\)/,
    );
  });

  it('reports unknown labels with counts and the known label they differ from only by case or spacing', async () => {
    const csv = telemetryCsv({
      extraLabel: (i) => (i % 50 === 1 ? 'Scan ' : i % 50 === 2 ? 'mystery' : undefined),
    });
    const { dir, schemaPath } = await setUp(csv);
    const progress = recordingProgress();
    const result = await runTraining(spec(schemaPath, join(dir, 'run')), progress);
    // The loader trims fields, so "Scan " arrives as "Scan".
    expect(progress.notes).toContain(
      'all: 16 rows left out because their label is not in the taxonomy: "Scan" 8 (did you mean "scan"?), "mystery" 8. Add these labels to the schema\'s taxonomy to use them',
    );
    expect(result.metrics.cleaning.splits.all.unknownLabels).toEqual({ Scan: 8, mystery: 8 });
  });
});
