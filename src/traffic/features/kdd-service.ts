/**
 * KDD'99 service names from the responder port (TCP/UDP) or the ICMP type/code, for connections whose log
 * gives no KDD-style service. The names are the 70 of NSL-KDD's `service` column; ports follow IANA's
 * assignments for those names (RFC 1700 era). TCP/UDP ports not in the table become `private` below 1024
 * and `other` from 1024 up; UDP is `domain_u`, `ntp_u`, `tftp_u` for 53, 123, 69 and otherwise the same
 * rule. ICMP (Zeek stores type in orig_p, code in resp_p): echo request `eco_i`, echo reply `ecr_i`, port
 * unreachable `urp_i`, other unreachable `urh_i`, redirect `red_i`, timestamp `tim_i`, else `oth_i`.
 */
const TCP_SERVICES: Readonly<Record<number, string>> = {
  5: 'rje',
  7: 'echo',
  9: 'discard',
  11: 'systat',
  13: 'daytime',
  15: 'netstat',
  20: 'ftp_data',
  21: 'ftp',
  22: 'ssh',
  23: 'telnet',
  25: 'smtp',
  37: 'time',
  42: 'name',
  43: 'whois',
  53: 'domain',
  57: 'mtp',
  70: 'gopher',
  71: 'remote_job',
  79: 'finger',
  80: 'http',
  84: 'ctf',
  87: 'link',
  95: 'supdup',
  101: 'hostnames',
  102: 'iso_tsap',
  105: 'csnet_ns',
  109: 'pop_2',
  110: 'pop_3',
  111: 'sunrpc',
  113: 'auth',
  117: 'uucp_path',
  119: 'nntp',
  137: 'netbios_ns',
  138: 'netbios_dgm',
  139: 'netbios_ssn',
  143: 'imap4',
  150: 'sql_net',
  175: 'vmnet',
  179: 'bgp',
  194: 'IRC',
  210: 'Z39_50',
  389: 'ldap',
  433: 'nnsp',
  443: 'http_443',
  512: 'exec',
  513: 'login',
  514: 'shell',
  515: 'printer',
  520: 'efs',
  530: 'courier',
  540: 'uucp',
  543: 'klogin',
  544: 'kshell',
  2784: 'http_2784',
  5190: 'aol',
  6000: 'X11',
  6667: 'IRC',
  8001: 'http_8001',
};

const UDP_SERVICES: Readonly<Record<number, string>> = {
  53: 'domain_u',
  69: 'tftp_u',
  123: 'ntp_u',
  137: 'netbios_ns',
  138: 'netbios_dgm',
};

export function kddService(proto: string, origP: number, respP: number): string {
  if (proto === 'icmp') return icmpService(origP, respP);
  const table = proto === 'udp' ? UDP_SERVICES : TCP_SERVICES;
  const name = table[respP];
  if (name !== undefined) return name;
  if (proto === 'tcp' && respP >= 6000 && respP <= 6063) return 'X11';
  return respP < 1024 ? 'private' : 'other';
}

function icmpService(type: number, code: number): string {
  switch (type) {
    case 8:
      return 'eco_i';
    case 0:
      return 'ecr_i';
    case 3:
      return code === 3 ? 'urp_i' : 'urh_i';
    case 5:
      return 'red_i';
    case 13:
    case 14:
      return 'tim_i';
    default:
      return 'oth_i';
  }
}
