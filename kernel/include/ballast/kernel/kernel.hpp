// The engine runtime: the composition root that turns a configuration into a running engine.
//
// Threads (docs/architecture.md): the core thread runs the CoreLoop over the component chain
// (market-data filter -> drift monitor -> slicing engine -> compliance gate -> order manager ->
// session supervisor -> rebalancer -> audit); QuickFIX's thread calls the inbound bridge, which
// puts broker messages and market data on the core's inbound queue; the FIX sender thread takes
// order intents off the outbound queue and hands them to the initiator; the caller's thread is the
// control thread (initiator start/stop). Nothing but queues connects them.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "ballast/base/histogram.hpp"
#include "ballast/config/config.hpp"
#include "ballast/core/result.hpp"
#include "ballast/engine/drift_monitor.hpp"
#include "ballast/engine/portfolio_book.hpp"
#include "ballast/execution/order_manager.hpp"
#include "ballast/execution/slicer.hpp"
#include "ballast/fix/initiator.hpp"
#include "ballast/journal/file_io.hpp"
#include "ballast/kernel/desk_view.hpp"
#include "ballast/kernel/intent_sender.hpp"
#include "ballast/kernel/kernel_probe.hpp"
#include "ballast/kernel/market_context.hpp"
#include "ballast/risk/compliance.hpp"

namespace ballast {
class Rebalancer;
class SlicingEngine;
}  // namespace ballast

