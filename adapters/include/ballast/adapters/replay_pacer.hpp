// Replay pacing: delivers the events of an EventReader at the pace they were recorded (wall gaps
// equal recorded gaps), N times faster, or as fast as possible. The clock and the sleep are
// injected, so tests check the exact schedule on a fake clock without sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

#include "ballast/adapters/adapters_config.hpp"
#include "ballast/adapters/market_data_reader.hpp"

namespace ballast {

/// The pacer's time: a monotonic clock and a way to wait. now() is nanoseconds since any fixed
/// epoch (only differences matter); sleep_until may return early or late (the pacer reads now()
/// again and never accumulates sleeps). Used by the replay thread only.
class ReplayClock {
 public:
  virtual ~ReplayClock() = default;
  virtual Timestamp now() = 0;
  /// Blocks until about `deadline` (on this clock's time line).
  virtual void sleep_until(Timestamp deadline) = 0;
};

/// The real-time clock: std::chrono::steady_clock and std::this_thread::sleep_until.
class SteadyReplayClock final : public ReplayClock {
 public:
  Timestamp now() override;
  void sleep_until(Timestamp deadline) override;
};

/// How recorded time maps to wall time: fast (no waiting), or a speed factor (1 = recorded pace)
/// held exactly as an integer number of millionths, so due times are exact integers.
class ReplaySchedule {
 public:
  static constexpr double kMinSpeed = 0.000001;
  static constexpr double kMaxSpeed = 1'000'000.0;

  /// kRecorded: speed 1 (`speed` is ignored); kFast: no waiting (`speed` ignored); kSpeed: the
  /// recorded pace times `speed`, kMinSpeed <= speed <= kMaxSpeed, rounded to the nearest
  /// millionth. Error names the value and the range.
  static Result<ReplaySchedule> make(ReplayPace pace, double speed = 1.0);
  static ReplaySchedule recorded() noexcept { return ReplaySchedule(false, kMillion); }
  static ReplaySchedule fast() noexcept { return ReplaySchedule(true, 0); }
  /// `speed_millionths` / 1,000,000 times the recorded pace; must be > 0 (10x = 10,000,000).
  static Result<ReplaySchedule> times_millionths(std::int64_t speed_millionths);

  bool is_fast() const noexcept { return fast_; }
  /// The speed in millionths (1,000,000 = recorded pace); 0 when fast.
  std::int64_t speed_millionths() const noexcept { return speed_millionths_; }

  /// The wall delay after the replay's start at which an event recorded `since_first` after the
  /// first event is due: floor(since_first / speed), 0 for a negative gap (an event earlier than
  /// the first is due at once), saturating at the largest Duration. 0 when fast.
  Duration wall_offset(Duration since_first) const noexcept;

 private:
  static constexpr std::int64_t kMillion = 1'000'000;
  ReplaySchedule(bool fast, std::int64_t speed_millionths) noexcept
      : fast_(fast), speed_millionths_(speed_millionths) {}

  bool fast_;
  std::int64_t speed_millionths_;
};

/// Why a replay ended.
enum class ReplayEnd : std::uint8_t {
  kEndOfData,    ///< the reader ran out of events cleanly
  kStopped,      ///< stop() was called
  kReaderError,  ///< the reader ended with an error (ReplayReport::status)
};

const char* to_string(ReplayEnd v) noexcept;

/// What a replay did.
struct ReplayReport {
  ReplayEnd end = ReplayEnd::kEndOfData;
  Status status = Ok{};          ///< the reader's error for kReaderError, else Ok
  std::uint64_t delivered = 0;   ///< events passed to the callback by this run
  Timestamp wall_start{};        ///< clock time the schedule starts at (first event read)
  Timestamp first_event_time{};  ///< event_time of the first event (kNoTime if none)
  Timestamp last_event_time{};   ///< event_time of the last event delivered (kNoTime if none)
  /// Largest (delivery time - due time) seen: how far behind the schedule the consumer got.
  /// Always 0 when fast (nothing is due).
  Duration max_lateness{0};
};

/// Delivers a reader's events to a callback on a schedule:
///
///   due(e) = wall_start + schedule.wall_offset(e.event_time - first.event_time)
///
/// where wall_start is the clock's time when the first event was read (the first event is due at
/// once). Every due time comes from that one anchor, never from accumulated sleeps, so a late
/// wake-up or a slow callback does not shift later events: behind schedule, events are delivered
/// at once until the replay has caught up. Event times that go back are due at once (the reader,
/// e.g. TimeOrderedMerge, is what checks the order).
///
/// Waits are cut into sleeps of at most `max_sleep`, and stop() is checked after each one and
/// between events, so a stop from another thread takes effect within about max_sleep. An event
/// being waited for when stop() is seen is not delivered. Fast mode never reads the clock and
/// never sleeps.
///
/// Thread: run() on one thread (the replay / market-data thread); stop(), stop_requested(),
/// delivered() and last_event_time() from any thread.
class ReplayPacer {
 public:
  static constexpr Duration kDefaultMaxSleep = std::chrono::milliseconds(10);

