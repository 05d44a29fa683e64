#include "demo_command.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "ballast/adapters/fix_bridge.hpp"
#include "ballast/adapters/market_data_daily.hpp"
#include "ballast/adapters/replay_pacer.hpp"
#include "ballast/adapters/tape_file.hpp"
#include "ballast/config/config.hpp"
#include "ballast/core/exchange_time.hpp"
#include "ballast/fix/broker_sim.hpp"
#include "ballast/fix/fix_decimal.hpp"
#include "ballast/fix/free_port.hpp"
#include "ballast/kernel/kernel.hpp"
#include "ballast/kernel/market_context.hpp"
#include "run_summary.hpp"

#ifndef BALLAST_DATA_DIR
#define BALLAST_DATA_DIR "data"
#endif

namespace ballast::tools {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

/// The demo desk: instruments, three models, triggers, execution and compliance settings. The
/// accounts are generated (drifted starting weights) and the FIX port is chosen at run time.
constexpr const char* kDemoYaml = R"(version: 1
engine:
  idle_strategy: back_off
instruments:
  - {symbol: AAPL, tick_size: 0.01, lot_size: 1, currency: USD, asset_class: equity}
  - {symbol: AMZN, tick_size: 0.01, lot_size: 1, currency: USD, asset_class: equity}
  - {symbol: GOOG, tick_size: 0.01, lot_size: 1, currency: USD, asset_class: equity}
triggers:
  combine: any
  absolute: {band: 0.03}
  cash_flow: {nav_share: 0.02}
  cool_down: 30m
  rearm_fraction: 0.8
  trading_hours: {start: "09:35", end: "15:55"}
  cost_benefit: {enabled: false}
models:
  - id: growth
    name: "Growth"
    weights: {AAPL: 0.40, AMZN: 0.25, GOOG: 0.30}
    cash_buffer: 0.05
  - id: balanced
    name: "Balanced"
    weights: {AAPL: 0.30, AMZN: 0.20, GOOG: 0.20}
    cash_buffer: 0.30
  - id: conservative
    name: "Conservative"
    weights: {AAPL: 0.20, AMZN: 0.10, GOOG: 0.15}
    cash_buffer: 0.55
market_data_quality:
  stale_after: 30m
  max_move_bps: 1000
  mark: mid
optimizer:
  mode: full
  turnover_cap: 1.0
  long_only: true
  min_trade_value: 200.00
  risk_model: {estimator: ledoit_wolf, lookback_days: 200}
execution:
  algo: twap
  horizon: 20m
  interval: 5m
  jitter: {fraction: 0.1, seed: 7}
  limit: {policy: mid}
  min_child_qty: 1
  on_horizon_end: cross
  participation_cap: 1.0
compliance:
  max_order_qty: 100000
  max_order_notional: 5000000.00
  daily_gross_notional_limit: 2000000000.00
  price_collar_bps: 300
  reference_stale_after: 30m
  # No volume history before 2012-06-21 ships with the demo (only the day it trades, which
  # would be look-ahead): the ADV rule is off. A desk gives market_data.adv instead.
  max_adv_share: off
  max_open_orders_per_instrument: 5
  max_orders_per_second: 20000
  kill_switch:
    reject_storm_count: 100000
    reject_storm_window: 10s
    order_rate_runaway: 100000
fix:
  sessions:
    - name: broker-sim
      fix_version: FIX.4.4
      host: 127.0.0.1
      port: 9878
      sender_comp_id: BALLAST
      target_comp_id: BROKERSIM
      heartbeat_s: 5
      store_dir: var/demo/fix/store
      log_dir: var/demo/fix/log
      reconnect: {min_backoff: 200ms, max_backoff: 2s}
      on_disconnect: requery
market_data:
  sources:
    - name: broker-sim-md
      kind: fix
      session: broker-sim
journal:
  dir: var/demo/journal
logging:
  level: warn
  console: true
)";

fs::path data_file(const std::string& given, const char* shipped) {
  if (!given.empty()) return given;
  fs::path local = fs::path("data") / shipped;
  if (fs::exists(local)) return local;
  return fs::path(BALLAST_DATA_DIR) / shipped;
}

std::string local_hms(Timestamp t, std::chrono::minutes offset) {
  const std::int64_t sec = t.ns / 1'000'000'000 + offset.count() * 60;
  std::int64_t day = ((sec % 86400) + 86400) % 86400;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", static_cast<int>(day / 3600),
                static_cast<int>(day / 60 % 60), static_cast<int>(day % 60));
  return buf;
}

