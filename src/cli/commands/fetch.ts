import type { Command } from 'commander';
import { fetchDataset } from '../../data/fetch.js';
import { userCacheDir } from '../../data/locate.js';
import { resolveDataset } from '../../data/registry.js';

export function registerFetch(program: Command): void {
  program
    .command('fetch')
    .description("download a dataset into the per-user cache and verify every file's SHA-256")
    .argument('<dataset>', 'nsl-kdd, kdd99 or unsw-nb15')
    .option('--split <names...>', 'only these splits (default: every split of the dataset)')
    .option(
      '--cache-dir <dir>',
      'download here (default: the per-user cache: $IOT_IDS_CACHE_DIR, else $XDG_CACHE_HOME/iot-ids/data, else ~/.cache/iot-ids/data)',
    )
    .option(
      '--mirror <url>',
      'base URL of a mirror laid out like the cache (default: $IOT_IDS_MIRROR, else the original URLs)',
    )
    .option('--force', 'download again even when a verified copy is present')
    .addHelpText(
      'after',
      `
Examples:
  iot-ids fetch nsl-kdd
  iot-ids fetch kdd99 --split kddcup.data_10_percent corrected --cache-dir data/`,
    )
    .action(
      async (
        name: string,
        flags: { split?: string[]; cacheDir?: string; mirror?: string; force?: boolean },
      ) => {
        const dataset = await resolveDataset(name);
        const cacheDir = flags.cacheDir ?? userCacheDir();
        let lastShown = '';
        const results = await fetchDataset(dataset, {
          cacheDir,
          mirror: flags.mirror,
          splits: flags.split,
          force: flags.force,
          onProgress: (split, bytes, total) => {
            const line = `${split}: ${(bytes / 1e6).toFixed(1)} MB${total ? ` of ${(total / 1e6).toFixed(1)} MB` : ''}`;
            if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
            else if (split !== lastShown) process.stderr.write(`downloading ${split}\n`);
            lastShown = split;
          },
        });
        if (process.stderr.isTTY) process.stderr.write('\n');
        for (const r of results) {
          process.stdout.write(`✔ ${r.split}: ${r.status}, sha256 ${r.sha256.slice(0, 16)}… → ${r.path}\n`);
        }
      },
    );
}
