#!/usr/bin/env python3
"""kill -9 right after a global kill, then a restart on the same journal and FIX store (issue 17;
hostile review: 250 of 300 orders stayed working at the broker, forever, after such a crash).

`ballast run` (operator.http on) trades a desk against `ballast broker-sim` until its children all
rest at the broker (the desk of bench/kill_switch_bench.py), the global kill switch is engaged
over HTTP and the engine is killed with SIGKILL a random 2-14 ms after the request was written:
some cancels have reached the broker, some were journaled and never sent, some never journaled.
The restarted engine recovers from the journal, logs on, asks the status of every order it
believes working, and must leave nothing working at the broker (broker-sim's own message log
decides): a cancel journaled but never sent is found lost by its status answer and sent again
under the kill switch. If the command itself was lost (the crash came before it was durable:
the 202 promises nothing more), the kill is off after the restart; it is engaged again then and
must cancel everything. `ballast replay --verify` must find no divergence.

Modes: `off` (one 35=F per order) and `ignore` (mass_cancel on, broker-sim ignores the 35=q: the
covered cancels are held in the crashed process). The delay is printed with its seed
(CRASH_KILL_SEED reruns one).

usage: crash_kill_run_test.py BALLAST SOURCE_DIR WORK_DIR off|ignore
"""
import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import time

BALLAST, SRC, WORK, MODE = sys.argv[1:5]
sys.path.insert(0, os.path.join(SRC, 'bench'))
import kill_switch_bench as ksb  # noqa: E402  (the bench's desk, broker and scrapes)

failures = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def broker_live(work):
    """ClOrdIDs broker-sim acknowledged (or made live by a replace) and has not closed or
    replaced (its message log)."""
    live, closed = set(), set()
    for line in open(os.path.join(work, 'sim', 'messages.log'), errors='replace'):
        if ' OUT ' not in line or '|35=8|' not in line:
            continue
        f = ksb.fix_fields(line)
        if f.get('39') == '0' and f.get('150') == '0':
            live.add(f.get('11'))
        if f.get('150') == '5':  # Replaced: the replacement works, the original is done
            live.add(f.get('11'))
            closed.add(f.get('41'))
        if f.get('39') in ('2', '3', '4', '8', 'C'):
            closed.add(f.get('11'))
            closed.add(f.get('41'))
    return live - closed


def settle(desk, work, timeout):
    """Waits until the engine works nothing and the broker has nothing live; the last scrape."""
    deadline = time.monotonic() + timeout
    s = {}
    while time.monotonic() < deadline:
        desk.alive()
        s = ksb.scrape(desk.port)
        if s.get('ballast_engine_working') == 0 and not broker_live(work):
            break
        time.sleep(0.25)
    return s


seed = int(os.environ.get('CRASH_KILL_SEED', time.time_ns() % 1_000_000))
delay_ms = random.Random(seed).uniform(2, 14)
print(f'mode {MODE}, seed {seed}: SIGKILL {delay_ms:.1f} ms after the kill command', flush=True)
args = argparse.Namespace(ballast=BALLAST, interval='1m', speed=10, mass_cancel=MODE)
desk = ksb.Desk(args, WORK, 30)
desk.start()
try:
    s = desk.wait_working(90, 180)
    working = int(s['ballast_engine_working'])
    check(working >= 90, f'{working} orders working at the broker before the kill')
    body = '{"action":"engage"}'
    req = (f'POST /api/v1/kill-switch HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer '
           f'{ksb.CONTROL}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}'
           f'\r\n\r\n{body}').encode()
    sk = socket.create_connection(('127.0.0.1', desk.port))
    sk.sendall(req)
    t0 = time.monotonic()
    while time.monotonic() - t0 < delay_ms / 1e3:
        pass
    os.kill(desk.run.pid, signal.SIGKILL)
    desk.run.wait()
    sk.close()
    time.sleep(0.5)
    before = len(broker_live(WORK))
    print(f'at the crash: {before} orders still live at the broker', flush=True)
    # The restart, on the same journal and FIX store.
    for name in ('run.out', 'run.err'):
        os.replace(os.path.join(WORK, name), os.path.join(WORK, 'crashed.' + name))
    desk.start_engine()
    s = settle(desk, WORK, 30)
    if s.get('ballast_engine_kill_global') != 1:
        print('the kill command was lost with the crash (not durable yet): engaging it again',
              flush=True)
        st, _ = ksb.request(desk.port, '/api/v1/kill-switch', ksb.CONTROL, 'POST', body)
        check(st == 202, f'the kill switch engaged again after the restart ({st})')
        s = settle(desk, WORK, 30)
    live = broker_live(WORK)
    check(s.get('ballast_engine_kill_global') == 1, 'the kill switch is on after the restart')
    check(not live, f'nothing left working at the broker ({len(live)} live: {sorted(live)[:5]})')
    check(s.get('ballast_engine_working') == 0,
          f'the engine works nothing ({s.get("ballast_engine_working")})')
finally:
    rc = desk.stop()
check(rc == 0, f'the restarted run stopped cleanly ({rc})')
rep = subprocess.run([BALLAST, 'replay', '--journal', 'journal', '--verify'], cwd=WORK,
                     capture_output=True, text=True)
check(rep.returncode == 0 and 'verify: no divergence' in rep.stdout,
      f'the journal replays to the same orders\n{rep.stdout[-1200:]}{rep.stderr[-300:]}')
sys.exit(1 if failures else 0)
