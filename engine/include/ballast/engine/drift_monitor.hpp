// The drift/trigger monitor: keeps every account's weights current on every tick and decides,
// per account, when a rebalance is due and why (RebalanceTriggered).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/core/exchange_time.hpp"
#include "ballast/engine/engine_config.hpp"
#include "ballast/engine/market_state.hpp"
#include "ballast/engine/outbox.hpp"
#include "ballast/engine/portfolio_book.hpp"
#include "ballast/engine/tracking_error.hpp"

namespace ballast {

/// The drift figures of one account at one instant.
struct DriftFigures {
  bool complete = false;  ///< every held instrument has a fresh mark and NAV > 0
  bool nav_ok = false;    ///< NAV > 0 and within the Money range
  double nav = 0;         ///< in currency units
  /// Instruments the account does not hold, with a target > 0 (not restricted), that have no
  /// fresh mark: a rebalance would have to buy them without a price (waits, then excludes them).
  std::uint32_t unpriced = 0;
  /// Slots left out of the account's last rebalance for want of a price that now have one.
  std::uint32_t repriced = 0;
  double max_abs = 0;          ///< max |w - t| over instruments and cash
  double max_rel = 0;          ///< max |w - t| / t over targets > 0 (zero targets excluded)
  double half_turnover = 0;    ///< 0.5 * sum |w - t| over instruments and cash
  double abs_utilization = 0;  ///< max |w - t| / band (absolute bands)
  double rel_utilization = 0;  ///< max |w - t| / (band * t) (relative bands)
  double tracking_error = -1;  ///< annualised; -1 when not computed
  double est_cost = 0;         ///< estimated one-way cost of trading back, fraction of NAV
  /// The book's slot (PortfolioBook::slot_instrument(worst_slot); the account's first slot
  /// included) with the largest |w - t|; -1 = cash.
  std::int64_t worst_slot = -1;
  double worst_weight = 0;
  double worst_target = 0;
};

/// Why an instrument was left out of a rebalance (a why-record line).
enum class WhyExclusion : std::uint8_t {
  kNone,
  kNoPrice,     ///< no accepted price yet (e.g. not quoted since the open)
  kStalePrice,  ///< its last accepted price is older than market_data_quality.stale_after
};
const char* to_string(WhyExclusion e) noexcept;

/// One line of a why-record: an instrument's weight, target, and the price used with its time.
struct WhyLine {
  InstrumentId instrument{};  ///< invalid = cash
  /// Not traded by this rebalance for want of a price (the rebalancer leaves it out the same way).
  WhyExclusion excluded = WhyExclusion::kNone;
  double weight = 0;
  double target = 0;
  Price price{};
  Timestamp price_time{};
};
static_assert(sizeof(WhyLine) == 40, "the why-log ring holds a million lines: keep them small");

/// The monitor. A component: on_event(event, now, outbox); no threads, no clock of its own.
/// Thread: the core thread only. No allocation per event after construction (the why-log is a
/// preallocated ring).
class DriftMonitor {
 public:
  struct Options {
    double commission_bps = 1.0;          ///< per side, for the cost-benefit gate
    std::size_t why_log_lines = 1 << 20;  ///< ring capacity (lines) of the why-log
    /// Decide "no band breached" from the account's NAV interval when possible (on_mark_change).
    /// Off: every touched account gets the full evaluation (same decisions, slower; for tests
    /// and as the benchmark's baseline).
    bool fast_path = true;
    /// How long a rebalance that would buy an instrument without a fresh price (not quoted yet,
    /// or stale) waits for it; then it goes without it (docs/drift.md).
    Duration price_wait = std::chrono::seconds(60);
  };
  /// Owner tag of the monitor's timers ("DRFT").
  static constexpr std::uint32_t kTimerOwner = 0x44524654;

  /// `profiles` are the trigger settings accounts refer to by index (model's or their own).
  /// The market state is written by the market-data filter before the monitor in the chain
  /// (MarketDataFilter, constructed with vol_lookback_days(profiles)); the monitor reads it.
  DriftMonitor(PortfolioBook& book, const MarketState& market, std::vector<TriggerConfig> profiles,
               const TrackingErrorModel* te_model, Options opt);
  DriftMonitor(PortfolioBook& book, const MarketState& market, std::vector<TriggerConfig> profiles,
               const TrackingErrorModel* te_model = nullptr)
      : DriftMonitor(book, market, std::move(profiles), te_model, Options{}) {}

