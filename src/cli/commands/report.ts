import type { Command } from 'commander';
import { join } from 'node:path';

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('build the self-contained HTML report (figures, tables, cleaning report) of one run')
    .argument('<runDir>', 'a run directory written by `iot-ids train`, e.g. runs/rf-1')
    .option('-o, --out <file.html>', 'where the report goes (default <runDir>/report.html)')
    .option('--png', 'also save every figure as a PNG beside the report')
    .addHelpText(
      'after',
      `
Examples:
  iot-ids report runs/rf-1                       writes runs/rf-1/report.html
  iot-ids report runs/rf-1 -o rf-1.html --png    elsewhere, with every figure as a PNG too

For a grid of runs, \`iot-ids compare\` writes its own report.`,
    )
    .action(async (runDir: string, flags: { out?: string; png?: boolean }) => {
      const { buildRunReport, writeReport } = await import('../../report/html-report.js');
      const html = await buildRunReport(runDir);
      const written = await writeReport(flags.out ?? join(runDir, 'report.html'), html, { png: flags.png });
      process.stdout.write(`report: ${written.html}\n`);
      if (written.pngs.length) process.stdout.write(`figures: ${written.pngs.length} PNG files beside it\n`);
    });
}
