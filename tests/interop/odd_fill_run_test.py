#!/usr/bin/env python3
"""`ballast run` against a broker on another engine that fills in odd formats (odd_fill_broker.py).

Issue 13, "losing fills": a report is never dropped for the format of a field, a field with more
decimals than the fixed point is rounded and booked, and a report Ballast cannot book stops its
account and says why. For each mode it runs the paper desk on the shipped NASDAQ tape against the
broker for a few seconds, stops it with SIGINT, and checks from the broker's own log (the other
side's record, not Ballast's):
  odd   every fill the broker sent is booked (the run's fill count equals the 150=F reports in the
        broker's log), no inbound message was refused, nothing was unbookable;
  odd2  the fills Ballast can book are booked, the others (LastQty +q, -0, 30 digits; a negative
        LastPx) are each counted unbookable, stderr says so at once, and the stop summary names
        the stopped accounts and why.
usage: odd_fill_run_test.py BALLAST SOURCE_DIR WORK_DIR
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

BALLAST, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
HERE = os.path.dirname(os.path.abspath(__file__))
SECONDS = 14

DESK = """\
version: 1
instruments:
  - {{symbol: AAPL, tick_size: 0.01, lot_size: 1, currency: USD, asset_class: equity}}
  - {{symbol: AMZN, tick_size: 0.01, lot_size: 1, currency: USD, asset_class: equity}}
  - {{symbol: GOOG, tick_size: 0.01, lot_size: 1, currency: USD, asset_class: equity}}
triggers:
  absolute: {{band: 0.05}}
  cool_down: 5m
  trading_hours: {{start: "09:31", end: "15:55"}}
models:
  - id: m
    weights: {{AAPL: 0.3, AMZN: 0.3, GOOG: 0.3}}
    cash_buffer: 0.1
accounts:
  - {{id: A1, model: m, cash: 1000000.00}}
  - {{id: A2, model: m, cash: 500000.00}}
  - {{id: A3, model: m, cash: 2000000.00, positions: {{AAPL: 1000}}}}
  - {{id: A4, model: m, cash: 300000.00}}
optimizer:
  risk_model: {{estimator: ledoit_wolf, lookback_days: 200}}
execution: {{algo: twap, horizon: 5m, interval: 1m}}
compliance: {{price_collar_bps: 300, max_adv_share: off}}
fix:
  sessions:
    - {{name: odd, fix_version: FIX.4.4, host: 127.0.0.1, port: {port}, sender_comp_id: BALLAST,
        target_comp_id: FAKEBRK, heartbeat_s: 30, store_dir: fix/store, log_dir: fix/log}}
market_data:
  sources:
    - {{name: closes, kind: daily_closes, pace: fast,
        path: {src}/data/daily/pyportfolioopt_closes_2011-06-01_2012-06-20.csv}}
    - {{name: tape, kind: tape, pace: speed, speed: 50,
        path: {src}/data/intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv}}
journal: {{dir: journal}}
"""

failures = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what)
    if not cond:
        failures.append(what)


def run(mode):
    work = os.path.join(WORK, mode)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    log = os.path.join(work, 'broker.log')
    broker = subprocess.Popen([sys.executable, os.path.join(HERE, 'odd_fill_broker.py'), mode,
                               str(SECONDS + 5), log], stdout=subprocess.PIPE, text=True)
    line = broker.stdout.readline()
    m = re.match(r'READY (\d+)', line)
    if not m:
        broker.kill()
        check(False, f'{mode}: the broker started (got {line!r})')
        return None
    with open(os.path.join(work, 'desk.yaml'), 'w') as f:
        f.write(DESK.format(port=m.group(1), src=SRC))
    with open(os.path.join(work, 'out.txt'), 'w') as out, \
            open(os.path.join(work, 'err.txt'), 'w') as err:
        eng = subprocess.Popen([BALLAST, 'run', '--config', 'desk.yaml'], cwd=work, stdout=out,
                               stderr=err)
        time.sleep(SECONDS)
        eng.send_signal(signal.SIGINT)
        try:
            rc = eng.wait(60)
        except subprocess.TimeoutExpired:
            eng.kill()
            rc = -9
    broker.terminate()
    broker.wait(10)
    out = open(os.path.join(work, 'out.txt')).read()
    err = open(os.path.join(work, 'err.txt')).read()
    sent = [l for l in open(log).read().splitlines() if l.startswith('OUT ') and '|150=F|' in l]
    booked = re.search(r'([\d,]+) fills', out)
    booked = int(booked.group(1).replace(',', '')) if booked else -1
    invalid = re.search(r'([\d,]+) invalid inbound', out)
    invalid = int(invalid.group(1).replace(',', '')) if invalid else -1
    print(f'--- {mode}: exit {rc}, fills sent {len(sent)}, booked {booked}, invalid inbound '
          f'{invalid}')
    check(rc == 0, f'{mode}: run stopped cleanly on SIGINT (exit {rc})\n{err[-2000:]}')
    check(len(sent) >= 8, f'{mode}: the broker filled at least 8 orders ({len(sent)})')
    check(invalid == 0, f'{mode}: no inbound message refused ({invalid})')
    return out, err, sent, booked


r = run('odd')
if r:
    out, err, sent, booked = r
    check(booked == len(sent), f'odd: every fill booked ({booked} of {len(sent)})')
    check('could not be booked' not in err and 'Unbookable' not in out,
          'odd: nothing unbookable')
r = run('odd2')
if r:
    out, err, sent, booked = r
    # The broker rotates 8 variants; 4 of them are unbookable (+q, -0, 30 digits, negative px).
    bad = [l for l in sent if re.search(r'\|32=(\+|-0\||\d{30})|\|31=-', l)]
    check(len(bad) >= 2, f'odd2: the broker sent unbookable fills ({len(bad)})')
    check(booked == len(sent) - len(bad),
          f'odd2: every bookable fill booked ({booked} of {len(sent) - len(bad)})')
    m = re.search(r'Unbookable execution reports: ([\d,]+)', out)
    check(m is not None and int(m.group(1)) == len(bad),
          f'odd2: the summary counts each unbookable report ({m.group(1) if m else None} of '
          f'{len(bad)})')
    check('could not be booked; trading stopped' in err, 'odd2: stderr said so while running')
    check(re.search(r'Stopped \(kill switch\): \d+ accounts: A\d \(unbookable_report\)', out)
          is not None, 'odd2: the summary names the stopped accounts and why')
sys.exit(1 if failures else 0)
