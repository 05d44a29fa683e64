// Weights -> whole-lot trades.
#include "ballast/engine/lot_rounding.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace ballast {

LotResult round_to_lots(std::span<const LotLine> lines, Money cash, double cash_buffer,
                        Money min_trade_value) {
  LotWorkspace ws;
  LotResult r;
  round_to_lots_into(lines, cash, cash_buffer, min_trade_value, ws, r);
  return r;
}

void round_to_lots_into(std::span<const LotLine> lines, Money cash, double cash_buffer,
                        Money min_trade_value, LotWorkspace& ws, LotResult& r) {
  const std::size_t n = lines.size();
  // A fresh result that keeps the vectors' storage (every other field back to its default).
  std::vector<Qty> trades = std::move(r.trades);
  std::vector<std::uint8_t> dropped = std::move(r.dropped);
  r = LotResult{};
  r.trades = std::move(trades);
  r.dropped = std::move(dropped);
  r.trades.assign(n, Qty{});
  r.dropped.assign(n, 0);
  Money nav = cash;
  for (const auto& l : lines) nav += notional(l.price, l.position, Rounding::kHalfEven);
  const double navd = nav.to_double();
  ws.k.assign(n, 0);
  ws.k_min.assign(n, 0);
  ws.k_max.assign(n, 0);
  std::vector<std::int64_t>& k = ws.k;
  std::vector<std::int64_t>& k_min = ws.k_min;
  std::vector<std::int64_t>& k_max = ws.k_max;
  for (std::size_t i = 0; i < n; ++i) {
    const LotLine& l = lines[i];
    if (l.price.raw <= 0 || l.lot.raw <= 0) {
      // No price (an instrument not quoted yet) or no lot: never traded (k = 0 within [0, 0]).
      ++r.unpriced;
      continue;
    }
    const double p = l.price.to_double();
    const double lot = l.lot.to_double();
    const double pos = l.position.to_double();
    // Lot counts whose post-trade weight stays inside [lower, upper]; a hair of slack so a
    // weight exactly on a bound is inside.
    const double slack = 1e-12;
    double lo = std::ceil((l.lower * navd / p - pos) / lot - slack);
    double hi = std::floor((l.upper * navd / p - pos) / lot + slack);
    if (l.caps_buys_only) hi = std::max(hi, 0.0);  // a cap on buys never forces a sale
    if (l.no_buy) hi = std::min(hi, 0.0);
    if (l.no_sell) lo = std::max(lo, 0.0);
    // No single trade may be worth more than a quarter of Money's range (the sums stay in range
    // for any NAV the callers accept): the lot counts are clamped there, never cast out of range.
    constexpr double kQuarter = static_cast<double>(std::numeric_limits<std::int64_t>::max()) / 4;
    const double kcap = std::floor(
        std::min({1e15, kQuarter / (p * lot * 1e6), kQuarter / static_cast<double>(l.lot.raw)}));
    lo = std::clamp(lo, -kcap, kcap);
    hi = std::clamp(hi, -kcap, kcap);
    const double desired = std::clamp((l.target * navd / p - pos) / lot, -kcap, kcap);
    double ki = std::isfinite(desired) ? std::trunc(desired) : 0.0;
    if (lo <= hi) {
      if (ki < lo || ki > hi) ++r.bound_adjusted;
      ki = std::clamp(ki, lo, hi);
    } else {
      // No lot count satisfies every constraint: keep the position (no trade).
      ki = 0;
      lo = hi = 0;
    }
    k[i] = static_cast<std::int64_t>(ki);
    k_min[i] = static_cast<std::int64_t>(std::max(lo, -1e15));
    k_max[i] = static_cast<std::int64_t>(std::min(hi, 1e15));
  }
  auto trade_value = [&](std::size_t i, std::int64_t lots) {
    return notional(lines[i].price, lines[i].lot * lots, Rounding::kHalfEven);
  };
  // Small trades: dropped unless a bound forces them (0 outside [k_min, k_max]).
  for (std::size_t i = 0; i < n; ++i) {
    if (k[i] == 0 || min_trade_value.raw <= 0) continue;
    if (trade_value(i, k[i]).abs() < min_trade_value && k_min[i] <= 0 && k_max[i] >= 0) {
      k[i] = 0;
      r.dropped[i] = 1;
      ++r.dropped_small;
    }
  }
  const double floor_value = cash_buffer * navd;
  auto cash_after = [&] {
    Money c = cash;
    for (std::size_t i = 0; i < n; ++i) {
      if (k[i] == 0) continue;
      const Money v = trade_value(i, k[i]);
      c -= v;
      const auto fee =
          Money::from_double(std::fabs(v.to_double()) * lines[i].cost_rate, Rounding::kUp);
      c -= fee.value_or(Money{});
    }
    return c;
  };
  Money c = cash_after();
  while (c.to_double() < floor_value) {
    // Take one lot off the largest buy that may shrink: first among buys no bound requires, then
    // (cash comes before reaching a lower bound) among the rest, never past zero.
    std::size_t best = n;
    double best_value = 0;
    for (int pass = 0; pass < 2 && best == n; ++pass) {
      for (std::size_t i = 0; i < n; ++i) {
        if (k[i] > 0 && (pass == 1 || k[i] > k_min[i])) {
          const double v = trade_value(i, k[i]).to_double();
          if (v > best_value) {
            best_value = v;
            best = i;
          }
        }
      }
    }
    if (best == n) break;  // no buy left: the floor is unreachable from the sells alone
    // As many lots as the shortfall needs at once (lots can be tiny: 0.001 of a share).
    const double per_lot = trade_value(best, 1).to_double() * (1.0 + lines[best].cost_rate);
    const double shortfall = floor_value - c.to_double();
    const std::int64_t room =
        k[best] > k_min[best] ? k[best] - std::max<std::int64_t>(k_min[best], 0) : k[best];
    const auto need = static_cast<std::int64_t>(std::ceil(shortfall / per_lot));
    const std::int64_t take = std::clamp<std::int64_t>(need, 1, room);
    k[best] -= take;
    r.buys_trimmed += static_cast<std::uint32_t>(std::min<std::int64_t>(take, UINT32_MAX));
    c = cash_after();
  }
  // Still short with no buy left: the sells were rounded toward zero. Grow the largest sells (by
  // as many lots as the shortfall needs), never past a lower bound or a no-sell.
  while (c.to_double() < floor_value) {
    std::size_t best = n;
    double best_value = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (k[i] < 0 && k[i] > k_min[i]) {
        const double v = -trade_value(i, k[i]).to_double();
        if (v > best_value) {
          best_value = v;
          best = i;
        }
      }
    }
    if (best == n) break;
    const double per_lot = trade_value(best, 1).to_double() * (1.0 - lines[best].cost_rate);
    if (!(per_lot > 0)) break;
    const double shortfall = floor_value - c.to_double();
    const auto need = static_cast<std::int64_t>(std::ceil(shortfall / per_lot));
    const std::int64_t take = std::clamp<std::int64_t>(need, 1, k[best] - k_min[best]);
    k[best] -= take;
    r.sells_extended += static_cast<std::uint32_t>(std::min<std::int64_t>(take, UINT32_MAX));
    c = cash_after();
  }
  for (std::size_t i = 0; i < n; ++i) r.trades[i] = lines[i].lot * k[i];
  r.cash_after = c;
}

