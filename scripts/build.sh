#!/usr/bin/env bash
# Configures and builds one flavour:  scripts/build.sh release|asan|tsan [cmake --build args...]
#   release -> build/        (Release, program + tests + benchmarks)
#   asan    -> build-asan/   (ASan+UBSan at -O1 -g1, tests: -O0 -g took 23 min of CPU to build,
#                             mostly Eigen instantiations, and ran the wall-paced e2e tests at the edge
#                             of keeping up; -O1 -g1 is what ASan's docs advise and keeps file:line.
#                             Test code itself is at -O0: cmake/BallastModule.cmake)
#   tsan    -> build-tsan/   (TSan at -O1 -g1, tests; no precompiled header, so a source of its
#                             targets that forgets an #include the PCH supplies fails here)
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
shift || true
launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# ccache caches sources compiled with a precompiled header (cmake/BallastPch.cmake) only when told
# that the PCH's recorded macros and timestamps may be ignored (ccache manual, "Precompiled headers").
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
case "$flavour" in
  release) dir=build; opts=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan) dir=build-asan; opts=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DBALLAST_SANITIZE=address -DBALLAST_BUILD_BENCH=OFF) ;;
  tsan) dir=build-tsan; opts=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" -DBALLAST_SANITIZE=thread -DBALLAST_BUILD_BENCH=OFF -DBALLAST_PCH=OFF) ;;
  *) echo "build: unknown flavour '$flavour' (expected release, asan or tsan)" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" -G Ninja "${opts[@]}" "${launcher[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)" "$@"
