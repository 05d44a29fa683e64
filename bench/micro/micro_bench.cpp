// micro_bench: the engine's hot-path pieces under Google Benchmark (issue 14 item 8): compliance
// check, slicer decision, CRC32C, FIX codec encode/decode, optimizer warm re-solve. Each
// benchmark checks its answer and fails the run when it is wrong (micro_check.hpp).
// Run: scripts/micro_bench.sh (results in docs/bench/micro_bench.json, docs/BENCHMARKS.md).
#include <atomic>
#include <cstdio>

#include "micro_check.hpp"

namespace ballast::micro {

namespace {
std::atomic<int> g_failures{0};
}  // namespace

void note_failure() noexcept {
  g_failures.fetch_add(1, std::memory_order_relaxed);
}
int failures() noexcept {
  return g_failures.load(std::memory_order_relaxed);
}

}  // namespace ballast::micro

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  const std::size_t ran = benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (ballast::micro::failures() > 0) {
    std::fprintf(stderr, "micro_bench: %d benchmark(s) got a wrong result (see ERROR above)\n",
                 ballast::micro::failures());
    return 1;
  }
  if (ran == 0) {
    std::fprintf(stderr, "micro_bench: no benchmark matched the filter\n");
    return 1;
  }
  return 0;
}
