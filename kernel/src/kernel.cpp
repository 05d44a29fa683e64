#include "ballast/kernel/kernel.hpp"

#include <sched.h>

#include <chrono>
#include <thread>
#include <unordered_map>

#include "ballast/adapters/fix_bridge.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/core/fnv1a.hpp"
#include "ballast/engine/agent_runner.hpp"
#include "ballast/engine/core_loop.hpp"
#include "ballast/engine/desk.hpp"
#include "ballast/engine/idle_strategy.hpp"
#include "ballast/engine/market_data_filter.hpp"
#include "ballast/engine/market_state.hpp"
#include "ballast/engine/tracking_error.hpp"
#include "ballast/execution/order_id.hpp"
#include "ballast/execution/rebalancer.hpp"
#include "ballast/execution/session_router.hpp"
#include "ballast/execution/session_supervisor.hpp"
#include "ballast/execution/slicing_engine.hpp"
#include "ballast/journal/journal_reader.hpp"
#include "ballast/journal/journal_tap.hpp"
#include "ballast/journal/journal_tool.hpp"
#include "ballast/journal/journal_writer.hpp"
#include "ballast/kernel/intent_sender.hpp"
#include "ballast/kernel/start_guard.hpp"
#include "desk_view_builder.hpp"

namespace ballast::kernel {

namespace {

/// The core's clock: the wall clock, or (recorded sessions) the market clock: the latest
/// market-data time the core has taken in. The market clock moves only when the core takes a
/// market-data event (CoreLoop::take calls observe() first), never when a producer thread merely
/// received one, so timers fire at the same place in the input sequence however far the FIX or
/// feed threads ran ahead: a FIX log of the run replays exactly (docs/journal.md).
struct RuntimeClock {
  std::atomic<std::int64_t>* market = nullptr;  // written by the core thread only
  bool manual = false;  // journal replay: the recorded receive time of the input in hand
  Timestamp manual_now{};
  Timestamp now() const noexcept {
    if (manual) return manual_now;
    if (market != nullptr) return Timestamp{market->load(std::memory_order_acquire)};
    return LiveClock{}.now();
  }
  void observe(const Event& e) noexcept {
    if (manual || market == nullptr) return;
    if (!std::holds_alternative<QuoteUpdated>(e) && !std::holds_alternative<TradePrinted>(e) &&
        !std::holds_alternative<BarClosed>(e)) {
      return;
    }
    const std::int64_t t = header(e).event_time.ns;
    if (t > market->load(std::memory_order_relaxed)) market->store(t, std::memory_order_release);
  }
};

/// Watches the event stream for the progress line and the end-of-run reports: counts, and each
/// parent's arrival price and fills. Last in the chain, so every other component has already
/// handled the event. Allocates only when a new parent appears (cold).
class Audit {
 public:
  /// `keep_records`: a ParentRecord per parent for the run's slippage report (one session's
  /// parents: the demo); off, nothing grows with the number of parents.
  Audit(LiveStats& live, const ComplianceGate& gate, const DriftMonitor& monitor,
        const SlicingEngine& slicer, const SessionSupervisor& supervisor, std::size_t sessions,
        bool keep_records)
      : live_(live),
        gate_(gate),
        monitor_(monitor),
        slicer_(slicer),
        sup_(supervisor),
        sessions_(sessions),
        keep_records_(keep_records) {
    if (keep_records_) {
      records_.reserve(1u << 14);
      index_.reserve(1u << 14);
    }
  }

  void on_event(const Event& e, Timestamp now, Outbox& out) {
    ++live_.inputs;
    live_.engine_time_ns.store(now.ns, std::memory_order_relaxed);
    std::visit([&](const auto& ev) { on(ev, now); }, e);
    live_.working.set(gate_.working_orders());
    live_.active_parents.set(slicer_.active());
    if (rebalancer != nullptr) live_.approvals_waiting.set(rebalancer->proposals().size());
    if (probe != nullptr) probe->on_event(e, now, out);
  }

  KernelProbe* probe = nullptr;  // KernelOptions::probe: last in the chain, after the audit
  /// The desk view's records (desk_view_builder.hpp); null: none kept.
  DeskRecorder* recorder = nullptr;
  /// For the approvals_waiting gauge.
  const Rebalancer* rebalancer = nullptr;
  /// Record latencies: set by start() (a replay's times are the recorded ones). `wall_clock`:
  /// the core's clock is the wall clock (fix_round_trip needs it; the kill command's origin is
  /// then its event time, else the wall clock when the core took it).
  bool timing = false;
  bool wall_clock = false;

  const std::vector<ParentRecord>& records() const noexcept { return records_; }

