import { describe, expect, it } from 'vitest';
import { CONN_COLUMNS, ConnExtractor, portClass } from './conn-features.js';
import { conn } from './test-records.js';

function row(overrides: Parameters<typeof conn>[0]): Record<string, number | string> {
  const out: (number | string)[] = [];
  new ConnExtractor().next(conn(overrides), out);
  return Object.fromEntries(CONN_COLUMNS.map((c, i) => [c.name, out[i]]));
}

describe('conn features', () => {
  it('keeps Zeek’s numbers, unset ones as 0, and names empty categories `-`', () => {
    const r = row({
      duration: 1.5,
      origBytes: 149,
      respBytes: null,
      missedBytes: 2896,
      origPkts: 94,
      respIpBytes: 139044,
    });
    expect(r).toMatchObject({
      duration: 1.5,
      orig_bytes: 149,
      resp_bytes: 0,
      missed_bytes: 2896,
      orig_pkts: 94,
      resp_ip_bytes: 139044,
    });
    expect(row({ service: '', connState: '' })).toMatchObject({
      service: '-',
      conn_state: '-',
      proto: 'tcp',
    });
  });

  it('has one 0/1 column per history letter and side', () => {
    const r = row({ history: 'ShADadttcfF^' });
    expect(r).toMatchObject({
      history_orig_S: 1,
      history_resp_S: 0,
      history_resp_H: 1,
      history_orig_A: 1,
      history_orig_D: 1,
      history_resp_D: 1,
      history_resp_A: 1,
      history_resp_T: 1,
      history_resp_C: 1,
      history_orig_F: 1,
      history_resp_F: 1,
      history_orig_R: 0,
      history_flipped: 1,
    });
    expect(CONN_COLUMNS.filter((c) => c.name.startsWith('history_'))).toHaveLength(25);
  });

  it('classes ports as IANA does', () => {
    expect([
      portClass('tcp', 80),
      portClass('udp', 1024),
      portClass('tcp', 49151),
      portClass('tcp', 49152),
    ]).toEqual(['well-known', 'registered', 'registered', 'ephemeral']);
    expect(row({ proto: 'icmp', origP: 8, respP: 0 })).toMatchObject({
      orig_port_class: 'icmp',
      resp_port_class: 'icmp',
    });
  });
});
