// The ballast program: subcommands over the engine's modules (composition root).
#include <CLI/CLI.hpp>

#include <cctype>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "ballast/config/config.hpp"
#include "ballast/journal/journal_tool.hpp"
#include "ballast/kernel/start_guard.hpp"
#include "ballast/version.hpp"
#include "demo_command.hpp"
#include "logging.hpp"
#include "optimize_command.hpp"
#include "replay_command.hpp"
#include "run_command.hpp"

namespace {

constexpr const char* kDescription =
    "Ballast keeps investment portfolios on target: it watches every account's drift on every\n"
    "tick, decides when a rebalance is worth its cost, optimizes the trade list, slices it into\n"
    "child orders, checks each one against pre-trade compliance and sends it over FIX.";

/// `ballast run`: the configuration's logging section replaces the start-up logger before the
/// engine starts (docs/configuration.md, `logging`), and every line the command prints is also
/// recorded in the log file: stdout at info, stderr at warn (its progress lines at info).
int run_with_logging(const ballast::tools::RunOptions& opt) {
  namespace cfg = ballast::config;
  // Input files are read (and reported) by run_main's own load.
  const cfg::LoadResult loaded =
      cfg::load_file(opt.config, cfg::process_env(), cfg::InputFiles::kIgnore);
  if (!loaded.ok()) return ballast::tools::run_main(opt, std::cout, std::cerr);  // exit 2, why
  const cfg::Settings& s = *loaded.settings;
  if (auto l = ballast::tools::start_logging(s.logging); !l) {
    std::cerr << "ballast run: " << opt.config << ": " << l.error().message << "\n";
    return 2;
  }
  spdlog::info(
      "run: configuration {}: {} instruments, {} accounts, {} FIX sessions, {} market-data "
      "sources",
      opt.config, s.instruments.size(), s.accounts.size(), s.fix.sessions.size(),
      s.market_data.sources.size());
  const std::string summary = cfg::summary(s);
  for (std::size_t a = 0; a < summary.size();) {
    const std::size_t b = summary.find('\n', a);
    spdlog::debug("run: config {}", summary.substr(a, b == std::string::npos ? b : b - a));
    if (b == std::string::npos) break;
    a = b + 1;
  }
  int rc = 0;
  {
    using ballast::LogLevel;
    ballast::tools::TranscriptBuf out_buf(std::cout, LogLevel::kInfo, LogLevel::kInfo);
    ballast::tools::TranscriptBuf err_buf(std::cerr, LogLevel::kWarn, LogLevel::kInfo);
    std::ostream out(&out_buf);
    std::ostream err(&err_buf);
    rc = ballast::tools::run_main(opt, out, err);
  }
  if (rc == 0) {
    spdlog::info("run: stopped cleanly (exit code 0)");
  } else {
    spdlog::error("run: exit code {}", rc);
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{kDescription, "ballast"};
  app.set_version_flag("--version", std::string("ballast ") + ballast::kVersion);
  app.require_subcommand(0, 1);
  app.footer(
      "Exit codes: 0 success, 1 runtime failure, 2 bad input (configuration, arguments).\n"
      "Documentation: README.md, docs/configuration.md, docs/architecture.md.");

  std::string log_level = "warn";
  std::vector<std::string> log_level_names;
  for (std::size_t i = 0; i < ballast::kLogLevelNames.size(); ++i) {
    log_level_names.emplace_back(ballast::kLogLevelNames.name_at(i));
  }
  app.add_option("--log-level", log_level,
                 "Log level on stderr until a configuration's logging section takes over "
                 "(run: the file's; demo: its built-in warn)")
      ->check(CLI::IsMember(log_level_names))
      ->capture_default_str();

  std::string config_path;
  auto* check = app.add_subcommand(
      "check-config",
      "Checks a configuration file: prints every problem with file:line:column and exits 2, "
      "or prints a summary and exits 0.");
  check->add_option("file", config_path, "YAML configuration file")->required();

  std::string problem_path;
  auto* optimize = app.add_subcommand(
      "optimize",
      "Solves one rebalancing problem given as JSON (docs/optimize.md) and prints the solution "
      "as JSON: weights, trades in shares, objective terms, active constraints, timing.");
  optimize->add_option("--input", problem_path, "problem file (JSON)")->required();

  ballast::tools::DemoOptions demo_opt;
  auto* demo = app.add_subcommand(
      "demo",
      "Runs the whole loop on this machine: broker-sim and the engine talk FIX over loopback "
      "while a recorded NASDAQ day (shipped in data/) is replayed; 3 models x 1000 accounts with "
      "drifted weights trigger, optimize, slice, pass compliance, trade and end on target. "
      "Prints live progress and a summary (docs/demo.md).");
  demo->add_option("--accounts", demo_opt.accounts_per_model, "accounts per model (3 models)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  demo->add_option("--speed", demo_opt.speed, "replay speed, x recorded (0 = as fast as possible)")
      ->check(CLI::Range(0.0, 100000.0))
      ->capture_default_str();
  demo->add_option("--fix-version", demo_opt.fix_version, "FIX.4.4 or FIX.4.2")
      ->check(CLI::IsMember({"FIX.4.4", "FIX.4.2"}))
      ->capture_default_str();
  demo->add_option("--dir", demo_opt.dir, "working directory for FIX stores and logs (wiped)")
      ->capture_default_str();
  demo->add_option("--seed", demo_opt.seed, "seed of the drifted starting weights")
      ->capture_default_str();
  demo->add_option("--disconnect-after", demo_opt.disconnect_after_orders,
                   "broker-sim drops the session after this many orders (0 = never)")
      ->capture_default_str();
  demo->add_option("--reject-rate", demo_opt.reject_rate, "share of orders broker-sim rejects")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  demo->add_flag("!--no-progress", demo_opt.progress, "no live progress line");
  demo->add_option("--operator-port", demo_opt.operator_port,
                   "serve the operator API on this port of 127.0.0.1 (0: any free one); the read "
                   "token from $BALLAST_OPERATOR_READ_TOKEN, the control token (optional) from "
                   "$BALLAST_OPERATOR_CONTROL_TOKEN (docs/operator.md)")
      ->check(CLI::Range(0, 65535));
  demo->add_option("--role", demo_opt.role,
                   "all: broker-sim and engine in this process; broker / engine: one half each, "
                   "as separate processes sharing --dir and --port (crash tests; neither wipes "
                   "--dir, the engine recovers from its journal)")
      ->check(CLI::IsMember({"all", "broker", "engine"}))
      ->capture_default_str();
  demo->add_option("--port", demo_opt.port, "roles broker/engine: TCP port on 127.0.0.1");
  demo->add_option("--linger", demo_opt.linger_s,
                   "role broker: seconds to stay up after the tape (SIGTERM ends it sooner)")
      ->capture_default_str();
  std::string demo_until;
  demo->add_option("--until", demo_until, "stop the replay at this New York time (HH:MM)")
      ->check([](const std::string& v) {
        return v.size() == 5 && v[2] == ':' && std::isdigit(v[0]) && std::isdigit(v[1]) &&
                       std::isdigit(v[3]) && std::isdigit(v[4])
                   ? std::string()
                   : std::string("expected HH:MM");
      });

  ballast::tools::RunOptions run_opt;
  auto* run = app.add_subcommand(
      "run",
      "Runs the engine against the FIX sessions and market data of a configuration "
      "(live or paper) until SIGINT/SIGTERM (docs/run.md).");
  run->add_option("--config", run_opt.config, "YAML configuration file")->required();
  run->add_option("--epoch", run_opt.epoch,
                  "run epoch of the ClOrdIDs (default: above the journal's, the FIX stores' and "
                  "the wall clock's; refused below that)");
  run->add_option("--positions-out", run_opt.positions_out,
                  "at stop, write every account's positions and cash to this CSV file "
                  "(account,instrument,qty,cash)");
  run->add_option("--counters-out", run_opt.counters_out,
                  "at stop, write every engine, FIX, journal and sender counter to this CSV file "
                  "(counter,value; docs/run.md)");

  ballast::tools::BrokerSimOptions sim_opt;
  auto* sim = app.add_subcommand(
      "broker-sim",
      "A FIX acceptor that behaves like a broker plus exchange, filling against a replayed tape "
      "and serving it as market data; logs every message (docs/fix.md).");
  sim->add_option("--port", sim_opt.port, "TCP port on 127.0.0.1")->required();
  sim->add_option("--tape", sim_opt.tape, "tape file (default: the shipped NASDAQ day)");
  sim->add_option("--speed", sim_opt.speed, "replay speed, x recorded (0 = as fast as possible)")
      ->capture_default_str();
  sim->add_option("--fix-version", sim_opt.fix_version, "FIX.4.4 or FIX.4.2")
      ->check(CLI::IsMember({"FIX.4.4", "FIX.4.2"}))
      ->capture_default_str();
  sim->add_option("--sender", sim_opt.sender, "broker-sim's SenderCompID")->capture_default_str();
  sim->add_option("--target", sim_opt.target, "the client's SenderCompID")->capture_default_str();
  sim->add_option("--dir", sim_opt.dir, "store, logs and the message log")->capture_default_str();
  sim->add_option("--ack-latency-us", sim_opt.ack_latency_us, "ack delay")->capture_default_str();
  sim->add_option("--reject-rate", sim_opt.reject_rate, "share of orders rejected")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  sim->add_option("--unsolicited-cancel-rate", sim_opt.unsolicited_cancel_rate,
                  "per tape event, share of resting orders cancelled")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  sim->add_option("--max-message-bytes", sim_opt.max_message_bytes,
                  "largest BodyLength accepted; a larger one closes the connection")
      ->capture_default_str();
  sim->add_option("--logon-timeout-ms", sim_opt.logon_timeout_ms,
                  "a connection not logged on this long after connecting is closed")
      ->capture_default_str();
  sim->add_option("--max-pending-connections", sim_opt.max_pending_connections,
                  "connections not logged on at once; more are closed at once")
      ->capture_default_str();
  sim->add_option("--disconnect-after", sim_opt.disconnect_after_orders,
                  "drop every session after this many orders (0 = never)")
      ->capture_default_str();
  sim->add_option("--mass-cancel", sim_opt.mass_cancel,
                  "OrderMassCancelRequest (35=q): accept (cancel the session's orders), reject "
                  "(35=r 531=0) or ignore (no answer)")
      ->check(CLI::IsMember({"accept", "reject", "ignore"}))
      ->capture_default_str();
  sim->add_flag("--stamp-now", sim_opt.stamp_now,
                "stamp each tape event with the wall clock as it is replayed (a live feed for an "
                "engine on the wall clock); the tape's times still pace it");
  sim->add_option("--wait-logon-s", sim_opt.wait_logon_s,
                  "seconds to wait for a subscriber before replaying")
      ->capture_default_str();

  ballast::tools::ReplayOptions replay_opt;
  auto* replay = app.add_subcommand(
      "replay",
      "Rebuilds the engine a journal was written by (its manifest.txt) and re-runs every "
      "recorded input; --verify compares the regenerated order messages with the journaled "
      "ones and reports the first divergence (docs/journal.md).");
  replay->add_option("--journal", replay_opt.journal,
                     "journal directory (with --fix-log: only its manifest, for the desk)");
  replay->add_option("--fix-log", replay_opt.fix_log,
                     "a recorded FIX message log fed into the engine as if live; the engine's "
                     "orders are compared with the log's");
  replay->add_option("--config", replay_opt.config,
                     "with --fix-log: the desk of this configuration instead of a journal's");
  replay->add_option("--session-date", replay_opt.session_date,
                     "with --config: the trading date (YYYY-MM-DD) whose market context (risk "
                     "model, ADV) to build; default: the date of the configuration's files, or "
                     "today when it trades on FIX market data");
  replay->add_flag("--verify", replay_opt.verify, "compare with the journaled order messages");
  auto* journal = app.add_subcommand("journal", "Checks or prints a journal (docs/journal.md).");
  journal->require_subcommand(1);
  std::string journal_dir;
  ballast::VerifyOptions verify_opt;
  auto* jverify = journal->add_subcommand(
      "verify",
      "Checks every segment and record: exit 0 with a summary, or 1 naming the first "
      "problem (segment, byte offset, what was expected).");
  jverify->add_option("dir", journal_dir, "journal directory")->required();
  jverify->add_flag("--strict", verify_opt.strict, "a torn tail is an error too");
  std::vector<std::string> verify_stores;
  jverify->add_option("--fix-store", verify_stores,
                      "a QuickFIX store (.body file or directory): every order it sent must be in "
                      "the journal (finds a lost tail the journal alone cannot see)");
  ballast::DumpOptions dump_opt;
  bool dump_json = false;
  auto* jdump = journal->add_subcommand("dump", "Prints every record, as text or JSON lines.");
  jdump->add_option("dir", journal_dir, "journal directory")->required();
  jdump->add_flag("--json", dump_json, "JSON lines instead of text");
  jdump->add_option("--from", dump_opt.from_seq, "first record seq");
  jdump->add_option("--to", dump_opt.to_seq, "last record seq");
  jdump->add_flag("--events-only", dump_opt.events_only, "no meta records");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help/version on success codes; argument errors exit 2 like other bad input.
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  ballast::LoggingConfig log_cfg;
  (void)ballast::kLogLevelNames.parse(log_level, log_cfg.level);  // IsMember checked the name
  auto logger = ballast::tools::start_logging(log_cfg);
  if (!logger) {
    std::cerr << "ballast: " << logger.error().message << "\n";
    return 1;
  }

  int rc = 0;
  if (*check) {
    spdlog::info("check-config {}", config_path);
    // The configuration's own checks, then what `run` would build from it (the risk model from
    // the daily closes, the engine): "ok" only when run would start.
    std::ostringstream ok_text;
    rc = ballast::config::check_config_main(config_path, ok_text, std::cerr);
    if (rc == 0) rc = ballast::tools::check_run_inputs(config_path, std::cerr);
    std::cout << (rc == 0 ? ok_text.str() : std::string());
    spdlog::info("check-config {}: {}", config_path, rc == 0 ? "ok" : "problems found");
  } else if (*optimize) {
    rc = ballast::tools::optimize_main(problem_path, std::cout, std::cerr);
  } else if (*demo) {
    if (!demo_until.empty()) {
      demo_opt.end_seconds =
          std::stoi(demo_until.substr(0, 2)) * 3600 + std::stoi(demo_until.substr(3, 2)) * 60;
    }
    if (auto l = ballast::tools::start_logging(ballast::tools::demo_logging()); !l) {
      std::cerr << "ballast demo: " << l.error().message << "\n";
      return 1;
    }
    rc = ballast::tools::run_demo(demo_opt, std::cout, std::cerr).exit_code;
  } else if (*jverify) {
    rc = ballast::journal_verify(journal_dir, std::cout, std::cerr, verify_opt);
    if (rc == 0 && !verify_stores.empty()) {
      rc = ballast::kernel::verify_fix_stores(journal_dir, verify_stores, std::cout, std::cerr);
    }
  } else if (*jdump) {
    if (dump_json) dump_opt.format = ballast::DumpFormat::kJson;
    rc = ballast::journal_dump(journal_dir, std::cout, std::cerr, dump_opt);
  } else if (*replay) {
    rc = ballast::tools::replay_main(replay_opt, std::cout, std::cerr);
  } else if (*run) {
    rc = run_with_logging(run_opt);
  } else if (*sim) {
    rc = ballast::tools::broker_sim_main(sim_opt, std::cout, std::cerr);
  } else {
    std::cout << app.help();
  }
  ballast::tools::stop_logging();
  return rc;
}
