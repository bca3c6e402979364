// The answer of `GET /v1/capture`, defined once for the service and the dashboard: it sits here because the
// dashboard's browser build can only read files of this folder, while the Node code can import it from here
// (types only, nothing of it runs). src/serve/watch-health.ts re-exports it for the server.

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

/**
 * What `iot-ids watch` with a packet-ae model reports: the capture's figures, then the detector's. Packets
 * are scored as they are read, with no queue between, so nothing is dropped by iot-ids (a scorer that falls
 * behind slows the reading and the kernel drops, counted in `kernelDropped`), and no connections are metered.
 */
export interface PacketWatchHealth {
  /** Tells this answer from the flow watch's. */
  detector: 'packet-ae';
  kind: string;
  running: boolean;
  restarts: number;
  lastError: string | null;
  /** Frames read from the capture: scored packets and frames that could not be decoded. */
  packets: number;
  kernelDropped: number;
  /** Packets decoded and scored (warm-up included). */
  packetsScored: number;
  /** Frames the reader could not decode (non-IP, truncated), counted, not scored. */
  notDecoded: number;
  /** True until the capture time has passed the warm-up (no alerts meanwhile); true before any packet. */
  warmingUp: boolean;
  /** Capture seconds of warm-up left, or null before the first packet. */
  warmupRemainingSeconds: number | null;
  /** Packets scored during the warm-up. */
  warmupPackets: number;
  /** Packets that scored above the threshold after the warm-up. */
  alertingPackets: number;
  /** Alert group writes (alerting packets of one source folded per flush; each opens or grows an alert). */
  alertGroups: number;
  /** The detector's score threshold. */
  threshold: number;
}

/** `GET /v1/capture`'s `capture`: a flow watch's health or a packet watch's. */
export type CaptureHealth = WatchHealth | PacketWatchHealth;
