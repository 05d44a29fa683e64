#!/usr/bin/env bash
# The README's test command (and .ci/run): installs what is missing, builds, and passes:
#   1. the include-direction check,
#   2. Release build: every unit and scenario test, with the shared data set (../shared/data),
#   3. ASan+UBSan build: every test but the kill -9 ones and those that run no Ballast binary,
#      with the shared data set hidden through $BALLAST_SHARED_DATA, as in a clone that has none,
#      then those that skipped for want of it, with it; then the FIX fuzz targets for a bounded
#      time (30 s each) (tests/fuzz),
#   4. TSan build: the threaded pieces on their own: queues, core loop and agent runner
#      (engine_thread_tests), the journal writer thread (journal_tests), the FIX sender thread's
#      loop (intent_sender_tests).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
# Each stage says how long it took (CI's budget is 30 minutes on 2 cores).
stage_start=$start
stage_done() {
  local now
  now=$(date +%s)
  echo "== ($1 took $((now - stage_start)) s)"
  stage_start=$now
}
# ctest runs twice as many tests at once as there are cores: a third of the suite's time is
# process-level tests waiting on wall-clock pacing (replayed market data, back-offs, SIGINT
# after N seconds), which leave the cores idle (measured on 2 cores: Release 246 s -> 167 s,
# ASan 345 s -> 269 s, every test passing). Tests that measure speed live in bench/, not here.
jobs=$(( $(nproc) * 2 ))
scripts/setup.sh --debian
# The Node.js tests' npm packages (interop, dashboard) install beside the Release build (npm ci was
# most of the setup stage), and are waited for before the first test runs.
mkdir -p build
scripts/setup.sh --npm >build/npm-setup.log 2>&1 &
npm_pid=$!
stage_done "setup"

echo "== include-direction check"
scripts/check_includes.sh
scripts/check_includes.sh --self-test
stage_done "include check"

# A sanitizer build compiles in the background, at the lowest CPU priority, while the tests of
# the build before it run: the tests get the CPU whenever they want it (CFS gives a nice-19 process
# about 1/70 of a core against them), and the compiler takes the time they leave idle waiting on
# wall-clock pacing. The build's output goes to its log, printed if it fails.
bg_pid=""
trap 'if [ -n "$bg_pid" ]; then kill -- -"$bg_pid" 2>/dev/null || true; fi
      kill "$npm_pid" 2>/dev/null || true' EXIT
bg_build() {  # flavour [cmake --build args...]: starts scripts/build.sh in its own process group
  local flavour=$1
  shift
  mkdir -p "build-$flavour"
  setsid nice -n 19 scripts/build.sh "$flavour" "$@" >"build-$flavour/build.log" 2>&1 &
  bg_pid=$!
}
wait_build() {  # flavour
  if ! wait "$bg_pid"; then
    bg_pid=""
    cat "build-$1/build.log"
    echo "== the $1 build failed (above)" >&2
    exit 1
  fi
  bg_pid=""
  tail -n 1 "build-$1/build.log"
}

echo "== Release build and tests (the ASan build compiles meanwhile, at the lowest priority)"
scripts/build.sh release
wait "$npm_pid" || { cat build/npm-setup.log; echo "== setup.sh --npm failed (above)" >&2; exit 1; }
cat build/npm-setup.log
stage_done "Release build"
bg_build asan
ctest --test-dir build --output-on-failure -j "$jobs"
stage_done "Release tests"

# A clone has no ../shared: the tests must pass (or skip, saying why) without it. Tests find the
# shared data set through $BALLAST_SHARED_DATA (default ../shared/data); pointing it at a directory
# that does not exist hides it. The Release pass above ran with it; the ASan pass below runs
# without it (every test but the kill -9 and no-binary ones: what a clone runs, under the
# sanitizers), so the suite is not run a third time. The no-binary tests of the directories that
# can see the shared set (found from their sources: those including tests/support/data_paths.hpp
# or naming BALLAST_SHARED_DATA; e.g. the shipped extracts' checks against their sources) run here
# without it, and the kill -9 tests read only the shipped data/.
no_shared="$PWD/build/no-shared-data"
if [ -d ../shared/data ]; then
  labels=""
  for d in $(grep -rlE 'data_paths\.hpp|market_data_test_support\.hpp|shared_data\(|BALLAST_SHARED_DATA' \
               tests --include='*.cpp' --include='*.hpp' --include=CMakeLists.txt |
             cut -d/ -f2 | sort -u | grep -vx support); do
    case "$d" in broker_sim) l=broker_sim ;; *) l="${d}_tests" ;; esac
    labels="${labels:+$labels|}$l"
  done
  echo "== Release no-binary tests without the shared data set (BALLAST_SHARED_DATA=<missing directory>): $labels"
  BALLAST_SHARED_DATA="$no_shared" \
    ctest --test-dir build --output-on-failure -j "$jobs" -L no_binary -L "^($labels)\$"
  stage_done "Release no-binary tests without the shared data"
