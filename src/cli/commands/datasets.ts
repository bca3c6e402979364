import type { Command } from 'commander';
import { dataSearchPath, describeDatasets } from '../../data/locate.js';

export function registerDatasets(program: Command): void {
  program
    .command('datasets')
    .description('list the known datasets and whether and where each file was found')
    .option('--data-dir <dir>', 'also look here first')
    .option('--json', 'print JSON instead of a table')
    .addHelpText(
      'after',
      `
Examples:
  iot-ids datasets
  iot-ids datasets --data-dir ../shared/data --json`,
    )
    .action(async (flags: { dataDir?: string; json?: boolean }) => {
      const searchPath = dataSearchPath(flags.dataDir);
      const rows = await describeDatasets(searchPath);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ searchPath, files: rows }, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `Searched, in order: ${searchPath.map((p) => `${p.dir} (${p.source})`).join(', ')}\n\n`,
      );
      let lastDataset = '';
      for (const row of rows) {
        if (row.dataset !== lastDataset) {
          process.stdout.write(`${row.dataset}\n`);
          lastDataset = row.dataset;
        }
        const where = row.found ? `${row.path} (${row.source})` : 'not found';
        const rows_ = row.rows ? `${row.rows.toLocaleString('en-US')} rows` : '';
        process.stdout.write(
          `  ${row.found ? '✔' : '✘'} ${row.split.padEnd(26)} ${rows_.padStart(13)}  ${where}\n`,
        );
      }
      if (rows.some((r) => !r.found)) {
        process.stdout.write(
          `\nMissing files: \`iot-ids fetch <dataset>\` downloads them into the cache, or point --data-dir at a copy.\n`,
        );
      }
    });
}