 private:
  void on(const QuoteUpdated&, Timestamp) { ++live_.quotes; }
  void on(const TradePrinted&, Timestamp) { ++live_.trades; }
  void on(const RebalanceTriggered& t, Timestamp now) {
    ++live_.triggers;
    if (recorder != nullptr) recorder->on(t, now);
  }
  void on(const OrderDenied& d, Timestamp now) {
    ++live_.denials;
    const auto r = static_cast<std::size_t>(d.reason);
    if (r < live_.denials_by_reason.size()) ++live_.denials_by_reason[r];
    if (recorder != nullptr) recorder->on(d, now);
  }
  void on(const KillSwitchTripped& k, Timestamp) {
    live_.last_kill_account.store(k.account.valid() ? k.account.value : UINT32_MAX,
                                  std::memory_order_relaxed);
    live_.last_kill_reason.store(static_cast<std::uint8_t>(k.reason), std::memory_order_relaxed);
    live_.kills.store(live_.kills.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    publish_kill_state();
  }
  void on(const ControlCommand& c, Timestamp now) {
    if (timing && c.action == ControlAction::kKillSwitchOn) {
      live_.kill_origin_ns.store(wall_clock ? c.hdr.event_time.ns : LiveClock{}.now().ns,
                                 std::memory_order_relaxed);
      live_.kill_taken_ns.store(now.ns, std::memory_order_release);
    }
    publish_kill_state();
    live_.triggers_paused_global.store(monitor_.paused_all() ? 1 : 0, std::memory_order_relaxed);
    live_.accounts_paused.set(monitor_.accounts_paused());
  }
  void publish_kill_state() {
    live_.kill_global.store(gate_.kill_global() ? 1 : 0, std::memory_order_relaxed);
    live_.accounts_killed.set(gate_.accounts_killed());
  }
  void on(const MessageRejected&, Timestamp) { ++live_.rejects; }
  void on(const MarketDataHeld&, Timestamp) { ++live_.held; }
  void on(const SessionStatusChanged&, Timestamp) {
    int up = 0;
    std::uint64_t mask = 0;
    for (std::size_t s = 0; s < sessions_; ++s) {
      const bool on = sup_.logged_on(SessionId{static_cast<std::uint16_t>(s)});
      up += on;
      if (on && s < 64) mask |= std::uint64_t{1} << s;
    }
    live_.sessions_up.store(up, std::memory_order_relaxed);
    live_.sessions_up_mask.store(mask, std::memory_order_relaxed);
  }
  void on(const ChildOrderProposed& c, Timestamp now) {
    if (!keep_records_) {
      // Parent ids only grow (one generator, run epochs increasing): a new parent is one above
      // every parent seen.
      if (c.parent.value > last_parent_) {
        last_parent_ = c.parent.value;
        ++live_.parents;
      }
      return;
    }
    auto [it, fresh] = index_.try_emplace(c.parent.value, records_.size());
    if (fresh) {
      ParentRecord r;
      r.id = c.parent;
      r.account = c.account;
      r.instrument = c.instrument;
      r.side = c.side;
      r.arrival = c.reference;
      r.start = now;
      records_.push_back(r);
      ++live_.parents;
    }
    ++records_[it->second].children;
  }
  void on(const SubmitOrder& o, Timestamp now) {
    ++live_.children;
    if (timing && wall_clock) {
      RoundTrip& slot = round_trips_[round_trip_slot(o.order)];
      slot.order = o.order.value;
      slot.sent_ns = now.ns;
    }
  }
  void on(const ExecutionReported& r, Timestamp now) {
    if (!timing || !wall_clock) return;
    RoundTrip& slot = round_trips_[round_trip_slot(r.order)];
    if (slot.order != r.order.value || !r.order.valid()) return;
    live_.fix_round_trip.record(now.ns - slot.sent_ns);
    slot.order = OrderId::kInvalidValue;
  }
  static std::size_t round_trip_slot(OrderId id) noexcept {
    return static_cast<std::size_t>((id.value * 0x9E3779B97F4A7C15ull) >> 52);  // 4,096 slots
  }
  void on(const FillBooked& f, Timestamp now) {
    if (recorder != nullptr) recorder->on(f, now);
    // The order manager booked it (a duplicate report books nothing); a block's fill books, and
    // counts, once per account it is allocated to.
    if (f.booking != BookingKind::kFill) return;
    ++live_.fills;
    if (!keep_records_) return;
    const auto it = index_.find(f.parent.value);
    if (it == index_.end()) return;
    ParentRecord& r = records_[it->second];
    const Qty q{f.qty.raw < 0 ? -f.qty.raw : f.qty.raw};
    r.filled = r.filled + q;
    r.notional_e15 += static_cast<__int128>(q.raw) * f.px.raw;
    r.last_fill = now;
  }
  template <class T>
  void on(const T&, Timestamp) {}

  LiveStats& live_;
  const ComplianceGate& gate_;
  const DriftMonitor& monitor_;
  const SlicingEngine& slicer_;
  const SessionSupervisor& sup_;
  std::size_t sessions_;
  bool keep_records_;
  std::vector<ParentRecord> records_;
  std::unordered_map<std::uint64_t, std::size_t> index_;
  std::uint64_t last_parent_ = 0;
  /// New orders awaiting their first report (fix_round_trip): a fixed table by the order id's
  /// hash; an order whose slot a later one took is not timed (rare: 4,096 slots).
  struct RoundTrip {
    std::uint64_t order = OrderId::kInvalidValue;
    std::int64_t sent_ns = 0;
  };
  std::array<RoundTrip, 4096> round_trips_{};
};

std::int64_t monotonic_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// A component of the chain whose handling of one event type is timed into a histogram (the
/// operator's /metrics): two clock reads per such event, nothing for the others.
template <class C, class Timed>
class TimedComponent {
 public:
  TimedComponent(C& c, LatencyHistogram& h) noexcept : c_(c), h_(h) {}
  template <class Out>
  void on_event(const Event& e, Timestamp now, Out& out) {
    if (!std::holds_alternative<Timed>(e)) {
      c_.on_event(e, now, out);
      return;
    }
    const std::int64_t t0 = monotonic_ns();
    c_.on_event(e, now, out);
    h_.record(monotonic_ns() - t0);
  }

 private:
  C& c_;
  LatencyHistogram& h_;
};

/// The FIX sender thread's destination: FixOutbound (-> fix::Initiator). On a wall-clock engine
/// it records each order's time from the core taking its input in (the intent's receive_time, the
/// core's wall clock then) to the order handed to FIX.
class FixOutboundDestination final : public IntentDestination {
 public:
  /// `tick_to_order`: null on a market-clock engine. `live`: the kill command's times and the
  /// sender's kill gauges.
  FixOutboundDestination(FixOutbound& out, KernelProbe* probe, LatencyHistogram* tick_to_order,
                         LiveStats* live)
      : out_(out), probe_(probe), tick_to_order_(tick_to_order), live_(live) {}
  void on_taken(const Event& e) override {
    if (probe_ != nullptr) probe_->on_intent_taken(e);
  }
  void send(const Event& e) override {
    if (probe_ != nullptr) probe_->on_intent_released(e);
    out_.on_event(e);
    if (probe_ != nullptr) probe_->on_intent_sent(e);
    if (tick_to_order_ != nullptr && std::holds_alternative<SubmitOrder>(e)) {
      tick_to_order_->record(LiveClock{}.now().ns - header(e).receive_time.ns);
    } else if (live_ != nullptr && std::holds_alternative<CancelOrder>(e) &&
               header(e).receive_time.ns == live_->kill_taken_ns.load(std::memory_order_acquire)) {
      // A cancel the last kill-switch command caused.
      const std::int64_t ns =
          LiveClock{}.now().ns - live_->kill_origin_ns.load(std::memory_order_relaxed);
      live_->kill_to_cancel.record(ns);
      live_->kill_last_cancel_ns.store(ns, std::memory_order_relaxed);
      ++live_->kill_cancels_sent;
    }
  }

 private:
  FixOutbound& out_;
  KernelProbe* probe_;
  LatencyHistogram* tick_to_order_;
  LiveStats* live_;
};

/// The core loop as an agent (engine/agent_runner.hpp): a pass is CoreLoop::do_work(); a
/// ControlCommand kShutdown ends it (done()); on_close() drains every event already queued.
template <class Loop>
struct CoreAgent {
  Loop* loop = nullptr;
  /// The desk view (desk_view.hpp), built on demand: only when a reader has asked since the last
  /// build (DeskViewExchange::wanted()), at most one every max(250 ms, 100 x the last build's
  /// time) (so at most 1 % of the core), at an idle pass, or 50 ms after it is due when the core
  /// does not idle. One view answers every request made before it was started.
  DeskViewExchange* views = nullptr;
  std::function<void(DeskView&)> build_view;
  Counter* built = nullptr;  // LiveStats::desk_views
  std::int64_t due = 0;      // monotonic ns when the pending request may be answered; 0: none
  std::int64_t next_build = 0;
  std::uint64_t view_seq = 0;

