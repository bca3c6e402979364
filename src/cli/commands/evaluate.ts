import type { Command } from 'commander';

import { deprecatedModelOption, modelDirOption } from '../model-dir-option.js';
import { requiredOption } from '../required-options.js';
import { formatSummaryTable } from '../summary-table.js';
import { terminalProgress } from '../terminal-progress.js';

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('score a saved model on any split and write metrics.json')
    .addOption(modelDirOption())
    .addOption(deprecatedModelOption())
    .option(
      '--split <name>',
      'split to score, e.g. KDDTest-21 (see `iot-ids datasets`); may be left out for a one-file dataset such as -d other.conn.log.labeled (default: its only file)',
    )
    .addOption(requiredOption('-o, --out <dir>', 'where metrics.json and classification-report.txt go'))
    .option(
      '-d, --dataset <name|schema.json>',
      'dataset of the split (default: the schema stored with the model; a -d that contradicts it is an error)',
    )
    .option(
      '--data-dir <dir>',
      'where the dataset files are (then $IOT_IDS_DATA_DIR, then the per-user cache)',
    )
    .option('--strict', 'stop at the first bad input row instead of skipping and counting it')
    .addHelpText(
      'after',
      `
Examples:
  iot-ids evaluate --model-dir runs/rf-1/model --split KDDTest-21 -o runs/rf-1-eval
  iot-ids evaluate --model-dir runs/iot23/model -d other-capture.conn.log.labeled -o runs/iot23-other`,
    )
    .action(
      async (flags: {
        modelDir: string;
        split?: string;
        out: string;
        dataset?: string;
        dataDir?: string;
        strict?: boolean;
      }) => {
        const { evaluateModel } = await import('../../evaluate/evaluate-model.js');
        const { metrics, metricsPath } = await evaluateModel(
          {
            modelDir: flags.modelDir,
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
