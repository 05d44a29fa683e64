// From optimizer weights to whole-lot trades: the one place doubles cross back to fixed point.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "ballast/core/fixed_point.hpp"

namespace ballast {

/// One instrument of an account, for lot rounding.
struct LotLine {
  Price price{};      ///< mark used for the rebalance; <= 0: no price, the line is not traded
  Qty lot{};          ///< lot size (> 0)
  Qty position{};     ///< current holding including working orders (may be an odd lot)
  double target = 0;  ///< the optimizer's post-trade weight
  double lower = 0;   ///< bounds on the post-trade weight
  double upper = 1;
  /// `upper` caps buys only (a compliance weight cap): a position above it may stay, never is it
  /// sold because of the cap; the post-trade check tests max(upper, the weight before).
  bool caps_buys_only = false;
  bool no_buy = false;
  bool no_sell = false;
  double cost_rate = 0;  ///< estimated cost per unit of traded value (cash reserve for fees)
};

/// The trades, and what rounding had to do.
struct LotResult {
  std::vector<Qty> trades;            ///< signed, whole lots (buys > 0)
  Money cash_after{};                 ///< cash after every trade at its price, less estimated costs
  std::uint32_t bound_adjusted = 0;   ///< rounded away from zero to stay inside a bound
  std::uint32_t buys_trimmed = 0;     ///< lots taken off buys to keep the cash floor
  std::uint32_t dropped_small = 0;    ///< trades below min_trade_value set to zero
  std::uint32_t sells_extended = 0;   ///< lots added to sells to reach the cash floor
  std::vector<std::uint8_t> dropped;  ///< per line: 1 when dropped as too small
  std::uint32_t unpriced = 0;         ///< lines without a positive price or lot: not traded
};

/// Rounds the optimizer's weights to whole-lot trades. The rule (docs/optimizer.md):
///  1. desired trade d = target x NAV / price - position, in lots, rounded toward zero (never
///     trade more than the optimizer asked);
///  2. clamped to the lot counts that keep the post-trade weight within [lower, upper] and respect
///     no-buy / no-sell (rounding away from zero only when a bound requires it);
///  3. trades worth less than min_trade_value are dropped unless a bound requires them;
///  4. while cash after trades and estimated costs is below cash_buffer x NAV, one lot comes off
///     the buy with the largest remaining notional: first buys no bound requires, then, because
///     cash comes before reaching a lower bound, the others (never past zero: a buy never becomes
///     a sell);
///  5. still below the floor with no buy left (the sells, rounded toward zero, raise less than
///     the optimizer's weights did): lots are added to the largest sells, never past a lower
///     bound. Cash ends at or above the floor unless no buy is left and no sell can grow.
/// A line without a positive price or lot is never traded and its position counts 0 in the NAV:
/// callers leave out held instruments without a price first (the rebalancer skips the account).
/// Whether the result keeps every constraint is check_lots()'s question.
/// NAV is cash + sum position x price, exact. Deterministic; allocates only the result.
LotResult round_to_lots(std::span<const LotLine> lines, Money cash, double cash_buffer,
                        Money min_trade_value = Money::zero());

/// round_to_lots' scratch space, kept by a caller that rounds again and again (the rebalancer).
struct LotWorkspace {
  std::vector<std::int64_t> k, k_min, k_max;
};

/// The same rounding into `out`, with `ws` as scratch: once both have grown to the largest
/// account's size, a call allocates nothing (the rebalancer's hot path).
void round_to_lots_into(std::span<const LotLine> lines, Money cash, double cash_buffer,
                        Money min_trade_value, LotWorkspace& ws, LotResult& out);

/// The account-level limits the whole-lot trades are checked against.
struct LotLimits {
  double cash_buffer = 0;
  double cash_max = 1;
  double turnover_cap = std::numeric_limits<double>::infinity();
};

/// A constraint the whole-lot trades break, and by how much. Weights are fractions of the
/// pre-trade NAV (cash + sum position x price); cash is after trades and estimated costs.
struct LotViolation {
  /// "lower", "upper", "no_buy", "no_sell", "cash_buffer", "cash_max" or "turnover_cap".
  const char* constraint = "";
  std::size_t line = kAccount;  ///< the instrument's line, or kAccount
  double limit = 0;             ///< the bound
  double value = 0;             ///< the post-trade value
  double by = 0;                ///< how far past the bound (> 0)
  static constexpr std::size_t kAccount = static_cast<std::size_t>(-1);
};

/// Checks the trades of `r` against every constraint on the post-trade point, independently of
/// how they were rounded: per line the bounds and no-buy / no-sell, then the cash window and the
/// turnover cap. A violation smaller than 1e-12 of NAV is float noise and not reported. Empty =
/// the rounded point is feasible.
std::vector<LotViolation> check_lots(std::span<const LotLine> lines, const LotResult& r, Money cash,
                                     const LotLimits& limits);

}  // namespace ballast
