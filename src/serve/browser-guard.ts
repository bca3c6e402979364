import { isIP } from 'node:net';
import { isLoopbackHost } from './bearer-auth.js';
import { BODY_MEDIA_TYPES } from './body-format.js';
import { HttpError } from './http-error.js';

/**
 * Defences for the token-less loopback service against web pages open in a browser on the same host. A
 * page can send requests to 127.0.0.1 but cannot read the answers (no CORS headers are ever sent) unless
 * it rebinds its own name to 127.0.0.1, and it cannot set Origin, Host or a non-simple content type.
 * So:
 * - `Host` must be the bound address or, when bound to loopback, a loopback name (`localhost`,
 *   `127.0.0.1`, `[::1]`), plus any names the operator allows: a rebound name is answered 421;
 * - a request that changes state (any method but GET/HEAD/OPTIONS) or opens the WebSocket and carries an
 *   `Origin` must come from the service's own origin (its dashboard): others get 403;
 * - without a token, writes need one of the /v1/detect body types, which a page can only send after a
 *   CORS preflight the service never grants (`BODY_MEDIA_TYPES`): `text/plain` and form posts get 415.
 */
export interface BrowserGuard {
  /** Hostnames (lower case, IPv6 in brackets) a request's Host may name; null: any (wildcard bind). */
  allowedHosts: ReadonlySet<string> | null;
  /** Whether writes must have a non-simple content type (no token configured). */
  requireWriteContentType: boolean;
}

/** The guard for a service bound to `host`, with extra allowed host names (e.g. the gateway's DNS name). */
export function browserGuard(
  host: string,
  tokenConfigured: boolean,
  extraHosts: readonly string[] = [],
): BrowserGuard {
  const bound = hostnameKey(host);
  const wildcard = bound === '0.0.0.0' || bound === '[::]';
  const names = new Set<string>(extraHosts.map(hostnameKey));
  if (!wildcard) names.add(bound);
  if (isLoopbackHost(host)) for (const name of ['localhost', '127.0.0.1', '[::1]']) names.add(name);
  return {
    allowedHosts: wildcard && extraHosts.length === 0 ? null : names,
    requireWriteContentType: !tokenConfigured,
  };
}

// Every body type of /v1/detect; none is one a page may send without a CORS preflight.
const WRITE_CONTENT_TYPES = new Set(Object.keys(BODY_MEDIA_TYPES));
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Throws the HttpError a request deserves under `guard`, or returns when it may proceed. */
export function checkBrowserRequest(
  guard: BrowserGuard,
  request: {
    method: string;
    host: string | undefined;
    origin: string | undefined;
    contentType: string | undefined;
    websocket: boolean;
  },
): void {
  const host = request.host === undefined ? undefined : hostnameKey(request.host);
  if (guard.allowedHosts !== null && (host === undefined || !guard.allowedHosts.has(host))) {
    throw new HttpError(421, `this service does not answer for host ${JSON.stringify(request.host ?? '')}`);
  }
  const changesState = !SAFE_METHODS.has(request.method) || request.websocket;
  if (changesState && request.origin !== undefined && !sameOrigin(request.origin, request.host)) {
    throw new HttpError(403, `requests from origin ${JSON.stringify(request.origin)} are not accepted`);
  }
  if (guard.requireWriteContentType && !SAFE_METHODS.has(request.method)) {
    const type = (request.contentType ?? '').split(';', 1)[0].trim().toLowerCase();
    if (!WRITE_CONTENT_TYPES.has(type)) {
      throw new HttpError(
        415,
        `writes need Content-Type ${[...WRITE_CONTENT_TYPES].join(', ')} (or a bearer token)`,
      );
    }
  }
}

/** Whether `origin` (scheme://host[:port]) names the same host and port as the request's Host header. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    return url.host.toLowerCase() === new URL(`http://${host}`).host.toLowerCase();
  } catch {
    return false;
  }
}

/** `Example.org:80` → `example.org`, `[::1]:8080` → `[::1]`, `::1` → `[::1]`. */
function hostnameKey(host: string): string {
  if (isIP(host) === 6) return `[${host.toLowerCase()}]`;
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return `\u0000invalid`;
  }
}
