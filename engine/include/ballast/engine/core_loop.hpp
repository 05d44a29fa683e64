// The core loop: the single thread that owns all engine state.
//
// It takes events from the inbound queues (one per producer), stamps each with the next sequence
// number and its receive time, hands it to the input tap (the journal), dispatches it to the
// components in a fixed order, and routes what they emit: timer requests to the timer service,
// everything else back through the components (breadth-first, so a component downstream sees what
// one upstream emitted) and to the outbound sink (FIX, journal, monitors).
//
// Determinism: given the same input sequence (including TimerFired events, which are inputs) and
// the same receive times, the outputs are identical. Replay feeds recorded inputs through
// process() with a ManualClock and TimerMode::kRecorded. With a clock that follows the inputs
// (Clock::observe, a market clock), live timers fire before the first input that takes the clock
// past their due time, so the outputs depend on the non-timer inputs alone (FIX-log replay).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/core/invariant.hpp"
#include "ballast/engine/idle_strategy.hpp"
#include "ballast/engine/outbox.hpp"
#include "ballast/engine/queue.hpp"
#include "ballast/engine/timer_service.hpp"

namespace ballast {

/// Calls each component's on_event(event, now, outbox) in the order given. Components are held by
/// reference; the chain owns nothing.
template <class... Components>
class ComponentChain {
 public:
  explicit ComponentChain(Components&... cs) noexcept : cs_(cs...) {}
  void on_event(const Event& e, Timestamp now, Outbox& out) {
    // A fold over the comma operator runs left to right: the fixed dispatch order.
    std::apply([&](auto&... c) { (c.on_event(e, now, out), ...); }, cs_);
  }

 private:
  std::tuple<Components&...> cs_;
};

/// Where timers come from: the live clock, or recorded TimerFired inputs (replay).
enum class TimerMode : std::uint8_t { kLive, kRecorded };

/// Counters, read by the core thread or after it stopped.
struct CoreLoopStats {
  std::uint64_t inputs = 0;   ///< events taken in (queues, timers, process())
  std::uint64_t emitted = 0;  ///< events components emitted
  std::uint64_t timers_fired = 0;
  std::uint64_t outbound_waits = 0;  ///< times the sink was full and the loop waited
  std::uint64_t passes = 0;
};

/// The loop. `Clock` has now(); `Handler` has on_event(const Event&, Timestamp, Outbox&);
/// `Sink` has on_input(const Event&) (every input, in sequence order, before dispatch) and
/// bool try_publish(const Event&) (every emitted event; false = full, the loop waits and retries).
/// Thread: run()/do_work()/process() on the core thread only; request_stop() from any thread.
template <class Clock, class Handler, class Sink>
class CoreLoop {
 public:
  struct Options {
    std::size_t batch_size = 256;  ///< max events taken from one queue per pass
    TimerMode timers = TimerMode::kLive;
    std::size_t max_cascade = 1'000'000;  ///< emitted events per input before it is a bug
  };

  CoreLoop(Clock& clock, Handler& handler, Sink& sink, Options opt = {})
      : clock_(clock), handler_(handler), sink_(sink), opt_(opt) {
    pending_.reserve(1024);
  }

  /// Adds an inbound queue; queues are polled in the order added. Before run() only.
  void add_inbound(SpscQueue<Event>& q) { spsc_.push_back(&q); }
  void add_inbound(MpscQueue<Event>& q) { mpsc_.push_back(&q); }

  /// Takes one event in as if it had come from a queue. Core thread only.
  void process(Event e) {
    const Timestamp now = clock_.now();
    EventHeader& h = header(e);
    h.seq = ++seq_;
    h.receive_time = now;
    if (h.event_time.ns == 0) h.event_time = now;
    ++stats_.inputs;
    if (const auto* c = std::get_if<ControlCommand>(&e);
        c != nullptr && c->action == ControlAction::kShutdown) {
      stop_.store(true, std::memory_order_relaxed);
    }
    if (opt_.timers == TimerMode::kRecorded) {
      // A recorded firing takes the timer out of the service, as popping it did in the live run,
      // so a switch to live timers (recovery) does not fire it a second time.
      if (const auto* t = std::get_if<TimerFired>(&e)) timers_.cancel(t->timer);
    }
    sink_.on_input(e);
    dispatch(e, now);
  }

