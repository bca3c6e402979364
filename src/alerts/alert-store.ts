import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'libsql';
import { IotIdsError, usageError } from '../errors.js';
import { storableExplanation, storableRecord, storableSourceKey } from './storable-record.js';
import { WalSync } from './wal-sync.js';

/**
 * When a committed write counts as stored (the database is always in WAL mode, so a crash never corrupts
 * it; this is about losing the last commits):
 * - `full`: `durable()` resolves only once the WAL is fsynced, so an acknowledged alert survives a power
 *   loss or OS crash. Done the way `PRAGMA synchronous=FULL` does it (one WAL sync per commit), but on the
 *   thread pool and shared by commits in flight (see `wal-sync.ts`), so the event loop never waits for the
 *   disk.
 * - `normal`: no sync before acknowledging: commits survive the process being killed (the OS has the
 *   pages), but the last ones can be lost if the machine itself goes down.
 */
export type StoreSynchronous = 'full' | 'normal';

export interface AlertStoreOptions {
  /** Durability of a commit, see `StoreSynchronous`. Default 'full'. */
  synchronous?: StoreSynchronous;
  /** How long a statement waits for a lock held by another connection, in ms. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * Alerts whose last record is older than this many days are removed by `prune()` (a whole number ≥ 1).
   * Default none: every alert is kept and `prune()` removes nothing.
   */
  retentionDays?: number;
  /**
   * Aggregation window, in seconds (`DEFAULT_ALERT_WINDOW_SECONDS`): alerting records of one class from one
   * source within one window fold into one alert. The store is the one place it is set: the aggregator that
   * writes to it (alert-aggregator.ts) reads it from here, and `prune()` never removes an alert whose window
   * has not ended, whatever its times say (it can still grow).
   */
  alertWindowSeconds?: number;
}

/** The aggregation window of `serve`, `watch` and `consume` unless configured otherwise. */
export const DEFAULT_ALERT_WINDOW_SECONDS = 60;

const DAY_MS = 86_400_000;

/** Rows deleted per transaction by `prune()`: short enough that writers sharing the file barely wait. */
export const PRUNE_BATCH_ROWS = 5000;

/** Checks a retention period (whole days ≥ 1) and returns it; anything else is a usage error. */
export function checkRetentionDays(days: number): number {
  if (!Number.isInteger(days) || days < 1) {
    throw usageError(`alert retention must be a whole number of days ≥ 1, got ${String(days)}`);
  }
  return days;
}

/** A feature's share in an alert's verdict (see `explain.ts`). */
export interface StoredContribution {
  feature: string;
  value: number | string;
  neutral: number | null;
  contribution: number;
}

/**
 * One stored alert: every alerting record of one class from one source within one time window, folded
 * into a single row with a count, so a flood is one row, not millions.
 */
export interface StoredAlert {
  id: number;
  /** When the first record of the group was scored (ISO 8601). */
  time: string;
  /** When the latest record folded into this alert was scored. */
  lastTime: string;
  class: string;
  /** Probability of `class` for the first record (the one explained and kept). */
  probability: number;
  /** Highest probability among the folded records. */
  maxProbability: number;
  /** Records folded into this alert. */
  count: number;
  /** Who sent the traffic (see `source-key.ts`). */
  sourceKey: string;
  /** Start of the aggregation window (ISO 8601). */
  windowStart: string;
  /** Raw features that contributed most to the first record's verdict, largest first. */
  explanation: StoredContribution[];
  /** The first record as it was submitted. */
  record: unknown;
  /** Model that raised it (`kind` and creation time of the model directory). */
  model: string;
}

/** One group of alerting records from one batch, ready to be merged into the store. */
export interface AlertGroupWrite {
  class: string;
  sourceKey: string;
  /** Window start, ms since the epoch. */
  windowStart: number;
  /** First and last scoring time of the records, ms since the epoch. */
  firstTime: number;
  lastTime: number;
  count: number;
  probability: number;
  maxProbability: number;
  /** Stored only when the group opens a new alert. */
  explanation: readonly StoredContribution[];
  record: unknown;
  model: string;
}

