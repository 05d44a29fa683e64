#!/usr/bin/env python3
"""The kill switch with fix.sessions[].mass_cancel on, as a process (issue 17; docs/fix.md, "Mass
cancel"): `ballast run` (operator.http on) against `ballast broker-sim`, a desk of all-cash
accounts whose children all rest at the broker, the global kill switch engaged over HTTP, then
released, twice. It runs bench/kill_switch_bench.py with small desks (--counts-only: the time is
the benchmark's business) and one broker-sim mode:

  accept  broker-sim takes the OrderMassCancelRequest: each kill is one 35=q on the wire, no 35=F,
          and a Canceled report for every order working at the kill;
  reject  broker-sim answers 35=r with MassCancelResponse 0: after the 35=q, one 35=F per order;
  ignore  broker-sim answers nothing: after mass_cancel_timeout (500ms here), one 35=F per order.

The desk sets `mass_cancel: true, mass_cancel_timeout: 500ms` on its session. Every kill is checked
against broker-sim's own message log (every working order cancelled exactly once, the messages
the mode sends) and against the engine's counters on /metrics (ballast_fix_mass_cancels_*_total).

usage: mass_cancel_run_test.py BALLAST SOURCE_DIR WORK_DIR accept|reject|ignore
"""
import os
import subprocess
import sys

BALLAST, SRC, WORK, MODE = sys.argv[1:5]
if MODE not in ('accept', 'reject', 'ignore'):
    print(f'FAIL unknown mode {MODE}')
    sys.exit(2)
rc = subprocess.run([sys.executable, os.path.join(SRC, 'bench', 'kill_switch_bench.py'),
                     '--ballast', BALLAST, '--mass-cancel', MODE, '--counts-only',
                     '--orders', '24', '--cycles', '2', '--baseline-orders', '3',
                     '--baseline-cycles', '1', '--work', WORK]).returncode
print(('ok   ' if rc == 0 else 'FAIL ') + f'kill switch with mass_cancel, broker-sim {MODE} '
      f'(exit {rc}; work dir {WORK})')
sys.exit(0 if rc == 0 else 1)
