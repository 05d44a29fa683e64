// The way out for order intents, shared by the engine runtime (kernel/src/kernel.cpp) and the FIX
// path benchmark (bench/fix_path_bench.cpp), so the benchmark measures this code, not a copy:
//
//   core thread:   OutboundSink (the CoreLoop's sink): every input journaled before the
//                  components see it; every order intent journaled, then pushed on the SPSC
//                  outbound queue.
//   sender thread: IntentSender::run(): takes the intents off that queue in order, holds each
//                  until the journal reports it durable (journal.release_after_durable; the
//                  cancels of a kill sweep once its first cancel is: release()), hands it
//                  to its destination (the runtime's: FixOutbound -> fix::Initiator). When the
//                  journal fails, the intent is held back (never sent), and new orders are stopped
//                  once (the caller's callback trips the kill switch). On stop it drains the queue.
//
// No QuickFIX or FIX adapter type here: the destination is an interface the caller implements.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <variant>
#include <vector>

#include "ballast/base/counters.hpp"
#include "ballast/base/histogram.hpp"
#include "ballast/core/events.hpp"
#include "ballast/engine/idle_strategy.hpp"
#include "ballast/engine/queue.hpp"
#include "ballast/journal/journal_tap.hpp"
#include "ballast/journal/journal_writer.hpp"
#include "ballast/kernel/kernel_probe.hpp"

namespace ballast::kernel {

/// The core loop's sink. Every input is journaled before the components see it (FIX sequence
/// numbers reported with a session status become checkpoints); every order intent is journaled,
/// then queued for the FIX sender thread (IntentSender), which releases it once the journal says
/// it is durable. Other emitted events go nowhere. Thread: the core thread.
struct OutboundSink {
  SpscQueue<Event>* out = nullptr;
  JournalWriter* journal = nullptr;  ///< null: no journal
  std::uint64_t journaled_seq = 0;   ///< the intent last journaled (the loop retries a full queue)
  /// Journal replay: nothing is journaled or sent; intents are collected for verification.
  bool replaying = false;
  std::vector<Event>* regenerated = nullptr;
  /// Replaying a journal: trade lines are regenerated too (compared with the journaled ones);
  /// else (a FIX log fed offline) only order intents are.
  bool replay_trade_lines = false;
  /// Offline (Kernel::observe_offline): every emitted event, intents or not, is appended here.
  std::vector<Event>* observed = nullptr;
  KernelProbe* probe = nullptr;  ///< sees every emitted event first (KernelOptions::probe)

  void on_input(const Event& e) {
    if (journal == nullptr || replaying) return;
    journal->append_input(e);
    if (const auto* st = std::get_if<SessionStatusChanged>(&e);
        st != nullptr && st->next_sender_seq != 0) {
      journal->append_fix_checkpoint(FixSeqCheckpoint{st->session.value, st->next_sender_seq,
                                                      st->next_target_seq, st->hdr.receive_time});
    }
  }
  /// False when the journal's or the outbound queue is full (the loop retries; an intent already
  /// journaled is not journaled twice).
  /// A ParentOrderRequested (a line of a trade list) is journaled like an intent, never sent.
  bool try_publish(const Event& e) {
    if (observed != nullptr) [[unlikely]]
      observed->push_back(e);
    if (probe != nullptr) probe->on_published(e);
    const bool trade_line = std::holds_alternative<ParentOrderRequested>(e);
    if (!trade_line && !is_order_intent(e)) return true;
    if (replaying) {
      if (!trade_line || replay_trade_lines) regenerated->push_back(e);
      return true;
    }
    const std::uint64_t seq = header(e).seq;
    if (journal != nullptr && journaled_seq != seq) {
      if (!journal->try_append_intent(e)) return false;
      journaled_seq = seq;
    }
    return trade_line || out->try_push(e);
  }
};

/// Where IntentSender hands released intents (the runtime: FixOutbound). Sender thread.
class IntentDestination {
 public:
  virtual ~IntentDestination() = default;
  /// An intent was taken off the queue, before the journal gate (the benchmark stamps it).
  virtual void on_taken(const Event&) {}
  /// Sends an intent the journal holds durably (or any intent when the gate is off).
  virtual void send(const Event& e) = 0;
};

struct IntentSenderOptions {
  /// What the thread does on an empty pass and while the intent in hand is not durable yet
  /// (engine.sender_idle_strategy with engine.back_off: CoreLoopConfig::sender_idle_params()).
  IdleStrategy::Params idle{};
  /// Hold each intent until the journal reports its seq durable (journal.release_after_durable).
  /// Needs a journal; without one every intent is sent as it comes.
  bool release_after_durable = false;
};

/// Counters (base/counters.hpp): written by the sender thread, read in place by any thread.
struct IntentSenderCounters {
  Counter sent;           ///< handed to the destination
  Counter held;           ///< never sent: the journal failed before they were durable
  Counter durable_waits;  ///< intents that were not durable yet when taken
  /// Cancels of a sweep (a global kill or cancel-all) sent without waiting for their own record:
  /// the sweep's first cancel was durable, so the input that made them all is.
  Counter swept;
  /// How long each of those waited for the journal (base/histogram.hpp).
  LatencyHistogram durable_wait{10'000,    50'000,    100'000,    250'000,    500'000,
                                1'000'000, 2'500'000, 10'000'000, 100'000'000};

  template <class F>
  void each(F&& f) const {
    name_counters(f, "sent", sent, "held", held, "durable_waits", durable_waits, "swept", swept);
  }
};

/// The FIX sender thread's loop. One thread calls run(); any thread calls request_stop() and the
/// counters. Intents leave in the order they were queued: the one in hand blocks those behind it.
class IntentSender {
 public:
  /// `journal` may be null (no journal: nothing to wait for). `on_journal_failure` runs once, on
  /// the sender thread, the first time an intent is held back because the journal failed (the
  /// runtime trips the kill switch through the core's inbound queue); it may be empty.
  IntentSender(SpscQueue<Event>& queue, IntentDestination& destination, JournalWriter* journal,
               IntentSenderOptions options, std::function<void()> on_journal_failure = {});
  IntentSender(const IntentSender&) = delete;
  IntentSender& operator=(const IntentSender&) = delete;

  /// Runs until request_stop(); then sends (or holds back) every intent still queued and
  /// returns. Whoever stops it must have stopped the queue's producer first (the core thread),
  /// and keep the journal running until run() returns (an intent in hand waits for durability).
  void run();
  /// The same loop as an agent (engine/agent_runner.hpp): one pass takes every queued intent
  /// and releases it; on_close() drains what is left. The kernel runs it under an AgentRunner.
  int do_work();
  void on_close();
  /// Asks run() to drain the queue and return. Any thread; idempotent.
  void request_stop() noexcept { stop_.store(true, std::memory_order_release); }

  const IntentSenderCounters& counters() const noexcept { return c_; }
  /// The journal-failure callback ran (at most once).
  bool journal_failure_reported() const noexcept {
    return reported_.load(std::memory_order_acquire);
  }

 private:
  /// Sends `e` once it is durable; holds it back when the journal failed first.
  void release(const Event& e);

  SpscQueue<Event>& queue_;
  IntentDestination& out_;
  JournalWriter* journal_;
  const bool gated_;
  IdleStrategy idle_;  // between passes
  IdleStrategy wait_;  // while the intent in hand is not durable
  std::function<void()> on_journal_failure_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> reported_{false};
  IntentSenderCounters c_;
  std::uint32_t durable_sweep_ = 0;  // the sweep whose first cancel was released durable
};

}  // namespace ballast::kernel
