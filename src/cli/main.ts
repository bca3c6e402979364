import { readFileSync } from 'node:fs';
import { Command, CommanderError, type Help, type Option } from 'commander';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, IotIdsError } from '../errors.js';
import { registerCompare } from './commands/compare.js';
import { registerConsume } from './commands/consume.js';
import { registerDatasets } from './commands/datasets.js';
import { registerDemo } from './commands/demo.js';
import { registerDetect } from './commands/detect.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerFetch } from './commands/fetch.js';
import { registerFlows } from './commands/flows.js';
import { registerModels } from './commands/models.js';
import { registerReport } from './commands/report.js';
import { registerServe } from './commands/serve.js';
import { registerTrain } from './commands/train.js';
import { registerWatch } from './commands/watch.js';
import { registerZeroDay } from './commands/zero-day.js';
import { adoptDeprecatedModelOption } from './model-dir-option.js';
import { checkRequiredOptions, describeOption } from './required-options.js';

/** The package's version, read from package.json (two levels up from src/cli and from dist/cli). */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command()
    .name('iot-ids')
    .description(
      'Deep-learning intrusion detection for IoT networks: train, evaluate and serve detectors on NSL-KDD, KDD Cup 99, UNSW-NB15 or any flow CSV, evaluated honestly on the official test splits.',
    )
    .version(packageVersion(), '-V, --version', 'print the version of iot-ids')
    .showHelpAfterError('(run with --help for usage)')
    // Subcommands inherit this (commander copies help settings into commands created afterwards).
    .configureHelp({
      optionDescription(this: Help, option: Option): string {
        return describeOption(this, option);
      },
    })
    .exitOverride()
    .hook('preAction', (_program, command) => {
      adoptDeprecatedModelOption(command, (message) => process.stderr.write(`${message}\n`));
      checkRequiredOptions(command);
    });
  registerDemo(program);
  registerTrain(program);
  registerEvaluate(program);
  registerFlows(program);
  registerDetect(program);
  registerServe(program);
  registerWatch(program);
  registerConsume(program);
  registerZeroDay(program);
  registerReport(program);
  registerCompare(program);
  registerModels(program);
  registerDatasets(program);
  registerFetch(program);
  for (const command of program.commands) command.exitOverride().showHelpAfterError();
  program.addHelpText(
    'after',
    `
Examples:
  iot-ids demo                                   the main job (what \`npm start\` runs)
  iot-ids datasets                               which dataset files were found, and where
  iot-ids fetch nsl-kdd                          download NSL-KDD into the per-user cache
  iot-ids train -d nsl-kdd -m rf -t 5class -p official -s 1 -o runs/rf-1
  iot-ids evaluate --model-dir runs/rf-1/model --split KDDTest-21 -o runs/rf-1-eval
  iot-ids report runs/rf-1                       HTML report of one run (figures, tables)
  iot-ids compare -c experiments/sae-paper.json --seeds 3   a grid of runs, mean ± std, one report
  iot-ids serve --model-dir runs/rf-1/model      detection service + dashboard on http://127.0.0.1:8080/
  zcat flows.csv.gz | iot-ids detect --model-dir runs/rf-1/model -i - -o alerts.ndjson

Exit codes: 0 ok, 1 failure, 2 usage error.`,
  );
  return program;
}

/** Runs the CLI and resolves to the exit code (the bin sets process.exitCode). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander but successes to the user.
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
      ) {
        return EXIT_OK;
      }
      return EXIT_USAGE;
    }
    if (error instanceof IotIdsError) {
      process.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(
      `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT_FAILURE;
  }
}