/** Result of merging one group: the alert it landed in and that alert's count afterwards. */
export interface AlertGroupResult {
  id: number;
  count: number;
  /** Whether the group opened a new alert row. */
  created: boolean;
}

export interface AlertQuery {
  /** Only this class. Default all. */
  class?: string;
  /** Only alerts active at or after this time (their last record), ms since the epoch. Default none. */
  since?: number;
  /** Only alerts that started before this time, ms since the epoch. Default none. */
  until?: number;
  /** Only alerts with an id below this (the cursor of the previous page). Default none. */
  before?: number;
  /** Only alerts with an id above this, oldest first (stream replay). Default none. */
  after?: number;
  /** Page size, 1–1000. Default 100. */
  limit?: number;
}

export interface AlertPage {
  /** Newest first, unless `after` was given. */
  alerts: StoredAlert[];
  /** Pass as `before` to get the next (older) page; null on the last page. */
  nextBefore: number | null;
}

export interface ClassCountBucket {
  /** Bucket start, ms since the epoch. */
  start: number;
  /** Alerting records per class in the bucket (by aggregation window start). */
  counts: Record<string, number>;
}

/**
 * Schema migrations, applied in order; `PRAGMA user_version` records how many ran. Never edit a released
 * step: add a new one.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE alerts (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     class TEXT NOT NULL,
     source_key TEXT NOT NULL,
     window_start INTEGER NOT NULL,
     first_time INTEGER NOT NULL,
     last_time INTEGER NOT NULL,
     count INTEGER NOT NULL,
     probability REAL NOT NULL,
     max_probability REAL NOT NULL,
     explanation TEXT NOT NULL,
     record TEXT NOT NULL,
     model TEXT NOT NULL
   );
   CREATE UNIQUE INDEX alerts_group ON alerts (class, source_key, window_start);
   CREATE INDEX alerts_last_time ON alerts (last_time);
   CREATE INDEX alerts_class_id ON alerts (class, id);`,
];

export const ALERT_STORE_SCHEMA_VERSION = MIGRATIONS.length;

/** A listing page ends before it would pass this many bytes of stored JSON (always at least one alert). */
export const MAX_PAGE_BYTES = 1 << 20;
/** The serialised size of an alert's fixed fields, about. */
const ROW_OVERHEAD_BYTES = 300;
/** Stored JSON longer than this (only stores written before records were bounded) is not read back. */
const MAX_READ_JSON_BYTES = 64 * 1024;
/**
 * The columns an alert is read with: `record` and `explanation` only when they are small enough
 * (`octet_length` does not load the value), their sizes always.
 */
const ALERT_COLUMNS = `id, class, source_key, window_start, first_time, last_time, count, probability,
  max_probability, model, octet_length(record) AS record_bytes, octet_length(explanation) AS explanation_bytes,
  CASE WHEN octet_length(record) > ${MAX_READ_JSON_BYTES} THEN NULL ELSE record END AS record,
  CASE WHEN octet_length(explanation) > ${MAX_READ_JSON_BYTES} THEN '[]' ELSE explanation END AS explanation`;
const MAX_PAGE = 1000;

interface AlertRow {
  id: number;
  class: string;
  source_key: string;
  window_start: number;
  first_time: number;
  last_time: number;
  count: number;
  probability: number;
  max_probability: number;
  explanation: string;
  /** null when larger than `MAX_READ_JSON_BYTES` (not read). */
  record: string | null;
  record_bytes: number;
  model: string;
}

/**
 * The alert store: one SQLite file (libsql) in WAL mode. Every write is one transaction, so a batch's
 * alerts are all there or none are, and `writeGroups` returns only after the commit, which is what lets
 * the service acknowledge a request only once its alerts are stored.
 */
