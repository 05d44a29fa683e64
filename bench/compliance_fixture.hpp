// Child orders and compliance states for the compliance-check benchmarks (compliance_bench and
// micro_bench): random orders that pass every rule (the worst case, nothing short-circuits), with
// the limits and the clock they are checked against.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "ballast/risk/compliance.hpp"

namespace ballast::bench {

struct ComplianceCase {
  ChildOrderProposed o;
  ComplianceState s;
};

/// The time every case is checked at.
inline constexpr Timestamp kComplianceNow{1'700'000'000'000'000'000};

/// `n` cases; every state points at `recent` (four earlier orders of another account).
inline std::vector<ComplianceCase> make_compliance_cases(std::array<RecentOrder, 4>& recent,
                                                         std::size_t n) {
  std::mt19937_64 rng(7);
  auto in = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  const Timestamp now = kComplianceNow;
  for (auto& r : recent)
    r = RecentOrder{now, AccountId{99}, InstrumentId{0}, Side::kBuy, Qty{1}, Price{1}};
  std::vector<ComplianceCase> cases(n);
  for (auto& c : cases) {
    c.o.side = in(0, 1) ? Side::kBuy : Side::kSell;
    c.o.type = OrdType::kLimit;
    c.o.account = AccountId{static_cast<std::uint32_t>(in(0, 1000))};
    c.o.instrument = InstrumentId{static_cast<std::uint32_t>(in(0, 499))};
    const std::int64_t ref = in(10, 500) * 1'000'000'000;
    c.o.qty = Qty{in(1, 1000) * 1'000'000};
    c.o.limit = Price{ref + in(-ref / 100, ref / 100)};
    c.s.reference = Price{ref};
    c.s.reference_time = Timestamp{now.ns - in(0, 1'000'000'000)};
    c.s.adv = Qty{in(100'000, 10'000'000) * 1'000'000};
    c.s.position = Qty{in(1000, 100'000) * 1'000'000};
    c.s.cash = Money{in(1'000'000, 100'000'000) * 1'000'000};
    c.s.nav = Money{in(1'000'000'000, 2'000'000'000) * 1'000'000};
    c.s.asset_class = static_cast<AssetClass>(in(0, 1));
    c.s.open_orders = static_cast<std::uint32_t>(in(0, 4));
    c.s.session_orders_last_s = static_cast<std::uint32_t>(in(0, 49));
    c.s.recent = recent.data();
    c.s.recent_count = 4;
  }
  return cases;
}

/// The limits the cases are checked against: every rule on (order size and notional, daily
/// gross, a 50 % equity class cap besides the defaults).
inline ComplianceLimits compliance_bench_limits() {
  ComplianceLimits lim;
  lim.max_order_qty_raw = 1'000'000'000'000;
  lim.max_order_notional_raw = 1'000'000'000'000'000;
  lim.daily_gross_limit_raw = INT64_MAX / 2;
  lim.class_weight_ppb[0] = kPpb / 2;
  return lim;
}

}  // namespace ballast::bench
