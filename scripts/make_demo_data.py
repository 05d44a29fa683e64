#!/usr/bin/env python3
"""Builds the demo's market-data extracts in data/ from the shared data set (../shared/data).

    scripts/make_demo_data.py            # (re)write data/intraday/... and data/daily/...
    scripts/make_demo_data.py --check    # rebuild in memory, compare byte for byte, exit 1 on a diff

Outputs (deterministic: the same inputs give the same bytes, on any machine):

1. data/intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv -- one time-ordered "tape" of the
   LOBSTER NASDAQ 2012-06-21 level-1 sample files for AAPL, AMZN and GOOG (09:30-16:00 ET), in
   Ballast's tape format (docs/market_data.md, "Tape files and replay pacing"). Every trade print is
   kept; top-of-book quotes are thinned as stated in THINNING below (and in the file's header).
2. data/daily/pyportfolioopt_closes_2011-06-01_2012-06-20.csv -- daily adjusted closes of AAPL,
   AMZN, GOOG and SPY from PyPortfolioOpt's test data (MIT), in the wide "date,SYM,..." layout that
   load_daily_closes() reads. Cells are copied as text, unchanged.

No floating point is used: LOBSTER times and prices are converted as integers / text.
"""
import argparse
import os
import sys

SYMBOLS = ["AAPL", "AMZN", "GOOG"]  # also the order of events at equal times
DATE = "2012-06-21"
UTC_OFFSET = "-04:00"  # US/Eastern daylight time on 2012-06-21
LOBSTER_DIR = "intraday/lobster_nasdaq_2012-06-21/level1"
TAPE_OUT = "intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv"
BUCKET_NS = 2_000_000_000  # 2 s
SESSION_START_NS = 34_200 * 10**9  # 09:30
SESSION_END_NS = 57_600 * 10**9  # 16:00
DUMMY_ASK_E4 = 9_999_999_999
DUMMY_BID_E4 = -9_999_999_999

DAILY_DIR = "daily/pyportfolioopt"
DAILY_STOCKS = "tests_stock_prices_1989_2018.csv"
DAILY_SPY = "tests_spy_prices.csv"
DAILY_SYMBOLS = ["AAPL", "AMZN", "GOOG", "SPY"]
DAILY_FIRST = "2011-06-01"
DAILY_LAST = "2012-06-20"
DAILY_OUT = "daily/pyportfolioopt_closes_2011-06-01_2012-06-20.csv"

THINNING = [
    "Thinning (quotes only; every trade print is kept). Each symbol's rows are first made as",
    "Ballast's LobsterReader reads the LOBSTER files: a T row for each message of type 4 or 5",
    "(visible or hidden execution) at the message's price and size, then a Q row whenever the level-1",
    "book (bid, bid size, ask, ask size) changed, at the message's time. A Q row is kept when",
    "(a) the symbol's next row is a T row (the book the trade printed against), except a Q row that",
    "lies between two T rows of the symbol at the same nanosecond as both (the book between the fills",
    "of one order sweeping several resting orders); or (b) it is the symbol's last Q row in its 2 s",
    "bucket, floor(time_ns / 2000000000), so the book at the end of every 2 s with a change is kept.",
    "Other Q rows are dropped; then a kept Q row equal in all four values to the symbol's previous",
    "kept Q row is dropped too. Rows are in time order; at equal times AAPL, then AMZN, then GOOG,",
    "each symbol keeping its own order.",
]


class DataError(Exception):
    pass


def seconds_to_ns(text, where):
    """'34200.004241176' -> 34200004241176, exactly (at most 9 decimals)."""
    whole, dot, frac = text.partition(".")
    if not whole.isdigit() or (dot and (not frac.isdigit() or len(frac) > 9)):
        raise DataError(f"{where}: bad time '{text}'")
    return int(whole) * 10**9 + (int(frac.ljust(9, "0")) if dot else 0)


