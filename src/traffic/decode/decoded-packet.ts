import type { PacketView } from '../packet-view.js';
import { formatIpv4, formatIpv6 } from './format-address.js';

/**
 * The decoder's PacketView: one object reused for every frame. Addresses are kept as numbers (`src4`/`dst4`
 * for IPv4, four words each in `addr` for IPv6) and turned into text only when someone reads `srcIp` or
 * `dstIp`, so metering a packet builds no string.
 */
export class DecodedPacket implements PacketView {
  index = 0;
  ts = 0;
  wireLength = 0;
  capturedLength = 0;
  srcMac = 0;
  dstMac = 0;
  ipVersion: 0 | 4 | 6 = 0;
  isArp = false;
  protocol = 0;
  srcPort = 0;
  dstPort = 0;
  ipLength = 0;
  payloadLength = 0;
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  isFragment = false;
  wrongFragment = false;
  /** IPv4 (and ARP protocol) addresses as unsigned 32-bit numbers. */
  src4 = 0;
  dst4 = 0;
  /** IPv6 addresses: words 0–3 the source, 4–7 the destination. */
  readonly addr = new Uint32Array(8);
  /** TCP urgent flag with a non-zero urgent pointer (KDD's `urgent`). */
  urgent = false;
  /** True when a TCP, UDP, ICMP or ICMPv6 header was decoded (the connection meter keys on its ports). */
  hasPorts = false;
  /** VLAN id of the innermost 802.1Q tag, 0 when untagged. */
  vlan = 0;
  private srcText: string | null = null;
  private dstText: string | null = null;

  /** Forgets everything a previous frame set. */
  reset(): void {
    this.srcMac = this.dstMac = 0;
    this.ipVersion = 0;
    this.isArp = false;
    this.protocol = this.srcPort = this.dstPort = 0;
    this.ipLength = this.payloadLength = 0;
    this.tcpFlags = this.tcpSeq = this.tcpAck = 0;
    this.isFragment = this.wrongFragment = this.urgent = this.hasPorts = false;
    this.src4 = this.dst4 = 0;
    this.vlan = 0;
    this.srcText = this.dstText = null;
  }

  get srcIp(): string {
    return (this.srcText ??= this.ipVersion === 6 ? formatIpv6(this.addr, 0) : formatIpv4(this.src4));
  }

  set srcIp(text: string) {
    this.srcText = text;
  }

  get dstIp(): string {
    return (this.dstText ??= this.ipVersion === 6 ? formatIpv6(this.addr, 4) : formatIpv4(this.dst4));
  }

  set dstIp(text: string) {
    this.dstText = text;
  }
}
