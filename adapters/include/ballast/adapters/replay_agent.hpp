// A market-data replay as an agent (the AgentRunner shape, engine/agent_runner.hpp): one
// EventReader delivered on a ReplaySchedule, one ReplayPacer step per do_work().
#pragma once

#include <memory>
#include <optional>
#include <utility>

#include "ballast/adapters/market_data_reader.hpp"
#include "ballast/adapters/replay_pacer.hpp"

namespace ballast {

/// Replays `reader` into `deliver(const Event&)` at its due times, as an agent: do_work() is one
/// ReplayPacer::step() and returns 1 when it delivered an event, 0 when it waited for the next
/// one. The wait is the agent's own (a sleep on its ReplayClock of at most `max_sleep`, so a
/// runner's stop() is seen within about that), so run it with IdleKind::kBusySpin: the runner
/// then adds no sleep of its own and due times keep the pacer's precision. done() once the
/// reader has ended (end of data or its error: report()).
///
/// Thread: the agent's thread only (report() after the runner has stopped). The reader, the
/// clock and whatever `deliver` uses must outlive the agent.
template <class Deliver>
class ReplayAgent {
 public:
  ReplayAgent(EventReader& reader, ReplaySchedule schedule, Deliver deliver,
              std::unique_ptr<ReplayClock> clock = std::make_unique<SteadyReplayClock>(),
              Duration max_sleep = ReplayPacer::kDefaultMaxSleep)
      : reader_(&reader),
        clock_(std::move(clock)),
        pacer_(schedule, *clock_, max_sleep),
        deliver_(std::move(deliver)) {}

  ReplayAgent(const ReplayAgent&) = delete;
  ReplayAgent& operator=(const ReplayAgent&) = delete;

  int do_work() { return pacer_.step(*reader_, deliver_); }
  bool done() const noexcept { return pacer_.ended(); }

  /// ReplayPacer::peek and ReplayPacer::anchor, before the agent's thread starts: where the
  /// stream starts, and one anchor for several agents that must keep step.
  std::optional<Timestamp> peek() { return pacer_.peek(*reader_); }
  void anchor(Timestamp first_event_time, Timestamp wall_start) noexcept {
    pacer_.anchor(first_event_time, wall_start);
  }

  /// What the replay did; `end` is kStopped when the runner stopped it before the reader ended.
  ReplayReport report() const { return pacer_.report(); }
  /// Events delivered so far; any thread.
  std::uint64_t delivered() const noexcept { return pacer_.delivered(); }
  /// event_time of the last event delivered (kNoTime before the first); any thread.
  Timestamp last_event_time() const noexcept { return pacer_.last_event_time(); }

 private:
  EventReader* reader_;
  std::unique_ptr<ReplayClock> clock_;
  ReplayPacer pacer_;
  Deliver deliver_;
};

}  // namespace ballast
