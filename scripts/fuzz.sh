#!/usr/bin/env bash
# Fuzzes the FIX parser paths for longer than CI does (docs/fix_interop.md, "Fuzzing"):
#   scripts/fuzz.sh [initiator|broker_sim|both] [seconds per target, default 600] [--plain]
# With clang and libFuzzer installed (Debian: clang, libclang-rt-dev): coverage-guided libFuzzer
# under ASan+UBSan in build-fuzz/, corpus kept in var/fuzz/<target>/corpus between runs, crashes
# written to var/fuzz/<target>/. Otherwise (or with --plain): the plain mutation driver of the
# g++ ASan+UBSan build (build-asan/), as CI runs it, with a seed from the clock.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-both}
secs=${2:-600}
plain=${3:-}
case "$which" in
  initiator) targets=(initiator_fuzz) ;;
  broker_sim) targets=(broker_sim_fuzz) ;;
  both) targets=(initiator_fuzz broker_sim_fuzz) ;;
  *) echo "fuzz: unknown target '$which' (initiator, broker_sim or both)" >&2; exit 2 ;;
esac
seeds=(tests/fuzz/seeds tests/data/fix_logs)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

fuzzer_lib=$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a 2>/dev/null | head -1 || true)
if [[ -z "$plain" ]] && command -v clang++ >/dev/null 2>&1 && [[ -n "$fuzzer_lib" ]]; then
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ -DBALLAST_SANITIZE=address \
    -DBALLAST_FUZZ_LIBFUZZER=ON -DBALLAST_BUILD_BENCH=OFF \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" "${launcher[@]}" >/dev/null
  cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]}"
  scripts/build.sh release --target "${targets[@]}"  # its driver writes the seed corpus
  for t in "${targets[@]}"; do
    out=var/fuzz/$t
    mkdir -p "$out/corpus"
    build/tests/fuzz/$t --write-corpus "$out/corpus" "${seeds[@]}" >/dev/null
    echo "== $t: libFuzzer for $secs s (corpus $out/corpus, crashes in $out/)"
    build-fuzz/tests/fuzz/$t -max_total_time="$secs" -max_len=4096 -timeout=20 \
      -artifact_prefix="$out/" -print_final_stats=1 "$out/corpus"
  done
else
  scripts/build.sh asan --target "${targets[@]}"
  seed=$(date +%s)
  for t in "${targets[@]}"; do
    mkdir -p var/fuzz
    echo "== $t: plain driver for $secs s (seed $seed)"
    build-asan/tests/fuzz/$t --seconds "$secs" --seed "$seed" --crash-dir var/fuzz "${seeds[@]}"
  done
fi
