#!/usr/bin/env python3
"""Builds the small real-data extracts the tests and examples read, from the shared data set.

    scripts/make_test_data.py            # (re)write the extracts below
    scripts/make_test_data.py --check    # rebuild in memory, compare byte for byte, exit 1 on a diff

A clone has no ../shared/data; these extracts let its tests and examples run on their own
(provenance: data/README.md and tests/data/README.md). Every extract is rows of its source copied
byte for byte (line endings, byte-order mark, number text and "NA" cells included), selected by the
rule stated here; nothing is computed. Deterministic: the same inputs give the same bytes.

1. data/intraday/lobster_nasdaq_2012-06-21_0930-0935/<SYM>_2012-06-21_34200000_34500000_{message,
   orderbook}_1.csv for AAPL, AMZN, GOOG: the leading rows of LOBSTER's level-1 sample files whose
   message time is before 34500 s (09:35:00 ET), and the same number of orderbook rows (row k of
   the orderbook file is the book after message k). The name states the window, LOBSTER's way.
2. tests/data/daily/etf12_total_return_2005-01-03_2023-06-09.csv: the Date column and the classic
   12 ETFs' columns (SPY EFA EEM AGG TLT IEF LQD TIP GLD VNQ DBC SHY, in the source's column
   order) of AssetAllocation's ETFs_TotalReturnIndices.csv, rows dated 2005-01-01 or later.
3. tests/data/daily/etf37_total_return_2015-01-02_2017-12-29.csv: every column of the same file,
   rows dated 2015-01-01 to 2017-12-31.
4. tests/data/daily/pyportfolioopt_stocks_2015-01-02_2017-12-29.csv: every column of
   PyPortfolioOpt's tests_stock_prices_1989_2018.csv, rows dated 2015-01-01 to 2017-12-31.
5. data/volume_profiles/nasdaq_2012-06-21_aapl_amzn_goog_30min.csv (computed, the one exception):
   for each symbol, the share of its regular-session traded volume in each 30-minute bucket
   09:30-16:00 ET, from the whole-day LOBSTER message files (size of every type 4 or 5 row, by
   floor((time - 34200 s) / 1800 s)). Shares are exact integer ratios rounded half-even to 6
   decimals; the layout is VolumeProfile::load's (as ../shared/data/volume_profiles).
"""
import argparse
import datetime
import os
import sys

LOBSTER_IN = "intraday/lobster_nasdaq_2012-06-21/level1"
LOBSTER_OUT = "data/intraday/lobster_nasdaq_2012-06-21_0930-0935"
LOBSTER_SYMBOLS = ["AAPL", "AMZN", "GOOG"]
LOBSTER_END_S = 34500  # 09:35:00 ET, exclusive

ETF_IN = "daily/etf37_assetallocation/ETFs_TotalReturnIndices.csv"
CLASSIC12 = ["SPY", "EFA", "EEM", "AGG", "TLT", "IEF", "LQD", "TIP", "GLD", "VNQ", "DBC", "SHY"]
ETF12_OUT = "tests/data/daily/etf12_total_return_2005-01-03_2023-06-09.csv"
ETF37_OUT = "tests/data/daily/etf37_total_return_2015-01-02_2017-12-29.csv"
STOCKS_IN = "daily/pyportfolioopt/tests_stock_prices_1989_2018.csv"
STOCKS_OUT = "tests/data/daily/pyportfolioopt_stocks_2015-01-02_2017-12-29.csv"

PROFILE_OUT = "data/volume_profiles/nasdaq_2012-06-21_aapl_amzn_goog_30min.csv"

BOM = b"\xef\xbb\xbf"


class DataError(Exception):
    pass


def read_lines(path):
    """The file's lines with their terminators, as bytes."""
    with open(path, "rb") as f:
        return f.read().splitlines(keepends=True)


def lobster(shared):
    out = {}
    for sym in LOBSTER_SYMBOLS:
        base = os.path.join(shared, LOBSTER_IN, f"{sym}_2012-06-21_34200000_57600000_")
        msg = read_lines(base + "message_1.csv")
        book = read_lines(base + "orderbook_1.csv")
        if len(msg) != len(book):
            raise DataError(f"{sym}: message and orderbook files differ in length")
        n = 0
        while n < len(msg) and int(msg[n].split(b",")[0].split(b".")[0]) < LOBSTER_END_S:
            n += 1
        name = f"{sym}_2012-06-21_34200000_{LOBSTER_END_S * 1000}_"
        out[os.path.join(LOBSTER_OUT, name + "message_1.csv")] = b"".join(msg[:n])
        out[os.path.join(LOBSTER_OUT, name + "orderbook_1.csv")] = b"".join(book[:n])
    return out


