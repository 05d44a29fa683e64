#!/usr/bin/python3
"""Kill command to last cancel handed to FIX, with 1,000 working orders (issue 17's target:
p99 <= 10 ms), against a baseline of about 10 working orders in the same run.

What it measures. `ballast run` (a real engine process, operator.http on) trades a desk against
`ballast broker-sim` (a separate process) over FIX. The desk is all cash and buys AAPL, AMZN and
GOOG (the instruments of the shipped tape), so ceil(--orders / 3) accounts make one TWAP parent
per account and instrument; the engine's market data is the shipped NASDAQ tape of 2012-06-21
(paper trading on a recorded day: the engine runs on that tape's market clock), while broker-sim
replays a tape generated here that quotes none of those symbols, so every child order rests at
the broker and the working orders pile up (the slicer keeps one child per parent). Compliance caps
that would throttle the desk (order rate, open orders, duplicates, ADV share, the order-rate kill
switch) are set high or off; everything else, the journal with fsync and release-after-durable
included, is the default.

One sample: once the engine's `ballast_engine_working` gauge has reached the number of parents
(>= --orders) and the last slicing burst has been acknowledged, POST /api/v1/kill-switch
{"action": "engage"} (global); wait until the cancels it caused have all been handed to FIX
(`ballast_engine_kill_cancels_sent_total` grew by the working count at the kill) and answered
(working 0); read `ballast_kill_last_cancel_seconds`, the engine's own time from the command to the
last of its cancels handed to the FIX sender (kernel/src/kernel.cpp, FixOutboundDestination). Then
release the switch, let the slicer's next slice put every parent's child back at the broker, and
repeat: --cycles samples in one process. The baseline is the same in another process whose desk
has ceil(--baseline-orders / 3) accounts.

Two clocks. On a replayed tape's market clock the engine times the command from when the core took
it off its inbound queue (docs/operator.md), so its figure leaves out the HTTP request and the
queue hop before the core. (A wall-clock engine needs a `fix` market-data source, and broker-sim
stamps its market data with the tape's 2012 times: stale on the wall clock, so nothing would
trade.) The bench therefore also times the whole path itself: from just before it writes the POST
on an already connected socket (wall clock) to the SendingTime (52, stamped by the engine's FIX
session inside the send, millisecond resolution) of the last and of the first OrderCancelRequest
(35=F) broker-sim logged for that kill. The engine stops its clock once the send has returned, so
a sender thread descheduled right after stamping the last cancel can make the engine's figure the
larger of the two by that much. Each cycle also checks broker-sim's own message log (its --dir):
it received exactly as many 35=F as the engine counted, one for each distinct working order.

The kills fall between two slicing bursts (TWAP every --interval of market time, --speed x
recorded: 6 s of wall time with the defaults; each burst replaces every child), so no replace is
in flight when the switch is engaged.

Mass cancel (--mass-cancel, default accept; docs/fix.md, "Mass cancel"): the desk's session has
`mass_cancel: true` (timeout 500 ms) and broker-sim accepts the OrderMassCancelRequest (35=q), so
each kill is one 35=q on the wire that covers every cancel (the engine counts a covered cancel as
handed to FIX once the 35=q that carries it has been sent and the cancel itself is durable in the
journal); each cycle checks that broker-sim's log shows one 35=q, no 35=F and a Canceled report
for every order working at the kill, and the engine's mass-cancel counters on /metrics.
`reject` and `ignore` make broker-sim refuse the 35=q or not answer it (the fallback: one 35=F per
order after the 35=r or the timeout; the engine's figure then stops at the covered cancels, the
bench's wire figure shows the fallback); `off`: no mass cancel, one 35=F per order (the figures
before mass cancel existed).

Prints per desk size p50/p99/max of both figures, the cancels per kill, and the per-cancel
histogram `ballast_engine_kill_to_cancel_seconds` from /metrics; exits 1 when the engine's p99 with
--orders working is over 10 ms or a cycle's cancels do not match (--no-check: report only), 2 when
the bench cannot run.

usage: /usr/bin/python3 bench/kill_switch_bench.py [--ballast build/tools/ballast] [--cycles 20]
           [--orders 1000] [--baseline-orders 10] [--baseline-cycles 10] [--work DIR]
           [--speed 10] [--interval 1m] [--mass-cancel accept|reject|ignore|off] [--no-check]
           [--counts-only]
Standard library only. Takes about 3-4 minutes with the defaults.
"""
import argparse
import calendar
import http.client
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYMBOLS = ('AAPL', 'AMZN', 'GOOG')
TARGET_S = 0.010
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
  cool_down: 6h
  trading_hours: {{start: "09:30", end: "15:55"}}
