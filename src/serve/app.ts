import { describeInput } from '../detection/input-fields.js';
import type { HttpBindings } from '@hono/node-server';
import { upgradeWebSocket } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import type { WebSocket } from 'ws';
import { routePath } from 'hono/route';
import { IotIdsError } from '../errors.js';
import type { AlertHub } from '../alerts/alert-hub.js';
import type { AlertStore } from '../alerts/alert-store.js';
import type { BodyDecoder, DecodedWithBody } from './body-decoder.js';
import { alertEventStream } from './alert-stream.js';
import { webSocketProtocolToken, type TokenCheck } from './bearer-auth.js';
import type { DashboardAsset } from './dashboard-assets.js';
import { submittedRecords } from './detect-body.js';
import { detectExtras, emptyDetectResponse, formatDetectResponse } from './detect-response.js';
import { trafficFeatureSetOf } from '../detection/score-connections.js';
import type { DetectionService } from './detection-service.js';
import { ClientAbortedError, HttpError } from './http-error.js';
import { checkBrowserRequest, type BrowserGuard } from './browser-guard.js';
import { OverloadedError } from './micro-batcher.js';
import type { ModelInfo, ModelSlot, ReloadResult } from '../detection/model-slot.js';
import type { TestMetrics } from './model-test-metrics.js';
import type { RateLimiter } from './rate-limiter.js';
import { readBody } from './request-body.js';
import type { ServiceMetrics } from './service-metrics.js';
import { clientAddressOf } from './source-key.js';
import type { CaptureHealth } from './watch-health.js';

/** The routes that score records (POST /v1/detect) and swap the model: a flow model's, served by `startServer`. */
export interface FlowRoutesContext {
  slot: ModelSlot;
  service: DetectionService;
  /** Parses and validates request bodies (in a worker thread unless configured otherwise). */
  bodyDecoder: BodyDecoder;
  sourceField: string | undefined;
  maxBodyBytes: number;
  maxRecordsPerRequest: number;
  /** Test metrics of the served model, read from its run directory. */
  testMetrics: () => Promise<TestMetrics | null>;
  reload: () => Promise<ReloadResult>;
}

/** Everything the routes need; built by `startServer` and `startPacketServer`. */
export interface AppContext {
  /** The model named by /v1/model, /readyz and the summary's classes. */
  info: () => ModelInfo;
  /**
   * The record-scoring routes; null under a packet-ae watch, which scores captured packets only: then
   * POST /v1/detect and POST /v1/model/reload answer 409 saying so.
   */
  flow: FlowRoutesContext | null;
  store: AlertStore;
  hub: AlertHub;
  metrics: ServiceMetrics;
  /** null: no token configured (loopback only). */
  tokenCheck: TokenCheck | null;
  /** null: rate limiting off. */
  rateLimiter: RateLimiter | null;
  /** Host, Origin and content-type checks against pages in a browser (browser-guard.ts). */
  browserGuard: BrowserGuard;
  /** Closers of the open event streams, so shutdown can end them. */
  liveStreams: Set<() => void>;
  isClosing: () => boolean;
  log: (message: string) => void;
  /** The dashboard's files by URL path (`/`, `/dashboard/…`), read at start-up. */
  dashboard: ReadonlyMap<string, DashboardAsset>;
  /** The health of the capture `watch` feeds the service from; null under `serve` (no capture). */
  captureHealth: () => CaptureHealth | null;
}

type Env = { Bindings: HttpBindings };

/** Unsent bytes allowed to pile up for a live WebSocket client before it is dropped. */
const MAX_WEBSOCKET_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Paths anyone may fetch besides the dashboard's files (a shell without data): the probes. */
const PUBLIC_PATHS = new Set(['/healthz', '/readyz']);

