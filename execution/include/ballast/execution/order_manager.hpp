// OrderManager: parents, children and fills. Applies execution reports through the child state
// machine and books every new fill exactly once into the PortfolioBook.
#pragma once

#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/engine/market_state.hpp"
#include "ballast/engine/outbox.hpp"
#include "ballast/engine/portfolio_book.hpp"
#include "ballast/execution/block_allocation.hpp"
#include "ballast/execution/child_order.hpp"
#include "ballast/execution/exec_ledger.hpp"
#include "ballast/execution/flat_id_map.hpp"

namespace ballast {

/// Capacities fixed at construction; nothing on the report path grows past them.
struct OrderManagerLimits {
  /// Child orders (replacements count) in the table at once: the live ones and the closed ones
  /// still within `retention_ns`.
  std::size_t max_children = 1u << 16;
  std::size_t max_parents = 1u << 14;       ///< parents and blocks in the table at once
  std::size_t max_exec_ids = 1u << 17;      ///< trades + busts + corrections per trading day
  std::size_t max_positions = 1u << 16;     ///< (account, instrument) pairs with a cost basis
  std::size_t max_block_shares = 1u << 16;  ///< accounts summed over all blocks
  /// A cancel or replace unanswered for this long makes the manager ask for the order's status
  /// (QueryOrderStatus), again after each further timeout (doubling); 0: never.
  std::int64_t request_timeout_ns = 5'000'000'000;
  /// Status requests per unanswered cancel/replace before the account's trading is stopped
  /// (KillSwitchTripped, kUnansweredRequest).
  std::uint32_t max_status_requests = 3;
  /// A closed child (filled, cancelled, rejected, expired or replaced, no request outstanding)
  /// leaves the table this long after it closed: until then a late report (a bust, a correction,
  /// a fill on a replaced ClOrdID) finds it; after, a report for it is one for an unknown order.
  /// Its history stays in the journal. A parent leaves with its last child once the slicing
  /// engine has finished it (close_parent). When the table is full, the oldest closed child
  /// leaves early (counted: retired_early). Blocks stay for the run.
  std::int64_t retention_ns = 2 * 3'600'000'000'000;
};

/// A parent order: one account's (or one block's) intent in one instrument.
struct ParentOrder {
  OrderId id{};
  AccountId account{};  ///< invalid for a block
  InstrumentId instrument{};
  Side side{Side::kBuy};
  Qty intended{};                ///< 0 when the parent was only seen through its children
  Qty filled{};                  ///< net of busts
  __int128 notional_e15{0};      ///< sum of fill qty raw x px raw (exact)
  Qty lot{};                     ///< blocks: allocation lot
  std::uint32_t first_share{0};  ///< blocks: range in the share table
  std::uint32_t n_shares{0};
  Qty unallocated{};  ///< blocks: filled beyond what the accounts asked for (overfill)
  bool block{false};

