// The market-data filter: the one component that writes MarketState. First in the component
// chain, so every component after it reads the marks the event in hand produced.
#pragma once

#include <chrono>
#include <cstdint>

#include "ballast/core/events.hpp"
#include "ballast/engine/market_state.hpp"
#include "ballast/engine/outbox.hpp"

namespace ballast {

/// Applies quotes, trades and bars to MarketState (its rules: held-back updates become
/// MarketDataHeld events) and, on its own interval timer, reports marks gone stale
/// (MarketDataHeld kStale). What an update did to the instrument's mark is
/// MarketState::last_change() until the next update: the drift monitor, after it in the chain,
/// reacts to it. Components downstream also see the filter's TimerFired (owner kTimerOwner,
/// cookie kStaleCookie) after the stale marks are reported (the drift monitor re-checks the
/// accounts waiting for a price then).
///
/// Thread: the core thread only. No allocation per event.
class MarketDataFilter {
 public:
  /// Owner tag of the filter's timer ("MDFL") and the stale check's cookie.
  static constexpr std::uint32_t kTimerOwner = 0x4D44464C;
  static constexpr std::uint64_t kStaleCookie = 1;

  /// `vol_lookback_days` > 0: daily bars feed realised volatility over that many returns
  /// (DriftMonitor::vol_lookback_days of the trigger profiles). The market state must outlive
  /// the filter.
  explicit MarketDataFilter(MarketState& market, int vol_lookback_days = 0,
                            Duration stale_check_every = std::chrono::seconds(1));

  void on_event(const Event& e, Timestamp now, Outbox& out);

  /// The timer id of the stale check (tests).
  static TimerId stale_timer() noexcept {
    return TimerId{(static_cast<std::uint64_t>(kTimerOwner) << 32) | kStaleCookie};
  }

 private:
  void schedule(Timestamp now, Outbox& out);

  MarketState& market_;
  Duration every_;
  bool started_ = false;
};

}  // namespace ballast
