import { describe, expect, it } from 'vitest';
import { readText } from './test-helpers.js';

const LINE = (o: Record<string, unknown>): string =>
  JSON.stringify({
    ts: 1601998366.5,
    uid: 'C1',
    'id.orig_h': '10.0.0.2',
    'id.orig_p': 49158,
    'id.resp_h': '1.2.3.4',
    'id.resp_p': 80,
    proto: 'tcp',
    ...o,
  });

describe('Zeek JSON reader', () => {
  it('reads keys by name; missing keys are unset', async () => {
    const text = [
      LINE({
        service: 'http',
        duration: 0.5,
        orig_bytes: 97,
        resp_bytes: 179,
        conn_state: 'SF',
        history: 'ShADadfF',
        orig_pkts: 5,
        orig_ip_bytes: 309,
        resp_pkts: 5,
        resp_ip_bytes: 383,
        missed_bytes: 0,
      }),
      LINE({ ts: '2020-10-06T15:32:46.785668Z', label: 'Malicious', 'detailed-label': 'C&C' }),
    ].join('\n');
    const { records, stats } = await readText(text);
    expect(stats.format).toBe('zeek-json');
    expect(records[0]).toMatchObject({
      service: 'http',
      duration: 0.5,
      origBytes: 97,
      respIpBytes: 383,
      history: 'ShADadfF',
    });
    expect(records[1]).toMatchObject({
      ts: 1601998366.785668,
      service: '',
      duration: null,
      origBytes: null,
      connState: '',
      origPkts: 0,
      label: 'Malicious',
      detailedLabel: 'C&C',
    });
  });

  it('counts bad JSON, non-objects and bad values with their line and field', async () => {
    const text = [
      LINE({}),
      '{"ts": 1, "id.orig_h": ',
      '[1,2]',
      LINE({ orig_bytes: 'many' }),
      LINE({ 'id.resp_p': 70000 }),
      LINE({ ts: 'not a time' }),
      LINE({ 'id.orig_h': undefined }),
      LINE({ _path: 'dns', query: 'example.org' }),
      LINE({ _path: 'conn' }),
    ].join('\n');
    const { records, stats } = await readText(text, { format: 'zeek-json' });
    expect(records).toHaveLength(2);
    expect(stats.skipped.examples()).toEqual({
      '_path is "dns", not conn': ['line 8'],
      'bad JSON': ['line 2'],
      'not a JSON object': ['line 3'],
      'non-numeric value': ['line 4, field "orig_bytes"'],
      'bad port': ['line 5, field "id.resp_p"'],
      'bad timestamp': ['line 6, field "ts"'],
      'missing address': ['line 7, field "id.orig_h"'],
    });
  });
});
