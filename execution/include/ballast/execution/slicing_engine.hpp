// The slicing engine: works parent orders through the slicer on an interval timer and proposes
// child orders (new, replace, cancel) to the compliance gate; reads fills back from the order
// manager. A component: on_event(event, now, outbox); no threads, no clock of its own.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/core/instrument.hpp"
#include "ballast/engine/market_state.hpp"
#include "ballast/engine/outbox.hpp"
#include "ballast/execution/execution_config.hpp"
#include "ballast/execution/order_id.hpp"
#include "ballast/execution/order_manager.hpp"
#include "ballast/execution/slicer.hpp"

namespace ballast {

/// Thread: the core thread only. Parents live in a table preallocated at construction; a
/// finished parent's slot is reused, and timers, prints and denials visit only the parents being
/// worked (in the order they started). A finished parent is closed in the order manager, which
/// lets it go with its last child (OrderManagerLimits::retention_ns): the engine emits
/// ParentOrderClosed, it never calls the order manager (it reads fills and children from it).
class SlicingEngine {
 public:
  /// Owner tag of the engine's interval timer ("SLCE").
  static constexpr std::uint32_t kTimerOwner = 0x534C4345;

  /// The config, profile, instruments, market, order manager and id generator must outlive it.
  SlicingEngine(const ExecutionConfig& cfg, const VolumeProfile& profile,
                const InstrumentTable& instruments, const MarketState& market,
                const OrderManager& om, ClOrdIdGenerator& ids, std::size_t max_parents = 4096);

  /// Events: a ParentOrderAccepted (the order manager opened the parent) starts working it
  /// (arrival price: the mark; the interval timer started if it is not running), or emits
  /// ParentOrderRefused (non-positive quantity, no price for the instrument, table full). A
  /// finished parent emits ParentOrderClosed.
  /// Timers step the parents; prints count market volume; denials restore the live child.
  void on_event(const Event& e, Timestamp now, Outbox& out);

  std::size_t active() const noexcept { return active_; }
  /// Whether account `a` has a parent still being worked (children may all be done between
  /// slices, so the book's pending quantities alone do not show it).
  bool has_active_parent(AccountId a) const noexcept {
    return a.value < active_by_account_.size() && active_by_account_[a.value] != 0;
  }
  struct Counters {
    std::uint64_t proposed = 0, replaced = 0, cancelled = 0, denied = 0, finished = 0;
    std::uint64_t left_over = 0;  ///< parents finished with quantity left (on_horizon_end: leave)
    std::uint64_t refused = 0;    ///< parents refused (ParentOrderRefused emitted)
    std::uint64_t cancelled_by_operator = 0;  ///< parents ended by a cancel-all command
  };
  const Counters& counters() const noexcept { return c_; }

  /// Per-instrument volume profiles (instrument id order; VWAP/POV schedules): an instrument
  /// with none uses the constructor's profile. The vector must outlive the engine. Before the
  /// first event.
  void set_instrument_profiles(const std::vector<VolumeProfile>* profiles) noexcept {
    profiles_ = profiles;
  }

 private:
  struct Parent {
    ParentOrderRequested req{};  ///< as requested (ParentOrderAccepted)
    ParentState st{};
    OrderId live{};      ///< the current child (proposed or working), invalid when none
    OrderId replaced{};  ///< the child a proposed replace would replace (still working if denied)
    bool active = false;
    /// The gate denied a new child of it past its finish-by time: nothing more will execute, so
    /// the next step finishes it with what is left over (else on_horizon_end: cross re-proposes
    /// a denied remainder every interval and the parent never ends: ParentOrderClosed never
    /// comes and the account is never rebalanced again).
    bool denied_past_end = false;
  };
  /// Starts working `r` now; the refusal's reason when it cannot.
  std::optional<ParentRefusal> start_parent(const ParentOrderRequested& r, Timestamp now,
                                            Outbox& out);
  /// Ends a parent being worked (its slot is freed by the caller): counts it, takes it out of the
  /// active counts and emits ParentOrderClosed.
  void finish(Parent& p, bool left_over, Timestamp now, Outbox& out);
  /// Steps one parent; false when it finished (its slot is free again).
  bool step(Parent& p, Timestamp now, Outbox& out);
  void schedule(Timestamp now, Outbox& out);

  const ExecutionConfig& cfg_;
  const VolumeProfile& profile_;
  const std::vector<VolumeProfile>* profiles_ = nullptr;
  const InstrumentTable& instruments_;
  const MarketState& market_;
  const OrderManager& om_;
  ClOrdIdGenerator& ids_;
  std::vector<Parent> parents_;         // slots, preallocated
  std::vector<std::uint32_t> free_;     // free slots
  std::vector<std::uint32_t> working_;  // slots being worked, in start order
  std::size_t active_ = 0;
  std::vector<std::uint32_t> active_by_account_;
  bool timer_running_ = false;
  Counters c_;
};

}  // namespace ballast
