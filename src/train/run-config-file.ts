import { IotIdsError } from '../errors.js';
import { readJsonValue } from '../util/read-json-file.js';
import { COMMAND_LINE_ONLY } from './run-options.js';

/**
 * `--config file.json`: every training choice in one file, so a run can be repeated exactly, in the shape of
 * the run options (run-options.ts; docs/configuration.md has a complete example). The file is only read
 * here: it is validated together with the flags laid over it, by the one run options schema, so an error
 * names each bad key as the file writes it.
 */
export async function readRunConfigFile(path: string): Promise<Record<string, unknown>> {
  const value = await readJsonValue(path, 'config');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IotIdsError('invalid config: the file must hold one JSON object ({ "model": "rf", … })', {
      kind: 'usage',
      location: { file: path },
    });
  }
  for (const key of COMMAND_LINE_ONLY) {
    if (Object.hasOwn(value, key)) {
      throw new IotIdsError(
        `invalid config: "${key}" is set on the command line (${FLAG_OF[key]}), not in a config file; remove it`,
        { kind: 'usage', location: { file: path, field: key } },
      );
    }
  }
  return value as Record<string, unknown>;
}

const FLAG_OF: Record<(typeof COMMAND_LINE_ONLY)[number], string> = {
  out: '-o/--out',
  dataDir: '--data-dir',
  resume: '--resume',
};
