#!/usr/bin/env python3
"""Journal-loss test (issue 13 items 7 and 8), with the ballast binary as separate processes.

1. broker-sim runs as its own process (`ballast demo --role broker`); the engine (`ballast demo
   --role engine`) trades until broker-sim has received some orders, and is killed with SIGKILL.
   Its journal segments are then truncated to zero bytes (the disk lost them; the FIX store
   survived), and later the journal directory is emptied. Each time the restarted engine must
   refuse to trade (a damaged journal; then a FIX store ahead of the journal), send nothing
   (broker-sim receives no further NewOrderSingle) and write nothing; `ballast journal verify`
   must not say OK.
2. Two complete `ballast demo` runs on the same day in fresh directories (fresh journals and
   FIX stores) must send disjoint sets of ClOrdIDs.

Usage: journal_loss_test.py --ballast build/tools/ballast [--dir var/journal_loss]
Exit 0 when every check holds, 1 otherwise (the reasons are printed).
"""
import argparse
import glob
import os
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


def new_order_ids(log_path):
    """ClOrdIDs of the NewOrderSingles broker-sim received (first sends, not PossDup resends)."""
    ids = []
    if not os.path.exists(log_path):
        return ids
    with open(log_path, errors="replace") as f:
        for line in f:
            parts = line.split(None, 3)
            if len(parts) < 4 or parts[1] != "IN":
                continue
            fields = {}
            for fv in parts[3].replace("\x01", "|").split("|"):
                k, _, v = fv.partition("=")
                fields.setdefault(k, v)
            if fields.get("35") == "D" and fields.get("43") != "Y":
                ids.append(fields.get("11", ""))
    return ids


def lost_journal(args, d, failures):
    port = free_port()
    common = ["--dir", d, "--port", str(port), "--accounts", "10", "--until", "11:00",
              "--speed", "60", "--no-progress"]
    log = os.path.join(d, "broker-sim", "messages.log")
    broker_out = open(os.path.join(d, "broker.out"), "w")
    broker = subprocess.Popen([args.ballast, "demo", "--role", "broker", "--linger", "300"] + common,
                              stdout=broker_out, stderr=subprocess.STDOUT)
    engine_out = open(os.path.join(d, "engine.out"), "w")
    try:
        eng = subprocess.Popen([args.ballast, "demo", "--role", "engine"] + common,
                               stdout=engine_out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while len(new_order_ids(log)) < 20 and time.monotonic() < deadline and eng.poll() is None:
            time.sleep(0.2)
        sent = new_order_ids(log)
        eng.send_signal(signal.SIGKILL)
        eng.wait()
        if len(sent) < 20:
            failures.append(f"the first engine sent only {len(sent)} orders (see {d}/engine.out)")
            return
        time.sleep(0.5)
        before = new_order_ids(log)
        segments = sorted(glob.glob(os.path.join(d, "journal", "journal-*.seg")))
        if not segments:
            failures.append("the first engine wrote no journal segment")
            return
        for seg in segments:
            os.truncate(seg, 0)  # the disk lost the journal; the FIX store survived
        jdir = os.path.join(d, "journal")
        # (a) the segments truncated to zero bytes; (b) then the journal directory emptied (a
        # new disk, or the files moved aside). Both must be refused: (a) as a damaged journal,
        # (b) as a FIX store ahead of the journal.
        for case, expect in (("truncated to zero bytes", "shorter than the 128-byte segment header"),
                             ("directory emptied", "ahead of the journal")):
            if case == "directory emptied":
                shutil.rmtree(jdir)
                os.makedirs(jdir)
                segments = []
            restart = subprocess.run([args.ballast, "demo", "--role", "engine"] + common,
                                     capture_output=True, text=True, timeout=300)
            engine_out.write(f"=== restart after the journal was {case}\n")
            engine_out.write(restart.stdout + restart.stderr)
            time.sleep(1.0)
            after = new_order_ids(log)
            print(f"journal {case}: {len(before)} orders sent before the kill; restart exited "
                  f"{restart.returncode}: {restart.stderr.strip()[:600]}")
            if restart.returncode == 0:
                failures.append(f"the engine traded on a journal {case}")
            if expect not in restart.stderr:
                failures.append(f"journal {case}: the refusal does not say '{expect}': "
                                + restart.stderr.strip())
            if len(after) != len(before):
                dup = len(after) - len(set(after))
                failures.append(f"journal {case}: broker-sim received {len(after) - len(before)} "
                                f"new orders after the restart ({dup} duplicate ClOrdIDs)")
            if len(set(after)) != len(after):
                failures.append("duplicate ClOrdIDs in broker-sim's record")
            for seg in segments:
                if os.path.getsize(seg) != 0:
                    failures.append(f"the refused start wrote to {seg}")
            now = sorted(os.listdir(jdir))
            expected = sorted(os.path.basename(s) for s in segments) + (
                ["manifest.txt"] if segments else [])
            if now != expected:
                failures.append(f"journal {case}: the refused start changed the journal "
                                f"directory: {now}")
            v = subprocess.run([args.ballast, "journal", "verify", jdir],
                               capture_output=True, text=True)
            if v.returncode == 0:
                failures.append(f"journal verify says OK on a journal {case}: " + v.stdout.strip())
    finally:
        broker.send_signal(signal.SIGTERM)
        try:
            broker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            broker.kill()
        broker_out.close()
        engine_out.close()


def fresh_directories(args, d, failures):
    runs = []
    for k in (1, 2):
        rd = os.path.join(d, f"run{k}")
        r = subprocess.run([args.ballast, "demo", "--dir", rd, "--accounts", "5", "--until",
                            "10:00", "--speed", "300", "--no-progress"],
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            failures.append(f"demo run {k} exited {r.returncode}: {r.stderr.strip()[:400]}")
            return
        runs.append(new_order_ids(os.path.join(rd, "broker-sim", "messages.log")))
    a, b = set(runs[0]), set(runs[1])
    print(f"fresh directories: run 1 sent {len(a)} ClOrdIDs ({min(a) if a else '-'}..), run 2 "
          f"{len(b)} ({min(b) if b else '-'}..), {len(a & b)} in common")
    if not a or not b:
        failures.append("a demo run sent no orders")
    if a & b:
        failures.append(f"{len(a & b)} ClOrdIDs sent by both runs, e.g. {sorted(a & b)[:3]}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ballast", required=True)
    ap.add_argument("--dir", default="var/journal_loss")
    args = ap.parse_args()
    d = os.path.abspath(args.dir)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "lost"))
    failures = []
    lost_journal(args, os.path.join(d, "lost"), failures)
    fresh_directories(args, d, failures)
    if failures:
        for f in failures:
            print("journal loss test FAILED: " + f)
        return 1
    print("journal loss test PASSED: a zero-byte journal with a surviving FIX store is refused "
          "(no order sent, nothing written); two fresh runs on one day share no ClOrdID")
    return 0


if __name__ == "__main__":
    sys.exit(main())