  int do_work() {
    const int work = loop->do_work();
    if (views != nullptr && (due != 0 || views->wanted())) answer_view(work);
    return work;
  }
  void answer_view(int work) {
    const std::int64_t t = monotonic_ns();
    if (due == 0) due = std::max(t, next_build);
    if (t < due || (work != 0 && t < due + 50'000'000)) return;
    const std::uint64_t asked = views->requests();
    DeskView& v = views->back();
    build_view(v);
    const std::int64_t done = monotonic_ns();
    v.seq = ++view_seq;
    v.built_ns = done - t;
    v.published_mono_ns = done;
    if (built != nullptr) ++*built;  // before the view is published: a reader sees its count
    views->publish(asked);
    due = 0;
    next_build = done + std::max<std::int64_t>(250'000'000, 100 * v.built_ns);
  }
  bool done() const noexcept { return loop->stop_requested(); }
  void on_close() {
    while (loop->do_work() > 0) {
    }
  }
};

}  // namespace

/// The event chain, declared once (docs/architecture.md, "Event chain"): every event goes through
/// these in this order, and what one emits goes through all of them after the event in hand.
using TimedGate = TimedComponent<ComplianceGate, ChildOrderProposed>;
using TimedRebalancer = TimedComponent<Rebalancer, RebalanceTriggered>;
using Chain = ComponentChain<MarketDataFilter, DriftMonitor, SlicingEngine, TimedGate, OrderManager,
                             SessionSupervisor, TimedRebalancer, Audit>;

struct Kernel::Impl {
  config::Settings s;
  KernelOptions opt;
  LiveStats live;
  std::atomic<std::int64_t> market_time{0};
  RuntimeClock clock;

  MarketState market;
  PortfolioBook book;
  DeskBuild desk;
  std::unique_ptr<TrackingErrorModel> te_model;
  std::unique_ptr<MarketDataFilter> filter;
  std::unique_ptr<DriftMonitor> monitor;
  std::unique_ptr<ComplianceGate> gate;
  std::unique_ptr<OrderManager> om;
  ClOrdIdGenerator parent_ids;
  ClOrdIdGenerator child_ids;
  VolumeProfile profile;
  std::unique_ptr<SlicingEngine> slicer;
  SessionRouter router;
  std::unique_ptr<Rebalancer> rebalancer;
  std::unique_ptr<SessionSupervisor> supervisor;
  std::unique_ptr<DeskRecorder> recorder;
  std::unique_ptr<Audit> audit;
  DeskViewExchange views;
  std::unique_ptr<TimedGate> timed_gate;
  std::unique_ptr<TimedRebalancer> timed_rebalancer;
  std::unique_ptr<Chain> chain;

  std::unique_ptr<JournalWriter> journal;
  InboundQueue inbound;
  SpscQueue<Event> outbound;
  OutboundSink sink;
  std::unique_ptr<CoreLoop<RuntimeClock, Chain, OutboundSink>> loop;

  std::unique_ptr<FixInbound> fix_in;
  std::unique_ptr<fix::Initiator> initiator;
  std::unique_ptr<FixOutbound> fix_out;
  std::vector<std::string> session_names;
  std::vector<bool> mass_cancel;  ///< per initiator session: fix.sessions[].mass_cancel

  std::unique_ptr<Kernel::Feed> control_feed;
  CoreAgent<CoreLoop<RuntimeClock, Chain, OutboundSink>> core_agent;
  AgentRunner core_runner;    // "ballast-core", pinned to engine.core_cpu
  AgentRunner sender_runner;  // "ballast-send"
  std::unique_ptr<FixOutboundDestination> sender_out;
  std::unique_ptr<IntentSender> sender;  // the FIX sender thread's loop (intent_sender.hpp)
  bool started = false;
  bool stopped = false;
  ReplayReport recovery_report;

  Status replay(const std::string& dir, bool verify, std::uint64_t stop_epoch, ReplayReport& rep);

  Impl(const config::Settings& settings, KernelOptions o)
      : s(settings),
        opt(std::move(o)),
        market(s.instruments.size(), s.market_data_quality),
        book(s.instruments.size()),
        parent_ids(opt.epoch * 2),
        child_ids(opt.epoch * 2 + 1),
        profile(VolumeProfile::flat(570, 960)),
        // One producer per replayed file source, one per FIX session thread, the control feed,
        // the journal-failure feed and the replay drivers of tests: sized from the settings.
        inbound(8 + s.market_data.sources.size() + s.fix.sessions.size()),
        outbound(s.engine.queues.outbound) {}
};

Kernel::Kernel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  // The probe is attached after recovery: it sees this run's events only.
  impl_->sink.probe = impl_->opt.probe;
  impl_->audit->probe = impl_->opt.probe;
}
Kernel::~Kernel() {
  stop();
}

Result<std::unique_ptr<Kernel>> Kernel::create(const config::Settings& settings,
                                               KernelOptions opt) {
  const auto n = static_cast<Eigen::Index>(settings.instruments.size());
  const Eigen::MatrixXd& cov = opt.market.covariance;
  if (cov.rows() != n || cov.cols() != n) {
    return Error("the covariance is " + std::to_string(cov.rows()) + "x" +
                 std::to_string(cov.cols()) + ", expected " + std::to_string(n) + "x" +
                 std::to_string(n) + " (one row per instrument)");
  }
  if (!cov.allFinite()) return Error("the covariance has a value that is not finite");
  if (auto st = check_core_cpu(settings.engine.core_cpu); !st && !opt.offline) return st.error();
  if (auto st = check_source_renames(settings); !st) return st.error();
  // The engine connects out to brokers; it starts no acceptor. An enabled acceptor session would
  // pass and then never be started (no listener, orders routed to it had no session): refused.
  for (std::size_t k = 0; k < settings.fix.sessions.size(); ++k) {
    const FixSessionConfig& fs = settings.fix.sessions[k];
    if (!fs.enabled || fs.role != FixRole::kAcceptor) continue;
    return Error("fix.sessions[" + std::to_string(k) + "].role: session '" + fs.name +
                 "' is an acceptor, and the engine starts initiator sessions only (it connects "
                 "to its brokers; it does not listen): set role: initiator, or enabled: false");
  }
  // Nothing is written before every check has passed (docs/journal.md, "Start-up"): the journal
  // and the FIX stores are read first, the run epoch chosen, the engine built and the journal
  // replayed; only then is the journal opened for append (its session_start record).
  std::optional<JournalInventory> inventory;
  const bool use_journal = settings.journal.enabled && !opt.offline;
  if (use_journal) {
    auto inv = inventory_journal(settings.journal.dir);
    if (!inv) {
      return Error("journal " + settings.journal.dir + " cannot be used: " + inv.error().message +
                   ". Nothing was written; inspect it with `ballast journal verify`.");
    }
    inventory = std::move(inv.value());
  }
  if (!opt.offline) {
    // The run epoch: every ClOrdID of this run carries it, so it must be above every epoch the
    // journal or a FIX store has seen, and not below the wall clock's (fresh directories).
    RunEpochInputs ein;
    ein.journal = inventory ? &*inventory : nullptr;
    ein.journal_dir = settings.journal.dir;
    ein.wall_now = LiveClock{}.now();
    ein.requested = opt.epoch;
    for (const FixSessionConfig& fs : settings.fix.sessions) {
      if (!fs.enabled || fs.role != FixRole::kInitiator) continue;
      auto st = scan_fix_store(fix_store_body_path(fs.store_dir, to_string(fs.fix_version),
                                                   fs.sender_comp_id, fs.target_comp_id));
      if (!st) return Error("fix session '" + fs.name + "': " + st.error().message);
      ein.stores.push_back(std::move(st.value()));
    }
    auto e = choose_run_epoch(ein);
    if (!e) return e.error();
    opt.epoch = e.value();
  }
  if (opt.epoch == 0) opt.epoch = 1;
  if (opt.epoch > kMaxRunEpoch) {
    return Error("the run epoch must be in 1.." + std::to_string(kMaxRunEpoch) + ", got " +
                 std::to_string(opt.epoch));
  }
  auto impl = std::make_unique<Impl>(settings, std::move(opt));
  Impl& m = *impl;
  const config::Settings& s = m.s;

  // compliance.restricted reaches the book (every account leaves those instruments out), so the
  // rebalancer never plans an order the gate denies for it.
  auto desk =
      build_desk(s.instruments, s.models, s.accounts, m.market, m.book, s.compliance.restricted);
  if (!desk) return desk.error();
  m.desk = std::move(desk.value());
  // The tracking-error model of the tracking_error trigger and the cost-benefit gate: the risk
  // model's covariance (row-major, annualised).
  {
    const auto nn = static_cast<std::size_t>(m.opt.market.covariance.rows());
    std::vector<double> rm(nn * nn);
    for (std::size_t r = 0; r < nn; ++r) {
      for (std::size_t c = 0; c < nn; ++c) {
        rm[r * nn + c] =
            m.opt.market.covariance(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c));
      }
    }
    m.te_model = std::make_unique<CovarianceTrackingError>(nn, std::move(rm));
  }
  m.filter = std::make_unique<MarketDataFilter>(m.market,
                                                DriftMonitor::vol_lookback_days(m.desk.profiles));
  m.monitor =
      std::make_unique<DriftMonitor>(m.book, m.market, m.desk.profiles, m.te_model.get(),
                                     DriftMonitor::Options{.why_log_lines = m.opt.why_log_lines});

