/**
 * tcpdump's own packet statistics, as it prints them to stderr: at exit one line each
 * (`12 packets captured`, `24 packets received by filter`, `0 packets dropped by kernel`, and
 * `N packets dropped by interface` where the driver counts those), and on SIGUSR1 all on one line
 * (`tcpdump: 12 packets captured, 24 packets received by filter, 0 packets dropped by kernel`).
 * The figures are cumulative for one tcpdump process.
 */
export interface CaptureStats {
  captured: number;
  receivedByFilter: number;
  droppedByKernel: number;
  droppedByInterface: number;
}

export const ZERO_STATS: Readonly<CaptureStats> = Object.freeze({
  captured: 0,
  receivedByFilter: 0,
  droppedByKernel: 0,
  droppedByInterface: 0,
});

const FIELDS: Record<string, keyof CaptureStats> = {
  captured: 'captured',
  'received by filter': 'receivedByFilter',
  'dropped by kernel': 'droppedByKernel',
  'dropped by interface': 'droppedByInterface',
};

const COUNT = /(\d+) packets? (captured|received by filter|dropped by kernel|dropped by interface)\b/g;

/**
 * Applies the counts found on one stderr line to `stats` (in place); returns whether the line held any.
 * Lines without counts (`listening on …`, warnings) leave it unchanged.
 */
export function applyStatsLine(stats: CaptureStats, line: string): boolean {
  let found = false;
  for (const m of line.matchAll(COUNT)) {
    const field = FIELDS[m[2]];
    if (field) {
      stats[field] = Number(m[1]);
      found = true;
    }
  }
  return found;
}

/** Parses a whole stderr text; null when it holds no statistics (the process died before printing them). */
export function parseCaptureStats(text: string): CaptureStats | null {
  const stats = { ...ZERO_STATS };
  let found = false;
  for (const line of text.split('\n')) found = applyStatsLine(stats, line) || found;
  return found ? stats : null;
}

export function addStats(a: Readonly<CaptureStats>, b: Readonly<CaptureStats>): CaptureStats {
  return {
    captured: a.captured + b.captured,
    receivedByFilter: a.receivedByFilter + b.receivedByFilter,
    droppedByKernel: a.droppedByKernel + b.droppedByKernel,
    droppedByInterface: a.droppedByInterface + b.droppedByInterface,
  };
}
