/**
 * What `iot-ids watch` reports about its capture and scoring, for `GET /v1/capture` and the dashboard's
 * health panel (the same figures are in /metrics as `iot_ids_watch_*`).
 */
export interface WatchHealth {
  /** The capture: `tcpdump`, `stdin` or `replay`. */
  kind: string;
  running: boolean;
  /** Times the capture child was restarted after it stopped. */
  restarts: number;
  /** The last problem the capture reported (an exit, a spawn failure), or null. */
  lastError: string | null;
  /** Packets read from the capture. */
  packets: number;
  /** Packets the kernel dropped before tcpdump saw them (tcpdump's statistics; 0 for stdin). */
  kernelDropped: number;
  /** Connection records dropped by iot-ids' own bounded scoring queue (scoring fell behind). */
  queueDropped: number;
  /** Connections open in the meter. */
  openConnections: number;
  /** Connection records scored and stored. */
  recordsScored: number;
  /** From a record leaving the meter to its alerts being durable, over the scored batches. */
  scoringLag: { lastSeconds: number | null; meanSeconds: number | null; batches: number };
}