  ComplianceGateOptions gopt;
  gopt.max_working_orders = m.opt.max_children;
  // The order manager keeps every child of the run: the gate remembers as many finished ones, so
  // a bust or a refused replace that brings any of them back finds it in both (issue 13).
  gopt.max_retired_orders = m.opt.max_children;
  gopt.max_parents = m.opt.max_parents;
  gopt.max_sessions = std::max<std::size_t>(16, s.fix.sessions.size());
  m.gate = std::make_unique<ComplianceGate>(s.compliance, s.instruments, m.book, m.market, gopt);
  m.gate->set_cash_allowance(s.execution.cash_allowance);
  for (std::size_t k = 0; k < s.accounts.size(); ++k) {
    m.gate->set_account_overrides(m.desk.accounts[k], s.accounts[k].overrides);
  }
  for (std::uint32_t i = 0; i < s.instruments.size(); ++i) {
    // Unknown (Qty{}): the ADV rule denies the instrument's orders (kAdvShare), unless it is off.
    const Qty adv = i < m.opt.market.adv.size() ? m.opt.market.adv[i] : Qty{};
    m.gate->set_adv(InstrumentId{i}, adv);
  }

  OrderManagerLimits lim;
  lim.max_children = m.opt.max_children;
  lim.max_parents = m.opt.max_parents;
  lim.max_exec_ids = m.opt.max_exec_ids_per_day;  // the ledger keeps two days
  lim.retention_ns = s.execution.retention.count();
  lim.max_positions = std::max<std::size_t>(1u << 16, m.book.slots() * 2);
  // A broker answers a cancel/replace in wall time: on a market clock running N x faster the
  // wait before asking for the order's status is N x longer in market time (a loaded machine
  // or a slow simulator is not a lost request); at "as fast as taken" there is no such wait.
  if (m.opt.market_clock) {
    const double sp = m.opt.market_clock_speed;
    lim.request_timeout_ns =
        sp > 0 ? static_cast<std::int64_t>(static_cast<double>(lim.request_timeout_ns) *
                                           std::clamp(sp, 1.0, 1'000'000.0))
               : 0;
  }
  m.om = std::make_unique<OrderManager>(m.book, m.market, lim);

  m.slicer = std::make_unique<SlicingEngine>(s.execution, m.profile, s.instruments, m.market, *m.om,
                                             m.child_ids, m.opt.max_parents);
  if (!m.opt.market.profiles.empty()) m.slicer->set_instrument_profiles(&m.opt.market.profiles);

