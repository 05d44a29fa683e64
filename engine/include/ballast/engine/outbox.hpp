// Outbox: where a component appends the events it emits while handling one event.
#pragma once

#include <cstddef>
#include <vector>

#include "ballast/core/events.hpp"

namespace ballast {

/// Caller-owned list of emitted events, in emission order. clear() keeps the memory, so after
/// warm-up (the largest burst seen once) appending allocates nothing.
class Outbox {
 public:
  explicit Outbox(std::size_t reserve = 1024) { events_.reserve(reserve); }

  template <class E>
  void emit(const E& e) {
    events_.emplace_back(e);
  }
  void push(const Event& e) { events_.push_back(e); }

  std::size_t size() const noexcept { return events_.size(); }
  bool empty() const noexcept { return events_.empty(); }
  const Event& operator[](std::size_t i) const noexcept { return events_[i]; }
  Event& operator[](std::size_t i) noexcept { return events_[i]; }
  void clear() noexcept { events_.clear(); }
  auto begin() const noexcept { return events_.begin(); }
  auto end() const noexcept { return events_.end(); }

 private:
  std::vector<Event> events_;
};

}  // namespace ballast
