#!/usr/bin/env python3
"""Crash test: kill -9 the engine at random points of the demo scenario and restart it each time.

broker-sim runs as its own process for the whole session (`ballast demo --role broker`) and
replays the recorded day; the engine (`ballast demo --role engine`) is started, killed with
SIGKILL after a random delay, and started again, N times; the last start runs to the end of the
tape. Every restart recovers from the journal (docs/journal.md). Pass criteria (issue 7):
  - 0 duplicate ClOrdIDs among the NewOrderSingles broker-sim received,
  - 0 lost fills: every account's traded position equals broker-sim's record of fills,
  - `ballast journal verify` and `ballast replay --verify` accept the multi-run journal.

Usage: crash_test.py --ballast build/tools/ballast [--kills 20] [--seed 1] [--dir var/crash]
Exit 0 when every check holds, 1 otherwise (the reason is printed).
"""
import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ballast", required=True)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", default="var/crash")
    ap.add_argument("--accounts", type=int, default=40, help="accounts per model (3 models)")
    ap.add_argument("--until", default="11:00", help="end of the replayed tape, HH:MM New York")
    ap.add_argument("--speed", type=float, default=60.0)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    d = os.path.abspath(args.dir)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    port = free_port()
    common = ["--dir", d, "--port", str(port), "--accounts", str(args.accounts),
              "--until", args.until, "--speed", str(args.speed), "--no-progress"]
    hh, mm = (int(x) for x in args.until.split(":"))
    tape_wall_s = ((hh * 60 + mm) - (9 * 60 + 30)) * 60 / args.speed

    broker_out = open(os.path.join(d, "broker.out"), "w")
    broker = subprocess.Popen([args.ballast, "demo", "--role", "broker", "--linger", "900"] + common,
                              stdout=broker_out, stderr=subprocess.STDOUT)
    engine_log = open(os.path.join(d, "engine.out"), "w")
    failures = []
    try:
        # Kill points spread over the tape (the last ones may land after it, in the settle phase).
        t0 = time.monotonic()
        kill_at = sorted(rng.uniform(0.2, tape_wall_s * 1.05) for _ in range(args.kills))
        for k, at in enumerate(kill_at):
            engine_log.write(f"=== start {k + 1} (kill at {at:.2f} s)\n")
            engine_log.flush()
            eng = subprocess.Popen([args.ballast, "demo", "--role", "engine"] + common,
                                   stdout=engine_log, stderr=subprocess.STDOUT)
            # At least a short life per start, so some starts die during recovery or logon and
            # others in the middle of trading.
            delay = max(at - (time.monotonic() - t0), rng.uniform(0.05, 0.6))
            try:
                rc = eng.wait(timeout=delay)
                failures.append(f"engine start {k + 1} exited by itself (rc {rc}) before its kill")
                break
            except subprocess.TimeoutExpired:
                eng.send_signal(signal.SIGKILL)
                eng.wait()
            if broker.poll() is not None:
                failures.append(f"broker-sim exited (rc {broker.returncode})")
                break
        if not failures:
            engine_log.write("=== final start (runs to the end of the tape)\n")
            engine_log.flush()
            final = subprocess.run([args.ballast, "demo", "--role", "engine"] + common,
                                   capture_output=True, text=True, timeout=1800)
            engine_log.write(final.stdout + final.stderr)
            out = final.stdout
            print(out, end="")
            if final.returncode != 0:
                failures.append(f"final engine run exited {final.returncode}: {final.stderr.strip()}")
            m = re.search(r"Reconciliation: ([\d,]+) positions, ([\d,]+) fills .*?, (.*?); duplicate ClOrdIDs: (\d+)", out)
            if not m:
                failures.append("the final run printed no reconciliation line")
            else:
                if "all equal" not in m.group(3):
                    failures.append("positions differ from broker-sim's record: " + m.group(3))
                if m.group(4) != "0":
                    failures.append(f"{m.group(4)} duplicate ClOrdIDs in broker-sim's record")
    finally:
        broker.send_signal(signal.SIGTERM)
        try:
            broker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            broker.kill()
        broker_out.close()
        engine_log.close()

    journal = os.path.join(d, "journal")
    v = subprocess.run([args.ballast, "journal", "verify", journal], capture_output=True, text=True)
    if v.returncode != 0:
        failures.append("journal verify failed: " + v.stderr.strip())
    r = subprocess.run([args.ballast, "replay", "--journal", journal, "--verify"],
                       capture_output=True, text=True)
    print(r.stdout, end="")
    if r.returncode != 0:
        failures.append("replay --verify failed: " + (r.stdout + r.stderr).strip())
    runs = len(re.findall(r"^=== ", open(os.path.join(d, "engine.out")).read(), re.M))
    print(f"crash test: {args.kills} kills (seed {args.seed}), {runs} engine starts, "
          f"logs in {d}/engine.out and {d}/broker.out")
    if failures:
        for f in failures:
            print("crash test FAILED: " + f)
        return 1
    print("crash test PASSED: 0 duplicate ClOrdIDs, every position equal to broker-sim's record, "
          "journal verified and replayed without divergence")
    return 0


if __name__ == "__main__":
    sys.exit(main())
