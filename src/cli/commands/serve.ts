import type { Command } from 'commander';

import { intOption } from '../parse-options.js';
import { readThresholds } from '../read-thresholds.js';

interface ServeFlags {
  model: string;
  host: string;
  port: number;
  tokenFile?: string;
  store: string;
  thresholds?: string;
  sourceField?: string;
  alertWindow?: number;
  decoderThreads?: number;
  retainDays?: number;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'the detection service: POST /v1/detect, alerts (SQLite, SSE, WebSocket), /metrics, a live dashboard at /',
    )
    .requiredOption('--model <dir>', 'a saved model directory, e.g. runs/rf-1/model')
    .option('--host <address>', 'address to bind; anything but loopback needs --token-file', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', intOption('--port'), 8080)
    .option('--token-file <file>', 'file holding the bearer token clients must send')
    .option('--store <file.db>', 'SQLite alert store (WAL)', 'alerts.db')
    .option('--thresholds <file.json>', 'per-class alert thresholds, e.g. {"dos": 0.9} (default 0.5)')
    .option(
      '--source-field <name>',
      'record field naming the traffic source for alert aggregation (default: client address)',
    )
    .option(
      '--alert-window <seconds>',
      'alerts of one class and source within a window are folded into one',
      intOption('--alert-window'),
    )
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
    .action(async (flags: ServeFlags) => {
      const { startServer } = await import('../../serve/server.js');
      const server = await startServer({
        modelDir: flags.model,
        host: flags.host,
        port: flags.port,
        tokenFile: flags.tokenFile,
        store: flags.store,
        thresholds: flags.thresholds ? await readThresholds(flags.thresholds) : undefined,
        sourceField: flags.sourceField,
        alertWindowSeconds: flags.alertWindow,
        decoderThreads: flags.decoderThreads,
        retentionDays: flags.retainDays,
        log: (message) => process.stderr.write(`${message}\n`),
      });
      process.stderr.write(`iot-ids serving ${flags.model} at ${server.url} (dashboard: ${server.url}/)\n`);
      process.on('SIGHUP', () => {
        void server
          .reload()
          .then((result) =>
            process.stderr.write(
              result.ok
                ? `model reloaded: ${flags.model}\n`
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
