import type { Server } from 'node:http';
import { availableParallelism } from 'node:os';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { IotIdsError, usageError } from '../errors.js';
import type { AlertForwarder } from '../alerts/alert-forwarder.js';
import { hubWithForwarders } from '../alerts/alert-hub.js';
import { startAlertRetention } from '../alerts/alert-retention.js';
import { AlertStore, checkRetentionDays, type StoreSynchronous } from '../alerts/alert-store.js';
import { createBodyDecoder } from './body-decoder.js';
import { createApp } from './app.js';
import { loadDashboardAssets } from './dashboard-assets.js';
import { checkToken, isLoopbackHost, readTokenFile, TokenCheck } from './bearer-auth.js';
import { browserGuard } from './browser-guard.js';
import { DetectionService, type DetectOutcome, type DetectRequest } from './detection-service.js';
import { ModelSlot, type ReloadResult } from '../detection/model-slot.js';
import { readTestMetrics } from './model-test-metrics.js';
import { RateLimiter, type RateLimitOptions } from './rate-limiter.js';
import { ServiceMetrics } from './service-metrics.js';
import type { AlertHub } from '../alerts/alert-hub.js';
import type { ModelInfo } from '../detection/model-slot.js';
import type { FlowRoutesContext } from './app.js';
import type { CaptureHealth } from './watch-health.js';

export interface ServerOptions {
  /** Model directory written by `iot-ids train` (…/model); its run's metrics.json is read from `..`. */
  modelDir: string;
  /** Address to listen on. Anything other than loopback requires a token. Default '127.0.0.1'. */
  host?: string;
  /**
   * Host names besides the bound address (and, on loopback, `localhost`) that requests may name in their
   * `Host` header, e.g. the gateway's DNS name behind which clients reach it. Others are answered 421
   * (DNS rebinding). Bound to a wildcard address without any: every Host is accepted. Default none.
   */
  allowedHosts?: string[];
  /** Port; 0 picks a free one (see `RunningServer.url`). Default 8080. */
  port?: number;
  /** Bearer token required on the API (at least 16 printable characters). Default none. */
  token?: string;
  /** File holding the bearer token (used when `token` is not given). Default none. */
  tokenFile?: string;
  /** SQLite file the alerts are written to (created if missing). Default 'alerts.db'. */
  store?: string;
  /** Commit durability of the store, see `StoreSynchronous`. Default 'full'. */
  storeSynchronous?: StoreSynchronous;
  /**
   * Days an alert is kept after its last record (a whole number ≥ 1); expired alerts are pruned at start
   * and then every `pruneIntervalMs`. Default none: alerts are kept forever.
   */
  retentionDays?: number;
  /** Time between prunes when `retentionDays` is set, in ms. Default 3600000 (an hour). */
  pruneIntervalMs?: number;
  /** Alert threshold per attack class. Default 0.5 for every class. */
  thresholds?: Record<string, number>;
  /** The benign class, which never raises alerts. Default 'normal'. */
  normalClass?: string;
  /**
   * Zero-day mode: `true` attaches the model's anomaly detector (`<modelDir>/zero-day/`), a string the one in
   * that directory; records the classifier calls normal but the autoencoder finds anomalous alert as
   * `anomaly`. A reload loads it again with the new model. Default: off.
   */
  zeroDay?: boolean | string;
  /**
   * Aggregation window in seconds: one alert per class and source key per window (alert-aggregator.ts).
   * Set on the store, which the aggregator reads it from. Default `DEFAULT_ALERT_WINDOW_SECONDS` (60).
   */
  alertWindowSeconds?: number;
  /** Record field holding the source key (see `source-key.ts`). Default none: the client's address. */
  sourceField?: string;
  /** Features listed in an alert's explanation. Default 5. */
  explainTop?: number;
  /** New alerts explained per micro-batch at most (the rest get an empty explanation). Default 64. */
  maxExplanationsPerBatch?: number;
  /** Largest request body, in bytes; larger ones get 413. Default 16 MiB. */
  maxBodyBytes?: number;
  /** Most records in one request; more get 413. Default 20000. */
  maxRecordsPerRequest?: number;
  /** Records per micro-batch at most. Default 8192. */
  maxBatchRecords?: number;
  /** How long a micro-batch waits for more requests, in ms (0: natural batching). Default 0. */
  batchWaitMs?: number;
  /** Records waiting to be scored at most; beyond that requests get 503. Default 100000. */
  maxQueuedRecords?: number;
  /**
   * Worker threads that parse and validate request bodies; 0 does it on the event loop. Default 1 when the
   * machine has two or more cores, else 0.
   */
  decoderThreads?: number;
  /** Per-client rate limit, or false for none. Default 200 requests/s, bursts of 400. */
  rateLimit?: RateLimitOptions | false;
  /** Time a client has to send the request headers, in ms (slow-loris guard). Default 10000. */
  headersTimeoutMs?: number;
  /** Time a client has to send a whole request, in ms. Default 60000. */
  requestTimeoutMs?: number;
  /** Idle time before a keep-alive connection is closed, in ms. Default 5000. */
  keepAliveTimeoutMs?: number;
  /** Live alert clients (SSE + WebSocket) at most. Default 100. */
  maxLiveClients?: number;
  /** Where the service logs (errors, reloads). Default: nowhere. */
  log?: (message: string) => void;
  /** Where each new alert is also sent (webhook, syslog), once it is durable. Closed with the server. */
  forwarders?: readonly AlertForwarder[];
}

