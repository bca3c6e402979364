import { selectRows, type Table } from '../data/table.js';
import { usageError } from '../errors.js';
import type { AlertHub, LiveEvent } from '../alerts/alert-hub.js';
import type { AlertGroupWrite, AlertStore, StoredContribution } from '../alerts/alert-store.js';
import { explain } from '../detection/explain.js';
import { MicroBatcher, type MicroBatcherOptions } from './micro-batcher.js';
import type { ModelSlot } from '../detection/model-slot.js';
import type { ServiceMetrics } from './service-metrics.js';
import { concatTables } from '../detection/table-concat.js';

/** The valid records of one request, ready to be scored. */
export interface DetectRequest {
  table: Table;
  /** The record of table row r as submitted, stored with a new alert (called for few rows). */
  recordOf: (row: number) => unknown;
  /** Source key (see `source-key.ts`) of every table row, or one for all of them. */
  source: string | readonly string[];
}

/** Verdicts on one request's rows, in row order. */
export interface DetectOutcome {
  /** Model that scored them (`kind@createdAt`). */
  modelId: string;
  classes: readonly string[];
  predicted: Int32Array;
  /** rows × classes. */
  probabilities: Float32Array;
  /** Id of the stored alert each row was folded into; 0 for rows that raised none. */
  alertIds: Float64Array;
  alerts: number;
  /** Resolves once the alerts are durable (see `AlertStore.durable`): answer the request only then. */
  durable: Promise<void>;
}

export interface AlertingOptions {
  /** Length of the aggregation window: alerting records of one class from one source within a window
   * become one alert with a count. Default 60 s. */
  windowSeconds?: number;
  /** Features listed in an alert's explanation. Default 5. */
  explainTop?: number;
  /** New alerts explained per batch at most; more (a scan from thousands of sources) are stored with an
   * empty explanation rather than stalling scoring. Default 64. */
  maxExplanationsPerBatch?: number;
}

interface Group {
  /** Position in the batch's group list. */
  index: number;
  key: string;
  classIndex: number;
  source: string;
  /** Batch row of the first record, the one explained and stored. */
  firstRow: number;
  item: number;
  itemRow: number;
  count: number;
  probability: number;
  maxProbability: number;
  explanation: StoredContribution[] | null;
}

const PROBE_ROWS = 64;

/**
 * Scores records in micro-batches and turns alerting records into stored alerts. Per batch: stack the
 * requests' tables, score them, group the alerting rows by (class, source key) — all rows of a batch share
 * one time and so one aggregation window — explain the first record of every group that opens a new alert,
 * merge all groups into the store in one transaction, and only once that commit is durable answer the
 * requests and publish the alerts to live clients. So when a request is answered, its alerts are stored.
 * The next batch does not wait for the disk: it is scored while the previous commit is being synced.
 */
export class DetectionService {
  private readonly batcher: MicroBatcher<DetectRequest, DetectOutcome>;
  private readonly windowMs: number;
  private readonly explainTop: number;
  private readonly maxExplanations: number;
  /** Alert ids of the groups already open in the current window, to skip the store lookup. */
  private openAlerts = new Map<string, number>();
  private openWindow = -1;
  private probe: Table | undefined;
  /** The latest batch's sync; syncs complete in order, so this one covers all earlier batches. */
  private lastDurable: Promise<void> = Promise.resolve();

  constructor(
    private readonly slot: ModelSlot,
    private readonly store: AlertStore,
    private readonly hub: AlertHub,
    private readonly metrics: ServiceMetrics,
    alerting: AlertingOptions = {},
    batching: MicroBatcherOptions = {},
  ) {
    const windowSeconds = alerting.windowSeconds ?? 60;
    if (!(windowSeconds >= 1) || !Number.isFinite(windowSeconds)) {
      throw usageError(`alert window must be at least 1 second, got ${windowSeconds}`);
    }
    this.windowMs = Math.round(windowSeconds * 1000);
    this.explainTop = alerting.explainTop ?? 5;
    this.maxExplanations = alerting.maxExplanationsPerBatch ?? 64;
    this.batcher = new MicroBatcher(
      (items) => this.processBatch(items),
      (item) => item.table.nRows,
      batching,
    );
  }

  /**
   * Scores a request's records together with whatever else is waiting; resolves after the store commit.
   * Await the outcome's `durable` before acknowledging the request.
   */
  detect(request: DetectRequest): Promise<DetectOutcome> {
    const outcome = this.batcher.submit(request);
    this.metrics.queuedRecords.set(this.batcher.queued);
    return outcome;
  }

  /** A few recent records, to check a new model on real traffic before it is swapped in. */
  get recentRecords(): Table | undefined {
    return this.probe;
  }

  /** Waits for every submitted request to be processed and its alerts to be durable. */
  async drain(): Promise<void> {
    await this.batcher.drain();
    await this.lastDurable.catch(() => {});
  }

