import type { Command } from 'commander';
import { usageError } from '../../errors.js';
import type { LivePcapSource } from '../../traffic/live/live-source.js';
import type { CaptureEvent } from '../../traffic/live/tcpdump-capture.js';
import { deprecatedModelOption, modelDirOption } from '../model-dir-option.js';
import { intOption, positiveNumberOption } from '../parse-options.js';
import { alertWindowOption } from '../alert-options.js';
import { readThresholds } from '../read-thresholds.js';

interface WatchFlags {
  interface?: string;
  filter?: string;
  netns?: string;
  input?: string;
  replay?: boolean;
  speed?: number;
  modelDir: string;
  store: string;
  host: string;
  port?: number;
  tokenFile?: string;
  thresholds?: string;
  alertWindow: number;
  interim: number;
  maxQueue?: number;
  zeroDay?: boolean | string;
  zeroDayThreshold?: number;
  warmup?: number;
  falseAlarmRate?: number;
  minAlerting?: number;
}

export function registerWatch(program: Command): void {
  program
    .command('watch')
    .description(
      'live detection: capture packets (tcpdump child), meter connections, score them and raise alerts into the store, streams, /metrics and dashboard',
    )
    .option(
      '--interface <if>',
      'capture on this interface through `tcpdump -U -w -` (this or --input is required)',
    )
    .option('--filter <bpf>', 'BPF filter for tcpdump, e.g. "not port 22"')
    .option('--netns <name>', 'run tcpdump inside this network namespace (ip netns exec; needs root)')
    .option('--input <file|->', '- reads a live pcap stream on stdin; a pcap file needs --replay')
    .option('--replay', 'replay --input at its recorded pace')
    .option('--speed <n>', 'replay n times faster (default: 1)', positiveNumberOption('--speed'))
    .addOption(
      modelDirOption(
        'a model trained on traffic features (conn or kdd-traffic), or a packet-ae model (scores every packet), e.g. runs/lab/model',
      ),
    )
    .addOption(deprecatedModelOption())
    .option('--store <file.db>', 'SQLite alert store (WAL)', 'alerts.db')
    .option(
      '--host <address>',
      'address of the API and dashboard; anything but loopback needs --token-file',
      '127.0.0.1',
    )
    .option(
      '--port <n>',
      'serve the API and dashboard on this port (default: a free loopback port; a packet-ae model serves them only with --port)',
      intOption('--port'),
    )
    .option(
      '--token-file <file>',
      'file holding the bearer token clients must send (default: none, no token on loopback)',
    )
    .option('--thresholds <file.json>', 'per-class alert thresholds, e.g. {"dos": 0.9} (default: 0.5)')
    .addOption(alertWindowOption())
    .option(
      '--interim <seconds>',
      'score open connections every n seconds too, so a flood alerts while it runs (0: only when they end)',
      (v) => Number(v),
      10,
    )
    .option(
      '--max-queue <records>',
      'records waiting to be scored at most; more are dropped and counted (default: 50000)',
      intOption('--max-queue'),
    )
    .option(
      '--zero-day [model-dir]',
      "also raise 'anomaly' alerts with the zero-day detector of --model-dir (or of this model directory, trained on the same features), as consume --zero-day does",
    )
    .option(
      '--zero-day-threshold <error>',
      'with --zero-day: the reconstruction error above which a record is anomalous, instead of the one saved with the detector (e.g. one set on benign validation hours)',
      positiveNumberOption('--zero-day-threshold'),
    )
    .option(
      '--warmup <seconds>',
      'packet-ae models: seconds of capture scored without alerting while the statistics fill (default 300)',
      (v) => Number(v),
    )
    .option(
      '--false-alarm-rate <p>',
      "packet-ae models: alert above the score of this tail of the model's fitted log-normal instead of the one it was trained with (e.g. 3.5e-9, chosen on benign validation traffic)",
      positiveNumberOption('--false-alarm-rate'),
    )
    .option(
      '--min-alerting <k>',
      'packet-ae models: a source alerts only once k of its packets in one alert window are over the threshold (default 1)',
      intOption('--min-alerting'),
    )
    .addHelpText(
      'after',
      `
Examples:
  sudo iot-ids watch --interface eth0 --filter "not port 22" --model-dir runs/lab/model --port 8080
  tcpdump -U -w - -i eth0 | iot-ids watch --input - --model-dir runs/lab/model
  iot-ids watch --input lab.pcap --replay --speed 4 --model-dir runs/lab/model --store replay.db`,
    )
    .action(async (flags: WatchFlags) => {
      const { limitHeapGrowth } = await import('../../serve/watch/heap-growth.js');
      limitHeapGrowth();
      const { checkInterim, startWatch } = await import('../../serve/watch/watch.js');
      const interim = checkInterim(flags.interim);
      const { isPacketAeModelDir } = await import('../../detection/detect-packets.js');
      if (await isPacketAeModelDir(flags.modelDir)) {
        const { watchPackets } = await import('./watch-packets.js');
        const log = (message: string): void => void process.stderr.write(`${message}\n`);
        const flowOnly = {
          '--thresholds': flags.thresholds !== undefined,
          '--max-queue': flags.maxQueue !== undefined,
          '--zero-day': flags.zeroDay !== undefined,
          '--zero-day-threshold': flags.zeroDayThreshold !== undefined,
          '--interim': interim !== 10,
        };
        return watchPackets({ ...flags, flowOnly }, await openSource(flags), log);
      }
      for (const [flag, value] of [
        ['--warmup', flags.warmup],
        ['--false-alarm-rate', flags.falseAlarmRate],
        ['--min-alerting', flags.minAlerting],
      ] as const) {
        if (value !== undefined) throw usageError(`${flag} goes with a packet-ae model`);
      }
      if (flags.zeroDayThreshold !== undefined && flags.zeroDay === undefined) {
        throw usageError('--zero-day-threshold goes with --zero-day');
      }
      const live = await openSource(flags);
      const { startServer } = await import('../../serve/server.js');
      const log = (message: string): void => void process.stderr.write(`${message}\n`);
      const server = await startServer({
        modelDir: flags.modelDir,
        host: flags.host,
        port: flags.port ?? 0,
        tokenFile: flags.tokenFile,
        store: flags.store,
        thresholds: flags.thresholds ? await readThresholds(flags.thresholds) : undefined,
        alertWindowSeconds: flags.alertWindow,
        log,
      });
      let watch;
      let zeroDayStore;
      let zeroDayDetector;
      try {
        let zeroDay;
        if (flags.zeroDay !== undefined) {
          const { loadZeroDay } = await import('../../models/zero-day/zero-day-dir.js');
          const { AlertStore } = await import('../../alerts/alert-store.js');
          const { ZeroDayAlerts } = await import('../../serve/watch/zero-day-alerts.js');
          const dir = typeof flags.zeroDay === 'string' ? flags.zeroDay : flags.modelDir;
          zeroDayDetector = await loadZeroDay(dir, server.slot.current.manifest);
          zeroDayStore = AlertStore.open(flags.store, { alertWindowSeconds: flags.alertWindow });
          zeroDay = new ZeroDayAlerts(zeroDayDetector, server.slot, zeroDayStore, {
            windowSeconds: flags.alertWindow,
            hub: server.hub,
            threshold: flags.zeroDayThreshold,
            metrics: server.metrics,
          });
        }
        watch = startWatch(live.source, server, {
          interimSeconds: interim,
          maxQueuedRecords: flags.maxQueue,
          zeroDay,
          log,
        });
      } catch (error) {
        zeroDayStore?.close();
        zeroDayDetector?.dispose();
        await live.source.stop();
        await server.close();
        throw error;
      }
      const stop = (): void => {
        log('stopping: flushing open connections');
        void watch.stop();
      };
      // Handlers before the "watching" line: a supervisor (or a test) may signal as soon as it reads it.
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      log(`iot-ids watching ${live.name} with ${flags.modelDir}; API and dashboard at ${server.url}/`);
      const totals = await watch.done;
      live.dispose();
      await server.close();
      zeroDayStore?.close();
      zeroDayDetector?.dispose();
      log(
        `watch ended: ${totals.packets} packets, ${totals.records} connection records (${totals.recordsScored} scored, ` +
          `${totals.recordsDropped} dropped by the queue), ${totals.alertingRecords} alerting records` +
          (zeroDayStore ? ` (${totals.anomalyRecords} of them zero-day anomalies)` : '') +
          (totals.streamErrors ? `, ${totals.streamErrors} capture stream error(s), see above` : ''),
      );
    });
}

