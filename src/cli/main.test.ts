import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_ALERT_WINDOW_SECONDS } from '../alerts/alert-window.js';
import { makeTinyModel } from '../detection/test-helpers/tiny-model.js';
import { biGruDefaults } from '../models/bigru/options.js';
import { fcnnDefaults } from '../models/fcnn/options.js';
import { sparseAutoencoderDefaults } from '../models/sae/options.js';
import { svmDefaults } from '../models/svm/options.js';
import { vaeDefaults } from '../models/vae/options.js';
import { anomalyDetectorDefaults } from '../models/zero-day/anomaly-detector.js';
import { buildProgram, main } from './main.js';

/** Runs the CLI in this process and captures what it writes. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'iot-ids', ...args]);
    return { code, stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}

const COMMANDS = buildProgram().commands.map((c) => c.name());

afterEach(() => vi.restoreAllMocks());

describe('iot-ids --version and --help', () => {
  it('prints the version of package.json', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const { code, stdout } = await cli(flag);
      expect(code).toBe(0);
      expect(stdout.trim()).toBe(pkg.version);
    }
  });

  it('shows an example in every subcommand’s help and marks required options', async () => {
    expect(COMMANDS.length).toBeGreaterThan(10);
    for (const command of COMMANDS) {
      const { code, stdout } = await cli(command, '--help');
      expect(code, command).toBe(0);
      expect(stdout, command).toMatch(/\nExamples?:\n {2}\S/);
      expect(stdout, command).toContain(`iot-ids ${command}`);
    }
    const detect = (await cli('detect', '--help')).stdout;
    expect(detect).toMatch(/--model-dir <dir>\s+a trained model directory[^]*?\(required\)/);
    expect(detect).toMatch(/-i, --input <file\|->[^]*?\(required\)/);
    expect(detect).not.toMatch(/--output\b/); // the deprecated spelling is hidden
    expect(detect).not.toMatch(/--model </);
    expect((await cli('train', '--help')).stdout).toMatch(/-o, --out <dir>\s+run directory[^]*?\(required\)/);
  });

  it("prints every deep model's training defaults from the model's own options", async () => {
    const { stdout } = await cli('train', '--help');
    const row = (o: { epochs: number; batchSize: number; learningRate: number; patience: number }): string =>
      `${o.epochs} / ${o.batchSize} / ${o.learningRate} / ${o.patience}`;
    expect(stdout).toContain(`  fcnn         ${row(fcnnDefaults)}`);
    expect(stdout).toContain(`  svm          ${row(svmDefaults)}`);
    expect(stdout).toContain(`  sae-softmax  ${row(sparseAutoencoderDefaults)}`);
    expect(stdout).toContain(`  bigru        ${row(biGruDefaults)}`);
    expect(stdout).toContain(`  vae-bigru    vae ${row(vaeDefaults)}, bigru ${row(biGruDefaults)}`);
    for (const kind of ['svm', 'sae-softmax', 'sae-svm', 'fcnn', 'vae', 'bigru', 'vae-bigru'])
      expect(stdout).toMatch(new RegExp(`^ {2}${kind} +\\D*\\d+ / \\d+ / [\\d.e-]+ / \\d+`, 'm'));
    expect(stdout).toMatch(/--n-estimators <n>\s+rf: number of trees \(default: 100\)/);
  });

  it('prints the alert window and the zero-day epochs defaults', async () => {
    for (const command of ['serve', 'watch']) {
      const { stdout } = await cli(command, '--help');
      expect(stdout).toMatch(
        new RegExp(`--alert-window <seconds>[^]*?\\(default: ${DEFAULT_ALERT_WINDOW_SECONDS}\\)`),
      );
    }
    const zeroDay = (await cli('zero-day', '--help')).stdout;
    expect(zeroDay).toContain(`(default: ${anomalyDetectorDefaults.epochs})`);
  });
});

/** The `iot-ids …` command lines of a help text's examples, split into words (double quotes kept together). */
function exampleCommands(help: string): string[][] {
  const examples = help.split(/\nExamples?:\n/)[1] ?? '';
  return examples
    .split('\n')
    .map((line) => /(?:^|\| |sudo )iot-ids (.+?)(?: {3,}.*)?$/.exec(line.trim())?.[1])
    .filter((command): command is string => command !== undefined && !command.includes('`'))
    .map((command) => (command.match(/"[^"]*"|\S+/g) ?? []).map((w) => w.replace(/^"(.*)"$/, '$1')));
}

describe('the examples in --help', () => {
  it('parse: every flag exists, takes its value, and no required option is missing', async () => {
    const helps = [(await cli('--help')).stdout];
    for (const command of COMMANDS) helps.push((await cli(command, '--help')).stdout);
    const commands = helps.flatMap(exampleCommands);
    expect(commands.length).toBeGreaterThan(30);
    for (const words of commands) {
      // The same program with every action replaced: parsing (and the preAction checks) only.
      const program = buildProgram();
      for (const command of program.commands) command.action(() => {});
      let stderr = '';
      program.configureOutput({ writeErr: (text) => (stderr += text), writeOut: () => {} });
      for (const command of program.commands)
        command.configureOutput({ writeErr: (text) => (stderr += text), writeOut: () => {} });
      await expect(
        program.parseAsync(['node', 'iot-ids', ...words]),
        `iot-ids ${words.join(' ')}: ${stderr}`,
      ).resolves.toBeDefined();
    }
  });
});

describe('one meaning per flag', () => {
  const program = buildProgram();
  const options = program.commands.flatMap((c) =>
    c.options.map((o) => ({ command: c.name(), short: o.short, long: o.long, hidden: o.hidden })),
  );

  it('-o is --out and -s is --seed in every command', () => {
    for (const o of options.filter((x) => x.short === '-o')) expect(o.long, o.command).toBe('--out');
    for (const o of options.filter((x) => x.short === '-s' && !x.hidden))
      expect(o.long, o.command).toBe('--seed');
  });

  it('--model is a model kind only in train; the others take --model-dir', () => {
    const visibleModel = options.filter((o) => o.long === '--model' && !o.hidden).map((o) => o.command);
    expect(visibleModel).toEqual(['train']);
    const withDir = options.filter((o) => o.long === '--model-dir').map((o) => o.command);
    expect(withDir.sort()).toEqual(['consume', 'detect', 'evaluate', 'serve', 'watch', 'zero-day']);
  });

  it('compare -s says to use --seeds', async () => {
    const { code, stderr } = await cli('compare', '-c', 'x.json', '-s', '3');
    expect(code).toBe(2);
    expect(stderr).toContain('compare takes the number of seeds per cell as --seeds <n>');
  });
});

describe('usage errors', () => {
  it('reports every missing required option at once', async () => {
    const detect = await cli('detect');
    expect(detect.code).toBe(2);
    expect(detect.stderr).toMatch(/missing required options: --model-dir <dir>, -i, --input <file\|->/);
    const consume = await cli('consume', '--group', 'g');
    expect(consume.code).toBe(2);
    expect(consume.stderr).toContain(
      'missing required options: --brokers <host:port,...>, --topic <name>, --model-dir <dir>',
    );
    const train = await cli('train', '-m', 'rf');
    expect(train.stderr).toContain('missing required option: -o, --out <dir>');
  });

  it('refuses --model with a model kind where a model directory is meant, and says the fix', async () => {
    const { code, stderr } = await cli('evaluate', '--model', 'rf', '-o', join(tmpdir(), 'never'));
    expect(code).toBe(2);
    expect(stderr).toContain('in `evaluate` the trained model is given as --model-dir <dir>');
  });

  it('names train flags as typed and config keys as written, in the project’s words', async () => {
    const flags = await cli('train', '-m', 'rf', '--n-estimators', '0', '--epochs', '3', '-o', 'x');
    expect(flags.code).toBe(2);
    expect(flags.stderr).toContain('--n-estimators: must be ≥ 1, got 0');
    expect(flags.stderr).toContain(
      '--epochs does not apply to model "rf": remove it; rf takes --n-estimators',
    );
    const deep = await cli('train', '-m', 'fcnn', '--jobs', '2', '--test-fraction', '0.95', '-o', 'x');
    expect(deep.stderr).toContain('--test-fraction: must be < 0.9, got 0.95');
    expect(deep.stderr).toContain('--jobs does not apply to model "fcnn"');

    const dir = await mkdtemp(join(tmpdir(), 'iot-ids-cli-'));
    const config = join(dir, 'run.json');
    await writeFile(
      config,
      JSON.stringify({ model: 'rf', protocl: 'official', modelOptions: { nEstimators: 'many', trees: 3 } }),
    );
    const file = await cli('train', '-c', config, '-o', join(dir, 'run'));
    expect(file.code).toBe(2);
    expect(file.stderr).toContain(`${config}, field "protocl": not a run option (check the spelling`);
    expect(file.stderr).toContain(
      `${config}, field "modelOptions.nEstimators": must be a number, got "many"`,
    );
    expect(file.stderr).toContain(`${config}, field "modelOptions.trees": model "rf" has no such option`);
    for (const text of [flags.stderr, deep.stderr, file.stderr]) {
      expect(text).not.toMatch(/Unrecognized|Invalid input|expected number|nEstimators:/);
    }
    // A flag overrides the file's bad value: only the file's other problems remain.
    const fixed = await cli('train', '-c', config, '--n-estimators', '5', '-o', join(dir, 'run'));
    expect(fixed.stderr).not.toContain('modelOptions.nEstimators');
    expect(fixed.stderr).toContain('field "modelOptions.trees"');
  });

  it('refuses the command-line-only keys in a config file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iot-ids-cli-'));
    const config = join(dir, 'run.json');
    await writeFile(config, JSON.stringify({ model: 'rf', out: 'runs/x' }));
    const { code, stderr } = await cli('train', '-c', config, '-o', join(dir, 'run'));
    expect(code).toBe(2);
    expect(stderr).toContain('"out" is set on the command line (-o/--out), not in a config file; remove it');
  });
});