/**
 * The options of the HTTP shell every service shares (listening, token, store, live clients, limits),
 * whatever scores the alerts: `startServer` (a flow model) and `startPacketServer` (a packet-ae watch).
 */
export type AlertServiceOptions = Pick<
  ServerOptions,
  | 'host'
  | 'allowedHosts'
  | 'port'
  | 'token'
  | 'tokenFile'
  | 'store'
  | 'storeSynchronous'
  | 'retentionDays'
  | 'pruneIntervalMs'
  | 'alertWindowSeconds'
  | 'rateLimit'
  | 'headersTimeoutMs'
  | 'requestTimeoutMs'
  | 'keepAliveTimeoutMs'
  | 'maxLiveClients'
  | 'log'
  | 'forwarders'
>;

/** A listening service: alert API, live streams, /metrics, dashboard, capture health. */
export interface RunningAlertService {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  host: string;
  port: number;
  /**
   * Stops accepting connections, ends live streams, lets requests in flight finish (their alerts are
   * committed), then closes the store and the model. Idempotent.
   */
  close(): Promise<void>;
  /** The service's Prometheus metrics; `watch` registers its capture health beside them. */
  metrics: ServiceMetrics;
  /** The alert store the API reads (a packet-ae watch writes its alerts into it). */
  store: AlertStore;
  /** The live clients (SSE, WebSocket) and forwarders; publish only alerts already durable in `store`. */
  hub: AlertHub;
  /**
   * For `watch`: attaches the capture whose health `GET /v1/capture` and the dashboard's health panel
   * show (read on every request). Without it they report no capture.
   */
  attachCapture(health: () => CaptureHealth): void;
}

export interface RunningServer extends RunningAlertService {
  /**
   * Loads the model directory again and swaps it in only if it passes validation; otherwise the old model
   * keeps serving and the result says why. Never rejects. Call it on SIGHUP.
   */
  reload(): Promise<ReloadResult>;
  /**
   * For `watch`, which feeds the same pipeline from captured traffic instead of HTTP: scores records into
   * the store, the live streams and the metrics exactly as POST /v1/detect does.
   */
  detect(request: DetectRequest): Promise<DetectOutcome>;
  /** The model being served (it may be swapped by `reload`). */
  slot: ModelSlot;
}

const CLOSE_GRACE_MS = 5000;

/** The options checked before anything is loaded, so a bad flag fails at once. */
interface CheckedListen {
  host: string;
  port: number;
  token: string | undefined;
  log: (message: string) => void;
}

async function checkListenOptions(options: AlertServiceOptions): Promise<CheckedListen> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError(`invalid port ${port}`);
  if (options.retentionDays !== undefined) checkRetentionDays(options.retentionDays);
  const pruneIntervalMs = options.pruneIntervalMs ?? 3_600_000;
  if (!Number.isInteger(pruneIntervalMs) || pruneIntervalMs < 1) {
    throw usageError(`prune interval must be a whole number of ms ≥ 1, got ${pruneIntervalMs}`);
  }
  const token =
    options.token !== undefined
      ? checkToken(options.token)
      : options.tokenFile !== undefined
        ? await readTokenFile(options.tokenFile)
        : undefined;
  if (token === undefined && !isLoopbackHost(host)) {
    throw usageError(
      `refusing to listen on ${host} without a bearer token: pass --token-file, or bind to 127.0.0.1`,
    );
  }
  return { host, port, token, log: options.log ?? (() => {}) };
}

