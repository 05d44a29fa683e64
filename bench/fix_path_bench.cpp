// FIX path, side by side in one run (issue 6, benchmark 1): NewOrderSingle -> ExecutionReport
// round trips over loopback TCP against the same QuickFIX acceptor, from
//   raw:     a minimal QuickFIX initiator (bench/fix_raw_peer.cpp): build the D, Session::send,
//            wait for the fill in fromApp, send the next from there;
//   ballast: the same orders through the engine as `ballast run` builds it: a kernel::Kernel
//            made by Kernel::create from typed Settings (the desk, compliance limits, one FIX
//            initiator session, the journal mode, the idle strategies) and started, with the
//            benchmark's strategy as its KernelProbe (kernel/include/ballast/kernel/
//            kernel_probe.hpp): last in the kernel's chain, it emits a ChildOrderProposed that
//            goes through the chain from the top -> ComplianceGate -> SubmitOrder ->
//            OrderManager -> the kernel's OutboundSink: intent handed to the JournalWriter,
//            pushed on the SPSC queue -> the kernel's FIX sender agent (IntentSender, released
//            once durable when the journal mode asks for it) -> FixOutbound ->
//            fix::Initiator::send -> acceptor -> ExecutionReports -> fix::Initiator (codec,
//            dictionary) -> FixInbound -> MPSC inbound queue -> the core agent: input journaled,
//            the whole chain (drift monitor, slicer, gate, order manager books the fill, session
//            supervisor, rebalancer, audit) -> the strategy sees the booked fill: one round trip;
//            it proposes the next order.
// Both initiators use the same QuickFIX session settings (SocketInitiator, FileStore, FileLog,
// data-dictionary validation, TCP_NODELAY) with stores and logs in a temporary directory, and the
// same order sequence. The acceptor (default: the lean QuickFIX acceptor in fix_raw_peer.cpp;
// --acceptor sim: broker-sim) answers each order with an ack and a fill.
//
// Two modes per path and round: latency (window 1: one order outstanding; p50/p99/p99.9 of the
// round trip, and where the time goes, stamped on each thread) and throughput (window W
// outstanding; round trips per second). Each mode runs in slices that alternate the paths (A B,
// B A, ...), because the machine is shared and its load changes by the second; a round pools its
// slices. Judged: median over rounds of (ballast p50 - raw p50) <= 5 us, and median over rounds
// of (ballast / raw throughput) >= 90 %. Also printed: CPU per round trip by thread (schedstat),
// checks (every order passed, filled and booked once; the book matches the fills), and a
// diagnostic of the compliance gate's cost against the session's order rate.
// Results and the command: docs/BENCHMARKS.md.
//
// Usage: fix_path_bench [--rounds N] [--orders N] [--tput-orders N] [--window W] [--slices N]
//                       [--acceptor lean|sim] [--journal handoff|group|per_event|off]
//                       [--idle back_off|yield|busy_spin] [--sender-idle back_off|yield|busy_spin]
//                       [--spins N] [--yields N] [--max-park-us N] [--quick] [--keep]
//                       [--json FILE]
#include <sys/resource.h>
#include <unistd.h>

#include <dirent.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ballast/config/config.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/engine/engine_config.hpp"
#include "ballast/engine/market_state.hpp"
#include "ballast/engine/portfolio_book.hpp"
#include "ballast/execution/order_id.hpp"
#include "ballast/fix/broker_sim.hpp"
#include "ballast/fix/initiator.hpp"
#include "ballast/journal/journal_tap.hpp"
#include "ballast/kernel/kernel.hpp"
#include "ballast/kernel/kernel_probe.hpp"
#include "ballast/risk/compliance.hpp"
#include "bench_support.hpp"
#include "fix_raw_peer.hpp"

namespace {

using namespace ballast;
using benchfix::mono_ns;

constexpr std::uint32_t kBenchOwner = 0xB0B0u;  // TimerFired.owner of the strategy's start command

// ------------------------------------------------------------------------------- options

enum class JournalMode { kHandoff, kGroup, kPerEvent, kOff };
const char* journal_name(JournalMode m) {
  switch (m) {
    case JournalMode::kHandoff:
      return "handoff (fsync none, released at once)";
    case JournalMode::kGroup:
      return "group (fdatasync every 200 us, released once durable)";
    case JournalMode::kPerEvent:
      return "per_event (fdatasync per record, released once durable)";
    case JournalMode::kOff:
      return "off";
  }
  return "?";
}

struct Options {
  std::size_t rounds = 7;
  std::uint64_t lat_orders = 20'000;
  std::uint64_t tput_orders = 20'000;
  std::uint32_t window = 16;
  std::uint64_t warmup = 2'000;
  std::uint64_t slices = 10;  // per round and mode, alternating the paths
  bool lean = true;           // broker-sim: --acceptor sim (see docs/BENCHMARKS.md: no TCP_NODELAY)
  JournalMode journal = JournalMode::kHandoff;
  IdleKind idle = CoreLoopConfig{}.idle_strategy;  // engine.idle_strategy: the core thread
  std::optional<IdleKind> sender_idle;             // engine.sender_idle_strategy (unset: idle)
  BackOffConfig back_off{};  // core and sender threads (the runtime's defaults)
  bool keep = false;
  std::string json;
};

// ------------------------------------------------------------------------------- statistics

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double p50_of(const std::vector<std::int64_t>& v) {
  return bench::percentiles(v).p50;
}

/// The process's threads (ids from /proc/self/task).
std::vector<pid_t> list_threads() {
  std::vector<pid_t> out;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') out.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Time thread `tid` has spent on a CPU, in ns (schedstat; 0 once the thread is gone).
std::int64_t thread_cpu_ns(pid_t tid) {
  const std::string path = "/proc/self/task/" + std::to_string(tid) + "/schedstat";
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return 0;
  long long ns = 0;
  if (std::fscanf(f, "%lld", &ns) != 1) ns = 0;
  std::fclose(f);
  return ns;
}

/// Names the threads each step of the set-up starts (by the ids that appear), so CPU time can
/// be told per role.
class ThreadRoles {
 public:
  void mark_before() { before_ = list_threads(); }
  void mark_after(const std::string& role) {
    for (pid_t t : list_threads()) {
      if (!std::binary_search(before_.begin(), before_.end(), t) && role_.count(t) == 0)
        role_[t] = role;
    }
  }
  /// Like mark_after, naming each new thread by its name (comm) when `by_name` knows it.
  void mark_after_by_name(const std::map<std::string, std::string>& by_name,
                          const std::string& other) {
    for (pid_t t : list_threads()) {
      if (std::binary_search(before_.begin(), before_.end(), t) || role_.count(t) != 0) continue;
      std::string comm;
      if (FILE* f = std::fopen(("/proc/self/task/" + std::to_string(t) + "/comm").c_str(), "r")) {
        char buf[32] = {};
        if (std::fgets(buf, sizeof buf, f) != nullptr) comm = buf;
        std::fclose(f);
        if (!comm.empty() && comm.back() == '\n') comm.pop_back();
      }
      const auto it = by_name.find(comm);
      role_[t] = it != by_name.end() ? it->second : other;
    }
  }
  void set(pid_t t, const std::string& role) { role_[t] = role; }
  /// CPU ns per role now (threads without a role: "other").
  std::map<std::string, std::int64_t> snapshot() const {
    std::map<std::string, std::int64_t> out;
    for (pid_t t : list_threads()) {
      const auto it = role_.find(t);
      out[it == role_.end() ? std::string("other (main, QuickFIX helpers)") : it->second] +=
          thread_cpu_ns(t);
    }
    return out;
  }

 private:
  std::vector<pid_t> before_;
  std::map<pid_t, std::string> role_;
};

/// CPU time (user + system) of the whole process so far, every thread, in ns.
std::int64_t process_cpu_ns() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto ns = [](const timeval& t) {
    return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_usec * 1'000;
  };
  return ns(u.ru_utime) + ns(u.ru_stime);
}

// ------------------------------------------------------------------------------- Ballast side

/// Stamps shared with the FIX sender thread for the latency breakdown (window 1 only: one order
/// is in flight, so "the last" is "this order's"). Relaxed: the strategy checks their order.
struct Probe {
  std::atomic<std::int64_t> popped{0};    // sender thread took the intent off the SPSC queue
  std::atomic<std::int64_t> released{0};  // ... and the journal let it go (durable or hand-off)
  std::atomic<std::int64_t> sent{0};      // ... and FixOutbound/Initiator::send returned
};

/// One phase of the Ballast path as the strategy runs it. The main thread fills the plan and
/// reserves the vectors before it sends the start command; the core thread writes the rest; the
/// main thread reads them after `done`.
struct PhasePlan {
  std::uint64_t orders = 0;
  std::uint32_t window = 1;
  // results
  std::uint64_t sent = 0, finished = 0, fills = 0, denied = 0, rejected = 0, other = 0;
  std::int64_t start_ns = 0, end_ns = 0;
  std::vector<std::int64_t> t0, rtt;
  std::vector<std::int64_t> core_out, hop, durable, send, wire, in_core;  // window 1
  DenyReason last_denial = DenyReason::kKillSwitch;
};

/// The benchmark's strategy: the kernel's probe, so it stands last in the kernel's chain (it
/// sees a fill only after the order manager booked it) and what it emits goes through the chain
/// from the top, as a slicer's proposals do: ChildOrderProposed -> gate -> SubmitOrder -> order
/// manager -> the kernel's outbound sink. It also takes the sink's and the FIX sender's stamps.
class Strategy final : public kernel::KernelProbe {
 public:
  explicit Strategy(Probe& probe) : probe_(probe), ids_(7), parents_(6) {}

