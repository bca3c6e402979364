/**
 * The parts of the service's JSON answers the dashboard reads (the server's own types live in Node code
 * the browser build cannot import; src/serve/README.md is the reference). The capture's health is the one
 * type both share (capture-health.ts).
 */
import type { CaptureHealth } from './capture-health.js';

export type { CaptureHealth, PacketWatchHealth, WatchHealth } from './capture-health.js';

export interface ModelInfo {
  kind: string;
  dataset: string;
  task: string;
  protocol: string;
  classes: string[];
  normalClass: string;
  thresholds: Record<string, number>;
  createdAt: string;
  loadedAt: string;
  run: string;
}

export interface SplitFigures {
  n: number;
  accuracy: number;
  macroF1: number | null;
  rocAucMacro: number | null;
  perClass: Record<string, { precision: number; recall: number; f1: number; support: number }>;
}

export interface TestMetrics {
  protocolDescription: string | null;
  splits: Record<string, SplitFigures>;
}

/** GET /v1/model */
export interface ModelAnswer {
  model: ModelInfo;
  testMetrics: TestMetrics | null;
}

export interface Contribution {
  feature: string;
  value: number | string | null;
  contribution: number;
}

export interface Alert {
  id: number;
  time: string;
  lastTime: string;
  class: string;
  probability: number;
  count: number;
  sourceKey: string;
  windowStart: string;
  explanation: Contribution[];
}

/** GET /v1/alerts */
export interface AlertPage {
  alerts: Alert[];
}

export interface ClassTotals {
  records: number;
  alerts: number;
}

/** GET /v1/alerts/summary */
export interface Summary {
  buckets: { start: number; counts: Record<string, number> }[];
  totals: Record<string, ClassTotals>;
}

/** GET /v1/capture: the capture `iot-ids watch` feeds the service from, or null under `serve`. */
export interface CaptureAnswer {
  capture: CaptureHealth | null;
}

/** A message on /v1/alerts/ws. */
export type LiveMessage =
  | { type: 'alert'; data: Alert }
  | { type: 'update'; data: { id: number; class: string; count: number; lastTime: string } };
