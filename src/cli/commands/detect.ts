import { Option, type Command } from 'commander';
import type { DetectSummary } from '../../detection/detect-file.js';
import { terminalProgress } from '../terminal-progress.js';
import { intOption } from '../parse-options.js';
import { deprecatedModelOption, modelDirOption } from '../model-dir-option.js';
import { requiredOption } from '../required-options.js';
import { DEFAULT_BATCH_ROWS } from '../../detection/record-batches.js';
import { readThresholds } from '../read-thresholds.js';
import { formatTrafficSummary } from '../../traffic/read-connections.js';

interface DetectFlags {
  modelDir: string;
  input: string;
  dataset?: string;
  out?: string;
  /** Deprecated spelling of --out. */
  output?: string;
  batchRows?: number;
  thresholds?: string;
  summary?: string;
  format?: string;
  features?: string;
  zeroDay?: boolean | string;
}

export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description(
      'score flow records from a file or stdin with a saved model; NDJSON predictions out, bad lines reported',
    )
    .addOption(modelDirOption())
    .addOption(deprecatedModelOption())
    .addOption(
      requiredOption(
        '-i, --input <file|->',
        'CSV (gzip or plain) with or without the label column; for a traffic model (conn or kdd-traffic ' +
          'features) a pcap, pcapng, Zeek conn.log (TSV or JSON), eve.json, Argus or nfdump CSV; - reads stdin',
      ),
    )
    .option(
      '--format <format>',
      'traffic models: force the input format (pcap, zeek-tsv, …; default: detected)',
    )
    .option(
      '--features <set>',
      'traffic models: the feature set the input should get (conn or kdd-traffic); refused unless it is the model’s',
    )
    .option(
      '-d, --dataset <name|schema.json>',
      'layout of the input (default: the schema stored with the model; a -d that contradicts it is an error)',
    )
    .option(
      '-o, --out <file>',
      'NDJSON predictions {line, label, probability, probabilities, alert}; for a packet-ae model one line per packet {frame, ts, src, dst, score, alert} (default: stdout)',
    )
    .addOption(new Option('--output <file>', 'deprecated: use -o/--out').hideHelp())
    .option(
      '--batch-rows <n>',
      `records scored per batch (default: ${DEFAULT_BATCH_ROWS})`,
      intOption('--batch-rows'),
    )
    .option(
      '--thresholds <file.json>',
      'per-class alert thresholds, e.g. {"dos": 0.9, "u2r": 0.3} (default 0.5)',
    )
    .option('--summary <file.json>', 'also write the summary as JSON')
    .option(
      '--zero-day [dir]',
      "also raise 'anomaly' alerts with the model's zero-day detector (<model>/zero-day, or dir; see `iot-ids zero-day`)",
    )
    .addHelpText(
      'after',
      `
Examples:
  iot-ids detect --model-dir runs/rf-1/model -i flows.csv -o predictions.ndjson
  zcat flows.csv.gz | iot-ids detect --model-dir runs/rf-1/model -i - --thresholds thresholds.json
  iot-ids detect --model-dir runs/iot23/model -i capture.pcap -o conns.ndjson --summary summary.json
  iot-ids detect --model-dir runs/rf-1/model -i flows.csv --zero-day

Exits 1 when not one input record could be scored (every line rejected): the reasons are printed.`,
    )
    .action(async (flags: DetectFlags) => {
      if (flags.output !== undefined) {
        process.stderr.write('warning: --output is deprecated; use -o/--out\n');
        flags.out ??= flags.output;
      }
      const packets = await import('../../detection/detect-packets.js');
      if (await packets.isPacketAeModelDir(flags.modelDir)) {
        const unused = (
          [
            ['--format', flags.format],
            ['--features', flags.features],
            ['--dataset', flags.dataset],
            ['--thresholds', flags.thresholds],
            ['--batch-rows', flags.batchRows],
            ['--zero-day', flags.zeroDay],
          ] as const
        ).filter(([, v]) => v !== undefined);
        if (unused.length) {
          const { usageError } = await import('../../errors.js');
          throw usageError(
            `${unused.map(([name]) => name).join(', ')}: not used by a packet-ae model (it reads pcap or pcapng and keeps its fitted threshold)`,
          );
        }
        const summary = await packets.detectPackets({
          modelDir: flags.modelDir,
          input: flags.input,
          output: flags.out,
        });
        process.stderr.write(`${packets.formatPacketSummary(summary)}\n`);
        if (flags.summary) {
          const { writeJsonAtomic } = await import('../../util/atomic-write.js');
          await writeJsonAtomic(flags.summary, summary);
        }
        return;
      }
      const { detectFile } = await import('../../detection/detect-file.js');
      const { isTrafficFormat } = await import('../../traffic/connection-source.js');
      if (flags.format !== undefined && !isTrafficFormat(flags.format)) {
        const { usageError } = await import('../../errors.js');
        throw usageError(
          `--format must be one of pcap, pcapng, zeek-tsv, zeek-json, eve, argus, nfdump, not "${flags.format}"`,
        );
      }
      const thresholds = flags.thresholds ? await readThresholds(flags.thresholds) : undefined;
      const progress = terminalProgress();
      progress.start(`detect ${flags.input === '-' ? 'stdin' : flags.input}`, undefined, 'records');
      const summary = await detectFile({
        modelDir: flags.modelDir,
        input: flags.input,
        dataset: flags.dataset,
        output: flags.out,
        batchRows: flags.batchRows,
        thresholds,
        format: flags.format,
        features: flags.features,
        zeroDay: flags.zeroDay,
        onProgress: (p) =>
          progress.update(p.bytesRead, p.totalBytes, `${p.records} records, ${p.alerts} alerts`),
      });
      progress.finish(`${summary.records} records, ${summary.alerts} alerts, ${summary.rejected} rejected`);
      process.stderr.write(`${formatDetectSummary(summary)}\n`);
      if (flags.summary) {
        const { writeJsonAtomic } = await import('../../util/atomic-write.js');
        await writeJsonAtomic(flags.summary, summary);
      }
    });
}

export function formatDetectSummary(s: DetectSummary): string {
  const lines = [
    ...(s.traffic ? [formatTrafficSummary(s.traffic), `features: ${s.featureSet}`] : []),
    `${s.records.toLocaleString('en-US')} records scored in ${s.seconds.toFixed(2)} s (${Math.round(s.recordsPerSecond).toLocaleString('en-US')} records/s) → ${s.output}`,
    `alerts: ${s.alerts.toLocaleString('en-US')}${
      Object.keys(s.alertsByLabel).length
        ? ` (${Object.entries(s.alertsByLabel)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')})`
        : ''
    }`,
    `predicted: ${
      Object.entries(s.byLabel)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'nothing'
    }`,
  ];
  if (s.rejected) {
    lines.push(
      `rejected lines: ${s.rejected} (${Object.entries(s.rejectedByReason)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
    );
    for (const r of s.rejectedExamples.slice(0, 5)) {
      lines.push(
        `  line ${r.line}${r.field ? `, field "${r.field}"` : ''}: ${r.reason}${r.detail ? ` (${r.detail})` : ''}`,
      );
    }
  }
  return lines.join('\n');
}