  PhasePlan plan;
  std::atomic<bool> done{false};
  /// Orders finished over all phases (order numbers 1..orders_done()). Core thread, or after.
  std::uint64_t orders_done() const noexcept { return global_ - 1; }

  // Core thread: an intent handed to the sink, before the journal hand-off and the push (the
  // sender may pop it at once).
  void on_published(const Event& e) override {
    if (is_order_intent(e)) last_queued_ns_ = mono_ns();
  }
  // FIX sender thread.
  void on_intent_taken(const Event&) override {
    probe_.popped.store(mono_ns(), std::memory_order_relaxed);
  }
  void on_intent_released(const Event&) override {
    probe_.released.store(mono_ns(), std::memory_order_relaxed);
  }
  void on_intent_sent(const Event&) override {
    probe_.sent.store(mono_ns(), std::memory_order_relaxed);
  }

  void on_event(const Event& e, Timestamp now, Outbox& out) override {
    if (const auto* t = std::get_if<TimerFired>(&e)) {
      if (t->owner == kBenchOwner) start(now, out);
      return;
    }
    if (!active_) return;
    if (const auto* s = std::get_if<SubmitOrder>(&e)) {
      const std::uint64_t i = index(s->order);
      if (i < plan.orders && plan.window == 1) queued_ns_ = last_queued_ns_;
      return;
    }
    if (const auto* d = std::get_if<OrderDenied>(&e)) {
      if (index(d->order) >= plan.orders) return;
      ++plan.denied;
      plan.last_denial = d->reason;
      finish_one(now, out);
      return;
    }
    if (const auto* r = std::get_if<ExecutionReported>(&e)) {
      const std::uint64_t i = index(r->order);
      if (i >= plan.orders) return;
      if (r->exec_type == ExecType::kRejected) {
        ++plan.rejected;
        finish_one(now, out);
        return;
      }
      if (r->exec_type != ExecType::kTrade || r->status != OrdStatus::kFilled) {
        ++plan.other;
        return;
      }
      const std::int64_t t1 = mono_ns();
      ++plan.fills;
      plan.rtt.push_back(t1 - plan.t0[i]);
      // The core stamped receive_time (the live clock) when it took the fill in: the core's own
      // work on it is the wall-clock time since then.
      if (plan.window == 1)
        breakdown(plan.t0[i], t1, LiveClock{}.now().ns - r->hdr.receive_time.ns);
      finish_one(now, out);
    }
  }

 private:
  std::uint64_t index(OrderId id) const noexcept {
    return id.value >= first_.value ? id.value - first_.value : UINT64_MAX;
  }

  void start(Timestamp now, Outbox& out) {
    first_ = ids_.next();  // ids are sequential: the phase's order k is first_ + k
    pending_first_ = true;
    active_ = true;
    // Two parents per phase (buys and sells), as a slicer would work them. The kernel's order
    // manager opens a parent it first meets through a child; the gate checks sent-versus-
    // intended only for parents a slicer registered (none here).
    for (int k = 0; k < 2; ++k) parent_[k] = parents_.next();
    plan.start_ns = mono_ns();
    const std::uint64_t first = std::min<std::uint64_t>(plan.window, plan.orders);
    for (std::uint64_t k = 0; k < first; ++k) propose(now, out);
  }

  void propose(Timestamp, Outbox& out) {
    const std::uint64_t i = plan.sent++;
    const benchfix::BenchOrder o = benchfix::bench_order(global_ + i);
    ChildOrderProposed p{};
    p.order = pending_first_ ? first_ : ids_.next();
    pending_first_ = false;
    p.parent = parent_[o.side == '1' ? 0 : 1];
    p.account = AccountId{0};
    p.instrument = InstrumentId{0};
    p.session = SessionId{0};
    p.side = o.side == '1' ? Side::kBuy : Side::kSell;
    p.type = OrdType::kLimit;
    p.tif = TimeInForce::kDay;
    p.qty = Qty::from_raw(o.qty);
    p.limit = Price::from_raw(o.price);
    p.reference = Price::from_raw((benchfix::kBenchBid + benchfix::kBenchAsk) / 2);
    plan.t0[i] = mono_ns();
    out.emit(p);
  }

