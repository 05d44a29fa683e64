// ExecLedger: the ExecIDs already applied (de-duplication) and the fills they booked (for busts).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ballast/core/events.hpp"

namespace ballast {

/// One applied fill, bust or correction, keyed by (session, ExecID).
struct ExecRecord {
  FixedString<32> exec_id{};
  OrderId order{};
  Qty qty{};   ///< booked fill quantity (after any correction); 0 for bust/correct records
  Price px{};  ///< booked fill price (after any correction)
  SessionId session{};
  bool used{false};
  bool busted{false};
};

/// Remembers every economically relevant report (trade, bust, correction) by (session, ExecID).
/// Bound: at most `max_records` per trading day (ExecIDs are unique per broker per day); the table
/// is open-addressed at twice that and sized at construction, so insert() never allocates. When it
/// is full, insert() returns kFull and the caller applies the report without de-duplication (and
/// counts it). clear() at the start of a trading day.
/// Thread: one owner.
class ExecLedger {
 public:
  explicit ExecLedger(std::size_t max_records);

  enum class Insert : std::uint8_t { kInserted, kDuplicate, kFull };

  /// Records the report; on kInserted *out points at the new record, on kDuplicate at the old.
  [[nodiscard]] Insert insert(SessionId session, const FixedString<32>& exec_id, OrderId order,
                              Qty qty, Price px, ExecRecord** out) noexcept;
  /// The record of (session, exec_id), or nullptr.
  ExecRecord* find(SessionId session, const FixedString<32>& exec_id) noexcept;

  std::size_t size() const noexcept { return size_; }
  std::size_t max_records() const noexcept { return max_records_; }
  void clear() noexcept;

 private:
  std::size_t slot_of(SessionId session, const FixedString<32>& exec_id) const noexcept;

  std::vector<ExecRecord> table_;
  std::size_t mask_{0};
  std::size_t size_{0};
  std::size_t max_records_{0};
};

}  // namespace ballast
