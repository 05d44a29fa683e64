// Shared builders for the drift-monitor tests: a small universe, models, accounts and events.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "ballast/core/exchange_time.hpp"
#include "ballast/core/instrument.hpp"
#include "ballast/engine/drift_monitor.hpp"
#include "ballast/engine/market_data_filter.hpp"

namespace ballast::test {

using namespace std::chrono_literals;

inline Price px(const char* s) {
  return Price::parse(s).value();
}
inline Qty qty(const char* s) {
  return Qty::parse(s).value();
}
inline Money money(const char* s) {
  return Money::parse(s).value();
}

/// 2024-03-05 (a Tuesday, EST) at hh:mm New York time, as UTC.
inline Timestamp ny(int hh, int mm, int day = 5, int month = 3) {
  using namespace std::chrono;
  return us_eastern_to_utc(
      year_month_day{year{2024}, std::chrono::month{static_cast<unsigned>(month)},
                     std::chrono::day{static_cast<unsigned>(day)}},
      hh * 60 + mm);
}

inline QuoteUpdated quote(InstrumentId i, const char* bid, const char* ask, Timestamp t,
                          const char* size = "100") {
  QuoteUpdated q{};
  q.hdr.event_time = t;
  q.instrument = i;
  q.bid = px(bid);
  q.ask = px(ask);
  q.bid_size = qty(size);
  q.ask_size = qty(size);
  return q;
}

inline TradePrinted trade(InstrumentId i, const char* price, Timestamp t,
                          const char* size = "100") {
  TradePrinted tr{};
  tr.hdr.event_time = t;
  tr.instrument = i;
  tr.price = px(price);
  tr.size = qty(size);
  return tr;
}

/// Trigger settings with every condition and gate off except what a test turns on.
inline TriggerConfig quiet_triggers() {
  TriggerConfig t;
  t.absolute.enabled = false;
  t.relative.enabled = false;
  t.calendar.enabled = false;
  t.volatility_adaptive.enabled = false;
  t.cash_flow.enabled = false;
  t.tracking_error.enabled = false;
  t.cool_down = Duration{0};
  t.rearm_fraction = 1.0;
  t.trading_hours.start = TimeOfDay{0};
  t.trading_hours.end = TimeOfDay{24 * 60};
  t.cost_benefit.enabled = false;
  return t;
}

/// Two instruments, SPY (equity) and AGG (bonds), marked at mid; a 60/40 model.
struct Desk {
  InstrumentTable instruments;
  InstrumentId spy, agg;
  MarketDataQualityConfig quality;
  MarketState market;
  PortfolioBook book;

  explicit Desk(MarketDataQualityConfig q = default_quality())
      : instruments(make_instruments()),
        spy(instruments.find("SPY")),
        agg(instruments.find("AGG")),
        quality(q),
        market(instruments.size(), q),
        book(instruments.size()) {}

  static MarketDataQualityConfig default_quality() {
    MarketDataQualityConfig q;
    q.stale_after = std::chrono::hours(24 * 365);
    q.max_move_bps = 5'000;
    q.mark = MarkPolicy::kMid;
    return q;
  }
  static InstrumentTable make_instruments() {
    InstrumentTable t;
    (void)t.add({.symbol = "SPY"});
    (void)t.add({.symbol = "AGG", .asset_class = AssetClass::kFixedIncome});
    return t;
  }
  ModelId model_60_40(double cash = 0.0) {
    Model m;
    m.key = "60-40";
    m.instruments = {spy, agg};
    m.weights = {0.6 - cash, 0.4};
    m.cash_weight = cash;
    return book.add_model(m).value();
  }
  /// Prices both instruments (SPY 100, AGG 100 mid) through the market state directly.
  void price_all(Timestamp t, const char* spy_mid = "100", const char* agg_mid = "100") {
    Outbox out;
    (void)market.on_quote(quote(spy, spy_mid, spy_mid, t), t, out);
    (void)market.on_quote(quote(agg, agg_mid, agg_mid, t), t, out);
  }
  AccountId account(ModelId m, const char* spy_qty, const char* agg_qty, const char* cash = "0",
                    std::uint32_t profile = 0) {
    AccountSpec s;
    s.key = "ACC-" + std::to_string(book.accounts() + 1);
    s.model = m;
    s.cash = money(cash);
    if (qty(spy_qty).raw != 0) s.positions.push_back({spy, qty(spy_qty)});
    if (qty(agg_qty).raw != 0) s.positions.push_back({agg, qty(agg_qty)});
    s.trigger_profile = profile;
    return book.add_account(s, market).value();
  }
};

/// Collects events of one type from an outbox.
template <class T>
std::vector<T> of_type(const Outbox& out) {
  std::vector<T> v;
  for (const auto& e : out) {
    if (const auto* p = std::get_if<T>(&e)) v.push_back(*p);
  }
  return v;
}

/// A drift monitor behind the market-data filter that writes the market state for it, as in the
/// kernel's chain: on_event hands the event to the filter, then to the monitor. Tests of the
/// monitor alone use it; everything else of DriftMonitor is inherited.
class FilteredMonitor : public DriftMonitor {
 public:
  FilteredMonitor(PortfolioBook& book, MarketState& market, std::vector<TriggerConfig> profiles,
                  const TrackingErrorModel* te_model = nullptr, Options opt = {})
      : DriftMonitor(book, market, profiles, te_model, opt),
        filter_(market, DriftMonitor::vol_lookback_days(profiles)) {}
  void on_event(const Event& e, Timestamp now, Outbox& out) {
    filter_.on_event(e, now, out);
    DriftMonitor::on_event(e, now, out);
  }

 private:
  MarketDataFilter filter_;
};

}  // namespace ballast::test