std::vector<LotViolation> check_lots(std::span<const LotLine> lines, const LotResult& r, Money cash,
                                     const LotLimits& limits) {
  std::vector<LotViolation> out;
  Money nav = cash;
  for (const auto& l : lines) nav += notional(l.price, l.position, Rounding::kHalfEven);
  const double navd = nav.to_double();
  if (!(navd > 0) || r.trades.size() != lines.size()) return out;
  const double noise = 1e-12;
  auto add = [&](const char* what, std::size_t line, double limit, double value, double by) {
    if (by > noise) out.push_back(LotViolation{what, line, limit, value, by});
  };
  double traded = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const LotLine& l = lines[i];
    const Qty t = r.trades[i];
    const Qty after = l.position + t;
    const double w = notional(l.price, after, Rounding::kHalfEven).to_double() / navd;
    const double tw = notional(l.price, t, Rounding::kHalfEven).to_double() / navd;
    traded += std::fabs(tw);
    add("lower", i, l.lower, w, l.lower - w);
    double upper = l.upper;
    if (l.caps_buys_only && w - upper > noise) {
      // Only over the cap is the weight before the trade wanted (a held weight over a cap on buys
      // is allowed): computed then alone, so a line inside its bounds costs what it did before.
      upper =
          std::max(upper, notional(l.price, l.position, Rounding::kHalfEven).to_double() / navd);
    }
    add("upper", i, upper, w, w - upper);
    if (l.no_buy && t.raw > 0) add("no_buy", i, 0, tw, tw);
    if (l.no_sell && t.raw < 0) add("no_sell", i, 0, tw, -tw);
  }
  const double cw = r.cash_after.to_double() / navd;
  add("cash_buffer", LotViolation::kAccount, limits.cash_buffer, cw, limits.cash_buffer - cw);
  add("cash_max", LotViolation::kAccount, limits.cash_max, cw, cw - limits.cash_max);
  if (std::isfinite(limits.turnover_cap)) {
    add("turnover_cap", LotViolation::kAccount, limits.turnover_cap, traded,
        traded - limits.turnover_cap);
  }
  return out;
}

}  // namespace ballast
