// `ballast demo`: the run loops. `--role all` (the demo: broker-sim and the engine in this
// process, the tape replayed through broker-sim, then the summary and the reconciliation) and
// `--role engine` (the engine alone against a broker-sim process, recovering from its journal
// after a crash). The desk and setup: demo_setup.cpp; broker-sim: demo_broker.cpp;
// reconciliation and report: demo_report.cpp.
#include "demo_command.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ballast/adapters/fix_bridge.hpp"
#include "ballast/fix/broker_sim.hpp"
#include "ballast/fix/free_port.hpp"
#include "ballast/kernel/kernel.hpp"
#include "ballast/operator/operator_service.hpp"
#include "demo_internal.hpp"
#include "paced_replay.hpp"
#include "run_summary.hpp"

namespace ballast::tools {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace demo_detail;

/// The end of a session: the kill switch cancels every working child and blocks new ones; waits
/// up to 10 s for broker-sim's answers, then `grace` for late fills racing the cancels.
void cancel_working_and_settle(kernel::Kernel& eng, std::chrono::milliseconds grace) {
  eng.control(ControlAction::kKillSwitchOn);
  const auto settle_deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < settle_deadline && eng.live().working.value() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::this_thread::sleep_for(grace);
}

DemoResult run_demo_all(const DemoOptions& opt, std::ostream& out, std::ostream& err) {
  DemoResult res;
  const auto wall_start = Clock::now();
  const DemoFailure fail{res, err, "ballast demo"};

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
  if (opt.operator_port >= 0) {
    // The operator API on the built-in desk: its section made here, checked as check-config
    // would check a file's.
    http::HttpConfig& h = s.operator_http;
    h.enabled = true;
    h.port = static_cast<std::uint32_t>(opt.operator_port);
    h.read_token_env = "BALLAST_OPERATOR_READ_TOKEN";
    if (std::getenv("BALLAST_OPERATOR_CONTROL_TOKEN") != nullptr) {
      h.control_token_env = "BALLAST_OPERATOR_CONTROL_TOKEN";
    }
    h.resolve_secrets(config::process_env());
    for (const ConfigViolation& v : h.validate()) {
      return fail("--operator-port: operator.http." + v.path + ": " + v.message);
    }
  }
  auto& fsess = s.fix.sessions.at(0);
  const std::vector<Event>& tape = d.tape;
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
  // The operator API, from here to the end (destroyed, so stopped, before the engine).
  std::unique_ptr<ops::OperatorService> operator_api;
  if (s.operator_http.enabled) {
    auto api = ops::OperatorService::start(eng);
    if (!api) {
      eng.stop();
      sim->stop();
      return fail(api.error().message);
    }
    operator_api = std::move(api.value());
    out << "demo: dashboard and operator API on " << operator_api->address()
        << " (log in with the token in $BALLAST_OPERATOR_READ_TOKEN, or the control token in "
           "$BALLAST_OPERATOR_CONTROL_TOKEN; docs/operator.md)"
        << std::endl;
  }

  // -- replay
  // ---------------------------------------------------------------------------------------
  const bool tty = opt.progress && ::isatty(STDERR_FILENO) != 0;
  auto progress_line = [&](std::int64_t tape_ns, double rate) {
    const auto& l = eng.live();
    std::ostringstream p;
    p << "[demo] " << local_hms(Timestamp{tape_ns}, offset) << " ET  " << std::setw(7)
      << thousands(static_cast<std::uint64_t>(rate)) << " ev/s  triggers "
      << thousands(l.triggers.value()) << "  orders " << thousands(l.children.value()) << "  fills "
      << thousands(l.fills.value()) << "  denials " << thousands(l.denials.value()) << "  working "
      << thousands(l.working.value());
    return p.str();
  };
  const auto replay_start = Clock::now();
  auto last_progress = replay_start;
  std::uint64_t last_count = 0;
  std::uint64_t k = 0;
  auto schedule = speed_schedule(opt.speed);
  if (!schedule) {
    eng.stop();
    sim->stop();
    return fail("--speed: " + schedule.error().message);
  }
  VectorReader tape_reader(tape, opening);
  paced_replay(tape_reader, schedule.value(), nullptr, [&](const Event& e) {
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
  std::uint64_t seen_inputs = eng.live().inputs.value();
  auto progress_at = Clock::now();
  while (eng.live().engine_time_ns.load() < tape_end_ns &&
         Clock::now() - progress_at < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (const std::uint64_t n = eng.live().inputs.value(); n != seen_inputs) {
      seen_inputs = n;
      progress_at = Clock::now();
    }
  }
  const std::uint64_t working_at_close = eng.live().working.value();
  cancel_working_and_settle(eng, std::chrono::milliseconds(100));
  if (opt.progress) {
    err << (tty ? "\r" : "") << progress_line(header(tape.back()).event_time.ns, 0)
        << (tty ? "\033[K\n" : "\n") << std::flush;
  }
  eng.stop();
  sim->stop();
  res.seconds = std::chrono::duration<double>(Clock::now() - wall_start).count();

  // -- summary
  // --------------------------------------------------------------------------------------
  const Timestamp end_time{eng.live().engine_time_ns.load()};
  // Now: from the drift monitor (shared with `ballast run`); before: the starting weights at the
  // opening mids (what the accounts were built from).
  std::vector<ModelDrift> md = drift_now(eng, end_time);
  add_drift_before(eng, d, md);
  const auto& l = eng.live();
  res.accounts = eng.accounts().size();
  res.parents = l.parents.value();
  res.children = l.children.value();
  res.fills = l.fills.value();
  res.denials = l.denials.value();
  res.rejects = l.rejects.value();
  res.still_working = l.working.value();
  res.sim_disconnects = sim->counters().disconnects;
  res.logons = eng.fix_counters().logons.value();
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
  print_slippage(eng, d, out);

  if (!reconcile(eng, s, res, out, err)) return fail("cannot reconcile: " + res.message_log);
  out << "Journal: " << eng.journal_status() << "\n";
  out << "Files: " << res.message_log << " (every FIX message), " << fsess.log_dir << ", "
      << s.journal.dir << " (ballast journal verify|dump)\n";
  out << std::fixed << std::setprecision(1) << "Done in " << res.seconds << " s.\n";
  if (res.position_mismatches != 0 || res.duplicate_cl_ord_ids != 0) res.exit_code = 1;
  return res;
}

/// --role engine: the engine alone against a broker-sim on --port. Recovers from the journal in
/// dir/journal when one exists (a restart after kill -9); once broker-sim has replayed the tape
/// it cancels what is still working and reconciles with broker-sim's message log.
DemoResult run_demo_engine(const DemoOptions& opt, std::ostream& out, std::ostream& err) {
  DemoResult res;
  const auto wall_start = Clock::now();
  const DemoFailure fail{res, err, "ballast demo --role engine"};
  auto setup = role_setup(opt);
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
          << " ET  orders " << l.children.value() << "  fills " << l.fills.value() << "  working "
          << l.working.value() << "\n";
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
  cancel_working_and_settle(eng, std::chrono::milliseconds(200));
  eng.stop();
  res.accounts = eng.accounts().size();
  res.children = eng.live().children.value();
  res.fills = eng.live().fills.value();
  res.still_working = eng.live().working.value();
  res.logons = eng.fix_counters().logons.value();
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
