#!/usr/bin/env python3
"""`ballast run` with operator.http, against broker-sim, as a desk's monitoring and operator would
use it (issue 17):

  * /metrics is scraped while the desk trades and parsed by Prometheus's own Python parser
    (prometheus_client.parser): every family typed, counters never go down from one scrape to the
    next, and the numbers agree with /api/v1/status;
  * triggers paused over HTTP stop every rebalance until resumed;
  * hostile requests (no token, a wrong one, the read token on a control route, 9 KiB of headers,
    a 65 KiB body, garbage, a slowloris peer, a flood of connections) are each refused with their
    status and the process keeps serving;
  * the global kill switch engaged over HTTP stops new orders (the broker's own log shows no
    NewOrderSingle after it) and cancels the working ones;
  * SIGINT stops the run cleanly, the tokens appear in no output, log or journal file, and
    `ballast replay --verify` regenerates every order from the journal (the HTTP command included).

usage: operator_run_test.py BALLAST SOURCE_DIR WORK_DIR
"""
import datetime
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zoneinfo

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print('FAIL python3-prometheus-client is not installed for ' + sys.executable +
          ' (scripts/setup.sh installs it: apt-get install python3-prometheus-client)')
    sys.exit(1)

BALLAST, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
READ = 'read-' + os.urandom(12).hex()
CONTROL = 'control-' + os.urandom(12).hex()

DESK = """\
version: 1
instruments:
  - {{symbol: AAPL}}
  - {{symbol: AMZN}}
  - {{symbol: GOOG}}
triggers:
  absolute: {{band: 0.05}}
  cool_down: 5m
  trading_hours: {{start: "09:31", end: "15:55"}}
models:
  - {{id: m, weights: {{AAPL: 0.3, AMZN: 0.3, GOOG: 0.3}}, cash_buffer: 0.1}}
accounts:
  - {{id: A1, model: m, cash: 1000000.00}}
  - {{id: A2, model: m, cash: 500000.00}}
  - {{id: A3, model: m, cash: 2000000.00, positions: {{AAPL: 1000}}}}
  - {{id: A4, model: m, cash: 300000.00}}
execution: {{algo: twap, horizon: 60m, interval: 1m}}
compliance: {{max_adv_share: off}}
fix:
  sessions:
    - {{name: sim, fix_version: FIX.4.4, host: 127.0.0.1, port: {port}, sender_comp_id: BALLAST,
        target_comp_id: BROKERSIM, heartbeat_s: 30, store_dir: fix/store, log_dir: fix/log}}
market_data:
  sources:
    - {{name: closes, kind: daily_closes, pace: fast,
        path: {src}/data/daily/pyportfolioopt_closes_2011-06-01_2012-06-20.csv}}
    - {{name: tape, kind: tape, pace: speed, speed: 30,
        path: {src}/data/intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv}}
journal: {{dir: journal}}
operator:
  http: {{port: 0, read_token_env: BALLAST_TEST_READ, control_token_env: BALLAST_TEST_CONTROL,
          max_connections: 16, request_timeout: 1s, idle_timeout: 5s}}
"""

failures = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