models:
  - {{id: m, weights: {{AAPL: 0.3, AMZN: 0.3, GOOG: 0.3}}, cash_buffer: 0.1}}
accounts:
{accounts}
market_data_quality: {{stale_after: 1h}}
execution: {{algo: twap, horizon: 6h, interval: {interval}, on_horizon_end: leave}}
compliance:
  max_adv_share: off
  reference_stale_after: 1h
  max_open_orders_per_instrument: 10000
  max_orders_per_second: 100000
  duplicate_window: 0
  kill_switch: {{order_rate_runaway: 1000000}}
fix:
  sessions:
    - {{name: sim, fix_version: FIX.4.4, host: 127.0.0.1, port: {port}, sender_comp_id: BALLAST,
        target_comp_id: BROKERSIM, heartbeat_s: 30, store_dir: fix/store, log_dir: fix/log{mass}}}
market_data:
  sources:
    - {{name: closes, kind: daily_closes, pace: fast,
        path: {src}/data/daily/pyportfolioopt_closes_2011-06-01_2012-06-20.csv}}
    - {{name: tape, kind: tape, pace: speed, speed: {speed},
        path: {src}/data/intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv}}
journal: {{dir: journal}}
operator:
  http: {{port: 0, read_token_env: BALLAST_BENCH_READ, control_token_env: BALLAST_BENCH_CONTROL}}
