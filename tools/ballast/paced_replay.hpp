// Paced replay for the commands: a ReplayPacer on the steady clock, stopped by a stop flag
// (stop_signal.hpp) through a watcher thread, since a signal handler may only set a flag.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>
#include <utility>

#include "ballast/adapters/replay_pacer.hpp"
#include "ballast/core/result.hpp"

namespace ballast::tools {

/// The schedule of a `--speed` option: `speed` times the recorded pace, or as fast as possible
/// when `speed` <= 0. Error: a speed outside ReplaySchedule's range.
inline Result<ReplaySchedule> speed_schedule(double speed) {
  return speed > 0 ? ReplaySchedule::make(ReplayPace::kSpeed, speed)
                   : Result<ReplaySchedule>(ReplaySchedule::fast());
}

/// Replays `reader` into `deliver(const Event&)` on `schedule`. With a `stop` flag, a watcher
/// thread stops the pacer within about 20 ms of the flag being set (checked between waits and
/// events); without one (null), the replay runs to the end of the reader.
template <class F>
ReplayReport paced_replay(EventReader& reader, const ReplaySchedule& schedule,
                          const std::atomic<bool>* stop, F&& deliver) {
  SteadyReplayClock clock;
  ReplayPacer pacer(schedule, clock);
  if (stop == nullptr) return pacer.run(reader, std::forward<F>(deliver));
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done.load() && !stop->load())
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    pacer.stop();
  });
  const ReplayReport report = pacer.run(reader, std::forward<F>(deliver));
  done.store(true);
  watcher.join();
  return report;
}

}  // namespace ballast::tools