  // Sessions: initiators in configuration order are session indexes 0..k-1.
  std::vector<WorkingOrderPolicy> policies;
  fix::InitiatorConfig icfg;
  for (const FixSessionConfig& fs : s.fix.sessions) {
    if (!fs.enabled || fs.role != FixRole::kInitiator) continue;
    fix::SessionConfig c;
    c.name = fs.name;
    c.begin_string = to_string(fs.fix_version);
    c.host = fs.host;
    c.port = fs.port.value_or(0);
    c.sender_comp_id = fs.sender_comp_id;
    c.target_comp_id = fs.target_comp_id;
    c.heartbeat_s = fs.heartbeat_s;
    c.username = fs.username;
    c.password = fs.password.reveal();
    c.tls = fs.tls.enabled;
    c.ca_file = fs.tls.ca_file;
    c.cert_file = fs.tls.cert_file;
    c.key_file = fs.tls.key_file;
    c.store_dir = fs.store_dir;
    c.log_dir = fs.log_dir;
    c.data_dictionary = fs.data_dictionary;
    c.reconnect_min_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(fs.reconnect.min_backoff).count());
    c.reconnect_max_ms = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(fs.reconnect.max_backoff).count());
    c.stale_resend_max_age_ns = fs.stale_resend_max_age.count();
    c.mass_cancel_timeout_ns = fs.mass_cancel_timeout.count();
    m.mass_cancel.push_back(fs.mass_cancel);
    for (const MarketDataSourceConfig& src : s.market_data.sources) {
      if (src.kind != MarketDataKind::kFix || src.session != fs.name) continue;
      if (src.symbols.empty()) {
        for (std::uint32_t i = 0; i < s.instruments.size(); ++i) {
          c.md_symbols.push_back(s.instruments[InstrumentId{i}].symbol);
        }
      } else {
        for (const SymbolMapping& sm : src.symbols) c.md_symbols.push_back(sm.source);
      }
    }
    policies.push_back(fs.on_disconnect == DisconnectAction::kCancel
                           ? WorkingOrderPolicy::kCancel
                           : WorkingOrderPolicy::kRequery);
    m.session_names.push_back(fs.name);
    icfg.sessions.push_back(std::move(c));
  }
  auto session_index = [&](const std::string& name) -> std::optional<SessionId> {
    for (std::size_t k = 0; k < m.session_names.size(); ++k) {
      if (m.session_names[k] == name) return SessionId{static_cast<std::uint16_t>(k)};
    }
    return std::nullopt;
  };
  SessionId def{0};
  if (!s.fix.routing.default_session.empty()) {
    const auto d = session_index(s.fix.routing.default_session);
    if (!d) {
      return Error("fix.routing.default_session '" + s.fix.routing.default_session +
                   "' is not an enabled initiator session");
    }
    def = *d;
  }
  m.router = SessionRouter(def);
  for (std::size_t k = 0; k < s.fix.routing.rules.size(); ++k) {
    const RoutingRule& r = s.fix.routing.rules[k];
    const auto sid = session_index(r.session);
    if (!sid) {
      return Error("fix.routing.rules[" + std::to_string(k) + "].session '" + r.session +
                   "' is not an enabled initiator session");
    }
    SessionRouter::Rule rule;
    rule.session = *sid;
    if (!r.instrument.empty()) rule.instrument = s.instruments.find(r.instrument);
    if (!r.account.empty()) {
      for (std::size_t a = 0; a < s.accounts.size(); ++a) {
        if (s.accounts[a].id == r.account) rule.account = m.desk.accounts[a];
      }
    }
    m.router.add_rule(rule);
  }

  m.rebalancer = std::make_unique<Rebalancer>(m.book, m.market, s.instruments, s.optimizer,
                                              m.opt.market.covariance, s.execution.cash_allowance,
                                              m.opt.market.commission_bps, m.parent_ids, def);
  m.rebalancer->set_router(&m.router);
  m.rebalancer->set_approval(s.approval);
  {
    // compliance.max_weight's default and per-instrument caps bound the optimizer (asset-class
    // caps are sums over instruments, which its box bounds cannot say: the gate alone holds them).
    std::vector<double> caps(s.instruments.size(), 1.0);
    for (const auto& in : s.instruments)
      caps[in.id.value] = s.compliance.max_weight.cap_of(in.symbol);
    m.rebalancer->set_max_weights(std::move(caps));
  }
  m.rebalancer->set_drift_monitor(m.monitor.get());  // band-edge mode's bands
  m.supervisor = std::make_unique<SessionSupervisor>(*m.om, m.child_ids, policies);
  m.recorder = std::make_unique<DeskRecorder>(m.book.accounts());
  m.audit = std::make_unique<Audit>(m.live, *m.gate, *m.monitor, *m.slicer, *m.supervisor,
                                    policies.size(), m.opt.keep_parent_records);
  m.audit->recorder = m.recorder.get();
  m.audit->rebalancer = m.rebalancer.get();
  m.timed_gate = std::make_unique<TimedGate>(*m.gate, m.live.gate_check);
  m.timed_rebalancer = std::make_unique<TimedRebalancer>(*m.rebalancer, m.live.rebalance);
  m.chain = std::make_unique<Chain>(*m.filter, *m.monitor, *m.slicer, *m.timed_gate, *m.om,
                                    *m.supervisor, *m.timed_rebalancer, *m.audit);
  m.sink.out = &m.outbound;
  m.sink.journal = m.journal.get();
  if (m.opt.market_clock) m.clock.market = &m.market_time;
  typename CoreLoop<RuntimeClock, Chain, OutboundSink>::Options lo;
  lo.batch_size = s.engine.batch_size;
  lo.max_cascade = s.engine.max_cascade;
  m.loop =
      std::make_unique<CoreLoop<RuntimeClock, Chain, OutboundSink>>(m.clock, *m.chain, m.sink, lo);
  m.loop->add_inbound(m.inbound);

  // The market clock is the core's (RuntimeClock::observe), not the FIX thread's.
  m.fix_in = std::make_unique<FixInbound>(s.instruments, m.inbound, nullptr);
  // The FIX stores must not be behind what the journal saw (a reset or replaced store would make
  // QuickFIX silently restart at 1): at least the last checkpoint, per session.
  if (inventory && inventory->records > 0) {
    const auto& cps = inventory->fix_checkpoints;
    for (std::size_t k = 0; k < icfg.sessions.size(); ++k) {
      for (const FixSeqCheckpoint& cp : cps) {
        if (cp.session_index != k || cp.next_sender == 0) continue;
        icfg.sessions[k].check_seqnums = true;
        icfg.sessions[k].seqnums_at_least = true;
        icfg.sessions[k].expected_next_sender_seq = cp.next_sender;
        icfg.sessions[k].expected_next_target_seq = cp.next_target;
      }
    }
  }
  if (!icfg.sessions.empty() && !m.opt.offline) {
    std::string err;
    m.initiator = fix::Initiator::create(icfg, *m.fix_in, err);
    if (!m.initiator) return Error("fix: " + err);
    std::vector<std::string> keys;
    keys.reserve(m.book.accounts());
    for (std::uint32_t a = 0; a < m.book.accounts(); ++a)
      keys.push_back(m.book.account_key(AccountId{a}));
    m.fix_out =
        std::make_unique<FixOutbound>(s.instruments, std::move(keys), *m.initiator, m.mass_cancel);
  }
  // Recovery: a journal with earlier runs is replayed into the core before anything connects,
  // so the order book, positions and working orders are what the last run left (docs/journal.md).
  if (inventory && inventory->records > 0) {
    ReplayReport& rep = m.recovery_report;
    if (auto st = m.replay(settings.journal.dir, true, 0, rep); !st) {
      return Error("refusing to trade: recovery from journal " + settings.journal.dir +
                   " failed: " + st.error().message);
    }
    if (!rep.divergence.empty()) {
      return Error("refusing to trade: replaying journal " + settings.journal.dir +
                   " does not reproduce what it recorded (" + rep.divergence +
                   "); the configuration, the data files or the build differ from the recorded "
                   "run");
    }
    m.parent_ids.reset(m.opt.epoch * 2);
    m.child_ids.reset(m.opt.epoch * 2 + 1);
    if (rep.last_receive_time.ns > 0) m.market_time.store(rep.last_receive_time.ns);
  }
  // Every check passed: now the first write (the caller's, e.g. the run manifest), then the
  // journal: a torn tail is cut and this run's session_start (epoch = the run epoch) written.
  if (use_journal) {
    // What start() would refuse (an unwritable store or log, every session's stored seqnums
    // corrupt or behind the journal) stops the start now, before the journal is written
    // (docs/journal.md, "Start-up").
    if (m.initiator) {
      std::string err;
      if (!m.initiator->check(err)) return Error("fix: " + err);
    }
    if (m.opt.before_journal_write) {
      if (auto st = m.opt.before_journal_write(); !st) return st.error();
    }
    JournalWriterOptions jo = JournalWriterOptions::from_config(settings.journal);
    jo.min_epoch = m.opt.epoch;
    auto w = JournalWriter::open(
        std::move(jo), m.opt.journal_io != nullptr ? *m.opt.journal_io : posix_journal_io());
    if (!w) return Error("journal " + settings.journal.dir + ": " + w.error().message);
    m.journal = std::move(w.value());
    if (m.journal->epoch() != m.opt.epoch || m.journal->recovery().records != inventory->records) {
      return Error("journal " + settings.journal.dir +
                   " changed while the engine was starting (another process writing it?): it "
                   "now holds " +
                   std::to_string(m.journal->recovery().records) + " record(s), epoch " +
                   std::to_string(m.journal->epoch()) + "; read " +
                   std::to_string(inventory->records) + ", epoch " + std::to_string(m.opt.epoch));
    }
    m.sink.journal = m.journal.get();
  }
  return std::unique_ptr<Kernel>(new Kernel(std::move(impl)));
}