def e4_to_text(e4):
    """An integer in 1/10000 dollars as exact, shortest decimal text: 5853300 -> '585.33'."""
    sign = "-" if e4 < 0 else ""
    whole, frac = divmod(abs(e4), 10_000)
    frac_text = f"{frac:04d}".rstrip("0")
    return f"{sign}{whole}.{frac_text}" if frac_text else f"{sign}{whole}"


def lobster_rows(shared, symbol):
    """The symbol's events as LobsterReader emits them: (time_ns, 'T', price, size) and
    (time_ns, 'Q', bid, bid_size, ask, ask_size), prices in 1/10000 dollars."""
    base = os.path.join(shared, LOBSTER_DIR, f"{symbol}_{DATE}_34200000_57600000_")
    msg_path, book_path = base + "message_1.csv", base + "orderbook_1.csv"
    out = []
    last_book = None
    last_t = -1
    with open(msg_path, encoding="ascii") as msgs, open(book_path, encoding="ascii") as books:
        for n, (m, b) in enumerate(zip(msgs, books, strict=True), start=1):
            where = f"{os.path.basename(msg_path)}:{n}"
            f = m.rstrip("\r\n").split(",")
            g = b.rstrip("\r\n").split(",")
            if len(f) != 6 or len(g) < 4:
                raise DataError(f"{where}: unexpected field count")
            t = seconds_to_ns(f[0], where)
            if t < last_t:
                raise DataError(f"{where}: time goes back")
            last_t = t
            kind = int(f[1])
            if kind in (4, 5):
                out.append((t, "T", int(f[4]), int(f[3])))
            ask, ask_size, bid, bid_size = (int(x) for x in g[:4])
            if ask == DUMMY_ASK_E4:
                ask = ask_size = 0
            if bid == DUMMY_BID_E4:
                bid = bid_size = 0
            book = (bid, bid_size, ask, ask_size)
            if book != last_book:
                out.append((t, "Q") + book)
                last_book = book
    return out


def thin(rows):
    """Applies THINNING to one symbol's rows (in order); returns the rows kept."""
    # Bucket of the next Q row after each row (None: no Q row follows), by one backward pass.
    next_q_bucket = [None] * len(rows)
    bucket = None
    for i in range(len(rows) - 1, -1, -1):
        next_q_bucket[i] = bucket
        if rows[i][1] == "Q":
            bucket = rows[i][0] // BUCKET_NS
    kept = []
    last_q = None
    for i, r in enumerate(rows):
        if r[1] == "T":
            kept.append(r)
            continue
        t = r[0]
        prev_row = rows[i - 1] if i > 0 else None
        next_row = rows[i + 1] if i + 1 < len(rows) else None
        before_trade = next_row is not None and next_row[1] == "T"
        inside_sweep = (before_trade and prev_row is not None and prev_row[1] == "T"
                        and prev_row[0] == t and next_row[0] == t)
        last_in_bucket = next_q_bucket[i] != t // BUCKET_NS
        if not ((before_trade and not inside_sweep) or last_in_bucket):
            continue
        if last_q is not None and r[2:] == last_q[2:]:
            continue
        kept.append(r)
        last_q = r
    return kept


