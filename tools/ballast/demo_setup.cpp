// `ballast demo`: its desk and setup. The embedded configuration (instruments, three models,
// triggers, execution, compliance), the generated accounts with drifted starting weights, the
// recorded day read into memory and the market context (risk model from the daily closes before
// it); the run manifest; the engine as the options build it.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ballast/adapters/tape_file.hpp"
#include "ballast/config/config.hpp"
#include "ballast/core/exchange_time.hpp"
#include "ballast/kernel/kernel.hpp"
#include "ballast/kernel/market_context.hpp"
#include "demo_command.hpp"
#include "demo_internal.hpp"

#ifndef BALLAST_DATA_DIR
#define BALLAST_DATA_DIR "data"
#endif

namespace ballast::tools {

namespace {

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

}  // namespace

namespace demo_detail {

namespace fs = std::filesystem;

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
  const fs::path tape_path = data_file(opt.tape, kShippedTape);
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
  const fs::path closes_path = data_file(opt.closes, kShippedCloses);
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

Result<DemoSetup> role_setup(const DemoOptions& opt) {
  if (opt.port <= 0) return Error("--port is required");
  return build_setup(opt, opt.port);
}

DemoResult DemoFailure::operator()(const std::string& why) const {
  err << command << ": " << why << "\n";
  res.exit_code = 1;
  return res;
}

kernel::KernelOptions runtime_options(const DemoSetup& d, const DemoOptions& opt) {
  kernel::KernelOptions ropt;
  ropt.keep_parent_records = true;  // the demo's slippage report
  ropt.market_clock = true;
  ropt.market_clock_speed = opt.speed;  // 0: full speed
  ropt.market = d.market;
  return ropt;
}

}  // namespace demo_detail

namespace fs = std::filesystem;
using demo_detail::data_file;
using demo_detail::kShippedCloses;
using demo_detail::kShippedTape;

LoggingConfig demo_logging() {
  auto loaded = config::load_string(kDemoYaml, "embedded demo configuration");
  return loaded.settings ? loaded.settings->logging : LoggingConfig{};
}

Manifest demo_manifest(const DemoOptions& opt) {
  Manifest m;
  m.values["kind"] = "demo";
  m.values["accounts_per_model"] = std::to_string(opt.accounts_per_model);
  m.values["seed"] = std::to_string(opt.seed);
  m.values["fix_version"] = opt.fix_version;
  m.values["end_seconds"] = std::to_string(opt.end_seconds);
  // The engine's wait for unanswered cancels/replaces is scaled by it (runtime_options).
  m.values["speed"] = std::to_string(opt.speed);
  m.values["tape"] = fs::absolute(data_file(opt.tape, kShippedTape)).lexically_normal().string();
  m.values["closes"] =
      fs::absolute(data_file(opt.closes, kShippedCloses)).lexically_normal().string();
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
  auto d = demo_detail::build_setup(opt, opt.port > 0 ? opt.port : 1);
  if (!d) return d.error();
  kernel::KernelOptions ropt = demo_detail::runtime_options(d.value(), opt);
  ropt.offline = offline;
  return kernel::Kernel::create(d.value().s, std::move(ropt));
}

}  // namespace ballast::tools
