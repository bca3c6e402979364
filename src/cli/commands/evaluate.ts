import type { Command } from 'commander';

import { formatSummaryTable } from '../summary-table.js';
import { terminalProgress } from '../terminal-progress.js';

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('score a saved model on any split and write metrics.json')
    .requiredOption('--model <dir>', 'a saved model directory, e.g. runs/rf-1/model')
    .option(
      '--split <name>',
      'split to score, e.g. KDDTest-21 (see `iot-ids datasets`); may be left out for a one-file dataset such as -d other.conn.log.labeled',
    )
    .requiredOption('-o, --out <dir>', 'where metrics.json and classification-report.txt go')
    .option(
      '-d, --dataset <name|schema.json>',
      'dataset of the split (default: the schema stored with the model; a -d that contradicts it is an error)',
    )
    .option(
      '--data-dir <dir>',
      'where the dataset files are (then $IOT_IDS_DATA_DIR, then the per-user cache)',
    )
    .option('--strict', 'stop at the first bad input row instead of skipping and counting it')
    .action(
      async (flags: {
        model: string;
        split?: string;
        out: string;
        dataset?: string;
        dataDir?: string;
        strict?: boolean;
      }) => {
        const { evaluateModel } = await import('../../evaluate/evaluate-model.js');
        const { metrics, metricsPath } = await evaluateModel(
          {
            modelDir: flags.model,
            split: flags.split,
            out: flags.out,
            dataset: flags.dataset,
            dataDir: flags.dataDir,
            strict: flags.strict,
          },
          terminalProgress(),
        );
        process.stdout.write(`${formatSummaryTable(metrics)}\n\nmetrics: ${metricsPath}\n`);
      },
    );
}