  /// Average fill price, rounded half-even to the price scale; 0 when nothing is filled.
  Price avg_px() const noexcept;
};

/// Weighted-average cost and realized P&L of one account in one instrument (docs/execution.md,
/// "Fills"). Cost is kept exactly in 1e-15 currency units; values here are rounded half-even.
struct CostBasis {
  Qty qty{};              ///< signed position the basis covers
  Price avg_cost{};       ///< cost / qty; 0 when flat
  Money realized{};       ///< realized P&L since start
  bool estimated{false};  ///< a position held before start without a seeded basis
};

/// Counts of everything the manager saw; never reset.
struct OrderManagerCounters {
  std::uint64_t reports{0};
  std::uint64_t fills{0};
  std::uint64_t duplicates{0};
  std::uint64_t out_of_order{0};
  std::uint64_t fills_after_cancel_request{0};
  std::uint64_t unsolicited_cancels{0};
  std::uint64_t cancel_rejects{0};
  std::uint64_t replace_rejects{0};
  std::uint64_t busts{0};
  std::uint64_t corrections{0};
  std::uint64_t unknown_exec_refs{0};
  std::uint64_t overfills{0};
  std::uint64_t late_reports{0};
  std::uint64_t unknown_orders{0};       ///< reports/commands for ids we never saw
  std::uint64_t unknown_order_fills{0};  ///< fills/busts for ids we never saw: global stop
  std::uint64_t exec_id_reuses{0};       ///< an ExecID reused for another fill (status asked)
  std::uint64_t ledger_full{0};          ///< fills applied without de-duplication
  std::uint64_t unbooked_fills{0};       ///< PortfolioBook had no slot: position not updated
  std::uint64_t capacity_exhausted{0};   ///< SubmitOrder/ReplaceOrder dropped: pool full
  std::uint64_t block_busts{0};          ///< busts/corrections on block children: not re-allocated
  std::uint64_t block_overfills{0};      ///< block fills beyond the accounts' requests
  std::uint64_t reconciled_fills{0};     ///< fills booked from a status report's CumQty
  std::uint64_t closed_by_status{0};     ///< orders closed by a status report (e.g. unknown)
  std::uint64_t unbookable_reports{0};   ///< reports with an issue: not applied, trading stopped
  std::uint64_t restated{0};             ///< the broker's OrdStatus/LeavesQty changed an order
  std::uint64_t cum_mismatches{0};       ///< broker CumQty != fills booked (status asked)
  std::uint64_t status_requests{0};      ///< QueryOrderStatus emitted (mismatch or timeout)
  std::uint64_t requests_lost{0};        ///< unanswered cancels/replaces withdrawn on a status
  std::uint64_t cancels_lost{0};         ///< of them cancels: told to the gate (CancelRejected -1)
  std::uint64_t requests_unanswered{0};  ///< still unanswered after max_status_requests: stopped
  std::uint64_t retired_children{0};     ///< closed children that left the table
  std::uint64_t retired_parents{0};      ///< finished parents that left the table
  std::uint64_t parents_refused{0};      ///< ParentOrderRequested refused (id known, table full)
  std::uint64_t retired_early{0};        ///< closed children that left before their retention
  std::uint64_t day_rolls{0};            ///< trading days begun (the ExecID ledger rolled)
  std::uint64_t replaces_of_closed{0};   ///< ReplaceOrder for a closed child: no replacement made
};

/// Tracks parents and children, applies broker reports, books fills.
///
/// Inputs (on_event): ParentOrderRequested (opens the parent and emits ParentOrderAccepted for
/// the slicing engine, or emits ParentOrderRefused kOrderBook: id known, table full),
/// ParentOrderClosed and the slicing engine's ParentOrderRefused (close_parent),
/// SubmitOrder (a child the compliance gate approved), CancelOrder, ReplaceOrder,
/// ExecutionReported, CancelRejected, MessageRejected, TimerFired (its own); others are ignored.
/// It emits (on_event only): FillBooked for every fill, bust or correction booked into an
/// account (one per booking into one account: a correction books its reversal and its new fill; the
/// drift monitor re-evaluates the account),
/// ScheduleTimer for each cancel/replace (the
/// request timeout), QueryOrderStatus when a request times out or the broker's CumQty disagrees
/// with the fills booked, KillSwitchTripped for an account whose reports cannot be booked
/// (ExecutionReported::issue), whose broker CumQty is below the fills booked, or whose request
/// stays unanswered (the gate applies it), and CancelRejected (reason -1) for a replace or cancel
/// a status answer showed lost (so the gate counts the original as working again, or cancels it
/// again under a kill switch). The status answers asked for at a logon decide every request
/// pending on that session (on_logon). Results are queries and counters.
/// Pending quantities in the PortfolioBook: the manager is their only writer. A single-account
/// child's leaves are pending while it is live; a block's accounts have their unallocated
/// requests pending until close_block().
/// Thread: the core thread only. No allocation after construction on the event path.
class OrderManager {
 public:
  OrderManager(PortfolioBook& book, const MarketState& market, OrderManagerLimits limits = {});

  void on_event(const Event& e, Timestamp now, Outbox& out) noexcept;

  void on_submit_order(const SubmitOrder& s) noexcept;
  void on_cancel_order(const CancelOrder& c) noexcept;
  void on_replace_order(const ReplaceOrder& r) noexcept;
  void on_execution_reported(const ExecutionReported& r) noexcept {
    on_report(r, Timestamp{}, nullptr);
  }
  void on_cancel_rejected(const CancelRejected& r) noexcept;
  void on_message_rejected(const MessageRejected& r) noexcept;

  // -- set-up (cold) ------------------------------------------------------------------------

  /// Declares a parent with its intended quantity. False: id known, or no room.
  bool open_parent(OrderId id, AccountId account, InstrumentId instrument, Side side,
                   Qty intended) noexcept;
  /// Declares a block: children whose `parent` is `id` have their fills allocated to `shares`
  /// (BlockAllocator rule, over what each account still lacks). The accounts' requests become
  /// pending. False: id known, no room, lot <= 0, a negative request or a repeated account.
  bool open_block(OrderId id, InstrumentId instrument, Side side, Qty lot,
                  std::span<const BlockShare> shares);
  /// Releases the pending quantity the block's accounts did not get. False: not a block.
  bool close_block(OrderId id) noexcept;
  /// The parent will get no more children (the slicing engine finished it): it leaves the table
  /// with its last child. False: unknown or a block.
  bool close_parent(OrderId id) noexcept;
  /// Seeds the cost basis of a position held before start. False: no room.
  bool set_cost_basis(AccountId a, InstrumentId i, Qty qty, Price avg_cost) noexcept;

