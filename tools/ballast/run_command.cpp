#include "run_command.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "ballast/adapters/fix_bridge.hpp"
#include "ballast/adapters/replay_pacer.hpp"
#include "ballast/config/config.hpp"
#include "ballast/core/clock.hpp"
#include "ballast/core/exchange_time.hpp"
#include "ballast/core/fnv1a.hpp"
#include "ballast/kernel/kernel.hpp"
#include "ballast/kernel/market_context.hpp"
#include "ballast/kernel/market_data_replay.hpp"
#include "ballast/operator/operator_service.hpp"
#include "run_summary.hpp"
#include "stop_signal.hpp"

namespace ballast::tools {

namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

/// The trading date (US/Eastern) of the session run trades: the earliest date of the files it
/// replays (a LOBSTER or TAQ/minute-bar file's name, a tape's header, the first row of a replayed
/// daily-closes source), or, trading live (FIX market data only), today's date at the exchange. ADV
/// and the risk model use only days before it. `closes_src` is the risk model's history (not
/// replayed).
Result<CivilDate> session_date(const config::Settings& s,
                               const MarketDataSourceConfig* closes_src) {
  std::optional<CivilDate> first;
  auto take = [&](CivilDate d) {
    if (!first || d < *first) first = d;
  };
  for (const auto& src : s.market_data.sources) {
    if (&src == closes_src || src.kind == MarketDataKind::kFix) continue;
    for (const std::string& path : src.paths) {
      auto d = kernel::file_trading_date(src.kind, path, s.instruments);
      if (!d) return d.error();
      if (d.value()) take(*d.value());
    }
  }
  if (first) return *first;
  return to_us_eastern(LiveClock{}.now()).date;
}

}  // namespace

namespace {

std::string file_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "unreadable";
  std::uint64_t h = kFnv1aOffsetBasis;
  char buf[65536];
  while (in) {
    in.read(buf, sizeof buf);
    h = fnv1a_bytes(h, reinterpret_cast<const unsigned char*>(buf),
                    static_cast<std::size_t>(in.gcount()));
  }
  char out[24];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

struct RunSetup {
  config::Settings s;
  kernel::KernelOptions ropt;
  bool fix_md = false;
  std::string closes_path;
};

/// The configuration and its market context (the risk model from its first daily-closes source,
/// ADV, volume profiles) for the session date: `date` (a journal's manifest, --session-date) or
/// the one its sources give (session_date). Exit-code-2 errors.
Result<RunSetup> run_setup(const std::string& config_path,
                           std::optional<CivilDate> date_given = std::nullopt,
                           const config::EnvLookup& env = config::process_env()) {
  auto loaded = config::load_file(config_path, env);
  if (!loaded.ok()) {
    std::string why;
    for (const auto& d : loaded.diagnostics) why += (why.empty() ? "" : "\n") + config::format(d);
    return Error(why);
  }
  RunSetup r;
  r.s = *loaded.settings;
  const config::Settings& s = r.s;
  // The risk model: from the first daily-closes source.
  const MarketDataSourceConfig* closes_src = nullptr;
  std::size_t closes_index = 0;
  for (std::size_t i = 0; i < s.market_data.sources.size(); ++i) {
    const auto& src = s.market_data.sources[i];
    if (src.kind == MarketDataKind::kDailyCloses && closes_src == nullptr) {
      closes_src = &src;
      closes_index = i;
    }
    if (src.kind == MarketDataKind::kFix) r.fix_md = true;
  }
  if (closes_src == nullptr || closes_src->paths.empty()) {
    return Error(config_path +
                 ": market_data.sources: `ballast run` needs a daily_closes source "
                 "for the risk model (optimizer.risk_model)");
  }
  r.closes_path = closes_src->paths.front();
  Result<CivilDate> date =
      date_given ? Result<CivilDate>(*date_given) : session_date(s, closes_src);
  if (!date) return Error(config_path + ": market_data.sources: " + date.error().message);
  // Errors name the configuration key and the file, as check-config's do (check-config runs this).
  kernel::MarketContextInputs in;
  in.closes_path = r.closes_path;
  in.session_date = date.value();
  in.closes_where = config_path + ": market_data.sources[" + std::to_string(closes_index) +
                    (closes_src->paths.size() == 1 ? "].path" : "].paths[0]") + ": '" +
                    closes_src->paths.front() + "': ";
  auto ctx = kernel::load_market_context(s, in);
  if (!ctx) {
    const std::string& msg = ctx.error().message;
    return Error(msg.rfind(config_path, 0) == 0 ? msg : config_path + ": " + msg);
  }
  r.ropt.market = std::move(ctx.value());
  // Recorded intraday files without a live feed: the engine's clock follows them (paper trading
  // on a recorded day); with a FIX feed the wall clock rules.
  r.ropt.market_clock = !r.fix_md;
  // Its speed: the fastest intraday source's (recorded pace 1x; "fast" has none, 0).
  double speed = 1.0;
  for (const auto& src : s.market_data.sources) {
    if (src.kind == MarketDataKind::kFix || src.kind == MarketDataKind::kDailyCloses) continue;
    if (src.pace == ReplayPace::kFast) {
      speed = 0;
      break;
    }
    if (src.pace == ReplayPace::kSpeed) speed = std::max(speed, src.speed);
  }
  r.ropt.market_clock_speed = speed;
  return r;
}

Manifest run_manifest(const std::string& config_path, const RunSetup& r) {
  Manifest m;
  m.values["kind"] = "run";
  m.values["config"] = fs::absolute(config_path).lexically_normal().string();
  m.values["config_hash"] = file_hash(config_path);
  m.values["closes"] = fs::absolute(r.closes_path).lexically_normal().string();
  m.values["closes_hash"] = file_hash(r.closes_path);
  // The market context is the session date's: a journal holds one trading day (recovery replays
  // every run of it with the same ADV and risk model), and replay rebuilds that day's context.
  m.values["session_date"] = to_string(r.ropt.market.session_date);
  if (const std::string& adv = r.s.market_data.adv.path; !adv.empty()) {
    m.values["adv"] = fs::absolute(adv).lexically_normal().string();
    m.values["adv_hash"] = file_hash(adv);
  }
  return m;
}

/// The environment of an offline engine (a replay): it neither logs on to a broker nor serves
/// the operator API, so the secrets a configuration names (FIX passwords, operator tokens) are
/// never used, and a replay must not depend on the environment it runs in. Every variable reads
/// as a stand-in, distinct per name.
config::EnvLookup offline_secrets() {
  return [](const std::string& name) -> std::optional<std::string> {
    return "offline-stand-in-for-" + name;
  };
}

}  // namespace

