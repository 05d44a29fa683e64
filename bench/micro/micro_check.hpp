// Wrong results in micro_bench: a benchmark whose answer is wrong calls fail(), which marks it
// errored in the report and makes the program exit 1 (Google Benchmark 1.7 reports
// SkipWithError but still exits 0). C++14: the FIX codec benchmarks include it too.
#pragma once

#include <benchmark/benchmark.h>

namespace ballast {
namespace micro {

/// Counts one wrong result (thread-safe).
void note_failure() noexcept;
/// Wrong results seen so far.
int failures() noexcept;

/// Marks `state` errored with `why` (a literal: Google Benchmark keeps the text) and counts it.
/// The caller leaves its timing loop right after.
inline void fail(benchmark::State& state, const char* why) {
  note_failure();
  state.SkipWithError(why);
}

}  // namespace micro
}  // namespace ballast
