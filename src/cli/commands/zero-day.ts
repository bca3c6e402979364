import type { Command } from 'commander';

import { deprecatedModelOption, modelDirOption } from '../model-dir-option.js';
import { intOption, positiveNumberOption } from '../parse-options.js';
import { terminalProgress } from '../terminal-progress.js';

export function registerZeroDay(program: Command): void {
  program
    .command('zero-day')
    .description(
      "train the zero-day anomaly detector of a saved model: an autoencoder on the training split's normal rows, thresholded at a validation false-positive rate",
    )
    .addOption(
      modelDirOption(
        'a trained model directory, e.g. runs/rf-1/model; the detector goes into its zero-day/ folder',
      ),
    )
    .addOption(deprecatedModelOption())
    .option(
      '--fpr <rate>',
      'false-positive rate on validation normal traffic (default: 0.01)',
      positiveNumberOption('--fpr'),
    )
    // The anomaly detector's module loads TF.js, so its default is written here; zero-day.test.ts checks it.
    .option('--epochs <n>', 'maximum autoencoder epochs (default: 50)', intOption('--epochs'))
    .option('-s, --seed <n>', "seed (default: the model's)", intOption('--seed'))
    .option(
      '--data-dir <dir>',
      'where the dataset files are (then $IOT_IDS_DATA_DIR, then the per-user cache)',
    )
    .addHelpText(
      'after',
      `
Examples:
  iot-ids zero-day --model-dir runs/rf-1/model
  iot-ids zero-day --model-dir runs/rf-1/model --fpr 0.001 -s 2

Then \`consume --zero-day\` raises 'anomaly' alerts with it.`,
    )
    .action(
      async (flags: { modelDir: string; fpr?: number; epochs?: number; seed?: number; dataDir?: string }) => {
        const { trainZeroDay } = await import('../../train/train-zero-day.js');
        const { progressCallback } = await import('../../fit/progress-callback.js');
        const progress = terminalProgress();
        const result = await trainZeroDay({
          modelDir: flags.modelDir,
          dataDir: flags.dataDir,
          falsePositiveRate: flags.fpr,
          seed: flags.seed,
          detector: flags.epochs !== undefined ? { epochs: flags.epochs } : undefined,
          callbacks: [progressCallback(progress)],
          progress,
        });
        process.stdout.write(
          `zero-day detector: ${result.dir} (trained on ${result.trainRows} normal rows, threshold from ${result.validationRows} validation normal rows, ${result.trainSeconds.toFixed(1)} s)\n`,
        );
        try {
          // Its detection figures on the model's own test rows (they set nothing, they only measure).
          const { zeroDayTestFigures, formatZeroDayFigures } =
            await import('../../train/zero-day-figures.js');
          const figures = await zeroDayTestFigures(flags.modelDir, result.detector, {
            dataDir: flags.dataDir,
            progress,
          });
          const { readModelDir } = await import('../../models/model-dir.js');
          const { manifest } = await readModelDir(flags.modelDir);
          process.stdout.write(
            figures
              ? `${formatZeroDayFigures(figures, manifest.kind)}\n`
              : 'no test split for this model: no detection figures\n',
          );
        } finally {
          result.detector.dispose();
        }
      },
    );
}
