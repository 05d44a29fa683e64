// ReplayPacer: exact schedules on a fake clock (recorded, 10x, 600x, fast), no drift, stop, reader
// errors; and short real-time runs on the steady clock.
#include "ballast/adapters/replay_pacer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ballast/adapters/tape_file.hpp"
#include "market_data_test_support.hpp"

namespace ballast {
namespace {

using namespace std::chrono_literals;

/// A clock that moves only when slept on: sleep_until jumps to the deadline (plus `oversleep`,
/// to model late wake-ups). Records every call.
class FakeClock final : public ReplayClock {
 public:
  explicit FakeClock(Timestamp start) : t(start) {}
  Timestamp now() override {
    ++now_calls;
    return t;
  }
  void sleep_until(Timestamp deadline) override {
    sleeps.push_back(deadline);
    if (deadline > t) t = deadline + oversleep;
    if (on_sleep) on_sleep();
  }

  Timestamp t;
  Duration oversleep{0};
  std::vector<Timestamp> sleeps;
  std::function<void()> on_sleep;
  int now_calls = 0;
};

/// Events from a vector, optionally ending with an error.
class VectorReader final : public EventReader {
 public:
  explicit VectorReader(std::vector<Event> events, std::optional<Error> error_at_end = {})
      : events_(std::move(events)), error_(std::move(error_at_end)) {}
  std::optional<Event> next() override {
    if (i_ < events_.size()) return events_[i_++];
    if (error_) return fail(*error_);
    return std::nullopt;
  }
  std::string position() const override { return "vector:" + std::to_string(i_); }
  std::size_t read() const { return i_; }

