// Inline pre-trade compliance: a pure rule check and the gate component (with the kill switch)
// that runs it before every child order and every replace. Rules and definitions:
// docs/compliance.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/core/fixed_id_map.hpp"
#include "ballast/core/instrument.hpp"
#include "ballast/engine/engine_config.hpp"
#include "ballast/engine/market_state.hpp"
#include "ballast/engine/outbox.hpp"
#include "ballast/engine/portfolio_book.hpp"
#include "ballast/risk/compliance_config.hpp"

namespace ballast {

/// Per account-and-instrument restriction bits (ComplianceState::restrictions).
enum ComplianceFlag : std::uint8_t {
  kComplianceRestricted = 1,  ///< never traded (global list or the account's own)
  kComplianceNoBuy = 2,
  kComplianceNoSell = 4,
};

inline constexpr std::int64_t kPpb = 1'000'000'000;  ///< parts per billion in 1
/// A limit that is not checked.
inline constexpr std::int64_t kComplianceNoLimit = INT64_MAX;
inline constexpr std::size_t kAssetClassCount = static_cast<std::size_t>(AssetClass::kOther) + 1;

/// The limits in the integer form the check reads (no strings, no doubles). Ratios are in parts
/// per billion; money and quantities are fixed-point raw values; kComplianceNoLimit = unchecked.
struct ComplianceLimits {
  std::int64_t max_order_qty_raw = kComplianceNoLimit;       ///< Qty raw
  std::int64_t max_order_notional_raw = kComplianceNoLimit;  ///< Money raw
  std::int64_t daily_gross_limit_raw = kComplianceNoLimit;   ///< Money raw
  std::int64_t collar_ppb = 50'000'000;                      ///< 500 bps
  Duration reference_stale_after = std::chrono::seconds(5);
  std::int64_t max_adv_share_ppb = 100'000'000;  ///< 10 %
  /// How far an account's buys may run ahead of its cash, ppb of its NAV (execution.
  /// cash_allowance: the rebalancer releases buys before the sells' proceeds arrive).
  std::int64_t cash_allowance_ppb = 0;
  /// Max projected weight per instrument (index = InstrumentId), ppb; an id past the end uses
  /// default_weight_ppb.
  const std::int64_t* instrument_weight_ppb = nullptr;
  std::size_t instrument_weight_count = 0;
  std::int64_t default_weight_ppb = kPpb;
  /// Max projected weight per asset class (index = AssetClass), ppb or kComplianceNoLimit.
  std::array<std::int64_t, kAssetClassCount> class_weight_ppb{
      kComplianceNoLimit, kComplianceNoLimit, kComplianceNoLimit,
      kComplianceNoLimit, kComplianceNoLimit, kComplianceNoLimit};
  std::uint32_t max_open_orders = 5;         ///< per account and instrument
  std::uint32_t max_orders_per_second = 50;  ///< per session
  Duration duplicate_window = std::chrono::seconds(1);