Status Kernel::Impl::replay(const std::string& dir, bool verify, std::uint64_t stop_epoch,
                            ReplayReport& rep) {
  const auto t0 = std::chrono::steady_clock::now();
  JournalReader reader = JournalReader::open(dir, ReaderOptions{.allow_torn_tail = true});
  if (!reader.ok()) return Error(reader.problem()->message());
  std::vector<Event> regen;
  regen.reserve(1024);
  std::size_t head = 0;  // regenerated intents before `head` are matched
  sink.replaying = true;
  sink.replay_trade_lines = true;
  sink.regenerated = &regen;
  clock.manual = true;
  loop->set_timer_mode(TimerMode::kRecorded);
  std::uint64_t hash = kFnv1aOffsetBasis;
  unsigned char buf[kMaxRecordSize];
  // Called exactly once per regenerated intent (matched, or left over at an input or a run's
  // end): it goes into the output hash and, in recovery, into the FIX sender's memory of what
  // earlier runs sent (or would have), so later cancels and status requests can refer to it.
  auto take_intent = [&](const Event& e) {
    if (fix_out) fix_out->remember(e);
    const std::size_t n = encode_record(0, PendingRecord{RecordKind::kIntent, e}, buf);
    hash = fnv1a_bytes(hash, buf, n);
  };
  // Regenerated intents never journaled: the run stopped (crashed) before writing them.
  auto end_of_run = [&] {
    for (std::size_t i = head; i < regen.size(); ++i) {
      take_intent(regen[i]);
      rep.unjournaled_at_crash += is_order_intent(regen[i]);
    }
    regen.clear();
    head = 0;
  };
  JournalRecord rec;
  bool stopped_at_run = false;
  while (rep.divergence.empty() && reader.next(rec)) {
    ++rep.records;
    switch (rec.kind) {
      case RecordKind::kSessionStart: {
        const auto& ss = std::get<SessionStart>(rec.body);
        if (stop_epoch != 0 && ss.epoch >= stop_epoch) {
          stopped_at_run = true;
          break;
        }
        end_of_run();
        const auto e = static_cast<std::uint32_t>(ss.epoch & 0x7FFFFFFFu);
        parent_ids.reset(e * 2);
        child_ids.reset(e * 2 + 1);
        ++rep.runs;
        break;
      }
      case RecordKind::kInput: {
        const Event& in = *rec.event();
        const EventHeader& h = header(in);
        if (h.seq != loop->last_seq() + 1) {
          rep.divergence = "input " + std::string(event_name(in)) + " at journal record " +
                           std::to_string(rec.seq) + " has seq " + std::to_string(h.seq) +
                           ", the replayed core is at seq " + std::to_string(loop->last_seq() + 1) +
                           " (the decisions before it emitted a different number of events)";
          break;
        }
        // Intents the previous input should have produced and the journal does not have.
        if (verify && head < regen.size()) {
          const Event& x = regen[head];
          rep.divergence = "seq " + std::to_string(header(x).seq) + ": the replay produced " +
                           event_name(x) + " which the journal does not have";
          break;
        }
        for (std::size_t i = head; i < regen.size(); ++i) take_intent(regen[i]);
        regen.clear();
        head = 0;
        clock.manual_now = h.receive_time;
        loop->process(in);
        for (const Event& x : regen) rep.intents_regenerated += is_order_intent(x);
        ++rep.inputs;
        rep.last_event_seq = h.seq;
        rep.last_receive_time = h.receive_time;
        break;
      }
      case RecordKind::kIntent: {
        const Event& j = *rec.event();
        const bool line = std::holds_alternative<ParentOrderRequested>(j);
        ++(line ? rep.trade_lines_journaled : rep.intents_journaled);
        if (head >= regen.size()) {
          if (verify) {
            rep.divergence = "seq " + std::to_string(header(j).seq) + ": the journal has " +
                             event_name(j) + " which the replay did not produce";
          }
          break;
        }
        const Event& x = regen[head++];
        take_intent(x);
        if (verify) {
          const std::string d = header(j).seq != header(x).seq
                                    ? "seq: journal " + std::to_string(header(j).seq) +
                                          ", replay " + std::to_string(header(x).seq)
                                    : describe_event_difference(j, x);
          if (!d.empty()) {
            rep.divergence = "seq " + std::to_string(header(j).seq) + ": " + d;
            break;
          }
        }
        ++(line ? rep.trade_lines_matched : rep.intents_matched);
        break;
      }
      default:
        break;
    }
    if (stopped_at_run) break;
  }
  // A journaled kShutdown of an earlier run stopped the replayed loop: the new run starts live.
  loop->clear_stop();
  if (!reader.ok() && rep.divergence.empty()) {
    sink.replaying = false;
    sink.replay_trade_lines = false;
    clock.manual = false;
    loop->set_timer_mode(TimerMode::kLive);
    return Error(reader.problem()->message());
  }
  rep.torn_tail = reader.torn_tail().has_value();
  if (rep.divergence.empty()) end_of_run();
  // The final positions are part of the output.
  for (const AccountId a : desk.accounts) {
    for (std::uint32_t i = 0; i < s.instruments.size(); ++i) {
      const std::int64_t q = book.position(a, InstrumentId{i}).raw;
      hash = fnv1a_bytes(hash, reinterpret_cast<const unsigned char*>(&q), sizeof q);
    }
  }
  rep.output_hash = hash;
  sink.replaying = false;
  sink.replay_trade_lines = false;
  sink.regenerated = nullptr;
  clock.manual = false;
  loop->set_timer_mode(TimerMode::kLive);
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return Ok{};
}

Result<ReplayReport> Kernel::replay_journal(const std::string& dir, bool verify) {
  Impl& m = *impl_;
  if (m.started) return Error("replay_journal: the engine is already running");
  ReplayReport rep;
  if (auto st = m.replay(dir, verify, 0, rep); !st) return st.error();
  return rep;
}

void Kernel::feed_offline(const Event& e, Timestamp receive_time, std::vector<Event>& intents) {
  Impl& m = *impl_;
  m.sink.replaying = true;
  m.sink.regenerated = &intents;
  // A market-clock engine: the clock is what it was live, the latest market-data time the core
  // took in (CoreLoop::take moves it, then fires the timers due, then takes the event), so the
  // timers fire exactly where they fired. A wall-clock engine: the given time stands in for the
  // wall clock at the time the core took the message (close, not exact).
  m.clock.manual = m.clock.market == nullptr;
  if (m.clock.manual && receive_time > m.clock.manual_now) m.clock.manual_now = receive_time;
  m.loop->take(e);
}

void Kernel::advance_offline(Timestamp now, std::vector<Event>& intents) {
  Impl& m = *impl_;
  m.sink.replaying = true;
  m.sink.regenerated = &intents;
  m.clock.manual = m.clock.market == nullptr;
  if (m.clock.manual && now > m.clock.manual_now) m.clock.manual_now = now;
  while (m.loop->do_work() > 0) {
  }
}

