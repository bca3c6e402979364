import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StdinPcapSource } from './stdin-source.js';
import type { CaptureRun } from './live-source.js';
import { tcpdumpCommand, TcpdumpCapture, type CaptureEvent } from './tcpdump-capture.js';
import { PassThrough, type Readable } from 'node:stream';

/** A pcap global header (little-endian, microseconds, EN10MB), as tcpdump -w - writes first. */
const PCAP_HEADER =
  '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00' + '\\x00'.repeat(8) + '\\x00\\x00\\x04\\x00\\x01\\x00\\x00\\x00';

/** A fake capture child: writes a pcap header, then behaves as `behaviour` says. */
function fakeChild(behaviour: string): { file: string; args: string[] } {
  const script = `process.stdout.write(Buffer.from('${PCAP_HEADER}', 'latin1')); ${behaviour}`;
  return { file: process.execPath, args: ['-e', script] };
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function drain(source: { runs(): AsyncIterable<CaptureRun> }): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const run of source.runs()) out.push(await collect(run.stream));
  return out;
}

describe('tcpdumpCommand', () => {
  it('runs tcpdump packet-buffered to stdout, with the filter as one argument, optionally in a namespace', () => {
    expect(tcpdumpCommand({ interface: 'eth0', filter: 'tcp port 1883' })).toEqual({
      file: 'tcpdump',
      args: ['-U', '-w', '-', '-i', 'eth0', '-B', '32768', 'tcp port 1883'],
    });
    expect(tcpdumpCommand({ interface: 'lo', netns: 'lab', immediate: true })).toEqual({
      file: 'ip',
      args: [
        'netns',
        'exec',
        'lab',
        'tcpdump',
        '-U',
        '-w',
        '-',
        '-i',
        'lo',
        '-B',
        '32768',
        '--immediate-mode',
      ],
    });
  });

  it('refuses interface and namespace names that are not names', () => {
    expect(() => tcpdumpCommand({ interface: 'lo; rm -rf /' })).toThrow(/invalid interface name/);
    expect(() => tcpdumpCommand({ interface: 'lo', netns: '../x' })).toThrow(/invalid network namespace/);
  });
});

describe('TcpdumpCapture with a fake child', () => {
  it('reports each exit with its statistics, restarts with exponential backoff, and gives up at the bound', async () => {
    const capture = new TcpdumpCapture({
      interface: 'unused',
      command: fakeChild(
        "process.stderr.write('5 packets captured\\n10 packets received by filter\\n2 packets dropped by kernel\\n'); process.exitCode = 1;",
      ),
      backoff: { initialMs: 10, factor: 2, maxMs: 35, maxRestarts: 3, resetAfterMs: 60_000 },
    });
    const events: CaptureEvent[] = [];
    capture.on('event', (e: CaptureEvent) => events.push(e));
    const streams = await drain(capture);

    expect(streams).toHaveLength(4);
    for (const s of streams) expect(s.length).toBe(24);
    const exits = events.filter((e) => e.type === 'exit');
    expect(exits.map((e) => [e.generation, e.code, e.requested])).toEqual([
      [0, 1, false],
      [1, 1, false],
      [2, 1, false],
      [3, 1, false],
    ]);
    expect(exits[0].stats).toEqual({
      captured: 5,
      receivedByFilter: 10,
      droppedByKernel: 2,
      droppedByInterface: 0,
    });
    expect(events.filter((e) => e.type === 'restart').map((e) => e.delayMs)).toEqual([10, 20, 35]);
    expect(events.at(-1)).toMatchObject({ type: 'gave-up', restarts: 3 });
    const health = capture.health();
    expect(health).toMatchObject({ running: false, restarts: 3, generation: 3, bytes: 96 });
    expect(health.stats).toEqual({
      captured: 20,
      receivedByFilter: 40,
      droppedByKernel: 8,
      droppedByInterface: 0,
    });
    expect(health.lastError).toMatch(/code 1.*dropped by kernel/);
  });

  it('starts the backoff afresh after a child that ran long enough', async () => {
    const capture = new TcpdumpCapture({
      interface: 'unused',
      command: fakeChild('process.exitCode = 3;'),
      backoff: { initialMs: 5, factor: 3, maxRestarts: 2, resetAfterMs: 0 },
    });
    const delays: number[] = [];
    capture.on('event', (e: CaptureEvent) => {
      if (e.type === 'restart') delays.push(e.delayMs);
      if (e.type === 'restart' && delays.length === 4) void capture.stop();
    });
    await drain(capture);
    expect(delays).toEqual([5, 5, 5, 5]);
  });

  it('reports a child that cannot be started, and retries it within the bound', async () => {
    const capture = new TcpdumpCapture({
      interface: 'unused',
      command: { file: '/nonexistent/tcpdump', args: [] },
      backoff: { initialMs: 1, maxRestarts: 1 },
    });
    const events: CaptureEvent[] = [];
    capture.on('event', (e: CaptureEvent) => events.push(e));
    await drain(capture);
    expect(events.filter((e) => e.type === 'exit').map((e) => e.type === 'exit' && e.error)).toEqual([
      expect.stringMatching(/ENOENT/),
      expect.stringMatching(/ENOENT/),
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'gave-up' });
  });

  it('stops on abort with SIGTERM: the child reports its statistics, nothing restarts, the runs end', async () => {
    const abort = new AbortController();
    const capture = new TcpdumpCapture({
      interface: 'unused',
      signal: abort.signal,
      command: fakeChild(
        [
          "process.on('SIGUSR1', () => process.stderr.write('tcpdump: 7 packets captured, 9 packets received by filter, 0 packets dropped by kernel\\n'));",
          "process.on('SIGTERM', () => { process.stderr.write('8 packets captured\\n9 packets received by filter\\n0 packets dropped by kernel\\n'); process.exit(0); });",
          "process.stderr.write('listening on lo\\n'); setInterval(() => {}, 1000);",
        ].join(' '),
      ),
    });
    const events: CaptureEvent[] = [];
    capture.on('event', (e: CaptureEvent) => {
      events.push(e);
      if (e.type === 'listening') capture.requestStats();
      if (e.type === 'stats' && e.stats.captured === 7) abort.abort();
    });
    const streams = await drain(capture);
    expect(streams).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(['started', 'listening', 'stats', 'stats', 'exit']);
    expect(events.at(-1)).toMatchObject({ type: 'exit', requested: true, code: 0, stats: { captured: 8 } });
    expect(capture.health()).toMatchObject({ running: false, restarts: 0, lastError: null });
    await capture.stop(); // idempotent
  });
});

