import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../../errors.js';
import { readFlowLog } from './read-flow-log.js';
import type { FlowLogFormat } from './traffic-format.js';

/**
 * Mutates small flow logs (our own fixtures, plus the first lines of each shared log when present) into
 * 5,000 inputs: every one must either give records with every line accounted for (records + header lines +
 * skipped = lines, each skip with a reason and a `line N` position) or fail with an IotIdsError — never
 * another exception, never a hang.
 */
const INPUTS = 5_000;

const ZEEK_HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents   label   detailed-label',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]   string   string',
];
const zeekRow = (i: number): string =>
  `${1545403816 + i}.5\tC${i}\t192.168.1.${i}\t${40000 + i}\t10.0.0.${i}\t${[80, 23, 53][i % 3]}\t${i % 3 === 2 ? 'udp' : 'tcp'}\t-\t${i / 7}\t${i}\t-\tS0\t-\t-\t0\tS\t${i + 1}\t60\t0\t0\t-   Malicious   C&C`;

const FIXTURES: { format: FlowLogFormat; text: string }[] = [
  {
    format: 'zeek-tsv',
    text: [...ZEEK_HEADER, ...Array.from({ length: 12 }, (_, i) => zeekRow(i)), '#close\tx'].join('\n'),
  },
  {
    format: 'zeek-json',
    text: Array.from({ length: 12 }, (_, i) =>
      JSON.stringify({
        ts: 1.5 + i,
        uid: `C${i}`,
        'id.orig_h': 'a',
        'id.orig_p': i,
        'id.resp_h': 'b',
        'id.resp_p': 80,
        proto: 'tcp',
        duration: i / 3,
        orig_bytes: i,
        orig_pkts: 2,
      }),
    ).join('\n'),
  },
  {
    format: 'eve',
    text: Array.from({ length: 12 }, (_, i) =>
      JSON.stringify({
        event_type: i % 4 === 0 ? 'alert' : 'flow',
        src_ip: 'a',
        src_port: i,
        dest_ip: 'b',
        dest_port: 80,
        proto: 'TCP',
        flow: {
          pkts_toserver: 2,
          pkts_toclient: 1,
          bytes_toserver: 120,
          bytes_toclient: 60,
          start: '2021-06-06T17:34:31.140759+0200',
          end: '2021-06-06T17:34:32+0200',
        },
        tcp: { tcp_flags_ts: '1b', tcp_flags_tc: '12' },
      }),
    ).join('\n'),
  },
  {
    format: 'argus',
    text: [
      'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,SrcPkts,Label',
      ...Array.from(
        { length: 12 },
        (_, i) =>
          `2019/04/04 16:23:0${i % 10}.325010,0.02,${i % 2 ? 'tcp' : 'udp'},10.8.0.69,${48000 + i},  <->,8.8.8.8,53,${i % 2 ? 'SPA_SRPA' : 'CON'},0,0,2,142,63,1,`,
      ),
    ].join('\n'),
  },
  {
    format: 'nfdump',
    text: [
      'ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt',
      ...Array.from(
        { length: 12 },
        (_, i) =>
          `2018-01-12 15:37:3${i % 10},2018-01-12 15:37:30,0.000,147.32.80.119,147.32.82.62,${52000 + i},902,TCP,......S.,0,0,1,60,0,0`,
      ),
      'Summary',
      'flows,bytes,packets,avg_bps,avg_pps,avg_bpp',
      '12,720,12,0,0,60',
    ].join('\n'),
  },
];

const repo = resolve(import.meta.dirname, '../../..');
const traffic = join(resolve(repo, process.env.IOT_IDS_DATA_DIR ?? '../shared/data'), 'traffic');
const SHARED: [string, FlowLogFormat][] = [
  ['iot-23/CTU-IoT-Malware-Capture-34-1.conn.log.labeled.gz', 'zeek-tsv'],
  ['slips/test9-mixed-zeek-dir_conn.log.gz', 'zeek-json'],
  ['slips/test10-mixed-zeek-dir_conn.log.gz', 'zeek-tsv'],
  ['slips/test18-malicious-ctu-sme-11-win_zeek-labeled_conn.log.labeled.gz', 'zeek-tsv'],
  ['slips/test6-malicious.suricata.json.gz', 'eve'],
  ['slips/test2-malicious.binetflow.gz', 'argus'],
];
const seeds = [...FIXTURES];
for (const [file, format] of SHARED) {
  const path = join(traffic, file);
  if (!existsSync(path)) continue;
  const text = gunzipSync(readFileSync(path)).toString('utf8').split('\n').slice(0, 40).join('\n');
  seeds.push({ format, text });
}
if (seeds.length === FIXTURES.length)
  console.log(`fuzz.test: shared logs absent under ${traffic}; fuzzing own fixtures only`);

