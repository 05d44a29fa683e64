// Block fill allocation: largest remainder over whole lots (rule in docs/execution.md, "Blocks").
#include "ballast/execution/block_allocation.hpp"

#include <algorithm>

#include "ballast/core/invariant.hpp"

namespace ballast {

BlockAllocator::BlockAllocator(std::size_t max_accounts)
    : order_(max_accounts), whole_(max_accounts), rem_(max_accounts) {}

void BlockAllocator::allocate(std::span<const BlockShare> shares, Qty filled, Qty lot,
                              std::span<Qty> out) noexcept {
  const std::size_t n = shares.size();
  BALLAST_INVARIANT(n <= order_.size(), "block has more accounts than the allocator holds");
  BALLAST_INVARIANT(out.size() == n, "allocation output size differs from the shares");
  BALLAST_INVARIANT(lot.raw > 0, "allocation lot must be positive");
  BALLAST_INVARIANT(filled.raw >= 0, "allocated fill must not be negative");

  // Rank by account id first: every later step depends on the ids, never the input order.
  for (std::size_t i = 0; i < n; ++i) order_[i] = static_cast<std::uint32_t>(i);
  std::sort(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(n),
            [&](std::uint32_t a, std::uint32_t b) {
              return shares[a].account.value < shares[b].account.value;
            });
  __int128 total_room = 0;
  std::int64_t lots_cap = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const BlockShare& s = shares[order_[k]];
    BALLAST_INVARIANT(s.requested.raw >= 0, "block request must not be negative");
    BALLAST_INVARIANT(k == 0 || shares[order_[k - 1]].account != s.account,
                      "block lists an account twice");
    total_room += s.requested.raw;
    lots_cap += s.requested.raw / lot.raw;
  }
  BALLAST_INVARIANT(filled.raw <= total_room, "block fill exceeds what the accounts asked for");

  // Phase 1, whole lots: Hamilton. quota_i = F * cap_i / R; floors first, then one lot each to
  // the largest remainders (ties: lower account id, as order_ is sorted by id and the sort below
  // is stable).
  const std::int64_t f_lots = std::min<std::int64_t>(filled.raw / lot.raw, lots_cap);
  std::int64_t given = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t cap = shares[i].requested.raw / lot.raw;
    if (lots_cap == 0) {
      whole_[i] = 0;
      rem_[i] = 0;
      continue;
    }
    const __int128 num = static_cast<__int128>(f_lots) * cap;
    whole_[i] = static_cast<std::int64_t>(num / lots_cap);
    rem_[i] = num % lots_cap;
    given += whole_[i];
  }
  std::int64_t left = f_lots - given;  // < number of positive remainders (see docs)
  if (left > 0) {
    std::stable_sort(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(n),
                     [&](std::uint32_t a, std::uint32_t b) { return rem_[a] > rem_[b]; });
    for (std::size_t k = 0; k < n && left > 0; ++k, --left) ++whole_[order_[k]];
    std::sort(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(n),
              [&](std::uint32_t a, std::uint32_t b) {
                return shares[a].account.value < shares[b].account.value;
              });
  }
  for (std::size_t i = 0; i < n; ++i) out[i] = Qty{whole_[i] * lot.raw};

  // Phase 2, what whole lots cannot carry (an odd-lot fill, or requests off the lot): to the
  // accounts with the most room left, ties by lower account id.
  std::int64_t rest = filled.raw - f_lots * lot.raw;
  if (rest > 0) {
    std::stable_sort(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(n),
                     [&](std::uint32_t a, std::uint32_t b) {
                       return shares[a].requested.raw - out[a].raw >
                              shares[b].requested.raw - out[b].raw;
                     });
    for (std::size_t k = 0; k < n && rest > 0; ++k) {
      const std::uint32_t i = order_[k];
      const std::int64_t take = std::min(rest, shares[i].requested.raw - out[i].raw);
      out[i].raw += take;
      rest -= take;
    }
  }
}

std::vector<Qty> allocate_block_fill(const std::vector<BlockShare>& accounts, Qty filled, Qty lot) {
  BlockAllocator a(accounts.size());
  std::vector<Qty> out(accounts.size());
  a.allocate(accounts, filled, lot, out);
  return out;
}

}  // namespace ballast
