import { describe, expect, it } from 'vitest';
import { Connection } from './connection.js';
import { TcpState } from './tcp-endpoint.js';

describe('Connection', () => {
  it('allocates TCP endpoints only once it carries TCP, and starts them afresh when recycled', () => {
    const udp = new Connection();
    udp.reset(1, 1, 17, 4);
    const other = new Connection();
    other.reset(2, 2, 1, 4);
    // Non-TCP connections share one stand-in pair instead of two endpoints each.
    expect(udp.orig).toBe(other.orig);
    expect(udp.resp).toBe(udp.orig);

    udp.reset(3, 3, 6, 4);
    expect(udp.orig).not.toBe(other.orig);
    expect(udp.resp).not.toBe(udp.orig);
    udp.orig.setState(TcpState.Established);
    udp.orig.init(1000, true);
    const endpoint = udp.orig;

    // Recycled for UDP it keeps its endpoints (unused); recycled for TCP again they are reset, not shared.
    udp.reset(4, 4, 17, 4);
    udp.reset(5, 5, 6, 4);
    expect(udp.orig).toBe(endpoint);
    expect([udp.orig.state, udp.orig.initialized, udp.resp.state]).toEqual([
      TcpState.Inactive,
      false,
      TcpState.Inactive,
    ]);
    expect(other.orig.state).toBe(TcpState.Inactive);
  });
});
