import { KDD_FEATURE_NAMES, kddColumns } from '../../data/kdd-columns.js';
import type { ColumnSpec } from '../../data/schema.js';
import type { ConnRecord } from '../conn-record.js';
import { REJ_ERROR, SYN_ERROR } from './error-bits.js';
import type { FeatureExtractor } from './feature-set.js';
import { isRejError, isSynError, kddFlag } from './kdd-flag.js';
import { kddService } from './kdd-service.js';
import { LastConnections } from './last-connections.js';
import { KeyedTimeWindow } from './time-window.js';

/**
 * NSL-KDD's 13 content features (`hot` to `is_guest_login`, one block in file order), which need payload
 * and are left out of `kdd-traffic`.
 */
export const KDD_CONTENT_FEATURES: readonly string[] = KDD_FEATURE_NAMES.slice(
  KDD_FEATURE_NAMES.indexOf('hot'),
  KDD_FEATURE_NAMES.indexOf('is_guest_login') + 1,
);

/** The 28 `kdd-traffic` columns: NSL-KDD's 41 in their order, without the content ones. */
export const KDD_TRAFFIC_COLUMNS: readonly ColumnSpec[] = kddColumns([]).filter(
  (c) => !KDD_CONTENT_FEATURES.includes(c.name),
);

export interface KddTrafficOptions {
  /** Time-based window in seconds. Default 2 (KDD). */
  windowSeconds?: number;
  /** Host-based window in connections, 1 to 1,000. Default 100 (KDD's papers; the published data shows up to 255). */
  hostWindow?: number;
  /** Most connections kept per destination host or service in the time window. Default 511 (KDD's cap). */
  maxPerKey?: number;
  /** Most destination hosts or services tracked at once in the time window. Default 100,000. */
  maxKeys?: number;
}

/** A service identity for the windows: protocol plus responder port (ICMP: type and code). */
export function serviceKey(record: ConnRecord): number {
  switch (record.proto) {
    case 'tcp':
      return 0x10000 | record.respP;
    case 'udp':
      return 0x20000 | record.respP;
    case 'icmp':
      return 0x30000 | ((record.origP & 0xff) << 8) | (record.respP & 0xff);
    default:
      return 0x40000;
  }
}

/**
 * KDD'99's traffic features for each connection (definitions and formulas in features/README.md). The
 * current connection is part of its own windows, so count and srv_count are at least 1.
 */
export class KddTrafficExtractor implements FeatureExtractor {
  readonly featureSet = 'kdd-traffic' as const;
  readonly columns = KDD_TRAFFIC_COLUMNS;
  /** Records older than one already seen (their windows are then approximate). */
  outOfOrder = 0;
  private latest = -Infinity;
  private readonly byHost: KeyedTimeWindow<string, number>;
  private readonly byService: KeyedTimeWindow<number, string>;
  private readonly last: LastConnections;

  constructor(options: KddTrafficOptions = {}) {
    const window = {
      seconds: options.windowSeconds ?? 2,
      maxPerKey: options.maxPerKey ?? 511,
      maxKeys: options.maxKeys ?? 100_000,
    };
    // A host's window is usually a few connections (its same-service count is a short pass); a service's
    // window is often full (511), so it keeps its per-host counts in a map.
    this.byHost = new KeyedTimeWindow({ ...window, indexOthers: false });
    this.byService = new KeyedTimeWindow(window);
    this.last = new LastConnections(options.hostWindow ?? 100);
  }

  /** Destination-host and service keys dropped from the time window because maxKeys was reached. */
  get evictedKeys(): number {
    return this.byHost.evictedKeys + this.byService.evictedKeys;
  }

  /** What the windows hold right now (for memory checks): keys of the time windows, groups of the last N. */
  get held(): { timeHosts: number; timeServices: number; lastHosts: number; lastServices: number } {
    const last = this.last.groups;
    return {
      timeHosts: this.byHost.keys,
      timeServices: this.byService.keys,
      lastHosts: last.hosts,
      lastServices: last.services,
    };
  }

  next(r: ConnRecord, out: (number | string)[]): void {
    if (r.ts < this.latest) this.outOfOrder++;
    else this.latest = r.ts;
    const flag = kddFlag(r.proto, r.connState);
    const err = (isSynError(flag) ? SYN_ERROR : 0) | (isRejError(flag) ? REJ_ERROR : 0);
    const service = serviceKey(r);
    const host = this.byHost.add(r.respH, service, r.ts, err);
    const srv = this.byService.add(service, r.respH, r.ts, err);
    const last = this.last.add(r.respH, service, r.origP, err);
    const sameSrv = host.countOf(service);

    out.length = KDD_TRAFFIC_COLUMNS.length;
    out[0] = r.duration === null ? 0 : Math.floor(r.duration);
    out[1] = r.proto;
    out[2] = kddService(r.proto, r.origP, r.respP);
    out[3] = flag;
    out[4] = r.origBytes ?? 0;
    out[5] = r.respBytes ?? 0;
    out[6] = r.origH === r.respH && r.origP === r.respP ? 1 : 0;
    out[7] = r.wrongFragments ?? 0;
    out[8] = r.urgentPackets ?? 0;
    // Time-based: the last `windowSeconds` of connections to the same host (count) / service (srv_count).
    out[9] = host.n;
    out[10] = srv.n;
    out[11] = host.serror / host.n;
    out[12] = srv.serror / srv.n;
    out[13] = host.rerror / host.n;
    out[14] = srv.rerror / srv.n;
    out[15] = sameSrv / host.n;
    out[16] = (host.n - sameSrv) / host.n;
    out[17] = (srv.n - srv.countOf(r.respH)) / srv.n;
    // Host-based: the last `hostWindow` connections to the same host (dst_host_count) / service.
    out[18] = last.host;
    out[19] = last.service;
    out[20] = last.hostAndService / last.host;
    out[21] = (last.host - last.hostAndService) / last.host;
    out[22] = last.serviceAndSrcPort / last.service;
    out[23] = (last.service - last.hostAndService) / last.service;
    out[24] = last.hostSerror / last.host;
    out[25] = last.serviceSerror / last.service;
    out[26] = last.hostRerror / last.host;
    out[27] = last.serviceRerror / last.service;
  }
}
