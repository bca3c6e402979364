import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTraining } from '../train/run-training.js';
import { detectFile, type DetectProgress, type DetectSummary } from './detect-file.js';
import { TINY_CLASSES, makeTinyModel, tinyLine, tinyRows } from './test-helpers/tiny-model.js';
import { dataAvailable } from '../../test/available.js';

interface OutputLine {
  line: number;
  label: string;
  probability: number;
  probabilities: Record<string, number>;
  alert: boolean;
}

let dir: string;
let modelDir: string;
let schemaFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'iot-ids-detect-'));
  ({ modelDir, schemaFile } = await makeTinyModel(dir));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ROWS = tinyRows(31, 40);
/** 40 good lines with four bad ones at lines 3, 10, 11 and 30. */
function inputText(): string {
  const lines = ROWS.map((r) => tinyLine(r));
  lines.splice(2, 0, '1,tcp,NaN,0.5,normal,1');
  lines.splice(9, 0, '1,tcp,abc,0.5,normal,1', '1,tcp,2,0.5');
  lines.splice(29, 0, '1,,2,0.5,normal,1');
  return `${lines.join('\n')}\n`;
}
const BAD_LINES = [3, 10, 11, 30];

function parseLines(text: string): OutputLine[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as OutputLine);
}

function expectConsistent(lines: OutputLine[], summary: DetectSummary): void {
  expect(lines).toHaveLength(summary.records);
  expect(lines.filter((l) => l.alert)).toHaveLength(summary.alerts);
  for (const name of TINY_CLASSES) {
    expect(lines.filter((l) => l.label === name)).toHaveLength(summary.byLabel[name]);
    if (name !== 'normal')
      expect(lines.filter((l) => l.alert && l.label === name)).toHaveLength(summary.alertsByLabel[name]);
  }
  for (const l of lines) {
    expect(Object.keys(l.probabilities)).toEqual(TINY_CLASSES);
    expect(l.probability).toBe(l.probabilities[l.label]);
    expect(l.alert).toBe(l.label !== 'normal' && l.probability >= 0.5);
  }
}

