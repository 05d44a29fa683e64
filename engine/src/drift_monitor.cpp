// The drift/trigger monitor.
#include "ballast/engine/drift_monitor.hpp"

#include "ballast/base/enum_names.hpp"
#include "ballast/engine/market_data_filter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ballast {

namespace {

using namespace std::chrono;

// A band is breached when drift exceeds it by more than this relative margin: a weight exactly at
// the band (0.65 against 0.60 +- 0.05) is not a breach, although 0.65 - 0.60 is 0.05000000000000004
// in binary floating point. 1e-9 of a band is far below any tradable weight difference.
constexpr double kBreach = 1.0 + 1e-9;

TimerId timer_id(std::uint32_t low) noexcept {
  return TimerId{(static_cast<std::uint64_t>(DriftMonitor::kTimerOwner) << 32) | low};
}

weekday to_chrono(Weekday w) noexcept {
  switch (w) {
    case Weekday::kMonday:
      return Monday;
    case Weekday::kTuesday:
      return Tuesday;
    case Weekday::kWednesday:
      return Wednesday;
    case Weekday::kThursday:
      return Thursday;
    case Weekday::kFriday:
      return Friday;
  }
  return Friday;
}

sys_days first_weekday_of(year_month ym) noexcept {
  sys_days d{ym / day{1}};
  while (!is_weekday(weekday{d})) d += days{1};
  return d;
}
sys_days last_weekday_of(year_month ym) noexcept {
  sys_days d{ym / last};
  while (!is_weekday(weekday{d})) d -= days{1};
  return d;
}

bool calendar_matches(const CalendarTrigger& cal, sys_days d) noexcept {
  const year_month_day ymd{d};
  const year_month ym{ymd.year(), ymd.month()};
  const unsigned m = static_cast<unsigned>(ymd.month());
  switch (cal.frequency) {
    case CalendarFrequency::kDaily:
      return true;
    case CalendarFrequency::kWeekly:
      return weekday{d} == to_chrono(cal.weekday);
    case CalendarFrequency::kMonthly:
      return d == (cal.day == PeriodDay::kFirst ? first_weekday_of(ym) : last_weekday_of(ym));
    case CalendarFrequency::kQuarterly:
      if (cal.day == PeriodDay::kFirst) return m % 3 == 1 && d == first_weekday_of(ym);
      return m % 3 == 0 && d == last_weekday_of(ym);
  }
  return false;
}

// NAV (1e-15 units) beyond this does not fit Money (1e-6 units): no weights are stated for it.
constexpr __int128 kMaxNavE15 = static_cast<__int128>(INT64_MAX - 1) * Price::kScale;

}  // namespace

const char* to_string(WhyExclusion e) noexcept {
  static constexpr EnumNames<WhyExclusion, WhyExclusion::kStalePrice> kNames{
      {"none", "no_price", "stale_price"}};
  return kNames.name_or(e, "none");
}

Timestamp next_calendar_time(const CalendarTrigger& cal, Timestamp now) noexcept {
  const ExchangeLocalTime local = to_us_eastern(now);
  const sys_days today{local.date};
  for (int k = 0; k < 400; ++k) {
    const sys_days d = today + days{k};
    if (!is_weekday(weekday{d}) || !calendar_matches(cal, d)) continue;
    const Timestamp t = us_eastern_to_utc(year_month_day{d}, cal.at.minutes);
    if (t > now) return t;
  }
  BALLAST_INVARIANT(false, "no calendar date within 400 days");
  return now;
}

int DriftMonitor::vol_lookback_days(const std::vector<TriggerConfig>& profiles) noexcept {
  int lookback = 0;
  for (const auto& p : profiles) {
    if (p.volatility_adaptive.enabled)
      lookback = std::max(lookback, p.volatility_adaptive.lookback_days);
  }
  return lookback;
}