  // -- reads --------------------------------------------------------------------------------

  const ChildOrder* child(OrderId id) const noexcept;
  /// Calls f(const ChildOrder&) for every child that is live (working at the broker or sent and
  /// not yet answered), in slot order: the order they were sent until slots are reused, and
  /// always the same for the same inputs (replay). Cold path (recovery, reconnects, reports).
  template <class F>
  void for_each_live_child(F&& f) const {
    for (const ChildOrder& c : children_) {
      // Filled orders are done even without a terminal report flag (state() derives kFilled).
      // A free slot has no id.
      if (c.id().valid() && c.live() && c.state() != OrderState::kFilled) f(c);
    }
  }
  /// Calls f(const ParentOrder&) for every parent and block in the table.
  template <class F>
  void for_each_parent(F&& f) const {
    for (const ParentOrder& p : parents_) {
      if (p.id.valid()) f(p);
    }
  }
  /// Children and parents in the table now (live, or closed within the retention).
  std::size_t children_held() const noexcept { return child_index_.size(); }
  std::size_t parents_held() const noexcept { return parent_index_.size(); }
  const ParentOrder* parent(OrderId id) const noexcept;
  /// Cost basis of (a, i); all zero when never traded or seeded.
  CostBasis cost_basis(AccountId a, InstrumentId i) const noexcept;
  /// How much of block `id` went to account `a` so far (0 when unknown).
  Qty block_allocated(OrderId id, AccountId a) const noexcept;
  const OrderManagerCounters& counters() const noexcept { return counters_; }
  /// Flags of the last report handled (for tests and the why-log).
  std::uint32_t last_flags() const noexcept { return last_flags_; }

 private:
  struct Basis {
    std::int64_t qty{0};   // Qty raw
    __int128 cost_e15{0};  // signed cost of the open position, qty raw x px raw
    __int128 realized_e15{0};
    bool estimated{false};
    bool priced{false};  // cost_e15 holds a cost (seeded or from the first fill)
  };
  struct ShareState {
    AccountId account{};
    Qty requested{};
    Qty allocated{};
  };

  static constexpr std::uint32_t kTimerOwner = 0x4F4D4752;  // "OMGR"
  static constexpr std::int64_t kOpen = INT64_MIN;
  static constexpr std::uint32_t kNoSlot = UINT32_MAX;
  static constexpr std::size_t kCancelIdsPerChild = 4;
  /// Per child slot: its generation (bumped when the slot is reused: a timer of the previous
  /// occupant is recognised), the mark of its last close (bumped at every close, never reset: a
  /// ring entry of an earlier close, or of an earlier occupant, no longer matches), when it
  /// closed, and the ids of its recent cancel requests.
  struct ChildMeta {
    std::uint32_t gen{0};
    std::uint32_t n_cancels{0};
    std::uint32_t mark{0};
    bool counted{false};  ///< counted in its parent's ParentMeta::children
    std::int64_t closed_at{kOpen};
    std::array<std::uint64_t, kCancelIdsPerChild> cancels{};
  };
  struct ParentMeta {
    std::uint32_t children{0};  ///< children of this parent in the table
    bool finished{false};       ///< close_parent() was called (or nobody will)
  };
  /// A child that closed at `at`, in the order children closed; `mark` is its slot's close mark
  /// then (the entry is stale once the child reopened, closed again or left).
  struct Closed {
    std::uint32_t slot{0};
    std::uint32_t mark{0};
    std::int64_t at{0};
  };

