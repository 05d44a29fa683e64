// Bounded queues: order, capacity, backpressure, and cross-thread delivery (also run under TSan).
#include "ballast/engine/queue.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/engine/idle_strategy.hpp"

namespace ballast {
namespace {

struct Item {
  std::uint32_t producer;
  std::uint64_t n;
};

TEST(SpscQueue, IsFifoAndRefusesWhenFullWithoutDropping) {
  SpscQueue<Item> q(8);
  const std::size_t cap = q.capacity();
  ASSERT_GE(cap, 8u);
  for (std::uint64_t i = 0; i < cap; ++i) ASSERT_TRUE(q.try_push({0, i}));
  EXPECT_FALSE(q.try_push({0, 999}));
  EXPECT_EQ(q.full_events(), 1u);
  Item it{};
  for (std::uint64_t i = 0; i < cap; ++i) {
    ASSERT_TRUE(q.try_pop(it));
    EXPECT_EQ(it.n, i);
  }
  EXPECT_FALSE(q.try_pop(it));
  EXPECT_TRUE(q.try_push({0, 1000}));  // room again after draining
}

TEST(SpscQueue, DeliversEveryItemInOrderAcrossThreadsUnderBackpressure) {
  constexpr std::uint64_t kCount = 200'000;
  SpscQueue<Item> q(64);  // small: the producer must hit backpressure often
  std::uint64_t waits = 0;
  std::thread producer([&] {
    IdleStrategy idle(IdleKind::kYield);
    for (std::uint64_t i = 0; i < kCount; ++i) waits += q.push_wait({1, i}, idle);
  });
  std::uint64_t expect = 0;
  Item it{};
  while (expect < kCount) {
    if (q.try_pop(it)) {
      ASSERT_EQ(it.n, expect);
      ++expect;
    } else {
      std::this_thread::yield();
    }
  }
  producer.join();
  EXPECT_FALSE(q.try_pop(it));
  EXPECT_EQ(q.full_events(), waits);
}

TEST(MpscQueue, KeepsPerProducerOrderAndLosesNothing) {
  constexpr int kProducers = 3;
  constexpr std::uint64_t kCount = 100'000;
  MpscQueue<Item> q(kProducers);
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&q, p] {
      auto prod = q.make_producer();
      IdleStrategy idle(IdleKind::kYield);
      for (std::uint64_t i = 0; i < kCount; ++i)
        prod.push_wait({static_cast<std::uint32_t>(p), i}, idle);
    });
  }
  std::vector<std::uint64_t> next(kProducers, 0);
  std::uint64_t total = 0;
  Item it{};
  while (total < kCount * kProducers) {
    if (q.try_pop(it)) {
      ASSERT_LT(it.producer, static_cast<std::uint32_t>(kProducers));
      ASSERT_EQ(it.n, next[it.producer]) << "producer " << it.producer;
      ++next[it.producer];
      ++total;
    } else {
      std::this_thread::yield();
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(q.try_pop(it));
}

TEST(MpscQueue, IsBoundedAndReportsFullness) {
  MpscQueue<Item, 64> q(2);
  auto prod = q.make_producer();
  std::uint64_t accepted = 0;
  while (prod.try_push({0, accepted})) {
    ++accepted;
    ASSERT_LT(accepted, 1'000'000u) << "queue grew without bound";
  }
  EXPECT_EQ(accepted, q.per_producer_capacity());
  EXPECT_EQ(q.full_events(), 1u);
  // The other producer's share is untouched by the first one filling its own.
  auto other = q.make_producer();
  EXPECT_TRUE(other.try_push({1, 0}));
  Item it{};
  std::uint64_t popped = 0;
  while (q.try_pop(it)) {
    if (it.producer == 0) {
      ASSERT_EQ(it.n, popped++);
    }
  }
  EXPECT_EQ(popped, accepted);
}

// A producer's place comes back when its handle is destroyed: a kernel's operator API started
// and stopped over and over (each start makes a control channel) used to abort at the 6th start
// ("more producers than configured"). The recycled share is still bounded, and what a producer
// queued before it went is still delivered.
TEST(MpscQueue, ADestroyedProducersPlaceIsTakenOverBoundedAndNothingIsLost) {
  MpscQueue<Item, 64> q(2);
  auto kept = q.make_producer();
  ASSERT_TRUE(kept.try_push({0, 0}));
  std::uint64_t queued = 1;
  for (std::uint32_t round = 1; round <= 20; ++round) {
    auto p = q.make_producer();
    ASSERT_TRUE(p.try_push({round, 0}));
    ++queued;
    auto moved = std::move(p);  // a move hands the place over, not twice
    ASSERT_TRUE(moved.try_push({round, 1}));
    ++queued;
  }
  // Twenty handles made and destroyed on a queue sized for two: the next one fits, and its share
  // is one producer's (what the destroyed ones left queued counts against it).
  auto last = q.make_producer();
  std::uint64_t accepted = 0;
  while (last.try_push({99, accepted})) {
    ++accepted;
    ASSERT_LT(accepted, 1'000'000u) << "a recycled producer grew without bound";
  }
  EXPECT_LE(accepted, q.per_producer_capacity());
  EXPECT_GE(accepted, q.per_producer_capacity() - 2 * 20);
  Item it{};
  std::uint64_t popped = 0;
  while (q.try_pop(it)) ++popped;
  EXPECT_EQ(popped, queued + accepted);
}

TEST(SpscQueue, CarriesEngineEvents) {
  SpscQueue<Event> q(4);
  ASSERT_TRUE(q.try_push(QuoteUpdated{.hdr = {},
                                      .instrument = InstrumentId{2},
                                      .bid = Price{1},
                                      .bid_size = Qty{2},
                                      .ask = Price{3},
                                      .ask_size = Qty{4}}));
  Event e;
  ASSERT_TRUE(q.try_pop(e));
  EXPECT_EQ(std::get<QuoteUpdated>(e).ask.raw, 3);
}

}  // namespace
}  // namespace ballast
