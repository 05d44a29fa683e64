// Timer service.
#include "ballast/engine/timer_service.hpp"

#include <algorithm>

namespace ballast {

void TimerService::schedule(const ScheduleTimer& s) {
  cancel(s.timer);
  heap_.push_back(Entry{s.due, next_order_++, s.timer, s.owner, s.cookie, false});
  std::push_heap(heap_.begin(), heap_.end(), later);
  ++live_;
}

void TimerService::cancel(TimerId id) noexcept {
  for (auto& e : heap_) {
    if (!e.cancelled && e.id == id) {
      e.cancelled = true;
      --live_;
    }
  }
}

void TimerService::drop_cancelled_top() noexcept {
  while (!heap_.empty() && heap_.front().cancelled) {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    heap_.pop_back();
  }
}

std::optional<Timestamp> TimerService::next_due() noexcept {
  drop_cancelled_top();
  if (heap_.empty()) return std::nullopt;
  return heap_.front().due;
}

bool TimerService::pop_due(Timestamp now, TimerFired& out) noexcept {
  drop_cancelled_top();
  if (heap_.empty() || heap_.front().due > now) return false;
  const Entry e = heap_.front();
  std::pop_heap(heap_.begin(), heap_.end(), later);
  heap_.pop_back();
  --live_;
  out = TimerFired{};
  out.hdr.event_time = e.due;
  out.timer = e.id;
  out.owner = e.owner;
  out.cookie = e.cookie;
  return true;
}

}  // namespace ballast
