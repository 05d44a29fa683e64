#!/usr/bin/env bash
# Same-run comparison of two builds (PREV and NEW: repository roots with a Release build/), e.g.
# a worktree of the previous commit against this one,
# alternating A/B so load affects both alike.
set -u
prev=${1:?usage: bench_compare.sh PREV_ROOT NEW_ROOT OUT_DIR}; new=${2:?}; out=${3:?}; mkdir -p "$out"
for r in 1 2 3; do
  for side in prev new; do
    dir=$prev; [ $side = new ] && dir=$new
    (cd $dir/build && bench/tick_to_order_bench --samples-a 200000 --samples-b 2000 --runs 1 --json $out/t2o_${side}_$r.json > $out/t2o_${side}_$r.txt 2>&1)
  done
done
for r in 1 2 3; do
  for side in prev new; do
    dir=$prev; [ $side = new ] && dir=$new
    (cd $dir/build && bench/fix_path_bench --rounds 3 --json $out/fix_${side}_$r.json > $out/fix_${side}_$r.txt 2>&1)
  done
done
echo done > $out/DONE