describe('detect', () => {
  let modelDir: string;
  let schemaFile: string;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'iot-ids-cli-detect-'));
    ({ modelDir, schemaFile } = await makeTinyModel(dir, 200));
  });

  it('exits 1 when every input line was rejected, and says why', async () => {
    const input = join(dir, 'junk.csv');
    await writeFile(input, 'a;b;c\nd;e;f\n');
    const { code, stderr } = await cli(
      'detect',
      '--model-dir',
      modelDir,
      '-d',
      schemaFile,
      '-i',
      input,
      '-o',
      join(dir, 'p.ndjson'),
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/no record could be scored: all 2 lines were rejected/);
  });

  it('exits 0 with some lines rejected, writes -o/--out, and still takes the old --model DIR with a warning', async () => {
    const input = join(dir, 'mixed.csv');
    await writeFile(input, '5,tcp,3.5,0.2\nnot,a,row\n7,udp,15.5,0.9\n');
    const out = join(dir, 'mixed.ndjson');
    const { code, stderr } = await cli(
      'detect',
      '--model',
      modelDir,
      '-d',
      schemaFile,
      '-i',
      input,
      '--out',
      out,
    );
    expect(code).toBe(0);
    expect(stderr).toContain(
      `warning: --model <dir> is deprecated in \`detect\`; use --model-dir ${modelDir}`,
    );
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { label: string }).label)).toEqual(['normal', 'dos']);
  });

  it('still takes the old detect --output, with a warning', async () => {
    const input = join(dir, 'one.csv');
    await writeFile(input, '5,tcp,3.5,0.2\n');
    const out = join(dir, 'one.ndjson');
    const args = ['--model-dir', modelDir, '-d', schemaFile, '-i', input, '--output', out];
    const { code, stderr } = await cli('detect', ...args);
    expect(code).toBe(0);
    expect(stderr).toContain('warning: --output is deprecated; use -o/--out');
    expect((await readFile(out, 'utf8')).trim().split('\n')).toHaveLength(1);
  });
});