DriftMonitor::DriftMonitor(PortfolioBook& book, const MarketState& market,
                           std::vector<TriggerConfig> profiles, const TrackingErrorModel* te_model,
                           Options opt)
    : book_(book),
      market_(market),
      profiles_(std::move(profiles)),
      te_(te_model),
      opt_(opt),
      state_(book.accounts()),
      why_lines_(opt.why_log_lines),
      why_refs_(std::max<std::size_t>(opt.why_log_lines / 4, 16)) {
  BALLAST_INVARIANT(!profiles_.empty(), "DriftMonitor needs at least one trigger profile");
  waiting_.reserve(book.accounts());
  excluded_.assign(book.slots(), 0);
  std::uint32_t max_slots = 0;
  for (std::uint32_t a = 0; a < book.accounts(); ++a) {
    BALLAST_INVARIANT(book.trigger_profile(AccountId{a}) < profiles_.size(),
                      "account refers to an unknown trigger profile");
    max_slots = std::max(max_slots, book.slot_count(AccountId{a}));
  }
  te_inst_.resize(max_slots);
  te_active_.resize(max_slots);
  for (const auto& p : profiles_) {
    // The fast path decides "no band breached" for plain any-of absolute/relative bands; other
    // conditions (all-of, tracking error, volatility-scaled bands) always take the full path.
    fast_ok_.push_back((p.absolute.enabled || p.relative.enabled) &&
                       p.combine == TriggerCombine::kAny && !p.tracking_error.enabled &&
                       !p.volatility_adaptive.enabled);
  }
}

double DriftMonitor::fast_band(const TriggerConfig& prof, std::uint32_t k, const float* ov,
                               double target) const noexcept {
  double ab = prof.absolute.band;
  double rb = prof.relative.band;
  if (ov != nullptr) {
    if (ov[2 * k] >= 0) ab = ov[2 * k];
    if (ov[2 * k + 1] >= 0) rb = ov[2 * k + 1];
  }
  double b = prof.absolute.enabled ? ab : 1e300;
  if (prof.relative.enabled && target > 0) b = std::min(b, rb * target);
  // Safety margin: near the edge the full evaluation decides, so both paths always agree.
  return b * (1.0 - 1e-7);
}

void DriftMonitor::compute_bounds(AccountId a, AccountTriggerState& st) const noexcept {
  st.bounds_valid = false;
  // A waiting account is re-evaluated on every tick of its instruments (the awaited price among
  // them), never skipped by the fast path.
  if (st.waiting) return;
  const TriggerConfig& prof = profiles_[book_.trigger_profile(a)];
  if (!fast_ok_[book_.trigger_profile(a)]) return;
  const Slot* sl = book_.slot_data(a);
  const std::uint32_t n = book_.slot_count(a);
  const HotMark* hot = market_.hot();
  const std::int32_t bb = book_.band_override_base(a);
  const float* ov = bb >= 0 ? book_.band_overrides().data() + bb : nullptr;
  double lo = 0;
  double hi = 1e300;
  auto fold = [&](double v, double t, double b) {
    // In band iff t - b <= v / N <= t + b, for N > 0 and v >= 0.
    if (v < 0) return false;  // short positions: always the full path
    if (v == 0) return t <= b;
    lo = std::max(lo, v / (t + b));
    if (t - b > 0) hi = std::min(hi, v / (t - b));
    return true;
  };
  for (std::uint32_t k = 0; k < n; ++k) {
    const Slot& s = sl[k];
    if (s.flags & kSlotRestricted) continue;
    const double v =
        static_cast<double>(s.qty) * (s.qty > 0 ? hot[s.inst].long_e15 : hot[s.inst].short_e15);
    if (!fold(v, s.target, fast_band(prof, k, ov, s.target))) return;
  }
  const double cash = static_cast<double>(book_.cash(a).raw) * 1e-6;
  const double tc = book_.cash_target(a);
  double bc = prof.absolute.enabled ? prof.absolute.band : 1e300;
  if (prof.relative.enabled && tc > 0) bc = std::min(bc, prof.relative.band * tc);
  if (!fold(cash, tc, bc * (1.0 - 1e-7))) return;
  if (!(lo < hi)) return;
  st.nav_lo = lo;
  st.nav_hi = hi;
  st.bounds_valid = true;
}

double DriftMonitor::band_multiplier(InstrumentId i, const TriggerConfig& t) const noexcept {
  if (!t.volatility_adaptive.enabled) return 1.0;
  const double vol = market_.realized_vol(i);
  if (vol < 0) return 1.0;  // not enough history yet: bands as configured
  const auto& v = t.volatility_adaptive;
  return std::clamp(vol / v.reference_vol, v.min_multiplier, v.max_multiplier);
}

