import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../../errors.js';
import { readText } from './test-helpers.js';
import { unescapeZeek } from './zeek-tsv.js';

const HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]',
].join('\n');
const ROW1 =
  '1545403848.981338\tCa\t192.168.1.195\t41040\t185.244.25.235\t80\ttcp\thttp\t1.477656\t149\t128252\tSF\t-\t-\t2896\tShADadttcfF\t94\t5525\t96\t139044\t-';
const ROW2 =
  '1545403849.5\tCb\t10.0.0.1\t53000\t8.8.8.8\t53\tudp\t-\t-\t-\t-\tS0\t-\t-\t0\tD\t1\t60\t0\t0\t(empty)';

describe('Zeek TSV reader', () => {
  it('reads rows under the header, unset fields as null or empty', async () => {
    const { records, stats } = await readText(`${HEADER}\n${ROW1}\n${ROW2}\n#close\t2019-03-16\n`);
    expect(stats.format).toBe('zeek-tsv');
    expect(stats.skipped.total).toBe(0);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      ts: 1545403848.981338,
      uid: 'Ca',
      origH: '192.168.1.195',
      origP: 41040,
      respP: 80,
      proto: 'tcp',
      service: 'http',
      duration: 1.477656,
      origBytes: 149,
      respBytes: 128252,
      connState: 'SF',
      history: 'ShADadttcfF',
      missedBytes: 2896,
      origPkts: 94,
      origIpBytes: 5525,
      respPkts: 96,
      respIpBytes: 139044,
    });
    expect(records[1]).toMatchObject({ service: '', duration: null, origBytes: null, respBytes: null });
    expect(records[0].label).toBeUndefined();
  });

  it('gives the same records whatever the chunk boundaries, plain or gzip', async () => {
    const text = `${HEADER}\n${ROW1}\n${ROW2}\n`;
    const whole = await readText(text);
    for (const chunkSize of [1, 2, 7, 64]) {
      expect((await readText(text, { chunkSize })).records).toEqual(whole.records);
      expect((await readText(text, { chunkSize, gzip: true })).records).toEqual(whole.records);
    }
  });

  it('follows its own #separator, #unset_field and #empty_field', async () => {
    const text = [
      '#separator ;',
      '#unset_field;?',
      '#empty_field;EMPTY',
      '#fields;ts;id.orig_h;id.orig_p;id.resp_h;id.resp_p;proto;duration;service',
      '10.5;1.1.1.1;1;2.2.2.2;2;tcp;?;EMPTY',
    ].join('\n');
    const { records } = await readText(text);
    expect(records).toEqual([
      expect.objectContaining({ ts: 10.5, origH: '1.1.1.1', respP: 2, duration: null, service: '', uid: '' }),
    ]);
    expect(unescapeZeek('\\x09\\x2c')).toBe('\t,');
  });

  it('reads the IoT-23 variant whose last fields are separated by three spaces', async () => {
    const header = HEADER.replace('\ttunnel_parents', '\ttunnel_parents   label   detailed-label').replace(
      '\tset[string]',
      '\tset[string]   string   string',
    );
    const text = `${header}\n${ROW1.replace(/\t-$/, '\t-   Malicious   C&C')}\n${ROW2.replace(/\t\(empty\)$/, '\t-   Benign   -')}\n`;
    const { records, stats } = await readText(text);
    expect(stats.skipped.total).toBe(0);
    expect(records.map((r) => [r.label, r.detailedLabel])).toEqual([
      ['Malicious', 'C&C'],
      ['Benign', ''],
    ]);
  });

  it('reads several logs in one stream, each with its own header', async () => {
    const second = [
      '#separator ,',
      '#fields,ts,id.orig_h,id.orig_p,id.resp_h,id.resp_p,proto',
      '5,a,1,b,2,udp',
    ].join('\n');
    const { records } = await readText(`${HEADER}\n${ROW1}\n#close\tx\n${second}\n`);
    expect(records.map((r) => [r.ts, r.proto])).toEqual([
      [1545403848.981338, 'tcp'],
      [5, 'udp'],
    ]);
  });

  it('counts bad rows with reason, line and field, and keeps the good ones', async () => {
    const bad = [
      ROW1.replace('\t149\t', '\tlots\t'), // line 8: garbage in orig_bytes
      ROW1.replace('\t94\t', '\t-1\t'), // line 9: negative orig_pkts
      ROW1.replace('1545403848.981338', 'yesterday'), // line 10: bad ts
      ROW1.replace('\t41040\t', '\t70000\t'), // line 11: port out of range
      ROW1.split('\t').slice(0, 10).join('\t'), // line 12: missing columns
      `${ROW1}\textra`, // line 13: extra column
      '', // line 14: blank
      ROW2, // line 15: fine
    ];
    const { records, stats } = await readText(`${HEADER}\n${bad.join('\n')}\n`);
    expect(records).toHaveLength(1);
    expect(stats.skipped.counts()).toEqual({
      'non-numeric value': 2,
      'wrong number of fields': 2,
      'bad timestamp': 1,
      'bad port': 1,
      'blank line': 1,
    });
    expect(stats.skipped.examples()['non-numeric value']).toEqual([
      'line 8, field "orig_bytes"',
      'line 9, field "orig_pkts"',
    ]);
    expect(stats.skipped.examples()['wrong number of fields']).toEqual([
      'line 12 (10, header has 21)',
      'line 13 (22, header has 21)',
    ]);
  });

  it('rejects a log without #fields with a clear error, and counts rows before a late header', async () => {
    const noFields = `#separator \\x09\n#unset_field\t-\n${ROW1}\n${ROW2}\n`;
    await expect(readText(noFields)).rejects.toThrow(IotIdsError);
    await expect(readText(noFields)).rejects.toThrow(
      /input: no zeek-tsv record could be read.*no #fields header.*line 3/,
    );
    const { records, stats } = await readText(
      `#separator \\x09\n${ROW2}\n${HEADER.split('\n').slice(1).join('\n')}\n${ROW1}\n`,
    );
    expect(records).toHaveLength(1);
    expect(stats.skipped.examples()).toEqual({ 'no #fields header before this line': ['line 2'] });
  });

  it('skips the rows of other Zeek logs (#path dns) in the same stream', async () => {
    const dns = HEADER.replace('#path\tconn', '#path\tdns');
    const { records, stats } = await readText(`${dns}\n${ROW1}\n${HEADER}\n${ROW2}\n`);
    expect(records.map((r) => r.uid)).toEqual(['Cb']);
    expect(stats.skipped.examples()).toEqual({ '#path is "dns", not conn': ['line 8'] });
  });

  it('refuses a #fields header without the connection key and counts its rows', async () => {
    const text = `#separator \\x09\n#fields\tts\tuid\n1.0\tC1\n`;
    await expect(readText(text)).rejects.toThrow(/#fields header lacks id\.orig_h/);
  });
});