/** The HTTP API (see README.md in this folder for the reference). */
export function createApp(ctx: AppContext): Hono<Env> {
  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const matched = routePath(c as Context<Env>, -1);
    const route = matched === '*' || matched === '/*' ? 'unmatched' : matched;
    if (c.error instanceof ClientAbortedError) {
      ctx.metrics.requestsAborted.inc({ route });
    } else if (route !== '/v1/alerts/stream' && route !== '/v1/alerts/ws') {
      ctx.metrics.requestDuration.observe(
        {
          route,
          method: c.req.method,
          status: c.res.status,
        },
        (performance.now() - started) / 1000,
      );
    }
  });

  // nosniff, no referrer, no framing, same-origin resources and openers; the dashboard adds its CSP.
  app.use(
    '*',
    secureHeaders({ xFrameOptions: 'DENY', referrerPolicy: 'no-referrer', strictTransportSecurity: false }),
  );

  // The token in `Authorization: Bearer …` (hono/bearer-auth, compared in constant time by TokenCheck);
  // browsers' WebSockets, which cannot set headers, offer it as the subprotocol `bearer.<token>`.
  const tokenCheck = ctx.tokenCheck;
  const headerAuth =
    tokenCheck &&
    bearerAuth<Env>({
      verifyToken: (token) => tokenCheck.matches(token),
      realm: 'iot-ids',
      noAuthenticationHeader: { message: { error: 'a bearer token is required' } },
      invalidAuthenticationHeader: {
        message: { error: 'malformed Authorization header: expected "Bearer <token>"' },
      },
      invalidToken: { message: { error: 'invalid bearer token' } },
    });

  app.use('*', async (c, next) => {
    if (ctx.rateLimiter) {
      const decision = ctx.rateLimiter.take(clientAddressOf(c.env.incoming.socket.remoteAddress));
      if (!decision.allowed) {
        ctx.metrics.requestsRejected.inc({ reason: 'rate_limited' });
        throw new HttpError(
          429,
          'too many requests; slow down',
          {},
          {
            'retry-after': String(decision.retryAfterSeconds),
          },
        );
      }
    }
    const headers = c.env.incoming.headers;
    checkBrowserRequest(ctx.browserGuard, {
      method: c.req.method,
      host: headers.host,
      origin: headers.origin,
      contentType: headers['content-type'],
      websocket: headers.upgrade?.toLowerCase() === 'websocket',
    });
    if (tokenCheck && headerAuth && !PUBLIC_PATHS.has(c.req.path) && !ctx.dashboard.has(c.req.path)) {
      const wsToken =
        headers.upgrade?.toLowerCase() === 'websocket' && headers.authorization === undefined
          ? webSocketProtocolToken(headers['sec-websocket-protocol'])
          : undefined;
      try {
        if (wsToken === undefined) await headerAuth(c as Context<Env, string>, () => Promise.resolve());
        else if (!tokenCheck.matches(wsToken)) {
          throw new HttpError(
            401,
            'invalid bearer token',
            {},
            { 'www-authenticate': 'Bearer realm="iot-ids"' },
          );
        }
      } catch (error) {
        ctx.metrics.requestsRejected.inc({ reason: 'unauthorized' });
        throw error;
      }
    }
    await next();
  });

  app.get('/', (c) => page(c, ctx.dashboard.get('/')));
  app.get('/dashboard/:file', (c) => page(c, ctx.dashboard.get(c.req.path)));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    if (ctx.isClosing() || !ctx.store.isOpen) return c.json({ status: 'shutting down' }, 503);
    return c.json({ status: 'ready', model: ctx.info().id });
  });
  app.get('/metrics', async (c) => {
    ctx.metrics.liveSubscribers.set(ctx.hub.size);
    return c.body(await ctx.metrics.text(), 200, { 'content-type': ctx.metrics.contentType });
  });

  app.post('/v1/detect', async (c) => {
    const flow = flowRoutes(
      ctx,
      'it scores the packets it captures and takes no records (POST records to `iot-ids serve` with a flow model)',
    );
    if (ctx.isClosing()) throw new HttpError(503, 'shutting down', {}, { 'retry-after': '5' });
    let body: Buffer;
    try {
      body = await readBody(c.env.incoming, flow.maxBodyBytes);
    } catch (error) {
      if (error instanceof HttpError) ctx.metrics.requestsRejected.inc({ reason: 'too_large' });
      throw error;
    }
    const detector = flow.slot.current;
    const client = clientAddressOf(c.env.incoming.socket.remoteAddress);
    let decoded: DecodedWithBody;
    try {
      decoded = await flow.bodyDecoder.decode(body, {
        contentType: c.req.header('content-type'),
        format: c.req.query('format'),
        features: c.req.query('features'),
        schema: detector.inputSchema,
        featureSet: trafficFeatureSetOf(detector.manifest),
        maxRecords: flow.maxRecordsPerRequest,
        sourceField: flow.sourceField,
        client,
      });
    } catch (error) {
      if (error instanceof HttpError) {
        ctx.metrics.requestsRejected.inc({ reason: error.status === 413 ? 'too_large' : 'malformed' });
      }
      throw overloadedAs503(error, ctx);
    }
    ctx.metrics.stageDuration.observe({ stage: 'parse' }, decoded.parseMs / 1000);
    const extras = detectExtras(decoded);
    if (decoded.skipped && decoded.skipped.total > 0) {
      ctx.metrics.recordsRejected.inc({ reason: 'skipped_line' }, decoded.skipped.total);
    }
    if (decoded.recordCount === 0) return jsonText(c, emptyDetectResponse(flow.slot.info.id, extras));
    ctx.metrics.stageDuration.observe({ stage: 'validate' }, decoded.validateMs / 1000);
    const { table, errors, rowIndices } = decoded;
    if (errors.length > 0) {
      const invalid = new Set(errors.map((e) => e.index)).size;
      const what = decoded.format === 'csv' ? 'lines' : 'records';
      ctx.metrics.recordsRejected.inc({ reason: 'validation' }, invalid);
      ctx.metrics.requestsRejected.inc({ reason: 'invalid_records' });
      throw new HttpError(
        400,
        `${invalid} of ${decoded.recordCount} ${what} are invalid; nothing was scored`,
        {
          invalidRecords: invalid,
          errors: errors.slice(0, 100),
          errorsTruncated: errors.length > 100,
        },
      );
    }
    let outcome;
    try {
      outcome = await flow.service.detect({
        table,
        recordOf: submittedRecords(decoded.body, decoded.format, rowIndices, detector.inputSchema),
        source: decoded.source,
      });
    } catch (error) {
      throw overloadedAs503(error, ctx);
    }
    // Acknowledged ⇒ stored: the answer waits until the batch's alerts are durable.
    await outcome.durable;
    const withProbabilities = ['1', 'true'].includes(c.req.query('probabilities') ?? '');
    const started = performance.now();
    const answer = formatDetectResponse(outcome, withProbabilities, extras);
    ctx.metrics.stageDuration.observe({ stage: 'respond' }, (performance.now() - started) / 1000);
    return jsonText(c, answer);
  });

  app.get('/v1/alerts', (c) => {
    const page = ctx.store.list({
      class: c.req.query('class') || undefined,
      since: timeParam(c.req.query('since'), 'since'),
      until: timeParam(c.req.query('until'), 'until'),
      before: intParam(c.req.query('before'), 'before'),
      limit: intParam(c.req.query('limit'), 'limit') ?? 100,
    });
    return c.json(page);
  });

  app.get('/v1/alerts/summary', (c) => {
    const bucketMs = (intParam(c.req.query('bucket'), 'bucket') ?? 60) * 1000;
    const since = timeParam(c.req.query('since'), 'since') ?? Date.now() - 60 * 60 * 1000;
    const info = ctx.info();
    return c.json({
      since: new Date(since).toISOString(),
      bucketSeconds: bucketMs / 1000,
      classes: info.classes.filter((name) => name !== info.normalClass),
      buckets: ctx.store.countsOverTime(since - (since % bucketMs), bucketMs),
      totals: ctx.store.totals(),
    });
  });

  app.get('/v1/alerts/stream', (c) => {
    const after = intParam(c.req.header('last-event-id') ?? c.req.query('after'), 'after');
    const entry: { close?: () => void } = {};
    const live = alertEventStream(ctx.hub, ctx.store, {
      after,
      onEnd: () => {
        if (entry.close) ctx.liveStreams.delete(entry.close);
      },
    });
    if (live === null) throw new HttpError(503, 'too many live clients', {}, { 'retry-after': '10' });
    entry.close = live.close;
    ctx.liveStreams.add(live.close);
    return new Response(live.stream, {
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      },
    });
  });

  app.get(
    '/v1/alerts/ws',
    upgradeWebSocket(() => {
      let unsubscribe: (() => void) | null = null;
      return {
        onOpen(_event, ws) {
          const socket = ws.raw as WebSocket | undefined;
          unsubscribe = ctx.hub.subscribe((event, json) => {
            // A client that stops reading is dropped rather than buffered for without bound.
            if ((socket?.bufferedAmount ?? 0) > MAX_WEBSOCKET_BUFFERED_BYTES) {
              unsubscribe?.();
              socket?.terminate();
              return;
            }
            ws.send(`{"type":"${event.type}","data":${json}}`);
          });
          if (unsubscribe === null) ws.close(1013, 'too many live clients');
        },
        onClose() {
          unsubscribe?.();
        },
      };
    }),
  );
  app.get('/v1/alerts/ws', () => {
    throw new HttpError(400, 'this endpoint speaks WebSocket: send an Upgrade: websocket request');
  });

  app.get('/v1/alerts/:id', (c) => {
    const id = intParam(c.req.param('id'), 'id');
    const alert = id === undefined ? undefined : ctx.store.get(id);
    if (!alert) throw new HttpError(404, `no alert ${c.req.param('id')}`);
    return c.json(alert);
  });

  app.get('/v1/model', async (c) =>
    c.json({
      model: ctx.info(),
      // The fields a record needs, with what training saw of each, and an example record (none: a packet
      // detector takes no records).
      input: ctx.flow && describeInput(ctx.flow.slot.current.pipeline.toJSON()),
      testMetrics: ctx.flow && (await ctx.flow.testMetrics()),
    }),
  );

  app.get('/v1/capture', (c) => c.json({ capture: ctx.captureHealth() }));

  app.post('/v1/model/reload', async (c) => {
    const flow = flowRoutes(
      ctx,
      'its model is not swapped over HTTP: restart watch with the new model directory',
    );
    const result = await flow.reload();
    return c.json(result, result.ok ? 200 : 422);
  });

  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));

  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    if (error instanceof ClientAbortedError) return new Response(null, { status: 499 }); // nobody reads it
    if (error instanceof HttpError) {
      for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
      return c.json({ error: error.message, ...error.details }, error.status);
    }
    if (error instanceof IotIdsError && error.kind === 'usage') {
      return c.json({ error: error.message }, 400);
    }
    ctx.log(
      `error on ${c.req.method} ${c.req.path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return c.json({ error: 'internal error; see the service log' }, 500);
  });

  return app;
}

function page(c: Context<Env>, asset: DashboardAsset | undefined): Response {
  if (!asset) throw new HttpError(404, `no dashboard file ${c.req.path}`);
  return c.body(asset.body, 200, {
    'content-type': asset.type,
    'cache-control': 'no-cache',
    // Everything comes from this origin: no external scripts, styles, fonts or images.
    'content-security-policy':
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
      "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  });
}

/** The record-scoring routes, or a 409 naming why a packet-ae watch has none. */
function flowRoutes(ctx: AppContext, why: string): FlowRoutesContext {
  if (ctx.flow) return ctx.flow;
  throw new HttpError(409, `this service is a packet-ae watch: ${why}`, { model: ctx.info().id });
}

/** A full queue (decoder or micro-batcher) is a 503 the client may retry; anything else passes through. */
function overloadedAs503(error: unknown, ctx: AppContext): unknown {
  if (!(error instanceof OverloadedError)) return error;
  ctx.metrics.requestsRejected.inc({ reason: 'overloaded' });
  return new HttpError(503, error.message, {}, { 'retry-after': '1' });
}

function jsonText(c: Context<Env>, text: string): Response {
  return c.body(text, 200, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
}

function intParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value))
    throw new HttpError(400, `${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

/** A time as ISO 8601 or milliseconds since the epoch. */
function timeParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new HttpError(
      400,
      `${name} must be an ISO 8601 time or milliseconds since the epoch, got "${value}"`,
    );
  }
  return ms;
}