Result<std::unique_ptr<kernel::Kernel>> run_replay_engine(const Manifest& m) {
  const std::string& config_path = m.get("config");
  if (file_hash(config_path) != m.get("config_hash")) {
    return Error(config_path +
                 " is not the configuration the journal was written with (its "
                 "content changed)");
  }
  std::optional<CivilDate> date;
  if (const std::string& d = m.get("session_date"); !d.empty()) {
    date = parse_iso_date(d);
    if (!date) return Error("manifest: session_date '" + d + "' is not a date (YYYY-MM-DD)");
  }
  auto r = run_setup(config_path, date, offline_secrets());
  if (!r) return r.error();
  if (file_hash(r.value().closes_path) != m.get("closes_hash")) {
    return Error(r.value().closes_path + " is not the price history the journal was written with");
  }
  if (const std::string& adv = r.value().s.market_data.adv.path;
      file_hash(adv) != m.get("adv_hash") && !(adv.empty() && m.get("adv_hash").empty())) {
    return Error((adv.empty() ? std::string("market_data.adv") : adv) +
                 " is not the volume history the journal was written with");
  }
  kernel::KernelOptions ropt = std::move(r.value().ropt);
  ropt.offline = true;
  return kernel::Kernel::create(r.value().s, std::move(ropt));
}

namespace {

/// The offline engine of a configuration already set up (no FIX, no journal writer).
Result<std::unique_ptr<kernel::Kernel>> offline_engine(RunSetup r) {
  kernel::KernelOptions ropt = std::move(r.ropt);
  ropt.offline = true;
  ropt.market_clock = true;
  return kernel::Kernel::create(r.s, std::move(ropt));
}

}  // namespace

Result<std::unique_ptr<kernel::Kernel>> run_offline_engine(const std::string& config_path,
                                                           std::optional<CivilDate> session) {
  auto r = run_setup(config_path, session, offline_secrets());
  if (!r) return r.error();
  return offline_engine(std::move(r.value()));
}

namespace {

/// Why `dir` cannot hold the files a run writes there (empty: it can): an existing directory
/// must be writable; a missing one must be creatable (its nearest existing ancestor a writable
/// directory). Nothing is created.
std::string dir_problem(const std::string& dir) {
  std::error_code ec;
  fs::path p = fs::absolute(dir, ec);
  if (ec) return "not a usable path";
  if (fs::exists(p, ec)) {
    if (!fs::is_directory(p, ec)) return "exists and is not a directory";
    if (::access(p.c_str(), W_OK | X_OK) != 0) return "a directory this user cannot write to";
    return {};
  }
  fs::path up = p.parent_path();
  while (!up.empty() && !fs::exists(up, ec)) up = up.parent_path();
  if (up.empty() || !fs::is_directory(up, ec)) return "cannot be created (no directory above it)";
  if (::access(up.c_str(), W_OK | X_OK) != 0) {
    return "cannot be created: " + up.string() + " is not writable";
  }
  return {};
}

}  // namespace

