// Replay pacing.
#include "ballast/adapters/replay_pacer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>

#include "ballast/base/enum_names.hpp"

namespace ballast {

Timestamp SteadyReplayClock::now() {
  const auto d = std::chrono::steady_clock::now().time_since_epoch();
  return Timestamp{std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()};
}

void SteadyReplayClock::sleep_until(Timestamp deadline) {
  using Steady = std::chrono::steady_clock;
  const Steady::time_point tp{
      std::chrono::duration_cast<Steady::duration>(std::chrono::nanoseconds{deadline.ns})};
  std::this_thread::sleep_until(tp);
}

Result<ReplaySchedule> ReplaySchedule::make(ReplayPace pace, double speed) {
  switch (pace) {
    case ReplayPace::kRecorded:
      return recorded();
    case ReplayPace::kFast:
      return fast();
    case ReplayPace::kSpeed:
      break;
  }
  if (!std::isfinite(speed) || speed < kMinSpeed || speed > kMaxSpeed) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", speed);
    return Error{std::string("replay speed ") + text +
                 ": expected a factor from 0.000001 to 1000000 (1 = the recorded pace)"};
  }
  // Config value -> exact integer millionths once; every due time after this is integer math.
  return times_millionths(std::llround(speed * static_cast<double>(kMillion)));
}

Result<ReplaySchedule> ReplaySchedule::times_millionths(std::int64_t speed_millionths) {
  if (speed_millionths <= 0 || speed_millionths > kMillion * kMillion) {
    return Error{"replay speed " + std::to_string(speed_millionths) +
                 " millionths: expected 1 to 1000000000000"};
  }
  return ReplaySchedule(false, speed_millionths);
}

Duration ReplaySchedule::wall_offset(Duration since_first) const noexcept {
  if (fast_ || since_first.count() <= 0) return Duration{0};
  // floor(since_first * 1e6 / speed_millionths); non-negative, so truncation is the floor.
  const __int128 wall = static_cast<__int128>(since_first.count()) * kMillion / speed_millionths_;
  if (wall > INT64_MAX) return Duration{INT64_MAX};
  return Duration{static_cast<std::int64_t>(wall)};
}

const char* to_string(ReplayEnd v) noexcept {
  static constexpr EnumNames<ReplayEnd, ReplayEnd::kReaderError> kNames{
      {"end of data", "stopped", "reader error"}};
  return kNames.name_or(v, "?");
}

ReplayPacer::ReplayPacer(ReplaySchedule schedule, ReplayClock& clock, Duration max_sleep) noexcept
    : schedule_(schedule), clock_(&clock), max_sleep_(max_sleep) {
  BALLAST_INVARIANT(max_sleep.count() > 0, "ReplayPacer: max_sleep must be positive");
}

void ReplayPacer::begin(Timestamp first_event_time, ReplayReport& report) {
  first_event_time_ = first_event_time;
  report.first_event_time = first_event_time;
  if (schedule_.is_fast()) return;  // fast mode never reads the clock
  wall_start_ = clock_->now();
  report.wall_start = wall_start_;
}

bool ReplayPacer::due_now(Timestamp event_time, ReplayReport& report) {
  if (schedule_.is_fast()) return !stop_requested();
  const Duration offset = schedule_.wall_offset(event_time - first_event_time_);
  // Saturate: a due time past the end of the clock's range is simply never reached.
  Timestamp due{};
  if (__builtin_add_overflow(wall_start_.ns, offset.count(), &due.ns)) due = Timestamp{INT64_MAX};
  const Timestamp now = clock_->now();
  if (now >= due) {
    report.max_lateness = std::max(report.max_lateness, now - due);
    return true;
  }
  const Duration left = due - now;
  clock_->sleep_until(left > max_sleep_ ? now + max_sleep_ : due);
  return false;
}

void ReplayPacer::restart() noexcept {
  pending_.reset();
  first_ = true;
  ended_ = false;
  report_ = ReplayReport{};
}

}  // namespace ballast
