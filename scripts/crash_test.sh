#!/usr/bin/env bash
# The full crash test of issue 7: 20 SIGKILLs at random points of the demo scenario (CI runs 5,
# as ctest -L crash_tests). Needs a built tree: scripts/test.sh or
#   cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C build ballast
# Usage: scripts/crash_test.sh [kills=20] [seed=1]   (about 2-3 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
exec python3 tests/crash/crash_test.py --ballast "$BUILD/tools/ballast" --kills "${1:-20}" \
  --seed "${2:-1}" --until 11:00 --speed 60 --dir var/crash
