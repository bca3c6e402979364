import { z } from 'zod';
import { usageError } from '../../errors.js';
import type { PacketView } from '../packet-view.js';
import {
  DEFAULT_LAMBDAS,
  PACKET_STATS_LAYOUTS,
  featureCount,
  featureNames,
  type PacketStatsLayout,
} from './feature-layout.js';
import { StreamTable } from './stream-table.js';

/** Options of the packet statistics (`--features packet-stats`). */
export interface PacketStatsOptions {
  /** Default `reference-100`: the layout the reference detector was published with (see feature-layout.ts). */
  layout: PacketStatsLayout;
  /** Decay rates λ: a stream's weight halves every 1/λ seconds. Default [5, 3, 1, 0.1, 0.01]. */
  lambdas: number[];
  /** Streams kept per table before the least recently seen is evicted. */
  maxHostStreams: number;
  maxChannelStreams: number;
  maxSocketStreams: number;
}

export function defaultPacketStatsOptions(): PacketStatsOptions {
  return {
    layout: 'reference-100',
    lambdas: [...DEFAULT_LAMBDAS],
    maxHostStreams: 16_384,
    maxChannelStreams: 32_768,
    maxSocketStreams: 65_536,
  };
}

export const packetStatsOptionsSchema = z
  .object({
    layout: z.enum(PACKET_STATS_LAYOUTS),
    lambdas: z.array(z.number().positive().finite()).min(1).max(16),
    maxHostStreams: z.number().int().min(1).max(16_777_216),
    maxChannelStreams: z.number().int().min(1).max(16_777_216),
    maxSocketStreams: z.number().int().min(1).max(16_777_216),
  })
  .partial()
  .strict();

export function resolvePacketStatsOptions(partial: Partial<PacketStatsOptions> = {}): PacketStatsOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const parsed = packetStatsOptionsSchema.safeParse(defined);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw usageError(`packet-stats: option "${issue.path.join('.')}" ${issue.message}`);
  }
  const options = { ...defaultPacketStatsOptions(), ...parsed.data };
  return { ...options, lambdas: [...options.lambdas] };
}

/** What the extractor met on its way, so nothing is dropped silently. */
export interface PacketStatsCounters {
  packets: number;
  /** Frames that are neither IP nor ARP: keyed by MAC addresses. */
  nonIpFrames: number;
  zeroLengthFrames: number;
  /** Packets older than the newest seen: no decay is applied and their jitter counts as 0. */
  backwardsTimestamps: number;
  /** Non-finite or negative timestamps/lengths replaced (timestamp by the newest seen, length by 0). */
  invalidFields: number;
  /** Output values that came out non-finite and were written as 0 (should stay 0: a guard, not a path). */
  nonFiniteOutputs: number;
  hostEvictions: number;
  channelEvictions: number;
  socketEvictions: number;
}

// Slot layouts. One-direction streams: [lastT] then per λ [CF1, CF2, w].
const ONE_HEADER = 1;
const ONE_PER_LAMBDA = 3;
// Stream pairs (both directions of a channel or socket share a slot, so the covariance lives with them):
// [t0, t1, tCov, seen0, seen1] then per λ [CF1₀, CF2₀, w₀, CF1₁, CF2₁, w₁, CF3, w3, res₀, res₁] and, for
// channels, the two directions' jitter [CF1₀, CF2₀, w₀, CF1₁, CF2₁, w₁].
const PAIR_HEADER = 5;
const PAIR_PER_LAMBDA = 10;
const JITTER_PER_LAMBDA = 6;
/** Product of the two standard deviations below which the correlation is reported as 0 (bytes: no spread). */
const MIN_STD_PRODUCT = 1e-9;

/**
 * Damped incremental statistics per packet (Kitsune's feature extractor, written afresh): every stream keeps
 * decayed sums (linear sum, sum of squares, weight) that are multiplied by 2^(−λ·Δt) before each update,
 * one set per λ. `extract` updates the packet's streams and writes its feature vector.
 */
export class PacketStats {
  readonly options: Readonly<PacketStatsOptions>;
  readonly nFeatures: number;
  readonly names: readonly string[];
  readonly counters: PacketStatsCounters = {
    packets: 0,
    nonIpFrames: 0,
    zeroLengthFrames: 0,
    backwardsTimestamps: 0,
    invalidFields: 0,
    nonFiniteOutputs: 0,
    hostEvictions: 0,
    channelEvictions: 0,
    socketEvictions: 0,
  };

  private readonly nLambdas: number;
  /** −λ·ln 2, so that 2^(−λΔt) = exp(k·Δt). */
  private readonly rates: Float64Array;
  private readonly macIp: StreamTable;
  private readonly hosts: StreamTable | null;
  private readonly channels: StreamTable;
  private readonly sockets: StreamTable;
  private readonly offMi: number;
  private readonly offH: number;
  private readonly offHh: number;
  private readonly offJit: number;
  private readonly offHp: number;
  private newest = -Infinity;