function openStore(options: AlertServiceOptions): AlertStore {
  return AlertStore.open(options.store ?? 'alerts.db', {
    synchronous: options.storeSynchronous,
    retentionDays: options.retentionDays,
    alertWindowSeconds: options.alertWindowSeconds,
  });
}

/** Starts the detection service: loads and checks the model, opens the store, listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const checked = await checkListenOptions(options);
  const slot = await ModelSlot.open(options.modelDir, {
    thresholds: options.thresholds,
    normalClass: options.normalClass,
    zeroDay: options.zeroDay,
  });
  let store: AlertStore | undefined;
  try {
    store = openStore(options);
    const { metrics, hub } = liveParts(options);
    const served = flowServed(options, slot, store, metrics, hub, checked.log);
    const shell = await listen(options, checked, store, metrics, hub, served);
    return {
      ...shell,
      reload: served.flow.reload,
      detect: (request) => served.service.detect(request),
      slot,
    };
  } catch (error) {
    store?.close();
    await slot.dispose();
    throw error;
  }
}

/** The metrics registry and the live-client hub (one slot per forwarder besides the live clients). */
function liveParts(options: AlertServiceOptions): { metrics: ServiceMetrics; hub: AlertHub } {
  return {
    metrics: new ServiceMetrics(),
    hub: hubWithForwarders(options.forwarders ?? [], options.maxLiveClients ?? 100),
  };
}

/** The model information a packet-ae watch shows in /v1/model, /readyz and the dashboard. */
export type PacketServerOptions = AlertServiceOptions & { model: ModelInfo };

/**
 * The same service for `iot-ids watch` with a packet-ae model: alert API, live streams, /metrics, capture
 * health and dashboard, with the same token, limits and browser checks as `startServer`, but no model to
 * score records with: POST /v1/detect and POST /v1/model/reload answer 409. The packet watch writes its
 * alerts into `store` and publishes them to `hub` once durable (packet-watch.ts).
 */
export async function startPacketServer(options: PacketServerOptions): Promise<RunningAlertService> {
  const checked = await checkListenOptions(options);
  const store = openStore(options);
  try {
    const { metrics, hub } = liveParts(options);
    metrics.setModel(options.model);
    const done = (): Promise<void> => Promise.resolve();
    const served: Served = { info: () => options.model, flow: null, drain: done, stop: done, dispose: done };
    return await listen(options, checked, store, metrics, hub, served);
  } catch (error) {
    store.close();
    throw error;
  }
}

/** What scores the alerts a service shows, and how it shuts down. */
interface Served {
  info: () => ModelInfo;
  flow: FlowRoutesContext | null;
  /** Waits until everything submitted is scored and durable. */
  drain: () => Promise<void>;
  /** Stops what the HTTP side used (body decoder threads); also called when listening fails. */
  stop: () => Promise<void>;
  /** Releases the model, after the store is closed. */
  dispose: () => Promise<void>;
}

