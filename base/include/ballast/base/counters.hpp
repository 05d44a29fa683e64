// Counters: the one way a component counts what it did, for readers on any thread.
//
// A component keeps its counts as Counter (one writer thread) or SharedCounter (several writer
// threads) members of one struct and hands out a const reference to it (its counters()); readers
// load each value in place, on any thread, whenever they like. No component copies its counts
// into a snapshot struct of plain integers. The struct lists its counters by name once, in
// `template <class F> void each(F&& f) const { name_counters(f, "a", a, "b", b); }` calling
// f(name, value) per counter, which is what readers by name use (read_counters below: `ballast run
// --counters-out`, the kernel's Kernel::counters()).
//
// Counts that only the core thread touches and that are read on it or after it stopped (the
// engine components' decision counts) stay plain integers: the core is single-threaded.
//
// Compiles as C++14 as well: the FIX adapters (QuickFIX headers) use it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace ballast {

/// A count one thread writes and any thread reads. The writer adds with a relaxed load and
/// store, a plain move on x86 (no locked read-modify-write); a reader loads it relaxed, so it
/// may see a value a moment old, never a torn one. A gauge (a level, not a count) uses set().
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void add(std::uint64_t n) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  Counter& operator++() noexcept {
    add(1);
    return *this;
  }
  void set(std::uint64_t v) noexcept { v_.store(v, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

/// A count several threads add to (the FIX library's threads and the sender, say): an atomic
/// fetch_add. Read like a Counter.
class SharedCounter {
 public:
  SharedCounter() = default;
  SharedCounter(const SharedCounter&) = delete;
  SharedCounter& operator=(const SharedCounter&) = delete;

  /// The value after adding.
  std::uint64_t add(std::uint64_t n) noexcept {
    return v_.fetch_add(n, std::memory_order_relaxed) + n;
  }
  SharedCounter& operator++() noexcept {
    add(1);
    return *this;
  }
  std::uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

/// A counter's value, for name_counters: Counter, SharedCounter or a std::atomic integer.
inline std::uint64_t counter_value(const Counter& c) noexcept {
  return c.value();
}
inline std::uint64_t counter_value(const SharedCounter& c) noexcept {
  return c.value();
}
template <class T>
std::uint64_t counter_value(const std::atomic<T>& a) noexcept {
  return static_cast<std::uint64_t>(a.load(std::memory_order_relaxed));
}

/// What a counters struct's each(f) is made of: name_counters(f, "sent", sent, "held", held, ...)
/// calls f(name, value) for each (name, counter) pair, in order.
template <class F>
void name_counters(F&) {}
template <class F, class C, class... Rest>
void name_counters(F& f, const char* name, const C& c, const Rest&... rest) {
  f(name, counter_value(c));
  name_counters(f, rest...);
}

/// One counter, read by name.
struct CounterReading {
  std::string name;  ///< "<prefix>.<counter>", e.g. "sender.sent"
  std::uint64_t value = 0;
};

/// Appends every counter of `c` (a struct with each(f)) to `out`, named "<prefix>.<name>".
/// Allocates: for reports, never on a hot path.
template <class Counters>
void read_counters(const Counters& c, const char* prefix, std::vector<CounterReading>& out) {
  c.each([&](const char* name, std::uint64_t value) {
    CounterReading r;
    r.name = std::string(prefix) + "." + name;
    r.value = value;
    out.push_back(r);
  });
}

}  // namespace ballast
