#!/usr/bin/python3
"""Independent reference values for tests/risk/covariance_test.cpp (numpy only; run with Debian's
/usr/bin/python3). Reads the classic 12 ETFs' total-return indices from ../shared/data, takes daily
log returns 2016-01-04..2019-12-31 and prints the Ledoit-Wolf (2004) shrinkage ingredients (the
same formulas as sklearn.covariance.ledoit_wolf, written out), the EWMA (lambda 0.94, weights
normalised to sum 1, zero mean) and the unbiased sample covariance entries the test checks.

Usage: tests/risk/ledoit_wolf_reference.py [DATA_DIR]   (default: <repo>/../shared/data)
"""
import csv
import math
import os
import sys

import numpy as np

SYMBOLS = ["SPY", "EFA", "EEM", "AGG", "TLT", "IEF", "LQD", "TIP", "GLD", "VNQ", "DBC", "SHY"]


def load(data_dir):
    path = os.path.join(data_dir, "daily/etf37_assetallocation/ETFs_TotalReturnIndices.csv")
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    cols = [header.index(s) for s in SYMBOLS]
    prices = []
    for r in rows[1:]:
        m, d, y = (int(x) for x in r[0].split("/"))
        if 20160101 <= y * 10000 + m * 100 + d <= 20191231:
            prices.append([float(r[c]) for c in cols])
    p = np.array(prices)
    return np.log(p[1:] / p[:-1])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    data_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../../shared/data")
    r = load(data_dir)
    t, n = r.shape
    x = r - r.mean(axis=0)
    s = x.T @ x / t
    mu = np.trace(s) / n
    d2 = np.sum((s - mu * np.eye(n)) ** 2) / n
    b2_bar = sum(np.sum((np.outer(xt, xt) - s) ** 2) / n for xt in x) / t**2
    b2 = min(b2_bar, d2)
    delta = b2 / d2
    shrunk = delta * mu * np.eye(n) + (1 - delta) * s
    lam = 0.94
    w = (1 - lam) * lam ** np.arange(t - 1, -1, -1) / (1 - lam**t)
    ewma = (r * w[:, None]).T @ r
    sample = np.cov(r, rowvar=False, ddof=1)
    print(f"rows {t} assets {n}")
    for name, v in [("intensity", delta), ("mu", mu), ("d2", d2), ("b2_bar", b2_bar)]:
        print(f"{name} {v!r}")
    for (i, j) in [(0, 0), (0, 4), (2, 9), (11, 11)]:
        print(f"shrunk[{i}][{j}] {shrunk[i, j]!r} ewma[{i}][{j}] {ewma[i, j]!r} "
              f"sample[{i}][{j}] {sample[i, j]!r}")


if __name__ == "__main__":
    main()
