import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';

/**
 * A real Kafka-protocol broker for tests: librdkafka's mock cluster inside Debian's `kcat`, listening on a
 * random loopback port (../../../../shared/notes/kafka-test-broker.md). Everything lives in memory and goes
 * with the process. Topics are created on first use, always with 4 partitions.
 */
export interface MockBroker {
  /** `127.0.0.1:<port>` */
  brokers: string;
  /** Produces one message per line (`key\tvalue` lines with `keyed`), optionally compressed. */
  produce: (
    topic: string,
    lines: readonly string[],
    options?: { compression?: string; keyed?: boolean },
  ) => void;
  /** Freezes the broker process (SIGSTOP): it stops answering, connections stay open. */
  pause: () => void;
  /** Lets it run again (SIGCONT). */
  resume: () => void;
  stop: () => void;
}

/** Why real-broker tests cannot run here, or undefined when kcat is installed. */
export function kcatMissing(): string | undefined {
  const probe = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
  return probe.error ? `kcat is not installed (${probe.error.message}); apt-get install kcat` : undefined;
}

/** Starts the mock cluster and resolves once it listens (at most 10 s). */
export function startMockBroker(): Promise<MockBroker> {
  const child: ChildProcess = spawn(
    'kcat',
    ['-b', '127.0.0.1:1', '-X', 'test.mock.num.brokers=1', '-C', '-t', '_mock_keepalive', '-o', 'end', '-q'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kcat mock cluster did not start: ${log}`));
    }, 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kcat exited (${code}) before listening: ${log}`));
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      const brokers = /replaced with ([0-9.:,]+)/.exec(log)?.[1];
      if (brokers === undefined) return;
      clearTimeout(timer);
      child.stderr!.removeAllListeners('data');
      child.stderr!.resume();
      resolve({
        brokers,
        produce: (topic, lines, options = {}) => {
          const args = ['-P', '-b', brokers, '-t', topic];
          // One batch for all lines: librdkafka sends a batch uncompressed when compressing does not make it
          // smaller, which a lone small record (the first, sent early on a loaded machine) often is.
          if (options.compression) args.push('-z', options.compression, '-X', 'linger.ms=1000');
          if (options.keyed) args.push('-K', '\t');
          const result = spawnSync('kcat', args, {
            input: `${lines.join('\n')}\n`,
            encoding: 'utf8',
            timeout: 30_000,
          });
          if (result.status !== 0)
            throw new Error(`kcat produce failed (${result.status}): ${result.stderr}`);
        },
        pause: () => child.kill('SIGSTOP'),
        resume: () => child.kill('SIGCONT'),
        stop: () => {
          child.removeAllListeners('exit');
          child.kill('SIGCONT');
          child.kill('SIGKILL');
        },
      });
    });
  });
}

/** A consumer group's committed offset per partition of a topic, as the broker reports it. */
export async function committedOffsets(
  brokers: string,
  topic: string,
  group: string,
): Promise<Map<number, number>> {
  const admin = new Kafka({ brokers: [brokers], clientId: 'test-admin', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map(offsets.partitions.map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}
