// Shared builders for the compliance tests: an order and a state that pass every rule.
#pragma once

#include "ballast/risk/compliance.hpp"

namespace ballast::test {

inline Price px(const char* s) {
  return Price::parse(s).value();
}
inline Qty qty(const char* s) {
  return Qty::parse(s).value();
}
inline Money cash(const char* s) {
  return Money::parse(s).value();
}

inline constexpr Timestamp kNow{1'700'000'000'000'000'000};

/// Buy 100 @ 100.00, reference 100.00 fresh, well inside every limit.
inline ChildOrderProposed passing_order() {
  ChildOrderProposed o;
  o.order = OrderId{1};
  o.parent = OrderId{100};
  o.account = AccountId{0};
  o.instrument = InstrumentId{0};
  o.session = SessionId{0};
  o.side = Side::kBuy;
  o.type = OrdType::kLimit;
  o.qty = qty("100");
  o.limit = px("100");
  o.reference = px("100");
  return o;
}

inline ComplianceState passing_state() {
  ComplianceState s;
  s.reference = px("100");
  s.reference_time = kNow;
  s.adv = qty("1000000");
  s.position = qty("1000");
  s.cash = cash("1000000");
  s.nav = cash("10000000");
  return s;
}

inline ComplianceLimits default_limits() {
  ComplianceLimits l;
  l.max_order_qty_raw = qty("10000").raw;
  l.max_order_notional_raw = cash("500000").raw;
  l.daily_gross_limit_raw = cash("5000000").raw;
  l.default_weight_ppb = kPpb / 10;  // 10 %
  return l;
}

}  // namespace ballast::test
