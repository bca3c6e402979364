import { describe, expect, it } from 'vitest';
import { readText } from './test-helpers.js';

const HEADER =
  'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,SrcPkts,Label';

describe('Argus binetflow reader', () => {
  it('maps flows: source side is the originator, Src* counts split the totals', async () => {
    const text = [
      HEADER,
      '2019/04/04 16:23:00.325010,0.027947,udp,10.8.0.69,48427,  <->,8.8.8.8,53,CON,0,0,2,142,63,1,',
      '2019/04/04 16:23:00.355768,129.927856,tcp,10.8.0.69,48009,   ->,31.13.83.2,443,SPA_SRPA,0,164,26,5723,1621,13,flow=Background',
      '2019/04/04 16:24:00.000000,0.5,icmp,10.8.0.69,0x0008,   ->,1.1.1.1,0x0000,ECO,0,0,1,98,98,1,',
    ].join('\n');
    const { records, stats } = await readText(text);
    expect(stats.format).toBe('argus');
    expect(records[0]).toMatchObject({
      ts: Date.UTC(2019, 3, 4, 16, 23, 0) / 1000 + 0.32501,
      proto: 'udp',
      origPkts: 1,
      respPkts: 1,
      origIpBytes: 63,
      respIpBytes: 79,
      connState: 'SF',
      history: 'Dd',
      label: '',
    });
    expect(records[1]).toMatchObject({
      connState: 'RSTR',
      history: 'ShAaDdr',
      origPkts: 13,
      respPkts: 13,
      label: 'flow=Background',
    });
    expect(records[2]).toMatchObject({ proto: 'icmp', origP: 8, respP: 0, connState: 'S0' });
  });

  it('counts bad rows', async () => {
    const text = [
      HEADER,
      '2019/13/04 16:23:00,0,udp,a,1,->,b,2,CON,0,0,2,1,1,1,',
      'x,y',
      '2019/04/04 16:23:00,0,udp,a,1,->,b,2,CON,0,0,two,1,1,1,',
      '2019/04/04 16:23:00,0,udp,a,1,->,b,2,CON,0,0,2,1,1,1,',
    ].join('\n');
    const { records, stats } = await readText(text);
    expect(records).toHaveLength(1);
    expect(stats.skipped.examples()).toEqual({
      'bad timestamp': ['line 2, field "StartTime"'],
      'wrong number of fields': ['line 3 (2, header has 16)'],
      'non-numeric value': ['line 4, field "TotPkts"'],
    });
  });
});