/// Prefix sums of one symbol's tape prints, for interval VWAPs.
struct Prints {
  std::vector<std::int64_t> time;
  std::vector<long double> px_qty;  // cumulative price x size
  std::vector<long double> qty;     // cumulative size
  void add(std::int64_t t, double px, double q) {
    time.push_back(t);
    px_qty.push_back((px_qty.empty() ? 0.0L : px_qty.back()) + static_cast<long double>(px) * q);
    qty.push_back((qty.empty() ? 0.0L : qty.back()) + q);
  }
  /// VWAP of prints in [from, to]; 0 when none.
  double vwap(std::int64_t from, std::int64_t to) const {
    const auto lo = std::lower_bound(time.begin(), time.end(), from) - time.begin();
    const auto hi = std::upper_bound(time.begin(), time.end(), to) - time.begin();
    if (hi <= lo) return 0;
    const long double pq = px_qty[static_cast<std::size_t>(hi - 1)] -
                           (lo > 0 ? px_qty[static_cast<std::size_t>(lo - 1)] : 0.0L);
    const long double q = qty[static_cast<std::size_t>(hi - 1)] -
                          (lo > 0 ? qty[static_cast<std::size_t>(lo - 1)] : 0.0L);
    return q > 0 ? static_cast<double>(pq / q) : 0.0;
  }
};

/// One field of a '|'-delimited FIX message in a broker-sim message-log line ("" when absent).
std::string_view field(std::string_view msg, std::string_view tag_eq) {
  std::size_t pos = 0;
  while (pos < msg.size()) {
    const std::size_t end = msg.find('|', pos);
    const std::string_view f =
        msg.substr(pos, end == std::string_view::npos ? msg.npos : end - pos);
    if (f.substr(0, tag_eq.size()) == tag_eq) return f.substr(tag_eq.size());
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return {};
}

/// The tape, read once into memory (the summary needs its prints too), as an EventReader.
class VectorReader final : public EventReader {
 public:
  VectorReader(const std::vector<Event>& events, std::size_t from) : events_(events), i_(from) {}
  std::optional<Event> next() override {
    if (i_ >= events_.size()) return std::nullopt;
    return events_[i_++];
  }
  std::string position() const override { return "event " + std::to_string(i_); }

 private:
  const std::vector<Event>& events_;
  std::size_t i_;
};

struct LogRecon {
  std::map<std::pair<std::string, std::string>, std::int64_t>
      positions;  // (account, symbol) -> qty raw
  std::uint64_t fills = 0, new_orders = 0, duplicate_cl_ord_ids = 0;
  std::string error;
};

/// Reads broker-sim's message log: every distinct fill it sent (ExecID de-duplicates resends) and
/// every NewOrderSingle it received.
LogRecon read_message_log(const std::string& path) {
  LogRecon r;
  std::ifstream in(path);
  if (!in) {
    r.error = "cannot open broker-sim's message log " + path;
    return r;
  }
  std::unordered_set<std::string> exec_ids, cl_ord_ids;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string t, dir, session;
    ls >> t >> dir >> session;
    std::string msg;
    std::getline(ls, msg);
    const std::string_view m(msg);
    const std::string_view type = field(m, "35=");
    if (dir == "IN" && type == "D" && field(m, "43=") != "Y") {
      ++r.new_orders;
      if (!cl_ord_ids.insert(std::string(field(m, "11="))).second) ++r.duplicate_cl_ord_ids;
    }
    if (dir != "OUT" || type != "8") continue;
    const std::string_view last = field(m, "32=");
    if (last.empty()) continue;
    std::int64_t q = 0;
    if (!fix::parse_decimal(std::string(last), 6, q) || q <= 0) continue;
    if (!exec_ids.insert(std::string(field(m, "17="))).second) continue;
    ++r.fills;
    const bool buy = field(m, "54=") == "1";
    r.positions[{std::string(field(m, "1=")), std::string(field(m, "55="))}] += buy ? q : -q;
  }
  return r;
}

}  // namespace

namespace {

/// Everything the demo derives from its options, deterministically: the desk, the tape, the
/// risk model. A restart (crash recovery) or `ballast replay` rebuilds exactly this.
struct DemoSetup {
  config::Settings s;
  std::vector<Event> tape;
  std::vector<Price> first_mid;
  std::vector<Prints> prints;
  std::chrono::minutes offset{0};
  kernel::MarketContext market;
  std::string tape_path, closes_path;
};

}  // namespace

LoggingConfig demo_logging() {
  auto loaded = config::load_string(kDemoYaml, "embedded demo configuration");
  return loaded.settings ? loaded.settings->logging : LoggingConfig{};
}

