#!/usr/bin/env python3
# Pairwise comparison of a scripts/bench_alternate.sh output directory: per case, the median p50
# of each side and the median of the per-pair ratios new/prev (each pair ran back to back, so a
# slow spell of the VM hits both). Usage: scripts/bench_pairs.py OUT_DIR
import glob, os, statistics, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_medians import parse  # noqa: E402 (one parser for both scripts)

out = sys.argv[1]
pairs = {}
for f in sorted(glob.glob(os.path.join(out, 't2o_prev_*.txt'))):
    i = f.rsplit('_', 1)[1][:-4]
    g = os.path.join(out, f't2o_new_{i}.txt')
    if not os.path.exists(g): continue
    p, n = parse(f), parse(g)
    for k in p:
        if k in n: pairs.setdefault(k, []).append((p[k], n[k]))
for k, v in sorted(pairs.items()):
    r = statistics.median(b / a for a, b in v)
    print(f'{k:20s} prev p50 median {statistics.median(a for a, _ in v):>10.0f}  '
          f'new {statistics.median(b for _, b in v):>10.0f}  pairwise new/prev median {r:.3f} '
          f'({100 * (r - 1):+.1f} %), {len(v)} pairs')