  /// Returns the instrument's weight cap in ppb.
  std::int64_t weight_ppb(InstrumentId i) const noexcept {
    return i.value < instrument_weight_count ? instrument_weight_ppb[i.value] : default_weight_ppb;
  }
};

/// One order the gate sent recently (for the duplicate rule).
struct RecentOrder {
  Timestamp time{};
  AccountId account{};
  InstrumentId instrument{};
  Side side{Side::kBuy};
  Qty qty{};
  Price limit{};
};

/// Everything the rules read about one proposed order, as plain values. For a replace it is the
/// state with the replaced order taken out (its pending quantity and notional, its open-order
/// count). The gate fills it from its own state; tests construct it directly.
struct ComplianceState {
  bool kill_global = false;
  bool kill_account = false;
  std::uint8_t restrictions = 0;  ///< ComplianceFlag bits for (account, instrument)
  AssetClass asset_class = AssetClass::kEquity;
  Price reference{};  ///< market reference price; <= 0 = missing
  Timestamp reference_time{};
  Qty adv{};       ///< average daily volume; <= 0 = unknown
  Qty position{};  ///< the account's holding in the instrument
  Qty pending_buy{};
  Qty pending_sell{};  ///< positive: quantity of working sells
  Money cash{};
  __int128 pending_buy_notional_e15 = 0;  ///< working buys, qty raw x price raw (1e-15 units)
  Money nav{};
  /// Projected value of the account's other instruments in the same asset class (position plus
  /// working buys, at their marks), 1e-15 units.
  __int128 class_other_value_e15 = 0;
  std::uint32_t open_orders = 0;            ///< working orders of this account in this instrument
  std::uint32_t session_orders_last_s = 0;  ///< orders the session sent in the last second
  const RecentOrder* recent = nullptr;      ///< recently sent orders (any order)
  std::uint32_t recent_count = 0;
  __int128 daily_gross_e15 = 0;  ///< gross notional sent today, 1e-15 units
};

/// Returns the notional price of an order: the limit, or the reference for a market order.
[[nodiscard]] constexpr Price notional_price(const ChildOrderProposed& o,
                                             const ComplianceState& s) noexcept {
  return o.type == OrdType::kMarket ? s.reference : o.limit;
}

/// Returns the first rule (in DenyReason order) the order breaks, or nullopt if it may go out.
/// Pure: no allocation, no virtual call, exact integer arithmetic. Inputs are assumed to keep
/// products of a quantity and a price below 2^120 (docs/compliance.md, "Domain").
[[nodiscard]] std::optional<DenyReason> check(const ChildOrderProposed& o, const ComplianceState& s,
                                              const ComplianceLimits& lim, Timestamp now) noexcept;

/// The gate writes to the engine's Outbox: SubmitOrder, ReplaceOrder, CancelOrder, OrderDenied
/// and KillSwitchTripped are all Event alternatives, so the gate is a component like any other.
using ComplianceOutbox = Outbox;
using ComplianceOutput = Event;

/// Sizes of the gate's preallocated tables (fixed at construction).
struct ComplianceGateOptions {
  std::size_t max_working_orders = 1u << 16;   ///< working children across all accounts
  std::size_t max_parents = 1u << 14;          ///< registered parents (sent-vs-intended)
  std::size_t max_sessions = 16;               ///< SessionId values 0..max_sessions-1
  std::uint64_t first_cancel_id = 1ull << 62;  ///< OrderIds the gate gives its CancelOrders
  /// Orders no longer working that the broker may bring back (a bust reopening a filled order,
  /// a refused or lost replace): the most recent this many are kept, oldest forgotten first.
  std::size_t max_retired_orders = 1u << 14;
};

/// Gate state counters.
struct ComplianceCounters {
  std::array<std::uint64_t, static_cast<std::size_t>(DenyReason::kCount)> denied{};
  std::uint64_t submitted = 0;
  std::uint64_t replaced = 0;
  std::uint64_t kill_trips = 0;
  std::uint64_t cancels_sent = 0;
  /// Of them, cancels sent again under a kill switch because the first was lost (the order
  /// manager's CancelRejected with reason -1).
  std::uint64_t cancels_resent = 0;
};

/// The inline compliance gate and kill switch. Turns each ChildOrderProposed into a SubmitOrder or
/// ReplaceOrder (and books it as working and pending) or an OrderDenied with the first rule
/// broken; follows executions to release pending quantities; trips the kill switch on an operator
/// command, a reject storm, a runaway order rate, or a parent's children exceeding its intended
/// quantity, then cancels every working child in scope and denies every new proposal.
/// Thread: the core thread only. No allocation after construction (beyond the caller's outbox).
class ComplianceGate {
 public:
  /// Builds the limits from `cfg` (symbols resolved in `instruments`). The instruments, book and
  /// market must outlive the gate and the book's accounts must all be added already: the gate sizes
  /// its per-holding arrays from it. The gate keeps its own working quantities for its rules; the
  /// book's pending quantities belong to the order manager (execution/), their only writer.
  ComplianceGate(const ComplianceConfig& cfg, const InstrumentTable& instruments,
                 PortfolioBook& book, const MarketState& market,
                 const ComplianceGateOptions& opts = {});

  /// Adds an account's restricted / no-buy / no-sell lists (unknown symbols are ignored: config
  /// validation reports them). Cold path.
  void set_account_overrides(AccountId a, const AccountOverrides& ov);
  /// ORs ComplianceFlag bits into (account, instrument). Cold path.
  void add_account_flags(AccountId a, InstrumentId i, std::uint8_t flags);
  /// Sets an instrument's average daily volume (<= 0: unknown, which denies with kAdvShare).
  void set_adv(InstrumentId i, Qty adv) noexcept;
  /// Buys may exceed the account's cash by `share` x its NAV (execution.cash_allowance, 0..1).
  void set_cash_allowance(double share) noexcept;
  /// Registers a parent order's intended quantity; its children's cumulative sent quantity is
  /// then held to intended x (1 + mismatch_tolerance). Returns false when the table is full.
  [[nodiscard]] bool register_parent(OrderId parent, AccountId a, Qty intended) noexcept;
  /// Forgets a parent (done or cancelled).
  void unregister_parent(OrderId parent) noexcept;

