import { InvalidArgumentError } from 'commander';

/** Commander parsers that reject junk with a message naming the flag (commander exits with code 2 for these). */
export function intOption(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${flag} needs a whole number ≥ 0, got "${value}"`);
    return n;
  };
}

export function positiveNumberOption(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${flag} needs a number > 0, got "${value}"`);
    return n;
  };
}

/** For repeatable options: `--webhook a --webhook b` gives ['a', 'b']. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Any finite number; the range is the run options schema's to check (its error names the flag too). */
export function numberOption(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n))
      throw new InvalidArgumentError(`${flag} needs a number, got "${value}"`);
    return n;
  };
}