double DriftMonitor::band(AccountId a, std::uint32_t k) const noexcept {
  const TriggerConfig& prof = profile(a);
  const Slot& s = book_.slot_data(a)[k];
  const std::int32_t bb = book_.band_override_base(a);
  const float* ov = bb >= 0 ? book_.band_overrides().data() + bb : nullptr;
  double ab = prof.absolute.band;
  double rb = prof.relative.band;
  if (ov != nullptr) {
    if (ov[2 * k] >= 0) ab = ov[2 * k];
    if (ov[2 * k + 1] >= 0) rb = ov[2 * k + 1];
  }
  const double m = band_multiplier(InstrumentId{s.inst}, prof);
  double b = std::numeric_limits<double>::infinity();
  if (prof.absolute.enabled) b = ab * m;
  if (prof.relative.enabled && s.target > 0) b = std::min(b, rb * s.target * m);
  return b;
}

double DriftMonitor::cash_band(AccountId a) const noexcept {
  const TriggerConfig& prof = profile(a);
  const double tc = book_.cash_target(a);
  double b = std::numeric_limits<double>::infinity();
  if (prof.absolute.enabled) b = prof.absolute.band;
  if (prof.relative.enabled && tc > 0) b = std::min(b, prof.relative.band * tc);
  return b;
}

DriftFigures DriftMonitor::figures(AccountId a, Timestamp now) const noexcept {
  DriftFigures f;
  const TriggerConfig& prof = profiles_[book_.trigger_profile(a)];
  const __int128 nav_e15 = book_.nav_exact(a);
  const double nav = static_cast<double>(nav_e15) * 1e-15;
  f.nav = nav;
  // No weights without a positive NAV (an empty account, or debts beyond its holdings), nor for
  // one beyond what Money holds.
  if (nav_e15 <= 0 || nav_e15 > kMaxNavE15) return f;
  f.nav_ok = true;
  const double inv = 1.0 / nav;
  const Slot* sl = book_.slot_data(a);
  const std::uint32_t n = book_.slot_count(a);
  const HotMark* hot = market_.hot();
  // A mark is fresh when now - time <= stale_after (no mark: time is INT64_MIN, never fresh).
  const std::int64_t fresh_from = now.ns - market_.config().stale_after.count();
  const std::int32_t bb = book_.band_override_base(a);
  const float* ov = bb >= 0 ? book_.band_overrides().data() + bb : nullptr;
  const bool vol_adaptive = prof.volatility_adaptive.enabled;
  const bool need_cost = prof.cost_benefit.enabled;
  const bool need_te = te_ != nullptr && (prof.tracking_error.enabled || prof.cost_benefit.enabled);
  const double commission = opt_.commission_bps * 1e-4;
  const double inv_abs_band = 1.0 / prof.absolute.band;
  const double inv_rel_band = 1.0 / prof.relative.band;
  double sum = 0, max_abs = 0, max_rel = 0, abs_u = 0, rel_u = 0, cost = 0;
  std::int64_t worst = -1;
  double worst_w = 0;
  std::size_t te_n = 0;
  for (std::uint32_t k = 0; k < n; ++k) {
    const Slot& s = sl[k];
    const HotMark& h = hot[s.inst];
    double w = 0;
    if (s.qty != 0) {
      if (h.time_ns < fresh_from) return f;  // incomplete: a held price is missing or stale
      w = static_cast<double>(s.qty) * (s.qty > 0 ? h.long_e15 : h.short_e15) * inv;
    } else if (s.flags & kSlotRestricted) {
      // never traded: no price needed
    } else if (excluded_[book_.first_slot(a) + k] != 0) {
      if (h.time_ns >= fresh_from) ++f.repriced;
    } else if (s.target > 0 && h.time_ns < fresh_from) {
      ++f.unpriced;  // weight exactly 0; buying it needs a price
    }
    if (s.flags & kSlotRestricted) continue;
    const double dev = std::fabs(w - s.target);
    sum += dev;
    if (dev > max_abs) {
      max_abs = dev;
      worst = k;
      worst_w = w;
    }
    double ia = inv_abs_band;
    double ir = inv_rel_band;
    if (ov != nullptr) {
      if (ov[2 * k] >= 0) ia = 1.0 / ov[2 * k];
      if (ov[2 * k + 1] >= 0) ir = 1.0 / ov[2 * k + 1];
    }
    if (vol_adaptive) {
      const double m = band_multiplier(InstrumentId{s.inst}, prof);
      ia /= m;
      ir /= m;
    }
    abs_u = std::max(abs_u, dev * ia);
    if (s.target > 0) {
      const double r = dev / s.target;
      max_rel = std::max(max_rel, r);
      rel_u = std::max(rel_u, r * ir);
    }
    if (need_cost) cost += dev * (h.half_spread + commission);
    if (need_te) {
      te_inst_[te_n] = InstrumentId{s.inst};
      te_active_[te_n] = w - s.target;
      ++te_n;
    }
  }
  // Cash: a weight like any other, with no volatility and no trading cost.
  const double wc = static_cast<double>(book_.cash(a).raw) * 1e-6 * inv;
  const double tc = book_.cash_target(a);
  const double devc = std::fabs(wc - tc);
  sum += devc;
  f.max_abs = max_abs;
  if (worst >= 0) {
    f.worst_slot = book_.first_slot(a) + static_cast<std::uint32_t>(worst);
    f.worst_weight = worst_w;
    f.worst_target = sl[worst].target;
  }
  if (devc > f.max_abs) {
    f.max_abs = devc;
    f.worst_slot = -1;
    f.worst_weight = wc;
    f.worst_target = tc;
  }
  abs_u = std::max(abs_u, devc * inv_abs_band);
  if (tc > 0) {
    max_rel = std::max(max_rel, devc / tc);
    rel_u = std::max(rel_u, devc / tc * inv_rel_band);
  }
  f.max_rel = max_rel;
  f.abs_utilization = abs_u;
  f.rel_utilization = rel_u;
  f.est_cost = cost;
  f.half_turnover = 0.5 * sum;
  if (need_te) {
    f.tracking_error =
        std::sqrt(std::max(0.0, te_->active_variance(te_inst_.data(), te_active_.data(), te_n)));
  }
  f.complete = true;
  return f;
}