function collectStream(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('detectFile', () => {
  it('writes one NDJSON line per valid record, reports bad lines, and the counts agree', async () => {
    const input = join(dir, 'flows.csv');
    await writeFile(input, inputText());
    const output = join(dir, 'out', 'verdicts.ndjson');
    const progress: DetectProgress[] = [];
    const summary = await detectFile({
      modelDir,
      input,
      dataset: schemaFile,
      output,
      batchRows: 7,
      onProgress: (p) => progress.push(p),
    });
    const lines = parseLines(await readFile(output, 'utf8'));
    expectConsistent(lines, summary);
    expect(summary.records).toBe(40);
    expect(summary.rejected).toBe(4);
    expect(summary.rejectedExamples).toEqual([
      { line: 3, reason: 'NaN or Inf', field: 'signal', detail: '"NaN"' },
      { line: 10, reason: 'non-numeric value', field: 'signal', detail: '"abc"' },
      { line: 11, reason: 'wrong column count', detail: '4 fields, expected 6' },
      { line: 30, reason: 'empty value', field: 'proto' },
    ]);
    expect(summary.rejectedByReason).toEqual({
      'NaN or Inf': 1,
      'non-numeric value': 1,
      'wrong column count': 1,
      'empty value': 1,
    });
    const expectedLines = Array.from({ length: 44 }, (_, i) => i + 1).filter((n) => !BAD_LINES.includes(n));
    expect(lines.map((l) => l.line)).toEqual(expectedLines);
    // The deciding feature makes this an easy task: nearly every record gets its true class.
    const truth = ROWS.map((r) => r.label);
    expect(lines.filter((l, i) => l.label === truth[i]).length).toBeGreaterThanOrEqual(38);
    expect(summary.input).toBe(input);
    expect(summary.output).toBe(output);
    expect(summary.recordsPerSecond).toBeGreaterThan(0);
    const last = progress[progress.length - 1];
    expect(last).toEqual({
      records: 40,
      rejected: 4,
      alerts: summary.alerts,
      bytesRead: (await stat(input)).size,
      totalBytes: (await stat(input)).size,
    });
    expect(progress.length).toBe(Math.ceil(44 / 7));
    // Written atomically: no temporary file is left beside the output.
    expect(await readdir(join(dir, 'out'))).toEqual(['verdicts.ndjson']);
  });

  it('gives the same verdicts for gzip input streamed to stdout and for stdin without labels', async () => {
    const plain = join(dir, 'plain.csv');
    await writeFile(plain, inputText());
    const reference = join(dir, 'reference.ndjson');
    await detectFile({ modelDir, input: plain, dataset: schemaFile, output: reference });
    const expected = await readFile(reference, 'utf8');

    const gz = join(dir, 'flows.csv.gz');
    await writeFile(gz, gzipSync(inputText()));
    const stdout = collectStream();
    const summary = await detectFile({ modelDir, input: gz, dataset: schemaFile, stdout: stdout.stream });
    expect(summary.output).toBe('stdout');
    expect(stdout.text()).toBe(expected);

    const unlabelled = inputText()
      .split('\n')
      .map((l) =>
        l.split(',').length === 6
          ? l
              .split(',')
              .filter((_, j) => j !== 4)
              .join(',')
          : l,
      )
      .join('\n');
    const stdin = Readable.from([Buffer.from(unlabelled)]);
    const piped = collectStream();
    const fromStdin = await detectFile({
      modelDir,
      input: '-',
      dataset: schemaFile,
      stdin,
      stdout: piped.stream,
    });
    expect(fromStdin.input).toBe('stdin');
    expect(fromStdin.records).toBe(40);
    expect(parseLines(piped.text()).map((l) => [l.label, l.probability])).toEqual(
      parseLines(expected).map((l) => [l.label, l.probability]),
    );
  });

  it('passes thresholds on to the alert rules', async () => {
    const input = join(dir, 'thresholds.csv');
    await writeFile(input, inputText());
    const out = collectStream();
    const summary = await detectFile({
      modelDir,
      input,
      dataset: schemaFile,
      thresholds: { dos: 0, probe: 0 },
      stdout: out.stream,
    });
    expect(summary.alerts).toBe(summary.records - summary.byLabel.normal);
    expect(parseLines(out.text()).every((l) => l.alert === (l.label !== 'normal'))).toBe(true);
  });

  it('leaves no output file when the input turns out to be corrupt', async () => {
    const input = join(dir, 'cut.csv.gz');
    const many = Array.from({ length: 5000 }, (_, i) => tinyLine(ROWS[i % ROWS.length])).join('\n');
    const gz = gzipSync(many);
    await writeFile(input, gz.subarray(0, Math.floor(gz.length / 2)));
    const output = join(dir, 'cut-out', 'verdicts.ndjson');
    await expect(
      detectFile({ modelDir, input, dataset: schemaFile, output, batchRows: 100 }),
    ).rejects.toThrow(/cut\.csv\.gz: gzip data is truncated or corrupt/);
    expect(await readdir(join(dir, 'cut-out'))).toEqual([]);
  });

  it.each([
    ['a PDF', Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n'), /looks like a PDF document/],
    [
      'a ZIP archive',
      Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(40, 65), Buffer.from('\nx,y\n')]),
      /looks like a ZIP archive/,
    ],
    ['UTF-16 text', Buffer.from(`\ufeff${inputText()}`, 'utf16le'), /looks like UTF-16 text/],
    [
      'the wrong delimiter',
      Buffer.from(inputText().replaceAll(',', ';')),
      /wrong column count 44.*delimiter ","/,
    ],
  ])('fails, saying what it saw, when every line of %s is rejected', async (_name, bytes, saw) => {
    const input = join(dir, 'all-rejected.bin');
    await writeFile(input, bytes);
    const error = await detectFile({ modelDir, input, dataset: schemaFile, stdout: new PassThrough() }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /all-rejected\.bin: no record could be scored: all \d+ lines were rejected/,
    );
    expect((error as Error).message).toMatch(saw);
  });

  it('names what is wrong with the dataset or the input path', async () => {
    const input = join(dir, 'x.csv');
    await writeFile(input, inputText());
    await expect(detectFile({ modelDir, input, stdout: new PassThrough() })).rejects.toThrow(
      /trained on dataset "tiny", which is not built in, and was saved before models kept their dataset schema: pass its schema file with -d/,
    );
    await expect(
      detectFile({ modelDir, input, dataset: 'nsl-kdd', stdout: new PassThrough() }),
    ).rejects.toThrow(
      /-d nsl-kdd contradicts the dataset the model in .* was trained on \("tiny"\): the model has 6 columns, -d has 43; column 2 is "proto" \(categorical\) in the model but "protocol_type" \(categorical\) in -d/,
    );
    await expect(
      detectFile({
        modelDir,
        input: join(dir, 'missing.csv'),
        dataset: schemaFile,
        stdout: new PassThrough(),
      }),
    ).rejects.toThrow(/missing\.csv: cannot read input/);
  });
});

