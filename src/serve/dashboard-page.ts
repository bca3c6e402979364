/**
 * The dashboard served at `/`: one page, a stylesheet and a script, all from this origin (the CSP forbids
 * anything else), no framework. It reads /v1/model, /v1/alerts and /v1/alerts/summary and follows
 * /v1/alerts/ws for live alerts. Alert contents come from network traffic, so the script only ever puts
 * them in the page as text (textContent), never as HTML. With a token configured the page asks for it
 * once and keeps it in sessionStorage.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>iot-ids · live detection</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<header class="top">
  <div class="brand"><span class="logo">◆</span> iot-ids <span class="sub">live detection</span></div>
  <div class="status"><span id="conn-dot" class="dot"></span><span id="conn-text">connecting…</span></div>
</header>
<main>
  <section id="token-panel" class="card token hidden">
    <h2>Bearer token required</h2>
    <p>This service requires a token. It is kept in this browser tab only.</p>
    <form id="token-form"><input id="token-input" type="password" autocomplete="off" placeholder="token"><button type="submit">Connect</button></form>
  </section>
  <section class="stats" id="stats"></section>
  <section class="card">
    <div class="card-head"><h2>Alerting records by class</h2><span class="hint" id="chart-range">last 60 minutes, per minute</span></div>
    <div id="chart" class="chart"></div>
    <div id="legend" class="legend"></div>
  </section>
  <div class="columns">
    <section class="card feed">
      <div class="card-head"><h2>Live alerts</h2><span class="hint" id="feed-count"></span></div>
      <table class="alerts">
        <thead><tr><th>time</th><th>class</th><th class="num">prob.</th><th class="num">records</th><th>source</th><th>top features</th></tr></thead>
        <tbody id="feed"></tbody>
      </table>
      <p id="feed-empty" class="empty">No alerts yet. Alerts appear here as soon as they are stored.</p>
    </section>
    <aside class="side">
      <section class="card">
        <h2>Model</h2>
        <dl id="model" class="kv"></dl>
      </section>
      <section class="card">
        <h2>Test metrics</h2>
        <div id="metrics"><p class="empty">No metrics.json next to the model directory.</p></div>
      </section>
    </aside>
  </div>
</main>
</body>
</html>
`;

export const DASHBOARD_CSS = `:root {
  --bg: #0b1020; --panel: #121a2e; --panel2: #17213a; --line: #23304d; --text: #e6ebf5; --muted: #8b98b3;
  --accent: #5b8cff; --ok: #22c55e; --bad: #ef4444;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font-size: 14px; }
.top { display: flex; justify-content: space-between; align-items: center; padding: 14px 24px;
  background: linear-gradient(90deg, #111936, #0f1730); border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; font-size: 18px; letter-spacing: .3px; }
.brand .logo { color: var(--accent); }
.brand .sub { color: var(--muted); font-weight: 400; font-size: 14px; margin-left: 6px; }
.status { display: flex; align-items: center; gap: 8px; color: var(--muted); }
.dot { width: 10px; height: 10px; border-radius: 50%; background: #64748b; display: inline-block; }
.dot.live { background: var(--ok); box-shadow: 0 0 8px var(--ok); }
.dot.down { background: var(--bad); }
main { padding: 20px 24px 40px; max-width: 1500px; margin: 0 auto; display: flex; flex-direction: column; gap: 18px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 12px; padding: 16px 18px; }
.card h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .8px; color: var(--muted); margin: 0 0 12px; font-weight: 600; }
.card-head { display: flex; justify-content: space-between; align-items: baseline; }
.hint { color: var(--muted); font-size: 12px; }
.hidden { display: none !important; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 14px; }
.stat { background: var(--panel); border: 1px solid var(--line); border-radius: 12px; padding: 14px 16px; border-top: 3px solid var(--c, var(--accent)); }
.stat .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .8px; }
.stat .value { font-size: 28px; font-weight: 700; margin-top: 4px; font-variant-numeric: tabular-nums; }
.stat .detail { color: var(--muted); font-size: 12px; margin-top: 2px; }
.chart svg { width: 100%; height: 220px; display: block; }
.chart .axis { fill: var(--muted); font-size: 11px; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; margin-top: 8px; color: var(--muted); font-size: 12px; }
.legend span::before { content: ""; display: inline-block; width: 10px; height: 10px; border-radius: 2px; background: var(--c); margin-right: 6px; vertical-align: -1px; }
.columns { display: grid; grid-template-columns: minmax(0, 2fr) minmax(320px, 1fr); gap: 18px; align-items: start; }
.side { display: flex; flex-direction: column; gap: 18px; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; color: var(--muted); font-weight: 500; font-size: 12px; padding: 6px 8px; border-bottom: 1px solid var(--line); }
td { padding: 7px 8px; border-bottom: 1px solid #1a2440; vertical-align: top; font-variant-numeric: tabular-nums; }
.num { text-align: right; }
.alerts tbody tr.fresh { animation: flash 1.6s ease-out; }
@keyframes flash { from { background: rgba(91, 140, 255, .28); } to { background: transparent; } }
.badge { display: inline-block; padding: 2px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; color: #0b1020; background: var(--c); }
.features { color: var(--muted); font-size: 12px; }
.features b { color: var(--text); font-weight: 500; }
.nowrap { white-space: nowrap; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.empty { color: var(--muted); margin: 10px 0 0; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 6px 14px; margin: 0; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; word-break: break-word; }
.metrics-table td, .metrics-table th { padding: 5px 6px; }
.split-name { color: var(--text); font-weight: 600; margin: 12px 0 6px; }
.token form { display: flex; gap: 10px; }
.token input { flex: 1; background: var(--panel2); border: 1px solid var(--line); color: var(--text); border-radius: 8px; padding: 8px 10px; }
.token button { background: var(--accent); color: white; border: 0; border-radius: 8px; padding: 8px 16px; font-weight: 600; cursor: pointer; }
@media (max-width: 1000px) { .columns { grid-template-columns: 1fr; } }
`;

export const DASHBOARD_JS = `'use strict';
(() => {
  const PALETTE = ['#ef4444', '#f59e0b', '#a78bfa', '#22d3ee', '#f472b6', '#34d399', '#60a5fa', '#facc15', '#fb923c', '#2dd4bf'];
  const MAX_FEED = 100;
  const WINDOW_MINUTES = 60;
  const state = { token: sessionStorage.getItem('iot-ids-token') || '', classes: [], colors: {}, rows: new Map(),
    buckets: new Map(), totals: {}, ws: null, retry: 1000, timer: null };
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = String(text); return e; };
  const fmt = new Intl.NumberFormat('en-US');

  async function api(path) {
    const res = await fetch(path, { headers: state.token ? { authorization: 'Bearer ' + state.token } : {} });
    if (res.status === 401) { askToken(); throw new Error('unauthorized'); }
    if (!res.ok) throw new Error(path + ': ' + res.status);
    return res.json();
  }

  function askToken() {
    $('token-panel').classList.remove('hidden');
    setStatus('down', 'token required');
  }

  function setStatus(kind, text) {
    $('conn-dot').className = 'dot ' + kind;
    $('conn-text').textContent = text;
  }

  function clock(t) { return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }); }

  function colorOf(cls) { return state.colors[cls] || '#94a3b8'; }

  function renderModel(info) {
    const m = info.model;
    state.classes = m.classes.filter((c) => c !== m.normalClass);
    state.classes.forEach((c, i) => { state.colors[c] = PALETTE[i % PALETTE.length]; });
    const dl = $('model');
    dl.replaceChildren();
    const thresholds = Object.entries(m.thresholds).map(([c, t]) => c + ' ≥ ' + t).join(', ');
    const rows = [['model', m.kind], ['dataset', m.dataset], ['task', m.task], ['protocol', m.protocol],
      ['classes', m.classes.join(', ')], ['alert thresholds', thresholds], ['trained', new Date(m.createdAt).toLocaleString()],
      ['loaded', new Date(m.loadedAt).toLocaleString()], ['run', m.run]];
    for (const [k, v] of rows) { dl.append(el('dt', '', k)); dl.append(el('dd', k === 'directory' ? 'mono' : '', v)); }
    renderMetrics(info.testMetrics);
    renderLegend();
  }

  function pct(x) { return x === null || x === undefined ? '–' : (100 * x).toFixed(1) + '%'; }

  function renderMetrics(tm) {
    const box = $('metrics');
    if (!tm) return;
    box.replaceChildren();
    if (tm.protocolDescription) box.append(el('p', 'hint', tm.protocolDescription));
    const head = el('table', 'metrics-table');
    const thead = el('thead'); const hr = el('tr');
    for (const h of ['split', 'records', 'accuracy', 'macro-F1', 'ROC-AUC']) hr.append(el('th', h === 'split' ? '' : 'num', h));
    thead.append(hr); head.append(thead);
    const tbody = el('tbody');
    for (const [name, s] of Object.entries(tm.splits)) {
      const tr = el('tr');
      tr.append(el('td', '', name), el('td', 'num', fmt.format(s.n)), el('td', 'num', pct(s.accuracy)),
        el('td', 'num', pct(s.macroF1)), el('td', 'num', s.rocAucMacro === null ? '–' : s.rocAucMacro.toFixed(3)));
      tbody.append(tr);
    }
    head.append(tbody); box.append(head);
    const first = Object.entries(tm.splits)[0];
    if (first && Object.keys(first[1].perClass).length) {
      box.append(el('div', 'split-name', 'Per class on ' + first[0]));
      const t = el('table', 'metrics-table'); const th = el('tr');
      for (const h of ['class', 'precision', 'recall', 'F1', 'support']) th.append(el('th', h === 'class' ? '' : 'num', h));
      const tb = el('tbody');
      for (const [cls, v] of Object.entries(first[1].perClass)) {
        const tr = el('tr'); const td = el('td'); const b = el('span', 'badge', cls);
        b.style.setProperty('--c', cls in state.colors ? colorOf(cls) : '#94a3b8'); td.append(b);
        tr.append(td, el('td', 'num', pct(v.precision)), el('td', 'num', pct(v.recall)), el('td', 'num', pct(v.f1)), el('td', 'num', fmt.format(v.support)));
        tb.append(tr);
      }
      const thead2 = el('thead'); thead2.append(th); t.append(thead2, tb); box.append(t);
    }
  }

  function renderLegend() {
    const lg = $('legend'); lg.replaceChildren();
    for (const c of state.classes) { const s = el('span', '', c); s.style.setProperty('--c', colorOf(c)); lg.append(s); }
  }

  function renderStats() {
    const box = $('stats'); box.replaceChildren();
    let all = 0, groups = 0;
    for (const c of state.classes) { const t = state.totals[c]; if (t) { all += t.records; groups += t.alerts; } }
    const total = el('div', 'stat'); total.style.setProperty('--c', '#5b8cff');
    total.append(el('div', 'label', 'all attack classes'), el('div', 'value', fmt.format(all)), el('div', 'detail', fmt.format(groups) + ' alerts stored'));
    box.append(total);
    for (const c of state.classes) {
      const t = state.totals[c] || { records: 0, alerts: 0 };
      const card = el('div', 'stat'); card.style.setProperty('--c', colorOf(c));
      card.append(el('div', 'label', c), el('div', 'value', fmt.format(t.records)), el('div', 'detail', fmt.format(t.alerts) + ' alerts'));
      box.append(card);
    }
  }

  const SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs) { const e = document.createElementNS(SVG, tag); for (const k in attrs) e.setAttribute(k, String(attrs[k])); return e; }

  function renderChart() {
    const W = Math.max(400, $('chart').clientWidth || 1000), H = 220, L = 46, R = 8, T = 10, B = 24;
    const now = Date.now(); const minute = 60000;
    const end = now - (now % minute) + minute; const start = end - WINDOW_MINUTES * minute;
    let max = 0; const cols = [];
    for (let i = 0; i < WINDOW_MINUTES; i++) {
      const t = start + i * minute; const counts = state.buckets.get(t) || {};
      let sum = 0; for (const c of state.classes) sum += counts[c] || 0;
      max = Math.max(max, sum); cols.push([t, counts]);
    }
    const top = niceMax(max);
    const root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'alerting records per minute by class' });
    for (let g = 0; g <= 4; g++) {
      const y = T + (H - T - B) * (1 - g / 4);
      root.append(svg('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'grid' }));
      const label = svg('text', { x: L - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }); label.textContent = fmt.format(Math.round(top * g / 4)); root.append(label);
    }
    const slot = (W - L - R) / WINDOW_MINUTES; const bw = Math.max(2, slot - 3);
    cols.forEach(([t, counts], i) => {
      let y = H - B; const x = L + i * slot + (slot - bw) / 2;
      for (const c of state.classes) {
        const n = counts[c] || 0; if (!n) continue;
        const h = top ? (n / top) * (H - T - B) : 0;
        y -= h;
        const r = svg('rect', { x: x.toFixed(1), y: y.toFixed(1), width: bw.toFixed(1), height: Math.max(h, 0.5).toFixed(1), fill: colorOf(c), rx: 1.5 });
        const tip = svg('title', {}); tip.textContent = new Date(t).toLocaleTimeString() + ' · ' + c + ': ' + fmt.format(n); r.append(tip);
        root.append(r);
      }
      if (i % 10 === 0) {
        const label = svg('text', { x: (L + i * slot).toFixed(1), y: H - 6, class: 'axis' });
        label.textContent = new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }); root.append(label);
      }
    });
    $('chart').replaceChildren(root);
  }

  function niceMax(v) {
    if (v <= 4) return 4;
    const p = Math.pow(10, Math.floor(Math.log10(v))); const m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  function featuresText(explanation) {
    const wrap = el('span', 'features');
    (explanation || []).slice(0, 3).forEach((f, i) => {
      if (i) wrap.append(document.createTextNode(' · '));
      wrap.append(el('b', '', f.feature));
      const sign = f.contribution < 0 ? '−' : '+';
      wrap.append(document.createTextNode('=' + (typeof f.value === 'number' ? +f.value.toPrecision(4) : f.value) + ' (' + sign + Math.abs(f.contribution).toFixed(2) + ')'));
    });
    return wrap;
  }

  function addAlert(a, fresh) {
    if (state.rows.has(a.id)) return;
    const tr = el('tr', fresh ? 'fresh' : '');
    const badge = el('span', 'badge', a.class); badge.style.setProperty('--c', colorOf(a.class));
    const cls = el('td'); cls.append(badge);
    const count = el('td', 'num', fmt.format(a.count));
    count.dataset.n = String(a.count);
    const feats = el('td'); feats.append(featuresText(a.explanation));
    tr.append(el('td', 'mono nowrap', clock(a.time)), cls, el('td', 'num', a.probability.toFixed(3)), count,
      el('td', 'mono', a.sourceKey), feats);
    tr.title = 'alert #' + a.id + ', window from ' + new Date(a.windowStart).toLocaleTimeString();
    const feed = $('feed');
    feed.insertBefore(tr, fresh ? feed.firstChild : null);
    state.rows.set(a.id, { tr, count });
    while (feed.children.length > MAX_FEED) { const last = feed.lastChild; feed.removeChild(last); for (const [id, r] of state.rows) if (r.tr === last) state.rows.delete(id); }
    $('feed-empty').classList.toggle('hidden', state.rows.size > 0);
    $('feed-count').textContent = state.rows.size + ' shown';
  }

  function countLive(cls, n, when) {
    const t = when - (when % 60000);
    const counts = state.buckets.get(t) || {}; counts[cls] = (counts[cls] || 0) + n; state.buckets.set(t, counts);
    const tot = state.totals[cls] || { records: 0, alerts: 0 }; tot.records += n; state.totals[cls] = tot;
  }

  function onEvent(msg) {
    if (msg.type === 'alert') {
      const a = msg.data;
      addAlert(a, true);
      countLive(a.class, a.count, Date.parse(a.windowStart));
      state.totals[a.class].alerts += 1;
    } else if (msg.type === 'update') {
      const u = msg.data; const row = state.rows.get(u.id);
      const before = row ? Number(row.count.dataset.n || 0) : 0;
      if (row) { row.count.textContent = fmt.format(u.count); row.count.dataset.n = String(u.count); }
      if (row && before) countLive(u.class, u.count - before, Date.parse(u.lastTime));
      else scheduleRefresh();
    }
    scheduleRender();
  }

  let renderPending = false;
  function scheduleRender() {
    if (renderPending) return; renderPending = true;
    requestAnimationFrame(() => { renderPending = false; renderStats(); renderChart(); });
  }
  function scheduleRefresh() { clearTimeout(state.timer); state.timer = setTimeout(loadSummary, 2000); }

  function connect() {
    const proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
    const protocols = state.token ? ['iot-ids', 'bearer.' + state.token] : ['iot-ids'];
    const ws = new WebSocket(proto + location.host + '/v1/alerts/ws', protocols);
    state.ws = ws;
    ws.onopen = () => { state.retry = 1000; setStatus('live', 'live'); };
    ws.onmessage = (e) => { try { onEvent(JSON.parse(e.data)); } catch (err) { console.error(err); } };
    ws.onclose = () => {
      setStatus('down', 'disconnected, retrying…');
      setTimeout(() => { loadAll().catch(() => {}); }, state.retry);
      state.retry = Math.min(state.retry * 2, 30000);
    };
  }

  async function loadSummary() {
    const since = Date.now() - WINDOW_MINUTES * 60000;
    const s = await api('/v1/alerts/summary?bucket=60&since=' + since);
    state.buckets = new Map(s.buckets.map((b) => [b.start, b.counts]));
    state.totals = s.totals;
    for (const c of state.classes) if (!state.totals[c]) state.totals[c] = { records: 0, alerts: 0 };
    scheduleRender();
  }

  async function loadAll() {
    renderModel(await api('/v1/model'));
    await loadSummary();
    const page = await api('/v1/alerts?limit=' + MAX_FEED);
    for (const a of page.alerts) addAlert(a, false);
    $('token-panel').classList.add('hidden');
    connect();
  }

  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.token = $('token-input').value.trim();
    sessionStorage.setItem('iot-ids-token', state.token);
    loadAll().catch((err) => console.error(err));
  });
  setInterval(() => { loadSummary().catch(() => {}); }, 30000);
  setInterval(scheduleRender, 15000);
  window.addEventListener('resize', scheduleRender);
  loadAll().catch((err) => { if (String(err.message) !== 'unauthorized') setStatus('down', 'cannot reach the service'); });
})();
`;
