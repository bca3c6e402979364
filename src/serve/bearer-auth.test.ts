import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, readTokenFile, TokenCheck, webSocketProtocolToken } from './bearer-auth.js';

describe('bearer auth', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host)).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.org', '10.0.0.1']) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });

  it('matches only the exact token', () => {
    const check = new TokenCheck('s3cret-token-abcdefgh');
    expect(check.matches('s3cret-token-abcdefgh')).toBe(true);
    expect(check.matches('s3cret-token-abcdefgH')).toBe(false);
    expect(check.matches('s3cret')).toBe(false);
    expect(check.matches('')).toBe(false);
    expect(check.matches(undefined)).toBe(false);
    expect(() => new TokenCheck('short')).toThrow(/at least 16/);
  });

  it('reads the token from WebSocket subprotocols', () => {
    expect(webSocketProtocolToken('iot-ids, bearer.tok-123')).toBe('tok-123');
    expect(webSocketProtocolToken('iot-ids')).toBeUndefined();
  });

  it('reads a token file, trimmed, and refuses weak tokens', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'iot-ids-token-'));
    try {
      const good = join(dir, 'token');
      await writeFile(good, '  0123456789abcdef0123\n');
      expect(await readTokenFile(good)).toBe('0123456789abcdef0123');
      const weak = join(dir, 'weak');
      await writeFile(weak, 'abc\n');
      await expect(readTokenFile(weak)).rejects.toThrow(/at least 16/);
      const odd = join(dir, 'odd');
      await writeFile(odd, '0123456789abcdef!\n');
      await expect(readTokenFile(odd)).rejects.toThrow(/RFC 6750/);
      await expect(readTokenFile(join(dir, 'missing'))).rejects.toThrow(/cannot read token file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
