// The capture-health answer is defined in the dashboard's folder, which both builds can read (see there).
export type { CaptureHealth, PacketWatchHealth, WatchHealth } from './dashboard/capture-health.js';
