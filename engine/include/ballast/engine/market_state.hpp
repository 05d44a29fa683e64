// Market state: the last good bid/ask/last and the mark of every instrument, behind a data-quality
// filter that holds back zero, crossed, outlier and stale prices and says so in an event.
#pragma once

#include <cstdint>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/engine/engine_config.hpp"
#include "ballast/engine/outbox.hpp"

namespace ballast {

/// What an accepted update did to an instrument's marks (long and short positions may be marked
/// differently under kBidForLongs).
struct MarkChange {
  bool changed = false;
  InstrumentId instrument{};  ///< the instrument the update was for
  Price old_long{};
  Price new_long{};
  Price old_short{};
  Price new_short{};
};

/// The part of an instrument's state the drift loop reads for every holding, packed in 32 bytes:
/// marks pre-scaled so that qty_raw x mark_e15 is the position's value in currency units.
struct HotMark {
  double long_e15 = 0;               ///< mark_long raw x 1e-15
  double short_e15 = 0;              ///< mark_short raw x 1e-15
  std::int64_t time_ns = INT64_MIN;  ///< mark time; INT64_MIN = no mark yet
  double half_spread = 0;            ///< half the quoted spread / mid; 0 without a 2-sided quote
};
static_assert(sizeof(HotMark) == 32);

/// Per-instrument market state. Thread: the core thread only. No allocation after construction.
///
/// Filter rules (docs/drift.md has the full statement):
///  - quotes: a zero/negative price or size on either side, or bid > ask, is held back (a locked
///    market, bid == ask, is accepted);
///  - trades and closes: a zero/negative price is held back (zero-size trades too);
///  - outlier: a candidate mark more than max_move_bps from the last good mark is held back; if the
///    next update's candidate is within max_move_bps of the held one it confirms the move and is
///    accepted; otherwise the held candidate is discarded;
///  - stale: a mark older than stale_after is stale; check_stale() reports each instrument once
///    when it goes stale; a fresh accepted update clears it.
/// The mark follows the policy: mid = (bid + ask) / 2 rounded half-even to 1e-9; last = last trade
/// or close; bid_for_longs = bid for long positions and ask for short ones.
class MarketState {
 public:
  MarketState(std::size_t instruments, const MarketDataQualityConfig& cfg);

  MarkChange on_quote(const QuoteUpdated& q, Timestamp now, Outbox& out);
  MarkChange on_trade(const TradePrinted& t, Timestamp now, Outbox& out);
  /// A bar close counts as a trade at the close price; daily bars also feed realised volatility.
  MarkChange on_bar(const BarClosed& b, Timestamp now, Outbox& out);
  /// Emits MarketDataHeld{kStale} for every instrument whose mark became stale since the last call.
  void check_stale(Timestamp now, Outbox& out);
  /// What the last on_quote/on_trade/on_bar did to its instrument's mark (changed false: held
  /// back, or no mark move): the market-data filter applies an update, the drift monitor after it
  /// in the chain reads this for the same event.
  const MarkChange& last_change() const noexcept { return last_; }

  bool has_mark(InstrumentId i) const noexcept { return s_[i.value].has_mark; }
  Price mark_long(InstrumentId i) const noexcept { return s_[i.value].mark_long; }
  Price mark_short(InstrumentId i) const noexcept { return s_[i.value].mark_short; }
  /// Mark for a position of sign `qty`.
  Price mark_for(InstrumentId i, std::int64_t qty_raw) const noexcept {
    return qty_raw >= 0 ? s_[i.value].mark_long : s_[i.value].mark_short;
  }
  Timestamp mark_time(InstrumentId i) const noexcept { return s_[i.value].mark_time; }
  bool is_fresh(InstrumentId i, Timestamp now) const noexcept {
    const auto& s = s_[i.value];
    return s.has_mark && now - s.mark_time <= cfg_.stale_after;
  }
  Price bid(InstrumentId i) const noexcept { return s_[i.value].bid; }
  Price ask(InstrumentId i) const noexcept { return s_[i.value].ask; }
  Price last(InstrumentId i) const noexcept { return s_[i.value].last; }
  /// Half the quoted spread as a fraction of the mid; 0 when there is no two-sided quote.
  double half_spread(InstrumentId i) const noexcept;
  /// Annualised realised volatility of daily log returns over up to `lookback` days; negative
  /// when fewer than 2 returns are known.
  double realized_vol(InstrumentId i) const noexcept;
  /// Sets how many daily returns realized_vol uses (allocates: call at start).
  void set_vol_lookback(int days);

  /// Packed per-instrument marks for the drift loop (index = InstrumentId).
  const HotMark* hot() const noexcept { return hot_.data(); }

  std::size_t size() const noexcept { return s_.size(); }
  const MarketDataQualityConfig& config() const noexcept { return cfg_; }

  /// Updates held back, by reason (index = HeldReason).
  std::uint64_t held_count(HeldReason r) const noexcept { return held_[static_cast<int>(r)]; }

 private:
  struct Inst {
    Price bid{}, ask{}, last{};
    Price mark_long{}, mark_short{};
    Timestamp mark_time{};
    bool has_mark = false;
    bool stale_reported = false;
    bool holding = false;  // an outlier candidate waits for confirmation
    Price held_long{}, held_short{};
    Price held_bid{}, held_ask{}, held_last{};
    // Daily closes for realised volatility: a ring of log returns.
    Price prev_close{};
    std::int64_t prev_close_day = -1;
    std::uint32_t ret_head = 0;
    std::uint32_t ret_count = 0;
  };

  MarkChange apply_quote(const QuoteUpdated& q, Timestamp now, Outbox& out);
  MarkChange apply_trade(const TradePrinted& t, Timestamp now, Outbox& out);
  MarkChange apply_bar(const BarClosed& b, Timestamp now, Outbox& out);
  MarkChange accept(InstrumentId id, Price cand_long, Price cand_short, Price bid, Price ask,
                    Price last, Timestamp ev_time, Timestamp now, Outbox& out, Price shown_bid,
                    Price shown_ask, Price shown_price);
  void refresh_hot(InstrumentId id) noexcept;
  void hold(InstrumentId id, HeldReason r, Price bid, Price ask, Price price, Timestamp now,
            Outbox& out);
  bool is_outlier(Price from, Price to) const noexcept;

  MarketDataQualityConfig cfg_;
  std::vector<Inst> s_;
  std::vector<HotMark> hot_;
  std::vector<double> returns_;  // vol_lookback_ per instrument
  int vol_lookback_ = 0;
  std::uint64_t held_[4] = {0, 0, 0, 0};
  MarkChange last_{};
};

}  // namespace ballast
