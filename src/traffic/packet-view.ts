/**
 * What the packet reader hands to per-packet consumers (the connection meter and the packet-level anomaly
 * features). One object may be reused for every packet: copy what you keep. Addresses are strings because
 * they become table keys anyway; MACs are 48-bit integers (0 when the link layer has none).
 */
export interface PacketView {
  /** 1-based frame number in the capture (as tshark and Wireshark count). */
  index: number;
  /** Seconds since the Unix epoch (fractional). */
  ts: number;
  /** Length on the wire (pcap's orig_len). */
  wireLength: number;
  /** Bytes captured (pcap's incl_len). */
  capturedLength: number;
  srcMac: number;
  dstMac: number;
  /** 0 for non-IP frames (ARP, LLDP, …); 4 or 6 otherwise. */
  ipVersion: 0 | 4 | 6;
  /** `arp` frames carry the sender/target protocol addresses here, with ipVersion 0. */
  isArp: boolean;
  srcIp: string;
  dstIp: string;
  /** IP protocol number of the transport (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6), after IPv6 extension headers. */
  protocol: number;
  /** Ports for TCP/UDP; for ICMP, type in srcPort and code in dstPort (as Zeek does). 0 otherwise. */
  srcPort: number;
  dstPort: number;
  /** Total IP length (header + payload) from the IP header; 0 for non-IP. */
  ipLength: number;
  /** Transport payload bytes actually described by the headers (not only the captured part). */
  payloadLength: number;
  /** TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20); 0 otherwise. */
  tcpFlags: number;
  tcpSeq: number;
  tcpAck: number;
  /** IPv4 fragment (offset > 0 or more-fragments set): counted, not reassembled. */
  isFragment: boolean;
  /** KDD's wrong_fragment: a fragment whose offset/length are inconsistent. */
  wrongFragment: boolean;
}
