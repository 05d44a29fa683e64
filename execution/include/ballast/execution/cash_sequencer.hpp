// Cash-aware sequencing: within an account, buys are released as sells fill or as cash allows.
#pragma once

#include <cstdint>
#include <span>

#include "ballast/core/fixed_point.hpp"
#include "ballast/core/ids.hpp"

namespace ballast {

/// A buy parent waiting for cash: what it still needs, at its reference price.
struct BuyNeed {
  OrderId parent{};
  Money outstanding{};  ///< notional not yet released (remaining quantity x reference price)
};

/// Releases buying power to buy parents, in the order given (the caller orders them: e.g. the
/// trade list's order, largest underweight first). Rule (docs/slicing.md):
///   buying power = cash - pending buy notional (working buys, at their limits) + allowance
///   each parent in turn gets min(outstanding, what is left), never below zero.
/// So cash never goes below -allowance counting pending buys. `released[i]` receives the notional
/// parent i may add now; returns the total. Pure, no allocation.
Money release_buys(Money cash, Money pending_buys, Money allowance, std::span<const BuyNeed> needs,
                   std::span<Money> released) noexcept;

/// The allowance for an account: cash_allowance (a share of NAV, from the execution config)
/// x NAV, rounded down.
Money buy_allowance(double cash_allowance, Money nav) noexcept;

}  // namespace ballast
