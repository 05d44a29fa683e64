// The counters facility (base/counters.hpp): one writer and readers on other threads; several
// writers; reading by name. Run under TSan in CI (engine_thread_tests).
#include "ballast/base/counters.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace ballast {
namespace {

struct TwoCounters {
  Counter a;
  SharedCounter b;
  template <class F>
  void each(F&& f) const {
    name_counters(f, "a", a, "b", b);
  }
};

TEST(Counters, AReaderOnAnotherThreadSeesOnlyValuesTheWriterWroteInOrder) {
  // Random increments (1..5) by one writer; a reader polls. Every value it sees is a partial
  // sum the writer produced, and the values never go back.
  std::mt19937_64 rng(20261206);
  std::vector<std::uint64_t> steps(200'000);
  for (auto& s : steps) s = 1 + rng() % 5;
  std::set<std::uint64_t> sums{0};
  std::uint64_t total = 0;
  for (const auto s : steps) sums.insert(total += s);

  Counter c;
  std::atomic<bool> done{false};
  std::vector<std::uint64_t> seen;
  seen.reserve(1 << 16);
  std::thread reader([&] {
    while (!done.load(std::memory_order_acquire)) {
      if (seen.size() < (1u << 16)) seen.push_back(c.value());
    }
    seen.push_back(c.value());
  });
  for (const auto s : steps) c.add(s);
  done.store(true, std::memory_order_release);
  reader.join();
  EXPECT_EQ(c.value(), total);
  EXPECT_EQ(seen.back(), total);
  for (std::size_t k = 0; k < seen.size(); ++k) {
    ASSERT_EQ(sums.count(seen[k]), 1u) << "a value the writer never wrote: " << seen[k];
    if (k > 0) {
      ASSERT_LE(seen[k - 1], seen[k]) << "went back at read " << k;
    }
  }
}

TEST(Counters, SharedCounterAddsEveryWritersCountExactly) {
  SharedCounter c;
  constexpr int kThreads = 4;
  constexpr std::uint64_t kEach = 50'000;
  std::vector<std::thread> ts;
  std::atomic<std::uint64_t> returned_max{0};
  for (int t = 0; t < kThreads; ++t) {
    ts.emplace_back([&, t] {
      std::uint64_t last = 0;
      for (std::uint64_t k = 0; k < kEach; ++k) last = (t % 2 == 0) ? c.add(1) : (++c).value();
      std::uint64_t m = returned_max.load();
      while (last > m && !returned_max.compare_exchange_weak(m, last)) {
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(c.value(), kThreads * kEach);
  EXPECT_LE(returned_max.load(), kThreads * kEach);
}

TEST(Counters, ReadByNameInDeclaredOrderWithThePrefix) {
  TwoCounters t;
  ++t.a;
  t.a.add(41);
  t.b.add(7);
  std::vector<CounterReading> out;
  read_counters(t, "x", out);
  read_counters(t, "y", out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].name, "x.a");
  EXPECT_EQ(out[0].value, 42u);
  EXPECT_EQ(out[1].name, "x.b");
  EXPECT_EQ(out[1].value, 7u);
  EXPECT_EQ(out[2].name, "y.a");
  EXPECT_EQ(out[3].name, "y.b");
  t.a.set(3);  // a gauge
  EXPECT_EQ(t.a.value(), 3u);
}

}  // namespace
}  // namespace ballast
