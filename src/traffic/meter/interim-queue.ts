import type { Connection } from './connection.js';

/**
 * Open connections in the order their next interim record falls due (a FIFO: every connection is queued at
 * the packet time of its start or of its last interim record, which only grows, so due times come out in
 * order). The meter takes what is due at each packet, so interim records come out as their connections
 * come due — a steady trickle — instead of in ticks that walk the whole table and emit thousands at once
 * (watch's scoring latency at 10 k new connections a second was set by those bursts).
 *
 * A connection that ends while queued is not looked for: its entry remembers the connection's id, and a
 * finished (or recycled) connection no longer has it, so the entry is dropped when it reaches the head.
 */
export class InterimQueue {
  private conns: (Connection | null)[] = new Array<Connection | null>(1024).fill(null);
  private ids = new Float64Array(1024);
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(conn: Connection): void {
    if (this.count === this.conns.length) this.grow();
    const at = (this.head + this.count) & (this.conns.length - 1);
    this.conns[at] = conn;
    this.ids[at] = conn.id;
    this.count++;
  }

  /**
   * The connection at the head, dropping entries of connections that have ended since they were queued;
   * null when empty.
   */
  peek(): Connection | null {
    while (this.count > 0) {
      const conn = this.conns[this.head]!;
      if (conn.id === this.ids[this.head]) return conn;
      this.shift();
    }
    return null;
  }

  /** Removes the head entry. */
  shift(): void {
    this.conns[this.head] = null;
    this.head = (this.head + 1) & (this.conns.length - 1);
    this.count--;
  }

  private grow(): void {
    const n = this.conns.length;
    const conns = new Array<Connection | null>(n * 2).fill(null);
    const ids = new Float64Array(n * 2);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) & (n - 1);
      conns[i] = this.conns[from];
      ids[i] = this.ids[from];
    }
    this.conns = conns;
    this.ids = ids;
    this.head = 0;
  }
}