const repo = resolve(import.meta.dirname, '../..');
const dataDir = resolve(repo, process.env.IOT_IDS_DATA_DIR ?? '../shared/data');
const REAL_DATA_SUITE = 'detectFile on NSL-KDD (real data)';
const hasData =
  dataAvailable(join(dataDir, 'nsl-kdd', 'KDDTrain+_20Percent.txt.gz'), REAL_DATA_SUITE) &&
  dataAvailable(join(dataDir, 'nsl-kdd', 'KDDTest+.txt.gz'), REAL_DATA_SUITE);

describe.runIf(hasData)(REAL_DATA_SUITE, () => {
  it('scores all 22,544 KDDTest+ records exactly as the evaluation did', async () => {
    const out = join(dir, 'nsl-run');
    const { metrics, modelDir: nslModel } = await runTraining({
      dataset: 'nsl-kdd',
      task: '5class',
      protocol: 'official',
      model: 'rf',
      modelOptions: { nEstimators: 10, nJobs: 0 },
      seed: 1,
      out,
      dataDir,
      trainSplit: 'KDDTrain+_20Percent',
    });
    const output = join(out, 'verdicts.ndjson');
    const thresholds = { dos: 0, probe: 0, r2l: 0, u2r: 0 };
    const summary = await detectFile({
      modelDir: nslModel,
      input: join(dataDir, 'nsl-kdd', 'KDDTest+.txt.gz'),
      output,
      thresholds,
    });
    expect(summary.records).toBe(22_544);
    expect(summary.rejected).toBe(0);
    // With zero thresholds every attack prediction alerts, so the alert count is the number of rows the
    // evaluation predicted as an attack: the confusion matrix's non-normal columns.
    const { labels, matrix } = metrics.splits['KDDTest+'].confusion;
    const predictedAs = (c: number) => matrix.reduce((sum, row) => sum + row[c], 0);
    labels.forEach((name, c) => expect(summary.byLabel[name]).toBe(predictedAs(c)));
    expect(summary.alerts).toBe(22_544 - predictedAs(labels.indexOf('normal')));
    // KDDTest+ holds 12,833 attacks; a forest trained on 20 % of KDDTrain+ finds most of the known kinds.
    expect(summary.alerts).toBeGreaterThan(6_000);
    expect(summary.alerts).toBeLessThan(14_000);
    const lines = (await readFile(output, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(22_544);
    expect(JSON.parse(lines[0])).toMatchObject({ line: 1 });
  }, 120_000);
});
