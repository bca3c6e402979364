import { describe, expect, it } from 'vitest';
import { newRawFrame } from '../capture/raw-frame.js';
import { SkipTally } from '../conn-record.js';
import {
  ACK,
  ethernet,
  icmpMessage,
  ipv4Packet,
  ipv6Packet,
  MAC_A,
  SYN,
  tcpFrame,
  tcpSegment,
  udpDatagram,
  udpFrame,
  URG,
} from '../test-helpers/frames.js';
import { decodeFrame, LINKTYPE } from './decode-frame.js';
import { DecodedPacket } from './decoded-packet.js';
import { formatIpv6 } from './format-address.js';

function decode(bytes: Uint8Array | number[], linkType: number = LINKTYPE.ETHERNET, wireLength?: number) {
  const frame = newRawFrame();
  const data = Uint8Array.from(bytes);
  frame.index = 7;
  frame.byteOffset = 1234;
  frame.bytes = data;
  frame.capturedLength = data.length;
  frame.wireLength = wireLength ?? data.length;
  frame.linkType = linkType;
  const view = new DecodedPacket();
  const skips = new SkipTally();
  const ok = decodeFrame(frame, view, skips);
  return { ok, view, skips };
}

const tcp = { src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80, flags: SYN, seq: 5, payload: 3 };