export class AlertStore {
  private readonly upsert: Database.Statement;
  private readonly findGroup: Database.Statement;
  private readonly byId: Database.Statement;
  private readonly writeBatch: (groups: readonly AlertGroupWrite[]) => AlertGroupResult[];
  private readonly deleteExpired: Database.Statement;
  /** null: nothing to sync (normal mode, or an in-memory store). */
  private readonly walSync: WalSync | null;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    readonly synchronous: StoreSynchronous,
    /** See `AlertStoreOptions.retentionDays`; undefined keeps everything. */
    readonly retentionDays: number | undefined,
    /** The aggregation window in ms (`AlertStoreOptions.alertWindowSeconds`). */
    readonly alertWindowMs: number,
  ) {
    this.walSync = synchronous === 'full' && path !== ':memory:' ? new WalSync(`${path}-wal`) : null;
    // A conflicting group adds its records to the open alert; the first record's explanation stays.
    this.upsert = db.prepare(
      `INSERT INTO alerts (class, source_key, window_start, first_time, last_time, count, probability,
                           max_probability, explanation, record, model)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (class, source_key, window_start) DO UPDATE SET
         count = count + excluded.count,
         last_time = max(last_time, excluded.last_time),
         max_probability = max(max_probability, excluded.max_probability)
       RETURNING id, count`,
    );
    this.findGroup = db.prepare(
      'SELECT id FROM alerts WHERE class = ? AND source_key = ? AND window_start = ?',
    );
    this.byId = db.prepare(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = ?`);
    // Walks alerts_last_time; a single statement is its own transaction. Ids are never reused after a
    // delete (AUTOINCREMENT), so an id handed out earlier can only turn into a 404, never another alert.
    this.deleteExpired = db.prepare(
      `DELETE FROM alerts WHERE id IN (
         SELECT id FROM alerts WHERE last_time < ? AND window_start <= ? LIMIT ?)`,
    );
    this.writeBatch = db.transaction((groups: readonly AlertGroupWrite[]) =>
      groups.map((g): AlertGroupResult => {
        const row = this.upsert.get(
          g.class,
          storableSourceKey(g.sourceKey),
          g.windowStart,
          g.firstTime,
          g.lastTime,
          g.count,
          g.probability,
          g.maxProbability,
          // Bounded and flat (storable-record.ts): one hostile record can neither fail this batch's
          // transaction nor make the store, and every listing of it, grow by megabytes.
          JSON.stringify(storableExplanation(g.explanation)),
          JSON.stringify(storableRecord(g.record)),
          g.model,
        ) as { id: number; count: number };
        // An existing alert already had at least one record, so only a new one ends with exactly g.count.
        return { id: row.id, count: row.count, created: row.count === g.count };
      }),
    );
  }

  /** Opens (creating if needed) and migrates the store at `path`; ':memory:' gives a throw-away store. */
  static open(path: string, options: AlertStoreOptions = {}): AlertStore {
    const synchronous = options.synchronous ?? 'full';
    if (synchronous !== 'full' && synchronous !== 'normal') {
      throw usageError(`store synchronous mode must be "full" or "normal", got "${String(synchronous)}"`);
    }
    const retentionDays =
      options.retentionDays === undefined ? undefined : checkRetentionDays(options.retentionDays);
    const windowSeconds = options.alertWindowSeconds ?? DEFAULT_ALERT_WINDOW_SECONDS;
    if (!Number.isFinite(windowSeconds) || windowSeconds < 1) {
      throw usageError(`alert window must be at least 1 second, got ${windowSeconds}`);
    }
    let db: Database.Database;
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
    } catch (error) {
      throw new IotIdsError(`cannot open alert store: ${(error as Error).message}`, {
        location: { file: path },
        cause: error,
      });
    }
    try {
      if (path !== ':memory:') {
        const mode = pragmaValue(db, 'journal_mode = WAL');
        if (String(mode).toLowerCase() !== 'wal') {
          throw new IotIdsError(`the store cannot use WAL mode (journal_mode is ${String(mode)})`);
        }
      }
      // Both modes: SQLite does not sync per commit; `durable()` does it in full mode.
      db.pragma('synchronous = NORMAL');
      migrate(db, path);
      return new AlertStore(db, path, synchronous, retentionDays, Math.round(windowSeconds * 1000));
    } catch (error) {
      db.close();
      if (error instanceof IotIdsError) throw error;
      throw new IotIdsError(`cannot prepare alert store: ${(error as Error).message}`, {
        location: { file: path },
        cause: error,
      });
    }
  }

  /** Id of the alert already open for this class, source and window, if any. */
  findOpenAlert(cls: string, sourceKey: string, windowStart: number): number | undefined {
    const row = this.findGroup.get(cls, storableSourceKey(sourceKey), windowStart) as
      { id: number } | undefined;
    return row?.id;
  }

  /**
   * Merges the groups of one batch in a single transaction; returns once it is committed (visible to
   * readers, safe from a crash of this process). Await `durable()` before acknowledging it to anyone.
   */
  writeGroups(groups: readonly AlertGroupWrite[]): AlertGroupResult[] {
    this.requireOpen();
    if (groups.length === 0) return [];
    return this.writeBatch(groups);
  }

  /** Resolves once every commit so far is as durable as the store's mode promises (see `StoreSynchronous`). */
  durable(): Promise<void> {
    return this.walSync ? this.walSync.sync() : Promise.resolve();
  }

  get(id: number): StoredAlert | undefined {
    this.requireOpen();
    const row = this.byId.get(id) as AlertRow | undefined;
    return row && toAlert(row);
  }

  list(query: AlertQuery = {}): AlertPage {
    this.requireOpen();
    const limit = query.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw usageError(`limit must be an integer from 1 to ${MAX_PAGE}, got ${limit}`);
    }
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.class !== undefined) {
      where.push('class = ?');
      params.push(query.class);
    }
    if (query.since !== undefined) {
      where.push('last_time >= ?');
      params.push(query.since);
    }
    if (query.until !== undefined) {
      where.push('first_time < ?');
      params.push(query.until);
    }
    if (query.before !== undefined) {
      where.push('id < ?');
      params.push(query.before);
    }
    if (query.after !== undefined) {
      where.push('id > ?');
      params.push(query.after);
    }
    const ascending = query.after !== undefined;
    const sql =
      `SELECT ${ALERT_COLUMNS} FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ` +
      `ORDER BY id ${ascending ? 'ASC' : 'DESC'} LIMIT ?`;
    // Rows are read one at a time and the page ends at MAX_PAGE_BYTES, so a page costs the same time
    // and memory whatever the rows hold. One row more than fits tells whether another page exists.
    const alerts: StoredAlert[] = [];
    let bytes = 0;
    let more = false;
    for (const row of this.db.prepare(sql).iterate(...params, limit + 1) as Iterable<AlertRow>) {
      const size = row.explanation.length + (row.record?.length ?? 0) + ROW_OVERHEAD_BYTES;
      if (alerts.length === limit || (alerts.length > 0 && bytes + size > MAX_PAGE_BYTES)) {
        more = true;
        break;
      }
      bytes += size;
      alerts.push(toAlert(row));
    }
    return { alerts, nextBefore: more && !ascending ? alerts[alerts.length - 1].id : null };
  }

  /** Alerting records per class per time bucket since `since` (bucketed by aggregation window start). */
  countsOverTime(since: number, bucketMs: number): ClassCountBucket[] {
    this.requireOpen();
    if (!Number.isInteger(bucketMs) || bucketMs < 1000) {
      throw usageError(`bucket must be at least 1000 ms, got ${bucketMs}`);
    }
    const rows = this.db
      .prepare(
        // % works on integers whatever type the parameter is bound with.
        `SELECT window_start - (window_start % ?) AS start, class, SUM(count) AS n FROM alerts
         WHERE window_start >= ? GROUP BY start, class ORDER BY start`,
      )
      .all(bucketMs, since) as { start: number; class: string; n: number }[];
    const buckets = new Map<number, ClassCountBucket>();
    for (const row of rows) {
      let bucket = buckets.get(row.start);
      if (!bucket) {
        bucket = { start: row.start, counts: {} };
        buckets.set(row.start, bucket);
      }
      bucket.counts[row.class] = row.n;
    }
    return [...buckets.values()];
  }

  /**
   * Deletes every alert past the retention period (see `pruneBatch`), `PRUNE_BATCH_ROWS` per transaction,
   * and returns how many. Synchronous: to let the event loop breathe between batches, call `pruneBatch`
   * from an async loop instead (alert-retention.ts does).
   */
  prune(now: number = Date.now()): number {
    let total = 0;
    for (;;) {
      const deleted = this.pruneBatch(now);
      total += deleted;
      if (deleted < PRUNE_BATCH_ROWS) return total;
    }
  }

  /**
   * Deletes at most `maxRows` alerts, in one transaction, whose last record is older than `now` minus
   * `retentionDays` and whose aggregation window has ended by `now` (an open alert can still grow and its
   * id is cached by the writer). Returns how many; 0 without a retention period.
   */
  pruneBatch(now: number = Date.now(), maxRows: number = PRUNE_BATCH_ROWS): number {
    this.requireOpen();
    if (this.retentionDays === undefined) return 0;
    if (!Number.isInteger(maxRows) || maxRows < 1) {
      throw usageError(`prune batch must be a positive whole number of rows, got ${maxRows}`);
    }
    const cutoff = now - this.retentionDays * DAY_MS;
    return this.deleteExpired.run(cutoff, now - this.alertWindowMs, maxRows).changes;
  }

  /**
   * Alerts (rows) and alerting records (sum of counts) per class over the alerts the store holds: pruning
   * lowers them, so they always agree with what `list` and `countsOverTime` can show. All-time counts are
   * the service's Prometheus counters (`iot_ids_alerts_total`, `iot_ids_alerts_created_total`).
   */
  totals(): Record<string, { alerts: number; records: number }> {
    this.requireOpen();
    const rows = this.db
      .prepare('SELECT class, COUNT(*) AS alerts, SUM(count) AS records FROM alerts GROUP BY class')
      .all() as { class: string; alerts: number; records: number }[];
    return Object.fromEntries(rows.map((r) => [r.class, { alerts: r.alerts, records: r.records }]));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.walSync?.close();
    this.db.close();
  }

  private requireOpen(): void {
    if (this.closed) throw new IotIdsError(`alert store ${this.path} is closed`);
  }
}

function migrate(db: Database.Database, path: string): void {
  const version = Number(pragmaValue(db, 'user_version'));
  if (version > MIGRATIONS.length) {
    throw new IotIdsError(
      `alert store schema version ${version} is newer than this iot-ids understands (${MIGRATIONS.length})`,
      { location: { file: path } },
    );
  }
  for (let step = version; step < MIGRATIONS.length; step++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[step]);
      db.pragma(`user_version = ${step + 1}`);
    })();
  }
}

/** The value of a one-row pragma (libsql adds a `_metadata` field to rows, so `simple` cannot be used). */
function pragmaValue(db: Database.Database, pragma: string): unknown {
  const rows = db.pragma(pragma) as Record<string, unknown>[];
  const name = pragma.split(/[\s=]/)[0];
  return rows[0]?.[name];
}

function toAlert(row: AlertRow): StoredAlert {
  return {
    id: row.id,
    time: new Date(row.first_time).toISOString(),
    lastTime: new Date(row.last_time).toISOString(),
    class: row.class,
    probability: row.probability,
    maxProbability: row.max_probability,
    count: row.count,
    sourceKey: row.source_key,
    windowStart: new Date(row.window_start).toISOString(),
    explanation: JSON.parse(row.explanation) as StoredContribution[],
    record:
      row.record === null
        ? `[not shown: stored record of ${row.record_bytes} bytes]`
        : (JSON.parse(row.record) as unknown),
    model: row.model,
  };
}
