#!/usr/bin/env bash
# Many short same-run comparisons of two builds' tick-to-order benchmark, alternating, for a VM
# whose speed drifts (docs/BENCHMARKS.md): N pairs of (PREV, NEW) runs, each case A 20,000
# samples and case B 1,500 per variant. Then: scripts/bench_pairs.py OUT_DIR
#   usage: scripts/bench_alternate.sh PREV_ROOT NEW_ROOT OUT_DIR [N=8]
set -u
prev=${1:?usage: bench_alternate.sh PREV_ROOT NEW_ROOT OUT_DIR [N]}; new=${2:?}; out=${3:?}; n=${4:-8}
mkdir -p "$out"
for i in $(seq 1 "$n"); do
  for side in prev new; do
    dir=$prev; [ $side = new ] && dir=$new
    (cd "$dir/build" && bench/tick_to_order_bench --samples-a 20000 --samples-b 1500 --runs 1 \
       > "$out/t2o_${side}_$i.txt" 2>&1)
  done
done
