// Compliance check latency: the full rule set per child order against a no-check baseline that
// walks the same orders and states, in the same run. Per-order times come from batches of 64
// timed with steady_clock (a single check is too short to time alone).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "compliance_fixture.hpp"

using namespace ballast;

namespace {

constexpr std::size_t kOrders = 1u << 20;  // >= 1e6
constexpr std::size_t kBatch = 64;
constexpr int kRounds = 5;

using Case = bench::ComplianceCase;

double percentile(std::vector<double>& v, double p) {
  const std::size_t k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

template <class F>
std::vector<double> time_batches(const std::vector<Case>& cases, F&& per_order) {
  std::vector<double> ns;
  ns.reserve(kRounds * kOrders / kBatch);
  for (int round = 0; round < kRounds; ++round) {
    for (std::size_t b = 0; b < kOrders; b += kBatch) {
      const auto t0 = std::chrono::steady_clock::now();
      for (std::size_t k = b; k < b + kBatch; ++k) per_order(cases[k]);
      const auto t1 = std::chrono::steady_clock::now();
      ns.push_back(static_cast<double>((t1 - t0).count()) / kBatch);
    }
  }
  return ns;
}

}  // namespace

int main() {
  std::array<RecentOrder, 4> recent{};
  const std::vector<Case> cases = bench::make_compliance_cases(recent, kOrders);
  const ComplianceLimits lim = bench::compliance_bench_limits();
  const Timestamp now = bench::kComplianceNow;

  std::uint64_t sink = 0;
  std::uint64_t accepted = 0;
  // Baseline: the same loop and memory traffic (order and state read), no rules.
  auto baseline = [&](const Case& c) {
    sink += static_cast<std::uint64_t>(c.o.qty.raw ^ c.s.reference.raw ^ c.s.cash.raw);
    asm volatile("" : : "r"(sink) : "memory");
  };
  auto checked = [&](const Case& c) {
    const auto r = check(c.o, c.s, lim, now);
    accepted += !r.has_value();
    sink += static_cast<std::uint64_t>(c.s.cash.raw) + (r ? static_cast<unsigned>(*r) : 0u);
    asm volatile("" : : "r"(sink) : "memory");
  };
  // Warm up both, then measure interleaved so drift on a shared machine hits both alike.
  (void)time_batches(cases, baseline);
  (void)time_batches(cases, checked);
  std::vector<double> base = time_batches(cases, baseline);
  std::vector<double> chk = time_batches(cases, checked);

  const double b50 = percentile(base, 0.50), b99 = percentile(base, 0.99);
  const double c50 = percentile(chk, 0.50), c99 = percentile(chk, 0.99);
  const double added99 = c99 - b99;
  std::printf("compliance check, full rule set, %zu orders x %d rounds, batches of %zu\n", kOrders,
              kRounds, kBatch);
  std::printf("  accepted %.1f %% of orders (the rest stop at an earlier rule)\n",
              100.0 * static_cast<double>(accepted) / (2.0 * kRounds * kOrders));
  std::printf("  baseline (no check) ns/order: p50 %.2f  p99 %.2f\n", b50, b99);
  std::printf("  with check          ns/order: p50 %.2f  p99 %.2f\n", c50, c99);
  std::printf("  added               ns/order: p50 %.2f  p99 %.2f   target <= 100 ns p99: %s\n",
              c50 - b50, added99, added99 <= 100.0 ? "MET" : "MISSED");
  std::printf("  (sink %llu)\n", static_cast<unsigned long long>(sink));
  return 0;
}