namespace ballast::kernel {

/// What the progress line reads while the engine runs: counts and gauges (base/counters.hpp)
/// the core thread writes, read in place by any thread.
struct LiveStats {
  Counter inputs, quotes, trades, triggers, parents;
  Counter children, fills, denials, rejects, held;
  Counter working;                              ///< gauge: children live at brokers now
  Counter active_parents;                       ///< gauge: parents the slicer is still working
  std::atomic<std::int64_t> engine_time_ns{0};  ///< the core's clock at the last event
  std::atomic<int> sessions_up{0};
  /// Bit s: FIX session s (the kernel's index, enabled initiators in order) is logged on; the
  /// first 64 sessions.
  std::atomic<std::uint64_t> sessions_up_mask{0};
  /// Kill switches tripped (an account or all) and the last one's scope and reason: the scope is
  /// the account id's value, or UINT32_MAX for every account; the reason a KillReason. The
  /// count is stored last (release): a reader that sees it changed reads the pair after it.
  std::atomic<std::uint64_t> kills{0};
  std::atomic<std::uint32_t> last_kill_account{0};
  std::atomic<std::uint8_t> last_kill_reason{0};
  /// The kill switch as it stands (gauges, set after every trip and every operator command):
  /// the global one on (1) or off (0), and how many accounts have their own on.
  std::atomic<std::uint8_t> kill_global{0};
  Counter accounts_killed;
  /// The operator's pause of triggers as it stands (gauges, set after every operator command):
  /// every account's paused (1) or not, and how many accounts are paused by any scope.
  std::atomic<std::uint8_t> triggers_paused_global{0};
  Counter accounts_paused;
  /// Gauge: trade lists waiting for an operator's approval (approval mode).
  Counter approvals_waiting;
  /// Desk views the core thread built for readers (desk_view.hpp: one per request, on demand).
  Counter desk_views;
  /// Latency histograms (docs/operator.md, "Metrics"). The core thread records the compliance
  /// gate's check of each proposed child and the rebalancer's handling of each trigger (solve,
  /// lots, parents); the FIX sender thread, on a wall-clock engine, the time from the core taking
  /// the input in to the order handed to FIX (the market clock of a replayed tape is not the
  /// wall's: nothing is recorded there).
  LatencyHistogram gate_check{250,    500,    1'000,  2'000,   5'000,
                              10'000, 20'000, 50'000, 100'000, 1'000'000};
  LatencyHistogram rebalance{10'000,    25'000,    50'000,    100'000,    250'000,    500'000,
                             1'000'000, 2'500'000, 5'000'000, 10'000'000, 25'000'000, 100'000'000};
  LatencyHistogram tick_to_order{2'000,   5'000,   10'000,    20'000,    50'000,     100'000,
                                 250'000, 500'000, 1'000'000, 2'500'000, 10'000'000, 100'000'000};
  /// Wall-clock engines: from the core emitting a new order to the core taking in the broker's
  /// first execution report for it (ack, reject or fill): the sender's queue, the journal's
  /// durability wait, FIX both ways and the broker. The core thread records it.
  LatencyHistogram fix_round_trip{100'000,    250'000,     500'000,     1'000'000,
                                  2'500'000,  5'000'000,   10'000'000,  25'000'000,
                                  50'000'000, 100'000'000, 250'000'000, 1'000'000'000};
  /// From a kill-switch command (on the wall clock its event time, when the operator's thread
  /// sent it; on a market clock, when the core took it) to each cancel it caused handed to FIX;
  /// the FIX sender thread records it. The last cancel of the last command: kill_last_cancel_ns.
  LatencyHistogram kill_to_cancel{100'000,    250'000,     500'000,      1'000'000,
                                  2'500'000,  5'000'000,   10'000'000,   25'000'000,
                                  50'000'000, 100'000'000, 1'000'000'000};
  /// The last kill-switch command the core took: its origin (above) in wall-clock ns, and the
  /// core's time taking it (the receive time its cancels carry). Written by the core
  /// (origin first, taken last with release); read by the sender thread.
  std::atomic<std::int64_t> kill_origin_ns{0};
  std::atomic<std::int64_t> kill_taken_ns{0};
  /// Written by the sender thread: the time from the last kill command to the latest cancel it
  /// caused handed to FIX (so, once they are all sent, to the last: a gauge), and the count of
  /// cancels kill commands caused, since start (a counter).
  std::atomic<std::int64_t> kill_last_cancel_ns{0};
  Counter kill_cancels_sent;
  /// Denials by reason (DenyReason), counted by the core.
  std::array<Counter, static_cast<std::size_t>(DenyReason::kCount)> denials_by_reason{};

  template <class F>
  void each(F&& f) const {
    name_counters(f, "inputs", inputs, "quotes", quotes, "trades", trades, "triggers", triggers,
                  "parents", parents, "children", children, "fills", fills, "denials", denials,
                  "rejects", rejects, "held", held, "working", working, "active_parents",
                  active_parents, "sessions_up", sessions_up, "kills", kills, "kill_global",
                  kill_global, "accounts_killed", accounts_killed, "triggers_paused_global",
                  triggers_paused_global, "accounts_paused", accounts_paused, "kill_cancels_sent",
                  kill_cancels_sent, "approvals_waiting", approvals_waiting, "desk_views",
                  desk_views);
  }
};

/// One parent order as the audit saw it: for slippage reports.
struct ParentRecord {
  OrderId id{};
  AccountId account{};
  InstrumentId instrument{};
  Side side{Side::kBuy};
  Price arrival{};  ///< the slicer's reference price for the first child
  Timestamp start{};
  Timestamp last_fill{};
  Qty filled{};
  __int128 notional_e15{0};  ///< sum of fill qty raw x px raw
  std::uint32_t children = 0;
};

struct KernelOptions {
  /// The engine's clock follows market-data time (recorded sessions replayed through a broker
  /// simulator) instead of the wall clock.
  bool market_clock = false;
  /// With market_clock: market seconds per wall second (recorded data replayed at N x; 0: as fast
  /// as the engine takes it). A broker answers in wall time, so the order manager's wait for an
  /// unanswered cancel/replace (5 s) is scaled by it; 0 turns that wait off (docs/fix.md).
  double market_clock_speed = 1.0;
  /// The run epoch: the ids of this run use id epochs 2*epoch (parents) and 2*epoch+1 (children,
  /// the ClOrdIDs), so they never repeat an earlier run's. 0: chosen at create() as
  /// max(journal's last + 1, highest epoch of a ClOrdID in the journal or a FIX store + 1, the
  /// wall clock's seconds since 2024) (docs/journal.md, "ClOrdID uniqueness"); a given epoch
  /// below that is refused. Offline runtimes: 0 means 1.
  std::uint32_t epoch = 0;
  /// Called once create() has checked everything and before it writes anything (the journal is
  /// opened for append right after): the caller's own first write, e.g. the run manifest. An
  /// error stops create() with nothing written to the journal.
  std::function<Status()> before_journal_write;
  /// The risk model, ADV and volume profiles (load_market_context, market_context.hpp).
  MarketContext market;
  /// No FIX sessions and no journal writer: the runtime only replays (`ballast replay`).
  bool offline = false;
  /// The journal's file operations (tests inject write failures); null: POSIX.
  JournalIo* journal_io = nullptr;
  /// Children (live, or closed within execution.retention) and parents (being worked, or with
  /// a child still held) at once: the working tables' sizes, fixed at create().
  std::size_t max_children = 1u << 18;
  std::size_t max_parents = 1u << 16;
  /// Trades, busts and corrections de-duplicated per trading day (the ExecID ledger keeps two
  /// days); beyond it reports are applied without de-duplication and counted (ledger_full).
  std::size_t max_exec_ids_per_day = 1u << 18;
  /// Lines of the drift monitor's why-log ring (DriftMonitor::Options::why_log_lines, 40 bytes
  /// each): the default keeps about a million; tests that build many small kernels take less.
  std::size_t why_log_lines = 1u << 20;
  /// Keep a ParentRecord per parent (parents()) for an end-of-run slippage report. It grows with
  /// every parent: for one bounded session (the demo), not for a live desk.
  bool keep_parent_records = false;
  /// A benchmark's or test's probe (kernel_probe.hpp), attached once create() has recovered (it
  /// sees nothing of the recovery replay); it must outlive the kernel. Null: one null check where
  /// each hook would be called.
  KernelProbe* probe = nullptr;
};

/// What a journal replay did (`ballast replay`, and recovery at start-up).
struct ReplayReport {
  std::uint64_t records = 0;  ///< journal records read
  std::uint64_t inputs = 0;   ///< input events re-processed
  std::uint64_t intents_journaled = 0;
  std::uint64_t intents_regenerated = 0;
  std::uint64_t intents_matched = 0;  ///< regenerated and equal to the journaled one
  /// Lines of trade lists (ParentOrderRequested), journaled with the intents and compared like
  /// them; not counted in the intents_* counts (order messages only).
  std::uint64_t trade_lines_journaled = 0;
  std::uint64_t trade_lines_matched = 0;
  /// Intents the replay regenerated after the last record of a run that ended without a clean
  /// stop (a crash): never journaled, so never sent.
  std::uint64_t unjournaled_at_crash = 0;
  std::uint32_t runs = 0;  ///< writer sessions (runs) replayed
  /// FNV-1a over every regenerated intent (padding zeroed) and the final positions: equal for
  /// two replays of the same journal.
  std::uint64_t output_hash = 0;
  std::uint64_t last_event_seq = 0;
  Timestamp last_receive_time{};
  std::string divergence;  ///< the first divergence (empty: none)
  bool torn_tail = false;  ///< the journal ended in a partial record (a crash)
  double seconds = 0;
};

/// Whether the core thread may be pinned to `cpu` (engine.core_cpu; -1: not pinned): a CPU this
/// process may run on (sched_getaffinity). Errors name the CPU and the ones allowed. Checked by
/// Kernel::create (live kernels) and check-config, before anything is written.
Status check_core_cpu(int cpu);

/// Settings the engine parses but cannot honour yet, refused by `run` and `check-config` with the
/// reason: a `market_data.sources[].symbols` entry that renames (source symbol other than the
/// instrument's; the FIX market data and the file readers resolve instrument symbols only, so
/// the renamed instrument would get no prices). Identity entries are kept (they choose what a
/// FIX source subscribes to).
Status check_source_renames(const config::Settings& s);

class Kernel {
 public:
  /// Builds every component (the desk from settings.models/accounts). Errors name what is wrong.
  static Result<std::unique_ptr<Kernel>> create(const config::Settings& settings,
                                                KernelOptions opt);
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  /// Re-runs every input of the journal in `dir` through the core (offline runtimes, before
  /// start()): the clock at each input's receive time, recorded timers, ClOrdIDs per run epoch.
  /// `verify`: every regenerated intent is compared with the journaled one; the first difference
  /// (sequence number, field, both values) stops the replay and is reported. Errors: the journal
  /// cannot be read (segment and offset named).
  Result<ReplayReport> replay_journal(const std::string& dir, bool verify);
  /// Offline runtimes (`ballast replay --fix-log`): takes one input as the live core takes one
  /// off its queue (CoreLoop::take): with the market clock, the clock moves to a market-data
  /// event's time and the timers due by then fire first, exactly as live (`receive_time` is not
  /// used); with the wall clock, `receive_time` stands in for it (close, not exact). Appends the
  /// order intents the core emitted to `intents`. Before start() only.
  void feed_offline(const Event& e, Timestamp receive_time, std::vector<Event>& intents);
  /// Offline runtimes: fires the timers due by the clock (the wall clock: `now`) at the end of a
  /// fed log, as the live loop's next pass would have; appends the order intents to `intents`.
  void advance_offline(Timestamp now, std::vector<Event>& intents);
  /// Whether the core's clock is the market clock (the latest market-data time it took in).
  bool market_clock() const noexcept;
  /// Offline runtimes on the market clock (simulated-time tests): moves the clock forward to `t`
  /// through a stretch without market data, firing each timer due by then at its own due time,
  /// as a test's manual clock steps to each timer; appends the order intents to `intents`. (Live,
  /// the market clock moves only on market data; this is what it would do on a quiet tape.)
  /// A wall-clock engine: advance_offline(t). Before start() only.
  void advance_market_clock_offline(Timestamp t, std::vector<Event>& intents);
  /// Offline runtimes: when the earliest pending timer is due (none: nullopt). Before start().
  std::optional<Timestamp> next_timer_due_offline();
  /// Offline runtimes (tests): from now on every event the components emit (not only the order
  /// intents: triggers, proposals, denials, kill switches) is also appended to `*events`; null
  /// stops it. Before start() only.
  void observe_offline(std::vector<Event>* events);

  /// Offline runtimes, before start(): issue ids under run epoch `epoch` from now on (a replay of
  /// a recorded FIX log uses the recorded run's epoch, so its ClOrdIDs compare equal). Errors:
  /// not offline, already started, epoch out of range.
  Status set_offline_epoch(std::uint32_t epoch);

  /// What recovery found at create() (a journal with earlier runs is replayed into the core).
  const ReplayReport& recovery() const noexcept;

  /// Starts the core and sender threads and the FIX sessions. Control thread.
  Status start();
  /// Stops the sessions and threads; every event already queued is handled first. Idempotent.
  void stop();
  /// The core thread ended by itself (a ControlCommand kShutdown): the caller should stop().
  bool core_finished() const noexcept;

  const LiveStats& live() const noexcept;
  /// Text of the last status change of FIX session s.
  std::string session_status(std::uint16_t s) const;
  const fix::InitiatorCounters& fix_counters() const noexcept;
  /// Execution reports delivered that could not be booked (each stopped its account), and the
  /// last one's explanation (ClOrdID, ExecID, why). Any thread.
  std::uint64_t unbookable_reports() const noexcept;
  std::string last_unbookable() const;
  /// Market-data requests the brokers refused (not order rejects: no kill switch). Any thread.
  std::uint64_t market_data_rejects() const noexcept;
  /// One line on the journal: what recovery found, or why it failed (then new orders stopped).
  std::string journal_status() const;
  /// Drops FIX session s (tests, operator): it reconnects with back-off. Control thread.
  void disconnect(std::uint16_t s);

  /// A market-data feed from a thread of the caller's (file replays): push() puts an event on the
  /// core's inbound queue (waiting while it is full); the market clock moves when the core takes
  /// it, not when it is pushed.
  class Feed {
   public:
    virtual ~Feed() = default;
    virtual void push(const Event& e) = 0;
  };
  /// One feed per producing thread: as many as the settings' market-data sources and FIX
  /// sessions, plus 8 (the queue is sized from them). Before start() or from the control thread.
  std::unique_ptr<Feed> make_feed();
  /// Sends an operator command to the core (kill switch on/off, shutdown). Control thread.
  void control(ControlAction action, AccountId account = AccountId{});
  /// An operator's way into the core from a thread of its own (the HTTP server): each command
  /// goes on the core's inbound queue as a ControlCommand (journaled with every input, so a
  /// replay repeats it). Made on the control thread; then used by one thread.
  class ControlChannel {
   public:
    virtual ~ControlChannel() = default;
    /// The scope: `account` when valid, else `model` when valid, else every account. False when
    /// the core's inbound queue is full, or the model's id does not fit a command (65,535 and
    /// above): nothing was sent.
    virtual bool try_send(ControlAction action, AccountId account, ModelId model = ModelId{}) = 0;
  };
  std::unique_ptr<ControlChannel> make_control_channel();
  /// The desk as the core last described it, for one reader thread (the operator's HTTP server):
  /// request() one, take latest() (desk_view.hpp). Null on offline runtimes (no core thread).
  DeskViewExchange* desk_views() noexcept;
  /// Offline drivers (tests, benchmarks), before start(): builds into `out` the view the core
  /// thread builds for readers (the same builder), at the kernel's clock.
  void describe_offline(DeskView& out);

  // Reads below: only after stop(), or before start() (the core thread owns the state).
  const config::Settings& settings() const noexcept;
  const InstrumentTable& instruments() const noexcept;
  const PortfolioBook& book() const noexcept;
  const OrderManager& orders() const noexcept;
  const ComplianceGate& gate() const noexcept;
  const DriftMonitor& monitor() const noexcept;
  const MarketState& market() const noexcept;
  const SlicingEngine& slicer() const noexcept;
  const Rebalancer& rebalancer() const noexcept;
  /// One record per parent, with KernelOptions::keep_parent_records (else empty).
  const std::vector<ParentRecord>& parents() const noexcept;
  /// Rebalances started, solve errors, triggers skipped while one was in progress.
  std::uint64_t rebalances() const noexcept;
  /// The account ids in configuration order.
  const std::vector<AccountId>& accounts() const noexcept;

  // Offline drivers (benchmarks, tests), before start() or on an offline kernel: the caller's
  // thread is the core thread then.
  /// When the core's earliest pending timer is due (a driver steps the clock to it).
  std::optional<Timestamp> next_timer_due() const noexcept;
  /// Solves account `a`'s problem as it stands and keeps the rebalancer's solver for its shape
  /// warm, starting no order (Rebalancer::warm_up; every held instrument needs a mark). False
  /// when the account cannot be solved now.
  bool warm_up(AccountId a);
  /// Parents the rebalancer started, and buys it queued until the cash for them was there.
  std::uint64_t parents_started() const noexcept;
  std::uint64_t buys_queued() const noexcept;
  /// The FIX sender thread's counters (zeros without FIX sessions). Any thread.
  const IntentSenderCounters& sender_counters() const noexcept;
  /// The journal writer's counters (null without a journal). Any thread.
  const JournalWriterStats* journal_stats() const noexcept;
  /// Every counter that any thread may read, by name (base/counters.hpp): "engine.*" (LiveStats),
  /// "sender.*", "journal.*" (with a journal), "fix.*" (the initiator), "fix_in.*" and
  /// "fix_out.*" (the FIX bridges), in that order. `ballast run --counters-out` writes them.
  std::vector<CounterReading> counters() const;
  /// Every latency histogram any thread may read, by name: "engine.gate_check",
  /// "engine.rebalance", "engine.tick_to_order", "engine.fix_round_trip",
  /// "engine.kill_to_cancel", "sender.durable_wait". Any thread.
  std::vector<NamedHistogram> histograms() const;

  struct Impl;

 private:
  explicit Kernel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ballast::kernel
