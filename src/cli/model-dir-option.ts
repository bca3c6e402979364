import { existsSync, statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { requiredOption } from './required-options.js';

/**
 * `--model-dir <dir>`: the trained model a command loads (RUN/model). `--model` names a model kind in
 * `train`, so here it is only accepted, with a warning, when its value is an existing directory: then it
 * cannot mean anything else. Any other value is a usage error that says which flag to use.
 */
export function modelDirOption(description = 'a trained model directory, e.g. runs/rf-1/model'): Option {
  return requiredOption('--model-dir <dir>', description);
}

/** The hidden old spelling, kept so existing scripts keep working (with a deprecation warning). */
export function deprecatedModelOption(): Option {
  return new Option('--model <dir>', 'deprecated: use --model-dir').hideHelp();
}

/**
 * Moves a deprecated `--model DIR` to `--model-dir` (before the required options are checked). Writes the
 * warning to `warn`; fails with a usage error when the value is not a directory.
 */
export function adoptDeprecatedModelOption(command: Command, warn: (message: string) => void): void {
  const hasBoth = ['--model', '--model-dir'].every((flag) => command.options.some((o) => o.long === flag));
  if (!hasBoth) return;
  const value = command.getOptionValue('model') as string | undefined;
  if (value === undefined) return;
  if (command.getOptionValue('modelDir') !== undefined) {
    command.error('error: give the model directory once, with --model-dir (--model is its old name)', {
      code: 'iot-ids.modelTwice',
      exitCode: 2,
    });
  }
  if (!isDirectory(value)) {
    command.error(
      `error: --model "${value}": in \`${command.name()}\` the trained model is given as --model-dir <dir> (a run's model/ folder); --model names a model kind only in \`train\``,
      { code: 'iot-ids.modelNotDir', exitCode: 2 },
    );
  }
  warn(`warning: --model <dir> is deprecated in \`${command.name()}\`; use --model-dir ${value}`);
  command.setOptionValue('modelDir', value);
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
