// Block fills: splitting one fill of an aggregated (block) order back to its accounts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ballast/core/fixed_point.hpp"
#include "ballast/core/ids.hpp"

namespace ballast {

/// One account's part of a block: what it asked for (or, for a later fill, what it still lacks).
struct BlockShare {
  AccountId account{};
  Qty requested{};
};

/// Allocates a fill to accounts, pro rata to `requested`, in whole lots (rule in docs/execution.md,
/// "Blocks"): largest remainder (Hamilton) over whole lots, remainders tied broken by lower account
/// id; any part that cannot go in whole lots (a fill or a request that is not a multiple of the
/// lot) goes to accounts in order of most room left, ties by lower account id.
/// Guarantees: the result sums exactly to `filled`; 0 <= result[i] <= requested[i]; whole lots
/// whenever every request and the fill are whole lots; the same multiset of (account, requested)
/// gives the same per-account result in any input order.
/// Preconditions (a broken one stops the process): lot > 0, requested >= 0, distinct accounts,
/// 0 <= filled <= sum of requested, at most max_accounts shares.
/// Thread: one owner. No allocation after construction.
class BlockAllocator {
 public:
  explicit BlockAllocator(std::size_t max_accounts);

  /// Writes the allocation of shares[i] into out[i] (out.size() == shares.size()).
  void allocate(std::span<const BlockShare> shares, Qty filled, Qty lot,
                std::span<Qty> out) noexcept;

 private:
  std::vector<std::uint32_t> order_;
  std::vector<std::int64_t> whole_;  // lots per share
  std::vector<__int128> rem_;        // Hamilton remainders
};

/// Convenience form of BlockAllocator::allocate (allocates; cold path and tests).
std::vector<Qty> allocate_block_fill(const std::vector<BlockShare>& accounts, Qty filled, Qty lot);

}  // namespace ballast