/** The flow model's side of the service: detection service, body decoder, reload. */
function flowServed(
  options: ServerOptions,
  slot: ModelSlot,
  store: AlertStore,
  metrics: ServiceMetrics,
  hub: AlertHub,
  log: (message: string) => void,
): Served & { flow: FlowRoutesContext; service: DetectionService } {
  metrics.setModel(slot.info);
  const service = new DetectionService(
    slot,
    store,
    hub,
    metrics,
    {
      explainTop: options.explainTop,
      maxExplanationsPerBatch: options.maxExplanationsPerBatch,
    },
    {
      maxBatchRecords: options.maxBatchRecords,
      maxWaitMs: options.batchWaitMs,
      maxQueuedRecords: options.maxQueuedRecords,
    },
  );
  const bodyDecoder = createBodyDecoder({
    threads: options.decoderThreads ?? (availableParallelism() >= 2 ? 1 : 0),
    log,
  });
  const reload = async (): Promise<ReloadResult> => {
    const result = await slot.reload(service.recentRecords);
    metrics.modelReloads.inc({ result: result.ok ? 'ok' : 'refused' });
    if (result.ok) {
      metrics.setModel(result.model);
      log(`model reloaded: ${result.model.id} (was ${result.previous.id})`);
    } else {
      log(`model reload refused, still serving ${result.model.id}: ${result.error}`);
    }
    return result;
  };
  return {
    info: () => slot.info,
    flow: {
      slot,
      service,
      bodyDecoder,
      sourceField: options.sourceField,
      maxBodyBytes: options.maxBodyBytes ?? 16 * 1024 * 1024,
      maxRecordsPerRequest: options.maxRecordsPerRequest ?? 20_000,
      // Read on every request: metrics.json may be written after the model (and it is small).
      testMetrics: () => readTestMetrics(options.modelDir),
      reload,
    },
    drain: () => service.drain(),
    stop: () => bodyDecoder.close(),
    dispose: () => slot.dispose(),
    service,
  };
}

/** Largest message accepted from a WebSocket client (the service only sends; clients say little). */
const MAX_WEBSOCKET_MESSAGE_BYTES = 64 * 1024;

async function listen(
  options: AlertServiceOptions,
  { host, port, token, log }: CheckedListen,
  store: AlertStore,
  metrics: ServiceMetrics,
  hub: AlertHub,
  served: Served,
): Promise<RunningAlertService> {
  const forwarders = options.forwarders ?? [];
  const dashboard = await loadDashboardAssets(log); // never throws: a missing file is logged
  let closing = false;
  const liveStreams = new Set<() => void>();
  let captureHealth: (() => CaptureHealth) | null = null;

  const app = createApp({
    info: served.info,
    flow: served.flow,
    store,
    hub,
    metrics,
    tokenCheck: token === undefined ? null : new TokenCheck(token),
    rateLimiter: options.rateLimit === false ? null : new RateLimiter(options.rateLimit ?? {}),
    browserGuard: browserGuard(host, token !== undefined, options.allowedHosts),
    liveStreams,
    isClosing: () => closing,
    log,
    dashboard,
    captureHealth: () => captureHealth?.() ?? null,
  });
  // `ws` does the protocol (RFC 6455 with its validation: oversized or fragmented control frames and
  // invalid UTF-8 close the connection); @hono/node-server routes the upgrade through the app, so the
  // same middleware (rate limit, token, Host and Origin checks) runs first.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WEBSOCKET_MESSAGE_BYTES,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('iot-ids') ? 'iot-ids' : false),
  });
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const server = createAdaptorServer({
    fetch: app.fetch,
    websocket: { server: wss },
    serverOptions: {
      headersTimeout,
      requestTimeout: options.requestTimeoutMs ?? 60_000,
      // How often Node checks the two timeouts above (its default, 30 s, would let slow clients linger).
      connectionsCheckingInterval: Math.min(1000, headersTimeout),
    },
  }) as Server;
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 5000;

  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(
          new IotIdsError(`cannot listen on ${host}:${port}: ${error.code ?? error.message}`, {
            kind: error.code === 'EADDRINUSE' || error.code === 'EACCES' ? 'usage' : 'failure',
            cause: error,
          }),
        );
      };
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
  } catch (error) {
    await served.stop();
    throw error;
  }
  server.on('error', (error) => log(`server error: ${error.message}`));
  const retention =
    store.retentionDays === undefined
      ? null
      : startAlertRetention(store, {
          intervalMs: options.pruneIntervalMs,
          log,
          onPruned: (count) => metrics.alertsPruned.inc(count),
        });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const end of [...liveStreams]) end();
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      wss.close();
      await served.drain();
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      await stopped;
      clearTimeout(grace);
      await served.drain();
      await served.stop();
      await Promise.all(forwarders.map((f) => f.close()));
      await retention?.stop();
      store.close();
      await served.dispose();
    })();
    return closed;
  };

  return {
    url: `http://${urlHost}:${address.port}`,
    host,
    port: address.port,
    close,
    metrics,
    store,
    hub,
    attachCapture: (health) => {
      captureHealth = health;
    },
  };
}
