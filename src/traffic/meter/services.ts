/**
 * Service names by well-known responder port, used when nothing else (no log, no payload analysis) says
 * which application a connection carried. Names follow Zeek's analyzer names where Zeek has an analyzer
 * (`ssl` for TLS ports, `dns` for mDNS and LLMNR too) and IANA's service names otherwise. A port match is a
 * guess: Zeek itself only names a service after its analyzer recognised the payload.
 */
const TCP_SERVICES: Record<number, string> = {
  20: 'ftp-data',
  21: 'ftp',
  22: 'ssh',
  23: 'telnet',
  25: 'smtp',
  53: 'dns',
  80: 'http',
  88: 'krb',
  110: 'pop3',
  111: 'sunrpc',
  139: 'smb',
  143: 'imap',
  179: 'bgp',
  389: 'ldap',
  443: 'ssl',
  445: 'smb',
  465: 'ssl',
  502: 'modbus',
  554: 'rtsp',
  587: 'smtp',
  636: 'ssl',
  993: 'ssl',
  995: 'ssl',
  1080: 'socks',
  1433: 'mssql',
  1723: 'pptp',
  1883: 'mqtt',
  3306: 'mysql',
  3389: 'rdp',
  5222: 'xmpp',
  5432: 'postgresql',
  5900: 'vnc',
  6379: 'redis',
  6667: 'irc',
  8080: 'http',
  8443: 'ssl',
  8883: 'ssl',
  20000: 'dnp3',
};

const UDP_SERVICES: Record<number, string> = {
  53: 'dns',
  67: 'dhcp',
  68: 'dhcp',
  69: 'tftp',
  123: 'ntp',
  137: 'netbios-ns',
  138: 'netbios-dgm',
  161: 'snmp',
  162: 'snmp',
  500: 'ike',
  514: 'syslog',
  1900: 'ssdp',
  3478: 'stun',
  4500: 'ike',
  5353: 'dns',
  5355: 'dns',
  5683: 'coap',
  5684: 'coap',
  47808: 'bacnet',
};

/** The service for a responder port of a transport (6 TCP, 17 UDP), or '' when the port is not listed. */
export function serviceForPort(protocol: number, port: number): string {
  if (protocol === 6) return TCP_SERVICES[port] ?? '';
  if (protocol === 17) return UDP_SERVICES[port] ?? '';
  return '';
}

/** The tables themselves, for documentation and the README. */
export const WELL_KNOWN_SERVICES = { tcp: TCP_SERVICES, udp: UDP_SERVICES } as const;