  void on_event(const Event& e, Timestamp now, Outbox& out);

  /// The daily returns the market state must keep for the profiles' volatility-adaptive bands
  /// (the market-data filter's vol_lookback_days); 0: none.
  static int vol_lookback_days(const std::vector<TriggerConfig>& profiles) noexcept;

  /// After anything outside the monitor changed an account's holdings or cash (a FillBooked
  /// from the order manager does this): the next tick then re-evaluates the account in full.
  void invalidate(AccountId a) noexcept { state_[a.value].bounds_valid = false; }
  /// On a RebalanceDeferred: a trigger was not acted on (the rebalancer still had the account's
  /// previous rebalance in progress). An account that is owed the purchase of an instrument left
  /// out for want of a price (which has one now) is re-armed, so it fires again after the cool-down
  /// instead of staying disarmed with that drift unresolved; any other account is left as it is
  /// (the rebalance in progress resolves its drift).
  void rearm(AccountId a) noexcept {
    if (!state_[a.value].owed) return;
    state_[a.value].armed = true;
    state_[a.value].bounds_valid = false;
  }

  /// Drift figures of one account now (also used by the full sweep and tests).
  DriftFigures figures(AccountId a, Timestamp now) const noexcept;
  /// Recomputes every account's figures (the full sweep); returns how many are complete.
  std::size_t sweep(Timestamp now) const noexcept;

  /// The trigger settings account `a` follows.
  const TriggerConfig& profile(AccountId a) const noexcept {
    return profiles_[book_.trigger_profile(a)];
  }
  /// The band slot k of account `a` must stay within, in absolute weight: the tighter of the
  /// enabled absolute and relative bands, with the account's overrides and the volatility
  /// multiplier applied (what the drift evaluation compares against); +infinity when no band is
  /// enabled.
  double band(AccountId a, std::uint32_t k) const noexcept;
  /// The same for the account's cash weight (no overrides, no volatility multiplier).
  double cash_band(AccountId a) const noexcept;

  /// The why-record of a RebalanceTriggered, or empty if the ring has overwritten it.
  std::span<const WhyLine> why(std::uint64_t why_id) const noexcept;

  struct Counters {
    std::uint64_t ticks = 0;            ///< market-data events that moved a mark
    std::uint64_t account_updates = 0;  ///< account-position revaluations + evaluations
    std::uint64_t fast_path = 0;        ///< of which decided by the NAV-interval check alone
    std::uint64_t full_evaluations = 0;
    std::uint64_t triggers = 0;
    std::uint64_t incomplete = 0;  ///< evaluations skipped: a held instrument's price missing/stale
    std::uint64_t no_nav = 0;      ///< evaluations skipped: NAV <= 0 or beyond the Money range
    std::uint64_t waiting_price = 0;  ///< rebalances held back waiting for a price (price_wait)
    std::uint64_t excluded = 0;       ///< instruments left out of fired rebalances (no price)
    std::uint64_t gated_hours = 0, gated_cool_down = 0, gated_rearm = 0, gated_cost = 0,
                  gated_pending = 0;
    std::uint64_t paused = 0;  ///< evaluations skipped: the operator paused the account's triggers
  };
  const Counters& counters() const noexcept { return c_; }

  /// Whether the operator has paused account `a`'s triggers (every account's, its model's or its
  /// own: a ControlCommand kPauseTriggers; kResumeTriggers of the same scope lifts it). Drift is
  /// still tracked; the first evaluation after the pause is lifted may trigger.
  bool paused(AccountId a) const noexcept {
    if (paused_all_) return true;
    if (a.value < paused_account_.size() && paused_account_[a.value] != 0) return true;
    const ModelId m = book_.model_of(a);
    return m.value < paused_model_.size() && paused_model_[m.value] != 0;
  }
  bool paused_all() const noexcept { return paused_all_; }
  /// Accounts paused now, by any scope (O(accounts): for status, not per tick).
  std::size_t accounts_paused() const noexcept;

