// Latency histograms: how a thread records durations for readers on any thread (the operator's
// /metrics, docs/operator.md). Like a Counter (counters.hpp): one writer thread, readers load in
// place; recording is a scan over at most 16 edges and two relaxed stores, no allocation.
//
// Compiles as C++14 as well (base/ is shared with the FIX adapters).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "ballast/base/counters.hpp"

namespace ballast {

class LatencyHistogram {
 public:
  static constexpr std::size_t kMaxEdges = 16;

  /// `edges_ns`: the buckets' upper bounds in nanoseconds, ascending, at most kMaxEdges (more are
  /// ignored); one more bucket counts what is above the last.
  LatencyHistogram(std::initializer_list<std::int64_t> edges_ns) noexcept {
    for (const std::int64_t e : edges_ns) {
      if (n_ == kMaxEdges) break;
      edges_[n_++] = e;
    }
  }
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;

  /// One duration (negative counts as 0). The writer thread only.
  void record(std::int64_t ns) noexcept {
    if (ns < 0) ns = 0;
    std::size_t i = 0;
    while (i < n_ && ns > edges_[i]) ++i;
    ++buckets_[i];
    sum_ns_.add(static_cast<std::uint64_t>(ns));
  }

  std::size_t edges() const noexcept { return n_; }
  /// The upper bound of bucket i (i < edges()), in ns.
  std::int64_t edge(std::size_t i) const noexcept { return edges_[i]; }
  /// The count of bucket i (i <= edges(); edges() is the one above the last edge), not cumulative.
  std::uint64_t bucket(std::size_t i) const noexcept { return buckets_[i].value(); }
  std::uint64_t sum_ns() const noexcept { return sum_ns_.value(); }

 private:
  std::array<std::int64_t, kMaxEdges> edges_{};
  std::size_t n_ = 0;
  std::array<Counter, kMaxEdges + 1> buckets_{};
  Counter sum_ns_;
};

/// A histogram with its name and meaning, for readers by name (the operator's /metrics).
struct NamedHistogram {
  const char* name;  ///< "<prefix>.<name>", e.g. "engine.gate_check"
  const char* help;
  const LatencyHistogram* histogram;
};

}  // namespace ballast