def request(port, path, token=None, method='GET', body=None, timeout=10):
    """(status, body text) of one request."""
    req = urllib.request.Request(f'http://127.0.0.1:{port}{path}', method=method,
                                 data=body.encode() if body is not None else None)
    if token:
        req.add_header('Authorization', 'Bearer ' + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def raw(port, data, wait=3.0):
    """What the server answers to raw bytes (until it closes or `wait` passes)."""
    s = socket.create_connection(('127.0.0.1', port))
    s.settimeout(wait)
    out = b''
    try:
        s.sendall(data)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    s.close()
    return out.decode(errors='replace')


def status_of(text):
    m = re.match(r'HTTP/1\.1 (\d{3})', text)
    return int(m.group(1)) if m else None


def scrape(port):
    """{sample name (with labels): value} of /metrics, through Prometheus's parser; and the
    families' types."""
    st, text = request(port, '/metrics', READ)
    if st != 200:
        raise RuntimeError(f'/metrics answered {st}: {text[:200]}')
    samples, types = {}, {}
    for fam in text_string_to_metric_families(text):
        types[fam.name] = fam.type
        for s in fam.samples:
            labels = ','.join(f'{k}={v}' for k, v in sorted(s.labels.items()))
            samples[s.name + ('{' + labels + '}' if labels else '')] = s.value
    return samples, types


def serving(port, what):
    st, _ = request(port, '/metrics', READ)
    check(st == 200, f'still serving after {what}')


def start_sim(cwd, port, extra=()):
    """broker-sim on `port` replaying the shipped tape at 30x, in `cwd`."""
    return subprocess.Popen([BALLAST, 'broker-sim', '--port', str(port), '--tape',
                             f'{SRC}/data/intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv',
                             '--speed', '30', '--dir', 'sim', '--wait-logon-s', '20',
                             '--sender', 'BROKERSIM', '--target', 'BALLAST', *extra],
                            cwd=cwd, stdout=open(os.path.join(cwd, 'sim.out'), 'w'),
                            stderr=subprocess.STDOUT)


def start_run(cwd):
    """`ballast run` on cwd/desk.yaml (output in cwd/run.out, run.err); the process and the
    operator API's port it printed (None: it printed none and stopped, or took 30 s)."""
    proc = subprocess.Popen([BALLAST, 'run', '--config', 'desk.yaml'], cwd=cwd,
                            stdout=open(os.path.join(cwd, 'run.out'), 'w'),
                            stderr=open(os.path.join(cwd, 'run.err'), 'w'), env=env)
    for _ in range(300):
        m = re.search(r'operator API on http://127\.0\.0\.1:(\d+)/',
                      open(os.path.join(cwd, 'run.out')).read())
        if m:
            return proc, int(m.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    return proc, None


shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
env = dict(os.environ, BALLAST_TEST_READ=READ, BALLAST_TEST_CONTROL=CONTROL)

sim = run = None
try:
    for attempt in range(5):
        fix_port = free_port()
        sim = start_sim(WORK, fix_port)
        time.sleep(0.5)
        if sim.poll() is None:
            break
    check(sim.poll() is None, 'broker-sim started')
    with open(os.path.join(WORK, 'desk.yaml'), 'w') as f:
        f.write(DESK.format(port=fix_port, src=SRC))
    run, port = start_run(WORK)
    if not check(port is not None, 'run printed the operator address'):
        raise SystemExit
    print(f'--- operator API on port {port}', flush=True)

    # Pause every account's triggers at once (before or about when the trading hours open): no
    # rebalance starts while paused, however far the accounts (all cash) are from their targets.
    st, body = request(port, '/api/v1/triggers', CONTROL, 'POST', '{"action":"pause"}')
    check(st == 202 and json.loads(body)['scope'] == 'global', f'triggers paused ({st} {body})')
    for _ in range(50):
        samples, _ = scrape(port)
        if samples.get('ballast_engine_triggers_paused_global') == 1:
            break
        time.sleep(0.1)
    paused_at = samples['ballast_engine_triggers_total']
    check(samples.get('ballast_engine_accounts_paused') == 4, 'all 4 accounts paused')
    time.sleep(6)  # 3 market minutes at 30x, past 09:31
    samples, _ = scrape(port)
    check(samples['ballast_engine_triggers_total'] == paused_at,
          f'no trigger while paused ({paused_at} -> {samples["ballast_engine_triggers_total"]})')
    st, body = request(port, '/api/v1/triggers', CONTROL, 'POST', '{"action":"resume"}')
    check(st == 202, f'triggers resumed ({st} {body})')

    # Scrapes while the desk trades: parsed, typed, monotonic.
    prev, seen_working = None, False
    for i in range(120):
        samples, types = scrape(port)
        if i == 0:
            check(types.get('ballast_engine_inputs') == 'counter',
                  f'counters are typed counter ({types.get("ballast_engine_inputs")})')
            check(types.get('ballast_engine_working') == 'gauge', 'gauges are typed gauge')
            check('ballast_fix_session_up{session=sim}' in samples, 'a FIX session gauge')
            check(all(t in ('counter', 'gauge', 'histogram') for t in types.values()),
                  f'every family is a counter, a gauge or a histogram ({set(types.values())})')
            check(types.get('ballast_engine_gate_check_seconds') == 'histogram',
                  'latency histograms are typed histogram')
        if prev is not None:
            down = [k for k, v in samples.items()
                    if k.endswith('_total') and k in prev and v < prev[k]]
            if not check(not down, f'scrape {i}: no counter went down'):
                break
        prev = samples
        if samples.get('ballast_engine_working', 0) > 0 and \
                samples.get('ballast_engine_fills_total', 0) > 0:
            seen_working = True
            break
        time.sleep(0.5)
    check(seen_working, 'orders working at the broker and fills booked while scraping')
    check(prev.get('ballast_fix_session_up{session=sim}') == 1.0, 'the FIX session is up')

    # Histograms: the gate timed every proposed child (at least every order sent), the
    # rebalancer every trigger; the tape's market clock records no tick-to-order.
    h = prev
    check(h['ballast_engine_gate_check_seconds_count'] >= h['ballast_engine_children_total'] > 0,
          f'the gate check histogram counts every order ({h["ballast_engine_gate_check_seconds_count"]}'
          f' >= {h["ballast_engine_children_total"]})')
    check(h['ballast_engine_triggers_total'] <= h['ballast_engine_rebalance_seconds_count'] <=
          h['ballast_engine_triggers_total'] + 2,
          f'the rebalance histogram counts every trigger '
          f'({h["ballast_engine_rebalance_seconds_count"]} vs {h["ballast_engine_triggers_total"]})')
    check(h['ballast_engine_gate_check_seconds_sum'] > 0, 'the gate check took time')
    check(h['ballast_engine_tick_to_order_seconds_count'] == 0,
          'no tick-to-order on the market clock of a replayed tape')
    check(h['ballast_sender_durable_wait_seconds_count'] <= h['ballast_sender_durable_waits_total'],
          'durable waits timed')

    st, body = request(port, '/api/v1/status', READ)
    status = json.loads(body)
    samples, _ = scrape(port)
    check(st == 200 and status['fix_sessions'][0]['name'] == 'sim', 'status names the session')
    for name in ('engine.inputs', 'engine.children', 'engine.fills', 'fix.sent'):
        metric = 'ballast_' + name.replace('.', '_') + '_total'
        check(prev[metric] <= status['counters'][name] <= samples[metric],
              f'status agrees with /metrics on {name} ({prev[metric]} <= '
              f'{status["counters"][name]} <= {samples[metric]})')

    # The desk's views (JSON): models, accounts, one account's positions and why-record, the
    # working orders, fills; each consistent in itself and with /metrics.
    st, body = request(port, '/api/v1/models', READ)
    models = json.loads(body) if st == 200 else {}
    m = (models.get('models') or [{}])[0]
    check(st == 200 and m.get('id') == 'm' and m.get('accounts') == 4 and
          sum(b['accounts'] for b in m['band_utilization_histogram']) + m['incomplete'] == 4 and
          [t['symbol'] for t in m['targets']] == ['AAPL', 'AMZN', 'GOOG'],
          f'/api/v1/models describes the model ({st} {body[:600]})')
    st, body = request(port, '/api/v1/accounts?sort=id', READ)
    accts = json.loads(body) if st == 200 else {}
    check(st == 200 and accts.get('total') == 4 and
          [a['id'] for a in accts['accounts']] == ['A1', 'A2', 'A3', 'A4'],
          f'/api/v1/accounts lists the 4 accounts ({st} {body[:400]})')
    st, body = request(port, '/api/v1/accounts?limit=2', READ)
    top = json.loads(body)['accounts'] if st == 200 else []
    check(len(top) == 2 and top[0]['band_utilization'] >= top[1]['band_utilization'],
          f'accounts sorted by band utilisation, limited ({body[:300]})')
    st, body = request(port, '/api/v1/accounts/A3', READ)
    a3 = json.loads(body) if st == 200 else {}
    pos = {p['symbol']: p for p in a3.get('positions', [])}
    check(st == 200 and set(pos) == {'AAPL', 'AMZN', 'GOOG'}, f'A3 has its positions ({body[:500]})')
    if st == 200 and a3['account']['complete']:
        nav = float(a3['account']['nav'])  # money: an exact decimal string
        total = sum(p['weight'] for p in pos.values()) + float(a3['account']['cash']) / nav
        check(abs(total - 1) < 1e-6, f'A3 weights and cash sum to 1 ({total})')
        aapl = pos['AAPL']
        check(abs(float(aapl['qty']) * float(aapl['mark']) / nav - aapl['weight']) < 1e-9,
              f'A3 AAPL weight = qty x mark / NAV ({aapl})')
    check('last_trigger' in a3 and a3['last_trigger']['rule'] and
          {l['symbol'] for l in a3['last_trigger']['lines']} >= {'AAPL', 'AMZN', 'GOOG', 'cash'},
          f'A3 shows its last why-record ({json.dumps(a3.get("last_trigger"))[:500]})')
    st, body = request(port, '/api/v1/orders', READ)
    orders = json.loads(body) if st == 200 else {}
    check(st == 200 and orders['working'] == len(orders['orders']) and
          all(o['account'] in ('A1', 'A2', 'A3', 'A4') and o['session'] == 'sim' and
              o['cl_ord_id'].startswith('B') for o in orders['orders']),
          f'/api/v1/orders lists the working orders ({body[:500]})')
    st, body = request(port, '/api/v1/fills', READ)
    fills_view = json.loads(body) if st == 200 else {}
    check(st == 200 and fills_view['total'] >= len(fills_view['fills']) > 0,
          f'/api/v1/fills lists fills ({body[:400]})')
    for path, want in (('/api/v1/accounts/NOPE', 404), ('/api/v1/accounts/%zz', 400),
                       ('/api/v1/accounts?limit=abc', 400), ('/api/v1/accounts?bogus=1', 400),
                       ('/api/v1/accounts?model=nope', 404), ('/api/v1/orders?limit=99999999', 400),
                       ('/api/v1/accounts?limit=1&limit=2', 400)):
        got = request(port, path, READ)[0]
        check(got == want, f'{path}: {want} ({got})')
    check(request(port, '/api/v1/models')[0] == 401, 'the views need a token')

    # A model's kill switch is each of its accounts' own; released the same way.
    st, body = request(port, '/api/v1/kill-switch', CONTROL, 'POST',
                       '{"action":"engage","model":"m"}')
    check(st == 202 and json.loads(body)['scope'] == 'model', f'model kill engaged ({st} {body})')
    for _ in range(50):
        ks = json.loads(request(port, '/api/v1/status', READ)[1])['kill_switch']
        if ks['accounts_killed'] == 4:
            break
        time.sleep(0.1)
    check(ks['accounts_killed'] == 4 and not ks['global'], f'model m: its 4 accounts killed ({ks})')
    st, body = request(port, '/api/v1/kill-switch', CONTROL, 'POST',
                       '{"action":"release","model":"m"}')
    for _ in range(50):
        ks = json.loads(request(port, '/api/v1/status', READ)[1])['kill_switch']
        if ks['accounts_killed'] == 0:
            break
        time.sleep(0.1)
    check(st == 202 and ks['accounts_killed'] == 0, f'model m released ({ks})')

    # Cancel-all for the account with the most working orders: they are cancelled and it gets
    # no new order (its parents end); the others keep theirs.
    for _ in range(100):
        orders = json.loads(request(port, '/api/v1/orders', READ)[1])['orders']
        if orders:
            break
        time.sleep(0.2)
    by_acct = {}
    for o in orders:
        by_acct.setdefault(o['account'], []).append(o['cl_ord_id'])
    victim = max(by_acct, key=lambda a: len(by_acct[a])) if by_acct else 'A1'
    st, body = request(port, '/api/v1/cancel-all', CONTROL, 'POST',
                       json.dumps({'action': 'cancel', 'account': victim}))
    check(st == 202 and json.loads(body)['account'] == victim, f'cancel-all {victim} ({st} {body})')
    left = None
    for _ in range(50):
        left = json.loads(request(port, f'/api/v1/orders?account={victim}', READ)[1])['orders']
        if not left:
            break
        time.sleep(0.1)
    check(by_acct and not left, f'{victim}: its {len(by_acct.get(victim, []))} working orders '
          f'cancelled ({left})')
    cancel_all_ids = set(by_acct.get(victim, []))
    st, body = request(port, '/api/v1/cancel-all', CONTROL, 'POST', '{"action":"cancel","model":"m"}')
    check(st == 400, f'cancel-all takes an account or nothing, not a model ({st})')

    # Hostile requests: each refused with its status; the process keeps serving.
    check(request(port, '/metrics')[0] == 401, 'no token: 401')
    check(request(port, '/metrics', READ + 'x')[0] == 401, 'a wrong token: 401')
    check(request(port, '/api/v1/kill-switch', READ, 'POST', '{"action":"engage"}')[0] == 403,
          'the read token on a control route: 403')
    r = raw(port, (f'GET /metrics HTTP/1.1\r\nAuthorization: Bearer {READ}\r\nX-Pad: ' +
                   'a' * 9000 + '\r\n\r\n').encode())
    check(status_of(r) == 431, f'9 KiB of headers: 431 ({status_of(r)})')
    r = raw(port, (f'POST /api/v1/kill-switch HTTP/1.1\r\nAuthorization: Bearer {CONTROL}\r\n'
                   f'Content-Length: {65 * 1024}\r\n\r\n').encode() + b'x' * 65 * 1024)
    check(status_of(r) == 413, f'a 65 KiB body: 413 ({status_of(r)})')
    r = raw(port, b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\r\n\r\n')
    check(status_of(r) == 400, f'garbage (a TLS hello): 400 ({status_of(r)})')
    serving(port, 'refused requests')
    # A slowloris peer: cut off after request_timeout (1 s), however slowly it keeps sending.
    s = socket.create_connection(('127.0.0.1', port))
    t0 = time.monotonic()
    cut = False
    for ch in f'GET /metrics HTTP/1.1\r\nAuthorization: Bearer {READ}\r\n':
        try:
            s.sendall(ch.encode())
            s.settimeout(0.2)
            if s.recv(1) == b'':
                cut = True
                break
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            cut = True
            break
    s.close()
    check(cut and time.monotonic() - t0 < 5, f'a slowloris peer is cut off '
          f'({time.monotonic() - t0:.1f} s)')
    # A flood: 40 connections that send nothing, against a cap of 16, cannot lock the desk out
    # (each new one closes the oldest that has not sent an authorised request) ...
    held = [socket.create_connection(('127.0.0.1', port)) for _ in range(40)]
    time.sleep(0.3)
    serving(port, 'a flood of silent connections')
    for c in held:
        c.close()
    # ... nor can 16 kept-alive clients with the read token lock the control token out ...
    def full_house(token):
        held = []
        for _ in range(16):
            c = socket.create_connection(('127.0.0.1', port))
            c.sendall(f'GET /metrics HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\r\n'.encode())
            c.settimeout(5)
            c.recv(65536)
            held.append(c)
        time.sleep(0.3)
        return held
    keep = full_house(READ)
    check(request(port, '/api/v1/status', CONTROL)[0] == 200,
          'a full house of read-token clients makes room for the control token')
    for c in keep:
        c.close()
    # ... while with every slot held by the control token, one more is answered 503.
    keep = full_house(CONTROL)
    r = raw(port, b'', wait=2.0)
    check(status_of(r) == 503, f'over max_connections, all control: 503 ({r[:40]!r})')
    for c in keep:
        c.close()
    time.sleep(0.3)
    serving(port, 'a full house')
    samples, _ = scrape(port)
    check(samples.get('ballast_http_evicted_total', 0) >= 24,
          f'silent connections were evicted ({samples.get("ballast_http_evicted_total")})')

    # The global kill switch: no new orders after it, working ones cancelled.
    st, body = request(port, '/api/v1/kill-switch', CONTROL, 'POST', '{"action":"engage"}')
    check(st == 202 and json.loads(body)['scope'] == 'global', f'kill switch engaged ({st} {body})')
    engaged_at = time.monotonic()
    done = False
    while time.monotonic() - engaged_at < 30:
        samples, _ = scrape(port)
        if samples.get('ballast_engine_kill_global') == 1 and \
                samples.get('ballast_engine_working') == 0:
            done = True
            break
        time.sleep(0.2)
    check(done, f'the kill switch is on and nothing is working '
          f'({samples.get("ballast_engine_kill_global")}, {samples.get("ballast_engine_working")})')
    after_kill = samples
    time.sleep(6)  # 3 market minutes at 30x: TWAP slices and new triggers would be due
    samples, _ = scrape(port)
    check(samples['ballast_fix_out_new_orders_total'] == after_kill['ballast_fix_out_new_orders_total'],
          f'no new order after the kill switch ({after_kill["ballast_fix_out_new_orders_total"]} '
          f'-> {samples["ballast_fix_out_new_orders_total"]})')
    check(samples['ballast_engine_denials_total'] >= after_kill['ballast_engine_denials_total'],
          'denials counted')
    st, body = request(port, '/api/v1/status', READ)
    ks = json.loads(body)['kill_switch']
    check(ks['global'] and ks['last']['reason'] == 'operator', f'status shows the kill ({ks})')
    new_orders = int(samples['ballast_fix_out_new_orders_total'])
    cancels = int(samples['ballast_fix_out_cancels_total'])
    check(cancels > 0, f'working orders were cancelled ({cancels} cancels)')
    # The time from the kill command to its last cancel handed to FIX is a metric.
    check(samples['ballast_engine_kill_cancels_sent_total'] > 0 and
          0 < samples['ballast_kill_last_cancel_seconds'] < 1.0 and
          samples['ballast_engine_kill_to_cancel_seconds_count'] ==
          samples['ballast_engine_kill_cancels_sent_total'],
          f'kill to last cancel measured ({samples["ballast_engine_kill_cancels_sent_total"]} '
          f'cancels, last after {samples["ballast_kill_last_cancel_seconds"]} s)')
    # Children the slicer proposed after the kill were denied, and say why.
    st, body = request(port, '/api/v1/denials', READ)
    denials = json.loads(body) if st == 200 else {}
    by_reason = {k: v for k, v in samples.items() if k.startswith('ballast_denials_by_reason_total')}
    # The view is at most ~250 ms old: it shows at most what the later scrape counts.
    check(st == 200 and samples['ballast_engine_denials_total'] == sum(by_reason.values()) and
          0 < denials['total'] <= samples['ballast_engine_denials_total'],
          f'denials: view, total and by-reason agree ({body[:300]}, '
          f'{samples["ballast_engine_denials_total"]}, {by_reason})')
    if denials.get('denials'):
        check(denials['denials'][0]['reason'] == 'kill_switch' and
              by_reason.get('ballast_denials_by_reason_total{reason=kill_switch}', 0) > 0,
              f'the newest denial is the kill switch ({denials["denials"][0]})')
    fills_seen = json.loads(request(port, '/api/v1/fills', READ)[1])['fills']
finally:
    rc = None
    if run is not None:
        run.send_signal(signal.SIGINT)
        try:
            rc = run.wait(60)
        except subprocess.TimeoutExpired:
            run.kill()
            rc = -9
    if sim is not None:
        sim.terminate()
        try:
            sim.wait(20)
        except subprocess.TimeoutExpired:
            sim.kill()

check(rc == 0, f'run stopped cleanly on SIGINT (exit {rc})')
# The broker's own record: as many NewOrderSingle as the engine sent, none after the kill.
msgs = open(os.path.join(WORK, 'sim', 'messages.log'), errors='replace').read().splitlines()
d_in = [l for l in msgs if '|35=D|' in l and ' IN ' in l]
check(len(d_in) == new_orders, f'the broker received every NewOrderSingle and no more '
      f'({len(d_in)} vs {new_orders})')
# The broker saw a cancel (35=F) for each order of the cancel-all.
f_in = {dict(x.split('=', 1) for x in l.split('|') if '=' in x).get('41')
        for l in msgs if '|35=F|' in l and ' IN ' in l}
check(cancel_all_ids and cancel_all_ids <= f_in,
      f'the broker got a cancel for every order of the cancel-all ({cancel_all_ids - f_in})')
# Every fill the API showed is one the broker reported (ClOrdID, LastQty, LastPx).
reported = set()
for l in msgs:
    if '|35=8|' in l and ' OUT ' in l:
        f = dict(x.split('=', 1) for x in l.split('|') if '=' in x)
        if f.get('150') in ('F', '1', '2') and '11' in f:
            reported.add((f['11'], float(f.get('32', 0)), float(f.get('31', 0))))
missing = [x for x in fills_seen
           if (x['cl_ord_id'], float(x['qty']), float(x['px'])) not in reported]
check(fills_seen and not missing, f'every fill shown is one the broker reported '
      f'({len(fills_seen)} shown, missing {missing[:3]}; {len(reported)} reported)')
# The tokens are nowhere on disk.
leaks = []
for root, _, files in os.walk(WORK):
    for name in files:
        path = os.path.join(root, name)
        data = open(path, 'rb').read()
        if READ.encode() in data or CONTROL.encode() in data:
            leaks.append(path)
check(not leaks, f'no token in any output, log or journal file ({leaks})')
rep = subprocess.run([BALLAST, 'replay', '--journal', 'journal', '--verify'], cwd=WORK,
                     capture_output=True, text=True)
check(rep.returncode == 0 and 'verify: no divergence' in rep.stdout,
      f'the journal (with the HTTP command) replays to the same orders\n{rep.stdout[-1500:]}'
      f'{rep.stderr[-500:]}')

# Live market data over FIX (the engine on the wall clock): broker-sim primes its opening book
# before anyone subscribes, so the engine's subscription made while it waits is accepted and the
# quotes flow. broker-sim stamps them with the wall clock (--stamp-now), so they are fresh to the
# engine, whose clock is the wall clock with a `fix` source: the desk (trading all day) trades,
# and the wall-clock latency histograms (tick to order, FIX round trip) fill, read from /metrics
# through Prometheus's parser.
live = os.path.join(WORK, 'live')
os.makedirs(live)
et = datetime.datetime.now(zoneinfo.ZoneInfo('America/New_York'))
if et.hour == 23 and et.minute >= 57:  # the all-day window ends at 23:59 exchange time
    time.sleep((60 - et.minute) * 60 + 30 - et.second)
with open(os.path.join(live, 'desk.yaml'), 'w') as f:
    f.write(re.sub(r'    - \{\{name: tape.*?\}\}\n', '    - {{name: live, kind: fix, session: sim}}\n',
                   DESK, flags=re.S)
            .replace('trading_hours: {{start: "09:31", end: "15:55"}}',
                     'trading_hours: {{start: "00:00", end: "23:59"}}')
            .replace('horizon: 60m, interval: 1m', 'horizon: 30s, interval: 1s')
            .format(port=(fix_port := free_port()), src=SRC))
sim = start_sim(live, fix_port, ['--stamp-now'])
time.sleep(0.5)
md, h = 0, {}
run, port = start_run(live)
try:
    for _ in range(150):
        if port is None:
            break
        h, _ = scrape(port)
        md = h.get('ballast_fix_in_market_data_total', 0)
        if (md >= 100 and h.get('ballast_engine_tick_to_order_seconds_count', 0) > 0 and
                h.get('ballast_engine_fix_round_trip_seconds_count', 0) > 0):
            break
        time.sleep(0.2)
finally:
    run.send_signal(signal.SIGINT)
    rc = run.wait(60)
    sim.terminate()
    sim.wait(20)
check(md >= 100, f'live market data over FIX reaches the engine ({md} updates)')
sent = h.get('ballast_fix_out_new_orders_total', 0)
t2o = h.get('ballast_engine_tick_to_order_seconds_count', 0)
rtt = h.get('ballast_engine_fix_round_trip_seconds_count', 0)
check(sent > 0, f'the desk trades on the live feed ({sent} orders)')
check(0 < t2o <= h.get('ballast_engine_children_total', 0),
      f'tick to order timed on the wall clock: {t2o} orders of '
      f'{h.get("ballast_engine_children_total", 0)}')
check(0 < rtt <= h.get('ballast_engine_children_total', 0),
      f'FIX round trips timed: {rtt} (first execution reports)')
for name, n in (('ballast_engine_tick_to_order_seconds', t2o),
                ('ballast_engine_fix_round_trip_seconds', rtt)):
    mean = h.get(name + '_sum', 0) / n if n else float('nan')
    check(0 < mean < 1.0, f'{name}: a mean of {mean * 1e3:.3f} ms (wall clock, under a second)')
    check(h.get(name + '_bucket{le=+Inf}') == n, f'{name}: the +Inf bucket holds every sample')
check(rc == 0, f'the live run stopped cleanly ({rc})')
msgs = open(os.path.join(live, 'sim', 'messages.log'), errors='replace').read()
check('unknown symbol' not in msgs, 'no subscription refused as unknown symbol')
check(' IN ' in msgs and '|35=D|' in msgs, 'broker-sim got the orders')

# Approval mode (manual): every trade list waits in /api/v1/approvals; nothing reaches the broker
# until one is approved, and then only that account's orders; a rejected list leaves; the journal
# replays to the same orders with the approvals in it.
appr = os.path.join(WORK, 'approval')
os.makedirs(appr)
with open(os.path.join(appr, 'desk.yaml'), 'w') as f:
    f.write(DESK.format(port=(fix_port := free_port()), src=SRC) +
            'approval: {mode: manual, expire_after: 30m}\n')
sim = start_sim(appr, fix_port)
time.sleep(0.5)
run, port = start_run(appr)
waiting = []
try:
    check(port is not None, 'the approval-mode run started')
    for _ in range(150):
        st, body = request(port, '/api/v1/approvals', READ)
        waiting = json.loads(body)['waiting'] if st == 200 else []
        if len(waiting) == 4:
            break
        time.sleep(0.2)
    check(len(waiting) == 4 and all(w['lines'] for w in waiting),
          f'every account\'s trade list waits for approval ({[w["account"] for w in waiting]})')
    samples, _ = scrape(port)
    check(samples['ballast_fix_out_new_orders_total'] == 0 and
          samples['ballast_engine_approvals_waiting'] == 4,
          f'nothing sent while they wait ({samples["ballast_fix_out_new_orders_total"]})')
    st, body = request(port, '/api/v1/approvals', CONTROL, 'POST',
                       '{"action":"approve","account":"A1"}')
    check(st == 202, f'A1 approved ({st} {body})')
    st, body = request(port, '/api/v1/approvals', CONTROL, 'POST',
                       '{"action":"reject","account":"A2"}')
    check(st == 202, f'A2 rejected ({st} {body})')
    sent = 0
    for _ in range(100):
        samples, _ = scrape(port)
        sent = samples['ballast_fix_out_new_orders_total']
        if sent > 0 and samples['ballast_engine_approvals_waiting'] == 2:
            break
        time.sleep(0.2)
    check(sent > 0, f'orders sent once approved ({sent})')
    left = [w['account'] for w in json.loads(request(port, '/api/v1/approvals', READ)[1])['waiting']]
    check(sorted(left) == ['A3', 'A4'], f'A3 and A4 still wait ({left})')
    check(request(port, '/api/v1/approvals', READ, 'POST', '{"action":"approve"}')[0] == 403,
          'approving needs the control token')
finally:
    run.send_signal(signal.SIGINT)
    rc = run.wait(60)
    sim.terminate()
    sim.wait(20)
check(rc == 0, f'the approval-mode run stopped cleanly ({rc})')
# The broker's own record: every order it got is A1's (Account, tag 1).
accts = {dict(x.split('=', 1) for x in l.split('|') if '=' in x).get('1')
         for l in open(os.path.join(appr, 'sim', 'messages.log'), errors='replace')
         if '|35=D|' in l and ' IN ' in l}
check(accts == {'A1'}, f'only the approved account traded ({accts})')
rep = subprocess.run([BALLAST, 'replay', '--journal', 'journal', '--verify'], cwd=appr,
                     capture_output=True, text=True)
check(rep.returncode == 0 and 'verify: no divergence' in rep.stdout,
      f'the approvals replay from the journal\n{rep.stdout[-800:]}{rep.stderr[-300:]}')

# The demo serves the API too (--operator-port) and prints its address.
demo_dir = os.path.join(WORK, 'demo')
demo_env = dict(os.environ, BALLAST_OPERATOR_READ_TOKEN=READ)
demo = subprocess.Popen([BALLAST, 'demo', '--accounts', '20', '--speed', '60', '--until', '09:40',
                         '--no-progress', '--dir', demo_dir, '--operator-port', '0'],
                        cwd=WORK, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                        env=demo_env)
demo_port, scraped = None, None
for line in demo.stdout:
    m = re.search(r'operator API on http://127\.0\.0\.1:(\d+)/', line)
    if m:
        demo_port = int(m.group(1))
        time.sleep(1)
        scraped, _ = scrape(demo_port)
        break
rest = demo.stdout.read()
demo_rc = demo.wait(120)
check(demo_port is not None, 'the demo printed the operator address')
check(scraped is not None and scraped.get('ballast_engine_inputs_total', 0) > 0,
      'the demo answers /metrics with its counters')
check(demo_rc == 0, f'the demo ran to its end ({demo_rc})\n{rest[-800:]}')
# Without the read token's variable the demo refuses to start, naming it.
r = subprocess.run([BALLAST, 'demo', '--accounts', '5', '--until', '09:35', '--no-progress',
                    '--dir', demo_dir, '--operator-port', '0'], cwd=WORK, capture_output=True,
                   text=True, env={k: v for k, v in os.environ.items()
                                   if not k.startswith('BALLAST_OPERATOR')})
check(r.returncode != 0 and 'BALLAST_OPERATOR_READ_TOKEN' in r.stderr,
      f'the demo names the missing token variable ({r.returncode}: {r.stderr[-300:]})')
sys.exit(1 if failures else 0)