async function openSource(flags: WatchFlags): Promise<{
  source: LivePcapSource;
  name: string;
  dispose: () => void;
}> {
  const chosen = [flags.interface !== undefined, flags.input !== undefined].filter(Boolean).length;
  if (chosen !== 1)
    throw usageError('watch needs exactly one of --interface IF and --input (- or a pcap with --replay)');
  if (flags.input !== undefined) {
    if (flags.filter !== undefined || flags.netns !== undefined)
      throw usageError('--filter and --netns go with --interface, not --input');
    if (flags.input === '-') {
      if (flags.replay) throw usageError('--replay needs a file, not stdin');
      const { StdinPcapSource } = await import('../../traffic/live/stdin-source.js');
      return { source: new StdinPcapSource(), name: 'stdin', dispose: () => {} };
    }
    if (!flags.replay)
      throw usageError(
        `--input ${flags.input}: a file is watched only with --replay (for offline scoring use detect or flows)`,
      );
    const { ReplayPcapSource } = await import('../../traffic/live/replay-source.js');
    return {
      source: new ReplayPcapSource(flags.input, flags.speed ?? 1),
      name: `${flags.input} (replay)`,
      dispose: () => {},
    };
  }
  if (flags.replay || flags.speed !== undefined)
    throw usageError('--replay and --speed go with --input FILE');
  const { TcpdumpCapture } = await import('../../traffic/live/tcpdump-capture.js');
  const capture = new TcpdumpCapture({
    interface: flags.interface as string,
    filter: flags.filter,
    netns: flags.netns,
  });
  capture.on('event', (event: CaptureEvent) => {
    if (event.type === 'exit' && !event.requested)
      process.stderr.write(
        `capture child exited (${event.signal ?? `code ${event.code}`}): ${event.stderrTail.at(-1) ?? ''}\n`,
      );
    else if (event.type === 'restart')
      process.stderr.write(`restarting the capture in ${event.delayMs} ms (attempt ${event.attempt})\n`);
    else if (event.type === 'gave-up')
      process.stderr.write(`capture gave up after ${event.restarts} restarts: ${event.reason}\n`);
    else if (event.type === 'listening')
      process.stderr.write(`capture listening (stream ${event.generation})\n`);
  });
  // Kernel drop counts arrive when tcpdump is asked for them.
  const statsTimer = setInterval(() => capture.requestStats(), 5000);
  statsTimer.unref();
  const name = `${flags.interface}${flags.netns ? ` in netns ${flags.netns}` : ''}`;
  return { source: capture, name, dispose: () => clearInterval(statsTimer) };
}