  void finish_one(Timestamp now, Outbox& out) {
    if (++plan.finished == plan.orders) {
      plan.end_ns = mono_ns();
      global_ += plan.orders;
      active_ = false;
      done.store(true, std::memory_order_release);
      return;
    }
    if (plan.sent < plan.orders) propose(now, out);
  }

  void breakdown(std::int64_t t0, std::int64_t t1, std::int64_t in_core) {
    const std::int64_t q = queued_ns_;
    const std::int64_t p = probe_.popped.load(std::memory_order_relaxed);
    const std::int64_t r = probe_.released.load(std::memory_order_relaxed);
    const std::int64_t s = probe_.sent.load(std::memory_order_relaxed);
    // A stamp from the previous order (the sender thread had not stored this one's yet) breaks
    // the order; such a sample is left out of the breakdown (never out of the round trip).
    if (!(t0 <= q && q <= p && p <= r && r <= s && s <= t1)) return;
    if (in_core < 0 || in_core > t1 - s) return;
    plan.core_out.push_back(q - t0);
    plan.hop.push_back(p - q);
    plan.durable.push_back(r - p);
    plan.send.push_back(s - r);
    plan.wire.push_back(t1 - in_core - s);
    plan.in_core.push_back(in_core);
  }

  Probe& probe_;
  ClOrdIdGenerator ids_;
  ClOrdIdGenerator parents_;
  OrderId first_{};
  OrderId parent_[2] = {};
  bool pending_first_ = false;
  bool active_ = false;
  std::uint64_t global_ = 1;  // the raw path's order numbers start at 1 too
  std::int64_t queued_ns_ = 0;
  std::int64_t last_queued_ns_ = 0;
};

bool fail(std::string& error, std::string what) {
  error = std::move(what);
  return false;
}

QuoteUpdated bench_quote(Timestamp t) {
  QuoteUpdated q{};
  q.hdr.event_time = t;
  q.instrument = InstrumentId{0};
  q.bid = Price::from_raw(benchfix::kBenchBid);
  q.ask = Price::from_raw(benchfix::kBenchAsk);
  q.bid_size = q.ask_size = Qty::from_raw(benchfix::kBenchSize);
  return q;
}

/// The default compliance configuration, with the limits a stream of 10^4-10^5 orders per
/// second on one session needs raised to what the configuration allows.
ComplianceConfig bench_compliance() {
  ComplianceConfig cc;
  cc.max_orders_per_second = 100'000;
  cc.kill_switch.order_rate_runaway = 1'000'000;
  cc.max_open_orders_per_instrument = 10'000;
  cc.reference_stale_after = std::chrono::minutes(10);
  return cc;
}

MarketDataQualityConfig bench_quality() {
  MarketDataQualityConfig q;
  q.stale_after = std::chrono::hours(1);  // one quote per phase is all the market data there is
  return q;
}

/// The desk both uses share: one instrument (AAPL, marked at the bench quote at `t`), one model
/// (50 % AAPL, 50 % cash), one account holding 1,000,000 shares and $100M.
bool build_desk(InstrumentTable& instruments, MarketState& market, PortfolioBook& book, Timestamp t,
                std::string& error) {
  (void)instruments.add({.symbol = benchfix::kBenchSymbol}).value();
  Outbox scratch;
  (void)market.on_quote(bench_quote(t), t, scratch);
  Model model;
  model.key = "M";
  model.instruments = {InstrumentId{0}};
  model.weights = {0.5};
  model.cash_weight = 0.5;
  auto m = book.add_model(model);
  if (!m) return fail(error, "model: " + m.error().message);
  AccountSpec a;
  a.key = benchfix::kBenchAccount;
  a.model = m.value();
  a.positions = {{InstrumentId{0}, Qty::from_units(1'000'000)}};
  a.cash = Money::from_units(100'000'000);
  auto acc = book.add_account(a, market);
  if (!acc) return fail(error, "account: " + acc.error().message);
  return true;
}

/// Diagnostic, outside the FIX path (one thread, simulated time, the same desk and compliance
/// configuration): the gate's time per proposal against the orders the session sent in the last
/// second, which its order-rate rule counts. Every order is filled at once, so only the rate
/// window grows. Mean ns over the proposals after the window has filled.
void gate_rate_diagnostic() {
  std::printf(
      "\n  diagnostic: ComplianceGate::on_child_order_proposed against the session's order "
      "rate (one thread, simulated time):\n   ");
  for (const int rate : {50, 1'000, 5'000, 10'000, 20'000}) {
    InstrumentTable instruments;
    MarketState market(1, bench_quality());
    PortfolioBook book(1);
    const Timestamp t0 = LiveClock{}.now();
    std::string error;
    if (!build_desk(instruments, market, book, t0, error)) return;
    ComplianceGate gate(bench_compliance(), instruments, book, market);
    gate.set_adv(InstrumentId{0}, Qty::from_units(1'000'000'000'000));
    const auto step = std::chrono::nanoseconds(1'000'000'000 / rate);
    const int n = 2 * rate + 10'000;
    double total = 0;
    int timed = 0, denied = 0;
    Outbox out, scratch;
    for (int i = 0; i < n; ++i) {
      const benchfix::BenchOrder o = benchfix::bench_order(static_cast<std::uint64_t>(i) + 1);
      ChildOrderProposed p{};
      p.order = OrderId{(std::uint64_t{9} << 32) | static_cast<std::uint64_t>(i + 1)};
      p.account = AccountId{0};
      p.instrument = InstrumentId{0};
      p.session = SessionId{0};
      p.side = o.side == '1' ? Side::kBuy : Side::kSell;
      p.qty = Qty::from_raw(o.qty);
      p.limit = Price::from_raw(o.price);
      p.reference = Price::from_raw((benchfix::kBenchBid + benchfix::kBenchAsk) / 2);
      const Timestamp now = t0 + step * i;
      out.clear();
      const std::int64_t c0 = mono_ns();
      gate.on_child_order_proposed(p, now, out);
      const std::int64_t c1 = mono_ns();
      if (i >= 2 * rate) {
        total += static_cast<double>(c1 - c0);
        ++timed;
      }
      bool sent = false;
      for (std::size_t k = 0; k < out.size(); ++k) {
        if (const auto* so = std::get_if<SubmitOrder>(&out[k])) {
          sent = true;
          ExecutionReported r{};
          r.order = so->order;
          r.session = so->session;
          r.exec_type = ExecType::kTrade;
          r.status = OrdStatus::kFilled;
          r.side = so->side;
          r.last_qty = r.cum_qty = so->qty;
          r.last_px = r.avg_px = so->limit;
          scratch.clear();
          gate.on_execution_reported(r, now, scratch);
        }
      }
      denied += !sent;
    }
    std::printf(" %d/s: %.0f ns%s;", rate, total / timed,
                denied > 0 ? (" (" + std::to_string(denied) + " denied)").c_str() : "");
  }
  std::printf("\n");
}

/// The configuration of Ballast's side (what `ballast run` would load from YAML): the desk of
/// build_desk, the bench compliance limits, one FIX initiator session to the acceptor, the
/// journal mode and idle strategies of the options. Errors: a violation `check-config` would
/// report (path and message).
bool bench_settings(const std::string& dir, int port, const Options& opt, config::Settings& s,
                    std::string& error) {
  (void)s.instruments.add({.symbol = benchfix::kBenchSymbol}).value();
  TriggerConfig quiet;  // no rebalance may start: only the benchmark's orders trade
  quiet.absolute.enabled = quiet.relative.enabled = quiet.calendar.enabled = false;
  quiet.volatility_adaptive.enabled = quiet.cash_flow.enabled = false;
  quiet.tracking_error.enabled = quiet.cost_benefit.enabled = false;
  s.triggers = quiet;
  ModelConfig m;
  m.id = m.name = "M";
  m.weights = {{benchfix::kBenchSymbol, 0.5}};
  m.cash_buffer = 0.5;
  m.triggers = quiet;
  s.models.push_back(m);
  AccountConfig a;
  a.id = a.name = benchfix::kBenchAccount;
  a.model = "M";
  a.positions = {{benchfix::kBenchSymbol, Qty::from_units(1'000'000)}};
  a.cash = Money::from_units(100'000'000);
  a.triggers = quiet;
  s.accounts.push_back(a);
  s.market_data_quality = bench_quality();
  s.compliance = bench_compliance();
  s.engine.idle_strategy = opt.idle;
  s.engine.sender_idle_strategy = opt.sender_idle;
  s.engine.back_off = opt.back_off;
  s.journal.enabled = opt.journal != JournalMode::kOff;
  s.journal.dir = dir + "/journal";
  s.journal.fsync = opt.journal == JournalMode::kHandoff ? FsyncPolicy::kNone
                    : opt.journal == JournalMode::kGroup ? FsyncPolicy::kGroup
                                                         : FsyncPolicy::kPerEvent;
  s.journal.release_after_durable =
      opt.journal == JournalMode::kGroup || opt.journal == JournalMode::kPerEvent;
  FixSessionConfig fs;
  fs.name = "bench";
  fs.host = "127.0.0.1";
  fs.port = port;
  fs.sender_comp_id = "BALLAST";
  fs.target_comp_id = "BROKERSIM";
  fs.store_dir = dir + "/ballast/store";
  fs.log_dir = dir + "/ballast/log";
  s.fix.sessions.push_back(fs);
  if (const auto v = config::validate(s); !v.empty())
    return fail(error, "settings: " + v[0].path + ": " + v[0].message);
  return true;
}

/// Ballast's side: a kernel::Kernel built by Kernel::create from the settings above, exactly as
/// `ballast run` builds one (the chain, the core, FIX sender and journal agents, the FIX
/// initiator), with the benchmark's strategy as its probe.
struct BallastPath {
  Probe probe;
  Strategy strategy{probe};
  std::unique_ptr<kernel::Kernel> kernel;
  std::unique_ptr<kernel::Kernel::Feed> feed;
  ThreadRoles* roles = nullptr;

  bool build(const std::string& dir, int port, std::uint64_t max_orders, const Options& opt,
             std::string& error) {
    config::Settings s;
    if (!bench_settings(dir, port, opt, s, error)) return false;
    kernel::KernelOptions ko;
    ko.market.covariance = Eigen::MatrixXd::Constant(1, 1, 0.04);
    ko.market.adv = {Qty::from_units(1'000'000'000'000)};
    // Every child of the run stays in the tables (execution.retention is 2 h).
    ko.max_children = max_orders + 1024;
    ko.max_exec_ids_per_day = 2 * max_orders + 1024;
    ko.max_parents = 4096;
    ko.probe = &strategy;
    roles->mark_before();
    auto k = kernel::Kernel::create(s, std::move(ko));
    roles->mark_after("ballast journal writer");  // the only thread create() starts
    if (!k) return fail(error, "Kernel::create: " + k.error().message);
    kernel = std::move(k.value());
    feed = kernel->make_feed();
    return true;
  }

  bool start(std::string& error) {
    roles->set(::gettid(), "main (drives phases, sleeps)");
    roles->mark_before();
    if (auto st = kernel->start(); !st) return fail(error, st.error().message);
    // The kernel's agents by their thread names (engine/agent_runner.hpp); the rest of what
    // start() started is QuickFIX's.
    roles->mark_after_by_name({{"ballast-core", "ballast core loop"},
                               {"ballast-send", "ballast FIX sender"},
                               {"ballast-journal", "ballast journal writer"}},
                              "ballast QuickFIX initiator (+control)");
    return true;
  }

  bool logged_on() const { return kernel->live().sessions_up.load() > 0; }

  /// One phase: sends the start command, waits for the strategy to finish.
  bool run(std::uint64_t orders, std::uint32_t window, int timeout_ms, std::string& error) {
    PhasePlan& p = strategy.plan;
    p = PhasePlan{};
    p.orders = orders;
    p.window = window;
    p.t0.assign(orders, 0);
    p.rtt.reserve(orders);
    if (window == 1) {
      for (auto* v : {&p.core_out, &p.hop, &p.durable, &p.send, &p.wire, &p.in_core})
        v->reserve(orders);
    }
    strategy.done.store(false, std::memory_order_relaxed);
    feed->push(bench_quote(LiveClock{}.now()));  // fresh market data: the gate's reference price
    TimerFired go{};
    go.owner = kBenchOwner;
    feed->push(go);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!strategy.done.load(std::memory_order_acquire)) {
      if (std::chrono::steady_clock::now() > deadline) {
        error = "ballast path: timed out after " + std::to_string(timeout_ms) +
                " ms (the core loop still owns the phase; stopping)";
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (p.denied + p.rejected > 0) {
      error = "ballast path: " + std::to_string(p.denied) +
              " orders denied (last: " + to_string(p.last_denial) + "), " +
              std::to_string(p.rejected) + " rejected";
      return false;
    }
    return true;
  }

  void stop() {
    if (kernel) kernel->stop();
  }
};

// ------------------------------------------------------------------------------- the run

/// One path's samples in one round, pooled over its slices.
struct Side2 {
  std::vector<std::int64_t> rtt;  // latency slices (window 1)
  std::uint64_t lat_orders = 0, tput_orders = 0;
  std::int64_t tput_elapsed_ns = 0;              // sum over the throughput slices
  std::int64_t cpu_lat_ns = 0, cpu_tput_ns = 0;  // process CPU over the slices
  // latency breakdown samples: raw uses send and wire
  std::vector<std::int64_t> send, wire, core_out, hop, durable, in_core;
  // computed at the end of the round
  bench::Percentiles lat;
  double tput = 0;  // round trips per second
  void finish() {
    lat = bench::percentiles(rtt);
    tput = tput_elapsed_ns > 0
               ? static_cast<double>(tput_orders) * 1e9 / static_cast<double>(tput_elapsed_ns)
               : 0;
  }
  double cpu_lat() const { return lat_orders ? double(cpu_lat_ns) / double(lat_orders) : 0; }
  double cpu_tput() const { return tput_orders ? double(cpu_tput_ns) / double(tput_orders) : 0; }
};

void append(std::vector<std::int64_t>& to, const std::vector<std::int64_t>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

struct Round {
  Side2 raw, ballast;
};

void print_lat(const char* name, const bench::Percentiles& p) {
  std::printf("    %-8s n %7zu  p50 %8.2f  p99 %8.2f  p99.9 %8.2f  max %9.2f  mean %8.2f us\n",
              name, p.n, p.p50 / 1e3, p.p99 / 1e3, p.p999 / 1e3, p.max / 1e3, p.mean / 1e3);
}

bool arg_num(int& i, int argc, char** argv, std::uint64_t& out) {
  if (i + 1 >= argc) {
    std::fprintf(stderr, "%s needs a value\n", argv[i]);
    return false;
  }
  out = std::strtoull(argv[++i], nullptr, 10);
  return true;
}

int usage() {
  std::fprintf(stderr,
               "usage: fix_path_bench [--rounds N] [--orders N] [--tput-orders N] [--window W] "
               "[--slices N] [--warmup N]\n"
               "                      [--acceptor sim|lean] [--journal "
               "handoff|group|per_event|off]\n"
               "                      [--idle back_off|yield|busy_spin] [--sender-idle "
               "back_off|yield|busy_spin]\n"
               "                      [--spins N] [--yields N] [--max-park-us N]\n"
               "                      [--quick] [--keep] [--json FILE]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    std::uint64_t v = 0;
    if (a == "--rounds") {
      if (!arg_num(i, argc, argv, v)) return usage();
      opt.rounds = std::max<std::uint64_t>(1, v);
    } else if (a == "--orders") {
      if (!arg_num(i, argc, argv, v)) return usage();
      opt.lat_orders = std::max<std::uint64_t>(100, v);
    } else if (a == "--tput-orders") {
      if (!arg_num(i, argc, argv, v)) return usage();
      opt.tput_orders = std::max<std::uint64_t>(100, v);
    } else if (a == "--window") {
      if (!arg_num(i, argc, argv, v)) return usage();
      opt.window = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(v, 1, 1000));
    } else if (a == "--slices") {
      if (!arg_num(i, argc, argv, v)) return usage();
      opt.slices = std::max<std::uint64_t>(1, v);
    } else if (a == "--warmup") {
      if (!arg_num(i, argc, argv, v)) return usage();
      opt.warmup = v;
    } else if (a == "--acceptor" && i + 1 < argc) {
      const std::string s = argv[++i];
      if (s != "sim" && s != "lean") return usage();
      opt.lean = s == "lean";
    } else if (a == "--journal" && i + 1 < argc) {
      const std::string s = argv[++i];
      if (s == "handoff") {
        opt.journal = JournalMode::kHandoff;
      } else if (s == "group") {
        opt.journal = JournalMode::kGroup;
      } else if (s == "per_event") {
        opt.journal = JournalMode::kPerEvent;
      } else if (s == "off") {
        opt.journal = JournalMode::kOff;
      } else {
        return usage();
      }
    } else if ((a == "--idle" || a == "--sender-idle") && i + 1 < argc) {
      const std::string s = argv[++i];
      IdleKind k = IdleKind::kBackOff;
      if (s == "back_off") {
        k = IdleKind::kBackOff;
      } else if (s == "yield") {
        k = IdleKind::kYield;
      } else if (s == "busy_spin") {
        k = IdleKind::kBusySpin;
      } else {
        return usage();
      }
      (a == "--idle" ? opt.idle : opt.sender_idle.emplace()) = k;
    } else if (a == "--spins") {
      if (!arg_num(i, argc, argv, v)) return usage();
      opt.back_off.max_spins = static_cast<std::uint32_t>(v);
    } else if (a == "--yields") {
      if (!arg_num(i, argc, argv, v)) return usage();
      opt.back_off.max_yields = static_cast<std::uint32_t>(v);
    } else if (a == "--max-park-us") {
      if (!arg_num(i, argc, argv, v)) return usage();
      opt.back_off.max_park = std::chrono::microseconds(std::max<std::uint64_t>(1, v));
    } else if (a == "--quick") {
      opt.rounds = 3;
      opt.lat_orders = 3'000;
      opt.tput_orders = 3'000;
      opt.warmup = 500;
    } else if (a == "--keep") {
      opt.keep = true;
    } else if (a == "--json" && i + 1 < argc) {
      opt.json = argv[++i];
    } else {
      return usage();
    }
  }

  char tmpl[] = "/tmp/fix_path_bench.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = tmpl;
  // Removes the temporary directory on every way out (unless --keep).
  struct Cleanup {
    std::string dir;
    bool keep;
    ~Cleanup() {
      std::error_code ec;
      if (!keep) std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir, opt.keep};
  const std::string dictionary =
      std::string(BALLAST_SOURCE_DIR) + "/adapters/fix/dictionaries/FIX44.xml";
  std::string error;
  int rc = 0;

  std::printf(
      "FIX path (issue 6, benchmark 1): raw QuickFIX initiator vs Ballast's path, same "
      "acceptor, loopback TCP\n");
  std::printf(
      "  acceptor: %s; journal: %s; idle strategy: core %s, FIX sender %s (back-off: %u spins, "
      "%u yields, park %lld..%lld us)\n",
      opt.lean ? "lean QuickFIX acceptor (SocketAcceptor, answers inside fromApp)"
               : "broker-sim (ThreadedSocketAcceptor + matching thread, ack latency 0)",
      journal_name(opt.journal), idle_kind_name(opt.idle),
      idle_kind_name(opt.sender_idle.value_or(opt.idle)), opt.back_off.max_spins,
      opt.back_off.max_yields,
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::microseconds>(opt.back_off.min_park).count()),
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::microseconds>(opt.back_off.max_park).count()));
  std::printf(
      "  %zu rounds x per path (latency: %llu round trips, window 1; throughput: %llu round "
      "trips, window %u), each in %llu slices alternating raw and ballast; warm-up %llu; temp "
      "dir %s\n",
      opt.rounds, static_cast<unsigned long long>(opt.lat_orders),
      static_cast<unsigned long long>(opt.tput_orders), opt.window,
      static_cast<unsigned long long>(opt.slices), static_cast<unsigned long long>(opt.warmup),
      dir.c_str());

  ThreadRoles roles;
  roles.mark_before();
  // ---- the acceptor
  std::unique_ptr<fix::BrokerSim> sim;
  std::unique_ptr<benchfix::LeanAcceptor> lean;
  int port = 0;
  if (opt.lean) {
    benchfix::LeanAcceptorConfig lc;
    lc.clients = {"RAW", "BALLAST"};
    lc.store_dir = dir + "/acceptor/store";
    lc.log_dir = dir + "/acceptor/log";
    lc.dictionary = dictionary;
    std::filesystem::create_directories(lc.log_dir);
    lean = benchfix::LeanAcceptor::create(lc, error);
    if (!lean || !lean->start(error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
    port = lean->port();
    roles.mark_after("acceptor (QuickFIX)");
  } else {
    fix::BrokerSimConfig bc;
    bc.sessions = {fix::SimSession{"FIX.4.4", "BROKERSIM", "RAW"},
                   fix::SimSession{"FIX.4.4", "BROKERSIM", "BALLAST"}};
    bc.store_dir = dir + "/acceptor/store";
    bc.log_dir = dir + "/acceptor/log";
    bc.message_log = dir + "/acceptor/messages.log";
    bc.ack_latency_us = 0;
    sim = fix::BrokerSim::create(bc, error);
    if (!sim || !sim->start(error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
    port = sim->port();
    roles.mark_after("acceptor (broker-sim: QuickFIX + matching)");
    fix::TapeEvent te;
    std::snprintf(te.symbol, sizeof te.symbol, "%s", benchfix::kBenchSymbol);
    te.time_ns = LiveClock{}.now().ns;
    te.bid = benchfix::kBenchBid;
    te.ask = benchfix::kBenchAsk;
    te.bid_size = te.ask_size = benchfix::kBenchSize;
    sim->on_tape(te);
  }

  // ---- both initiators
  const std::uint64_t total = 2 * opt.warmup + opt.rounds * (opt.lat_orders + opt.tput_orders) + 16;
  auto ballast = std::make_unique<BallastPath>();
  ballast->roles = &roles;
  if (!ballast->build(dir, port, total, opt, error) || !ballast->start(error)) {
    std::fprintf(stderr, "ballast path: %s\n", error.c_str());
    ballast->stop();
    return 1;
  }
  benchfix::RawInitiatorConfig rc_cfg;
  rc_cfg.port = port;
  rc_cfg.store_dir = dir + "/raw/store";
  rc_cfg.log_dir = dir + "/raw/log";
  rc_cfg.dictionary = dictionary;
  std::filesystem::create_directories(rc_cfg.log_dir);
  auto raw = benchfix::RawInitiator::create(rc_cfg, error);
  roles.mark_before();
  const bool raw_started = raw && raw->start(error);
  roles.mark_after("raw QuickFIX initiator");
  if (!raw_started) {
    std::fprintf(stderr, "%s\n", error.c_str());
    ballast->stop();
    return 1;
  }
  const auto logon_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!(raw->logged_on() && ballast->logged_on())) {
    if (std::chrono::steady_clock::now() > logon_deadline) {
      std::fprintf(stderr, "no logon within 20 s (raw %d, ballast %d)\n", raw->logged_on(),
                   ballast->logged_on());
      raw->stop();
      ballast->stop();
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  // What the process burns while nothing trades (Ballast's parked threads, QuickFIX's timers):
  // it runs under the raw phases too.
  {
    const std::int64_t c0 = process_cpu_ns(), w0 = mono_ns();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::printf(
        "  idle process CPU (everything logged on, nothing trading): %.1f %% of one core\n",
        100.0 * static_cast<double>(process_cpu_ns() - c0) / static_cast<double>(mono_ns() - w0));
  }

  const int timeout_ms = 120'000;
  // CPU by thread role over the measured phases: [raw lat, ballast lat, raw tput, ballast tput].
  std::map<std::string, std::int64_t> role_cpu[4];
  std::uint64_t role_orders[4] = {0, 0, 0, 0};
  bool measuring = false;
  auto account = [&](int k, const std::map<std::string, std::int64_t>& before, std::uint64_t n) {
    if (!measuring) return;
    for (const auto& [role, ns] : roles.snapshot()) {
      const auto it = before.find(role);
      role_cpu[k][role] += ns - (it == before.end() ? 0 : it->second);
    }
    role_orders[k] += n;
  };
  auto run_raw = [&](std::uint64_t n, std::uint32_t w, Side2& out, bool lat) {
    const auto roles0 = roles.snapshot();
    const std::int64_t cpu0 = process_cpu_ns();
    benchfix::RawPhaseResult r = raw->run(n, w, timeout_ms);
    if (!r.ok) {
      error = r.error;
      return false;
    }
    (lat ? out.cpu_lat_ns : out.cpu_tput_ns) += process_cpu_ns() - cpu0;
    account(lat ? 0 : 2, roles0, n);
    if (lat) {
      out.lat_orders += n;
      append(out.rtt, r.rtt_ns);
      append(out.send, r.send_ns);
      append(out.wire, r.wire_ns);
    } else {
      out.tput_orders += n;
      out.tput_elapsed_ns += r.elapsed_ns;
    }
    return true;
  };
  auto run_ballast = [&](std::uint64_t n, std::uint32_t w, Side2& out, bool lat) {
    const auto roles0 = roles.snapshot();
    const std::int64_t cpu0 = process_cpu_ns();
    if (!ballast->run(n, w, timeout_ms, error)) return false;
    (lat ? out.cpu_lat_ns : out.cpu_tput_ns) += process_cpu_ns() - cpu0;
    account(lat ? 1 : 3, roles0, n);
    const PhasePlan& p = ballast->strategy.plan;
    if (lat) {
      out.lat_orders += n;
      append(out.rtt, p.rtt);
      append(out.core_out, p.core_out);
      append(out.hop, p.hop);
      append(out.durable, p.durable);
      append(out.send, p.send);
      append(out.wire, p.wire);
      append(out.in_core, p.in_core);
    } else {
      out.tput_orders += n;
      out.tput_elapsed_ns += p.end_ns - p.start_ns;
    }
    return true;
  };

  std::vector<Round> rounds;
  bool ok = true;
  {
    // A first probe of the acceptor: broker-sim without TCP_NODELAY answers in ~40 ms, which
    // would make the default run last hours; the phases are then cut to a size that ends.
    Side2 scratch;
    ok = run_raw(20, 1, scratch, true);
    scratch.finish();
    if (ok && scratch.lat.p50 > 10e6) {
      std::printf(
          "  note: %.1f ms per round trip: TCP's delayed ACK meets Nagle's algorithm (the acceptor "
          "does not set SocketNodelay, so its second report waits for the ACK of the first); "
          "phases cut to 200 round trips, warm-up off\n",
          scratch.lat.p50 / 1e6);
      opt.lat_orders = std::min<std::uint64_t>(opt.lat_orders, 200);
      opt.tput_orders = std::min<std::uint64_t>(opt.tput_orders, 200);
      opt.warmup = 0;
    }
    if (ok && opt.warmup > 0) {
      ok = run_raw(opt.warmup, 1, scratch, true) && run_ballast(opt.warmup, 1, scratch, true) &&
           run_raw(opt.warmup, opt.window, scratch, false) &&
           run_ballast(opt.warmup, opt.window, scratch, false);
    }
  }
  measuring = true;
  for (std::size_t r = 0; ok && r < opt.rounds; ++r) {
    Round rd;
    // Slices alternate the paths (A B B A A B ...), so a burst of load from elsewhere on the
    // machine lands on both; each round pools its slices.
    auto slices = [&](std::uint64_t total_n, std::uint32_t w, bool lat) {
      const std::uint64_t per = std::max<std::uint64_t>(1, total_n / opt.slices);
      std::uint64_t done = 0;
      for (std::size_t k = 0; ok && done < total_n; ++k) {
        const std::uint64_t n = std::min(per, total_n - done);
        const bool raw_first = ((r + k) % 2) == 0;
        for (int j = 0; ok && j < 2; ++j) {
          ok = ((j == 0) == raw_first) ? run_raw(n, w, rd.raw, lat)
                                       : run_ballast(n, w, rd.ballast, lat);
        }
        done += n;
      }
    };
    slices(opt.lat_orders, 1, true);
    slices(opt.tput_orders, opt.window, false);
    rd.raw.finish();
    rd.ballast.finish();
    if (!ok) break;
    std::printf("\n  round %zu\n", r + 1);
    print_lat("raw", rd.raw.lat);
    print_lat("ballast", rd.ballast.lat);
    std::printf(
        "    added p50 %+.2f us, p99 %+.2f us; throughput (window %u): raw %.0f/s, ballast "
        "%.0f/s = %.1f %%\n",
        (rd.ballast.lat.p50 - rd.raw.lat.p50) / 1e3, (rd.ballast.lat.p99 - rd.raw.lat.p99) / 1e3,
        opt.window, rd.raw.tput, rd.ballast.tput, 100.0 * rd.ballast.tput / rd.raw.tput);
    std::printf(
        "    process CPU per round trip (all threads, acceptor included): latency raw %.1f / "
        "ballast %.1f us, throughput raw %.1f / ballast %.1f us\n",
        rd.raw.cpu_lat() / 1e3, rd.ballast.cpu_lat() / 1e3, rd.raw.cpu_tput() / 1e3,
        rd.ballast.cpu_tput() / 1e3);
    std::printf(
        "    p50 parts, raw:     build+send %.2f | wire+acceptor+QuickFIX in %.2f us\n"
        "    p50 parts, ballast: core out (gate, OM, journal, queue) %.2f | queue hop %.2f | "
        "journal release %.2f | FixOutbound+send %.2f | wire+acceptor+QuickFIX in+bridge+queue "
        "to the core %.2f | core in (journal, monitor, gate, OM fill) %.2f us\n",
        p50_of(rd.raw.send) / 1e3, p50_of(rd.raw.wire) / 1e3, p50_of(rd.ballast.core_out) / 1e3,
        p50_of(rd.ballast.hop) / 1e3, p50_of(rd.ballast.durable) / 1e3,
        p50_of(rd.ballast.send) / 1e3, p50_of(rd.ballast.wire) / 1e3,
        p50_of(rd.ballast.in_core) / 1e3);
    std::fflush(stdout);
    rounds.push_back(std::move(rd));
  }
  if (!ok) {
    std::fprintf(stderr, "phase failed: %s\n", error.c_str());
    rc = 1;
  }

  // ---- shutdown, then the checks that the runs did what they claim
  const std::uint64_t initiator_sent = ballast->kernel->fix_counters().sent.value();
  raw->stop();
  ballast->stop();
  const OrderManagerCounters& omc = ballast->kernel->orders().counters();
  const ComplianceCounters& gc = ballast->kernel->gate().counters();
  const JournalWriterStats* js = ballast->kernel->journal_stats();
  std::uint64_t denied = 0;
  for (auto d : gc.denied) denied += d;
  std::printf(
      "\n  checks: ballast sent %llu orders (initiator), gate passed %llu and denied %llu, order "
      "manager booked %llu fills (%llu duplicates, %llu unknown), journal %s",
      static_cast<unsigned long long>(initiator_sent),
      static_cast<unsigned long long>(gc.submitted), static_cast<unsigned long long>(denied),
      static_cast<unsigned long long>(omc.fills), static_cast<unsigned long long>(omc.duplicates),
      static_cast<unsigned long long>(omc.unknown_orders), js ? "" : "off");
  if (js) {
    std::printf(
        "%llu records, %.1f MB, %llu fdatasyncs%s",
        static_cast<unsigned long long>(js->records.value()),
        static_cast<double>(js->bytes.value()) / 1e6,
        static_cast<unsigned long long>(js->syncs.value()),
        ballast->kernel->journal_status().rfind("JOURNAL FAILED", 0) == 0 ? " (FAILED)" : "");
  }
  {
    const kernel::IntentSenderCounters& sc = ballast->kernel->sender_counters();
    std::printf("; FIX sender: %llu sent, %llu waited for durability, %llu held back",
                static_cast<unsigned long long>(sc.sent.value()),
                static_cast<unsigned long long>(sc.durable_waits.value()),
                static_cast<unsigned long long>(sc.held.value()));
    if (sc.held.value() > 0) rc = 1;
  }
  {
    // The book must hold exactly what the fills say: every order's fill booked once.
    __int128 pos = Qty::from_units(1'000'000).raw;
    __int128 cash_e15 = static_cast<__int128>(Money::from_units(100'000'000).raw) * 1'000'000'000;
    for (std::uint64_t i = 1; i <= ballast->strategy.orders_done(); ++i) {
      const benchfix::BenchOrder o = benchfix::bench_order(i);
      const __int128 notional = static_cast<__int128>(o.qty) * o.price;
      pos += o.side == '1' ? o.qty : -o.qty;
      cash_e15 += o.side == '1' ? -notional : notional;
    }
    const Qty got_pos = ballast->kernel->book().position(AccountId{0}, InstrumentId{0});
    const Money got_cash = ballast->kernel->book().cash(AccountId{0});
    const bool book_ok =
        got_pos.raw == pos && static_cast<__int128>(got_cash.raw) * 1'000'000'000 == cash_e15;
    std::printf("; book after %llu orders: position %s, cash %s: %s",
                static_cast<unsigned long long>(ballast->strategy.orders_done()),
                got_pos.to_string().c_str(), got_cash.to_string().c_str(),
                book_ok ? "as the fills say" : "MISMATCH with the fills sent");
    if (!book_ok) rc = 1;
  }
  if (sim) {
    sim->stop();
    const fix::BrokerSimCounters sc = sim->counters();
    std::printf("; broker-sim: %llu orders, %llu fills\n",
                static_cast<unsigned long long>(sc.orders),
                static_cast<unsigned long long>(sc.fills));
  } else {
    lean->stop();
    std::printf("; lean acceptor: %llu orders\n", static_cast<unsigned long long>(lean->orders()));
  }

  if (role_orders[0] > 0 && role_orders[1] > 0 && role_orders[2] > 0 && role_orders[3] > 0) {
    std::printf(
        "\n  CPU per round trip by thread, us (schedstat, all measured phases): the threads of the "
        "path not measured are idle then\n    %-44s %10s %10s %10s %10s\n",
        "thread", "raw lat", "ballast lat", "raw tput", "ballast tput");
    std::map<std::string, int> names;
    for (const auto& m : role_cpu)
      for (const auto& [role, ns] : m) names[role] = 1;
    double tot[4] = {0, 0, 0, 0};
    for (const auto& [role, one] : names) {
      (void)one;
      std::printf("    %-44s", role.c_str());
      for (int k = 0; k < 4; ++k) {
        const auto it = role_cpu[k].find(role);
        const double v = it == role_cpu[k].end() ? 0.0
                                                 : static_cast<double>(it->second) /
                                                       static_cast<double>(role_orders[k]) / 1e3;
        tot[k] += v;
        std::printf(" %10.2f", v);
      }
      std::printf("\n");
    }
    std::printf("    %-44s %10.2f %10.2f %10.2f %10.2f\n", "all", tot[0], tot[1], tot[2], tot[3]);
  }

  if (!rounds.empty()) {
    std::vector<double> raw50, bal50, added50, added99, raw99, bal99, raw999, bal999, rtp, btp,
        ratio, rcpu, bcpu;
    for (const Round& r : rounds) {
      raw50.push_back(r.raw.lat.p50);
      bal50.push_back(r.ballast.lat.p50);
      raw99.push_back(r.raw.lat.p99);
      bal99.push_back(r.ballast.lat.p99);
      raw999.push_back(r.raw.lat.p999);
      bal999.push_back(r.ballast.lat.p999);
      added50.push_back(r.ballast.lat.p50 - r.raw.lat.p50);
      added99.push_back(r.ballast.lat.p99 - r.raw.lat.p99);
      rtp.push_back(r.raw.tput);
      btp.push_back(r.ballast.tput);
      ratio.push_back(r.ballast.tput / r.raw.tput);
      rcpu.push_back(r.raw.cpu_tput());
      bcpu.push_back(r.ballast.cpu_tput());
    }
    const double add50 = median(added50), rat = median(ratio);
    std::printf("\n  median of %zu rounds            raw      ballast    added\n", rounds.size());
    std::printf("    latency p50   (us)   %10.2f  %10.2f  %+8.2f\n", median(raw50) / 1e3,
                median(bal50) / 1e3, add50 / 1e3);
    std::printf("    latency p99   (us)   %10.2f  %10.2f  %+8.2f\n", median(raw99) / 1e3,
                median(bal99) / 1e3, median(added99) / 1e3);
    std::printf("    latency p99.9 (us)   %10.2f  %10.2f\n", median(raw999) / 1e3,
                median(bal999) / 1e3);
    std::printf("    throughput (rt/s)    %10.0f  %10.0f  ballast/raw %.1f %%\n", median(rtp),
                median(btp), 100.0 * rat);
    std::printf(
        "    CPU per round trip (us, throughput phase, whole process) %7.1f  %10.1f  %+8.1f\n",
        median(rcpu) / 1e3, median(bcpu) / 1e3, (median(bcpu) - median(rcpu)) / 1e3);
    const bool tput_ok = rat >= 0.90, lat_ok = add50 <= 5'000.0;
    std::printf("  target: throughput >= 90 %% of raw: %s (%.1f %%)\n", tput_ok ? "PASS" : "MISS",
                100.0 * rat);
    std::printf("  target: median added latency <= 5 us: %s (%+.2f us)\n", lat_ok ? "PASS" : "MISS",
                add50 / 1e3);
    gate_rate_diagnostic();
    if (!opt.json.empty()) {
      if (FILE* f = std::fopen(opt.json.c_str(), "w")) {
        std::fprintf(f,
                     "{\"acceptor\": \"%s\", \"journal\": \"%s\", \"idle\": \"%s\", "
                     "\"sender_idle\": \"%s\", \"rounds\": "
                     "%zu, \"latency_orders\": %llu, \"throughput_orders\": %llu, \"window\": %u, "
                     "\"raw_p50_ns\": %.0f, \"ballast_p50_ns\": %.0f, \"added_p50_ns\": %.0f, "
                     "\"raw_p99_ns\": %.0f, \"ballast_p99_ns\": %.0f, \"raw_p999_ns\": %.0f, "
                     "\"ballast_p999_ns\": %.0f, \"raw_rt_per_s\": %.0f, \"ballast_rt_per_s\": "
                     "%.0f, \"throughput_ratio\": %.4f, \"throughput_met\": %s, "
                     "\"latency_met\": %s}\n",
                     opt.lean ? "lean" : "sim",
                     opt.journal == JournalMode::kHandoff ? "handoff"
                     : opt.journal == JournalMode::kGroup ? "group"
                     : opt.journal == JournalMode::kOff   ? "off"
                                                          : "per_event",
                     idle_kind_name(opt.idle), idle_kind_name(opt.sender_idle.value_or(opt.idle)),
                     rounds.size(), static_cast<unsigned long long>(opt.lat_orders),
                     static_cast<unsigned long long>(opt.tput_orders), opt.window, median(raw50),
                     median(bal50), add50, median(raw99), median(bal99), median(raw999),
                     median(bal999), median(rtp), median(btp), rat, tput_ok ? "true" : "false",
                     lat_ok ? "true" : "false");
        std::fclose(f);
      }
    }
  }

  return rc;
}
