// Cash-aware sequencing of buys.
#include "ballast/execution/cash_sequencer.hpp"

#include <algorithm>

namespace ballast {

Money release_buys(Money cash, Money pending_buys, Money allowance, std::span<const BuyNeed> needs,
                   std::span<Money> released) noexcept {
  BALLAST_INVARIANT(released.size() >= needs.size(), "release_buys: output too small");
  Money power = cash - pending_buys + allowance;
  Money total{};
  for (std::size_t i = 0; i < needs.size(); ++i) {
    const Money give = power.raw > 0 ? std::min(needs[i].outstanding, power) : Money{};
    released[i] = give.raw > 0 ? give : Money{};
    power -= released[i];
    total += released[i];
  }
  return total;
}

Money buy_allowance(double cash_allowance, Money nav) noexcept {
  if (!(cash_allowance > 0) || nav.raw <= 0) return Money{};
  return Money::from_double(cash_allowance * nav.to_double(), Rounding::kDown).value_or(Money{});
}

}  // namespace ballast
