import { liveEventsOf, publishWhenDurable } from '../../alerts/alert-aggregator.js';
import type { AlertHub } from '../../alerts/alert-hub.js';
import type { AlertGroupWrite, AlertStore } from '../../alerts/alert-store.js';
import type { Table } from '../../data/table.js';
import type { ModelSlot } from '../../detection/model-slot.js';
import { anomalousMask, type AnomalyDetector } from '../../models/zero-day/anomaly-detector.js';
import { ANOMALY_CLASS, combineWithClassifier } from '../../models/zero-day/combine.js';
import type { DetectOutcome } from '../detection-service.js';
import type { ServiceMetrics } from '../service-metrics.js';
import { IotIdsError } from '../../errors.js';
import { round6 } from '../../util/round6.js';

/**
 * The zero-day anomaly detector attached to `watch` (`--zero-day`), as `consume --zero-day` attaches it:
 * after the classifier has scored a batch of connection records, the records it calls normal are passed
 * through the model's pipeline and the autoencoder, and those whose reconstruction error is above the
 * detector's threshold become `anomaly` alerts, folded per source and alert window in the same store.
 * Records the classifier labels as an attack keep its verdict. The groups go through a store connection
 * of their own (SQLite WAL serialises it with the service's writes); given the service's hub, they reach
 * its live clients and forwarders once durable, as the classifier's alerts do.
 */
export interface ZeroDayAlertsOptions {
  /** Alert window of the store, seconds. Default 60. */
  windowSeconds?: number;
  /** The service's hub: the alerts reach its live clients and forwarders once durable. */
  hub?: AlertHub;
  /**
   * The reconstruction error above which a record is anomalous, instead of the threshold saved with the
   * detector (`watch --zero-day-threshold`, e.g. one set on benign validation hours for a target of false
   * alerts per hour, as `lab/evaluate-packets.ts` does).
   */
  threshold?: number;
  /** The service's counters, so `iot_ids_alerts_total` and `…_created_total` count these alerts too. */
  metrics?: Pick<ServiceMetrics, 'alertRecords' | 'alertsCreated'>;
}

export class ZeroDayAlerts {
  private readonly windowMs: number;
  private readonly hub?: AlertHub;
  private readonly metrics?: ZeroDayAlertsOptions['metrics'];
  /** The reconstruction error above which a record the classifier calls normal is an anomaly. */
  readonly threshold: number;

  constructor(
    private readonly zeroDay: AnomalyDetector,
    private readonly slot: ModelSlot,
    private readonly store: AlertStore,
    options: ZeroDayAlertsOptions = {},
  ) {
    this.windowMs = Math.round((options.windowSeconds ?? 60) * 1000);
    this.hub = options.hub;
    this.metrics = options.metrics;
    this.threshold = options.threshold ?? zeroDay.threshold;
    if (!(this.threshold > 0) || !Number.isFinite(this.threshold)) {
      throw new IotIdsError(`the zero-day threshold must be a positive number, got ${this.threshold}`, {
        kind: 'usage',
      });
    }
  }

  /**
   * Checks one scored batch (`table` row r is `stored[r]`, the record kept with a new alert, and comes from
   * `sources[r]`); returns how many records raised an anomaly alert once the alerts are durable.
   */
  async check(
    table: Table,
    outcome: DetectOutcome,
    sources: readonly string[],
    stored: (row: number) => unknown,
  ): Promise<number> {
    if (table.nRows === 0) return 0;
    const { flags, errors } = await this.slot.use(async (detector) => {
      const errors = await this.zeroDay.score(detector.pipeline.transform(table).x);
      const labels = Array.from(outcome.predicted, (c) => ({ label: outcome.classes[c] }));
      const flags = combineWithClassifier(
        labels,
        anomalousMask(errors, this.threshold),
        detector.rules.normalClass,
      );
      return { flags, errors };
    });
    const now = Date.now();
    const windowStart = now - (now % this.windowMs);
    const groups = new Map<string, AlertGroupWrite>();
    let alerting = 0;
    for (let r = 0; r < flags.length; r++) {
      if (flags[r] === 0) continue;
      alerting++;
      const error = round6(errors[r]);
      const group = groups.get(sources[r]);
      if (group) {
        group.count++;
        if (error > group.maxProbability) group.maxProbability = error;
        continue;
      }
      groups.set(sources[r], {
        class: ANOMALY_CLASS,
        sourceKey: sources[r],
        windowStart,
        firstTime: now,
        lastTime: now,
        count: 1,
        // The reconstruction error stands where a classifier's probability would (as `consume` reports it).
        probability: error,
        maxProbability: error,
        explanation: [],
        record: { ...(stored(r) as object), anomalyScore: error, threshold: this.threshold },
        model: `zero-day@${outcome.modelId}`,
      });
    }
    if (groups.size === 0) return 0;
    const writes = [...groups.values()];
    const results = this.store.writeGroups(writes);
    if (this.metrics) {
      this.metrics.alertRecords.inc({ class: ANOMALY_CLASS }, alerting);
      const created = results.filter((result) => result.created).length;
      if (created > 0) this.metrics.alertsCreated.inc({ class: ANOMALY_CLASS }, created);
    }
    const synced = this.store.durable();
    if (this.hub) publishWhenDurable(this.hub, synced, liveEventsOf(this.store, writes, results));
    await synced;
    return alerting;
  }
}
