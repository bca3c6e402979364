/**
 * The dashboard's entry module (served as /dashboard/main.js; the page is index.html beside it). It reads
 * /v1/model, /v1/alerts, /v1/alerts/summary and /v1/capture and follows /v1/alerts/ws for live alerts.
 * With a token configured the page asks for it once and keeps it in sessionStorage.
 */
import type {
  AlertPage,
  CaptureAnswer,
  ClassTotals,
  LiveMessage,
  ModelAnswer,
  Summary,
} from './api-types.js';
import { renderChart, WINDOW_MINUTES } from './chart.js';
import { ClassColors } from './colors.js';
import { byId } from './dom.js';
import { AlertFeed, MAX_FEED } from './feed.js';
import { renderHealth } from './health-panel.js';
import { renderMetrics, renderModel } from './model-panel.js';
import { renderStats } from './stats.js';

const TOKEN_KEY = 'iot-ids-token';
const MINUTE = 60_000;

class Unauthorized extends Error {}

const colors = new ClassColors();
const feed = new AlertFeed(byId('feed'), byId('feed-empty'), byId('feed-count'), colors);
const state = {
  token: sessionStorage.getItem(TOKEN_KEY) ?? '',
  classes: [] as string[],
  buckets: new Map<number, Record<string, number>>(),
  totals: {} as Record<string, ClassTotals>,
  retryMs: 1000,
  refreshTimer: undefined as number | undefined,
  renderPending: false,
  /** Whether the service has a capture attached (`watch`): only then is its health polled. */
  captureAttached: false,
};

async function api<T>(path: string): Promise<T> {
  const headers: Record<string, string> = state.token ? { authorization: `Bearer ${state.token}` } : {};
  const res = await fetch(path, { headers });
  if (res.status === 401) {
    byId('token-panel').classList.remove('hidden');
    setStatus('down', 'token required');
    throw new Unauthorized('unauthorized');
  }
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
}

function setStatus(kind: 'live' | 'down', text: string): void {
  byId('conn-dot').className = `dot ${kind}`;
  byId('conn-text').textContent = text;
}

function scheduleRender(): void {
  if (state.renderPending) return;
  state.renderPending = true;
  requestAnimationFrame(() => {
    state.renderPending = false;
    renderStats(byId('stats'), state.classes, state.totals, colors);
    renderChart(byId('chart'), state.classes, state.buckets, colors);
  });
}

/** Records `n` more alerting records of class `cls` in the minute of `when`, between two summaries. */
function countLive(cls: string, n: number, when: number): void {
  const minute = when - (when % MINUTE);
  const counts = state.buckets.get(minute) ?? {};
  counts[cls] = (counts[cls] ?? 0) + n;
  state.buckets.set(minute, counts);
  const totals = (state.totals[cls] ??= { records: 0, alerts: 0 });
  totals.records += n;
}

function onMessage(message: LiveMessage): void {
  if (message.type === 'alert') {
    const alert = message.data;
    feed.add(alert, true);
    countLive(alert.class, alert.count, Date.parse(alert.windowStart));
    state.totals[alert.class].alerts += 1;
  } else {
    const update = message.data;
    const gained = feed.update(update.id, update.count);
    // An alert no longer shown: its records are counted by the next summary.
    if (gained === null) scheduleSummary();
    else countLive(update.class, gained, Date.parse(update.lastTime));
  }
  scheduleRender();
}

function scheduleSummary(): void {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = window.setTimeout(() => void loadSummary().catch(() => {}), 2000);
}

function connect(): void {
  const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  const protocols = state.token ? ['iot-ids', `bearer.${state.token}`] : ['iot-ids'];
  const ws = new WebSocket(`${scheme}${location.host}/v1/alerts/ws`, protocols);
  ws.onopen = () => {
    state.retryMs = 1000;
    setStatus('live', 'live');
  };
  ws.onmessage = (event: MessageEvent<string>) => {
    try {
      onMessage(JSON.parse(event.data) as LiveMessage);
    } catch (error) {
      console.error(error);
    }
  };
  ws.onclose = () => {
    setStatus('down', 'disconnected, retrying…');
    setTimeout(() => void loadAll().catch(() => {}), state.retryMs);
    state.retryMs = Math.min(state.retryMs * 2, 30_000);
  };
}

async function loadSummary(): Promise<void> {
  const since = Date.now() - WINDOW_MINUTES * MINUTE;
  const summary = await api<Summary>(`/v1/alerts/summary?bucket=60&since=${since}`);
  state.buckets = new Map(summary.buckets.map((b) => [b.start, b.counts]));
  state.totals = summary.totals;
  for (const c of state.classes) state.totals[c] ??= { records: 0, alerts: 0 };
  scheduleRender();
}

async function loadCapture(): Promise<void> {
  const { capture } = await api<CaptureAnswer>('/v1/capture');
  state.captureAttached = capture !== null;
  renderHealth(byId('health'), byId('health-list'), capture);
}

async function loadAll(): Promise<void> {
  const { model, testMetrics } = await api<ModelAnswer>('/v1/model');
  state.classes = model.classes.filter((c) => c !== model.normalClass);
  colors.setClasses(state.classes);
  renderModel(byId('model'), model);
  renderMetrics(byId('metrics'), testMetrics, colors);
  renderLegend();
  await loadSummary();
  await loadCapture();
  const page = await api<AlertPage>(`/v1/alerts?limit=${MAX_FEED}`);
  for (const alert of page.alerts) feed.add(alert, false);
  byId('token-panel').classList.add('hidden');
  connect();
}

function renderLegend(): void {
  const legend = byId('legend');
  legend.replaceChildren();
  for (const c of state.classes) {
    const item = document.createElement('span');
    item.textContent = c;
    item.style.setProperty('--c', colors.of(c));
    legend.append(item);
  }
}

byId<HTMLFormElement>('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  state.token = byId<HTMLInputElement>('token-input').value.trim();
  sessionStorage.setItem(TOKEN_KEY, state.token);
  loadAll().catch((error: unknown) => console.error(error));
});
setInterval(() => void loadSummary().catch(() => {}), 30_000);
setInterval(() => {
  if (state.captureAttached) loadCapture().catch(() => {});
}, 2_000);
setInterval(scheduleRender, 15_000);
window.addEventListener('resize', scheduleRender);
loadAll().catch((error: unknown) => {
  if (!(error instanceof Unauthorized)) setStatus('down', 'cannot reach the service');
});