  constructor(options: Partial<PacketStatsOptions> = {}) {
    this.options = resolvePacketStatsOptions(options);
    const { lambdas, layout } = this.options;
    const nl = lambdas.length;
    this.nLambdas = nl;
    this.rates = Float64Array.from(lambdas, (l) => -l * Math.LN2);
    this.nFeatures = featureCount(layout, nl);
    this.names = featureNames(layout, lambdas);
    const oneStride = ONE_HEADER + ONE_PER_LAMBDA * nl;
    this.macIp = new StreamTable(this.options.maxHostStreams, oneStride);
    this.hosts = layout === 'paper-115' ? new StreamTable(this.options.maxHostStreams, oneStride) : null;
    this.channels = new StreamTable(
      this.options.maxChannelStreams,
      PAIR_HEADER + (PAIR_PER_LAMBDA + JITTER_PER_LAMBDA) * nl,
    );
    this.sockets = new StreamTable(this.options.maxSocketStreams, PAIR_HEADER + PAIR_PER_LAMBDA * nl);
    this.offMi = 0;
    this.offH = 3 * nl;
    this.offHh = this.offH + (this.hosts ? 3 * nl : 0);
    this.offJit = this.offHh + 7 * nl;
    this.offHp = this.offJit + 3 * nl;
  }

  /** Streams currently tracked, per table. */
  get streamCounts(): { macIp: number; hosts: number; channels: number; sockets: number } {
    return {
      macIp: this.macIp.size,
      hosts: this.hosts?.size ?? 0,
      channels: this.channels.size,
      sockets: this.sockets.size,
    };
  }

  /** Bytes of stream state allocated (fixed at construction) and per stream of each table. */
  get memory(): { totalBytes: number; bytesPerStream: Record<string, number> } {
    const tables = { macIp: this.macIp, hosts: this.hosts, channels: this.channels, sockets: this.sockets };
    let totalBytes = 0;
    const bytesPerStream: Record<string, number> = {};
    for (const [name, table] of Object.entries(tables)) {
      if (!table) continue;
      totalBytes += table.bytes;
      bytesPerStream[name] = table.bytes / table.capacity;
    }
    return { totalBytes, bytesPerStream };
  }

  /** Forgets every stream (counters stay). */
  reset(): void {
    this.macIp.clear();
    this.hosts?.clear();
    this.channels.clear();
    this.sockets.clear();
    this.newest = -Infinity;
  }

  /**
   * Updates the packet's streams and writes its `nFeatures` values into `out` (allocated when omitted).
   * Never writes NaN or ±Infinity.
   */
  extract(packet: PacketView, out: Float64Array = new Float64Array(this.nFeatures)): Float64Array {
    if (out.length < this.nFeatures) throw new RangeError(`output buffer needs ${this.nFeatures} values`);
    const c = this.counters;
    c.packets++;
    let t = packet.ts;
    if (!Number.isFinite(t) || t < 0) {
      c.invalidFields++;
      t = this.newest === -Infinity ? 0 : this.newest;
    }
    if (t < this.newest) c.backwardsTimestamps++;
    else this.newest = t;
    let size = packet.wireLength;
    if (!Number.isFinite(size) || size < 0) {
      c.invalidFields++;
      size = 0;
    }
    if (size === 0) c.zeroLengthFrames++;

    const isIp = packet.ipVersion !== 0;
    const hasHosts = isIp || packet.isArp;
    if (!hasHosts) c.nonIpFrames++;
    const srcHost = hasHosts ? packet.srcIp : '';
    const dstHost = hasHosts ? packet.dstIp : '';

    this.updateOne(this.macIp, srcHost, packet.srcMac, size, t, out, this.offMi);
    if (this.hosts) this.updateOne(this.hosts, srcHost, 0, size, t, out, this.offH);
    if (hasHosts) {
      this.updatePair(this.channels, srcHost, dstHost, 0, 0, size, t, out, this.offHh, this.offJit);
    } else {
      this.updatePair(
        this.channels,
        '',
        '',
        packet.srcMac,
        packet.dstMac,
        size,
        t,
        out,
        this.offHh,
        this.offJit,
      );
    }
    if (isIp) {
      const proto = packet.protocol * 65536;
      this.updatePair(
        this.sockets,
        srcHost,
        dstHost,
        proto + packet.srcPort,
        proto + packet.dstPort,
        size,
        t,
        out,
        this.offHp,
        -1,
      );
    } else {
      this.updatePair(this.sockets, '', '', packet.srcMac, packet.dstMac, size, t, out, this.offHp, -1);
    }

    c.hostEvictions = this.macIp.evictions + (this.hosts?.evictions ?? 0);
    c.channelEvictions = this.channels.evictions;
    c.socketEvictions = this.sockets.evictions;
    for (let i = 0; i < this.nFeatures; i++) {
      if (!Number.isFinite(out[i])) {
        out[i] = 0;
        c.nonFiniteOutputs++;
      }
    }
    return out;
  }

