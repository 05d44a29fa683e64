// Timer service: ordering, ties, cancel and re-schedule.
#include "ballast/engine/timer_service.hpp"

#include <gtest/gtest.h>

namespace ballast {
namespace {

ScheduleTimer at(std::uint64_t id, std::int64_t due, std::uint64_t cookie = 0) {
  ScheduleTimer s{};
  s.timer = TimerId{id};
  s.due = Timestamp{due};
  s.cookie = cookie;
  return s;
}

TEST(TimerService, FiresInDueOrderAndTiesInSchedulingOrder) {
  TimerService t;
  t.schedule(at(1, 300));
  t.schedule(at(2, 100));
  t.schedule(at(3, 200));
  t.schedule(at(4, 100));
  TimerFired f;
  EXPECT_FALSE(t.pop_due(Timestamp{99}, f));
  std::vector<std::uint64_t> order;
  while (t.pop_due(Timestamp{1000}, f)) order.push_back(f.timer.value);
  EXPECT_EQ(order, (std::vector<std::uint64_t>{2, 4, 3, 1}));
  EXPECT_EQ(t.pending(), 0u);
}

TEST(TimerService, CancelledTimersNeverFireAndRescheduleReplaces) {
  TimerService t;
  t.schedule(at(1, 100));
  t.schedule(at(2, 150));
  t.cancel(TimerId{1});
  t.cancel(TimerId{42});      // unknown: ignored
  t.schedule(at(2, 500, 7));  // replaces the earlier timer 2
  EXPECT_EQ(t.pending(), 1u);
  EXPECT_EQ(t.next_due()->ns, 500);
  TimerFired f;
  EXPECT_FALSE(t.pop_due(Timestamp{499}, f));
  ASSERT_TRUE(t.pop_due(Timestamp{500}, f));
  EXPECT_EQ(f.timer.value, 2u);
  EXPECT_EQ(f.cookie, 7u);
  EXPECT_EQ(f.hdr.event_time.ns, 500);
  EXPECT_FALSE(t.next_due().has_value());
}

}  // namespace
}  // namespace ballast