std::size_t DriftMonitor::sweep(Timestamp now) const noexcept {
  std::size_t complete = 0;
  for (std::uint32_t a = 0; a < book_.accounts(); ++a)
    complete += figures(AccountId{a}, now).complete;
  return complete;
}

bool DriftMonitor::in_trading_hours(const TriggerConfig& t, Timestamp now) noexcept {
  if (now != local_for_) {
    local_ = to_us_eastern(now);
    local_for_ = now;
  }
  return is_weekday(local_.weekday) && local_.minute_of_day >= t.trading_hours.start.minutes &&
         local_.minute_of_day < t.trading_hours.end.minutes;
}

void DriftMonitor::evaluate(AccountId a, Timestamp now, Context ctx, Outbox& out) {
  ++c_.full_evaluations;
  const TriggerConfig& prof = profiles_[book_.trigger_profile(a)];
  AccountTriggerState& st = state_[a.value];
  st.bounds_valid = false;
  if (paused(a)) {
    // Nothing fires; a rebalance waiting for a price keeps waiting. The bounds stay invalid, so
    // every tick evaluates it again and the first after the pause is lifted can trigger.
    ++c_.paused;
    return;
  }
  // A rebalance held back for a price (below) is re-asked for what first asked for it.
  const bool was_waiting = st.waiting;
  st.waiting = false;
  if (was_waiting && ctx == Context::kTick) ctx = st.wait_ctx;
  if (ctx == Context::kTick && st.flow_share > 0) ctx = Context::kCashFlow;
  // Hybrid calendar: drift alone never triggers between scheduled times.
  if (ctx == Context::kTick && prof.calendar.enabled && prof.calendar.hybrid) return;
  const DriftFigures f = figures(a, now);
  if (!f.complete) {
    if (!f.nav_ok) {
      ++c_.no_nav;  // nothing to weigh: no rebalance, and none waits
      return;
    }
    ++c_.incomplete;
    // A held instrument has no fresh price, so the NAV is unknown. Ticks find the next
    // evaluation; a scheduled or cash-flow rebalance waits for the price instead of vanishing.
    if (was_waiting || ctx != Context::kTick) begin_wait(a, st, was_waiting, ctx, now, true);
    return;
  }
  if (f.repriced > 0) {
    // An instrument left out of the last rebalance for want of a price has one now: re-arm, so
    // the drift it left (its weight still 0) can trigger the rebalance that buys it.
    st.armed = true;
    st.owed = true;  // until the drift falls to the re-arm line (see rearm())
    const std::uint32_t first = book_.first_slot(a);
    for (std::uint32_t k = 0; k < book_.slot_count(a); ++k) excluded_[first + k] = 0;
  }
  // Whatever happens below, the next tick may use the fast path if the account is armed.
  struct BoundsOnExit {
    const DriftMonitor& m;
    AccountId a;
    AccountTriggerState& st;
    ~BoundsOnExit() {
      if (st.armed && st.flow_share == 0) m.compute_bounds(a, st);
    }
  } bounds_on_exit{*this, a, st};
  const bool te_on = prof.tracking_error.enabled && f.tracking_error >= 0;
  double util = 0;
  if (prof.absolute.enabled) util = std::max(util, f.abs_utilization);
  if (prof.relative.enabled) util = std::max(util, f.rel_utilization);
  if (te_on) util = std::max(util, f.tracking_error / prof.tracking_error.threshold);
  if (!st.armed && util < prof.rearm_fraction) st.armed = true;
  if (util < prof.rearm_fraction) st.owed = false;

  const bool abs_held = prof.absolute.enabled && f.abs_utilization > kBreach;
  const bool rel_held = prof.relative.enabled && f.rel_utilization > kBreach;
  const bool te_held = te_on && f.tracking_error > prof.tracking_error.threshold * kBreach;
  const int enabled = int{prof.absolute.enabled} + int{prof.relative.enabled} + int{te_on};
  const int held_n = int{abs_held} + int{rel_held} + int{te_held};
  const bool drift =
      enabled > 0 && (prof.combine == TriggerCombine::kAny ? held_n > 0 : held_n == enabled);
  std::uint8_t held = 0;
  if (abs_held) held |= 1u << static_cast<int>(TriggerRule::kAbsoluteBand);
  if (rel_held) held |= 1u << static_cast<int>(TriggerRule::kRelativeBand);
  if (te_held) held |= 1u << static_cast<int>(TriggerRule::kTrackingError);

  TriggerRule rule = TriggerRule::kAbsoluteBand;
  bool drift_driven = true;
  switch (ctx) {
    case Context::kTick:
      if (!drift) return;
      if (!st.armed) {
        ++c_.gated_rearm;
        return;
      }
      rule = abs_held ? TriggerRule::kAbsoluteBand
                      : (rel_held ? TriggerRule::kRelativeBand : TriggerRule::kTrackingError);
      break;
    case Context::kCalendar:
      if (prof.calendar.hybrid) {
        if (!drift) return;
        rule = TriggerRule::kHybrid;
      } else {
        rule = TriggerRule::kCalendar;
        drift_driven = false;
      }
      break;
    case Context::kCashFlow:
      rule = TriggerRule::kCashFlow;
      drift_driven = false;
      held |= 1u << static_cast<int>(TriggerRule::kCashFlow);
      break;
  }
  if (!in_trading_hours(prof, now)) {
    ++c_.gated_hours;
    return;
  }
  if (st.triggered && now - st.last_trigger < prof.cool_down) {
    ++c_.gated_cool_down;
    return;
  }
  if (book_.has_pending(a)) {
    ++c_.gated_pending;
    return;
  }
  if (drift_driven && prof.cost_benefit.enabled) {
    // Benefit: the dollar tracking error removed (annualised TE x NAV); cost: the one-way cost of
    // trading back (half spread + commission on every weight moved). Without a risk model the
    // benefit is unknown and the gate lets the trigger through (docs/drift.md).
    if (f.tracking_error >= 0 && f.tracking_error < prof.cost_benefit.multiplier * f.est_cost) {
      ++c_.gated_cost;
      return;
    }
  }
  if (f.unpriced > 0) {
    // It would buy an instrument that has no fresh price: wait for it up to price_wait after the
    // first hold-back, then go ahead without it (fire() names it in the why-record).
    const Timestamp since = was_waiting ? st.wait_since : now;
    if (now - since < opt_.price_wait) {
      if (!was_waiting) ++c_.waiting_price;
      begin_wait(a, st, was_waiting, ctx, now, false);
      return;
    }
  }
  fire(a, f, rule, held, now, out);
}