 private:
  std::vector<Event> events_;
  std::optional<Error> error_;
  std::size_t i_ = 0;
};

// 09:30:00 EDT on 2012-06-21.
const Timestamp kOpen = test::utc(2012, 6, 21, 13, 30, 0);
const Timestamp kWallStart{5'000'000'000'000};  // the fake clock's arbitrary epoch

Event trade_at(Timestamp t, std::int64_t size = 1) {
  TradePrinted tr;
  tr.hdr.event_time = t;
  tr.instrument = InstrumentId{0};
  tr.price = Price::from_units(100);
  tr.size = Qty::from_units(size);
  return Event{tr};
}

std::vector<Event> trades_at(const std::vector<Duration>& offsets) {
  std::vector<Event> out;
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    out.push_back(trade_at(kOpen + offsets[i], static_cast<std::int64_t>(i + 1)));
  }
  return out;
}

struct Delivery {
  Timestamp wall;
  Timestamp event_time;
};

/// Runs `events` through a pacer on a fake clock; returns each delivery's fake wall time.
std::vector<Delivery> run_fake(const ReplaySchedule& schedule, FakeClock& clock,
                               std::vector<Event> events, Duration max_sleep, ReplayReport* out) {
  ReplayPacer pacer(schedule, clock, max_sleep);
  VectorReader reader(std::move(events));
  std::vector<Delivery> got;
  const ReplayReport r = pacer.run(reader, [&](const Event& e) {
    got.push_back({clock.t, header(e).event_time});
  });
  if (out) *out = r;
  return got;
}

std::vector<Timestamp> walls(const std::vector<Delivery>& d) {
  std::vector<Timestamp> out;
  for (const auto& x : d) out.push_back(x.wall);
  return out;
}

// ------------------------------------------------------------------------------ schedule

TEST(ReplaySchedule, MakesRecordedFastAndSpeedSchedulesAndRejectsBadSpeeds) {
  auto rec = ReplaySchedule::make(ReplayPace::kRecorded, 123.0);  // speed ignored
  ASSERT_TRUE(rec.ok());
  EXPECT_FALSE(rec.value().is_fast());
  EXPECT_EQ(rec.value().speed_millionths(), 1'000'000);
  auto fast = ReplaySchedule::make(ReplayPace::kFast);
  ASSERT_TRUE(fast.ok());
  EXPECT_TRUE(fast.value().is_fast());
  EXPECT_EQ(fast.value().wall_offset(1h), 0ns);
  auto ten = ReplaySchedule::make(ReplayPace::kSpeed, 10.0);
  ASSERT_TRUE(ten.ok());
  EXPECT_EQ(ten.value().speed_millionths(), 10'000'000);
  auto slow = ReplaySchedule::make(ReplayPace::kSpeed, 0.5);
  ASSERT_TRUE(slow.ok());
  EXPECT_EQ(slow.value().wall_offset(1s), 2s);
  EXPECT_TRUE(ReplaySchedule::make(ReplayPace::kSpeed, 1'000'000.0).ok());
  EXPECT_TRUE(ReplaySchedule::make(ReplayPace::kSpeed, 0.000001).ok());
  for (const double bad :
       {0.0, -1.0, 1'000'000.5, 0.0000001, std::nan(""), std::numeric_limits<double>::infinity()}) {
    auto r = ReplaySchedule::make(ReplayPace::kSpeed, bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(test::contains(r.error().message, "expected a factor from 0.000001 to 1000000"));
  }
  EXPECT_EQ(ReplaySchedule::make(ReplayPace::kSpeed, 0.0).error().message,
            "replay speed 0: expected a factor from 0.000001 to 1000000 (1 = the recorded pace)");
  EXPECT_FALSE(ReplaySchedule::times_millionths(0).ok());
}

TEST(ReplaySchedule, WallOffsetIsTheFloorOfRecordedOverSpeedAndZeroForEarlierEvents) {
  const auto ten = ReplaySchedule::make(ReplayPace::kSpeed, 10.0).value();
  EXPECT_EQ(ten.wall_offset(1'500'000'000ns), 150'000'000ns);
  EXPECT_EQ(ten.wall_offset(4'000'000'009ns), 400'000'000ns);  // floor
  EXPECT_EQ(ten.wall_offset(-5s), 0ns);
  const auto x600 = ReplaySchedule::make(ReplayPace::kSpeed, 600.0).value();
  EXPECT_EQ(x600.wall_offset(6h + 30min), 39s);  // the regular session in 39 seconds
  EXPECT_EQ(x600.wall_offset(23'399'999'999'999ns), 38'999'999'999ns);
  const auto slowest = ReplaySchedule::times_millionths(1).value();
  EXPECT_EQ(slowest.wall_offset(Duration{INT64_MAX / 2}), Duration{INT64_MAX});  // saturates
}

// ------------------------------------------------------------------------------ fake clock

TEST(ReplayPacer, RecordedPaceDeliversEachEventExactlyAtItsRecordedGap) {
  FakeClock clock(kWallStart);
  const std::vector<Duration> at = {0ns, 1'500ms, 1'500ms, 4s, 4'000'000'001ns, 6h + 29min + 59s};
  ReplayReport rep;
  const auto got = run_fake(ReplaySchedule::recorded(), clock, trades_at(at), 24h, &rep);
  ASSERT_EQ(got.size(), at.size());
  for (std::size_t i = 0; i < at.size(); ++i) {
    EXPECT_EQ(got[i].wall, kWallStart + at[i]) << i;
    EXPECT_EQ(got[i].event_time, kOpen + at[i]) << i;
  }
  // One sleep per distinct later time, straight to the due time (max_sleep is longer).
  EXPECT_EQ(clock.sleeps,
            (std::vector<Timestamp>{kWallStart + 1'500ms, kWallStart + 4s,
                                    kWallStart + 4'000'000'001ns, kWallStart + 6h + 29min + 59s}));
  EXPECT_EQ(rep.end, ReplayEnd::kEndOfData);
  EXPECT_TRUE(rep.status.ok());
  EXPECT_EQ(rep.delivered, at.size());
  EXPECT_EQ(rep.wall_start, kWallStart);
  EXPECT_EQ(rep.first_event_time, kOpen);
  EXPECT_EQ(rep.last_event_time, kOpen + at.back());
  EXPECT_EQ(rep.max_lateness, 0ns);
}

TEST(ReplayPacer, TenTimesSpeedDividesEveryGapByTenFromTheFirstEvent) {
  FakeClock clock(kWallStart);
  const std::vector<Duration> at = {0ns, 1'500ms, 4s, 4'000'000'009ns, 60s};
  const auto got = run_fake(ReplaySchedule::make(ReplayPace::kSpeed, 10.0).value(), clock,
                            trades_at(at), 24h, nullptr);
  EXPECT_EQ(walls(got), (std::vector<Timestamp>{kWallStart, kWallStart + 150ms, kWallStart + 400ms,
                                                kWallStart + 400ms, kWallStart + 6s}));
  EXPECT_EQ(clock.sleeps.size(), 3u);  // the 4.000000009 s event is due with the 4 s one
}

TEST(ReplayPacer, SixHundredTimesSpeedPlaysTheRegularSessionIn39Seconds) {
  FakeClock clock(kWallStart);
  const std::vector<Duration> at = {0ns, 10min, 1h, 23'399'999'999'999ns, 6h + 30min};
  const auto got = run_fake(ReplaySchedule::make(ReplayPace::kSpeed, 600.0).value(), clock,
                            trades_at(at), 24h, nullptr);
  EXPECT_EQ(walls(got), (std::vector<Timestamp>{kWallStart, kWallStart + 1s, kWallStart + 6s,
                                                kWallStart + 38'999'999'999ns, kWallStart + 39s}));
}

TEST(ReplayPacer, FastModeNeverReadsTheClockNorSleeps) {
  FakeClock clock(kWallStart);
  ReplayReport rep;
  const auto got =
      run_fake(ReplaySchedule::fast(), clock, trades_at({0ns, 1h, 2h, 2h, 5h}), 1ms, &rep);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_TRUE(clock.sleeps.empty());
  EXPECT_EQ(clock.now_calls, 0);
  EXPECT_EQ(got.back().event_time, kOpen + 5h);
  EXPECT_EQ(rep.delivered, 5u);
  EXPECT_EQ(rep.last_event_time, kOpen + 5h);
}

TEST(ReplayPacer, LongWaitsAreCutIntoSleepsOfAtMostMaxSleepAndStillLandExactly) {
  FakeClock clock(kWallStart);
  const auto got =
      run_fake(ReplaySchedule::recorded(), clock, trades_at({0ns, 1'005ms}), 20ms, nullptr);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].wall, kWallStart + 1'005ms);
  ASSERT_EQ(clock.sleeps.size(), 51u);  // 50 x 20 ms, then the last 5 ms
  for (std::size_t i = 0; i < 50; ++i) EXPECT_EQ(clock.sleeps[i], kWallStart + (i + 1) * 20ms);
  EXPECT_EQ(clock.sleeps.back(), kWallStart + 1'005ms);
}

TEST(ReplayPacer, LateWakeUpsDoNotAccumulate) {
  FakeClock clock(kWallStart);
  clock.oversleep = 3ms;  // every sleep returns 3 ms late
  std::vector<Duration> at;
  for (int i = 0; i < 100; ++i) at.push_back(i * 1s);
  ReplayReport rep;
  const auto got = run_fake(ReplaySchedule::recorded(), clock, trades_at(at), 24h, &rep);
  ASSERT_EQ(got.size(), 100u);
  EXPECT_EQ(got[0].wall, kWallStart);
  for (std::size_t i = 1; i < got.size(); ++i) {
    // Always 3 ms after its own due time, never 3 ms x i: due times come from the one anchor.
    EXPECT_EQ(got[i].wall - (kWallStart + at[i]), 3ms) << i;
    EXPECT_EQ(clock.sleeps[i - 1], kWallStart + at[i]) << i;
  }
  EXPECT_EQ(rep.max_lateness, 3ms);
}

TEST(ReplayPacer, ASlowConsumerGetsTheBacklogAtOnceThenTheScheduleResumes) {
  FakeClock clock(kWallStart);
  ReplayPacer pacer(ReplaySchedule::recorded(), clock, 24h);
  VectorReader reader(trades_at({0ns, 1s, 2s, 3s, 10s}));
  std::vector<Timestamp> got;
  const ReplayReport rep = pacer.run(reader, [&](const Event&) {
    got.push_back(clock.t);
    if (got.size() == 1) clock.t += 2'500ms;  // the first callback takes 2.5 s
  });
  EXPECT_EQ(got, (std::vector<Timestamp>{kWallStart, kWallStart + 2'500ms, kWallStart + 2'500ms,
                                         kWallStart + 3s, kWallStart + 10s}));
  EXPECT_EQ(rep.max_lateness, 1'500ms);
}

TEST(ReplayPacer, StopDuringAWaitEndsTheRunWithoutDeliveringTheAwaitedEvent) {
  FakeClock clock(kWallStart);
  ReplayPacer pacer(ReplaySchedule::recorded(), clock, 20ms);
  VectorReader reader(trades_at({0ns, 10s, 11s}));
  clock.on_sleep = [&] {
    if (clock.sleeps.size() == 5) pacer.stop();  // 100 ms into a 10 s wait
  };
  std::vector<Timestamp> got;
  const ReplayReport rep =
      pacer.run(reader, [&](const Event& e) { got.push_back(header(e).event_time); });
  EXPECT_EQ(got, (std::vector<Timestamp>{kOpen}));
  EXPECT_EQ(clock.sleeps.size(), 5u);  // no sleep after the stop was seen
  EXPECT_EQ(clock.t, kWallStart + 100ms);
  EXPECT_EQ(rep.end, ReplayEnd::kStopped);
  EXPECT_EQ(rep.delivered, 1u);
  EXPECT_EQ(rep.last_event_time, kOpen);
  EXPECT_EQ(pacer.delivered(), 1u);
  EXPECT_EQ(pacer.last_event_time(), kOpen);
  EXPECT_EQ(reader.read(), 2u);  // the awaited event was read, not delivered; no further reads

  // Stopped stays stopped.
  const ReplayReport again = pacer.run(reader, [&](const Event&) { FAIL(); });
  EXPECT_EQ(again.end, ReplayEnd::kStopped);
  EXPECT_EQ(reader.read(), 2u);
}

TEST(ReplayPacer, StopFromTheCallbackEndsTheRunAfterThatEvent) {
  FakeClock clock(kWallStart);
  ReplayPacer pacer(ReplaySchedule::fast(), clock);
  VectorReader reader(trades_at({0ns, 1s, 2s, 3s, 4s}));
  std::uint64_t n = 0;
  const ReplayReport rep = pacer.run(reader, [&](const Event&) {
    if (++n == 3) pacer.stop();
  });
  EXPECT_EQ(rep.end, ReplayEnd::kStopped);
  EXPECT_EQ(rep.delivered, 3u);
  EXPECT_EQ(rep.last_event_time, kOpen + 2s);
  EXPECT_EQ(reader.read(), 3u);
}

TEST(ReplayPacer, AReaderErrorEndsTheRunWithTheErrorAfterEveryEventBeforeIt) {
  FakeClock clock(kWallStart);
  ReplayPacer pacer(ReplaySchedule::recorded(), clock);
  VectorReader reader(trades_at({0ns, 1s}), Error{"tape.csv:7: field 4 (price): expected ..."});
  std::uint64_t n = 0;
  const ReplayReport rep = pacer.run(reader, [&](const Event&) { ++n; });
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(rep.end, ReplayEnd::kReaderError);
  ASSERT_FALSE(rep.status.ok());
  EXPECT_EQ(rep.status.error().message, "tape.csv:7: field 4 (price): expected ...");
  EXPECT_STREQ(to_string(rep.end), "reader error");
}

TEST(ReplayPacer, EventsThatGoBackInTimeAreDueAtOnce) {
  FakeClock clock(kWallStart);
  const auto got =
      run_fake(ReplaySchedule::recorded(), clock, trades_at({5s, 2s, 6s}), 24h, nullptr);
  EXPECT_EQ(walls(got), (std::vector<Timestamp>{kWallStart, kWallStart, kWallStart + 1s}));
}

TEST(ReplayPacer, PacesTheShippedTapeAt600TimesOnTheFakeClock) {
  auto table = test::instruments({"AAPL", "AMZN", "GOOG"});
  auto tape = TapeFileReader::open(
      std::string(BALLAST_SOURCE_DIR) + "/data/intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv",
      table);
  ASSERT_TRUE(tape.ok()) << tape.error().message;
  FakeClock clock(kWallStart);
  ReplayPacer pacer(ReplaySchedule::make(ReplayPace::kSpeed, 600.0).value(), clock);
  const auto schedule = pacer.schedule();
  Timestamp first{};
  std::uint64_t off_schedule = 0;
  const ReplayReport rep = pacer.run(tape.value(), [&](const Event& e) {
    const Timestamp t = header(e).event_time;
    if (first == Timestamp{}) first = t;
    if (clock.t != kWallStart + schedule.wall_offset(t - first)) ++off_schedule;
  });
  EXPECT_EQ(rep.end, ReplayEnd::kEndOfData) << (rep.status.ok() ? "" : rep.status.error().message);
  EXPECT_EQ(rep.delivered, 110'769u);
  EXPECT_EQ(off_schedule, 0u);
  EXPECT_LT(clock.t - kWallStart, 39s);  // 6.5 h of session at 600x
  EXPECT_GT(clock.t - kWallStart, 38s);
}

// ------------------------------------------------------------------------------ real time

TEST(ReplayPacerRealTime, RecordedPaceNeverDeliversEarlyAndKeepsUp) {
  SteadyReplayClock clock;
  ReplayPacer pacer(ReplaySchedule::recorded(), clock);
  const std::vector<Duration> at = {0ms, 15ms, 30ms, 30ms, 60ms};
  VectorReader reader(trades_at(at));
  std::vector<Timestamp> got;
  const ReplayReport rep = pacer.run(reader, [&](const Event&) { got.push_back(clock.now()); });
  ASSERT_EQ(got.size(), at.size());
  for (std::size_t i = 0; i < at.size(); ++i) {
    EXPECT_GE(got[i], rep.wall_start + at[i]) << i;  // never early
  }
  // Bounded, loosely: the machine is shared and tests may run under sanitizers.
  EXPECT_LT(got.back() - rep.wall_start, 60ms + 1s);
}

TEST(ReplayPacerRealTime, SpeedFactorShortensTheWait) {
  SteadyReplayClock clock;
  ReplayPacer pacer(ReplaySchedule::make(ReplayPace::kSpeed, 50.0).value(), clock);
  VectorReader reader(trades_at({0s, 1s, 2s}));  // 2 s recorded = 40 ms wall
  std::vector<Timestamp> got;
  const ReplayReport rep = pacer.run(reader, [&](const Event&) { got.push_back(clock.now()); });
  ASSERT_EQ(got.size(), 3u);
  EXPECT_GE(got[1], rep.wall_start + 20ms);
  EXPECT_GE(got[2], rep.wall_start + 40ms);
  EXPECT_LT(got[2] - rep.wall_start, 1s);
}

TEST(ReplayPacerRealTime, StopFromAnotherThreadEndsALongWaitPromptly) {
  SteadyReplayClock clock;
  ReplayPacer pacer(ReplaySchedule::recorded(), clock);
  VectorReader reader(trades_at({0s, 60s}));  // the second event is a minute away
  std::thread stopper([&] {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (pacer.delivered() == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    pacer.stop();
  });
  const auto t0 = std::chrono::steady_clock::now();
  const ReplayReport rep = pacer.run(reader, [](const Event&) {});
  const auto took = std::chrono::steady_clock::now() - t0;
  stopper.join();
  EXPECT_EQ(rep.end, ReplayEnd::kStopped);
  EXPECT_EQ(rep.delivered, 1u);
  EXPECT_EQ(pacer.last_event_time(), kOpen);
  EXPECT_LT(took, 2s);  // about max_sleep (10 ms) after the stop, not 60 s
}

}  // namespace
}  // namespace ballast
