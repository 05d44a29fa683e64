// KernelProbe: how a benchmark (or a test) watches a kernel it built, without wiring a chain of
// its own: the kernel calls it where the events already pass. Unused (KernelOptions::probe null,
// the default), each place costs one null check.
#pragma once

#include "ballast/core/events.hpp"
#include "ballast/engine/outbox.hpp"

namespace ballast::kernel {

/// Every hook does nothing by default; a probe overrides the ones it needs. It must not block:
/// it runs on the engine's own threads.
class KernelProbe {
 public:
  virtual ~KernelProbe() = default;
  /// Core thread: an event a component emitted, as the core loop hands it to its outbound sink,
  /// before it is journaled or queued for FIX (tick-to-order stamps the first order intent here).
  /// Called again if the sink was full and the loop retries.
  virtual void on_published(const Event&) {}
  /// Core thread, last in the chain: every event (input or emitted) after every component has
  /// handled it, so a fill is already booked. What it emits goes through the chain like any
  /// component's output: a benchmark's order source stands here (the FIX-path benchmark).
  virtual void on_event(const Event&, Timestamp, Outbox&) {}
  /// FIX sender thread: an intent was taken off the outbound queue (before the journal gate);
  /// released by it and about to be handed to FIX; handed (fix::Initiator::send returned).
  virtual void on_intent_taken(const Event&) {}
  virtual void on_intent_released(const Event&) {}
  virtual void on_intent_sent(const Event&) {}
};

}  // namespace ballast::kernel