def share_text(num, den):
    """num/den rounded half-even to 6 decimals, as text, with integers only."""
    q, r = divmod(num * 10**6, den)
    if 2 * r > den or (2 * r == den and q % 2 == 1):
        q += 1
    return f"{q // 10**6}.{q % 10**6:06d}"


def volume_profile(shared):
    out = ["symbol,bucket_start_ET,bucket_end_ET,n_days,mean_share_of_regular_session_volume\n"]
    for sym in LOBSTER_SYMBOLS:
        path = os.path.join(shared, LOBSTER_IN, f"{sym}_2012-06-21_34200000_57600000_message_1.csv")
        buckets = [0] * 13
        for line in read_lines(path):
            f = line.rstrip(b"\r\n").split(b",")
            if f[1] in (b"4", b"5"):
                b = (int(f[0].split(b".")[0]) - 34200) // 1800
                if not 0 <= b < 13:
                    raise DataError(f"{sym}: a trade outside 09:30-16:00")
                buckets[b] += int(f[3])
        total = sum(buckets)
        for b, v in enumerate(buckets):
            start, end = 570 + 30 * b, 600 + 30 * b
            out.append(f"{sym},{start // 60:02d}:{start % 60:02d},{end // 60:02d}:{end % 60:02d},1,"
                       f"{share_text(v, total)}\n")
    return {PROFILE_OUT: "".join(out).encode("ascii")}


def mdy(text):
    m, d, y = text.split("/")
    return datetime.date(int(y), int(m), int(d))


def etf(shared):
    lines = read_lines(os.path.join(shared, ETF_IN))
    if not lines[0].startswith(BOM):
        raise DataError(f"{ETF_IN}: expected a byte-order mark")
    head = lines[0][len(BOM):].rstrip(b"\r\n").decode("ascii").split(",")
    eol = lines[0][len(lines[0].rstrip(b"\r\n")):]
    cols = [0] + [i for i, name in enumerate(head) if name in CLASSIC12]
    if len(cols) != 13:
        raise DataError(f"{ETF_IN}: not every classic-12 column is there")
    twelve = [BOM + ",".join(head[i] for i in cols).encode("ascii") + eol]
    all37 = [lines[0]]
    for line in lines[1:]:
        body = line.rstrip(b"\r\n")
        if not body:
            continue
        cells = body.decode("ascii").split(",")
        d = mdy(cells[0])
        if d >= datetime.date(2005, 1, 1):
            twelve.append(",".join(cells[i] for i in cols).encode("ascii") + line[len(body):])
        if datetime.date(2015, 1, 1) <= d <= datetime.date(2017, 12, 31):
            all37.append(line)
    return {ETF12_OUT: b"".join(twelve), ETF37_OUT: b"".join(all37)}


def stocks(shared):
    lines = read_lines(os.path.join(shared, STOCKS_IN))
    keep = [lines[0]] + [l for l in lines[1:] if b"2015-01-01" <= l[:10] <= b"2017-12-31"]
    return {STOCKS_OUT: b"".join(keep)}


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared",
                    default=os.environ.get("BALLAST_SHARED_DATA")
                    or os.path.join(root, "..", "shared", "data"),
                    help="the shared data directory (default: $BALLAST_SHARED_DATA, else "
                         "../shared/data from the project root)")
    ap.add_argument("--check", action="store_true",
                    help="compare the files in the tree with a fresh build; write nothing")
    ap.add_argument("--skip-missing", action="store_true",
                    help="exit 77 (a skipped test for CTest) when the shared data set is absent")
    args = ap.parse_args()
    if args.skip_missing and not os.path.isdir(os.path.join(args.shared, LOBSTER_IN)):
        print(f"make_test_data: skipped: no shared data set at {args.shared}")
        return 77
    try:
        outputs = {**lobster(args.shared), **etf(args.shared), **stocks(args.shared),
                   **volume_profile(args.shared)}
    except (OSError, DataError, ValueError) as e:
        print(f"make_test_data: {e}", file=sys.stderr)
        return 2
    status = 0
    for rel, data in sorted(outputs.items()):
        path = os.path.join(root, rel)
        if args.check:
            try:
                with open(path, "rb") as f:
                    same = f.read() == data
            except OSError:
                same = False
            print(f"{'ok  ' if same else 'DIFF'} {rel}")
            status |= 0 if same else 1
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            lines = data.count(b"\n")
            print(f"wrote {rel} ({len(data)} bytes, {lines} lines)")
    return status


if __name__ == "__main__":
    sys.exit(main())