void DriftMonitor::begin_wait(AccountId a, AccountTriggerState& st, bool was_waiting, Context ctx,
                              Timestamp now, bool for_held) noexcept {
  if (!was_waiting) {
    st.wait_since = now;
    st.wait_ctx = ctx;
  }
  st.waiting = true;
  st.wait_for_held = for_held;
  st.bounds_valid = false;
  if (!st.in_wait_list) {
    st.in_wait_list = true;
    waiting_.push_back(a.value);  // reserved for every account: no allocation
  }
}

void DriftMonitor::recheck_waiting(Timestamp now, Outbox& out) {
  const Duration wait = opt_.price_wait;
  // Index loop: evaluate() may append (never for an account already listed).
  for (std::size_t k = 0; k < waiting_.size(); ++k) {
    const AccountId a{waiting_[k]};
    const AccountTriggerState& st = state_[a.value];
    // Waits for a held instrument's price have no deadline (the NAV is unknown); ticks end them.
    if (st.waiting && !st.wait_for_held && now - st.wait_since >= wait)
      evaluate(a, now, Context::kTick, out);
  }
  std::size_t kept = 0;
  for (const std::uint32_t v : waiting_) {
    if (state_[v].waiting) {
      waiting_[kept++] = v;
    } else {
      state_[v].in_wait_list = false;
    }
  }
  waiting_.resize(kept);
}

