import { describe, expect, it } from 'vitest';
import { readText } from './test-helpers.js';

const HEADER = 'ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out';

describe('nfdump CSV reader', () => {
  it('maps unidirectional flows and skips the summary block, counting it', async () => {
    const text = [
      HEADER,
      '2018-01-12 15:37:30,2018-01-12 15:37:30,0.000,147.32.80.119,147.32.82.62,52324,902,TCP,......S.,0,0,1,60,0,0,0,0',
      '2018-01-12 15:37:30.250,2018-01-12 15:37:31,0.750,147.32.82.62,147.32.80.119,902,52324,TCP,...A.R..,0,0,1,40,0,0,0,0',
      '2018-01-12 15:37:32,2018-01-12 15:37:32,0.000,10.0.0.1,10.0.0.2,0,8.0,ICMP,........,0,0,1,84,0,0,0,0',
      'Summary',
      'flows,bytes,packets,avg_bps,avg_pps,avg_bpp',
      '3,184,3,1,1,61',
    ].join('\n');
    const { records, stats } = await readText(text);
    expect(stats.format).toBe('nfdump');
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({
      ts: Date.UTC(2018, 0, 12, 15, 37, 30) / 1000,
      proto: 'tcp',
      connState: 'S0',
      history: 'S',
      origPkts: 1,
      origIpBytes: 60,
      respPkts: 0,
    });
    expect(records[1]).toMatchObject({ duration: 0.75, connState: 'OTH', history: 'AR' });
    expect(records[1].ts).toBeCloseTo(Date.UTC(2018, 0, 12, 15, 37, 30) / 1000 + 0.25, 6);
    expect(records[2]).toMatchObject({ proto: 'icmp', origP: 8, respP: 0, connState: 'S0' });
    expect(stats.skipped.examples()).toEqual({
      'nfdump summary (not a flow)': ['line 5', 'line 6', 'line 7'],
    });
  });
});
