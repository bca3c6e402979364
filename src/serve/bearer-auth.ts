import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { IotIdsError, usageError } from '../errors.js';

/** Tokens shorter than this are refused: a bearer token is the service's only secret. */
export const MIN_TOKEN_LENGTH = 16;

/** WebSocket clients that cannot set headers (browsers) offer the token as the subprotocol `bearer.<token>`. */
export const WS_TOKEN_PROTOCOL_PREFIX = 'bearer.';

/** Reads a token file: the token is the file's content without surrounding whitespace. */
export async function readTokenFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new IotIdsError(`cannot read token file: ${(error as Error).message}`, {
      kind: 'usage',
      location: { file: path },
      cause: error,
    });
  }
  return checkToken(text.trim(), path);
}

export function checkToken(token: string, where = 'token'): string {
  if (token.length < MIN_TOKEN_LENGTH) {
    throw usageError(`${where}: the bearer token must be at least ${MIN_TOKEN_LENGTH} characters long`);
  }
  // RFC 6750's b64token characters: what an Authorization header (and hono/bearer-auth) carries.
  if (!/^[A-Za-z0-9._~+/-]+=*$/.test(token)) {
    throw usageError(
      `${where}: the bearer token may hold only letters, digits and . _ ~ + / - (then = padding), as RFC 6750 allows`,
    );
  }
  return token;
}

/** Whether binding to `host` only accepts connections from this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}

/**
 * Compares presented tokens with the expected one in constant time: both are hashed first, so the
 * comparison takes as long whatever the presented token's length or content.
 */
export class TokenCheck {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(checkToken(token));
  }

  matches(presented: string | undefined): boolean {
    if (presented === undefined) return false;
    return timingSafeEqual(this.expected, digest(presented));
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The token offered as a `bearer.<token>` WebSocket subprotocol, if any. */
export function webSocketProtocolToken(protocols: string | undefined): string | undefined {
  if (protocols === undefined) return undefined;
  for (const protocol of protocols.split(',')) {
    const p = protocol.trim();
    if (p.startsWith(WS_TOKEN_PROTOCOL_PREFIX)) return p.slice(WS_TOKEN_PROTOCOL_PREFIX.length);
  }
  return undefined;
}