Status Kernel::set_offline_epoch(std::uint32_t epoch) {
  Impl& m = *impl_;
  if (!m.opt.offline || m.started) return Error("set_offline_epoch: offline, before start() only");
  if (epoch == 0 || epoch > kMaxRunEpoch) {
    return Error("set_offline_epoch: the run epoch must be in 1.." + std::to_string(kMaxRunEpoch) +
                 ", got " + std::to_string(epoch));
  }
  m.opt.epoch = epoch;
  m.parent_ids.reset(epoch * 2);
  m.child_ids.reset(epoch * 2 + 1);
  return Ok{};
}

Status check_source_renames(const config::Settings& s) {
  for (std::size_t i = 0; i < s.market_data.sources.size(); ++i) {
    const MarketDataSourceConfig& src = s.market_data.sources[i];
    for (const SymbolMapping& m : src.symbols) {
      if (m.source == m.instrument) continue;
      const std::string why =
          "the engine does not rename symbols yet (FIX market data and the file readers "
          "resolve instrument symbols only, so " +
          m.instrument + " would get no prices)";
      return Error("market_data.sources[" + std::to_string(i) + "].symbols: '" + m.source +
                   "' -> '" + m.instrument + "': " + why + ": name the instrument as source '" +
                   src.name + "' does, or leave the entry out");
    }
  }
  return Ok{};
}

Status check_core_cpu(int cpu) {
  if (cpu < 0) return Ok{};
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
    return Error("engine.core_cpu: cannot read the CPUs this process may use");
  }
  if (cpu < CPU_SETSIZE && CPU_ISSET(static_cast<std::size_t>(cpu), &allowed)) return Ok{};
  std::string list;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (!CPU_ISSET(static_cast<std::size_t>(c), &allowed)) continue;
    if (!list.empty()) list += ',';
    list += std::to_string(c);
  }
  return Error("engine.core_cpu: CPU " + std::to_string(cpu) +
               " is not one this process may run on (allowed: " + list + ")");
}

bool Kernel::core_finished() const noexcept {
  return impl_->core_runner.finished();
}

bool Kernel::market_clock() const noexcept {
  return impl_->clock.market != nullptr;
}

const ReplayReport& Kernel::recovery() const noexcept {
  return impl_->recovery_report;
}