namespace {

Result<DemoSetup> build_setup(const DemoOptions& opt, int port) {
  DemoSetup d;
  auto loaded = config::load_string(kDemoYaml, "embedded demo configuration");
  if (!loaded.ok()) {
    std::string why = "the embedded configuration is invalid (a build problem)";
    for (const auto& diag : loaded.diagnostics) why += "\n" + config::format(diag);
    return Error(why);
  }
  d.s = std::move(*loaded.settings);
  config::Settings& s = d.s;
  const fs::path dir = opt.dir;
  auto& fsess = s.fix.sessions.at(0);
  fsess.port = port;
  fsess.fix_version = opt.fix_version == "FIX.4.2" ? FixVersion::kFix42 : FixVersion::kFix44;
  fsess.store_dir = (dir / "fix/store").string();
  fsess.log_dir = (dir / "fix/log").string();
  s.journal.dir = (dir / "journal").string();

  // -- the recorded day
  const fs::path tape_path =
      data_file(opt.tape, "intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv");
  d.tape_path = fs::absolute(tape_path).lexically_normal().string();
  auto reader = TapeFileReader::open(tape_path.string(), s.instruments);
  if (!reader) return reader.error();
  d.tape.reserve(200'000);
  const std::size_t n = s.instruments.size();
  d.first_mid.assign(n, Price{});
  d.prints.assign(n, Prints{});
  d.offset = reader.value().session().utc_offset;
  const std::int64_t midnight_utc = reader.value().session().to_utc(0).ns;
  while (auto e = reader.value().next()) {
    if (opt.end_seconds > 0 &&
        header(*e).event_time.ns - midnight_utc >= std::int64_t{opt.end_seconds} * 1'000'000'000) {
      break;
    }
    if (const auto* q = std::get_if<QuoteUpdated>(&*e)) {
      auto& fm = d.first_mid[q->instrument.value];
      if (fm.raw == 0 && q->bid.raw > 0 && q->ask.raw > 0)
        fm = Price::from_raw((q->bid.raw + q->ask.raw) / 2);
    } else if (const auto* t = std::get_if<TradePrinted>(&*e)) {
      d.prints[t->instrument.value].add(t->hdr.event_time.ns, t->price.to_double(),
                                        t->size.to_double());
    }
    d.tape.push_back(*e);
  }
  if (const Error* e = reader.value().error()) return *e;
  for (std::size_t i = 0; i < n; ++i) {
    if (d.first_mid[i].raw == 0) {
      return Error("the tape " + tape_path.string() + " has no two-sided quote for " +
                   s.instruments[InstrumentId{static_cast<std::uint32_t>(i)}].symbol);
    }
  }

  // -- the market context: the risk model from the daily closes before the traded day
  const fs::path closes_path =
      data_file(opt.closes, "daily/pyportfolioopt_closes_2011-06-01_2012-06-20.csv");
  d.closes_path = fs::absolute(closes_path).lexically_normal().string();
  kernel::MarketContextInputs in;
  in.closes_path = closes_path.string();
  in.session_date = reader.value().session().date;
  in.closes_where = closes_path.string() + ": ";
  auto ctx = kernel::load_market_context(s, in);
  if (!ctx) return ctx.error();
  d.market = std::move(ctx.value());

  // -- the desk: accounts with drifted starting weights
  std::mt19937_64 rng(opt.seed);
  std::uniform_real_distribution<double> nav_dist(100'000.0, 1'000'000.0);
  std::uniform_real_distribution<double> noise(-0.07, 0.07);
  for (const ModelConfig& model : s.models) {
    for (int k = 0; k < opt.accounts_per_model; ++k) {
      AccountConfig a;
      char id[48];
      std::snprintf(id, sizeof id, "%s-%04d", model.id.c_str(), k + 1);
      a.id = id;
      a.name = id;
      a.model = model.id;
      a.triggers = model.triggers;
      const double nav = std::round(nav_dist(rng));
      std::vector<double> w(n, 0.0);
      double invested = 0;
      for (const TargetWeight& t : model.weights) {
        const auto i = s.instruments.find(t.symbol).value;
        w[i] = std::max(0.0, t.weight + noise(rng));
        invested += w[i];
      }
      if (invested > 0.97) {
        for (double& x : w) x *= 0.97 / invested;
      }
      std::int64_t cash_cents = static_cast<std::int64_t>(nav * 100);
      for (std::uint32_t i = 0; i < n; ++i) {
        const double px = d.first_mid[i].to_double();
        const auto shares = static_cast<std::int64_t>(std::floor(w[i] * nav / px));
        if (shares <= 0) continue;
        a.positions.push_back({s.instruments[InstrumentId{i}].symbol, Qty::from_units(shares)});
        cash_cents -=
            static_cast<std::int64_t>(std::llround(static_cast<double>(shares) * px * 100));
      }
      a.cash = Money::from_raw(cash_cents * (Money::kScale / 100));
      s.accounts.push_back(std::move(a));
    }
  }
  if (const auto v = config::validate(s); !v.empty()) {
    return Error("generated desk is invalid: " + v.front().path + ": " + v.front().message);
  }
  return d;
}

kernel::KernelOptions runtime_options(const DemoSetup& d, const DemoOptions& opt) {
  kernel::KernelOptions ropt;
  ropt.market_clock = true;
  ropt.market_clock_speed = opt.speed;  // 0: full speed
  ropt.market = d.market;
  return ropt;
}

}  // namespace

Manifest demo_manifest(const DemoOptions& opt) {
  Manifest m;
  m.values["kind"] = "demo";
  m.values["accounts_per_model"] = std::to_string(opt.accounts_per_model);
  m.values["seed"] = std::to_string(opt.seed);
  m.values["fix_version"] = opt.fix_version;
  m.values["end_seconds"] = std::to_string(opt.end_seconds);
  // The engine's wait for unanswered cancels/replaces is scaled by it (runtime_options).
  m.values["speed"] = std::to_string(opt.speed);
  m.values["tape"] =
      fs::absolute(data_file(opt.tape, "intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv"))
          .lexically_normal()
          .string();
  m.values["closes"] =
      fs::absolute(data_file(opt.closes, "daily/pyportfolioopt_closes_2011-06-01_2012-06-20.csv"))
          .lexically_normal()
          .string();
  return m;
}

Result<DemoOptions> demo_options_from(const Manifest& m) {
  if (m.get("kind") != "demo") return Error("manifest kind is '" + m.get("kind") + "', not demo");
  DemoOptions o;
  try {
    o.accounts_per_model = std::stoi(m.get("accounts_per_model"));
    o.seed = std::stoull(m.get("seed"));
    o.end_seconds = std::stoi(m.get("end_seconds"));
    o.speed = std::stod(m.get("speed"));
  } catch (const std::exception&) {
    return Error(
        "manifest: accounts_per_model, seed and end_seconds must be integers and speed a "
        "number");
  }
  o.fix_version = m.get("fix_version");
  o.tape = m.get("tape");
  o.closes = m.get("closes");
  return o;
}

Result<std::unique_ptr<kernel::Kernel>> demo_engine(const DemoOptions& opt, bool offline) {
  auto d = build_setup(opt, opt.port > 0 ? opt.port : 1);
  if (!d) return d.error();
  kernel::KernelOptions ropt = runtime_options(d.value(), opt);
  ropt.offline = offline;
  return kernel::Kernel::create(d.value().s, std::move(ropt));
}

namespace {

std::atomic<bool> g_term{false};
extern "C" void on_term(int) {
  g_term.store(true);
}

fix::BrokerSimConfig sim_config(const DemoOptions& opt, const config::Settings& s, int port) {
  const auto& fsess = s.fix.sessions.at(0);
  const fs::path dir = opt.dir;
  fix::BrokerSimConfig sc;
  sc.port = port;
  sc.sessions.push_back({to_string(fsess.fix_version), fsess.target_comp_id, fsess.sender_comp_id});
  sc.heartbeat_s = fsess.heartbeat_s;
  sc.store_dir = (dir / "broker-sim/store").string();
  sc.log_dir = (dir / "broker-sim/log").string();
  sc.message_log = (dir / "broker-sim/messages.log").string();
  sc.ack_latency_us = opt.ack_latency_us;
  sc.reject_rate = opt.reject_rate;
  sc.disconnect_after_orders = opt.disconnect_after_orders;
  sc.seed = opt.seed;
  return sc;
}

/// Feeds the tape up to every symbol's first quote to broker-sim; returns where it stopped.
std::size_t prime_opening_book(const std::vector<Event>& tape, const InstrumentTable& ins,
                               fix::BrokerSim& sim) {
  std::size_t opening = 0;
  std::vector<bool> quoted(ins.size(), false);
  std::size_t missing = ins.size();
  for (; opening < tape.size() && missing > 0; ++opening) {
    fix::TapeEvent te;
    if (!to_tape_event(tape[opening], ins, te)) continue;
    sim.on_tape(te);
    if (const auto* q = std::get_if<QuoteUpdated>(&tape[opening]);
        q && !quoted[q->instrument.value]) {
      quoted[q->instrument.value] = true;
      --missing;
    }
  }
  return opening;
}

/// Compares Ballast's book with broker-sim's message log (the ground truth): what each account
/// traded per symbol, distinct fills, duplicate ClOrdIDs. False when the log cannot be read.
bool reconcile(const kernel::Kernel& eng, const config::Settings& s, DemoResult& res,
               std::ostream& out, std::ostream& err) {
  const auto& book = eng.book();
  const auto& ins = eng.instruments();
  const auto n = static_cast<std::uint32_t>(ins.size());
  const LogRecon recon = read_message_log(res.message_log);
  if (!recon.error.empty()) {
    err << recon.error << "\n";
    return false;
  }
  res.log_fills = recon.fills;
  res.duplicate_cl_ord_ids = recon.duplicate_cl_ord_ids;
  res.reconciled_fills = eng.orders().counters().reconciled_fills;
  for (std::size_t a = 0; a < eng.accounts().size(); ++a) {
    const AccountId id = eng.accounts()[a];
    for (std::uint32_t i = 0; i < n; ++i) {
      std::int64_t start = 0;
      for (const auto& p : s.accounts[a].positions) {
        if (p.symbol == ins[InstrumentId{i}].symbol) start = p.qty.raw;
      }
      const std::int64_t traded = book.position(id, InstrumentId{i}).raw - start;
      const auto it = recon.positions.find({book.account_key(id), ins[InstrumentId{i}].symbol});
      const std::int64_t sim_traded = it == recon.positions.end() ? 0 : it->second;
      ++res.positions_checked;
      if (traded != sim_traded) {
        if (res.position_mismatches < 5) {
          err << "position mismatch " << book.account_key(id) << " " << ins[InstrumentId{i}].symbol
              << ": Ballast traded " << Qty::from_raw(traded).to_string() << ", broker-sim filled "
              << Qty::from_raw(sim_traded).to_string() << "\n";
        }
        ++res.position_mismatches;
      }
    }
  }
  out << "Reconciliation: " << thousands(res.positions_checked) << " positions, "
      << thousands(recon.fills) << " fills in broker-sim's message log, "
      << (res.position_mismatches == 0 ? std::string("all equal to Ballast's book")
                                       : thousands(res.position_mismatches) + " MISMATCHES")
      << "; duplicate ClOrdIDs: " << res.duplicate_cl_ord_ids;
  if (res.reconciled_fills > 0) {
    out << "; " << res.reconciled_fills << " fills learned from status reports after a restart";
  }
  out << "\n";
  return true;
}

DemoResult run_demo_all(const DemoOptions& opt, std::ostream& out, std::ostream& err) {
  DemoResult res;
  const auto wall_start = Clock::now();
  auto fail = [&](const std::string& why) {
    err << "ballast demo: " << why << "\n";
    res.exit_code = 1;
    return res;
  };

  const fs::path dir = opt.dir;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) return fail("cannot create " + dir.string() + ": " + ec.message());
  std::string port_error;
  const int port = fix::pick_free_port(port_error);
  if (port == 0) return fail("no free TCP port for broker-sim: " + port_error);
  auto setup = build_setup(opt, port);
  if (!setup) return fail(setup.error().message);
  DemoSetup& d = setup.value();
  config::Settings& s = d.s;
  auto& fsess = s.fix.sessions.at(0);
  const std::vector<Event>& tape = d.tape;
  const std::size_t n = s.instruments.size();
  const auto offset = d.offset;
  if (auto st = check_manifest(s.journal.dir, demo_manifest(opt)); !st) {
    return fail(st.error().message);
  }

  // -- broker-sim ---------------------------------------------------------------------------------
  const fix::BrokerSimConfig sc = sim_config(opt, s, port);
  res.message_log = sc.message_log;
  std::string error;
  auto sim = fix::BrokerSim::create(sc, error);
  if (!sim) return fail("broker-sim: " + error);
  if (!sim->start(error)) return fail("broker-sim: " + error);
  // The opening book: the tape up to every symbol's first quote goes to broker-sim before the
  // engine logs on, so its market-data subscription gets a snapshot.
  const std::size_t opening = prime_opening_book(tape, s.instruments, *sim);

  // -- the engine
  // -----------------------------------------------------------------------------------
  kernel::KernelOptions ropt = runtime_options(d, opt);
  ropt.journal_io = opt.journal_io;
  ropt.before_journal_write = [&] {
    return check_or_write_manifest(s.journal.dir, demo_manifest(opt));
  };
  auto engine = kernel::Kernel::create(s, std::move(ropt));
  if (!engine) {
    sim->stop();
    return fail(engine.error().message);
  }
  kernel::Kernel& eng = *engine.value();
  if (auto st = eng.start(); !st) {
    sim->stop();
    return fail(st.error().message);
  }
  // Logon and the market-data subscription before the first tick.
  const auto logon_deadline = Clock::now() + std::chrono::seconds(15);
  while ((eng.live().sessions_up.load() == 0 || sim->counters().md_subscriptions == 0) &&
         Clock::now() < logon_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (eng.live().sessions_up.load() == 0 || sim->counters().md_subscriptions == 0) {
    const std::string why = eng.session_status(0);
    eng.stop();
    sim->stop();
    return fail("the engine did not log on to broker-sim within 15 s" +
                (why.empty() ? std::string() : ": " + why));
  }

  // -- replay
  // ---------------------------------------------------------------------------------------
  const bool tty = opt.progress && ::isatty(STDERR_FILENO) != 0;
  auto progress_line = [&](std::int64_t tape_ns, double rate) {
    const auto& l = eng.live();
    std::ostringstream p;
    p << "[demo] " << local_hms(Timestamp{tape_ns}, offset) << " ET  " << std::setw(7)
      << thousands(static_cast<std::uint64_t>(rate)) << " ev/s  triggers "
      << thousands(l.triggers.load()) << "  orders " << thousands(l.children.load()) << "  fills "
      << thousands(l.fills.load()) << "  denials " << thousands(l.denials.load()) << "  working "
      << thousands(l.working.load());
    return p.str();
  };
  const auto replay_start = Clock::now();
  auto last_progress = replay_start;
  std::uint64_t last_count = 0;
  std::uint64_t k = 0;
  auto schedule = opt.speed > 0 ? ReplaySchedule::make(ReplayPace::kSpeed, opt.speed)
                                : Result<ReplaySchedule>(ReplaySchedule::fast());
  if (!schedule) {
    eng.stop();
    sim->stop();
    return fail("--speed: " + schedule.error().message);
  }
  SteadyReplayClock replay_clock;
  ReplayPacer pacer(schedule.value(), replay_clock);
  VectorReader tape_reader(tape, opening);
  pacer.run(tape_reader, [&](const Event& e) {
    const std::int64_t t = header(e).event_time.ns;
    fix::TapeEvent te;
    if (!to_tape_event(e, s.instruments, te)) return;
    sim->on_tape(te);
    ++k;
    const auto now = Clock::now();
    if (opt.progress && now - last_progress >= std::chrono::milliseconds(tty ? 250 : 5000)) {
      const double secs = std::chrono::duration<double>(now - last_progress).count();
      const double rate = static_cast<double>(k - last_count) / secs;
      err << (tty ? "\r" : "") << progress_line(t, rate) << (tty ? "\033[K" : "\n") << std::flush;
      last_progress = now;
      last_count = k;
    }
  });
  // The session is over once the engine has taken in the whole tape (its market clock at the
  // last print's time, to the millisecond the FIX timestamps carry), however far its core lags:
  // then cancel what is still working (the kill switch cancels every working child and blocks
  // new ones) and wait for broker-sim's answers. So the kill switch comes after every market-data
  // input and every timer, and a FIX log of the demo replays exactly (docs/journal.md).
  // (Market data lost in a session drop never arrives: the wait also ends when the core has taken
  // nothing in for 10 s.)
  const std::int64_t tape_end_ns = header(tape.back()).event_time.ns / 1'000'000 * 1'000'000;
  std::uint64_t seen_inputs = eng.live().inputs.load();
  auto progress_at = Clock::now();
  while (eng.live().engine_time_ns.load() < tape_end_ns &&
         Clock::now() - progress_at < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (const std::uint64_t n = eng.live().inputs.load(); n != seen_inputs) {
      seen_inputs = n;
      progress_at = Clock::now();
    }
  }
  const std::uint64_t working_at_close = eng.live().working.load();
  eng.control(ControlAction::kKillSwitchOn);
  const auto settle_deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < settle_deadline && eng.live().working.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // late fills racing the cancels
  if (opt.progress) {
    err << (tty ? "\r" : "") << progress_line(header(tape.back()).event_time.ns, 0)
        << (tty ? "\033[K\n" : "\n") << std::flush;
  }
  eng.stop();
  sim->stop();
  res.seconds = std::chrono::duration<double>(Clock::now() - wall_start).count();

  // -- summary
  // --------------------------------------------------------------------------------------
  const auto& book = eng.book();
  const auto& ins = eng.instruments();
  const Timestamp end_time{eng.live().engine_time_ns.load()};
  // Now: from the drift monitor (shared with `ballast run`); before: the starting weights at the
  // opening mids (what the accounts were built from).
  std::vector<ModelDrift> md = drift_now(eng, end_time);
  const double band = s.triggers.absolute.band;
  for (std::size_t a = 0; a < eng.accounts().size(); ++a) {
    const AccountId id = eng.accounts()[a];
    const std::size_t m = book.model_of(id).value;
    const ModelConfig& model = s.models[m];
    double before = 0, cash_w = 1.0;
    const auto& acct = s.accounts[a];
    double navs = acct.cash.to_double();
    std::vector<double> val(n, 0.0);
    for (const auto& p : acct.positions) {
      const auto i = ins.find(p.symbol).value;
      val[i] = p.qty.to_double() * d.first_mid[i].to_double();
      navs += val[i];
    }
    for (std::size_t i = 0; i < n; ++i) {
      double target = 0;
      for (const auto& t : model.weights) {
        if (ins.find(t.symbol).value == i) target = t.weight;
      }
      before = std::max(before, std::abs(val[i] / navs - target));
      cash_w -= val[i] / navs;
    }
    before = std::max(before, std::abs(cash_w - model.cash_buffer));
    auto& dm = md[m];
    dm.sum_before += before;
    dm.worst_before = std::max(dm.worst_before, before);
    if (before > band) ++dm.out_before;
  }
  const auto& l = eng.live();
  res.accounts = eng.accounts().size();
  res.parents = l.parents.load();
  res.children = l.children.load();
  res.fills = l.fills.load();
  res.denials = l.denials.load();
  res.rejects = l.rejects.load();
  res.still_working = l.working.load();
  res.sim_disconnects = sim->counters().disconnects;
  res.logons = eng.fix_counters().logons;
  for (const auto& d : md) {
    res.accounts_outside_band_before += d.out_before;
    res.accounts_outside_band_after += d.out_after;
  }

  out << "\nBallast demo: NASDAQ 2012-06-21 (AAPL, AMZN, GOOG), " << s.models.size() << " models x "
      << opt.accounts_per_model << " accounts, replayed at "
      << (opt.speed > 0 ? std::to_string(static_cast<int>(opt.speed)) + "x"
                        : std::string("full speed"))
      << " over " << to_string(fsess.fix_version) << " on 127.0.0.1:" << port << "\n\n";
  print_drift(eng, md, true, out);
  out << "\n";
  print_orders(eng, out,
               std::to_string(working_at_close) +
                   " children working at the end of the tape, cancelled; " +
                   std::to_string(res.still_working) + " left working");
  print_denials(eng, out);
  print_fix_sessions(eng, out);
  // Slippage, notional-weighted, positive = cost.
  long double w_arr = 0, w_vwap = 0, wn = 0, wn_vwap = 0;
  for (const kernel::ParentRecord& p : eng.parents()) {
    if (p.filled.raw <= 0) continue;
    const double avg =
        static_cast<double>(p.notional_e15) / static_cast<double>(p.filled.raw) / 1e9;
    const double notional = avg * p.filled.to_double();
    const double sign = p.side == Side::kBuy ? 1.0 : -1.0;
    const double arr = p.arrival.to_double();
    if (arr > 0) {
      w_arr += notional * sign * (avg - arr) / arr * 1e4;
      wn += notional;
    }
    const double vw = d.prints[p.instrument.value].vwap(p.start.ns, p.last_fill.ns);
    if (vw > 0) {
      w_vwap += notional * sign * (avg - vw) / vw * 1e4;
      wn_vwap += notional;
    }
  }
  out << std::setprecision(2) << "Slippage (notional-weighted, bps, + = cost): vs arrival "
      << (wn > 0 ? static_cast<double>(w_arr / wn) : 0.0) << ", vs interval VWAP "
      << (wn_vwap > 0 ? static_cast<double>(w_vwap / wn_vwap) : 0.0) << "\n";

  if (!reconcile(eng, s, res, out, err)) return fail("cannot reconcile: " + res.message_log);
  out << "Journal: " << eng.journal_status() << "\n";
  out << "Files: " << res.message_log << " (every FIX message), " << fsess.log_dir << ", "
      << s.journal.dir << " (ballast journal verify|dump)\n";
  out << std::setprecision(1) << "Done in " << res.seconds << " s.\n";
  if (res.position_mismatches != 0 || res.duplicate_cl_ord_ids != 0) res.exit_code = 1;
  return res;
}

/// --role broker: broker-sim alone, replaying the tape once the engine has subscribed; then it
/// stays up (resends, status requests of a restarted engine) until SIGTERM or linger_s.
DemoResult run_demo_broker(const DemoOptions& opt, std::ostream& out, std::ostream& err) {
  DemoResult res;
  auto fail = [&](const std::string& why) {
    err << "ballast demo --role broker: " << why << "\n";
    res.exit_code = 1;
    return res;
  };
  if (opt.port <= 0) return fail("--port is required");
  auto setup = build_setup(opt, opt.port);
  if (!setup) return fail(setup.error().message);
  const DemoSetup& d = setup.value();
  struct sigaction sa {};
  sa.sa_handler = &on_term;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  const fix::BrokerSimConfig sc = sim_config(opt, d.s, opt.port);
  const fs::path done_marker = fs::path(opt.dir) / "broker-sim/tape-done";
  std::error_code ec;
  fs::remove(done_marker, ec);
  std::string error;
  auto sim = fix::BrokerSim::create(sc, error);
  if (!sim) return fail(error);
  if (!sim->start(error)) return fail(error);
  const std::size_t opening = prime_opening_book(d.tape, d.s.instruments, *sim);
  out << "broker-sim: listening on 127.0.0.1:" << opt.port << ", message log " << sc.message_log
      << std::endl;
  while (!g_term.load() && sim->counters().md_subscriptions == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto schedule = opt.speed > 0 ? ReplaySchedule::make(ReplayPace::kSpeed, opt.speed)
                                : Result<ReplaySchedule>(ReplaySchedule::fast());
  if (!schedule) {
    sim->stop();
    return fail("--speed: " + schedule.error().message);
  }
  SteadyReplayClock replay_clock;
  ReplayPacer pacer(schedule.value(), replay_clock);
  VectorReader tape_reader(d.tape, opening);
  std::atomic<bool> replay_done{false};
  std::thread watcher([&] {
    while (!replay_done.load() && !g_term.load())
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    pacer.stop();
  });
  pacer.run(tape_reader, [&](const Event& e) {
    fix::TapeEvent te;
    if (to_tape_event(e, d.s.instruments, te)) sim->on_tape(te);
  });
  replay_done.store(true);
  watcher.join();
  { std::ofstream(done_marker) << "tape replayed\n"; }
  out << "broker-sim: tape replayed" << std::endl;
  const auto linger_end =
      Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(opt.linger_s * 1000));
  while (!g_term.load() && Clock::now() < linger_end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  sim->stop();
  const auto c = sim->counters();
  out << "broker-sim: " << c.orders << " orders, " << c.fills << " fills, " << c.disconnects
      << " disconnects" << std::endl;
  return res;
}

/// --role engine: the engine alone against a broker-sim on --port. Recovers from the journal in
/// dir/journal when one exists (a restart after kill -9); once broker-sim has replayed the tape
/// it cancels what is still working and reconciles with broker-sim's message log.
DemoResult run_demo_engine(const DemoOptions& opt, std::ostream& out, std::ostream& err) {
  DemoResult res;
  const auto wall_start = Clock::now();
  auto fail = [&](const std::string& why) {
    err << "ballast demo --role engine: " << why << "\n";
    res.exit_code = 1;
    return res;
  };
  if (opt.port <= 0) return fail("--port is required");
  auto setup = build_setup(opt, opt.port);
  if (!setup) return fail(setup.error().message);
  const DemoSetup& d = setup.value();
  const config::Settings& s = d.s;
  res.message_log = (fs::path(opt.dir) / "broker-sim/messages.log").string();
  const fs::path done_marker = fs::path(opt.dir) / "broker-sim/tape-done";
  // Checked now, written by create() only once everything else has passed (a refused start
  // writes nothing).
  if (auto st = check_manifest(s.journal.dir, demo_manifest(opt)); !st) {
    return fail(st.error().message);
  }
  kernel::KernelOptions eopt = runtime_options(d, opt);
  eopt.before_journal_write = [&] {
    return check_or_write_manifest(s.journal.dir, demo_manifest(opt));
  };
  auto engine = kernel::Kernel::create(s, std::move(eopt));
  if (!engine) return fail(engine.error().message);
  kernel::Kernel& eng = *engine.value();
  const kernel::ReplayReport& rec = eng.recovery();
  out << "engine: " << eng.journal_status() << std::endl;
  if (rec.runs > 0) {
    out << "engine: recovered " << rec.runs << " earlier run(s): " << rec.inputs
        << " inputs re-run, " << rec.intents_matched << " journaled order messages reproduced, "
        << rec.unjournaled_at_crash << " never journaled (never sent), "
        << eng.gate().working_orders() << " orders working" << std::endl;
  }
  if (auto st = eng.start(); !st) return fail(st.error().message);
  bool finished = false;
  Clock::time_point up_since{};
  auto last_progress = Clock::now();
  while (Clock::now() - wall_start < std::chrono::minutes(30)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const bool up = eng.live().sessions_up.load() > 0;
    if (!up) {
      up_since = {};
    } else if (up_since == Clock::time_point{}) {
      up_since = Clock::now();
    }
    if (opt.progress && Clock::now() - last_progress >= std::chrono::seconds(5)) {
      const auto& l = eng.live();
      err << "[engine] " << local_hms(Timestamp{l.engine_time_ns.load()}, d.offset)
          << " ET  orders " << l.children.load() << "  fills " << l.fills.load() << "  working "
          << l.working.load() << "\n";
      last_progress = Clock::now();
    }
    if (up && Clock::now() - up_since >= std::chrono::seconds(2) && fs::exists(done_marker)) {
      finished = true;
      break;
    }
  }
  if (!finished) {
    const std::string why = eng.session_status(0);
    eng.stop();
    return fail("broker-sim did not finish the tape within 30 minutes" +
                (why.empty() ? std::string() : " (FIX: " + why + ")"));
  }
  eng.control(ControlAction::kKillSwitchOn);
  const auto settle_deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < settle_deadline && eng.live().working.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // late fills racing the cancels
  eng.stop();
  res.accounts = eng.accounts().size();
  res.children = eng.live().children.load();
  res.fills = eng.live().fills.load();
  res.still_working = eng.live().working.load();
  res.logons = eng.fix_counters().logons;
  if (!reconcile(eng, s, res, out, err)) return fail("cannot reconcile: " + res.message_log);
  out << "Journal: " << eng.journal_status() << "\n";
  res.seconds = std::chrono::duration<double>(Clock::now() - wall_start).count();
  if (res.position_mismatches != 0 || res.duplicate_cl_ord_ids != 0) res.exit_code = 1;
  return res;
}

}  // namespace

DemoResult run_demo(const DemoOptions& opt, std::ostream& out, std::ostream& err) {
  if (opt.role == "broker") return run_demo_broker(opt, out, err);
  if (opt.role == "engine") return run_demo_engine(opt, out, err);
  return run_demo_all(opt, out, err);
}

}  // namespace ballast::tools
