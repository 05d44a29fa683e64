// `ballast demo`: the whole loop on this machine. broker-sim (a QuickFIX acceptor) and the engine
// talk FIX over loopback TCP while a real recorded trading day (NASDAQ, 2012-06-21: AAPL, AMZN,
// GOOG, shipped in data/) is replayed through the simulator; a desk of model portfolios with
// drifted starting weights triggers, optimizes, slices, passes compliance, trades and ends on
// target. docs/demo.md.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>

#include "ballast/core/result.hpp"
#include "ballast/kernel/kernel.hpp"
#include "manifest.hpp"

namespace ballast::tools {

struct DemoOptions {
  int accounts_per_model = 1000;  ///< three models
  double speed = 300.0;           ///< replay speed (x recorded); 0 = as fast as possible
  std::string fix_version = "FIX.4.4";
  std::string dir = "var/demo";  ///< FIX store/logs, broker-sim message log (wiped at start)
  std::string tape;              ///< empty: the shipped NASDAQ extract
  std::string closes;            ///< empty: the shipped daily closes (risk model)
  std::uint64_t seed = 42;       ///< starting weights
  /// Replay stops at this local time (seconds after midnight); 0 = the whole session.
  int end_seconds = 0;
  bool progress = true;
  /// broker-sim fault injection: drop every session after this many new orders (0 = never).
  std::uint64_t disconnect_after_orders = 0;
  double reject_rate = 0.0;
  std::int64_t ack_latency_us = 0;
  /// "all": broker-sim and engine in this process (the demo). For crash tests, the two halves
  /// as separate processes sharing `dir` and `port`: "broker" (broker-sim replaying the tape,
  /// until SIGTERM or `linger_s` after the tape) and "engine" (the engine; resumes from the
  /// journal in dir/journal after a crash; at the end of the tape it reconciles against
  /// dir/broker-sim/messages.log). Neither wipes `dir`.
  std::string role = "all";
  int port = 0;  ///< roles broker/engine: the TCP port on 127.0.0.1
  double linger_s = 600;
  /// Tests: the engine journal's file operations (injected write failures); null: POSIX.
  JournalIo* journal_io = nullptr;
  /// The operator API (docs/operator.md) on this port of 127.0.0.1 (0: any free one), with the
  /// read token from $BALLAST_OPERATOR_READ_TOKEN and, when set, the control token from
  /// $BALLAST_OPERATOR_CONTROL_TOKEN; -1: no API. Role "all" only.
  int operator_port = -1;
};

struct DemoResult {
  int exit_code = 0;
  std::uint64_t accounts = 0, accounts_outside_band_before = 0, accounts_outside_band_after = 0;
  std::uint64_t parents = 0, children = 0, fills = 0, denials = 0, rejects = 0;
  std::uint64_t positions_checked = 0, position_mismatches = 0;  ///< vs broker-sim's message log
  std::uint64_t log_fills = 0;             ///< distinct fills in broker-sim's message log
  std::uint64_t duplicate_cl_ord_ids = 0;  ///< NewOrderSingles in the log sharing a ClOrdID
  std::uint64_t sim_disconnects = 0, logons = 0;
  std::uint64_t still_working = 0;
  std::uint64_t reconciled_fills = 0;  ///< booked from status reports (fills lost in a crash)
  double seconds = 0;
  std::string message_log;
};

/// The demo's options as a run manifest (next to its journal), and back.
Manifest demo_manifest(const DemoOptions& opt);
Result<DemoOptions> demo_options_from(const Manifest& m);
/// The demo's engine as `opt` builds it, not started. offline (`ballast replay`): no FIX
/// session and no journal writer; otherwise it opens (and recovers from) opt.dir/journal.
Result<std::unique_ptr<kernel::Kernel>> demo_engine(const DemoOptions& opt, bool offline);

/// Runs the demo; progress on `progress` (a live line), the summary on `out`, problems on `err`.
DemoResult run_demo(const DemoOptions& opt, std::ostream& out, std::ostream& err);

/// The `logging` section of the demo's built-in configuration (its defaults: warn, console, no
/// file), which `ballast demo` applies before it starts.
LoggingConfig demo_logging();

}  // namespace ballast::tools