/** mulberry32: a small seeded generator, so a failure can be replayed by its input number. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GARBAGE = [
  '-',
  '(empty)',
  '',
  'NaN',
  '-1',
  '1e999',
  '99999999999999999999',
  'x',
  '\u00ff',
  '0x',
  '{}',
  '"',
  '\t',
  '   ',
  '\\x09',
];
const JUNK = [0x00, 0xff, 0xfe, 0x09, 0x0a, 0x0d, 0x23, 0x7b, 0x2c, 0x22, 0x20, 0xc3];

function mutate(seed: Buffer, rnd: () => number): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  let bytes = Buffer.from(seed);
  const steps = 1 + Math.floor(rnd() * 3);
  for (let s = 0; s < steps; s++) {
    const lines = bytes.toString('latin1').split('\n');
    const li = Math.floor(rnd() * lines.length);
    switch (Math.floor(rnd() * 9)) {
      case 0: // flip a byte
        if (bytes.length > 0) bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
        break;
      case 1: // delete a line
        lines.splice(li, 1);
        bytes = Buffer.from(lines.join('\n'), 'latin1');
        break;
      case 2: // duplicate a line
        lines.splice(li, 0, lines[li]);
        bytes = Buffer.from(lines.join('\n'), 'latin1');
        break;
      case 3: // truncate
        bytes = bytes.subarray(0, Math.floor(rnd() * bytes.length));
        break;
      case 4: {
        // insert junk bytes
        const at = Math.floor(rnd() * (bytes.length + 1));
        const junk = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(JUNK)));
        bytes = Buffer.concat([bytes.subarray(0, at), junk, bytes.subarray(at)]);
        break;
      }
      case 5: {
        // replace one field of a line with garbage
        const sep = lines[li].includes('\t') ? '\t' : lines[li].includes('","') ? '","' : ',';
        const fields = lines[li].split(sep);
        fields[Math.floor(rnd() * fields.length)] = pick(GARBAGE);
        lines[li] = fields.join(sep);
        bytes = Buffer.from(lines.join('\n'), 'latin1');
        break;
      }
      case 6: // drop or add a field
        lines[li] =
          rnd() < 0.5
            ? lines[li].replace(/[\t,][^\t,]*$/, '')
            : `${lines[li]}${lines[li].includes('\t') ? '\t' : ','}extra`;
        bytes = Buffer.from(lines.join('\n'), 'latin1');
        break;
      case 7: // merge two lines
        if (li + 1 < lines.length) lines.splice(li, 2, lines[li] + lines[li + 1]);
        bytes = Buffer.from(lines.join('\n'), 'latin1');
        break;
      default: // CRLF line ends
        bytes = Buffer.from(lines.join('\r\n'), 'latin1');
        break;
    }
  }
  if (rnd() < 0.1) {
    const gz = gzipSync(bytes);
    bytes = rnd() < 0.3 ? gz.subarray(0, Math.floor(rnd() * gz.length)) : gz;
  }
  return bytes;
}

function chunked(bytes: Buffer, rnd: () => number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length;) {
    const size = 1 + Math.floor(rnd() * 300);
    chunks.push(bytes.subarray(i, i + size));
    i += size;
  }
  return chunks;
}

describe('flow-log readers under mutation', () => {
  it(
    `survive ${INPUTS.toLocaleString('en')} mutated logs, accounting for every line`,
    { timeout: 120_000 },
    async () => {
      const rnd = random(20261206);
      const outcomes = { read: 0, refused: 0, recordsRead: 0, linesSkipped: 0 };
      for (let k = 0; k < INPUTS; k++) {
        const seed = seeds[k % seeds.length];
        const input = mutate(Buffer.from(seed.text, 'utf8'), rnd);
        const forced = rnd() < 0.5 ? seed.format : undefined;
        try {
          const { records, stats } = await readFlowLog(chunked(input, rnd), {
            file: `input ${k}`,
            format: forced,
          });
          outcomes.read++;
          outcomes.recordsRead += records.length;
          outcomes.linesSkipped += stats.skipped.total;
          expect(stats.lines, `input ${k}`).toBe(records.length + stats.headerLines + stats.skipped.total);
          for (const positions of Object.values(stats.skipped.examples())) {
            for (const position of positions) expect(position, `input ${k}`).toMatch(/^line \d+/);
          }
          const insane = records.filter(
            (r) =>
              !Number.isFinite(r.ts) ||
              !(r.origP >= 0 && r.origP <= 65535 && r.respP >= 0 && r.respP <= 65535) ||
              !(r.origPkts >= 0 && r.respPkts >= 0 && r.origIpBytes >= 0 && r.respIpBytes >= 0),
          );
          expect(insane, `input ${k}`).toEqual([]);
        } catch (error) {
          if (!(error instanceof IotIdsError))
            throw new Error(`input ${k}: ${String(error)}`, { cause: error });
          expect(error.message.length).toBeGreaterThan(10);
          outcomes.refused++;
        }
      }
      console.log(`fuzz: ${JSON.stringify(outcomes)} from ${seeds.length} seeds`);
      expect(outcomes.read + outcomes.refused).toBe(INPUTS);
      expect(outcomes.read).toBeGreaterThan(INPUTS / 2);
      expect(outcomes.linesSkipped).toBeGreaterThan(0);
    },
  );
});
