#!/usr/bin/env bash
# Google Benchmark micro-benchmarks (bench/micro/, issue 14 item 8): compliance check, slicer
# decision, CRC32C, FIX codec encode/decode, optimizer warm re-solve. Builds the Release target,
# runs it (5 repetitions, aggregates only) and writes docs/bench/micro_bench.json, with the
# commit measured in its context ("-dirty": uncommitted changes outside docs/), then prints the
# medians in ns per operation as a Markdown table (docs/BENCHMARKS.md).
#   scripts/micro_bench.sh [micro_bench flags...]   e.g. --benchmark_filter=Crc32c
# The ctest micro_bench_smoke runs every benchmark once, briefly, and fails on a wrong answer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release --target micro_bench >/dev/null
mkdir -p docs/bench
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no -- . ':!docs' 2>/dev/null)" ]; then
  commit="$commit-dirty"
fi
out=docs/bench/micro_bench.json
build/bench/micro_bench --benchmark_format=json --benchmark_out="$out" --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true --benchmark_context="commit=$commit" "$@" >/dev/null
python3 - "$out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
print(f"commit {doc['context'].get('commit', '?')}, {doc['context']['date']}, "
      f"load average {', '.join(f'{x:.2f}' for x in doc['context']['load_avg'])}")
print("| benchmark | median ns/op | cv |")
print("| --- | --- | --- |")
cv = {b["run_name"]: b["real_time"] for b in doc["benchmarks"] if b.get("aggregate_name") == "cv"}
for b in doc["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    ns = b["real_time"] * scale[b["time_unit"]]
    print(f"| {b['run_name']} | {ns:,.1f} | {100 * cv.get(b['run_name'], 0):.1f} % |")
PY
echo "JSON: $out"