else
  echo "== no ../shared/data here: the Release pass above already ran without it"
fi

echo "== ASan+UBSan build and tests (the TSan build compiles meanwhile, at the lowest priority)"
wait_build asan
stage_done "rest of the ASan build"
bg_build tsan --target engine_thread_tests journal_tests intent_sender_tests
# The kill -9 tests (label crash_tests: crash_test, journal_loss_test) run in the Release pass
# only: they SIGKILL the engine at random points to check what the journal kept, and a killed
# process never reaches a sanitizer report; the journal and recovery code they drive runs under
# ASan in journal_tests, the journal damage test (tools_tests) and the replay end-to-end tests
# (e2e_tests). They were 183 s of the ASan pass's test time. Tests labelled no_binary run no
# Ballast binary at all (python and node self-checks, the header compile checks, the data
# extracts' checks): the Release pass ran them; another 70 s of test time.
echo "== ASan tests, without the shared data set (BALLAST_SHARED_DATA=<missing directory>)"
# GoogleTest programs run whole (or in a few shards: cmake/BallastModule.cmake) and each process
# writes its XML report here; the tests that skipped are found in them below.
rm -rf build-asan/gtest-results
BALLAST_SHARED_DATA="$no_shared" \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE '^(crash_tests|no_binary)$' \
        --output-junit "$PWD/build-asan/tests_without_shared_data.xml"
if [ -d ../shared/data ]; then
  # Every test that skipped for want of the data (the whole-file readers of the shared set) runs
  # again under ASan with it, so no reader of real files goes without the sanitizers: CTest
  # entries that skipped (scripts, tests registered one by one), and the tests GoogleTest's
  # reports of the whole-program entries list as skipped (run by their program, filtered).
  skipped=$(python3 - "$PWD/build-asan/tests_without_shared_data.xml" <<'PY'
import re, sys, xml.etree.ElementTree as ET
names = [tc.get('name') for tc in ET.parse(sys.argv[1]).getroot().iter('testcase')
         if tc.get('status') == 'notrun' and tc.find('skipped') is not None]
print('|'.join(re.escape(n) for n in names))
PY
)
  if [ -n "$skipped" ]; then
    echo "== ASan tests that skipped without the shared data set, again with it"
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -R "^($skipped)\$"
  fi
  python3 - build-asan/gtest-results >build-asan/gtest-skipped.txt <<'PY'
import collections, glob, os, sys, xml.etree.ElementTree as ET
by_program = collections.defaultdict(list)
for f in sorted(glob.glob(os.path.join(sys.argv[1], '*.xml'))):
    program = os.path.basename(f).split('.')[0]
    for tc in ET.parse(f).getroot().iter('testcase'):
        if tc.get('result') == 'skipped':
            by_program[program].append(tc.get('classname') + '.' + tc.get('name'))
for program, names in sorted(by_program.items()):
    print(program, ':'.join(names))
PY
  while read -r program filter; do
    exe=$(find build-asan/tests -name "$program" -type f -perm -u+x | head -n 1)
    echo "== ASan: $program's tests that skipped without the shared data set, again with it"
    (cd "$(dirname "$exe")" &&
      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "./$program" --gtest_filter="$filter")
  done <build-asan/gtest-skipped.txt
fi
stage_done "ASan tests"

echo "== Fuzzing under ASan+UBSan: the FIX parser paths of the initiator and broker-sim, 30 s each, side by side"
# Seeded by the date: a day's runs are reproducible (a crash also leaves its input in build-asan/).
fuzz_pids=()
for t in initiator_fuzz broker_sim_fuzz; do
  build-asan/tests/fuzz/$t --seconds 30 --seed "$(date -u +%Y%m%d)" --crash-dir build-asan \
    tests/fuzz/seeds tests/data/fix_logs >"build-asan/$t.log" 2>&1 &
  fuzz_pids+=($!)
done
fuzz_failed=0
for k in 0 1; do
  t=$([ $k = 0 ] && echo initiator_fuzz || echo broker_sim_fuzz)
  if ! wait "${fuzz_pids[$k]}"; then fuzz_failed=1; fi
  cat "build-asan/$t.log"
done
[ "$fuzz_failed" = 0 ] || { echo "== fuzzing found a failure (above)" >&2; exit 1; }
stage_done "fuzzing"

echo "== TSan build: queues, core loop, journal writer, FIX sender loop"
wait_build tsan
stage_done "rest of the TSan build"
ctest --test-dir build-tsan --output-on-failure -L "^(engine_thread_tests|journal_tests|intent_sender_tests)\$"
stage_done "TSan tests"

echo "== all checks passed in $(( $(date +%s) - start )) s"