void DriftMonitor::fire(AccountId a, const DriftFigures& f, TriggerRule rule, std::uint8_t held,
                        Timestamp now, Outbox& out) {
  AccountTriggerState& st = state_[a.value];
  st.last_trigger = now;
  st.triggered = true;
  st.armed = false;
  st.flow_share = 0;
  ++c_.triggers;

  const std::uint32_t first = book_.first_slot(a);
  const std::uint32_t n = book_.slot_count(a);
  // Instruments this rebalance cannot trade for want of a fresh price: not held (a held one makes
  // the account incomplete, so it never fires) and not restricted. The rebalancer applies the
  // same rule at `now`. Those with a target are flagged: their first good price re-arms.
  auto exclusion = [&](std::uint32_t s) {
    const InstrumentId inst = book_.slot_instrument(s);
    if (book_.slot_qty_raw(s) != 0 || (book_.slot_flags(s) & kSlotRestricted) ||
        market_.is_fresh(inst, now))
      return WhyExclusion::kNone;
    return market_.has_mark(inst) ? WhyExclusion::kStalePrice : WhyExclusion::kNoPrice;
  };
  // Why-record: every instrument's weight, target and the price used, plus cash. A record never
  // wraps around the ring's end (why() hands out one contiguous span).
  const std::size_t cap = why_lines_.size();
  const bool record = n + 1 <= cap;
  std::uint64_t why_id = 0;
  std::uint64_t start = why_next_line_;
  if (record && start % cap + n + 1 > cap) start += cap - start % cap;
  WhyLine* const lines = record ? why_lines_.data() + start % cap : nullptr;
  const double inv = 1.0 / f.nav;
  for (std::uint32_t k = 0; k < n; ++k) {
    const std::uint32_t s = first + k;
    const WhyExclusion why_out = exclusion(s);
    const bool out_of_it = why_out != WhyExclusion::kNone;
    c_.excluded += out_of_it;
    excluded_[s] = out_of_it && book_.slot_target(s) > 0 ? 1 : 0;
    if (lines == nullptr) continue;
    const InstrumentId inst = book_.slot_instrument(s);
    const std::int64_t q = book_.slot_qty_raw(s);
    const Price px = market_.mark_for(inst, q);
    WhyLine& l = lines[k];
    l.instrument = inst;
    l.weight = static_cast<double>(q) * static_cast<double>(px.raw) * 1e-15 * inv;
    l.target = book_.slot_target(s);
    l.price = px;
    l.price_time = market_.mark_time(inst);
    l.excluded = why_out;
  }
  if (record) {
    why_id = why_next_id_++;
    WhyLine& c = lines[n];
    c = WhyLine{};
    c.weight = static_cast<double>(book_.cash(a).raw) * 1e-6 * inv;
    c.target = book_.cash_target(a);
    why_next_line_ = start + n + 1;
    why_refs_[(why_id - 1) % why_refs_.size()] = WhyRef{why_id, start, n + 1};
  }

  RebalanceTriggered ev{};
  ev.hdr.event_time = now;
  ev.account = a;
  ev.model = book_.model_of(a);
  ev.rule = rule;
  ev.rules_held = held;
  ev.max_abs_drift = f.max_abs;
  ev.max_rel_drift = f.max_rel;
  ev.half_turnover = f.half_turnover;
  ev.tracking_error = f.tracking_error;
  const TriggerConfig& prof = profiles_[book_.trigger_profile(a)];
  ev.band_utilization = std::max(prof.absolute.enabled ? f.abs_utilization : 0.0,
                                 prof.relative.enabled ? f.rel_utilization : 0.0);
  ev.worst_weight = f.worst_weight;
  ev.worst_target = f.worst_target;
  if (f.worst_slot >= 0) {
    const auto s = static_cast<std::uint32_t>(f.worst_slot);
    ev.worst = book_.slot_instrument(s);
    ev.worst_price = market_.mark_for(ev.worst, book_.slot_qty_raw(s));
    ev.worst_price_time = market_.mark_time(ev.worst);
  }
  ev.nav = book_.nav(a);
  ev.why_id = why_id;
  out.emit(ev);
}

