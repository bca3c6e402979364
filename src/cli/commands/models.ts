import type { Command } from 'commander';

export function registerModels(program: Command): void {
  program
    .command('models')
    .description(
      'list the run directories under a folder: dataset, task, protocol, model and headline figures',
    )
    .argument('[folder]', 'where to look (default: the current folder)', '.')
    .addHelpText(
      'after',
      `
Examples:
  iot-ids models runs/
  iot-ids models reports/sae-paper/runs`,
    )
    .action(async (folder: string) => {
      const { formatRunList, listRuns } = await import('../../report/list-runs.js');
      const { runs, unreadable } = await listRuns(folder);
      if (runs.length === 0)
        process.stdout.write(`no run directories (with a metrics.json) under ${folder}\n`);
      else process.stdout.write(`${formatRunList(runs)}\n`);
      for (const path of unreadable) process.stderr.write(`unreadable: ${path}\n`);
    });
}