describe('decodeFrame', () => {
  it('decodes Ethernet / IPv4 / TCP', () => {
    const { ok, view } = decode(tcpFrame(tcp));
    expect(ok).toBe(true);
    expect(view).toMatchObject({
      ipVersion: 4,
      srcIp: '10.0.0.1',
      dstIp: '10.0.0.2',
      protocol: 6,
      srcPort: 40000,
      dstPort: 80,
      tcpFlags: SYN,
      tcpSeq: 5,
      payloadLength: 3,
      ipLength: 43,
      srcMac: 0x02000000000a,
      isFragment: false,
    });
  });

  it('reads through 802.1Q and 802.1ad (QinQ) tags', () => {
    const ip = ipv4Packet(
      '1.2.3.4',
      '5.6.7.8',
      17,
      udpDatagram({ src: '', dst: '', sport: 53, dport: 999, payload: 4 }),
    );
    for (const [vlans, qinq] of [
      [[10], false],
      [[100, 200], true],
    ] as const) {
      const { ok, view } = decode(ethernet(0x0800, ip, [...vlans], qinq));
      expect(ok).toBe(true);
      expect([view.srcIp, view.srcPort, view.payloadLength, view.vlan]).toEqual([
        '1.2.3.4',
        53,
        4,
        vlans.at(-1),
      ]);
    }
  });

  it('decodes Linux cooked v1 and v2, raw IP (101, 12, 14, 228, 229) and BSD loopback', () => {
    const ip = ipv4Packet('9.9.9.9', '8.8.8.8', 6, tcpSegment({ ...tcp, flags: ACK }));
    const sll = [0, 0, 0, 1, 0, 6, ...MAC_A, 0, 0, 0x08, 0x00, ...ip];
    const sll2 = [0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, ...MAC_A, 0, 0, ...ip];
    expect(decode(sll, LINKTYPE.LINUX_SLL).view).toMatchObject({ srcIp: '9.9.9.9', srcMac: 0x02000000000a });
    expect(decode(sll2, LINKTYPE.LINUX_SLL2).view).toMatchObject({
      srcIp: '9.9.9.9',
      srcMac: 0x02000000000a,
    });
    for (const lt of [LINKTYPE.RAW, LINKTYPE.RAW_12, LINKTYPE.RAW_14, LINKTYPE.IPV4]) {
      expect(decode(ip, lt).view.dstIp).toBe('8.8.8.8');
    }
    expect(decode(ip, LINKTYPE.IPV6).skips.counts()).toEqual({ 'raw IP frame with a bad version': 1 });
    expect(decode([2, 0, 0, 0, ...ip], LINKTYPE.NULL).view.srcPort).toBe(40000);
    const v6 = ipv6Packet(
      '2001:db8::1',
      '2001:db8::2',
      17,
      udpDatagram({ src: '', dst: '', sport: 1, dport: 2 }),
    );
    expect(decode(v6, LINKTYPE.IPV6).view).toMatchObject({ ipVersion: 6, srcIp: '2001:db8::1', dstPort: 2 });
  });

  it('walks IPv6 extension headers (hop-by-hop, routing, destination options, AH, fragment)', () => {
    const udp = udpDatagram({ src: '', dst: '', sport: 5683, dport: 5683, payload: 2 });
    const hopByHop = [43, 0, 1, 4, 0, 0, 0, 0]; // next: routing
    const routing = [60, 0, 0, 0, 0, 0, 0, 0]; // next: destination options
    const destOpts = [51, 0, 1, 4, 0, 0, 0, 0]; // next: AH
    const ah = [44, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]; // (1 + 2) * 4 = 12 bytes, next: fragment
    const frag = [17, 0, 0, 1, 0, 0, 0, 1]; // offset 0, more fragments
    const packet = ipv6Packet('fe80::1', 'ff02::fb', 0, [
      ...hopByHop,
      ...routing,
      ...destOpts,
      ...ah,
      ...frag,
      ...udp,
    ]);
    const { ok, view } = decode(ethernet(0x86dd, packet));
    expect(ok).toBe(true);
    expect(view).toMatchObject({
      protocol: 17,
      srcPort: 5683,
      payloadLength: 2,
      isFragment: true,
      hasPorts: true,
    });
    const later = ipv6Packet('fe80::1', 'ff02::fb', 44, [
      17,
      0,
      0,
      8 << 3,
      0,
      0,
      0,
      1,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
    ]);
    expect(decode(ethernet(0x86dd, later)).view).toMatchObject({
      isFragment: true,
      hasPorts: false,
      protocol: 17,
    });
  });

  it('counts IPv4 fragments and marks KDD wrong fragments', () => {
    const first = ipv4Packet(
      '1.1.1.1',
      '2.2.2.2',
      17,
      udpDatagram({ src: '', dst: '', sport: 1, dport: 2, payload: 16 }),
      { moreFragments: true },
    );
    expect(decode(ethernet(0x0800, first)).view).toMatchObject({
      isFragment: true,
      wrongFragment: false,
      srcPort: 1,
    });
    const odd = ipv4Packet('1.1.1.1', '2.2.2.2', 17, [1, 2, 3], { moreFragments: true, fragmentOffset: 3 });
    expect(decode(ethernet(0x0800, odd)).view).toMatchObject({
      isFragment: true,
      wrongFragment: true,
      hasPorts: false,
    });
    const pingOfDeath = ipv4Packet('1.1.1.1', '2.2.2.2', 1, Array<number>(16).fill(0), {
      fragmentOffset: 8190,
    });
    expect(decode(ethernet(0x0800, pingOfDeath)).view.wrongFragment).toBe(true);
  });

  it('uses Zeek’s ICMP “ports”: type, and the counterpart type (or the code for one-way messages)', () => {
    const echo = decode(
      ethernet(
        0x0800,
        ipv4Packet('1.1.1.1', '2.2.2.2', 1, icmpMessage({ src: '', dst: '', type: 8, payload: 56 })),
      ),
    ).view;
    expect([echo.srcPort, echo.dstPort, echo.payloadLength]).toEqual([8, 0, 56]);
    const unreachable = decode(
      ethernet(
        0x0800,
        ipv4Packet('1.1.1.1', '2.2.2.2', 1, icmpMessage({ src: '', dst: '', type: 3, code: 3 })),
      ),
    ).view;
    expect([unreachable.srcPort, unreachable.dstPort]).toEqual([3, 3]);
    const v6 = decode(
      ethernet(0x86dd, ipv6Packet('::1', '::2', 58, icmpMessage({ src: '', dst: '', type: 129 }))),
    ).view;
    expect([v6.protocol, v6.srcPort, v6.dstPort]).toEqual([58, 129, 128]);
  });

  it('decodes ARP into the view without counting it as skipped', () => {
    const arp = [0, 1, 0x08, 0x00, 6, 4, 0, 1, ...MAC_A, 192, 168, 1, 10, 0, 0, 0, 0, 0, 0, 192, 168, 1, 1];
    const { ok, view, skips } = decode(ethernet(0x0806, arp));
    expect([ok, view.isArp, view.ipVersion, view.srcIp, view.dstIp, skips.total]).toEqual([
      true,
      true,
      0,
      '192.168.1.10',
      '192.168.1.1',
      0,
    ]);
  });

  it('counts non-IP frames and malformed headers with reason and frame position', () => {
    const cases: [number[] | Uint8Array, string][] = [
      [ethernet(0x88cc, [1, 2, 3]), 'non-IP frame'],
      [[1, 2, 3], 'frame shorter than its link header'],
      [
        ethernet(0x0800, ipv4Packet('1.1.1.1', '2.2.2.2', 6, tcpSegment(tcp), { ihl: 4 })),
        'IPv4 header length (IHL) < 5',
      ],
      [
        ethernet(0x0800, ipv4Packet('1.1.1.1', '2.2.2.2', 6, tcpSegment(tcp), { totalLength: 400 })),
        'IPv4 total length past the frame',
      ],
      [
        ethernet(
          0x0800,
          ipv4Packet('1.1.1.1', '2.2.2.2', 6, [
            ...tcpSegment(tcp).slice(0, 12),
            0x40,
            ...tcpSegment(tcp).slice(13),
          ]),
        ),
        'TCP data offset < 5',
      ],
      [
        ethernet(0x0800, ipv4Packet('1.1.1.1', '2.2.2.2', 6, tcpSegment(tcp).slice(0, 10))),
        'TCP header past the IP packet',
      ],
      [ethernet(0x0800, ipv4Packet('1.1.1.1', '2.2.2.2', 17, [0, 1, 0, 2, 0, 4, 0, 0])), 'UDP length < 8'],
      [
        ethernet(0x0800, ipv4Packet('1.1.1.1', '2.2.2.2', 17, [0, 1, 0, 2, 0, 99, 0, 0])),
        'UDP length past the IP packet',
      ],
      [
        ethernet(0x86dd, ipv6Packet('::1', '::2', 17, [0, 1]).slice(0, 30)),
        'IPv6 header past the captured frame',
      ],
    ];
    for (const [bytes, reason] of cases) {
      const { ok, skips } = decode(bytes);
      expect(ok, reason).toBe(false);
      expect(skips.examples()).toEqual({ [reason]: ['frame 7 (byte 1234)'] });
    }
    expect(decode([1, 2, 3], 147).skips.counts()).toEqual({ 'unsupported link type 147': 1 });
  });

  it('counts a transport header cut by the snap length, not as malformed', () => {
    const full = tcpFrame(tcp);
    const { ok, skips } = decode(full.subarray(0, 14 + 20 + 10), LINKTYPE.ETHERNET, full.length);
    expect(ok).toBe(false);
    expect(skips.counts()).toEqual({ 'TCP header past the captured frame': 1 });
    // Ethernet padding after a short IP packet is ignored.
    const padded = Uint8Array.from([
      ...udpFrame({ src: '1.1.1.1', dst: '2.2.2.2', sport: 1, dport: 2 }),
      0,
      0,
      0,
      0,
      0,
      0,
    ]);
    expect(decode(padded).view).toMatchObject({ ipLength: 28, payloadLength: 0 });
  });

  it('marks urgent TCP packets (URG with a pointer)', () => {
    const seg = tcpSegment({ ...tcp, flags: ACK | URG });
    seg[19] = 1;
    expect(decode(ethernet(0x0800, ipv4Packet('1.1.1.1', '2.2.2.2', 6, seg))).view.urgent).toBe(true);
  });

  it('formats IPv6 addresses as RFC 5952 (as tshark and Zeek print them)', () => {
    const w = (...g: number[]) =>
      Uint32Array.from([0, 1, 2, 3].map((i) => ((g[2 * i] << 16) | g[2 * i + 1]) >>> 0));
    expect(formatIpv6(w(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1))).toBe('2001:db8::1:0:0:1');
    expect(formatIpv6(w(0, 0, 0, 0, 0, 0, 0, 1))).toBe('::1');
    expect(formatIpv6(w(0xfe80, 0, 0, 0, 0, 0, 0, 0))).toBe('fe80::');
    expect(formatIpv6(w(1, 0, 2, 3, 4, 5, 6, 7))).toBe('1:0:2:3:4:5:6:7');
  });
});