  private processBatch(items: DetectRequest[]): Promise<DetectOutcome[]> {
    return this.slot.use(async (detector) => {
      const metrics = this.metrics;
      metrics.queuedRecords.set(this.batcher.queued);
      const table = concatTables(items.map((i) => i.table));
      metrics.batchRecords.observe(table.nRows);
      metrics.batchRequests.observe(items.length);
      const modelId = `${detector.manifest.kind}@${detector.manifest.createdAt}`;
      const classes = detector.classes;
      const k = classes.length;

      let started = performance.now();
      const scored = await detector.scoreTable(table);
      metrics.stageDuration.observe({ stage: 'score' }, (performance.now() - started) / 1000);
      metrics.recordsScored.inc(table.nRows);
      if (table.nRows > 0) this.probe = selectRows(table, range(Math.min(PROBE_ROWS, table.nRows)));

      const now = Date.now();
      const windowStart = now - (now % this.windowMs);
      if (windowStart !== this.openWindow) {
        this.openAlerts = new Map();
        this.openWindow = windowStart;
      }
      const probabilities = scored.probabilities.data;
      const groups = new Map<string, Group>();
      const rowGroup = new Int32Array(table.nRows).fill(-1);
      const groupList: Group[] = [];
      const alertsPerClass = new Float64Array(k);
      let offset = 0;
      items.forEach((item, itemIndex) => {
        for (let r = 0; r < item.table.nRows; r++) {
          const row = offset + r;
          if (scored.alerts[row] === 0) continue;
          const c = scored.predicted[row];
          const p = probabilities[row * k + c];
          const source = typeof item.source === 'string' ? item.source : item.source[r];
          const key = `${classes[c]}\u0000${source}`;
          let group = groups.get(key);
          if (!group) {
            group = {
              index: groupList.length,
              key,
              classIndex: c,
              source,
              firstRow: row,
              item: itemIndex,
              itemRow: r,
              count: 0,
              probability: p,
              maxProbability: p,
              explanation: null,
            };
            groups.set(key, group);
            groupList.push(group);
          }
          group.count++;
          if (p > group.maxProbability) group.maxProbability = p;
          rowGroup[row] = group.index;
          alertsPerClass[c]++;
        }
        offset += item.table.nRows;
      });
      alertsPerClass.forEach((n, c) => {
        if (n > 0) metrics.alertRecords.inc({ class: classes[c] }, n);
      });

      const opening = groupList.filter(
        (g) =>
          !this.openAlerts.has(g.key) &&
          this.store.findOpenAlert(classes[g.classIndex], g.source, windowStart) === undefined,
      );
      if (opening.length > 0) {
        started = performance.now();
        const explained = opening.slice(0, this.maxExplanations);
        const explanations = await explain(
          detector,
          table,
          explained.map((g) => g.firstRow),
          { top: this.explainTop },
        );
        explained.forEach((g, i) => {
          g.explanation = explanations[i].contributions.map((c) => ({
            ...c,
            value: typeof c.value === 'number' ? round6(c.value) : c.value,
            contribution: round6(c.contribution),
          }));
        });
        for (const g of opening) g.explanation ??= [];
        metrics.stageDuration.observe({ stage: 'explain' }, (performance.now() - started) / 1000);
      }

      started = performance.now();
      const writes = groupList.map((g): AlertGroupWrite => ({
        class: classes[g.classIndex],
        sourceKey: g.source,
        windowStart,
        firstTime: now,
        lastTime: now,
        count: g.count,
        probability: round6(g.probability),
        maxProbability: round6(g.maxProbability),
        // Only a new alert row keeps its explanation and record; skip serialising them otherwise.
        explanation: g.explanation ?? [],
        record: g.explanation ? items[g.item].recordOf(g.itemRow) : null,
        model: modelId,
      }));
      const results = this.store.writeGroups(writes);
      let durable = Promise.resolve();
      if (writes.length > 0) {
        const committed = performance.now();
        metrics.stageDuration.observe({ stage: 'store' }, (committed - started) / 1000);
        // The sync runs on the thread pool; the next batch can be scored and committed meanwhile.
        durable = this.store.durable().then(() => {
          metrics.stageDuration.observe({ stage: 'sync' }, (performance.now() - committed) / 1000);
        });
        this.lastDurable = durable;
      }

      const ids = new Float64Array(groupList.length);
      const events: LiveEvent[] = [];
      results.forEach((result, i) => {
        const g = groupList[i];
        ids[i] = result.id;
        this.openAlerts.set(g.key, result.id);
        if (result.created) {
          metrics.alertsCreated.inc({ class: classes[g.classIndex] });
          const alert = this.store.get(result.id);
          if (alert) events.push({ type: 'alert', data: alert });
        } else {
          events.push({
            type: 'update',
            data: {
              id: result.id,
              class: classes[g.classIndex],
              count: result.count,
              lastTime: new Date(now).toISOString(),
            },
          });
        }
      });

      const outcomes: DetectOutcome[] = [];
      offset = 0;
      for (const item of items) {
        const n = item.table.nRows;
        const alertIds = new Float64Array(n);
        let alerts = 0;
        for (let r = 0; r < n; r++) {
          const g = rowGroup[offset + r];
          if (g >= 0) {
            alertIds[r] = ids[g];
            alerts++;
          }
        }
        outcomes.push({
          modelId,
          classes,
          predicted: scored.predicted.subarray(offset, offset + n),
          probabilities: probabilities.subarray(offset * k, (offset + n) * k),
          alertIds,
          alerts,
          durable,
        });
        offset += n;
      }
      // Live clients never see an alert before it is durable.
      durable.then(
        () => this.hub.publish(events),
        () => {},
      );
      return outcomes;
    });
  }
}

/** Probabilities are float32: six decimals is all they hold, and stored alerts read better. */
function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function range(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}
