import cliProgress from 'cli-progress';
import type { ProgressReporter } from '../util/progress-reporter.js';

/**
 * Progress on stderr: a live bar on a terminal; on a pipe or in CI, one line when a stage starts and one when
 * it ends (plus a line every 25 %), so logs stay readable.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  return stream.isTTY ? barProgress(stream) : lineProgress(stream);
}

function barProgress(stream: NodeJS.WriteStream): ProgressReporter {
  let bar: cliProgress.SingleBar | undefined;
  let stage = '';
  let startedAt = 0;
  return {
    start(name, total) {
      bar?.stop();
      stage = name;
      startedAt = performance.now();
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: `${name.padEnd(28).slice(0, 28)} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} {detail}`,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total ?? 1, 0, { detail: '' });
    },
    update(done, total, detail) {
      if (!bar) return;
      if (total !== undefined) bar.setTotal(total);
      bar.update(done, { detail: detail ?? '' });
    },
    finish(summary) {
      bar?.stop();
      bar = undefined;
      const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
      stream.write(`✔ ${stage} (${seconds} s)${summary ? `: ${summary}` : ''}\n`);
    },
    note(message) {
      stream.write(`  ${message}\n`);
    },
  };
}

function lineProgress(stream: NodeJS.WriteStream): ProgressReporter {
  let stage = '';
  let startedAt = 0;
  let nextQuarter = 0.25;
  return {
    start(name) {
      stage = name;
      startedAt = performance.now();
      nextQuarter = 0.25;
      stream.write(`… ${name}\n`);
    },
    update(done, total, detail) {
      if (!total) return;
      if (done / total >= nextQuarter && done < total) {
        stream.write(`  ${stage}: ${Math.floor((done / total) * 100)}%${detail ? ` ${detail}` : ''}\n`);
        while (done / total >= nextQuarter) nextQuarter += 0.25;
      }
    },
    finish(summary) {
      const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
      stream.write(`✔ ${stage} (${seconds} s)${summary ? `: ${summary}` : ''}\n`);
    },
    note(message) {
      stream.write(`  ${message}\n`);
    },
  };
}