describe('StdinPcapSource', () => {
  it('yields the one input stream, counts its bytes, and ends with it', async () => {
    const input = new PassThrough();
    const source = new StdinPcapSource(input);
    input.end(Buffer.alloc(100, 1));
    const streams = await drain(source);
    expect(streams.map((s) => s.length)).toEqual([100]);
    expect(source.health()).toMatchObject({ kind: 'stdin', running: false, bytes: 100, lastError: null });
  });

  it('reports a failed input stream', async () => {
    const input = new PassThrough();
    const source = new StdinPcapSource(input);
    const runs = source.runs()[Symbol.asyncIterator]();
    const first = await runs.next();
    input.destroy(new Error('cut'));
    await expect(collect((first.value as CaptureRun).stream)).rejects.toThrow(/cut/);
    expect(source.health().lastError).toMatch(/input stream failed: cut/);
  });
});

// The real thing: tcpdump in a namespace of the test's own, capturing the test's own loopback packets.
const liveSkip =
  process.getuid?.() !== 0
    ? 'needs root for a network namespace'
    : spawnSync('sh', ['-c', 'command -v tcpdump']).status !== 0
      ? 'tcpdump is not installed'
      : spawnSync('ip', ['netns', 'add', `iotids-live-probe-${process.pid}`]).status !== 0
        ? 'network namespaces are not permitted here'
        : null;
if (liveSkip === null) spawnSync('ip', ['netns', 'del', `iotids-live-probe-${process.pid}`]);
else console.warn(`live tcpdump capture test skipped: ${liveSkip}`);

describe.skipIf(liveSkip !== null)('TcpdumpCapture on a namespace loopback', () => {
  const ns = `iotids-live-test-${process.pid}`;
  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
  });
  afterAll(() => {
    spawnSync('ip', ['netns', 'del', ns]);
  });

  it("captures the packets sent inside the namespace and reports tcpdump's counts at stop", async () => {
    const capture = new TcpdumpCapture({
      interface: 'lo',
      netns: ns,
      filter: 'udp port 9999',
      immediate: true,
    });
    const events: CaptureEvent[] = [];
    let sent = false;
    capture.on('event', (e: CaptureEvent) => {
      events.push(e);
      if (e.type === 'listening' && !sent) {
        sent = true;
        // Five datagrams on the namespace's loopback, plus one to another port that the filter drops.
        const send =
          "const s=require('dgram').createSocket('udp4');let n=0;" +
          "const go=()=>{if(n<5){n++;s.send('hello',9999,'127.0.0.10',go);}else s.send('x',9998,'127.0.0.10',()=>s.close());};go();";
        execFileSync('ip', ['netns', 'exec', ns, process.execPath, '-e', send]);
        setTimeout(() => void capture.stop(), 300);
      }
    });
    const [bytes] = await drain(capture);
    expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
    // Walk the records: 16-byte record header with the captured length at offset 8.
    let records = 0;
    for (let at = 24; at + 16 <= bytes.length; at += 16 + bytes.readUInt32LE(at + 8)) records++;
    expect(records).toBe(5);
    const exit = events.find((e) => e.type === 'exit');
    expect(exit).toMatchObject({ requested: true, stats: { captured: 5, droppedByKernel: 0 } });
    expect(capture.health().bytes).toBe(bytes.length);
  });
});