  /// Takes one event in as it comes off a queue: a clock that follows its inputs (one with
  /// `observe(const Event&)`, e.g. a market clock that is the latest market-data time the core
  /// has taken in) moves first, then the live timers due by now fire, then the event. With such a
  /// clock, where each timer fires depends on the input sequence alone, never on batching or on
  /// how far a producer ran ahead, so a record of the inputs (a FIX log) replays exactly.
  /// Returns the number of inputs (timers + 1). Core thread only.
  int take(const Event& e) {
    if constexpr (requires { clock_.observe(e); }) clock_.observe(e);
    const int fired = fire_due_timers();
    process(e);
    return fired + 1;
  }

  /// One pass: due timers first, then up to batch_size events from each queue in turn (each
  /// through take(), so timers that come due between two events fire between them).
  /// Returns the number of events taken in (0 = idle).
  int do_work() {
    ++stats_.passes;
    int work = fire_due_timers();
    Event e;
    for (auto* q : spsc_) {
      for (std::size_t i = 0; i < opt_.batch_size && q->try_pop(e); ++i) work += take(e);
    }
    for (auto* q : mpsc_) {
      for (std::size_t i = 0; i < opt_.batch_size && q->try_pop(e); ++i) work += take(e);
    }
    return work;
  }

  /// Runs passes until stop is requested (request_stop() or a ControlCommand kShutdown), then
  /// drains: keeps passing until a pass finds nothing, so every event already queued is handled.
  /// Producers should be stopped before the stop request for a complete drain.
  void run(IdleStrategy& idle) {
    while (!stop_.load(std::memory_order_relaxed)) idle.idle(do_work());
    while (do_work() > 0) {
    }
  }

  /// Switches between live and recorded timers (recovery replays the journal with recorded
  /// timers, then goes live with the timers the replay left pending). Core thread only.
  void set_timer_mode(TimerMode m) noexcept { opt_.timers = m; }
  TimerMode timer_mode() const noexcept { return opt_.timers; }

  void request_stop() noexcept { stop_.store(true, std::memory_order_relaxed); }
  /// Forgets a stop request (recovery replays a journaled kShutdown of an earlier run; the new
  /// run must not start stopped). Core thread, before run().
  void clear_stop() noexcept { stop_.store(false, std::memory_order_relaxed); }
  bool stop_requested() const noexcept { return stop_.load(std::memory_order_relaxed); }

  /// When the earliest pending timer is due (simulated-time drivers step the clock to it).
  std::optional<Timestamp> next_timer_due() noexcept { return timers_.next_due(); }

  std::uint64_t last_seq() const noexcept { return seq_; }
  const CoreLoopStats& stats() const noexcept { return stats_; }
  const TimerService& timers() const noexcept { return timers_; }

 private:
  /// Live timers due by the clock's now, as inputs (none with recorded timers).
  int fire_due_timers() {
    if (opt_.timers != TimerMode::kLive) return 0;
    int n = 0;
    TimerFired t;
    while (timers_.pop_due(clock_.now(), t)) {
      ++stats_.timers_fired;
      process(t);
      ++n;
    }
    return n;
  }

  void dispatch(const Event& root, Timestamp now) {
    pending_.clear();
    pending_.push_back(root);
    for (std::size_t head = 0; head < pending_.size(); ++head) {
      const Event ev = pending_[head];  // a copy: pending_ may grow below
      outbox_.clear();
      handler_.on_event(ev, now, outbox_);
      for (std::size_t i = 0; i < outbox_.size(); ++i) {
        Event& o = outbox_[i];
        EventHeader& h = header(o);
        h.seq = ++seq_;
        h.receive_time = now;
        if (h.event_time.ns == 0) h.event_time = now;
        ++stats_.emitted;
        if (const auto* s = std::get_if<ScheduleTimer>(&o)) {
          timers_.schedule(*s);
          continue;
        }
        if (const auto* c = std::get_if<CancelTimer>(&o)) {
          timers_.cancel(c->timer);
          continue;
        }
        publish(o);
        pending_.push_back(o);
      }
      BALLAST_INVARIANT(pending_.size() <= opt_.max_cascade,
                        "one input made the components emit more than max_cascade events");
    }
  }

  void publish(const Event& e) {
    // Backpressure: the consumer is behind. Wait for it; never drop an emitted event.
    while (!sink_.try_publish(e)) {
      ++stats_.outbound_waits;
      cpu_relax();
    }
  }

  Clock& clock_;
  Handler& handler_;
  Sink& sink_;
  Options opt_;
  std::vector<SpscQueue<Event>*> spsc_;
  std::vector<MpscQueue<Event>*> mpsc_;
  TimerService timers_;
  Outbox outbox_;
  std::vector<Event> pending_;
  std::uint64_t seq_ = 0;
  CoreLoopStats stats_;
  std::atomic<bool> stop_{false};
};

}  // namespace ballast