std::span<const WhyLine> DriftMonitor::why(std::uint64_t why_id) const noexcept {
  if (why_id == 0 || why_id >= why_next_id_) return {};
  const WhyRef& r = why_refs_[(why_id - 1) % why_refs_.size()];
  const std::size_t cap = why_lines_.size();
  if (r.id != why_id || r.start + cap < why_next_line_) return {};
  return {why_lines_.data() + r.start % cap, r.count};
}

void DriftMonitor::on_mark_change(InstrumentId i, const MarkChange& c, Timestamp now, Outbox& out) {
  ++c_.ticks;
  const std::int64_t d_long = c.new_long.raw - c.old_long.raw;
  const std::int64_t d_short = c.new_short.raw - c.old_short.raw;
  const HotMark& h = market_.hot()[i.value];
  const std::int64_t fresh_from = now.ns - market_.config().stale_after.count();
  const auto holders = book_.holders(i);
  const std::size_t n = holders.size();
  // Holders are scattered over a large book: fetch a few accounts ahead so their cache misses
  // overlap instead of stalling one after another.
  constexpr std::size_t kAhead = 8;
  for (std::size_t k = 0; k < n && k < kAhead; ++k) book_.prefetch_holder(holders[k]);
  for (std::size_t k = 0; k < n; ++k) {
    if (k + kAhead < n) {
      book_.prefetch_holder(holders[k + kAhead]);
      __builtin_prefetch(&state_[book_.account_of(holders[k + kAhead]).value]);
    }
    const std::uint32_t s = holders[k];
    const std::int64_t q = book_.revalue_slot(s, d_long, d_short);
    const AccountId a = book_.account_of(s);
    AccountTriggerState& st = state_[a.value];
    if (q == 0) {
      // The account does not hold i (a model instrument it has not bought: a new, cash-only
      // account holds none). Its NAV did not move, but this price may be the one its rebalance
      // needs: evaluate it unless its last evaluation proved every holding in band at this NAV.
      if (opt_.fast_path && st.bounds_valid) {
        const double nav = static_cast<double>(book_.nav_exact(a)) * 1e-15;
        if (nav >= st.nav_lo && nav <= st.nav_hi) continue;
      }
      ++c_.account_updates;
      evaluate(a, now, Context::kTick, out);
      continue;
    }
    ++c_.account_updates;
    if (opt_.fast_path && st.bounds_valid && q > 0 && h.time_ns >= fresh_from) {
      // Fast path. Every other holding kept its value, so it is still in band while NAV stays in
      // [nav_lo, nav_hi]; this holding's new value is checked directly and folded in.
      const Slot& sl = book_.slot(s);
      const double nav = static_cast<double>(book_.nav_exact(a)) * 1e-15;
      if (nav >= st.nav_lo && nav <= st.nav_hi) {
        const TriggerConfig& prof = profiles_[book_.trigger_profile(a)];
        const std::int32_t bb = book_.band_override_base(a);
        const float* ov = bb >= 0 ? book_.band_overrides().data() + bb : nullptr;
        const double b = (sl.flags & kSlotRestricted)
                             ? 1e300
                             : fast_band(prof, s - book_.first_slot(a), ov, sl.target);
        const double v = static_cast<double>(q) * h.long_e15;
        if (std::fabs(v / nav - sl.target) <= b) {
          if (b < 1e300) {
            st.nav_lo = std::max(st.nav_lo, v / (sl.target + b));
            if (sl.target - b > 0) st.nav_hi = std::min(st.nav_hi, v / (sl.target - b));
          }
          ++c_.fast_path;
          continue;
        }
      }
    }
    evaluate(a, now, Context::kTick, out);
  }
}