  /** One-direction stream (MAC+IP, source IP): weight, mean, variance per λ. */
  private updateOne(
    table: StreamTable,
    a: string,
    p: number,
    v: number,
    t: number,
    out: Float64Array,
    off: number,
  ): void {
    const slot = table.acquire(a, '', p, 0);
    const s = table.state;
    const base = slot * table.stride;
    if (table.created) s[base] = t;
    const dt = t - s[base];
    const advance = dt > 0;
    if (advance) s[base] = t;
    const v2 = v * v;
    for (let l = 0; l < this.nLambdas; l++) {
      const o = base + ONE_HEADER + l * ONE_PER_LAMBDA;
      const f = advance ? Math.exp(this.rates[l] * dt) : 1;
      const cf1 = s[o] * f + v;
      const cf2 = s[o + 1] * f + v2;
      const w = s[o + 2] * f + 1;
      s[o] = cf1;
      s[o + 1] = cf2;
      s[o + 2] = w;
      const mean = cf1 / w;
      const j = off + l * 3;
      out[j] = w;
      out[j + 1] = mean;
      out[j + 2] = Math.abs(cf2 / w - mean * mean);
    }
  }

  /**
   * A directed stream a→b whose reverse b→a shares its slot: size statistics of this direction plus the
   * two-direction radius, magnitude, covariance and correlation; for channels also this direction's jitter
   * (`jitOff` ≥ 0).
   */
  private updatePair(
    table: StreamTable,
    a: string,
    b: string,
    p: number,
    q: number,
    v: number,
    t: number,
    out: Float64Array,
    off: number,
    jitOff: number,
  ): void {
    // Both directions map to one canonical key; `d` is this packet's direction in it.
    const forward = a < b || (a === b && p <= q);
    const slot = forward ? table.acquire(a, b, p, q) : table.acquire(b, a, q, p);
    const d = forward ? 0 : 1;
    const s = table.state;
    const base = slot * table.stride;
    if (table.created) s[base + 2] = t;
    if (s[base + 3 + d] === 0) {
      s[base + 3 + d] = 1;
      s[base + d] = t;
    }
    const dt = t - s[base + d];
    const advance = dt > 0;
    if (advance) s[base + d] = t;
    const jitter = advance ? dt : 0;
    const dtCov = t - s[base + 2];
    const advanceCov = dtCov > 0;
    if (advanceCov) s[base + 2] = t;
    const perLambda = jitOff >= 0 ? PAIR_PER_LAMBDA + JITTER_PER_LAMBDA : PAIR_PER_LAMBDA;
    const v2 = v * v;
    const mine = 3 * d;
    const other = 3 - mine;
    for (let l = 0; l < this.nLambdas; l++) {
      const o = base + PAIR_HEADER + l * perLambda;
      const rate = this.rates[l];
      const f = advance ? Math.exp(rate * dt) : 1;
      const cf1 = s[o + mine] * f + v;
      const cf2 = s[o + mine + 1] * f + v2;
      const w = s[o + mine + 2] * f + 1;
      s[o + mine] = cf1;
      s[o + mine + 1] = cf2;
      s[o + mine + 2] = w;
      const mean = cf1 / w;
      const variance = Math.abs(cf2 / w - mean * mean);
      // The other direction's mean and variance do not change under decay (both sums and weight shrink
      // alike), so they are read as they are.
      const wo = s[o + other + 2];
      const meanO = wo > 0 ? s[o + other] / wo : 0;
      const varianceO = wo > 0 ? Math.abs(s[o + other + 1] / wo - meanO * meanO) : 0;
      // Covariance from products of this residual with the other direction's last residual.
      const fc = !advanceCov ? 1 : dtCov === dt ? f : Math.exp(rate * dtCov);
      const residual = v - mean;
      const cf3 = s[o + 6] * fc + residual * s[o + 9 - d];
      const w3 = s[o + 7] * fc + 1;
      s[o + 6] = cf3;
      s[o + 7] = w3;
      s[o + 8 + d] = residual;
      const cov = cf3 / w3;
      const std = Math.sqrt(variance);
      const stdProduct = std * Math.sqrt(varianceO);
      const j = off + l * 7;
      out[j] = w;
      out[j + 1] = mean;
      out[j + 2] = std;
      out[j + 3] = Math.sqrt(variance + varianceO);
      out[j + 4] = Math.sqrt(mean * mean + meanO * meanO);
      out[j + 5] = cov;
      out[j + 6] = stdProduct > MIN_STD_PRODUCT ? cov / stdProduct : 0;
      if (jitOff >= 0) {
        const oj = o + PAIR_PER_LAMBDA + mine;
        const jc1 = s[oj] * f + jitter;
        const jc2 = s[oj + 1] * f + jitter * jitter;
        const jw = s[oj + 2] * f + 1;
        s[oj] = jc1;
        s[oj + 1] = jc2;
        s[oj + 2] = jw;
        const jm = jc1 / jw;
        const k = jitOff + l * 3;
        out[k] = jw;
        out[k + 1] = jm;
        out[k + 2] = Math.abs(jc2 / jw - jm * jm);
      }
    }
  }
}
