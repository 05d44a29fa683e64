// Kernel-level tests: the kernel built as `ballast run` builds it (typed Settings from YAML plus
// load_market_context on the shipped daily closes), offline on the market clock, and the broker
// reports a test answers its orders with.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "ballast/config/config.hpp"
#include "ballast/core/events.hpp"
#include "ballast/core/exchange_time.hpp"
#include "ballast/kernel/kernel.hpp"
#include "ballast/kernel/market_context.hpp"

namespace ballast::test {

/// Daily closes of AAPL, AMZN, GOOG and others up to 2012-06-20 (shipped, data/README.md).
inline const std::string kKernelCloses =
    std::string(BALLAST_SOURCE_DIR) + "/data/daily/pyportfolioopt_closes_2011-06-01_2012-06-20.csv";
/// The session of the shipped NASDAQ tape.
inline constexpr CivilDate kKernelSession{std::chrono::year{2012}, std::chrono::month{6},
                                          std::chrono::day{21}};

/// The market context `ballast run` would load for `s` on the session date.
inline Result<kernel::MarketContext> kernel_context(const config::Settings& s) {
  kernel::MarketContextInputs in;
  in.closes_path = kKernelCloses;
  in.session_date = kKernelSession;
  return kernel::load_market_context(s, in);
}

/// An offline kernel on the market clock (as fast as fed) built from `s`; `o` may set table
/// sizes. Errors: the context or the kernel refused.
inline Result<std::unique_ptr<kernel::Kernel>> offline_kernel(const config::Settings& s,
                                                              kernel::KernelOptions o = {}) {
  auto ctx = kernel_context(s);
  if (!ctx) return ctx.error();
  o.offline = true;
  o.market_clock = true;
  o.market_clock_speed = 0;
  o.market = std::move(ctx.value());
  return kernel::Kernel::create(s, std::move(o));
}

/// The broker's acknowledgement of `s` (ExecType New) under ExecID `exec_id`.
inline ExecutionReported ack_of(const SubmitOrder& s, const std::string& exec_id) {
  ExecutionReported r{};
  r.order = s.order;
  r.session = s.session;
  r.side = s.side;
  r.exec_type = ExecType::kNew;
  r.status = OrdStatus::kNew;
  r.leaves_qty = s.qty;
  r.exec_id.assign(exec_id);
  return r;
}

/// A fill of the whole of `s` at its limit (ExecType Trade, OrdStatus Filled).
inline ExecutionReported fill_of(const SubmitOrder& s, const std::string& exec_id) {
  ExecutionReported r = ack_of(s, exec_id);
  r.exec_type = ExecType::kTrade;
  r.status = OrdStatus::kFilled;
  r.last_qty = s.qty;
  r.last_px = s.limit;
  r.cum_qty = s.qty;
  r.leaves_qty = Qty{};
  r.avg_px = s.limit;
  return r;
}

/// A two-sided quote `half_cents` either side of `mid_cents` at `t`.
inline QuoteUpdated quote_of(InstrumentId i, Timestamp t, std::int64_t mid_cents,
                             std::int64_t half_cents = 1, std::int64_t size = 1'000) {
  QuoteUpdated q{};
  q.hdr.event_time = t;
  q.instrument = i;
  q.bid = Price::from_raw((mid_cents - half_cents) * (Price::kScale / 100));
  q.ask = Price::from_raw((mid_cents + half_cents) * (Price::kScale / 100));
  q.bid_size = q.ask_size = Qty::from_units(size);
  return q;
}

}  // namespace ballast::test