int check_run_inputs(const std::string& config_path, std::ostream& err) {
  auto setup = run_setup(config_path);
  if (!setup) {
    err << setup.error().message << "\n";
    return 2;
  }
  const config::Settings& s = setup.value().s;
  // The directories the run writes: the journal, each enabled session's store and log.
  int rc = 0;
  auto dir_check = [&](const std::string& key, const std::string& dir) {
    if (dir.empty()) return;
    if (const std::string why = dir_problem(dir); !why.empty()) {
      err << config_path << ": " << key << ": '" << dir << "': " << why << "\n";
      rc = 2;
    }
  };
  if (s.journal.enabled) dir_check("journal.dir", s.journal.dir);
  if (auto st = kernel::check_core_cpu(s.engine.core_cpu); !st) {
    err << config_path << ": " << st.error().message << "\n";
    rc = 2;
  }
  for (const std::string& w : setup.value().ropt.market.warnings) {
    err << config_path << ": warning: " << w << "\n";
  }
  for (std::size_t i = 0; i < s.fix.sessions.size(); ++i) {
    const auto& f = s.fix.sessions[i];
    if (!f.enabled) continue;
    const std::string base = "fix.sessions[" + std::to_string(i) + "]";
    dir_check(base + ".store_dir", f.store_dir);
    dir_check(base + ".log_dir", f.log_dir);
  }
  // A journal written with other options is refused by run: say so now.
  if (s.journal.enabled && rc == 0) {
    if (auto st = check_manifest(s.journal.dir, run_manifest(config_path, setup.value())); !st) {
      err << config_path << ": journal.dir: " << st.error().message << "\n";
      rc = 2;
    }
  }
  if (auto st = kernel::check_source_renames(s); !st) {
    err << config_path << ": " << st.error().message << "\n";
    return 2;  // a renamed file source would otherwise be refused below as an unknown symbol
  }
  // Every file source run replays must open as run opens it (kernel::open_file_source).
  const MarketDataSourceConfig* closes = nullptr;
  for (std::size_t i = 0; i < s.market_data.sources.size(); ++i) {
    const auto& src = s.market_data.sources[i];
    if (src.kind == MarketDataKind::kFix) continue;
    if (src.kind == MarketDataKind::kDailyCloses && closes == nullptr) {
      closes = &src;  // the risk model's history, not replayed
      continue;
    }
    if (auto r = kernel::open_file_source(src, s.instruments); !r) {
      err << config_path << ": market_data.sources[" << i << "]: " << r.error().message << "\n";
      rc = 2;
    }
  }
  if (rc != 0) return rc;
  // The setup above (closes loaded, risk model estimated) builds the engine: not done twice.
  auto engine = offline_engine(std::move(setup.value()));
  if (engine) return 0;
  err << engine.error().message << "\n";
  return 2;
}

