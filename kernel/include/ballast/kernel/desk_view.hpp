// What the desk looks like now, for readers off the core thread (the operator's JSON API and
// dashboard, docs/operator.md): models, accounts with their drift and positions, the last "why"
// record of each account's last trigger, working orders, and the latest denials and fills.
//
// The core thread builds a DeskView only when a reader has asked for one since its last build
// (DeskViewExchange::request), at most one every max(250 ms, 100 x the last build's time), at an
// idle pass (50 ms late at most when the core never idles; kernel.cpp, CoreAgent), into a buffer
// it reuses: after the first few views, building one allocates nothing unless the desk grew.
// Readers take the latest whole view from a triple buffer: no lock, and the core never waits for a
// reader (a reader that wants a fresh view polls for it: operator_service.cpp). Building reads the
// core's state and changes nothing, so it is not an input: the journal and a replay never see it.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/core/fixed_point.hpp"
#include "ballast/core/time.hpp"

namespace ballast::kernel {

/// Buckets of the band-utilisation histogram of a model's accounts (max |w - t| / band): upper
/// bounds; one more bucket holds what is above the last (outside the band by half or more).
inline constexpr std::array<double, 6> kUtilizationEdges = {0.25, 0.5, 0.75, 1.0, 1.25, 1.5};

struct ModelView {
  ModelId model{};
  std::uint32_t accounts = 0;
  std::uint32_t outside_band = 0;  ///< band utilisation >= 1 (a complete evaluation)
  std::uint32_t incomplete = 0;    ///< a held instrument without a fresh mark, or NAV <= 0
  std::uint32_t paused = 0;        ///< accounts whose triggers the operator paused
  std::uint32_t killed = 0;        ///< accounts whose kill switch is on (their own or global)
  std::array<std::uint32_t, kUtilizationEdges.size() + 1> utilization{};
  double max_utilization = 0;
};

struct AccountView {
  AccountId account{};
  ModelId model{};
  Money nav{};  ///< in the account's currency, exact; held instruments at their marks
  Money cash{};
  bool complete = false;  ///< DriftFigures::complete
  bool outside_band = false;
  bool paused = false;
  bool killed = false;
  bool rebalancing = false;   ///< orders working, or buys pending, for the account
  std::uint32_t working = 0;  ///< working child orders
  double max_abs_drift = 0;
  double band_utilization = 0;  ///< max of the absolute and relative utilisations
  double half_turnover = 0;
  double tracking_error = -1;
  InstrumentId worst{};  ///< invalid: cash
  /// Positions: [first_position, first_position + positions) of DeskView::positions.
  std::uint32_t first_position = 0, positions = 0;
  /// The last rebalance trigger (none: triggers == 0) and its why-record lines in DeskView::why
  /// (none when the why-log ring has overwritten them).
  std::uint32_t triggers = 0;
  Timestamp last_trigger{};
  TriggerRule last_rule{TriggerRule::kAbsoluteBand};
  double last_max_abs_drift = 0;
  double last_band_utilization = 0;
  std::uint32_t first_why = 0, why_lines = 0;
};

struct PositionView {
  InstrumentId instrument{};
  Qty qty{};
  Qty pending{};  ///< working buys minus sells
  Price mark{};   ///< 0: no mark
  double weight = 0;
  double target = 0;
  double band = 0;  ///< absolute band the weight must stay within (+inf: none)
  bool restricted = false;
};

struct WhyView {
  InstrumentId instrument{};  ///< invalid: cash
  std::uint8_t excluded = 0;  ///< WhyExclusion
  double weight = 0;
  double target = 0;
  Price price{};
  Timestamp price_time{};
};

struct OrderView {
  OrderId order{};
  OrderId parent{};
  AccountId account{};  ///< invalid: a block's child
  InstrumentId instrument{};
  SessionId session{};
  Side side{Side::kBuy};
  std::uint8_t state = 0;  ///< OrderState
  Qty qty{};
  Qty filled{};
  Price limit{};
};

struct DenialView {
  Timestamp time{};
  OrderId order{};
  AccountId account{};
  InstrumentId instrument{};
  Side side{Side::kBuy};
  DenyReason reason{DenyReason::kKillSwitch};
  Qty qty{};
  Price limit{};
};

struct FillView {
  Timestamp time{};
  OrderId order{};
  AccountId account{};
  InstrumentId instrument{};
  BookingKind booking{BookingKind::kFill};
  Qty qty{};  ///< signed: buys +, sells -
  Price px{};
};

/// A trade list waiting for an operator's approval (approval mode): its lines are
/// [first_line, first_line + lines) of DeskView::proposal_lines.
struct ProposalView {
  AccountId account{};
  Timestamp time{};
  Money gross{};
  std::uint32_t first_line = 0, lines = 0;
};
struct ProposalLineView {
  InstrumentId instrument{};
  Qty qty{};  ///< buys +, sells -
  Price price{};
};

/// The latest denials and fills the view carries (the newest last).
inline constexpr std::size_t kRecentDenials = 256;
inline constexpr std::size_t kRecentFills = 256;

struct DeskView {
  std::uint64_t seq = 0;               ///< 1 for the first view built, then +1 per view
  Timestamp as_of{};                   ///< the core's clock when it was built
  std::int64_t built_ns = 0;           ///< time to build it (the core's monotonic clock)
  std::int64_t published_mono_ns = 0;  ///< CLOCK_MONOTONIC when it was published
  std::vector<ModelView> models;       ///< by the engine's model id
  std::vector<AccountView> accounts;   ///< by the engine's account id
  std::vector<PositionView> positions;
  std::vector<WhyView> why;
  std::vector<OrderView> orders;    ///< working children, in the order manager's slot order
  std::uint64_t orders_total = 0;   ///< working children (orders holds at most kMaxOrders)
  std::vector<DenialView> denials;  ///< oldest first
  std::vector<FillView> fills;      ///< oldest first
  std::uint64_t denials_total = 0, fills_total = 0;  ///< since start
  std::vector<ProposalView> proposals;               ///< waiting for approval, oldest first
  std::vector<ProposalLineView> proposal_lines;
  static constexpr std::size_t kMaxOrders = 10'000;
};

/// The triple buffer between the core thread (the one writer) and one reader thread. The reader
/// asks with request(); the core sees wanted() and builds into back(), then publish(); the reader's
/// latest() returns the newest published view, which stays unchanged until its next latest().
class DeskViewExchange {
 public:
  /// Reader: ask for a fresh view (the core builds one soon; see the header comment).
  void request() noexcept { requests_.fetch_add(1, std::memory_order_release); }
  /// Reader: the newest view published (seq 0: none yet). Valid until the next call.
  const DeskView& latest() noexcept {
    if ((middle_.load(std::memory_order_acquire) & kFresh) != 0) {
      front_ = middle_.exchange(front_, std::memory_order_acq_rel) & kIndex;
    }
    return bufs_[front_];
  }

  /// Core: requests not yet answered by a published view.
  bool wanted() const noexcept { return requests_.load(std::memory_order_acquire) != answered_; }
  /// Core: the buffer to build into (the previous contents of a buffer, to reuse its capacity).
  DeskView& back() noexcept { return bufs_[back_]; }
  /// Core: makes back() the latest view and answers every request made before the build started
  /// (`requests_seen`: requests() read before building).
  void publish(std::uint64_t requests_seen) noexcept {
    answered_ = requests_seen;
    back_ = middle_.exchange(static_cast<std::uint8_t>(back_ | kFresh), std::memory_order_acq_rel) &
            kIndex;
  }
  std::uint64_t requests() const noexcept { return requests_.load(std::memory_order_acquire); }

 private:
  static constexpr std::uint8_t kIndex = 3, kFresh = 4;
  DeskView bufs_[3];
  alignas(64) std::atomic<std::uint64_t> requests_{0};
  alignas(64) std::atomic<std::uint8_t> middle_{1};
  alignas(64) std::uint8_t back_ = 0;   // the core's
  std::uint64_t answered_ = 0;          // the core's
  alignas(64) std::uint8_t front_ = 2;  // the reader's
};

}  // namespace ballast::kernel
