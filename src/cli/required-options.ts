import { Help, Option, type Command } from 'commander';

/**
 * Required options are checked by the CLI rather than by commander, which stops at the first missing one:
 * every missing option is reported in one error, and `--help` marks them "(required)".
 */
const REQUIRED = new WeakSet<Option>();

/** An option the command cannot run without. */
export function requiredOption(
  flags: string,
  description: string,
  parse?: (value: string) => unknown,
): Option {
  const option = new Option(flags, description);
  if (parse) option.argParser(parse);
  REQUIRED.add(option);
  return option;
}

/** Adds "(required)" to a required option's help line. */
export function describeOption(help: Help, option: Option): string {
  const text = Help.prototype.optionDescription.call(help, option);
  return REQUIRED.has(option) ? `${text} (required)` : text;
}

/** Every required option of `command` that was not given, as its flags (`--model-dir <dir>`). */
export function missingRequiredOptions(command: Command): string[] {
  return command.options
    .filter((o) => REQUIRED.has(o) && command.getOptionValue(o.attributeName()) === undefined)
    .map((o) => o.flags);
}

/** Fails with one usage error (exit 2) listing every missing required option. */
export function checkRequiredOptions(command: Command): void {
  const missing = missingRequiredOptions(command);
  if (missing.length === 0) return;
  command.error(`error: missing required option${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`, {
    code: 'commander.missingMandatoryOptionValue',
    exitCode: 2,
  });
}