  /// Handles a proposal: emits SubmitOrder / ReplaceOrder or OrderDenied (and a trip, when the
  /// proposal trips the runaway-rate or mismatch detector).
  void on_child_order_proposed(const ChildOrderProposed& o, Timestamp now, ComplianceOutbox& out);
  /// Releases pending quantities on fills, cancels, expiries and rejects; rejects feed the storm
  /// detector.
  void on_execution_reported(const ExecutionReported& e, Timestamp now, ComplianceOutbox& out);
  /// A session/business reject: feeds the storm detector; a tied order is no longer working.
  void on_message_rejected(const MessageRejected& e, Timestamp now, ComplianceOutbox& out);
  /// A refused cancel/replace: feeds the storm detector; a refused replace stops counting as
  /// working.
  void on_cancel_rejected(const CancelRejected& e, Timestamp now, ComplianceOutbox& out);
  /// kKillSwitchOn / kKillSwitchOff, global (invalid account) or for one account.
  void on_control_command(const ControlCommand& c, Timestamp now, ComplianceOutbox& out);
  /// A kill another component asked for (the order manager: a report it cannot book, a broker
  /// it cannot reconcile with): applied like the gate's own trip (blocks and cancels), without
  /// emitting it again. The gate's own trips come back here and change nothing.
  void on_kill_switch_tripped(const KillSwitchTripped& k, Timestamp now, ComplianceOutbox& out);
  /// Remembers which order a cancel request (its own or the slicer's) is for: a cancel's
  /// reports may carry only the cancel's ClOrdID (OrigClOrdID is conditionally required).
  void on_cancel_order(const CancelOrder& c) noexcept;
  /// Routes any engine event to the handlers above; other events are ignored.
  void on_event(const Event& e, Timestamp now, ComplianceOutbox& out);

  /// Fills the rule inputs for a proposal from the gate's state (what on_child_order_proposed
  /// checks). Returns false when the account has no holding slot for the instrument.
  [[nodiscard]] bool fill_state(const ChildOrderProposed& o, Timestamp now,
                                ComplianceState& s) noexcept;

  const ComplianceLimits& limits() const noexcept { return lim_; }
  const ComplianceCounters& counters() const noexcept { return counters_; }
  std::uint64_t denied(DenyReason r) const noexcept {
    return counters_.denied[static_cast<std::size_t>(r)];
  }
  bool kill_active(AccountId a) const noexcept {
    return kill_global_ || (a.value < kill_account_.size() && kill_account_[a.value] != 0);
  }
  bool kill_global() const noexcept { return kill_global_; }
  /// Why account `a`'s own kill switch is on (the first reason), or false when it is off.
  bool kill_reason(AccountId a, KillReason& why) const noexcept {
    if (a.value >= kill_account_.size() || kill_account_[a.value] == 0) return false;
    why = static_cast<KillReason>(kill_account_[a.value] - 1);
    return true;
  }
  /// Why the global kill switch is on (the first reason); meaningful when kill_global().
  KillReason kill_global_reason() const noexcept { return kill_global_reason_; }
  /// Working children known to the gate.
  std::size_t working_orders() const noexcept { return orders_.size(); }
  /// Accounts whose own kill switch is on now (O(accounts): for status reports, not per order).
  std::size_t accounts_killed() const noexcept;
  /// Working orders of account a in instrument i.
  std::uint32_t open_orders(AccountId a, InstrumentId i) const noexcept;
  /// Gross notional sent today (Money, rounded down to 1e-6).
  Money daily_gross() const noexcept;

 private:
  struct Working {
    std::uint64_t id = 0;
    std::uint64_t parent = 0;
    std::uint32_t account = 0;
    std::uint32_t instrument = 0;
    std::uint32_t slot = 0;
    std::uint16_t session = 0;
    Side side = Side::kBuy;
    bool cancel_sent = false;
    std::int64_t leaves_raw = 0;
    std::int64_t price_raw = 0;     ///< the price pending notional is booked at
    std::uint64_t cancel_id = 0;    ///< the last cancel request's id (key in cancels_), 0: none
    std::uint64_t replaced_by = 0;  ///< retired: the replacement that took its place, 0: none
  };
  struct CancelRef {
    std::uint64_t id = 0;  ///< the cancel request's OrderId
    std::uint64_t orig = 0;
  };