Status Kernel::start() {
  Impl& m = *impl_;
  if (m.started) return Error("the engine is already started");
  if (m.initiator) {
    // Nothing is sent before the wall clock has passed this run's epoch second, so a later run
    // (whose epoch is at least its own start second) never shares it, even when the journal and
    // the FIX store are both lost (docs/journal.md, "ClOrdID uniqueness"). At most ~1 s normally;
    // capped, as the journal and the store then already keep the epochs apart.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (wall_clock_run_epoch(LiveClock{}.now()) <= m.opt.epoch &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  m.started = true;
  // The core thread: named for the operator (top -H, /proc/<pid>/task/*/comm) and pinned to
  // engine.core_cpu.
  m.core_agent.loop = m.loop.get();
  m.core_agent.views = &m.views;
  m.core_agent.built = &m.live.desk_views;
  m.core_agent.build_view = [&m](DeskView& v) {
    build_desk_view(
        DeskSources{m.book, *m.monitor, *m.gate, *m.om, m.market, *m.recorder, *m.rebalancer},
        m.clock.now(), v);
  };
  m.audit->timing = true;
  m.audit->wall_clock = !m.opt.market_clock;
  AgentOptions core;
  core.name = "ballast-core";
  core.cpu = m.s.engine.core_cpu;
  core.idle = IdleStrategy::Params{.kind = m.s.engine.idle_strategy,
                                   .max_spins = m.s.engine.back_off.max_spins,
                                   .max_yields = m.s.engine.back_off.max_yields,
                                   .min_park = m.s.engine.back_off.min_park,
                                   .max_park = m.s.engine.back_off.max_park};
  if (auto st = m.core_runner.start(m.core_agent, core); !st) {
    stop();
    return Error("engine.core_cpu: " + st.error().message);
  }
  if (m.fix_out) {
    // Released to FIX once the journal holds them durably (journal.release_after_durable); when
    // the journal fails, intents are held back and new orders stopped (the kill switch, once).
    std::shared_ptr<Feed> trip_feed(make_feed());
    IntentSenderOptions so;
    so.idle = m.s.engine.sender_idle_params();
    so.release_after_durable = m.journal != nullptr && m.s.journal.release_after_durable;
    m.sender_out = std::make_unique<FixOutboundDestination>(
        *m.fix_out, m.opt.probe, m.opt.market_clock ? nullptr : &m.live.tick_to_order, &m.live);
    m.sender =
        std::make_unique<IntentSender>(m.outbound, *m.sender_out, m.journal.get(), so, [trip_feed] {
          ControlCommand c{};
          c.action = ControlAction::kKillSwitchOn;
          trip_feed->push(c);
        });
    AgentOptions send;
    send.name = "ballast-send";
    send.idle = so.idle;
    if (auto st = m.sender_runner.start(*m.sender, send); !st) {
      stop();
      return st.error();
    }
    std::string err;
    if (!m.initiator->start(err)) {
      stop();
      return Error("fix: " + err);
    }
  }
  return Ok{};
}

void Kernel::stop() {
  Impl& m = *impl_;
  if (!m.started || m.stopped) return;
  m.stopped = true;
  // The core first (it is the sender's producer), then the sender drains what the core queued.
  m.core_runner.stop();
  m.sender_runner.stop();
  if (m.initiator) m.initiator->stop();
  // Anything QuickFIX delivered after the core stopped is still on the queue: handle it so the
  // book reflects every fill the broker reported.
  while (m.loop->do_work() > 0) {
  }
  if (m.journal) m.journal->stop();
}

std::string Kernel::journal_status() const {
  const Impl& m = *impl_;
  if (!m.journal) return "journal off";
  if (m.journal->failed()) {
    return "JOURNAL FAILED: " + m.journal->error() + "; new orders stopped, " +
           std::to_string(m.sender ? m.sender->counters().held.value() : 0) +
           " order messages held back";
  }
  return m.journal->recovery().summary(m.journal->dir());
}

namespace {
class QueueFeed final : public Kernel::Feed {
 public:
  explicit QueueFeed(InboundQueue& q) : producer_(q.make_producer()) {}
  void push(const Event& e) override {
    if (producer_.try_push(e)) return;
    IdleStrategy idle;
    producer_.push_wait(e, idle);
  }

 private:
  InboundQueue::Producer producer_;
};
}  // namespace

std::unique_ptr<Kernel::Feed> Kernel::make_feed() {
  return std::make_unique<QueueFeed>(impl_->inbound);
}

void Kernel::control(ControlAction action, AccountId account) {
  if (!impl_->control_feed) impl_->control_feed = make_feed();
  ControlCommand c{};
  c.action = action;
  c.account = account;
  c.hdr.event_time = impl_->clock.now();
  impl_->control_feed->push(c);
}

namespace {
class QueueControlChannel final : public Kernel::ControlChannel {
 public:
  QueueControlChannel(InboundQueue& q, const RuntimeClock& clock)
      : producer_(q.make_producer()), clock_(clock) {}
  bool try_send(ControlAction action, AccountId account, ModelId model) override {
    ControlCommand c{};
    c.action = action;
    c.account = account;
    if (!account.valid() && model.valid()) {
      // 16 bits carry the model: one beyond them is not sent at all (never widened to every
      // account); the operator API refuses it before it gets here.
      if (model.value >= 0xFFFF) return false;
      c.model_plus_one = static_cast<std::uint16_t>(model.value + 1);
    }
    c.hdr.event_time = clock_.now();
    return producer_.try_push(Event{c});
  }

 private:
  InboundQueue::Producer producer_;
  const RuntimeClock& clock_;
};
}  // namespace

DeskViewExchange* Kernel::desk_views() noexcept {
  return impl_->opt.offline ? nullptr : &impl_->views;
}

std::unique_ptr<Kernel::ControlChannel> Kernel::make_control_channel() {
  return std::make_unique<QueueControlChannel>(impl_->inbound, impl_->clock);
}

const LiveStats& Kernel::live() const noexcept {
  return impl_->live;
}
std::string Kernel::session_status(std::uint16_t s) const {
  return impl_->fix_in->last_status(s);
}
std::uint64_t Kernel::unbookable_reports() const noexcept {
  return impl_->fix_in->counters().unbookable_reports.value();
}
std::uint64_t Kernel::market_data_rejects() const noexcept {
  return impl_->fix_in->counters().market_data_rejects.value();
}
std::string Kernel::last_unbookable() const {
  return impl_->fix_in->last_unbookable();
}
namespace {
// What a kernel without FIX sessions reports: zeros.
const fix::InitiatorCounters kNoInitiator{};
const IntentSenderCounters kNoSender{};
}  // namespace
const fix::InitiatorCounters& Kernel::fix_counters() const noexcept {
  return impl_->initiator ? impl_->initiator->counters() : kNoInitiator;
}
void Kernel::disconnect(std::uint16_t s) {
  if (impl_->initiator) impl_->initiator->disconnect(s);
}
const config::Settings& Kernel::settings() const noexcept {
  return impl_->s;
}
const InstrumentTable& Kernel::instruments() const noexcept {
  return impl_->s.instruments;
}
const PortfolioBook& Kernel::book() const noexcept {
  return impl_->book;
}
const OrderManager& Kernel::orders() const noexcept {
  return *impl_->om;
}
const ComplianceGate& Kernel::gate() const noexcept {
  return *impl_->gate;
}
const DriftMonitor& Kernel::monitor() const noexcept {
  return *impl_->monitor;
}
const std::vector<ParentRecord>& Kernel::parents() const noexcept {
  return impl_->audit->records();
}
std::uint64_t Kernel::rebalances() const noexcept {
  return impl_->rebalancer->counters().rebalances;
}
const std::vector<AccountId>& Kernel::accounts() const noexcept {
  return impl_->desk.accounts;
}

// Offline driving and reads for simulated-time tests (tests/scenario).
void Kernel::advance_market_clock_offline(Timestamp t, std::vector<Event>& intents) {
  Impl& m = *impl_;
  if (m.clock.market == nullptr) {
    advance_offline(t, intents);
    return;
  }
  m.sink.replaying = true;
  m.sink.regenerated = &intents;
  m.clock.manual = false;
  while (const auto due = m.loop->next_timer_due()) {
    if (m.loop->timer_mode() != TimerMode::kLive) break;  // recorded timers: not fired here
    if (*due > t) break;
    if (due->ns > m.market_time.load(std::memory_order_relaxed)) {
      m.market_time.store(due->ns, std::memory_order_release);
    }
    while (m.loop->do_work() > 0) {
    }
  }
  if (t.ns > m.market_time.load(std::memory_order_relaxed)) {
    m.market_time.store(t.ns, std::memory_order_release);
  }
  while (m.loop->do_work() > 0) {
  }
}
std::optional<Timestamp> Kernel::next_timer_due_offline() {
  return impl_->loop->next_timer_due();
}
void Kernel::describe_offline(DeskView& out) {
  Impl& m = *impl_;
  if (m.started) return;
  build_desk_view(
      DeskSources{m.book, *m.monitor, *m.gate, *m.om, m.market, *m.recorder, *m.rebalancer},
      m.clock.now(), out);
}
void Kernel::observe_offline(std::vector<Event>* events) {
  if (!impl_->started) impl_->sink.observed = events;
}
const MarketState& Kernel::market() const noexcept {
  return impl_->market;
}
const SlicingEngine& Kernel::slicer() const noexcept {
  return *impl_->slicer;
}
const Rebalancer& Kernel::rebalancer() const noexcept {
  return *impl_->rebalancer;
}
std::optional<Timestamp> Kernel::next_timer_due() const noexcept {
  return impl_->loop->next_timer_due();
}
bool Kernel::warm_up(AccountId a) {
  return impl_->rebalancer->warm_up(a);
}
std::uint64_t Kernel::parents_started() const noexcept {
  return impl_->rebalancer->counters().parents;
}
std::uint64_t Kernel::buys_queued() const noexcept {
  return impl_->rebalancer->counters().buys_waiting;
}
const IntentSenderCounters& Kernel::sender_counters() const noexcept {
  return impl_->sender ? impl_->sender->counters() : kNoSender;
}
const JournalWriterStats* Kernel::journal_stats() const noexcept {
  return impl_->journal ? &impl_->journal->stats() : nullptr;
}
std::vector<NamedHistogram> Kernel::histograms() const {
  const Impl& m = *impl_;
  return {
      {"engine.gate_check", "The compliance gate's check of one proposed child order.",
       &m.live.gate_check},
      {"engine.rebalance",
       "The rebalancer's handling of one trigger: the solve, lot rounding, the parents.",
       &m.live.rebalance},
      {"engine.tick_to_order",
       "From the core taking an input in to the order it caused handed to FIX (wall-clock "
       "engines; empty on a replayed tape's market clock).",
       &m.live.tick_to_order},
      {"engine.fix_round_trip",
       "From the core emitting a new order to it taking in the broker's first execution report "
       "for it: queue, journal durability, FIX both ways, the broker (wall-clock engines).",
       &m.live.fix_round_trip},
      {"engine.kill_to_cancel",
       "From a kill-switch command to each cancel it caused handed to FIX.",
       &m.live.kill_to_cancel},
      {"sender.durable_wait",
       "How long an order waited for its input to be durable in the journal.",
       &sender_counters().durable_wait},
  };
}

std::vector<CounterReading> Kernel::counters() const {
  const Impl& m = *impl_;
  std::vector<CounterReading> out;
  read_counters(m.live, "engine", out);
  read_counters(sender_counters(), "sender", out);
  if (m.journal) read_counters(m.journal->stats(), "journal", out);
  read_counters(fix_counters(), "fix", out);
  if (m.fix_in) read_counters(m.fix_in->counters(), "fix_in", out);
  if (m.fix_out) read_counters(m.fix_out->counters(), "fix_out", out);
  return out;
}

}  // namespace ballast::kernel
