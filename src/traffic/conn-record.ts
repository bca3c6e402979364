/**
 * One connection, as every traffic input produces it: the fields of Zeek's conn.log (names in camelCase;
 * `toZeekNames` in the flows writer maps them back), plus packet-level extras and an optional label.
 * Packet captures are metered into these (`meter/`), flow logs are read into them (`logs/`), and the
 * feature builders (`features/`) turn them into model inputs. Numbers Zeek leaves unset (`-`) are `null`.
 */
export interface ConnRecord {
  /** Start time, seconds since the Unix epoch (fractional). */
  readonly ts: number;
  /** Zeek's uid when read from a log; a stable id of our own (e.g. `C` + counter) when metered. */
  readonly uid: string;
  readonly origH: string;
  readonly origP: number;
  readonly respH: string;
  readonly respP: number;
  /** `tcp`, `udp`, `icmp` (ICMPv6 is `icmp` too, as in Zeek) or another transport name in lower case. */
  readonly proto: string;
  /** Application protocol, `''` when unknown (Zeek's `-`). */
  readonly service: string;
  /** Seconds between first and last packet; null when unset. */
  readonly duration: number | null;
  /** Payload bytes sent by the originator / responder (TCP: by sequence numbers; others: payload sizes). */
  readonly origBytes: number | null;
  readonly respBytes: number | null;
  /** Zeek's conn_state: S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH (or '' when unknown). */
  readonly connState: string;
  /** Zeek's history string (`ShADadFf`…), '' when unknown. */
  readonly history: string;
  readonly missedBytes: number;
  readonly origPkts: number;
  readonly origIpBytes: number;
  readonly respPkts: number;
  readonly respIpBytes: number;
  /** Packet-level extras, only where packets were seen (KDD's wrong_fragment and urgent). */
  readonly wrongFragments?: number;
  readonly urgentPackets?: number;
  /** Label columns of labelled logs (IoT-23's `label` and `detailed-label`, Argus's `Label`). */
  readonly label?: string;
  readonly detailedLabel?: string;
  /** 1-based line of the source log the record was read from (flow logs only), for messages and output. */
  readonly line?: number;
  /** True for an interim record of a connection still open (live scoring), false or absent when final. */
  readonly interim?: boolean;
}

/** Counts what an input skipped, by reason, with the first few positions of each (for error messages). */
export class SkipTally {
  private readonly byReason = new Map<string, { count: number; examples: string[] }>();

  constructor(private readonly maxExamples = 3) {}

  add(reason: string, position: string): void {
    let entry = this.byReason.get(reason);
    if (!entry) {
      entry = { count: 0, examples: [] };
      this.byReason.set(reason, entry);
    }
    entry.count++;
    if (entry.examples.length < this.maxExamples) entry.examples.push(position);
  }

  /** Adds every count and example of another tally (the reader's and the meter's skips, say). */
  addAll(other: SkipTally): void {
    for (const [reason, e] of other.byReason) {
      let entry = this.byReason.get(reason);
      if (!entry) {
        entry = { count: 0, examples: [] };
        this.byReason.set(reason, entry);
      }
      entry.count += e.count;
      for (const x of e.examples) if (entry.examples.length < this.maxExamples) entry.examples.push(x);
    }
  }

  get total(): number {
    let n = 0;
    for (const e of this.byReason.values()) n += e.count;
    return n;
  }

  /** `{ reason: count }`, most frequent first. */
  counts(): Record<string, number> {
    const sorted = [...this.byReason.entries()].sort((a, b) => b[1].count - a[1].count);
    return Object.fromEntries(sorted.map(([reason, e]) => [reason, e.count]));
  }

  /** `{ reason: [position, …] }` for the first few of each reason. */
  examples(): Record<string, string[]> {
    return Object.fromEntries([...this.byReason.entries()].map(([reason, e]) => [reason, [...e.examples]]));
  }
}
