import type { Command } from 'commander';
import { join } from 'node:path';

import type { RunResult } from '../../train/run-training.js';
import { formatSummaryTable } from '../summary-table.js';
import { terminalProgress } from '../terminal-progress.js';
import { intOption } from '../parse-options.js';

const DEMO_MODELS = [
  { model: 'rf', title: 'Random Forest (raw features)' },
  { model: 'sae-softmax', title: 'sparse autoencoder + softmax' },
] as const;

/** `npm start`: the main job, end to end on the real data with the honest protocol. */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'the main job: Random Forest and sparse autoencoder + softmax on NSL-KDD, official protocol (KDDTrain+ → KDDTest+, KDDTest-21), 5 classes, with HTML reports; then a forest trained on the IoT-23 Mirai conn log scores a shared packet capture and shows its alerts',
    )
    .option(
      '--data-dir <dir>',
      'where the dataset files are (then $IOT_IDS_DATA_DIR, then the per-user cache)',
    )
    .option('-o, --out <dir>', 'where the runs go', 'runs/demo')
    .option('-s, --seed <n>', 'seed', intOption('--seed'), 1)
    .addHelpText(
      'after',
      `
Examples:
  iot-ids demo                                   what \`npm start\` runs (a few minutes on 2 cores)
  IOT_IDS_DATA_DIR=../shared/data iot-ids demo -o runs/demo -s 2`,
    )
    .action(async (flags: { dataDir?: string; out: string; seed: number }) => {
      const { buildRunReport, writeReport } = await import('../../report/html-report.js');
      const { runTraining } = await import('../../train/run-training.js');
      const progress = terminalProgress();
      process.stdout.write(
        'iot-ids demo: NSL-KDD · 5class · official protocol (train KDDTrain+, test KDDTest+ and KDDTest-21)\n\n',
      );
      const results: Array<{ title: string; dir: string; result: RunResult; report: string }> = [];
      for (const { model, title } of DEMO_MODELS) {
        process.stderr.write(`\n— ${title} —\n`);
        const dir = join(flags.out, model);
        const result = await runTraining(
          {
            dataset: 'nsl-kdd',
            task: '5class',
            protocol: 'official',
            model,
            modelOptions: {},
            seed: flags.seed,
            out: dir,
            dataDir: flags.dataDir,
          },
          progress,
        );
        const report = (await writeReport(join(dir, 'report.html'), await buildRunReport(dir))).html;
        results.push({ title, dir, result, report });
      }
      for (const { title, result } of results)
        process.stdout.write(`\n${title}\n${formatSummaryTable(result.metrics)}\n`);
      process.stdout.write('\nOutputs:\n');
      for (const { title, dir, report } of results) {
        process.stdout.write(
          `  ${title}\n    report   ${report}\n    metrics  ${join(dir, 'metrics.json')}\n    model    ${join(dir, 'model')}\n`,
        );
      }
      const rf = results[0].result.metrics.splits['KDDTest+'];
      const sae = results[1].result.metrics.splits['KDDTest+'];
      process.stdout.write(
        `\nOn KDDTest+ the sparse autoencoder scores macro-F1 ${(sae.f1.macro * 100).toFixed(1)} % against the forest's ${(rf.f1.macro * 100).toFixed(1)} % (one seed; docs/results.md has mean ± std over seeds).\n`,
      );
      const { findDemoCapture, runCaptureDemo, DEMO_CAPTURE } = await import('../demo-capture.js');
      const capture = findDemoCapture(flags.dataDir);
      if (capture) {
        process.stderr.write('\n— traffic: IoT-23 conn log → a packet capture it never saw —\n');
        const text = await runCaptureDemo({
          out: flags.out,
          seed: flags.seed,
          dataDir: flags.dataDir,
          capture,
          progress,
        });
        process.stdout.write(`\nTraffic in: a real capture, scored connection by connection\n${text}\n`);
      } else {
        process.stdout.write(
          `\nTraffic part skipped: ${DEMO_CAPTURE} and the IoT-23 conn log were not found in the data directory (see README, Set up).\n`,
        );
      }
      process.stdout.write(
        `Next: open a report.html, \`iot-ids serve --model-dir ${join(flags.out, 'rf', 'model')}\` for live detection, or \`iot-ids --help\`.\n`,
      );
    });
}
