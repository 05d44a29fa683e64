// Paced replay for the commands: a replay agent on the steady clock
// (kernel/market_data_replay.hpp), stopped by a stop flag (stop_signal.hpp) the calling thread
// watches, since a signal handler may only set a flag.
#pragma once

#include <atomic>
#include <utility>

#include "ballast/adapters/replay_pacer.hpp"
#include "ballast/core/result.hpp"
#include "ballast/kernel/market_data_replay.hpp"

namespace ballast::tools {

/// The schedule of a `--speed` option: `speed` times the recorded pace, or as fast as possible
/// when `speed` <= 0. Error: a speed outside ReplaySchedule's range.
inline Result<ReplaySchedule> speed_schedule(double speed) {
  return speed > 0 ? ReplaySchedule::make(ReplayPace::kSpeed, speed)
                   : Result<ReplaySchedule>(ReplaySchedule::fast());
}

/// Replays `reader` into `deliver(const Event&)` on `schedule`, on a replay agent's thread
/// (kernel::replay_until): until the reader ends or, with a `stop` flag, until the flag is set
/// (the calling thread watches it every 20 ms; the agent stops within about 10 ms more). Without
/// one (null), the replay runs to the end of the reader.
template <class F>
ReplayReport paced_replay(EventReader& reader, const ReplaySchedule& schedule,
                          const std::atomic<bool>* stop, F&& deliver) {
  return kernel::replay_until(reader, schedule, stop, std::forward<F>(deliver));
}

}  // namespace ballast::tools
