import { describe, expect, it } from 'vitest';
import { REJ_ERROR, SYN_ERROR } from './error-bits.js';
import { LastConnections } from './last-connections.js';

describe('LastConnections', () => {
  it('counts the window of the last N connections, the current one included', () => {
    const last = new LastConnections(3);
    last.add('10.0.0.1', 80, 1000, 0);
    last.add('10.0.0.1', 22, 1001, SYN_ERROR);
    const c = last.add('10.0.0.2', 80, 1000, REJ_ERROR);
    expect({ ...c }).toEqual({
      host: 1,
      hostSerror: 0,
      hostRerror: 1,
      service: 2,
      serviceSerror: 0,
      serviceRerror: 1,
      hostAndService: 1,
      serviceAndSrcPort: 2,
    });
    // The fourth connection pushes the first out: 10.0.0.1 is left with the SSH connection only.
    const d = last.add('10.0.0.1', 80, 1002, 0);
    expect([d.host, d.hostSerror, d.service, d.hostAndService, d.serviceAndSrcPort]).toEqual([2, 1, 2, 1, 1]);
  });

  it('never merges two hosts whose hashes collide', () => {
    // FNV-1a gives both of these 1178116800 (an earlier version compared hosts by that hash first).
    const last = new LastConnections(10);
    last.add('10.0.107.237', 80, 1, 0);
    const c = last.add('10.2.219.40', 80, 2, 0);
    expect([c.host, c.service, c.hostAndService]).toEqual([1, 2, 1]);
    expect(last.groups).toEqual({ hosts: 2, services: 1 });
  });

  it('holds exactly N connections however many hosts pass through', () => {
    const last = new LastConnections(100);
    for (let i = 0; i < 10_000; i++) last.add(`10.1.${i >> 8}.${i & 255}`, i % 7, i, 0);
    expect(last.groups).toEqual({ hosts: 100, services: 7 });
  });

  it('refuses a window it cannot hold', () => {
    expect(() => new LastConnections(0)).toThrow(/from 1 to 1000, got 0/);
    expect(() => new LastConnections(100_000)).toThrow(/host-based window/);
  });
});