 private:
  void on_control(const ControlCommand& c);
  bool paused_all_ = false;
  std::vector<std::uint8_t> paused_account_;  // grown on the first command (cold)
  std::vector<std::uint8_t> paused_model_;

  enum class Context : std::uint8_t { kTick, kCalendar, kCashFlow };
  /// Per-account trigger state. [nav_lo, nav_hi] is the NAV range within which every holding
  /// whose price did not change since the last full evaluation stays inside its band (with a
  /// safety margin); see on_mark_change.
  struct AccountTriggerState {
    Timestamp last_trigger{};
    double nav_lo = 0;
    double nav_hi = 0;
    double flow_share = 0;   // a cash-flow trigger waiting for the next evaluation
    Timestamp wait_since{};  // when the waiting rebalance was first held back
    bool triggered = false;  // last_trigger is meaningful
    bool armed = true;
    bool bounds_valid = false;
    bool waiting = false;        // a rebalance is held back for a price (see evaluate)
    bool wait_for_held = false;  // ... for a held instrument's price (no deadline: NAV unknown)
    bool in_wait_list = false;   // listed in waiting_
    bool owed = false;  // a left-out instrument has a price now; cleared when drift is re-armed
    Context wait_ctx = Context::kTick;  // what asked for the waiting rebalance
  };
  void on_mark_change(InstrumentId i, const MarkChange& c, Timestamp now, Outbox& out);
  /// Holds account a's rebalance back for a price (keeps the first wait's time and context).
  void begin_wait(AccountId a, AccountTriggerState& st, bool was_waiting, Context ctx,
                  Timestamp now, bool for_held) noexcept;
  /// Re-evaluates the waiting accounts whose price_wait has run out (on the periodic check).
  void recheck_waiting(Timestamp now, Outbox& out);
  void evaluate(AccountId a, Timestamp now, Context ctx, Outbox& out);
  /// Recomputes [nav_lo, nav_hi] for an account (after a full evaluation that did not fire).
  void compute_bounds(AccountId a, AccountTriggerState& st) const noexcept;
  /// The band a holding must stay within for the fast path (0 = none can be stated).
  double fast_band(const TriggerConfig& prof, std::uint32_t slot_index_in_account, const float* ov,
                   double target) const noexcept;
  void fire(AccountId a, const DriftFigures& f, TriggerRule rule, std::uint8_t held, Timestamp now,
            Outbox& out);
  bool in_trading_hours(const TriggerConfig& t, Timestamp now) noexcept;
  void schedule_timers(Timestamp now, Outbox& out);
  void schedule_calendar(std::uint32_t profile, Timestamp now, Outbox& out);
  double band_multiplier(InstrumentId i, const TriggerConfig& t) const noexcept;

  PortfolioBook& book_;
  const MarketState& market_;
  std::vector<TriggerConfig> profiles_;
  const TrackingErrorModel* te_;
  Options opt_;
  std::vector<AccountTriggerState> state_;
  std::vector<std::uint8_t> fast_ok_;   // per profile: band conditions the fast path can decide
  std::vector<std::uint32_t> waiting_;  // accounts whose rebalance waits for a price (reserved)
  // Per slot: 1 when the account's last rebalance left the instrument out for want of a price
  // (and it has a target); its first fresh price re-arms the account.
  std::vector<std::uint8_t> excluded_;
  // Scratch for tracking error (max slots of one account).
  mutable std::vector<InstrumentId> te_inst_;
  mutable std::vector<double> te_active_;
  // Why-log ring.
  std::vector<WhyLine> why_lines_;
  struct WhyRef {
    std::uint64_t id;
    std::uint64_t start;  // absolute line number
    std::uint32_t count;
  };
  std::vector<WhyRef> why_refs_;
  std::uint64_t why_next_line_ = 0;
  std::uint64_t why_next_id_ = 1;
  bool timers_started_ = false;
  // Local-time cache (one conversion per distinct `now`).
  Timestamp local_for_{INT64_MIN};
  ExchangeLocalTime local_{};
  Counters c_;
};

/// Returns the first scheduled time of `cal` strictly after `now` (US/Eastern trading days,
/// weekends skipped, no holiday calendar).
Timestamp next_calendar_time(const CalendarTrigger& cal, Timestamp now) noexcept;

}  // namespace ballast
