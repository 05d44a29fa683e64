// The operator dashboard (docs/operator.md, "Dashboard"): one server-sent event per second from
// /api/v1/stream carries everything on the page. Every value is written with textContent, never
// as HTML: account ids and broker texts are data, not markup.
'use strict';

const $ = (id) => document.getElementById(id);
const history = [];  // {t, children, fills, denials} per event, the last 120
const fmt = (n) => (n === undefined || n === null ? '–' : Number(n).toLocaleString('en-US'));
const secs = (s) => (s === null || s === undefined ? '–'
  : s < 1e-3 ? (s * 1e6).toFixed(0) + ' µs' : s < 1 ? (s * 1e3).toFixed(1) + ' ms' : s.toFixed(2) + ' s');
const timeOf = (iso) => (iso ? iso.substring(11, 23) : '–');

function setText(id, v) { const e = $(id); if (e.textContent !== String(v)) e.textContent = v; }

function fillTable(id, rows, cells) {
  const body = $(id).tBodies[0];
  const frag = document.createDocumentFragment();
  for (const r of rows) {
    const tr = document.createElement('tr');
    for (const c of cells(r)) {
      const td = document.createElement('td');
      if (Array.isArray(c)) { td.textContent = c[0]; td.className = c[1]; } else td.textContent = c;
      tr.appendChild(td);
    }
    frag.appendChild(tr);
  }
  body.replaceChildren(frag);
}

function drawRates() {
  const svg = $('rates');
  const W = 600, H = 120;
  const series = [['children', '#58a6ff'], ['fills', '#3fb950'], ['denials', '#f85149']];
  const rates = series.map(([k]) => history.slice(1).map((h, i) => {
    const dt = (h.t - history[i].t) || 1;
    return Math.max(0, (h[k] - history[i][k]) / dt);
  }));
  const max = Math.max(1, ...rates.flat());
  const n = Math.max(1, rates[0].length - 1);
  const paths = rates.map((r, j) => {
    const d = r.map((v, i) => `${i ? 'L' : 'M'}${(i / n) * W},${H - 4 - (v / max) * (H - 16)}`).join('');
    return `<path d="${d}" fill="none" stroke="${series[j][1]}" stroke-width="1.5"/>`;
  });
  svg.innerHTML = paths.join('') +
    `<text x="4" y="12" fill="#8a98a8" font-size="10">${max.toFixed(1)}/s</text>`;
}

function drawModels(models, edges) {
  const root = $('models');
  const frag = document.createDocumentFragment();
  for (const m of models) {
    const row = document.createElement('div');
    row.className = 'model';
    const name = document.createElement('div');
    name.textContent = m.id;
    const bars = document.createElement('div');
    const inner = document.createElement('div');
    inner.className = 'bars';
    const max = Math.max(1, ...m.histogram);
    m.histogram.forEach((c, i) => {
      const b = document.createElement('div');
      b.style.height = (100 * c / max) + '%';
      if (i >= edges.indexOf(1) + 1) b.className = 'out';
      const lab = document.createElement('span');
      lab.textContent = c;
      b.appendChild(lab);
      inner.appendChild(b);
    });
    const axis = document.createElement('div');
    axis.className = 'axis';
    [...edges.map((e) => '≤' + e), '>' + edges[edges.length - 1]].forEach((t) => {
      const s = document.createElement('span'); s.textContent = t; axis.appendChild(s);
    });
    bars.append(inner, axis);
    const info = document.createElement('div');
    info.className = 'model-info';
    info.dataset.model = m.id;
    info.textContent = `${m.accounts} accounts, ${m.outside_band} outside band` +
      (m.incomplete ? `, ${m.incomplete} without prices` : '') +
      (m.paused ? `, ${m.paused} paused` : '') + (m.killed ? `, ${m.killed} killed` : '');
    row.append(name, bars, info);
    frag.appendChild(row);
  }
  root.replaceChildren(frag);
}

