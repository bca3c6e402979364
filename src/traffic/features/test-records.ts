import type { ConnRecord } from '../conn-record.js';

/** A TCP connection record for hand-built sequences; override what the test is about. */
export function conn(overrides: Partial<ConnRecord>): ConnRecord {
  return {
    ts: 0,
    uid: '',
    origH: '10.0.0.1',
    origP: 40000,
    respH: '10.0.0.9',
    respP: 80,
    proto: 'tcp',
    service: '',
    duration: 0,
    origBytes: 0,
    respBytes: 0,
    connState: 'SF',
    history: '',
    missedBytes: 0,
    origPkts: 1,
    origIpBytes: 40,
    respPkts: 1,
    respIpBytes: 40,
    ...overrides,
  };
}
