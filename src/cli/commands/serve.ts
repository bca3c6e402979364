import type { Command } from 'commander';
import { deprecatedModelOption, modelDirOption } from '../model-dir-option.js';
import { intOption } from '../parse-options.js';
import { alertWindowOption, syslogOption, webhookOption } from '../alert-options.js';
import { readThresholds } from '../read-thresholds.js';

interface ServeFlags {
  modelDir: string;
  host: string;
  port: number;
  tokenFile?: string;
  store: string;
  thresholds?: string;
  sourceField?: string;
  alertWindow: number;
  decoderThreads?: number;
  retainDays?: number;
  webhook: string[];
  syslog: string[];
  zeroDay?: boolean | string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'the detection service: POST /v1/detect, alerts (SQLite, SSE, WebSocket), /metrics, a live dashboard at /',
    )
    .addOption(modelDirOption())
    .addOption(deprecatedModelOption())
    .option('--host <address>', 'address to bind; anything but loopback needs --token-file', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', intOption('--port'), 8080)
    .option(
      '--token-file <file>',
      'file holding the bearer token clients must send (default: none, no token on loopback)',
    )
    .option('--store <file.db>', 'SQLite alert store (WAL)', 'alerts.db')
    .option('--thresholds <file.json>', 'per-class alert thresholds, e.g. {"dos": 0.9} (default: 0.5)')
    .option(
      '--zero-day [dir]',
      "also raise 'anomaly' alerts with the model's zero-day detector (<model>/zero-day, or dir; see `iot-ids zero-day`)",
    )
    .option(
      '--source-field <name>',
      'record field naming the traffic source for alert aggregation (default: client address)',
    )
    .addOption(alertWindowOption())
    .option(
      '--decoder-threads <n>',
      'worker threads that parse and validate request bodies; 0: on the event loop (default 1 with ≥ 2 cores)',
      intOption('--decoder-threads'),
    )
    .option(
      '--retain-days <n>',
      'delete alerts whose last record is older than n days, at start and hourly (default: keep all)',
      intOption('--retain-days'),
    )
    .addOption(webhookOption())
    .addOption(syslogOption())
    .addHelpText(
      'after',
      `
Examples:
  iot-ids serve --model-dir runs/rf-1/model                       dashboard on http://127.0.0.1:8080/
  iot-ids serve --model-dir runs/rf-1/model --host 0.0.0.0 --token-file token.txt --alert-window 300
  curl -s -H 'content-type: application/json' -d @records.json http://127.0.0.1:8080/v1/detect   (a JSON array)

SIGHUP reloads the model from --model-dir; SIGINT or SIGTERM stops the service.`,
    )
    .action(async (flags: ServeFlags) => {
      const { startServer } = await import('../../serve/server.js');
      const { openForwarders } = await import('../../alerts/alert-forwarder.js');
      const log = (message: string): void => void process.stderr.write(`${message}\n`);
      const forwarders = await openForwarders({ webhooks: flags.webhook, syslog: flags.syslog, log });
      const server = await startServer({
        forwarders,
        modelDir: flags.modelDir,
        host: flags.host,
        port: flags.port,
        tokenFile: flags.tokenFile,
        store: flags.store,
        thresholds: flags.thresholds ? await readThresholds(flags.thresholds) : undefined,
        sourceField: flags.sourceField,
        zeroDay: flags.zeroDay,
        alertWindowSeconds: flags.alertWindow,
        decoderThreads: flags.decoderThreads,
        retentionDays: flags.retainDays,
        log: (message) => process.stderr.write(`${message}\n`),
      });
      process.stderr.write(
        `iot-ids serving ${flags.modelDir} at ${server.url} (dashboard: ${server.url}/)\n`,
      );
      process.on('SIGHUP', () => {
        void server
          .reload()
          .then((result) =>
            process.stderr.write(
              result.ok
                ? `model reloaded: ${flags.modelDir}\n`
                : `reload refused, still serving the old model: ${result.error}\n`,
            ),
          );
      });
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void server.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
