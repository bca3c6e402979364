import type { Command } from 'commander';
import { join, relative } from 'node:path';

import type { ResultsRun } from '../../report/results-file.js';

import { InvalidArgumentError, Option } from 'commander';
import { formatCompareTable } from '../compare-table.js';
import { intOption } from '../parse-options.js';
import { requiredOption } from '../required-options.js';
import { terminalProgress } from '../terminal-progress.js';

interface CompareFlags {
  config: string;
  seeds: number;
  out?: string;
  dataDir?: string;
  png?: boolean;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'run a grid of models × datasets × tasks × protocols × seeds, then write results.json and report.html; resumes after an interruption',
    )
    .addOption(
      requiredOption(
        '-c, --config <file.json>',
        'experiment config, e.g. experiments/sae-paper.json (format: docs/configuration.md)',
      ),
    )
    .option('--seeds <n>', 'seeds per grid cell: runs use seeds 1..n', intOption('--seeds'), 3)
    // -s is --seed (one seed) in every other command; here it would be ambiguous, so it says what to use.
    .addOption(
      new Option('-s <n>').hideHelp().argParser(() => {
        throw new InvalidArgumentError(
          '-s means --seed (one seed) in iot-ids; compare takes the number of seeds per cell as --seeds <n>',
        );
      }),
    )
    .option('-o, --out <dir>', 'output folder (default reports/<config name>)')
    .option(
      '--data-dir <dir>',
      'where the dataset files are (then $IOT_IDS_DATA_DIR, then the per-user cache)',
    )
    .option('--png', 'also save every figure as a PNG beside the report')
    .addHelpText(
      'after',
      `
Examples:
  iot-ids compare -c experiments/quick.json --seeds 1            a small grid in a few minutes
  iot-ids compare -c experiments/sae-paper.json --seeds 3 -o reports/sae-paper

Prints one line per grid cell and test split (mean ± std over the seeds); an interrupted compare resumes
where it stopped when run again with the same -o.`,
    )
    .action(async (flags: CompareFlags) => {
      const { buildCompareReport, writeReport } = await import('../../report/html-report.js');
      const { buildResultsFile } = await import('../../report/results-file.js');
      const { readExperimentConfig } = await import('../../train/experiment-config.js');
      const { runGrid } = await import('../../train/run-grid.js');
      const { writeJsonAtomic } = await import('../../util/atomic-write.js');
      const config = await readExperimentConfig(flags.config);
      const out = flags.out ?? join('reports', config.name);
      const progress = terminalProgress();
      const grid = await runGrid(config, {
        seeds: Math.max(1, flags.seeds),
        out,
        dataDir: flags.dataDir,
        progress,
        runProgress: progress,
      });
      const reportStarted = performance.now();
      const runs: ResultsRun[] = grid.outcomes.map((o) => ({
        id: o.run.id,
        dir: relative(out, o.dir),
        dataset: o.run.dataset,
        task: o.run.task,
        protocol: o.run.protocol,
        model: o.run.model,
        seed: o.run.seed,
        metrics: o.metrics,
      }));
      const results = buildResultsFile(config.name, runs);
      await writeJsonAtomic(join(out, 'results.json'), results);
      const html = await buildCompareReport(results, { baseDir: out });
      const written = await writeReport(join(out, 'report.html'), html, { png: flags.png });
      const reportSeconds = (performance.now() - reportStarted) / 1000;
      const timings = {
        trainingAndEvaluationSeconds: grid.trainingSeconds,
        reportSeconds,
        reportShare: reportSeconds / (grid.trainingSeconds + reportSeconds),
        runs: runs.length,
        reusedRuns: grid.outcomes.filter((o) => o.reused).length,
      };
      await writeJsonAtomic(join(out, 'timings.json'), timings);
      process.stdout.write(`${formatCompareTable(results.cells)}\n\n`);
      process.stdout.write(
        `${runs.length} runs (${timings.reusedRuns} kept from an earlier attempt), ${grid.skipped.length} grid cells not applicable\n` +
          `results: ${join(out, 'results.json')}\nreport:  ${written.html}\n` +
          `time: runs ${grid.trainingSeconds.toFixed(1)} s, report ${reportSeconds.toFixed(1)} s (${(timings.reportShare * 100).toFixed(1)} %)\n`,
      );
    });
}
