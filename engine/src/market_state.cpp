// Market state and data-quality filter.
#include "ballast/engine/market_state.hpp"

#include <cmath>

namespace ballast {

namespace {

constexpr std::int64_t kNsPerDay = 86'400'000'000'000;

Price mid_of(Price bid, Price ask) noexcept {
  // (bid + ask) / 2 without overflow, ties to even at 1e-9.
  const __int128 sum = static_cast<__int128>(bid.raw) + ask.raw;
  return Price{static_cast<std::int64_t>(detail::div_round(sum, 2, Rounding::kHalfEven))};
}

}  // namespace

MarketState::MarketState(std::size_t instruments, const MarketDataQualityConfig& cfg)
    : cfg_(cfg), s_(instruments), hot_(instruments) {}

void MarketState::refresh_hot(InstrumentId id) noexcept {
  const Inst& s = s_[id.value];
  HotMark& h = hot_[id.value];
  h.long_e15 = static_cast<double>(s.mark_long.raw) * 1e-15;
  h.short_e15 = static_cast<double>(s.mark_short.raw) * 1e-15;
  h.time_ns = s.has_mark ? s.mark_time.ns : INT64_MIN;
  h.half_spread = half_spread(id);
}

void MarketState::set_vol_lookback(int days) {
  vol_lookback_ = days > 0 ? days : 0;
  returns_.assign(s_.size() * static_cast<std::size_t>(vol_lookback_), 0.0);
  for (auto& s : s_) {
    s.ret_head = 0;
    s.ret_count = 0;
  }
}

bool MarketState::is_outlier(Price from, Price to) const noexcept {
  if (from.raw <= 0) return false;
  const double move = std::fabs(static_cast<double>(to.raw) - static_cast<double>(from.raw));
  return move * 10'000.0 > cfg_.max_move_bps * static_cast<double>(from.raw);
}

void MarketState::hold(InstrumentId id, HeldReason r, Price bid, Price ask, Price price,
                       Timestamp now, Outbox& out) {
  ++held_[static_cast<int>(r)];
  const Inst& s = s_[id.value];
  MarketDataHeld h{};
  h.hdr.event_time = now;
  h.instrument = id;
  h.reason = r;
  h.bid = bid;
  h.ask = ask;
  h.price = price;
  h.last_good = s.mark_long;
  h.last_good_time = s.mark_time;
  out.emit(h);
}

MarkChange MarketState::accept(InstrumentId id, Price cand_long, Price cand_short, Price bid,
                               Price ask, Price last, Timestamp ev_time, Timestamp now, Outbox& out,
                               Price shown_bid, Price shown_ask, Price shown_price) {
  Inst& s = s_[id.value];
  if (s.has_mark && is_outlier(s.mark_long, cand_long)) {
    // A jump. Accept it only when the previous update was held for the same jump (confirmed).
    if (!(s.holding && !is_outlier(s.held_long, cand_long))) {
      s.holding = true;
      s.held_long = cand_long;
      s.held_short = cand_short;
      hold(id, HeldReason::kOutlier, shown_bid, shown_ask, shown_price, now, out);
      return {};
    }
  }
  s.holding = false;
  MarkChange c;
  c.old_long = s.mark_long;
  c.old_short = s.mark_short;
  c.new_long = cand_long;
  c.new_short = cand_short;
  c.changed = !s.has_mark || cand_long != s.mark_long || cand_short != s.mark_short;
  s.mark_long = cand_long;
  s.mark_short = cand_short;
  s.mark_time = ev_time;
  s.has_mark = true;
  s.stale_reported = false;
  if (bid.raw > 0) s.bid = bid;
  if (ask.raw > 0) s.ask = ask;
  if (last.raw > 0) s.last = last;
  refresh_hot(id);
  return c;
}

MarkChange MarketState::on_quote(const QuoteUpdated& q, Timestamp now, Outbox& out) {
  last_ = apply_quote(q, now, out);
  last_.instrument = q.instrument;
  return last_;
}

MarkChange MarketState::on_trade(const TradePrinted& t, Timestamp now, Outbox& out) {
  last_ = apply_trade(t, now, out);
  last_.instrument = t.instrument;
  return last_;
}

MarkChange MarketState::on_bar(const BarClosed& b, Timestamp now, Outbox& out) {
  last_ = apply_bar(b, now, out);
  last_.instrument = b.instrument;
  return last_;
}

MarkChange MarketState::apply_quote(const QuoteUpdated& q, Timestamp now, Outbox& out) {
  if (q.bid.raw <= 0 || q.ask.raw <= 0 || q.bid_size.raw <= 0 || q.ask_size.raw <= 0) {
    hold(q.instrument, HeldReason::kZeroOrMissing, q.bid, q.ask, Price{}, now, out);
    return {};
  }
  if (q.bid > q.ask) {
    hold(q.instrument, HeldReason::kCrossed, q.bid, q.ask, Price{}, now, out);
    return {};
  }
  Inst& s = s_[q.instrument.value];
  switch (cfg_.mark) {
    case MarkPolicy::kLast:
      // Quotes do not move a last-price mark; keep them for spreads and collars.
      s.bid = q.bid;
      s.ask = q.ask;
      refresh_hot(q.instrument);
      return {};
    case MarkPolicy::kMid: {
      const Price m = mid_of(q.bid, q.ask);
      return accept(q.instrument, m, m, q.bid, q.ask, Price{}, q.hdr.event_time, now, out, q.bid,
                    q.ask, m);
    }
    case MarkPolicy::kBidForLongs:
      return accept(q.instrument, q.bid, q.ask, q.bid, q.ask, Price{}, q.hdr.event_time, now, out,
                    q.bid, q.ask, q.bid);
  }
  return {};
}

MarkChange MarketState::apply_trade(const TradePrinted& t, Timestamp now, Outbox& out) {
  if (t.price.raw <= 0 || t.size.raw <= 0) {
    hold(t.instrument, HeldReason::kZeroOrMissing, Price{}, Price{}, t.price, now, out);
    return {};
  }
  if (cfg_.mark != MarkPolicy::kLast) {
    s_[t.instrument.value].last = t.price;
    return {};
  }
  return accept(t.instrument, t.price, t.price, Price{}, Price{}, t.price, t.hdr.event_time, now,
                out, Price{}, Price{}, t.price);
}

MarkChange MarketState::apply_bar(const BarClosed& b, Timestamp now, Outbox& out) {
  if (b.close.raw <= 0) {
    hold(b.instrument, HeldReason::kZeroOrMissing, Price{}, Price{}, b.close, now, out);
    return {};
  }
  Inst& s = s_[b.instrument.value];
  // Daily bars feed realised volatility (one return per new day).
  if (vol_lookback_ > 0 && b.period_ns >= kNsPerDay / 2) {
    const std::int64_t day = b.hdr.event_time.ns / kNsPerDay;
    if (s.prev_close_day >= 0 && day > s.prev_close_day && s.prev_close.raw > 0) {
      const double r =
          std::log(static_cast<double>(b.close.raw) / static_cast<double>(s.prev_close.raw));
      returns_[b.instrument.value * static_cast<std::size_t>(vol_lookback_) + s.ret_head] = r;
      s.ret_head = (s.ret_head + 1) % static_cast<std::uint32_t>(vol_lookback_);
      if (s.ret_count < static_cast<std::uint32_t>(vol_lookback_)) ++s.ret_count;
    }
    if (day > s.prev_close_day) {
      s.prev_close = b.close;
      s.prev_close_day = day;
    }
  }
  if (cfg_.mark != MarkPolicy::kLast) {
    s.last = b.close;
    return {};
  }
  return accept(b.instrument, b.close, b.close, Price{}, Price{}, b.close, b.hdr.event_time, now,
                out, Price{}, Price{}, b.close);
}

void MarketState::check_stale(Timestamp now, Outbox& out) {
  for (std::uint32_t i = 0; i < s_.size(); ++i) {
    Inst& s = s_[i];
    if (s.has_mark && !s.stale_reported && now - s.mark_time > cfg_.stale_after) {
      s.stale_reported = true;
      hold(InstrumentId{i}, HeldReason::kStale, s.bid, s.ask, s.mark_long, now, out);
    }
  }
}

double MarketState::half_spread(InstrumentId i) const noexcept {
  const Inst& s = s_[i.value];
  if (s.bid.raw <= 0 || s.ask.raw < s.bid.raw) return 0.0;
  const double mid = (static_cast<double>(s.bid.raw) + static_cast<double>(s.ask.raw)) / 2.0;
  return (static_cast<double>(s.ask.raw) - static_cast<double>(s.bid.raw)) / 2.0 / mid;
}

double MarketState::realized_vol(InstrumentId i) const noexcept {
  const Inst& s = s_[i.value];
  if (s.ret_count < 2) return -1.0;
  const double* r = &returns_[i.value * static_cast<std::size_t>(vol_lookback_)];
  double mean = 0;
  for (std::uint32_t k = 0; k < s.ret_count; ++k) mean += r[k];
  mean /= s.ret_count;
  double ss = 0;
  for (std::uint32_t k = 0; k < s.ret_count; ++k) ss += (r[k] - mean) * (r[k] - mean);
  return std::sqrt(ss / (s.ret_count - 1) * 252.0);
}

}  // namespace ballast
