// Kernel-level tests: the kernel built as `ballast run` builds it (typed Settings from YAML plus
// load_market_context on the shipped daily closes), offline on the market clock, and the broker
// reports a test answers its orders with.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

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

/// Working tables sized for one small test desk (16,384 children, 1,024 parents, a why-log of
/// 16,384 lines): a kernel quicker to build than with `run`'s defaults, for tests that build many.
inline kernel::KernelOptions small_tables() {
  kernel::KernelOptions o;
  o.max_children = 1u << 14;
  o.max_parents = 1u << 10;
  o.max_exec_ids_per_day = 1u << 14;
  o.why_log_lines = 1u << 14;
  return o;
}

/// An offline kernel on the market clock (as fast as fed) built from `s`; `o` may set table
/// sizes (default: small_tables(); `run`'s own sizes take about a second to build, faulting in
/// hundreds of MB). Errors: the context or the kernel refused.
inline Result<std::unique_ptr<kernel::Kernel>> offline_kernel(
    const config::Settings& s, kernel::KernelOptions o = small_tables()) {
  auto ctx = kernel_context(s);
  if (!ctx) return ctx.error();
  o.offline = true;
  o.market_clock = true;
  o.market_clock_speed = 0;
  o.market = std::move(ctx.value());
  return kernel::Kernel::create(s, std::move(o));
}

/// Settings from YAML text through the config module's loader (as `ballast run` reads its file);
/// every diagnostic fails the test.
inline std::optional<config::Settings> settings_of(const std::string& yaml,
                                                   const std::string& name = "test desk") {
  auto loaded = config::load_string(yaml, name);
  for (const auto& d : loaded.diagnostics) ADD_FAILURE() << config::format(d);
  if (!loaded.ok()) return std::nullopt;
  return std::move(*loaded.settings);
}

/// A market context given in code, for desks whose instruments are not in the shipped closes:
/// the covariance, every instrument's ADV (`adv`; Qty{}: unknown) and, when not empty, a volume
/// profile per instrument.
inline kernel::MarketContext context_of(Eigen::MatrixXd covariance, Qty adv = Qty{},
                                        std::vector<VolumeProfile> profiles = {}) {
  kernel::MarketContext c;
  c.adv.assign(static_cast<std::size_t>(covariance.rows()), adv);
  c.covariance = std::move(covariance);
  c.profiles = std::move(profiles);
  return c;
}

/// An offline kernel on the market clock (as fast as fed) from `s` and the context `ctx`.
inline Result<std::unique_ptr<kernel::Kernel>> offline_kernel(
    const config::Settings& s, kernel::MarketContext ctx,
    kernel::KernelOptions o = small_tables()) {
  o.offline = true;
  o.market_clock = true;
  o.market_clock_speed = 0;
  o.market = std::move(ctx);
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

/// The broker's confirmation of cancel `c` of the held order `s` (ExecType and OrdStatus
/// Canceled), with the order's filled quantity `cum`.
inline ExecutionReported canceled_of(const SubmitOrder& s, const CancelOrder& c,
                                     const std::string& exec_id, Qty cum = Qty{}) {
  ExecutionReported r{};
  r.order = c.order;
  r.orig_order = c.orig_order;
  r.session = c.session;
  r.side = s.side;
  r.exec_type = ExecType::kCanceled;
  r.status = OrdStatus::kCanceled;
  r.cum_qty = cum;
  r.exec_id.assign(exec_id);
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

/// Drives an offline kernel on the market clock in simulated time against a broker stand-in
/// that acknowledges and fills every order it is sent, at once and in full at its limit (the
/// stand-in of the hand-wired scenario tests, now outside the engine: its reports go in through
/// feed_offline as the FIX bridge's would). Timers fire at their due times (a quiet stretch
/// moves the market clock to each), each answered before the next.
struct InstantBrokerDriver {
  kernel::Kernel& k;
  std::vector<SubmitOrder> received;     ///< every order sent, in order
  std::vector<ExecutionReported> fills;  ///< every fill report fed back
  std::size_t other_intents = 0;         ///< cancels, replaces, status requests (left unanswered)
  /// Every fill reported, net of busts: + sold, - bought (limit x qty, half-even).
  Money traded{};
  /// Called after every input the kernel took (a quote, a timer stretch, each broker report),
  /// before the broker answers it, with the events the components emitted for it (triggers,
  /// proposals, denials, intents) and the time.
  std::function<void(const std::vector<Event>&, Timestamp)> after_input;
  std::uint64_t exec_seq = 0;
  std::vector<Event> intents;
  std::vector<Event> emitted;

  explicit InstantBrokerDriver(kernel::Kernel& kernel) : k(kernel) { k.observe_offline(&emitted); }
  ~InstantBrokerDriver() { k.observe_offline(nullptr); }
  InstantBrokerDriver(const InstantBrokerDriver&) = delete;
  InstantBrokerDriver& operator=(const InstantBrokerDriver&) = delete;

  /// Moves the clock to `t` (the timers due by then at their own times), then feeds `e`.
  void at(Timestamp t, const Event& e) {
    run_until(t);
    k.feed_offline(e, t, intents);
    took(t);
    answer(t);
  }
  /// Fires every timer due by `t`, each at its due time, and answers what they send.
  void run_until(Timestamp t) {
    while (const auto due = k.next_timer_due_offline()) {
      if (*due > t) break;
      k.advance_market_clock_offline(*due, intents);
      took(*due);
      answer(*due);
    }
    k.advance_market_clock_offline(t, intents);
    took(t);
    answer(t);
  }
  /// Feeds a broker report of the test's own (a bust, a correction) at `t`.
  void report(Timestamp t, const ExecutionReported& r) {
    k.feed_offline(r, t, intents);
    took(t);
    answer(t);
  }
  /// Answers the intents sent so far (and those the answers bring) at `t`.
  void answer(Timestamp t) {
    while (!intents.empty()) {
      std::vector<Event> in_flight;
      in_flight.swap(intents);
      for (const Event& e : in_flight) {
        const auto* s = std::get_if<SubmitOrder>(&e);
        if (s == nullptr) {
          ++other_intents;
          continue;
        }
        received.push_back(*s);
        const ExecutionReported ack = ack_of(*s, "A" + std::to_string(++exec_seq));
        k.feed_offline(ack, t, intents);
        took(t);
        const ExecutionReported fill = fill_of(*s, "F" + std::to_string(++exec_seq));
        fills.push_back(fill);
        const Money n = notional(s->limit, s->qty, Rounding::kHalfEven);
        traded += s->side == Side::kBuy ? Money{} - n : n;
        k.feed_offline(fill, t, intents);
        took(t);
      }
    }
  }

 private:
  void took(Timestamp t) {
    if (after_input) after_input(emitted, t);
    emitted.clear();
  }
};

}  // namespace ballast::test
