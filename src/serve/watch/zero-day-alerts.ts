import { liveEventsOf, publishWhenDurable } from '../../alerts/alert-aggregator.js';
import type { AlertHub } from '../../alerts/alert-hub.js';
import type { AlertGroupWrite, AlertStore } from '../../alerts/alert-store.js';
import type { Table } from '../../data/table.js';
import type { ModelSlot } from '../../detection/model-slot.js';
import { anomalousMask, type AnomalyDetector } from '../../models/zero-day/anomaly-detector.js';
import { ANOMALY_CLASS, combineWithClassifier } from '../../models/zero-day/combine.js';
import type { DetectOutcome } from '../detection-service.js';
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
export class ZeroDayAlerts {
  private readonly windowMs: number;

  constructor(
    private readonly zeroDay: AnomalyDetector,
    private readonly slot: ModelSlot,
    private readonly store: AlertStore,
    windowSeconds = 60,
    private readonly hub?: AlertHub,
  ) {
    this.windowMs = Math.round(windowSeconds * 1000);
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
        anomalousMask(errors, this.zeroDay.threshold),
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
        record: { ...(stored(r) as object), anomalyScore: error, threshold: this.zeroDay.threshold },
        model: `zero-day@${outcome.modelId}`,
      });
    }
    if (groups.size === 0) return 0;
    const writes = [...groups.values()];
    const results = this.store.writeGroups(writes);
    const synced = this.store.durable();
    if (this.hub) publishWhenDurable(this.hub, synced, liveEventsOf(this.store, writes, results));
    await synced;
    return alerting;
  }
}
