// Parents, market and configuration for the slicer-decision benchmarks (slicer_bench and
// micro_bench): `n` parents of 10,000-99,999 shares worked over six hours from 09:30, a one-cent
// market around 100.00, and the benchmark's market response to a decision.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

#include "ballast/execution/slicer.hpp"

namespace ballast::bench {

inline ExecutionConfig slicer_bench_config(ExecAlgo algo) {
  ExecutionConfig cfg;
  cfg.algo = algo;
  cfg.min_child_qty = Qty::from_units(100);
  return cfg;
}

inline std::vector<ParentState> make_slicer_parents(int n) {
  std::vector<ParentState> ps(static_cast<std::size_t>(n));
  std::mt19937_64 rng(3);
  for (auto& p : ps) {
    p.side = rng() % 2 ? Side::kBuy : Side::kSell;
    p.quantity = Qty::from_units(10'000 + static_cast<std::int64_t>(rng() % 90'000));
    p.arrival = Price::from_units(100);
    p.start = Timestamp{0};
    p.end = Timestamp{0} + std::chrono::hours(6);
    p.start_minute = 570;
    p.end_minute = 930;
  }
  return ps;
}

inline MarketSnapshot slicer_bench_snapshot() {
  MarketSnapshot m;
  m.bid = Price::parse("99.99").value();
  m.ask = Price::parse("100.01").value();
  m.tick = Price::parse("0.01").value();
  m.lot = Qty::from_units(1);
  return m;
}

/// The benchmark's market: a new or replaced child rests, and half of it fills before the next
/// event.
inline void apply_slice(ParentState& p, const SliceDecision& d) {
  if (d.action == SliceDecision::Action::kNew || d.action == SliceDecision::Action::kReplace) {
    p.working_limit = d.limit;
    p.filled += Qty{d.quantity.raw / 2};
    p.working = d.quantity - Qty{d.quantity.raw / 2};
  }
}

}  // namespace ballast::bench
