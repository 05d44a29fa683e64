#!/usr/bin/env python3
"""Builds the Lean/AlgoSeek-layout test files (TAQ ticks and minute bars) from the shipped tape.

    scripts/make_lean_test_data.py            # (re)write tests/data/lean_nasdaq_2012-06-21/
    scripts/make_lean_test_data.py --check    # rebuild in memory, compare byte for byte

The AlgoSeek files of ../shared/data may not be copied into the project (licence), so the `taq` and
`minute_bars` tests of `ballast run` read files in the same layouts made from real data the project
does ship: data/intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv (LOBSTER's NASDAQ sample,
2012-06-21; data/README.md). Everything is integer arithmetic on the tape's exact decimals;
deterministic. Window: 09:30:00-10:00:00 ET (34200000 <= ms < 36000000). For AAPL, AMZN, GOOG:

- tick/20120621_<sym>_Trade_Tick.csv: `ms,price,size,exchange,condition,suspicious` with price in
  1/10000 $, exchange `Q` (NASDAQ), condition 0, suspicious 0; the first trade of the symbol in
  each 10-second bucket (floor(ms / 10000)); ms = floor(tape ns / 10^6).
- tick/20120621_<sym>_Quote_Tick.csv: `ms,bid,bid size,ask,ask size,exchange,condition,suspicious`;
  the last quote of the symbol in each 10-second bucket (the book at the bucket's end). Two-sided
  (the tape's level-1 book), where AlgoSeek's records are one-sided.
- minute/20120621_<sym>_minute_trade.csv: `start ms,open,high,low,close,volume` of EVERY trade of
  the symbol in the minute (the tape keeps every trade print); a minute without trades has no row.
- minute/20120621_<sym>_minute_quote.csv: `start ms,bid o,h,l,c,bid size,ask o,h,l,c,ask size`
  over the quotes of the tape in the minute (sizes: the closing quote's); a minute without quotes
  has no row.
"""
import argparse
import os
import sys
from decimal import Decimal

TAPE = "data/intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv"
OUT = "tests/data/lean_nasdaq_2012-06-21"
SYMBOLS = ["AAPL", "AMZN", "GOOG"]
START_MS = 34_200_000
END_MS = 36_000_000
BUCKET_MS = 10_000


def e4(text):
    """Decimal dollars -> integer 1/10000 dollars, exactly (an inexact price is an error)."""
    v = Decimal(text) * 10000
    if v != v.to_integral_value():
        raise SystemExit(f"{TAPE}: price {text} is not a whole number of 1/10000 dollars")
    return int(v)


def read_tape(root):
    trades = {s: [] for s in SYMBOLS}
    quotes = {s: [] for s in SYMBOLS}
    with open(os.path.join(root, TAPE)) as f:
        for line in f:
            if line.startswith("#"):
                continue
            p = line.rstrip("\n").split(",")
            ms = int(p[0]) // 1_000_000
            if ms < START_MS or ms >= END_MS or p[1] not in trades:
                continue
            if p[2] == "T":
                trades[p[1]].append((ms, e4(p[3]), int(p[4])))
            else:
                quotes[p[1]].append((ms, e4(p[3]), int(p[4]), e4(p[5]), int(p[6])))
    return trades, quotes


def build(root):
    trades, quotes = read_tape(root)
    files = {}
    for s in SYMBOLS:
        low = s.lower()
        seen, rows = set(), []
        for ms, px, size in trades[s]:
            if ms // BUCKET_MS in seen:
                continue
            seen.add(ms // BUCKET_MS)
            rows.append(f"{ms},{px},{size},Q,0,0\n")
        files[f"tick/20120621_{low}_Trade_Tick.csv"] = "".join(rows)
        last = {}
        for q in quotes[s]:
            last[q[0] // BUCKET_MS] = q
        rows = [f"{q[0]},{q[1]},{q[2]},{q[3]},{q[4]},Q,0,0\n" for _, q in sorted(last.items())]
        files[f"tick/20120621_{low}_Quote_Tick.csv"] = "".join(rows)
        bars = {}
        for ms, px, size in trades[s]:
            m = ms // 60_000 * 60_000
            b = bars.get(m)
            if b is None:
                bars[m] = [px, px, px, px, size]
            else:
                b[1], b[2], b[3], b[4] = max(b[1], px), min(b[2], px), px, b[4] + size
        files[f"minute/20120621_{low}_minute_trade.csv"] = "".join(
            f"{m},{b[0]},{b[1]},{b[2]},{b[3]},{b[4]}\n" for m, b in sorted(bars.items()))
        qbars = {}
        for ms, bid, bsz, ask, asz in quotes[s]:
            m = ms // 60_000 * 60_000
            b = qbars.get(m)
            if b is None:
                qbars[m] = [bid, bid, bid, bid, bsz, ask, ask, ask, ask, asz]
            else:
                b[1], b[2], b[3], b[4] = max(b[1], bid), min(b[2], bid), bid, bsz
                b[6], b[7], b[8], b[9] = max(b[6], ask), min(b[7], ask), ask, asz
        files[f"minute/20120621_{low}_minute_quote.csv"] = "".join(
            f"{m}," + ",".join(str(x) for x in b) + "\n" for m, b in sorted(qbars.items()))
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the files in the tree")
    args = ap.parse_args()
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    files = build(root)
    bad = 0
    for name, text in sorted(files.items()):
        path = os.path.join(root, OUT, name)
        if args.check:
            try:
                with open(path) as f:
                    same = f.read() == text
            except OSError:
                same = False
            if not same:
                print(f"{OUT}/{name}: differs from what the script makes", file=sys.stderr)
                bad = 1
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{OUT}/{name}: {text.count(chr(10))} rows")
    return bad


if __name__ == "__main__":
    sys.exit(main())
