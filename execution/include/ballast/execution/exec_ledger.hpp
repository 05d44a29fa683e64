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
/// Bound: at most `max_records` per trading day (ExecIDs are unique per broker per day). The
/// ledger keeps two days: today's reports and the previous trading day's, so a report resent
/// across midnight (a PossDup after a morning reconnect) or a bust of yesterday's fill is still
/// recognised; roll() at the start of a trading day forgets the day before yesterday. Each day's
/// table is open-addressed at twice `max_records` and sized at construction, so insert() never
/// allocates. When today's table is full, insert() returns kFull and the caller applies the
/// report without de-duplication (and counts it).
/// Thread: one owner.
class ExecLedger {
 public:
  explicit ExecLedger(std::size_t max_records);

  enum class Insert : std::uint8_t { kInserted, kDuplicate, kFull };

  /// Records the report; on kInserted *out points at the new record, on kDuplicate at the old
  /// (today's or the previous day's).
  [[nodiscard]] Insert insert(SessionId session, const FixedString<32>& exec_id, OrderId order,
                              Qty qty, Price px, ExecRecord** out) noexcept;
  /// The record of (session, exec_id) from today or the previous day, or nullptr.
  ExecRecord* find(SessionId session, const FixedString<32>& exec_id) noexcept;

  /// Reports recorded today.
  std::size_t size() const noexcept { return day_[cur_].size; }
  /// Reports recorded today and on the previous day.
  std::size_t remembered() const noexcept { return day_[0].size + day_[1].size; }
  std::size_t max_records() const noexcept { return max_records_; }
  /// A new trading day: the previous day's records are forgotten, today's become the previous
  /// day's, and today starts empty.
  void roll() noexcept;
  /// Forgets everything.
  void clear() noexcept;

 private:
  struct Day {
    std::vector<ExecRecord> table;
    std::size_t size{0};
    ExecRecord* find(std::size_t home, std::size_t mask, SessionId session,
                     const FixedString<32>& exec_id) noexcept;
    void clear() noexcept;
  };
  std::size_t slot_of(SessionId session, const FixedString<32>& exec_id) const noexcept;

  Day day_[2];
  std::size_t cur_{0};
  std::size_t mask_{0};
  std::size_t max_records_{0};
};

}  // namespace ballast
