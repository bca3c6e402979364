import { describe, expect, it } from 'vitest';
import { IotIdsError } from '../../errors.js';
import { readText } from './test-helpers.js';
import { detectTrafficFormat } from './traffic-format.js';

const bytes = (text: string): Buffer => Buffer.from(text);

describe('detectTrafficFormat', () => {
  it('recognises every input from its first bytes', () => {
    expect(detectTrafficFormat(Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0]))).toBe('pcap');
    expect(detectTrafficFormat(Buffer.from([0xa1, 0xb2, 0x3c, 0x4d]))).toBe('pcap');
    expect(detectTrafficFormat(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0, 0]))).toBe('pcapng');
    expect(detectTrafficFormat(bytes('#separator \\x09\n#fields\tts'))).toBe('zeek-tsv');
    expect(detectTrafficFormat(bytes('\t#separator \\x09\n'))).toBe('zeek-tsv');
    expect(detectTrafficFormat(bytes('\uFEFF#fields\tts\n'))).toBe('zeek-tsv');
    expect(detectTrafficFormat(bytes('{"ts":1.5,"uid":"C","id.orig_h":"1.2.3.4"}\n'))).toBe('zeek-json');
    expect(detectTrafficFormat(bytes('{"timestamp":"x","event_type":"dns"}\n'))).toBe('eve');
    expect(detectTrafficFormat(bytes('StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport\n'))).toBe('argus');
    expect(detectTrafficFormat(bytes('ts,te,td,sa,da,sp,dp,pr,flg\n'))).toBe('nfdump');
    expect(detectTrafficFormat(bytes('{"hello": 1}\n'))).toBeUndefined();
    expect(detectTrafficFormat(bytes('duration,protocol_type\n'))).toBeUndefined();
    expect(detectTrafficFormat(bytes(''))).toBeUndefined();
  });

  it('refuses unknown input and packet captures with a clear error; a forced format is used', async () => {
    await expect(readText('hello\nworld\n')).rejects.toThrow(/cannot tell the flow-log format.*--format/);
    await expect(readText('', { file: 'empty.log' })).rejects.toThrow(/empty\.log: cannot tell/);
    const pcap = Buffer.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]).toString('latin1');
    await expect(readText(pcap)).rejects.toThrow(IotIdsError);
    const { records } = await readText(
      '#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n1\ta\t1\tb\t2\ttcp\n',
      {
        format: 'zeek-tsv',
      },
    );
    expect(records).toHaveLength(1);
  });
});