  void dispatch(const Event& e, Timestamp now, Outbox& out) noexcept;
  void on_report(const ExecutionReported& r, Timestamp now, Outbox* out) noexcept;
  /// A free child slot (reusing a closed child's when the table is full), or kNoSlot.
  std::uint32_t take_child_slot() noexcept;
  std::uint32_t take_parent_slot() noexcept;
  std::uint32_t slot_of(const ChildOrder& c) const noexcept {
    return static_cast<std::uint32_t>(&c - children_.data());
  }
  void touch(const ChildOrder* c) noexcept;
  /// Notes whether a touched child closed (or reopened) at `now`.
  void settle(std::uint32_t slot, Timestamp now) noexcept;
  /// Retires the children closed longer than the retention ago.
  void reclaim(Timestamp now) noexcept;
  /// True while `e` is the entry of a held child's current close.
  bool current(const Closed& e) const noexcept;
  /// Retires the child in `e` if it is still the same child, still closed since e.at.
  bool retire_if(const Closed& e) noexcept;
  /// Drops the stale entries of the full ring (keeps the order of the others).
  void compact_closed() noexcept;
  void retire_child(std::uint32_t slot) noexcept;
  void maybe_retire_parent(std::uint32_t slot) noexcept;
  void roll_day(Timestamp now) noexcept;
  void on_timer(const TimerFired& t, Timestamp now, Outbox& out) noexcept;
  /// A session logged on: the status answers the supervisor asks for decide its pending requests.
  void on_logon(SessionId s) noexcept;
  void arm_request_timer(const ChildOrder& c, std::uint32_t attempt, Timestamp now,
                         Outbox& out) noexcept;
  std::uint32_t request_seq_of(OrderId id) const noexcept;
  /// Arms the request timer of `id` when the command just handled made a new request.
  void arm_if_requested(OrderId id, std::uint32_t seq_before, Timestamp now, Outbox& out) noexcept;
  /// Emits KillSwitchTripped for the account of `c` (global when unknown).
  void stop_account(const ChildOrder* c, KillReason why, Timestamp now, Outbox* out) noexcept;
  /// After a report: asks for status on a CumQty disagreement, stops on an unreconcilable one,
  /// and tells the gate about a lost replace.
  void follow_up(ChildOrder& c, const ExecutionReported& r, std::uint32_t flags, Timestamp now,
                 Outbox* out) noexcept;

  ChildOrder* find_child(OrderId id) noexcept;
  /// The child a report addressed to `id` belongs to: a child, or the order a cancel request
  /// targets; an inactive replacement routes to the order it replaces.
  ChildOrder* resolve(OrderId id) noexcept;
  void reject_replacement(ChildOrder& old) noexcept;
  ParentOrder* find_parent(OrderId id) noexcept;
  ParentOrder* parent_for(const ChildOrder& c) noexcept;
  Basis* basis_for(AccountId a, InstrumentId i) noexcept;
  /// Books a signed fill (buys +) into position, cash, cost basis; emits FillBooked (on_event).
  void book(AccountId a, InstrumentId i, Qty signed_qty, Price px) noexcept;
  void apply_outcome(ChildOrder& c, const ReportOutcome& o) noexcept;
  void on_parent_requested(const ParentOrderRequested& r, Outbox& out);
  void book_child_fill(ChildOrder& c, Qty signed_qty, Price px) noexcept;
  void allocate_block(ParentOrder& p, Qty qty, Price px) noexcept;
  void count(std::uint32_t flags) noexcept;
  /// Moves the book's pending by the change of a child's leaves.
  void sync_pending(const ChildOrder& c, Qty leaves_before) noexcept;

  PortfolioBook& book_;
  const MarketState& market_;
  OrderManagerLimits limits_;
  // While on_event runs: where FillBooked goes, and what the booking in hand is for.
  Outbox* out_ = nullptr;
  Timestamp now_{};
  OrderId booking_order_{};
  OrderId booking_parent_{};
  BookingKind booking_kind_{BookingKind::kFill};

  std::vector<ChildOrder> children_;  // slots; a free one has an invalid id
  std::vector<ChildMeta> child_meta_;
  std::vector<std::uint32_t> free_children_;
  // Ring, oldest at closed_head_; twice max_children entries: at most max_children are current,
  // so compacting a full ring frees at least half of it (a close stays O(1) amortised).
  std::vector<Closed> closed_;
  std::size_t closed_head_{0};
  std::size_t closed_n_{0};
  // The children one event looked up (settled after it): at most four on any path (a report on
  // a replace chain: the order, its replacement and the one it replaces); room for twice that.
  std::array<std::uint32_t, 8> touched_{};
  std::uint32_t n_touched_{0};
  std::int64_t day_{INT64_MIN};
  FlatIdMap child_index_;             // child ids -> children_
  FlatIdMap cancel_index_;            // cancel-request ids (ClOrdID of a 35=F) -> children_
  std::vector<ParentOrder> parents_;  // slots; a free one has an invalid id
  std::vector<ParentMeta> parent_meta_;
  std::vector<std::uint32_t> free_parents_;
  FlatIdMap parent_index_;
  std::vector<Basis> bases_;
  FlatIdMap basis_index_;
  std::vector<ShareState> shares_;
  ExecLedger ledger_;
  BlockAllocator allocator_;
  std::vector<BlockShare> alloc_in_;  // scratch for block allocation
  std::vector<Qty> alloc_out_;
  OrderManagerCounters counters_{};
  std::uint32_t last_flags_{0};
};

}  // namespace ballast