"""

# broker-sim's tape: one symbol the desk does not trade, so no order of the desk ever meets a quote.
# broker-sim takes the first quote in as its opening book, paces the rest from the next row at 1x
# and stops 5 s after the last: the last row, 6.5 hours on, keeps it up for the whole run.
BROKER_TAPE = """\
# ballast tape v1
# source: generated by bench/kill_switch_bench.py: a symbol the desk does not trade, so that
#   every order of the desk rests at broker-sim (no quote, no print: never filled)
# date: 2012-06-21
# utc_offset: -04:00
34200000000000,ZZZZ,Q,10.00,100,10.01,100
34200001000000,ZZZZ,Q,10.00,100,10.01,100
57599000000000,ZZZZ,Q,10.00,100,10.01,100
"""


class BenchError(Exception):
    pass


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


def request(port, path, token, method='GET', body=None, timeout=10):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={'Authorization': 'Bearer ' + token})
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')


def scrape(port):
    """{name or name{labels}: value} of /metrics (the text format's sample lines)."""
    st, text = request(port, '/metrics', READ)
    if st != 200:
        raise BenchError(f'/metrics answered {st}: {text[:200]}')
    out = {}
    for line in text.splitlines():
        if not line or line[0] == '#':
            continue
        m = SAMPLE.match(line)
        if m:
            out[m.group(1) + (m.group(2) or '')] = float(m.group(3))
    return out


def kill_command(port, action):
    """POST the global kill switch on a connection opened beforehand; the wall-clock time (ns)
    just before the request's bytes were written, and the answer."""
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    conn.connect()
    body = json.dumps({'action': action})
    t0 = time.time_ns()
    conn.request('POST', '/api/v1/kill-switch', body=body,
                 headers={'Authorization': 'Bearer ' + CONTROL,
                          'Content-Type': 'application/json'})
    r = conn.getresponse()
    answer = r.status, r.read().decode()
    conn.close()
    if answer[0] != 202:
        raise BenchError(f'kill switch {action}: {answer}')
    return t0


def fix_fields(line):
    msg = line.split(' ', 3)[3] if line.count(' ') >= 3 else ''
    return dict(x.split('=', 1) for x in msg.split('|') if '=' in x)


def sending_time_ns(v):
    """FIX UTCTimestamp (YYYYMMDD-HH:MM:SS[.fff...]) as ns since the epoch."""
    date, clock = v.split('-')
    hms, _, frac = clock.partition('.')
    h, mi, s = (int(x) for x in hms.split(':'))
    secs = calendar.timegm((int(date[:4]), int(date[4:6]), int(date[6:8]), h, mi, s))
    return secs * 10**9 + int((frac + '000000000')[:9])


class BrokerLog:
    """broker-sim's message log, read on from where it was last read."""

    def __init__(self, path):
        self.path, self.offset, self.rest = path, 0, ''

    def new_lines(self):
        try:
            with open(self.path, 'rb') as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return []
        self.offset += len(data)
        text = self.rest + data.decode(errors='replace')
        lines = text.split('\n')
        self.rest = lines.pop()
        return lines


def pctl(xs, q):
    """Nearest-rank percentile."""
    s = sorted(xs)
    return s[max(0, math.ceil(q * len(s)) - 1)]


class Desk:
    """One broker-sim and one `ballast run` on a desk of `accounts` accounts, in `work`."""

    def __init__(self, args, work, accounts):
        self.args, self.work, self.accounts = args, work, accounts
        self.sim = self.run = self.port = None
        self.log = BrokerLog(os.path.join(work, 'sim', 'messages.log'))

    def start(self):
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        tape = os.path.join(self.work, 'broker.tape.csv')
        with open(tape, 'w') as f:
            f.write(BROKER_TAPE)
        for _ in range(5):
            fix_port = free_port()
            self.sim = subprocess.Popen(
                [self.args.ballast, 'broker-sim', '--port', str(fix_port), '--tape', tape,
                 '--speed', '1', '--dir', 'sim', '--wait-logon-s', '0', '--sender', 'BROKERSIM',
                 '--target', 'BALLAST', '--mass-cancel',
                 'accept' if self.args.mass_cancel == 'off' else self.args.mass_cancel],
                cwd=self.work,
                stdout=open(os.path.join(self.work, 'sim.out'), 'w'), stderr=subprocess.STDOUT)
            time.sleep(0.5)
            if self.sim.poll() is None:
                break
        if self.sim.poll() is not None:
            raise BenchError('broker-sim did not start: ' +
                             open(os.path.join(self.work, 'sim.out')).read()[-500:])
        accts = '\n'.join(f'  - {{id: K{i:04d}, model: m, cash: {10_000_000 + 1_000 * i}.00}}'
                          for i in range(self.accounts))
        with open(os.path.join(self.work, 'desk.yaml'), 'w') as f:
            f.write(DESK.format(accounts=accts, interval=self.args.interval, port=fix_port,
                                src=SRC, speed=self.args.speed,
                                mass='' if self.args.mass_cancel == 'off' else
                                ', mass_cancel: true, mass_cancel_timeout: 500ms'))
        self.start_engine()

    def start_engine(self):
        """`ballast run` on the desk written by start() (again, after a crash: the same journal
        and FIX store); sets the operator API's port."""
        env = dict(os.environ, BALLAST_BENCH_READ=READ, BALLAST_BENCH_CONTROL=CONTROL)
        self.run = subprocess.Popen([self.args.ballast, 'run', '--config', 'desk.yaml'],
                                    cwd=self.work, env=env,
                                    stdout=open(os.path.join(self.work, 'run.out'), 'w'),
                                    stderr=open(os.path.join(self.work, 'run.err'), 'w'))
        for _ in range(600):
            m = re.search(r'operator API on http://127\.0\.0\.1:(\d+)/',
                          open(os.path.join(self.work, 'run.out')).read())
            if m:
                self.port = int(m.group(1))
                return
            if self.run.poll() is not None:
                break
            time.sleep(0.1)
        raise BenchError('ballast run did not start: ' +
                         open(os.path.join(self.work, 'run.err')).read()[-1500:])

    def stop(self):
        rc = None
        if self.run is not None and self.run.poll() is None:
            self.run.send_signal(signal.SIGINT)
            try:
                rc = self.run.wait(120)
            except subprocess.TimeoutExpired:
                self.run.kill()
                rc = -9
        if self.sim is not None and self.sim.poll() is None:
            self.sim.send_signal(signal.SIGINT)
            try:
                self.sim.wait(30)
            except subprocess.TimeoutExpired:
                self.sim.kill()
        return rc

    def alive(self):
        if self.run.poll() is not None:
            raise BenchError(f'ballast run exited ({self.run.returncode}): ' +
                             open(os.path.join(self.work, 'run.err')).read()[-1500:])
        if self.sim.poll() is not None:
            raise BenchError(f'broker-sim exited ({self.sim.returncode})')

    def wait_working(self, least, timeout):
        """Wait until every active parent has its child working (at least `least`) and the FIX
        traffic has been quiet for 0.3 s (the slicing burst sent and acknowledged, the next a
        whole interval away). The last scrape."""
        deadline = time.monotonic() + timeout
        last_key, quiet_since, s = None, None, {}
        while time.monotonic() < deadline:
            self.alive()
            s = scrape(self.port)
            working = s.get('ballast_engine_working', 0)
            parents = s.get('ballast_engine_active_parents', 0)
            key = (s.get('ballast_fix_out_new_orders_total'), s.get('ballast_fix_out_replaces_total'),
                   s.get('ballast_fix_out_cancels_total'), s.get('ballast_fix_in_reports_total'),
                   working)
            if key != last_key:
                last_key, quiet_since = key, time.monotonic()
            elif working >= least and working == parents and \
                    time.monotonic() - quiet_since >= 0.3:
                return s
            time.sleep(0.05)
        raise BenchError(f'working orders did not reach {least} in {timeout} s (working '
                         f'{s.get("ballast_engine_working")}, active parents '
                         f'{s.get("ballast_engine_active_parents")}, denials '
                         f'{s.get("ballast_engine_denials_total")}; see {self.work}/run.err)')

    def cycle(self, least, first):
        """One kill, then the release: the engine's kill-to-last-cancel (s), the bench's POST to
        last and first 35=F SendingTime (s), the orders working at the kill, the cancels the engine
        handed to FIX, the 35=F broker-sim logged and the distinct orders they named."""
        before = self.wait_working(least, 180 if first else 120)
        working = int(before['ballast_engine_working'])
        sent0 = before['ballast_engine_kill_cancels_sent_total']
        self.log.new_lines()  # skip to the end: only this kill's cancels from here
        t0 = kill_command(self.port, 'engage')
        deadline = time.monotonic() + 60
        while True:
            self.alive()
            s = scrape(self.port)
            sent = s['ballast_engine_kill_cancels_sent_total'] - sent0
            if sent >= working and s.get('ballast_engine_working') == 0:
                break
            if time.monotonic() > deadline:
                raise BenchError(f'the kill\'s cancels did not complete: {sent} of {working} '
                                 f'handed to FIX, {s.get("ballast_engine_working")} working')
            time.sleep(0.05)
        last = s['ballast_kill_last_cancel_seconds']
        # Where the time went, from the engine's counters over this kill (the trading before the
        # kill is quiet: no slicing burst falls in the window): the journal's fsyncs and the
        # intents that waited for one (with mass cancel or a sweep: the sweep's first cancel).
        waits = s.get('ballast_sender_durable_waits_total', 0) - before.get(
            'ballast_sender_durable_waits_total', 0)
        wait_s = s.get('ballast_sender_durable_wait_seconds_sum', 0) - before.get(
            'ballast_sender_durable_wait_seconds_sum', 0)
        syncs = s.get('ballast_journal_syncs_total', 0) - before.get(
            'ballast_journal_syncs_total', 0)
        swept = s.get('ballast_sender_swept_total', 0) - before.get(
            'ballast_sender_swept_total', 0)
        # broker-sim's own log: per order working at the kill, one 35=F (or, with mass_cancel,
        # one 35=q for all, and 35=Fs only if the broker refused it), and one Canceled report
        # (150=4) each; the SendingTime the engine's FIX session stamped on the last cancel
        # message.
        f_ids, f_count, q_count, first_sent, last_sent = set(), 0, 0, None, 0
        cancelled = set()
        deadline = time.monotonic() + 10

        def take(lines):
            nonlocal f_count, q_count, first_sent, last_sent
            for line in lines:
                if ' IN ' in line and ('|35=F|' in line or '|35=q|' in line):
                    f = fix_fields(line)
                    if f.get('35') == 'F':
                        f_count += 1
                        f_ids.add(f.get('41'))
                    else:
                        q_count += 1
                    t = sending_time_ns(f['52'])
                    last_sent = max(last_sent, t)
                    first_sent = t if first_sent is None else min(first_sent, t)
                elif ' OUT ' in line and '|35=8|' in line and '|150=4|' in line:
                    f = fix_fields(line)
                    cancelled.add(f.get('41') or f.get('11'))

        while True:
            take(self.log.new_lines())
            if len(cancelled) >= working or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        time.sleep(0.2)
        take(self.log.new_lines())  # anything late would be a defect: count it
        e2e = (last_sent - t0) / 1e9 if last_sent else float('nan')
        first = (first_sent - t0) / 1e9 if first_sent else float('nan')
        kill_command(self.port, 'release')
        return {'last': last, 'e2e': e2e, 'first': first, 'working': working, 'sent': int(sent),
                'broker_f': f_count, 'broker_q': q_count, 'broker_orders': len(f_ids),
                'broker_cancelled': len(cancelled), 'waits': int(waits), 'wait_s': wait_s,
                'syncs': int(syncs), 'swept': int(swept)}


def cycle_ok(args, c):
    """What the broker's log must show for one kill: every order working at the kill cancelled
    once; the engine handed one cancel per order to FIX; on the wire, one 35=F per order (no
    mass cancel, or a refused one after its 35=q) or one 35=q and no 35=F (accepted)."""
    if not (c['sent'] == c['working'] == c['broker_cancelled']):
        return False
    if args.mass_cancel == 'off':
        return c['broker_q'] == 0 and c['broker_f'] == c['broker_orders'] == c['working']
    if args.mass_cancel == 'accept':
        return c['broker_q'] == 1 and c['broker_f'] == 0
    return c['broker_q'] == 1 and c['broker_f'] == c['broker_orders'] == c['working']


MASS_COUNTERS = ('ballast_fix_out_mass_cancels_total', 'ballast_fix_mass_cancels_total',
                 'ballast_fix_mass_cancels_accepted_total', 'ballast_fix_mass_cancels_refused_total',
                 'ballast_fix_mass_covered_total', 'ballast_fix_mass_fallback_cancels_total')


def counters_ok(args, m, cycles):
    """The engine's own account of its mass cancels (/metrics) agrees with the mode: one 35=q a
    kill, settled the way broker-sim was told to, every cancel covered (accepted) or sent on its
    own after the refusal."""
    kills, cancels = len(cycles), sum(c['sent'] for c in cycles)
    got = [m.get(k, 0) for k in MASS_COUNTERS]
    if args.mass_cancel == 'off':
        return got[0] == got[1] == 0
    if args.mass_cancel == 'accept':
        return got == [kills, kills, kills, 0, cancels, 0]
    # Refused: every cancel went on its own; those covered before the refusal came were held.
    return got[:4] == [kills, kills, 0, kills] and got[4] <= cancels and got[5] == cancels


def run_size(args, name, orders, cycles):
    accounts = math.ceil(orders / len(SYMBOLS))
    desk = Desk(args, os.path.join(args.work, name), accounts)
    out = {'name': name, 'accounts': accounts, 'parents': accounts * len(SYMBOLS), 'cycles': []}
    print(f'--- {name}: {accounts} accounts x {len(SYMBOLS)} instruments '
          f'(work dir {desk.work})', flush=True)
    try:
        desk.start()
        for k in range(cycles):
            c = desk.cycle(orders, k == 0)
            out['cycles'].append(c)
            c['ok'] = ok = cycle_ok(args, c)
            print(f'  kill {k + 1:2d}: {c["working"]:5d} working, {c["sent"]:5d} cancels to FIX, '
                  f'broker got {c["broker_q"]} q, {c["broker_f"]:5d} F ({c["broker_orders"]} '
                  f'orders), cancelled {c["broker_cancelled"]}'
                  f'{"" if ok else " MISMATCH"}; last cancel {c["last"] * 1e3:7.3f} ms '
                  f'(engine), {c["e2e"] * 1e3:4.0f} ms (POST -> SendingTime; the first '
                  f'{c["first"] * 1e3:.0f} ms); journal: {c["syncs"]} fsyncs, {c["waits"]} '
                  f'intents waited {c["wait_s"] * 1e3:.2f} ms in all, {c["swept"]} swept',
                  flush=True)
        out['metrics'] = m = scrape(desk.port)
        out['counters_ok'] = counters_ok(args, m, out['cycles'])
        if not out['counters_ok']:
            print('  MISMATCH: the engine\'s mass-cancel counters (/metrics) say ' +
                  ', '.join(f'{k} {m.get(k)}' for k in MASS_COUNTERS), flush=True)
    finally:
        out['rc'] = desk.stop()
    return out


def histogram(samples, name):
    buckets = sorted(((float(k.split('le="')[1].rstrip('"}')), v) for k, v in samples.items()
                      if k.startswith(name + '_bucket{')), key=lambda x: x[0])
    return buckets, samples.get(name + '_count', 0), samples.get(name + '_sum', 0)


def report(res):
    lasts = [c['last'] for c in res['cycles']]
    e2es = [c['e2e'] for c in res['cycles'] if not math.isnan(c['e2e'])]
    cancels = [c['sent'] for c in res['cycles']]
    print(f'\n{res["name"]}: {res["accounts"]} accounts, {res["parents"]} parents, '
          f'{len(lasts)} kills, cancels per kill {min(cancels)}..{max(cancels)}')
    print(f'  kill -> last cancel handed to FIX (engine, from the core taking the command): '
          f'p50 {pctl(lasts, .5) * 1e3:.3f} ms  p99 {pctl(lasts, .99) * 1e3:.3f} ms  '
          f'max {max(lasts) * 1e3:.3f} ms')
    if e2es:
        firsts = [c['first'] for c in res['cycles'] if not math.isnan(c['first'])]
        print(f'  POST written -> last 35=q/F SendingTime (bench, 1 ms resolution):        '
              f'p50 {pctl(e2es, .5) * 1e3:.0f} ms  p99 {pctl(e2es, .99) * 1e3:.0f} ms  '
              f'max {max(e2es) * 1e3:.0f} ms')
        print(f'  POST written -> first 35=q/F SendingTime:                                '
              f'p50 {pctl(firsts, .5) * 1e3:.0f} ms  p99 {pctl(firsts, .99) * 1e3:.0f} ms  '
              f'max {max(firsts) * 1e3:.0f} ms')
    buckets, count, total = histogram(res.get('metrics', {}),
                                      'ballast_engine_kill_to_cancel_seconds')
    if count:
        print(f'  per cancel (ballast_engine_kill_to_cancel_seconds): {int(count)} cancels, mean '
              f'{total / count * 1e3:.3f} ms; cumulative:')
        print('    ' + '  '.join(f'<={le * 1e3:g}ms:{int(v)}' if le != math.inf else f'+Inf:{int(v)}'
                                 for le, v in buckets))
    return pctl(lasts, .99)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--ballast', default=os.path.join(SRC, 'build', 'tools', 'ballast'))
    ap.add_argument('--cycles', type=int, default=20, help='kills with --orders working')
    ap.add_argument('--orders', type=int, default=1000, help='working orders at each kill (>=)')
    ap.add_argument('--baseline-orders', type=int, default=10)
    ap.add_argument('--baseline-cycles', type=int, default=10)
    ap.add_argument('--work', help='work directory (default: a new one under /tmp, removed '
                    'after a run that passed)')
    ap.add_argument('--speed', type=float, default=10, help='market clock speed of the tape')
    ap.add_argument('--interval', default='1m', help='TWAP interval on the market clock (the '
                    'kills fall between two slicing bursts: interval / speed of wall time)')
    ap.add_argument('--no-check', action='store_true', help='report only')
    ap.add_argument('--counts-only', action='store_true',
                    help='judge only what the broker\'s log shows (every working order cancelled '
                         'once, the messages the mode sends), not the time (the process test '
                         'tests/operator/mass_cancel_run_test runs it so)')
    ap.add_argument('--mass-cancel', choices=('accept', 'reject', 'ignore', 'off'),
                    default='accept',
                    help='the session\'s mass_cancel (docs/fix.md, "Mass cancel"): on, with '
                         'broker-sim accepting the 35=q (default), refusing it (35=r 531=0), or '
                         'ignoring it (the 500 ms timeout); off: one 35=F per order')
    args = ap.parse_args()
    args.ballast = os.path.abspath(args.ballast)
    if not os.access(args.ballast, os.X_OK):
        print(f'kill_switch_bench: no executable {args.ballast}', file=sys.stderr)
        return 2
    own_work = args.work is None
    args.work = os.path.abspath(args.work or tempfile.mkdtemp(prefix='kill_switch_bench.'))
    print(f'kill_switch_bench: {args.ballast}; tape at {args.speed:g}x, TWAP interval '
          f'{args.interval}; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs',
          flush=True)
    results = []
    try:
        results.append(run_size(args, 'baseline', args.baseline_orders, args.baseline_cycles))
        results.append(run_size(args, 'large', args.orders, args.cycles))
    except BenchError as e:
        print(f'kill_switch_bench: {e}', file=sys.stderr)
        return 2
    print(f'\nload average at the end {os.getloadavg()[0]:.2f}')
    p99s = [report(r) for r in results]
    mismatched = [(r['name'], i + 1) for r in results for i, c in enumerate(r['cycles'])
                  if not c['ok']] + [(r['name'], 'counters') for r in results
                                     if not r.get('counters_ok', False)]
    unclean = [(r['name'], r['rc']) for r in results if r['rc'] != 0]
    print(f'\nlarge vs baseline p99: {p99s[1] * 1e3:.3f} ms vs {p99s[0] * 1e3:.3f} ms '
          f'({p99s[1] / p99s[0]:.1f}x)' if p99s[0] > 0 else '')
    met = p99s[1] <= TARGET_S
    print(f'target: kill -> last cancel handed to FIX p99 <= {TARGET_S * 1e3:g} ms with '
          f'{args.orders} working orders: {"met" if met else "NOT met"} '
          f'({p99s[1] * 1e3:.3f} ms, the engine\'s figure)')
    e2es = [c['e2e'] for c in results[1]['cycles'] if not math.isnan(c['e2e'])]
    if e2es:
        print(f'  from the POST (the bench\'s figure, HTTP and the queue to the core included): '
              f'p99 {pctl(e2es, .99) * 1e3:.0f} ms: '
              f'{"within" if pctl(e2es, .99) <= TARGET_S else "over"} the target')
    if mismatched:
        print(f'cancel counts that do not match the broker\'s log (desk, kill): {mismatched}')
    if unclean:
        print(f'runs that did not stop cleanly on SIGINT: {unclean}')
    if own_work and met and not mismatched and not unclean:
        shutil.rmtree(args.work, ignore_errors=True)
    else:
        print(f'work directory kept: {args.work}')
    if args.no_check:
        return 0
    if args.counts_only:
        return 0 if not mismatched and not unclean else 1
    return 0 if met and not mismatched else 1


if __name__ == '__main__':
    sys.exit(main())
