#!/usr/bin/env bash
# Builds Release and runs every benchmark, each comparing against its baseline in the same run.
# Results go to stdout and to build/bench-results/ (JSON where the benchmark writes it).
#   tools/run_benchmarks.sh            all benchmarks, full size
#   tools/run_benchmarks.sh --quick    smaller runs (a smoke test: numbers are not comparable)
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[[ "${1:-}" == "--quick" ]] && quick=1
scripts/build.sh release --target queue_hop_bench drift_bench optimizer_bench slicer_bench compliance_bench tick_to_order_bench journal_bench fix_path_bench >/dev/null
mkdir -p build/bench-results
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== queue hop (issue 2)"
if ((quick)); then
  build/bench/queue_hop_bench --samples 20000 --messages 500000 --json build/bench-results/queue_hop.json || true
else
  build/bench/queue_hop_bench --json build/bench-results/queue_hop.json || true
fi
echo "== drift monitor (issue 3)"
if ((quick)); then
  build/bench/drift_bench --accounts 10000 --ticks 2000 || true
else
  build/bench/drift_bench || true
fi
echo "== rebalancing optimizer (issue 4), cvxopt in the same run"
if ((quick)); then
  (cd build && bench/optimizer_bench --quick --no-cvxopt) || true
else
  (cd build && bench/optimizer_bench) || true
fi
echo "== slicer decisions (issue 5)"
build/bench/slicer_bench || true
echo "== compliance check (issue 5)"
build/bench/compliance_bench || true
echo "== journal append and read (issue 7)"
build/bench/journal_bench || true
echo "== tick to order (issue 6, benchmark 2)"
if ((quick)); then
  build/bench/tick_to_order_bench --quick --json build/bench-results/tick_to_order.json || true
else
  build/bench/tick_to_order_bench --json build/bench-results/tick_to_order.json || true
fi
echo "== FIX path, raw QuickFIX vs Ballast (issue 6, benchmark 1)"
if ((quick)); then
  build/bench/fix_path_bench --quick --json build/bench-results/fix_path.json || true
else
  build/bench/fix_path_bench --json build/bench-results/fix_path.json || true
fi
echo "== tick to order with a dashboard connected, live kernel (issue 17)"
if ((quick)); then
  build/bench/fix_path_bench --dashboard --rounds 1 --slices 1 --slice-seconds 2 --no-check \
    --json build/bench-results/dashboard.json || true
else
  build/bench/fix_path_bench --dashboard --json build/bench-results/dashboard.json || true
fi
