import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 10, 100, 500, 1000, 2000, 4000, 8000, 16000, 32000, 64000];

/**
 * The service's Prometheus metrics, in a registry of its own (so two servers in one process, as in tests,
 * do not share counters), plus the default process metrics (CPU, RSS, event-loop lag, GC) prefixed
 * `iot_ids_`.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly recordsScored: Counter;
  readonly recordsRejected: Counter<'reason'>;
  readonly requestsRejected: Counter<'reason'>;
  readonly alertRecords: Counter<'class'>;
  readonly alertsCreated: Counter<'class'>;
  readonly alertsPruned: Counter;
  readonly batchRecords: Histogram;
  readonly batchRequests: Histogram;
  readonly requestDuration: Histogram<'route' | 'method' | 'status'>;
  readonly requestsAborted: Counter<'route'>;
  readonly stageDuration: Histogram<'stage'>;
  readonly queuedRecords: Gauge;
  readonly liveSubscribers: Gauge;
  readonly modelInfo: Gauge<'kind' | 'dataset' | 'task' | 'created_at'>;
  readonly modelReloads: Counter<'result'>;

  constructor() {
    const registers = [this.registry];
    this.recordsScored = new Counter({
      name: 'iot_ids_records_scored_total',
      help: 'Records scored by the model.',
      registers,
    });
    this.recordsRejected = new Counter({
      name: 'iot_ids_records_rejected_total',
      help: 'Records refused before scoring, by reason (validation: a field was missing or wrong).',
      labelNames: ['reason'],
      registers,
    });
    this.requestsRejected = new Counter({
      name: 'iot_ids_requests_rejected_total',
      help:
        'Requests refused, by reason: malformed, too_large, invalid_records, unauthorized, rate_limited, ' +
        'overloaded.',
      labelNames: ['reason'],
      registers,
    });
    this.alertRecords = new Counter({
      name: 'iot_ids_alerts_total',
      help: 'Records that raised an alert, by predicted class (before aggregation).',
      labelNames: ['class'],
      registers,
    });
    this.alertsCreated = new Counter({
      name: 'iot_ids_alerts_created_total',
      help: 'Alert rows opened in the store (one per class, source and window), by class.',
      labelNames: ['class'],
      registers,
    });
    this.alertsPruned = new Counter({
      name: 'iot_ids_alerts_pruned_total',
      help: 'Alert rows removed from the store by retention (--retain-days).',
      registers,
    });
    this.batchRecords = new Histogram({
      name: 'iot_ids_batch_records',
      help: 'Records per micro-batch.',
      buckets: BATCH_BUCKETS,
      registers,
    });
    this.batchRequests = new Histogram({
      name: 'iot_ids_batch_requests',
      help: 'Requests merged into one micro-batch.',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers,
    });
    this.requestsAborted = new Counter({
      name: 'iot_ids_requests_aborted_total',
      help: 'Requests whose client closed the connection before the request was read.',
      labelNames: ['route'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'iot_ids_request_duration_seconds',
      help: 'Time from request to response, by route, method and status.',
      labelNames: ['route', 'method', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.stageDuration = new Histogram({
      name: 'iot_ids_batch_stage_duration_seconds',
      help:
        'Time per stage: per request parse (body to JSON), validate (records to table), respond (JSON ' +
        'answer); per micro-batch score (pipeline + model), explain, store (commit), sync (WAL fsync).',
      labelNames: ['stage'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.queuedRecords = new Gauge({
      name: 'iot_ids_queued_records',
      help: 'Records waiting for a micro-batch.',
      registers,
    });
    this.liveSubscribers = new Gauge({
      name: 'iot_ids_live_subscribers',
      help: 'Connected live alert clients (server-sent events and WebSocket).',
      registers,
    });
    this.modelInfo = new Gauge({
      name: 'iot_ids_model_info',
      help: 'The model being served (value 1).',
      labelNames: ['kind', 'dataset', 'task', 'created_at'],
      registers,
    });
    this.modelReloads = new Counter({
      name: 'iot_ids_model_reloads_total',
      help: 'Model reload attempts by result (ok, refused).',
      labelNames: ['result'],
      registers,
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'iot_ids_' });
  }

  setModel(info: { kind: string; dataset: string; task: string; createdAt: string }): void {
    this.modelInfo.reset();
    this.modelInfo.set(
      { kind: info.kind, dataset: info.dataset, task: info.task, created_at: info.createdAt },
      1,
    );
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
