import type { Command } from 'commander';
import { usageError } from '../../errors.js';
import { intOption, positiveNumberOption } from '../parse-options.js';
import { requiredOption } from '../required-options.js';
import { terminalProgress } from '../terminal-progress.js';

interface FlowsFlags {
  input: string;
  out?: string;
  features?: string;
  format?: string;
  outputFormat?: string;
  tcpTimeout?: number;
  udpTimeout?: number;
  maxConnections?: number;
  summary?: string;
}

const FORMATS = ['pcap', 'pcapng', 'zeek-tsv', 'zeek-json', 'eve', 'argus', 'nfdump'];

export function registerFlows(program: Command): void {
  program
    .command('flows')
    .description(
      'turn a packet capture or flow log into connection records (Zeek conn.log fields), optionally with features',
    )
    .addOption(
      requiredOption(
        '-i, --input <file|->',
        'pcap, pcapng, Zeek conn.log (TSV or JSON), Suricata eve.json, Argus or nfdump CSV; gzip or plain; - reads stdin',
      ),
    )
    .option('-o, --out <file>', 'output file, .ndjson or .csv (default: NDJSON on stdout)')
    .option(
      '--features <set>',
      'add features: conn (native) or kdd-traffic (KDD basic, time and host windows) (default: none, the connection fields only)',
    )
    .option('--format <format>', `force the input format (${FORMATS.join(', ')}; default: detected)`)
    .option('--output-format <ndjson|csv>', 'default: from the --out extension, else ndjson')
    .option(
      '--tcp-timeout <s>',
      'captures: TCP inactivity timeout in seconds (default: 300, as Zeek)',
      positiveNumberOption('--tcp-timeout'),
    )
    .option(
      '--udp-timeout <s>',
      'captures: UDP and ICMP inactivity timeout in seconds (default: 60, as Zeek)',
      positiveNumberOption('--udp-timeout'),
    )
    .option(
      '--max-connections <n>',
      'captures: most open connections kept; the oldest is ended and counted beyond it (default: 500000)',
      intOption('--max-connections'),
    )
    .option('--summary <file.json>', 'also write the summary as JSON')
    .addHelpText(
      'after',
      `
Examples:
  iot-ids flows -i capture.pcapng -o conns.ndjson
  iot-ids flows -i conn.log.gz --features kdd-traffic -o features.csv
  tcpdump -w - -i eth0 -c 10000 | iot-ids flows -i - --features conn`,
    )
    .action(async (flags: FlowsFlags) => {
      const { isFeatureSetName } = await import('../../traffic/features/feature-set.js');
      const { isTrafficFormat } = await import('../../traffic/connection-source.js');
      if (flags.features !== undefined && !isFeatureSetName(flags.features))
        throw usageError(`--features must be conn or kdd-traffic, not "${flags.features}"`);
      if (flags.format !== undefined && !isTrafficFormat(flags.format))
        throw usageError(`--format must be one of ${FORMATS.join(', ')}, not "${flags.format}"`);
      const outputFormat =
        flags.outputFormat ?? (flags.out?.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson');
      if (outputFormat !== 'csv' && outputFormat !== 'ndjson')
        throw usageError(`--output-format must be ndjson or csv, not "${outputFormat}"`);
      const { readConnections, formatTrafficSummary } = await import('../../traffic/read-connections.js');
      const { writeFlows } = await import('../../traffic/write-flows.js');
      const { openFileOutput, streamOutput } = await import('../../detection/text-output.js');
      const progress = terminalProgress();
      progress.start(`read ${flags.input === '-' ? 'stdin' : flags.input}`, undefined, 'connections');
      const { records, summary } = await readConnections(flags.input, {
        format: flags.format,
        meter: {
          tcpTimeout: flags.tcpTimeout,
          udpTimeout: flags.udpTimeout,
          icmpTimeout: flags.udpTimeout,
          maxConnections: flags.maxConnections,
        },
        onProgress: (n) => progress.update(n, undefined, `${n} connections`),
      });
      progress.finish(`${records.length} connections`);
      const output = flags.out ? await openFileOutput(flags.out) : streamOutput(process.stdout);
      try {
        await writeFlows(records, output, {
          features: flags.features,
          format: outputFormat,
        });
        await output.commit();
      } catch (error) {
        await output.abort();
        throw error;
      }
      process.stderr.write(`${formatTrafficSummary(summary)}\n→ ${output.name}\n`);
      if (flags.summary) {
        const { writeJsonAtomic } = await import('../../util/atomic-write.js');
        await writeJsonAtomic(flags.summary, {
          ...summary,
          output: output.name,
          features: flags.features ?? null,
        });
      }
    });
}
