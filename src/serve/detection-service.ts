import { selectRows, type Table } from '../data/table.js';
import { AlertAggregator, type AlertGroup } from '../alerts/alert-aggregator.js';
import type { AlertHub } from '../alerts/alert-hub.js';
import type { AlertStore, StoredContribution } from '../alerts/alert-store.js';
import { explain } from '../detection/explain.js';
import { MicroBatcher, type MicroBatcherOptions } from './micro-batcher.js';
import type { ModelSlot } from '../detection/model-slot.js';
import type { ServiceMetrics } from './service-metrics.js';
import { concatTables } from '../detection/table-concat.js';
import { round6 } from '../util/round6.js';

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
  /** Features listed in an alert's explanation. Default 5. */
  explainTop?: number;
  /** New alerts explained per batch at most; more (a scan from thousands of sources) are stored with an
   * empty explanation rather than stalling scoring. Default 64. */
  maxExplanationsPerBatch?: number;
}

/** Where a group's first record sits: its batch row (explained) and its request and row (stored). */
interface FirstRecord {
  row: number;
  item: number;
  itemRow: number;
}

const PROBE_ROWS = 64;

/**
 * Scores records in micro-batches and turns alerting records into stored alerts. Per batch: stack the
 * requests' tables, score them, fold the alerting rows into the aggregator's groups (class and source key;
 * all rows of a batch share one time and so one aggregation window, see alert-aggregator.ts), explain the
 * first record of every group that opens a new alert, merge all groups into the store in one transaction,
 * and only once that commit is durable answer the requests and publish the alerts to live clients. So when
 * a request is answered, its alerts are stored. The next batch does not wait for the disk: it is scored
 * while the previous commit is being synced.
 */
export class DetectionService {
  private readonly batcher: MicroBatcher<DetectRequest, DetectOutcome>;
  private readonly aggregator: AlertAggregator;
  private readonly explainTop: number;
  private readonly maxExplanations: number;
  private probe: Table | undefined;
  /** The latest batch's sync; syncs complete in order, so this one covers all earlier batches. */
  private lastDurable: Promise<void> = Promise.resolve();

  constructor(
    private readonly slot: ModelSlot,
    store: AlertStore,
    hub: AlertHub,
    private readonly metrics: ServiceMetrics,
    alerting: AlertingOptions = {},
    batching: MicroBatcherOptions = {},
  ) {
    this.aggregator = new AlertAggregator(store, hub);
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

      const probabilities = scored.probabilities.data;
      const batch = this.aggregator.begin<FirstRecord>();
      const rowGroup = new Int32Array(table.nRows).fill(-1);
      const alertsPerClass = new Float64Array(k);
      let offset = 0;
      items.forEach((item, itemIndex) => {
        for (let r = 0; r < item.table.nRows; r++) {
          const row = offset + r;
          if (scored.alerts[row] === 0) continue;
          const c = scored.predicted[row];
          const source = typeof item.source === 'string' ? item.source : item.source[r];
          rowGroup[row] = batch.add(classes[c], source, probabilities[row * k + c], () => ({
            row,
            item: itemIndex,
            itemRow: r,
          }));
          alertsPerClass[c]++;
        }
        offset += item.table.nRows;
      });
      alertsPerClass.forEach((n, c) => {
        if (n > 0) metrics.alertRecords.inc({ class: classes[c] }, n);
      });

      // Only the first record of a group that opens a new alert is explained (and stored with it).
      const explanations = new Map<AlertGroup<FirstRecord>, StoredContribution[]>();
      const opening = batch.groups.filter((g) => this.aggregator.opensAlert(batch, g));
      if (opening.length > 0) {
        started = performance.now();
        const explained = opening.slice(0, this.maxExplanations);
        const found = await explain(
          detector,
          table,
          explained.map((g) => g.first.row),
          { top: this.explainTop },
        );
        explained.forEach((g, i) => {
          explanations.set(
            g,
            found[i].contributions.map((c) => ({
              ...c,
              value: typeof c.value === 'number' ? round6(c.value) : c.value,
              contribution: round6(c.contribution),
            })),
          );
        });
        metrics.stageDuration.observe({ stage: 'explain' }, (performance.now() - started) / 1000);
      }

      started = performance.now();
      const { results, durable: committed } = this.aggregator.commit(batch, modelId, (g) => ({
        explanation: explanations.get(g) ?? [],
        record: items[g.first.item].recordOf(g.first.itemRow),
      }));
      let durable = Promise.resolve();
      if (results.length > 0) {
        const stored = performance.now();
        metrics.stageDuration.observe({ stage: 'store' }, (stored - started) / 1000);
        // The sync runs on the thread pool; the next batch can be scored and committed meanwhile.
        durable = committed.then(() => {
          metrics.stageDuration.observe({ stage: 'sync' }, (performance.now() - stored) / 1000);
        });
        this.lastDurable = durable;
      }
      results.forEach((result, i) => {
        if (result.created) metrics.alertsCreated.inc({ class: batch.groups[i].class });
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
            alertIds[r] = results[g].id;
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
      return outcomes;
    });
  }
}

function range(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}
