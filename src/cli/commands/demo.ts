import type { Command } from 'commander';
import { runTraining } from '../../train/run-training.js';
import { formatSummaryTable } from '../summary-table.js';
import { terminalProgress } from '../terminal-progress.js';
import { intOption } from '../parse-options.js';

/** `npm start`: the main job, end to end on the real data with the honest protocol. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'the main job: Random Forest on NSL-KDD, official protocol (KDDTrain+ → KDDTest+, KDDTest-21), 5 classes',
    )
    .option(
      '--data-dir <dir>',
      'where the dataset files are (then $IOT_IDS_DATA_DIR, then the per-user cache)',
    )
    .option('-o, --out <dir>', 'where the run goes', 'runs/demo')
    .option('-s, --seed <n>', 'seed', intOption('--seed'), 1)
    .action(async (flags: { dataDir?: string; out: string; seed: number }) => {
      const progress = terminalProgress();
      process.stdout.write('iot-ids demo: Random Forest · NSL-KDD · 5class · official protocol\n\n');
      const rf = await runTraining(
        {
          dataset: 'nsl-kdd',
          task: '5class',
          protocol: 'official',
          model: 'rf',
          modelOptions: {},
          seed: flags.seed,
          out: `${flags.out}/rf`,
          dataDir: flags.dataDir,
        },
        progress,
      );
      process.stdout.write(`\n${formatSummaryTable(rf.metrics)}\n\n`);
      process.stdout.write(`Outputs:\n  metrics      ${rf.metricsPath}\n  model        ${rf.modelDir}\n`);
      process.stdout.write(`  report       ${flags.out}/rf/classification-report.txt\n\n`);
      process.stdout.write(
        `Next: \`iot-ids evaluate --model ${rf.modelDir} --split KDDTest-21 --out ${flags.out}/rf-eval\`, or \`iot-ids train --help\`.\n`,
      );
    });
}