  /// `clock` must outlive the pacer. `max_sleep` > 0.
  ReplayPacer(ReplaySchedule schedule, ReplayClock& clock,
              Duration max_sleep = kDefaultMaxSleep) noexcept;

  ReplayPacer(const ReplayPacer&) = delete;
  ReplayPacer& operator=(const ReplayPacer&) = delete;

  /// Pulls every event of `reader` and calls `on_event(const Event&)` for it at its due time;
  /// returns when the reader ends or stop() is seen. May be called again with another reader
  /// (a new schedule anchor); the counters below keep counting. It is step() in a loop that
  /// checks stop() between steps.
  template <class F>
  ReplayReport run(EventReader& reader, F&& on_event) {
    restart();
    while (!stop_requested()) {
      step(reader, on_event);
      if (ended_) return report_;
    }
    report_.end = ReplayEnd::kStopped;
    return report_;
  }

  /// One step of a replay, for an agent's do_work() (agent_runner.hpp; replay_agent.hpp): reads
  /// the next event of `reader` if none is in hand, then delivers it if it is due, or else waits
  /// for its due time on the clock for at most max_sleep. Returns 1 when it delivered an event,
  /// 0 when it waited or the reader has ended (ended()). An event waited for stays in hand for
  /// the next step, so a caller that stops between steps never delivers it. In fast mode it
  /// never waits (an event in hand is not delivered once stop() is asked).
  template <class F>
  int step(EventReader& reader, F&& on_event) {
    const std::optional<Timestamp> next = peek(reader);
    if (!next) return 0;
    if (first_) {
      first_ = false;
      begin(*next, report_);
    }
    const Timestamp t = *next;
    if (!due_now(t, report_)) return 0;
    on_event(static_cast<const Event&>(*pending_));
    pending_.reset();
    ++report_.delivered;
    report_.last_event_time = t;
    delivered_.fetch_add(1, std::memory_order_relaxed);
    last_event_time_ns_.store(t.ns, std::memory_order_relaxed);
    return 1;
  }

  /// Reads the next event of `reader` into hand (if none is) without delivering it and returns
  /// its event time; nullopt when the reader has ended (ended(), report() says how). Lets a
  /// caller find where several streams start before replaying them on one anchor().
  std::optional<Timestamp> peek(EventReader& reader) {
    if (ended_) return std::nullopt;
    if (!pending_) {
      pending_ = reader.next();
      if (!pending_) {
        if (const Error* err = reader.error()) {
          report_.end = ReplayEnd::kReaderError;
          report_.status = *err;
        }
        ended_ = true;
        return std::nullopt;
      }
    }
    return header(*pending_).event_time;
  }

  /// Fixes the schedule's anchor for the steps to come: an event recorded at t is due at
  /// `wall_start` + schedule.wall_offset(t - `first_event_time`) (instead of the first event's
  /// time and the clock's time when it is read). Several pacers given one anchor keep step:
  /// how `ballast run` replays several sources of one day. Before the first step; no effect when
  /// fast.
  void anchor(Timestamp first_event_time, Timestamp wall_start) noexcept {
    first_ = false;
    first_event_time_ = first_event_time;
    report_.first_event_time = first_event_time;
    if (schedule_.is_fast()) return;
    wall_start_ = wall_start;
    report_.wall_start = wall_start;
  }

  /// The reader of the current run (or steps) has ended: its end of data or its error.
  bool ended() const noexcept { return ended_; }
  /// What the current run (or steps) did so far; `end` is kStopped while not ended().
  ReplayReport report() const {
    ReplayReport r = report_;
    if (!ended_) r.end = ReplayEnd::kStopped;
    return r;
  }

  /// Asks run() to return; safe from any thread and from the callback. A stopped pacer stays
  /// stopped (a later run() returns at once).
  void stop() noexcept { stop_.store(true, std::memory_order_release); }
  bool stop_requested() const noexcept { return stop_.load(std::memory_order_acquire); }

  /// Events delivered so far, over all runs.
  std::uint64_t delivered() const noexcept { return delivered_.load(std::memory_order_relaxed); }
  /// event_time of the last event delivered (kNoTime before the first).
  Timestamp last_event_time() const noexcept {
    return Timestamp{last_event_time_ns_.load(std::memory_order_relaxed)};
  }

  const ReplaySchedule& schedule() const noexcept { return schedule_; }

 private:
  void begin(Timestamp first_event_time, ReplayReport& report);
  /// True when the event recorded at `event_time` is due now (lateness recorded); else waits
  /// towards its due time for at most max_sleep and returns false. Fast: true unless stopped.
  bool due_now(Timestamp event_time, ReplayReport& report);
  /// Forgets the current run's state (event in hand, anchor, report); the counters stay.
  void restart() noexcept;

  ReplaySchedule schedule_;
  ReplayClock* clock_;
  Duration max_sleep_;
  Timestamp wall_start_{};
  Timestamp first_event_time_{};
  // The current run: the event read and not yet delivered, whether the anchor is still to be set,
  // whether the reader has ended, and the report so far. Replay thread only.
  std::optional<Event> pending_;
  bool first_ = true;
  bool ended_ = false;
  ReplayReport report_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::int64_t> last_event_time_ns_{0};
};

}  // namespace ballast
