#!/usr/bin/python3
"""Solves Ballast rebalancing problems with cvxopt, independently of the C++ optimizer.

Input (argv[1]): a text file of problems. Each problem:
  n
  sigma      n*n numbers (row-major, annualised)
  target     n
  current    n, then current_cash
  cost       n       (lambda_c applied: effective cost rate)
  impact     n       (lambda_m applied: effective impact)
  lower      n
  upper      n       (no-buy / no-sell already folded into the bounds)
  cash_buffer tracking_weight turnover_cap(or inf)
Output (argv[2]): one line per problem: status objective seconds w_1 ... w_n cash
(seconds: median wall time of building the matrices and solving, over argv[3] repetitions,
default 1).

Formulation (docs/optimizer.md, written here from scratch): variables x = (w, tau, c) with
tau_i >= |w_i - w0_i|;
  min  lt (w - t)' S (w - t) + sum cost_i tau_i + sum impact_i (w_i - w0_i)^2
  s.t. w - tau <= w0, -w - tau <= -w0, lower <= w <= upper, sum tau <= T, c >= buffer, c <= 1,
       sum w + c = 1.
"""
import sys
import time

import numpy as np
from cvxopt import matrix, solvers

solvers.options["show_progress"] = False
solvers.options["abstol"] = 1e-11
solvers.options["reltol"] = 1e-10
solvers.options["feastol"] = 1e-10
solvers.options["maxiters"] = 200


def solve(tokens):
    n = int(next(tokens))
    read = lambda k: np.array([float(next(tokens)) for _ in range(k)])
    S = read(n * n).reshape(n, n)
    t = read(n)
    w0 = read(n)
    c0 = float(next(tokens))
    cost = read(n)
    impact = read(n)
    lo = read(n)
    hi = read(n)
    buffer, lt, cap = float(next(tokens)), float(next(tokens)), float(next(tokens))
    N = 2 * n + 1
    P = np.zeros((N, N))
    P[:n, :n] = 2 * lt * S + 2 * np.diag(impact)
    q = np.zeros(N)
    q[:n] = -2 * lt * S @ t - 2 * impact * w0
    q[n:2 * n] = cost
    G, h = [], []
    I = np.eye(n)
    for sign in (1, -1):  # sign*(w - w0) - tau <= 0
        block = np.zeros((n, N))
        block[:, :n] = sign * I
        block[:, n:2 * n] = -I
        G.append(block)
        h.append(sign * w0)
    block = np.zeros((n, N)); block[:, :n] = I; G.append(block); h.append(hi)
    block = np.zeros((n, N)); block[:, :n] = -I; G.append(block); h.append(-lo)
    row = np.zeros((1, N)); row[0, 2 * n] = -1; G.append(row); h.append(np.array([-buffer]))
    row = np.zeros((1, N)); row[0, 2 * n] = 1; G.append(row); h.append(np.array([1.0]))
    if np.isfinite(cap):
        row = np.zeros((1, N)); row[0, n:2 * n] = 1; G.append(row); h.append(np.array([cap]))
    G = np.vstack(G)
    h = np.concatenate(h)
    A = np.zeros((1, N)); A[0, :n] = 1; A[0, 2 * n] = 1
    sol = solvers.qp(matrix(P), matrix(q), matrix(G), matrix(h), matrix(A), matrix([1.0]))
    x = np.array(sol["x"]).ravel()
    w, c = x[:n], x[2 * n]
    d = w - t
    obj = lt * d @ S @ d + cost @ np.abs(w - w0) + impact @ (w - w0) ** 2
    return sol["status"], obj, w, c


def main():
    words = open(sys.argv[1]).read().split()
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    tokens = iter(words)
    count = int(next(tokens))
    with open(sys.argv[2], "w") as out:
        for _ in range(count):
            start = list(tokens)  # the rest; re-read per repetition
            times = []
            for _ in range(reps):
                it = iter(start)
                t0 = time.perf_counter()
                status, obj, w, c = solve(it)
                times.append(time.perf_counter() - t0)
            tokens = it
            times.sort()
            out.write(" ".join([status.replace(" ", "_"), repr(obj), repr(times[len(times) // 2])]
                               + [repr(v) for v in w] + [repr(c)]) + "\n")


if __name__ == "__main__":
    main()
