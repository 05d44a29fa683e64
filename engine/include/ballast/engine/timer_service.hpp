// Timer service: turns ScheduleTimer requests into TimerFired events when their time comes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "ballast/core/events.hpp"

namespace ballast {

/// A min-heap of pending timers ordered by (due, order of scheduling), so timers due at the same
/// instant fire in the order they were asked for: deterministic. Thread: the core thread only.
/// Memory is reserved up front; past that, a burst of timers grows it once (warm-up).
class TimerService {
 public:
  explicit TimerService(std::size_t reserve = 4096) { heap_.reserve(reserve); }

  /// Schedules (or re-schedules: an existing id is replaced) a timer.
  void schedule(const ScheduleTimer& s);
  /// Cancels a timer; an unknown id is ignored. O(pending) scan: cancels are rare.
  void cancel(TimerId id) noexcept;

  /// Earliest due time among live timers, if any.
  std::optional<Timestamp> next_due() noexcept;
  /// Pops the earliest timer due at or before `now` into `out`; false when none is due.
  bool pop_due(Timestamp now, TimerFired& out) noexcept;

  std::size_t pending() const noexcept { return live_; }

 private:
  struct Entry {
    Timestamp due;
    std::uint64_t order;
    TimerId id;
    std::uint32_t owner;
    std::uint64_t cookie;
    bool cancelled;
  };
  static bool later(const Entry& a, const Entry& b) noexcept {
    return a.due != b.due ? a.due > b.due : a.order > b.order;
  }
  void drop_cancelled_top() noexcept;

  std::vector<Entry> heap_;
  std::uint64_t next_order_ = 0;
  std::size_t live_ = 0;
};

}  // namespace ballast
