// Child order ids unique across restarts, and their FIX ClOrdID (11) text form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ballast/core/ids.hpp"
#include "ballast/core/time.hpp"

namespace ballast {

/// Issues OrderIds as (epoch << 32 | counter). The epoch is supplied at start and must differ on
/// every run (a restart counter the journal persists), so ids never repeat across restarts; the
/// counter starts at 1 and runs to 2^32 - 2 within one run.
/// Thread: one owner. No allocation.
class ClOrdIdGenerator {
 public:
  /// epoch must not be 0xFFFFFFFF (that would reach OrderId::kInvalidValue); stops the process if
  /// so.
  explicit ClOrdIdGenerator(std::uint32_t epoch) noexcept;

  /// Returns the next id. Running out of counter values in one run stops the process (4e9 orders
  /// per run is a bug, not a load).
  [[nodiscard]] OrderId next() noexcept;

  /// Starts a new run: `epoch`, counter back to 0 (journal replay crossing a restart).
  void reset(std::uint32_t epoch) noexcept;

  std::uint32_t epoch() const noexcept { return epoch_; }
  /// Ids issued so far in this run.
  std::uint32_t issued() const noexcept { return counter_; }

 private:
  std::uint32_t epoch_;
  std::uint32_t counter_{0};
};

/// The epoch (upper 32 bits) of an id.
constexpr std::uint32_t order_id_epoch(OrderId id) noexcept {
  return static_cast<std::uint32_t>(id.value >> 32);
}

/// Run epochs (docs/journal.md, "ClOrdID uniqueness"): the engine run with epoch E issues parent
/// ids with id epoch 2E and child ids (the ClOrdIDs sent to brokers) with id epoch 2E + 1, so a
/// run epoch is at most kMaxRunEpoch.
inline constexpr std::uint32_t kMaxRunEpoch = 0x7FFFFFFEu;
/// The run epoch that issued `id`.
constexpr std::uint32_t run_epoch_of(OrderId id) noexcept {
  return order_id_epoch(id) >> 1;
}
/// 2024-01-01T00:00:00Z in seconds since the Unix epoch: the origin of wall-clock run epochs.
inline constexpr std::int64_t kRunEpochOriginUnixSeconds = 1'704'067'200;
/// The wall-clock floor of a run epoch: whole seconds since 2024-01-01T00:00:00Z at `now` (wall
/// time), at least 1; clamped to kMaxRunEpoch (the year 2092).
std::uint32_t wall_clock_run_epoch(Timestamp now) noexcept;

/// Longest ClOrdID text: "B" + 13 base-36 digits.
inline constexpr std::size_t kMaxClOrdIdLength = 14;

/// Writes the ClOrdID of `id` ("B" + upper-case base 36, no leading zeros) into buf (at least
/// kMaxClOrdIdLength bytes, not NUL-terminated); returns the length. No allocation.
std::size_t format_cl_ord_id(OrderId id, char* buf) noexcept;
/// The ClOrdID of `id` as a string (cold path).
std::string to_cl_ord_id(OrderId id);
/// Parses a ClOrdID written by format_cl_ord_id. Returns nullopt for anything else (other
/// prefixes, lower case, leading zeros, overflow, the invalid id): canonical text only, so parse
/// and format are inverse.
[[nodiscard]] std::optional<OrderId> parse_cl_ord_id(std::string_view text) noexcept;

}  // namespace ballast
