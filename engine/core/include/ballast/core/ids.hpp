// Dense integer identifiers: the hot path handles ids, never strings.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

namespace ballast {

/// A typed id. `kInvalid` (all bits set) means "none".
template <class Tag, class Rep>
struct Id {
  using rep_type = Rep;
  static constexpr Rep kInvalidValue = std::numeric_limits<Rep>::max();

  Rep value{kInvalidValue};

  constexpr bool valid() const noexcept { return value != kInvalidValue; }
  friend constexpr auto operator<=>(Id, Id) = default;
};

using InstrumentId = Id<struct InstrumentIdTag, std::uint32_t>;
using AccountId = Id<struct AccountIdTag, std::uint32_t>;
using ModelId = Id<struct ModelIdTag, std::uint32_t>;
/// Engine-wide order id; the FIX adapter renders it into a ClOrdID unique across restarts.
using OrderId = Id<struct OrderIdTag, std::uint64_t>;
using SessionId = Id<struct SessionIdTag, std::uint16_t>;
using TimerId = Id<struct TimerIdTag, std::uint64_t>;

/// Buy or sell.
enum class Side : std::uint8_t { kBuy = 1, kSell = 2 };

constexpr const char* to_string(Side s) noexcept {
  return s == Side::kBuy ? "buy" : "sell";
}
constexpr Side opposite(Side s) noexcept {
  return s == Side::kBuy ? Side::kSell : Side::kBuy;
}

}  // namespace ballast