void DriftMonitor::schedule_calendar(std::uint32_t profile, Timestamp now, Outbox& out) {
  ScheduleTimer t{};
  t.timer = timer_id(profile);
  t.due = next_calendar_time(profiles_[profile].calendar, now);
  t.owner = kTimerOwner;
  t.cookie = profile;
  out.emit(t);
}

void DriftMonitor::schedule_timers(Timestamp now, Outbox& out) {
  for (std::uint32_t p = 0; p < profiles_.size(); ++p) {
    if (profiles_[p].calendar.enabled) schedule_calendar(p, now, out);
  }
}

std::size_t DriftMonitor::accounts_paused() const noexcept {
  std::size_t n = 0;
  for (std::uint32_t a = 0; a < book_.accounts(); ++a) n += paused(AccountId{a});
  return n;
}

void DriftMonitor::on_control(const ControlCommand& c) {
  if (c.action != ControlAction::kPauseTriggers && c.action != ControlAction::kResumeTriggers)
    return;
  const std::uint8_t on = c.action == ControlAction::kPauseTriggers ? 1 : 0;
  const ModelId m = control_model(c);
  if (c.account.valid()) {
    if (c.account.value >= book_.accounts()) return;
    if (paused_account_.size() < book_.accounts()) paused_account_.resize(book_.accounts(), 0);
    paused_account_[c.account.value] = on;
  } else if (m.valid()) {
    if (paused_model_.size() <= m.value) paused_model_.resize(m.value + 1, 0);
    paused_model_[m.value] = on;
  } else {
    paused_all_ = on != 0;
  }
}

void DriftMonitor::on_event(const Event& e, Timestamp now, Outbox& out) {
  if (!timers_started_) {
    timers_started_ = true;
    schedule_timers(now, out);
  }
  if (std::holds_alternative<QuoteUpdated>(e) || std::holds_alternative<TradePrinted>(e) ||
      std::holds_alternative<BarClosed>(e)) {
    // The market-data filter, first in the chain, applied the update to the market state.
    const MarkChange& c = market_.last_change();
    if (c.changed) on_mark_change(c.instrument, c, now, out);
  } else if (const auto* fb = std::get_if<FillBooked>(&e)) {
    // The order manager booked into the account: its cached bounds are stale.
    if (fb->account.value < book_.accounts()) invalidate(fb->account);
  } else if (const auto* d = std::get_if<RebalanceDeferred>(&e)) {
    if (d->account.value >= book_.accounts()) return;
    if (d->reason == DeferReason::kNotApproved) {
      // Its trade list was turned down: a drift that persists fires again after the cool-down.
      state_[d->account.value].armed = true;
      state_[d->account.value].bounds_valid = false;
    } else {
      rearm(d->account);
    }
  } else if (const auto* cc = std::get_if<ControlCommand>(&e)) {
    on_control(*cc);
  } else if (const auto* cf = std::get_if<CashFlowReceived>(&e)) {
    if (cf->account.value >= book_.accounts()) return;
    book_.apply_cash_flow(cf->account, cf->amount);
    state_[cf->account.value].bounds_valid = false;  // cash changed: its constraint moved
    const TriggerConfig& prof = profiles_[book_.trigger_profile(cf->account)];
    const double nav = static_cast<double>(book_.nav_exact(cf->account)) * 1e-15;
    const double share = nav > 0 ? std::fabs(cf->amount.to_double()) / nav : 1.0;
    if (prof.cash_flow.enabled && share > prof.cash_flow.nav_share) {
      state_[cf->account.value].flow_share = share;
      evaluate(cf->account, now, Context::kCashFlow, out);
    }
  } else if (const auto* tf = std::get_if<TimerFired>(&e)) {
    if (tf->owner == MarketDataFilter::kTimerOwner &&
        tf->cookie == MarketDataFilter::kStaleCookie) {
      // The filter (before the monitor) has just reported the marks gone stale.
      if (!waiting_.empty()) recheck_waiting(now, out);
      return;
    }
    if (tf->owner != kTimerOwner) return;
    const auto profile = static_cast<std::uint32_t>(tf->cookie);
    if (profile >= profiles_.size()) return;
    for (std::uint32_t a = 0; a < book_.accounts(); ++a) {
      if (book_.trigger_profile(AccountId{a}) == profile) {
        evaluate(AccountId{a}, now, Context::kCalendar, out);
      }
    }
    schedule_calendar(profile, now, out);
  }
}

}  // namespace ballast