  struct Parent {
    std::uint64_t id = 0;
    std::uint32_t account = 0;
    std::int64_t intended_raw = 0;
    std::int64_t sent_raw = 0;
  };
  /// The one fixed-capacity id table (core/fixed_id_map.hpp): nonzero keys, values inline.
  template <class V>
  using FixedMap = FixedIdMap<V, 0, 20>;
  /// Its minimum number of slots here (the gate's tables were built with 16).
  static constexpr std::size_t kMinMapSlots = 16;
  static constexpr std::size_t kRecentPerSlot = 4;
  struct SlotState {
    std::int64_t pend_buy_raw = 0;
    std::int64_t pend_sell_raw = 0;
    std::uint32_t open = 0;
    std::uint32_t recent_head = 0;
    std::array<RecentOrder, kRecentPerSlot> recent{};
  };
  /// Fixed-capacity ring of timestamps.
  class TimeRing {
   public:
    explicit TimeRing(std::size_t capacity = 0) : t_(capacity) {}
    void push(Timestamp t) noexcept;
    /// How many entries are newer than `after`.
    std::uint32_t count_after(Timestamp after) const noexcept;
    bool full() const noexcept { return n_ == t_.size(); }
    Timestamp oldest() const noexcept { return t_[n_ == t_.size() ? head_ : 0]; }
    void clear() noexcept { head_ = n_ = 0; }

   private:
    std::vector<Timestamp> t_;
    std::size_t head_ = 0;
    std::size_t n_ = 0;
  };

  std::int64_t find_slot(AccountId a, InstrumentId i) const noexcept;
  void deny(const ChildOrderProposed& o, DenyReason r, Timestamp now, ComplianceOutbox& out);
  void trip(AccountId scope, KillReason why, Timestamp now, ComplianceOutbox& out,
            bool emit = true);
  /// Cancels every working order of `scope` (every account when invalid) not already being
  /// cancelled: the kill switch's cancels, and the operator's cancel-all.
  void cancel_working(AccountId scope, Timestamp now, ComplianceOutbox& out);
  /// Emits a cancel of `w` (one of sweep `sweep`, 0: none) and marks it sent.
  void send_cancel(Working& w, std::uint32_t sweep, Timestamp now, ComplianceOutbox& out);
  void release(Working& w, std::int64_t qty_raw) noexcept;
  void remove(std::uint64_t id) noexcept;
  /// The working entry a report is about: by ClOrdID, OrigClOrdID, or our cancel's ClOrdID.
  Working* resolve(const ExecutionReported& e) noexcept;
  /// Sets a working entry's leaves to the broker's (pending moves with it).
  void set_leaves(Working& w, std::int64_t leaves_raw) noexcept;
  /// Working again (from the retired ring) with `leaves_raw`; nullptr when not retired or full.
  Working* restore(std::uint64_t id, std::int64_t leaves_raw) noexcept;
  Working* find_retired(std::uint64_t id) noexcept;
  void forget_retired(std::uint64_t id) noexcept;
  /// The order a closing report is about is not working; `final` (canceled, expired, rejected,
  /// done for day): not restorable either.
  void close(const ExecutionReported& e, bool final) noexcept;
  void note_reject(Timestamp now, ComplianceOutbox& out);
  void roll_day(Timestamp now) noexcept;

  const InstrumentTable& instruments_;
  PortfolioBook& book_;
  const MarketState& market_;
  ComplianceConfig cfg_;
  ComplianceLimits lim_;
  ComplianceGateOptions opts_;
  std::size_t n_instruments_;
  std::vector<std::int64_t> weight_ppb_;
  std::vector<AssetClass> class_of_;
  std::vector<std::uint8_t> global_flags_;   ///< per instrument
  std::vector<std::uint8_t> account_flags_;  ///< accounts x instruments
  std::vector<std::int64_t> adv_raw_;
  std::vector<SlotState> slot_;
  std::vector<__int128> pend_buy_notional_;  ///< per account, 1e-15 units
  std::vector<std::uint8_t> kill_account_;   ///< 0: off; else 1 + the first KillReason
  std::vector<std::uint8_t> kill_by_model_;  ///< 1: the account's kill came from its model's
  bool kill_global_ = false;
  KillReason kill_global_reason_{KillReason::kOperator};
  FixedMap<Working> orders_;
  FixedMap<CancelRef> cancels_;
  /// Orders no longer working, kept so the broker can bring them back (a bust that reopens an
  /// order, a replace refused or lost: the original works on); oldest forgotten first.
  FixedMap<Working> retired_;
  std::vector<std::uint64_t> retired_ring_;
  std::size_t retired_head_ = 0;
  FixedMap<Parent> parents_;
  std::vector<TimeRing> session_rate_;
  TimeRing proposals_;
  TimeRing rejects_;
  std::int64_t mismatch_tol_ppb_ = 0;
  __int128 daily_gross_e15_ = 0;
  std::int64_t day_ = INT64_MIN;
  std::uint64_t next_cancel_id_ = 0;
  std::uint32_t sweeps_ = 0;  ///< global cancel sweeps so far (CancelOrder::sweep)
  ComplianceCounters counters_;
};

}  // namespace ballast
