import { describe, expect, it } from 'vitest';
import { readText } from './test-helpers.js';

const flow = (extra: Record<string, unknown>, flowExtra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    timestamp: '2021-06-06T15:57:37.272281+0200',
    flow_id: 2232403389523415,
    event_type: 'flow',
    src_ip: '91.238.203.56',
    src_port: 48938,
    dest_ip: '192.168.1.129',
    dest_port: 445,
    proto: 'TCP',
    ...extra,
    flow: {
      pkts_toserver: 2,
      pkts_toclient: 2,
      bytes_toserver: 120,
      bytes_toclient: 120,
      start: '2021-06-06T17:34:31.140759+0200',
      end: '2021-06-06T17:34:31.141012+0200',
      state: 'closed',
      ...flowExtra,
    },
  });

describe('Suricata eve.json reader', () => {
  it('maps a TCP flow, with conn_state and history from the flags of each side', async () => {
    const text = flow({ tcp: { tcp_flags: '16', tcp_flags_ts: '02', tcp_flags_tc: '14' } });
    const { records, stats } = await readText(text);
    expect(stats.format).toBe('eve');
    expect(records).toHaveLength(1);
    const r = records[0];
    expect(r).toMatchObject({
      uid: '2232403389523415',
      origH: '91.238.203.56',
      origP: 48938,
      respH: '192.168.1.129',
      respP: 445,
      proto: 'tcp',
      connState: 'REJ',
      history: 'Sar',
      origPkts: 2,
      respPkts: 2,
      origIpBytes: 120,
      origBytes: null,
      respBytes: null,
    });
    expect(r.ts).toBeCloseTo(Date.UTC(2021, 5, 6, 15, 34, 31) / 1000 + 0.140759, 6);
    expect(r.duration).toBeCloseTo(0.000253, 6);
  });

  it('maps UDP by packet counts and app_proto to service', async () => {
    const text = [
      flow({ proto: 'UDP', app_proto: 'dns' }),
      flow({ proto: 'UDP', app_proto: 'failed' }, { pkts_toclient: 0 }),
    ].join('\n');
    const { records } = await readText(text);
    expect(records.map((r) => [r.service, r.connState, r.history])).toEqual([
      ['dns', 'SF', 'Dd'],
      ['', 'S0', 'D'],
    ]);
  });

  it('skips other event types, counting each type, and bad flows with their field', async () => {
    const text = [
      JSON.stringify({ event_type: 'alert', src_ip: 'a' }),
      flow({}),
      JSON.stringify({ event_type: 'dns' }),
      JSON.stringify({ event_type: 'alert' }),
      flow({}, { start: 'soon' }),
      flow({ dest_port: -1 }),
      'not json',
    ].join('\n');
    const { records, stats } = await readText(text);
    expect(records).toHaveLength(1);
    expect(stats.skipped.counts()).toEqual({
      'event_type "alert" (not a flow)': 2,
      'event_type "dns" (not a flow)': 1,
      'bad timestamp': 1,
      'bad port': 1,
      'bad JSON': 1,
    });
    expect(stats.skipped.examples()['bad timestamp']).toEqual(['line 5, field "flow.start"']);
  });
});
