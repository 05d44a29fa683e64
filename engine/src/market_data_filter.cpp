// The market-data filter.
#include "ballast/engine/market_data_filter.hpp"

namespace ballast {

MarketDataFilter::MarketDataFilter(MarketState& market, int vol_lookback_days,
                                   Duration stale_check_every)
    : market_(market), every_(stale_check_every) {
  if (vol_lookback_days > 0) market_.set_vol_lookback(vol_lookback_days);
}

void MarketDataFilter::schedule(Timestamp now, Outbox& out) {
  ScheduleTimer t{};
  t.timer = stale_timer();
  t.due = now + every_;
  t.owner = kTimerOwner;
  t.cookie = kStaleCookie;
  out.emit(t);
}

void MarketDataFilter::on_event(const Event& e, Timestamp now, Outbox& out) {
  if (!started_) {
    started_ = true;
    schedule(now, out);
  }
  if (const auto* q = std::get_if<QuoteUpdated>(&e)) {
    (void)market_.on_quote(*q, now, out);
  } else if (const auto* t = std::get_if<TradePrinted>(&e)) {
    (void)market_.on_trade(*t, now, out);
  } else if (const auto* b = std::get_if<BarClosed>(&e)) {
    (void)market_.on_bar(*b, now, out);
  } else if (const auto* tf = std::get_if<TimerFired>(&e)) {
    if (tf->owner != kTimerOwner || tf->cookie != kStaleCookie) return;
    market_.check_stale(now, out);
    schedule(now, out);
  }
}

}  // namespace ballast