function render(d) {
  setText('version', 'v' + d.version);
  setText('clock', d.engine_time || '–');
  const c = d.counters;
  setText('c-inputs', fmt(c.inputs));
  setText('c-triggers', fmt(c.triggers));
  setText('c-children', fmt(c.children));
  setText('c-working', fmt(c.working));
  setText('c-fills', fmt(c.fills));
  setText('c-denials', fmt(c.denials));
  setText('c-outside', fmt(d.outside_total));
  const kill = $('kill');
  kill.textContent = d.kill.global ? 'kill switch: ON (all)' :
    d.kill.accounts_killed ? `kill switch: ${d.kill.accounts_killed} accounts` : 'kill switch: off';
  kill.className = 'badge' + (d.kill.global || d.kill.accounts_killed ? ' alarm' : '');
  const p = $('paused');
  p.textContent = d.triggers.paused_global ? 'triggers: paused (all)' :
    d.triggers.accounts_paused ? `triggers: ${d.triggers.accounts_paused} paused` : 'triggers: on';
  p.className = 'badge' + (d.triggers.paused_global || d.triggers.accounts_paused ? ' off' : '');
  history.push({ t: d.wall_time, children: c.children, fills: c.fills, denials: c.denials });
  if (history.length > 120) history.shift();
  drawRates();
  drawModels(d.models, d.utilization_edges);
  fillTable('sessions', d.sessions, (s) => [s.name, s.logged_on ? ['up', 'up'] : ['down', 'down'], s.last_status]);
  fillTable('latency', d.latency, (l) => [l.name, fmt(l.count), secs(l.p50), secs(l.p99)]);
  fillTable('outside', d.outside, (a) => [a.id, a.model, a.band_utilization.toFixed(2),
    (a.max_abs_drift * 100).toFixed(2) + ' %', a.worst,
    (a.killed ? 'killed ' : '') + (a.paused ? 'paused ' : '') + (a.rebalancing ? 'rebalancing' : '')]);
  fillTable('fills', d.fills, (f) => [timeOf(f.time), f.account, f.side, f.qty, f.symbol, f.px]);
  fillTable('denials', d.denials, (x) => [timeOf(x.time), x.account, x.side, x.qty, x.symbol, x.reason]);
  fillTable('orders', d.orders, (o) => [o.cl_ord_id, o.account, o.side, o.qty, o.filled, o.symbol,
    o.limit || 'market', o.state]);
  drawApprovals(d);
  setText('working-note', d.working > d.orders.length ? `(the first ${d.orders.length} of ${d.working})` : '');
  document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
}

async function command(what, body) {
  const r = await fetch('/api/v1/' + what, {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-Ballast-Request': '1' },
    body: JSON.stringify(body),
  });
  const j = await r.json().catch(() => ({}));
  return r.ok ? `accepted (${j.scope || ''})` : `refused: ${r.status} ${j.error || ''}`;
}

function drawApprovals(d) {
  setText('approval-mode', `(mode: ${d.approval_mode}; ${fmt(d.approvals_waiting || 0)} waiting)`);
  const body = $('approvals').tBodies[0];
  const frag = document.createDocumentFragment();
  for (const p of d.approvals || []) {
    const tr = document.createElement('tr');
    tr.dataset.account = p.account;
    const lines = p.lines.map((l) => `${l.side} ${l.qty} ${l.symbol}`).join(', ');
    for (const t of [p.account, timeOf(p.time) + (p.expired ? ' (expired)' : ''), p.gross_value, lines]) {
      const td = document.createElement('td');
      td.textContent = t;
      tr.appendChild(td);
    }
    const td = document.createElement('td');
    for (const [label, action] of [['approve', 'approve'], ['reject', 'reject']]) {
      const b = document.createElement('button');
      b.textContent = label;
      b.className = action;
      b.addEventListener('click', async () => {
        b.disabled = true;
        $('ctl-result').textContent = await command('approvals', { action, account: p.account });
      });
      td.appendChild(b);
    }
    tr.appendChild(td);
    frag.appendChild(tr);
  }
  body.replaceChildren(frag);
}

function connect() {
  const live = $('live');
  const es = new EventSource('/api/v1/stream');
  es.onopen = () => { live.textContent = 'live'; live.className = 'badge on'; };
  es.onmessage = (ev) => {
    try { render(JSON.parse(ev.data)); } catch (e) { console.error(e); }
  };
  es.onerror = () => { live.textContent = 'reconnecting'; live.className = 'badge off'; };
}

$('control').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const [what, action] = $('ctl-action').value.split(':');
  const body = { action };
  const scope = $('ctl-scope').value;
  if (scope) body[scope] = $('ctl-id').value;
  const out = $('ctl-result');
  try {
    out.textContent = await command(what, body);
  } catch (e) {
    out.textContent = 'failed: ' + e;
  }
});

connect();