def make_tape(shared):
    per_symbol = {}
    source_counts = {}
    for s in SYMBOLS:
        rows = lobster_rows(shared, s)
        source_counts[s] = (
            sum(1 for r in rows if r[1] == "T"),
            sum(1 for r in rows if r[1] == "Q"),
        )
        per_symbol[s] = thin(rows)
    merged = []
    for k, s in enumerate(SYMBOLS):
        merged.extend((r[0], k, j, s, r) for j, r in enumerate(per_symbol[s]))
    merged.sort(key=lambda x: (x[0], x[1], x[2]))
    lines = []
    for t, _, _, s, r in merged:
        if not SESSION_START_NS <= t < SESSION_END_NS:
            raise DataError(f"{s}: time {t} outside 09:30-16:00")
        if r[1] == "T":
            lines.append(f"{t},{s},T,{e4_to_text(r[2])},{r[3]}\n")
        else:
            lines.append(f"{t},{s},Q,{e4_to_text(r[2])},{r[3]},{e4_to_text(r[4])},{r[5]}\n")

    header = [
        "# ballast tape v1\n",
        "# source: LOBSTER free sample files (https://lobsterdata.com), NASDAQ, level 1, 2012-06-21,\n",
        "#   AAPL AMZN GOOG, 09:30-16:00 (34200000-57600000 ms); ../shared/data/" + LOBSTER_DIR + "\n",
        "# licence: LOBSTER's free sample files, which the project may ship as extracts\n",
        "#   (../shared/data/README.md); made by scripts/make_demo_data.py, see data/README.md\n",
        f"# date: {DATE}\n",
        f"# utc_offset: {UTC_OFFSET}\n",
        "# time_zone: America/New_York (EDT); times are ns after local midnight on the date\n",
        "# rows: time_ns,symbol,Q,bid,bid_size,ask,ask_size | time_ns,symbol,T,price,size\n",
        "# prices: exact decimal dollars; sizes: shares; a side with price 0 and size 0 is empty\n",
    ]
    for s in SYMBOLS:
        trades = sum(1 for r in per_symbol[s] if r[1] == "T")
        quotes = sum(1 for r in per_symbol[s] if r[1] == "Q")
        st, sq = source_counts[s]
        header.append(
            f"# counts {s}: {trades} trades (source {st}), {quotes} quotes (source {sq} book changes)\n"
        )
    header.extend(f"# {line}\n" for line in THINNING)
    return "".join(header) + "".join(lines)


def read_wide(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = [line.rstrip("\r\n").split(",") for line in f]
    head = rows[0]
    return head, {r[0]: r for r in rows[1:]}


def make_daily(shared):
    stock_head, stock = read_wide(os.path.join(shared, DAILY_DIR, DAILY_STOCKS))
    spy_head, spy = read_wide(os.path.join(shared, DAILY_DIR, DAILY_SPY))
    dates = sorted(d for d in stock if DAILY_FIRST <= d <= DAILY_LAST)
    spy_dates = sorted(d for d in spy if DAILY_FIRST <= d <= DAILY_LAST)
    if dates != spy_dates:
        raise DataError(f"{DAILY_STOCKS} and {DAILY_SPY} have different dates in the range")
    out = ["date," + ",".join(DAILY_SYMBOLS) + "\n"]
    for d in dates:
        cells = []
        for s in DAILY_SYMBOLS:
            head, table = (spy_head, spy) if s == "SPY" else (stock_head, stock)
            cell = table[d][head.index(s)]
            if cell == "":
                raise DataError(f"{s} has no close on {d}")
            cells.append(cell)
        out.append(d + "," + ",".join(cells) + "\n")
    return "".join(out)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.path.join(root, "..", "shared", "data"),
                    help="the shared data directory (default: ../shared/data from the project root)")
    ap.add_argument("--out", default=os.path.join(root, "data"), help="output directory (data/)")
    ap.add_argument("--check", action="store_true",
                    help="compare the files in --out with a fresh build; write nothing")
    args = ap.parse_args()
    try:
        outputs = {TAPE_OUT: make_tape(args.shared), DAILY_OUT: make_daily(args.shared)}
    except (OSError, DataError, ValueError) as e:
        print(f"make_demo_data: {e}", file=sys.stderr)
        return 2
    status = 0
    for rel, text in outputs.items():
        path = os.path.join(args.out, rel)
        data = text.encode("ascii")
        if args.check:
            try:
                with open(path, "rb") as f:
                    same = f.read() == data
            except OSError:
                same = False
            print(f"{'ok  ' if same else 'DIFF'} {path}")
            status |= 0 if same else 1
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            print(f"wrote {path} ({len(data)} bytes, {text.count(chr(10))} lines)")
    return status


if __name__ == "__main__":
    sys.exit(main())
