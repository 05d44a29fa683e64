#!/usr/bin/env node
// The operator dashboard in a real browser (issue 17): `ballast demo --operator-port 0` trades a
// short session over FIX while Debian's Chromium, headless and driven by playwright-core, logs in
// with the control token, watches the live page and
//   * checks the numbers it shows against the JSON API read around them (counters only grow, so
//     a number shown must lie between the API's readings before and after it);
//   * checks the models, sessions and kill-switch state it shows against the API;
//   * engages the kill switch from the page's own form, and sees the page and the API say so;
//   * saves a screenshot (WORK/dashboard.png, the test's artifact).
// usage: node dashboard_test.js BALLAST WORK_DIR     (exit 77: skipped, with the reason)
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const path = require('path');
const crypto = require('crypto');

const [BALLAST, WORK] = process.argv.slice(2);
const CHROMIUM = process.env.BALLAST_CHROMIUM || '/usr/bin/chromium';
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (e) {
  console.log('SKIP playwright-core is not installed in tests/dashboard (scripts/setup.sh runs npm ci)');
  process.exit(77);
}
if (!fs.existsSync(CHROMIUM)) {
  console.log(`SKIP no Chromium at ${CHROMIUM} (scripts/setup.sh installs Debian's chromium)`);
  process.exit(77);
}

const READ = 'read-' + crypto.randomBytes(12).toString('hex');
const CONTROL = 'control-' + crypto.randomBytes(12).toString('hex');
const failures = [];
function check(cond, what) {
  console.log((cond ? 'ok   ' : 'FAIL ') + what);
  if (!cond) failures.push(what);
  return cond;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function api(port, p, token = READ) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, headers: { Authorization: 'Bearer ' + token } },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
  });
}
const status = async (port) => JSON.parse((await api(port, '/api/v1/status')).body);
const num = (s) => Number(String(s).replace(/,/g, ''));

async function main() {
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(WORK, { recursive: true });
  // 35 market minutes at 30x: about 70 s, ending by itself (the demo stops at --until).
  const demo = spawn(BALLAST, ['demo', '--accounts', '60', '--speed', '30', '--until', '10:05',
    '--no-progress', '--dir', path.join(WORK, 'demo'), '--operator-port', '0'],
  { env: { ...process.env, BALLAST_OPERATOR_READ_TOKEN: READ, BALLAST_OPERATOR_CONTROL_TOKEN: CONTROL },
    stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  demo.stdout.on('data', (c) => (out += c));
  demo.stderr.on('data', (c) => (out += c));
  let exited = null;
  demo.on('exit', (code) => (exited = code));
  let port = null, url = null;
  for (let i = 0; i < 600 && port === null && exited === null; ++i) {
    const m = out.match(/dashboard and operator API on (http:\/\/127\.0\.0\.1:(\d+)\/)/);
    if (m) { url = m[1]; port = Number(m[2]); } else await sleep(100);
  }
  if (!check(port !== null, `the demo printed the dashboard's address (${url})`)) {
    console.log(out.slice(-2000));
    demo.kill('SIGKILL');
    return;
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1500 } });
    const errors = [];
    let signedIn = false;  // before: the login form's own 401 is expected
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (signedIn && m.type() === 'error') errors.push(m.text()); });
    // No cookie yet: the login form, holding no data.
    const first = await page.goto(url);
    check(first.status() === 401, `the page without a token is the login form (${first.status()})`);
    check(!(await page.content()).includes('c-fills'), 'the login form shows no dashboard');
    await page.fill('input[name=token]', CONTROL);
    await Promise.all([page.waitForNavigation(), page.click('[type=submit]')]);
    signedIn = true;
    // Live: the stream's updates arrive and orders have been sent.
    await page.waitForFunction(() => Number(document.body.dataset.updates || 0) >= 3, null, { timeout: 30000 });
    check(true, 'the dashboard receives live updates');
    await page.waitForFunction(() => Number(document.getElementById('c-children').textContent.replace(/,/g, '')) > 0,
      null, { timeout: 60000 });
    check((await page.textContent('#live')) === 'live', 'the page says it is live');

    // The numbers shown lie between the API's readings before and after them.
    const before = await status(port);
    const u0 = Number(await page.evaluate(() => document.body.dataset.updates));
    await page.waitForFunction((u) => Number(document.body.dataset.updates) >= u + 2, u0, { timeout: 10000 });
    const shown = {};
    for (const k of ['inputs', 'triggers', 'children', 'fills', 'denials']) {
      shown[k] = num(await page.textContent('#c-' + k));
    }
    const after = await status(port);
    for (const k of ['inputs', 'triggers', 'children', 'fills', 'denials']) {
      const a = before.counters['engine.' + k], b = after.counters['engine.' + k];
      check(a <= shown[k] && shown[k] <= b, `${k}: the page's ${shown[k]} lies in the API's [${a}, ${b}]`);
    }
    const models = JSON.parse((await api(port, '/api/v1/models')).body).models;
    const shownModels = await page.$$eval('.model-info', (els) => els.map((e) => [e.dataset.model, e.textContent]));
    check(shownModels.length === models.length &&
      models.every((m, i) => shownModels[i][0] === m.id && shownModels[i][1].startsWith(`${m.accounts} accounts`)),
    `the models shown are the API's (${JSON.stringify(shownModels)})`);
    const sessions = await page.$$eval('#sessions tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
    check(sessions.length === after.fix_sessions.length && sessions.every((s, i) =>
      s[0] === after.fix_sessions[i].name && (s[1] === 'up') === after.fix_sessions[i].logged_on),
    `the FIX sessions shown are the API's (${JSON.stringify(sessions)})`);
    const lat = await page.$$eval('#latency tbody tr', (rows) => rows.map((r) => r.cells[0].textContent));
    check(lat.includes('engine.gate_check') && lat.includes('engine.tick_to_order'),
      `latency percentiles shown (${lat})`);
    check((await page.textContent('#kill')) === 'kill switch: off', 'the kill switch shows off');
    fs.mkdirSync(WORK, { recursive: true });
    await page.screenshot({ path: path.join(WORK, 'dashboard.png'), fullPage: true });

    // The kill switch from the page's own form: accepted, then the page and the API show it on.
    await page.selectOption('#ctl-action', 'kill-switch:engage');
    await page.click('#control button');
    await page.waitForFunction(() => document.getElementById('ctl-result').textContent !== '', null, { timeout: 10000 });
    check((await page.textContent('#ctl-result')).startsWith('accepted'),
      `the page's kill-switch command is accepted (${await page.textContent('#ctl-result')})`);
    await page.waitForFunction(() => document.getElementById('kill').textContent.includes('ON'), null, { timeout: 10000 });
    const killed = await status(port);
    check(killed.kill_switch.global === true, 'the API shows the kill switch on');
    await page.screenshot({ path: path.join(WORK, 'dashboard_killed.png'), fullPage: true });
    check(errors.length === 0, `no script error in the page (${errors.slice(0, 3)})`);
  } finally {
    await browser.close();
    for (let i = 0; i < 1200 && exited === null; ++i) await sleep(100);
    if (exited === null) demo.kill('SIGKILL');
  }
  check(exited === 0, `the demo ran to its end (${exited})\n${exited === 0 ? '' : out.slice(-1500)}`);
  check(!out.includes(READ) && !out.includes(CONTROL), 'no token in the demo\'s output');
}

main().then(() => {
  if (failures.length) {
    console.log(`${failures.length} check(s) failed`);
    process.exit(1);
  }
  console.log('all checks passed');
}, (e) => {
  console.log('FAIL ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