int run_main(const RunOptions& opt, std::ostream& out, std::ostream& err) {
  auto setup = run_setup(opt.config);
  if (!setup) {
    err << setup.error().message << "\n";
    return 2;
  }
  const config::Settings& s = setup.value().s;
  const bool fix_md = setup.value().fix_md;
  const MarketDataSourceConfig* closes_src = nullptr;
  for (const auto& src : s.market_data.sources) {
    if (src.kind == MarketDataKind::kDailyCloses && closes_src == nullptr) closes_src = &src;
  }
  // Output files are refused before anything starts (no journal epoch consumed) rather than lost
  // at the end.
  for (const auto& [flag, path] : {std::pair{"--positions-out", &opt.positions_out},
                                   std::pair{"--counters-out", &opt.counters_out}}) {
    if (path->empty()) continue;
    const fs::path parent = fs::absolute(*path).parent_path();
    std::error_code ec;
    if (!fs::is_directory(parent, ec)) {
      err << "ballast run: " << flag << " " << *path << ": the directory " << parent.string()
          << " does not exist\n";
      return 2;
    }
    if (fs::is_directory(*path, ec)) {
      err << "ballast run: " << flag << " " << *path << ": is a directory (a file is expected)\n";
      return 2;
    }
  }
  if (!opt.positions_out.empty() && !opt.counters_out.empty() &&
      fs::absolute(opt.positions_out).lexically_normal() ==
          fs::absolute(opt.counters_out).lexically_normal()) {
    err << "ballast run: --positions-out and --counters-out name the same file "
        << opt.positions_out << "\n";
    return 2;
  }
  // Intraday file sources: one replay thread each. load_file (InputFiles::kRead) has already read
  // each to its end (every row checked, errors as file:line), so a bad row stopped the start
  // before anything was written, not part-way through the day.
  std::vector<std::unique_ptr<EventReader>> readers;
  std::vector<const MarketDataSourceConfig*> reader_src;
  for (const auto& src : s.market_data.sources) {
    if (src.kind == MarketDataKind::kFix || &src == closes_src) continue;
    auto r = kernel::open_file_source(src, s.instruments);
    if (!r) {
      err << "ballast run: market_data source '" << src.name << "': " << r.error().message << "\n";
      return 2;
    }
    readers.push_back(std::move(r.value()));
    reader_src.push_back(&src);
  }
  const Manifest manifest = run_manifest(opt.config, setup.value());
  if (s.journal.enabled) {
    if (auto st = check_manifest(s.journal.dir, manifest); !st) {
      err << "ballast run: " << st.error().message << "\n";
      return 2;
    }
  }
  // What the desk should know of the market context before trading (no ADV for an instrument,
  // stale volumes): said once, at start.
  for (const std::string& w : setup.value().ropt.market.warnings) {
    err << "ballast run: warning: " << w << "\n";
  }
  kernel::KernelOptions ropt = std::move(setup.value().ropt);
  ropt.epoch = opt.epoch;  // 0: chosen by the engine (docs/journal.md, ClOrdID uniqueness)
  ropt.before_journal_write = [&] { return check_or_write_manifest(s.journal.dir, manifest); };
  auto engine = kernel::Kernel::create(s, std::move(ropt));
  if (!engine) {
    err << "ballast run: " << engine.error().message << "\n";
    return 2;
  }
  kernel::Kernel& eng = *engine.value();
  install_stop_signal_handlers();
  const auto started = SteadyClock::now();
  if (auto st = eng.start(); !st) {
    err << "ballast run: " << st.error().message << "\n";
    return 1;
  }
  // The recorded sources: one replay agent each (kernel/market_data_replay.hpp).
  kernel::MarketDataReplay replay;
  {
    std::vector<kernel::MarketDataReplay::Source> sources;
    for (std::size_t k = 0; k < readers.size(); ++k) {
      const auto* src = reader_src[k];
      auto schedule = ReplaySchedule::make(src->pace, src->speed);
      if (!schedule) {
        err << "ballast run: market_data source '" << src->name << "': " << schedule.error().message
            << "\n";
        eng.stop();
        return 1;
      }
      sources.push_back({src->name, std::move(readers[k]), schedule.value(),
                         src->kind != MarketDataKind::kDailyCloses});
    }
    if (auto st = replay.start(eng, std::move(sources)); !st) {
      err << "ballast run: " << st.error().message << "\n";
      eng.stop();
      return 1;
    }
  }
  // The operator's HTTP server (operator.http): after the engine started, stopped before it.
  std::unique_ptr<ops::OperatorService> operator_api;
  if (s.operator_http.enabled) {
    auto api = ops::OperatorService::start(eng);
    if (!api) {
      err << "ballast run: " << api.error().message << "\n";
      request_stop();
      replay.stop();
      eng.stop();
      return 1;
    }
    operator_api = std::move(api.value());
    out << "ballast run: operator API on " << operator_api->address()
        << " (the dashboard at /, metrics, views, control; docs/operator.md)" << std::endl;
  }
  out << "ballast run: " << eng.journal_status() << "\n";
  out << "ballast run: " << s.accounts.size() << " accounts, " << s.fix.sessions.size()
      << " FIX sessions, " << readers.size() << " file feeds; SIGINT or SIGTERM stops\n";
  auto last = SteadyClock::now();
  std::uint64_t unbookable_seen = 0, kills_seen = 0;
  // A broker that never answers: said once, after a few reconnect attempts (QuickFIX keeps
  // retrying with the configured back-off; its event log has each attempt), and again when a
  // session does log on.
  std::chrono::milliseconds max_backoff{0};
  for (const auto& f : s.fix.sessions) {
    if (f.enabled)
      max_backoff =
          std::max(max_backoff,
                   std::chrono::duration_cast<std::chrono::milliseconds>(f.reconnect.max_backoff));
  }
  const auto no_logon_after = std::clamp<std::chrono::milliseconds>(
      3 * max_backoff, std::chrono::seconds(2), std::chrono::seconds(30));
  bool no_logon_said = false;
  while (!stop_requested()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    // Every kill switch that trips is said at once: whose, and why.
    if (const std::uint64_t k = eng.live().kills.load(std::memory_order_acquire); k != kills_seen) {
      const std::uint32_t a = eng.live().last_kill_account.load(std::memory_order_relaxed);
      const auto why = static_cast<KillReason>(eng.live().last_kill_reason.load());
      std::string who = "every account";
      for (std::size_t i = 0; i < eng.accounts().size() && i < s.accounts.size(); ++i) {
        if (eng.accounts()[i].value == a) who = "account " + s.accounts[i].id;
      }
      err << "ballast run: kill switch: trading stopped on " << who << " (" << to_string(why) << ")"
          << (k - kills_seen > 1 ? " and " + std::to_string(k - kills_seen - 1) + " more" : "")
          << "; the stop summary lists every stopped account\n";
      kills_seen = k;
    }
    // A report that cannot be booked stops its account: the desk hears of it at once, and why.
    if (const std::uint64_t u = eng.unbookable_reports(); u != unbookable_seen) {
      err << "ballast run: " << (u - unbookable_seen)
          << " execution report(s) could not be booked; trading stopped on the account(s). Last: "
          << eng.last_unbookable() << "\n";
      unbookable_seen = u;
    }
    if (!s.fix.sessions.empty() && !no_logon_said && eng.fix_counters().logons.value() == 0 &&
        SteadyClock::now() - started >= no_logon_after) {
      err << "ballast run: no FIX session has logged on after "
          << std::chrono::duration_cast<std::chrono::seconds>(SteadyClock::now() - started).count()
          << " s; retrying with back-off (each attempt is in the session's event log under "
             "fix.sessions[].log_dir). Last status:";
      std::uint16_t index = 0;  // the kernel's session index: enabled initiators in order
      for (const auto& f : s.fix.sessions) {
        if (!f.enabled || f.role != FixRole::kInitiator) continue;
        err << " " << f.name << ": " << eng.session_status(index++) << ";";
      }
      err << "\n";
      no_logon_said = true;
    } else if (no_logon_said && eng.fix_counters().logons.value() > 0) {
      err << "ballast run: a FIX session logged on\n";
      no_logon_said = false;
    }
    if (eng.core_finished()) {
      err << "ballast run: the core stopped (a shutdown command); stopping\n";
      break;
    }
    if (replay.size() > 0 && replay.all_finished() && !fix_md && s.fix.sessions.empty()) {
      break;  // nothing left to do: recorded files replayed, no sessions
    }
    if (SteadyClock::now() - last >= std::chrono::seconds(5)) {
      const auto& l = eng.live();
      err << "[run] sessions up " << l.sessions_up.load() << "  events " << l.inputs.value()
          << "  triggers " << l.triggers.value() << "  orders " << l.children.value() << "  fills "
          << l.fills.value() << "  denials " << l.denials.value() << "  working "
          << l.working.value() << "\n";
      last = SteadyClock::now();
    }
  }
  request_stop();
  if (operator_api) operator_api->stop();
  replay.stop();
  eng.stop();
  int rc = 0;
  for (const std::string& e : replay.errors()) {
    err << "ballast run: " << e << "\n";
    rc = 1;
  }
  const auto& l = eng.live();
  out << "\nballast run: stopped after "
      << std::chrono::duration_cast<std::chrono::seconds>(SteadyClock::now() - started).count()
      << " s; " << thousands(l.inputs.value()) << " events, " << thousands(l.triggers.value())
      << " triggers\n";
  print_orders(eng, out, thousands(l.working.value()) + " still working");
  print_denials(eng, out);
  print_fix_sessions(eng, out);
  print_stopped_accounts(eng, out);
  print_drift(eng, drift_now(eng, Timestamp{l.engine_time_ns.load()}), false, out);
  if (!opt.positions_out.empty()) {
    if (auto st = write_positions_csv(eng, opt.positions_out); !st) {
      err << "ballast run: " << st.error().message << "\n";
      rc = 1;
    } else {
      out << "Positions: " << opt.positions_out << " (" << eng.accounts().size() << " accounts)\n";
    }
  }
  if (!opt.counters_out.empty()) {
    if (auto st = write_counters_csv(eng.counters(), opt.counters_out); !st) {
      err << "ballast run: " << st.error().message << "\n";
      rc = 1;
    } else {
      out << "Counters: " << opt.counters_out << "\n";
    }
  }
  out << "Journal: " << eng.journal_status() << "\n";
  return rc;
}

}  // namespace ballast::tools
