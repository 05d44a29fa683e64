// `ballast run --config FILE` (the engine against the configured FIX sessions and market data)
// and `ballast broker-sim` (the simulator on its own, for a separate engine process).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "ballast/core/exchange_time.hpp"
#include "ballast/core/result.hpp"
#include "ballast/kernel/kernel.hpp"
#include "manifest.hpp"

namespace ballast::tools {

struct RunOptions {
  std::string config;
  std::uint32_t epoch = 0;  ///< 0: chosen at start (docs/journal.md, ClOrdID uniqueness)
  /// At stop: every account's positions and cash as CSV (write_positions_csv); empty: none.
  std::string positions_out{};
  /// At stop: every counter any thread may read (Kernel::counters()) as CSV "counter,value";
  /// empty: none.
  std::string counters_out{};
};

/// Runs until SIGINT/SIGTERM, then prints the stop summary (orders, fills, denials by reason, FIX
/// counters, accounts in and out of band, drift per model). Exit codes: 0 clean stop, 1 runtime
/// failure (or the positions or counters file could not be written), 2 bad configuration or
/// options.
int run_main(const RunOptions& opt, std::ostream& out, std::ostream& err);

/// What `ballast check-config` adds to the configuration's own checks: builds the engine `run`
/// would build (the risk model from the daily closes, every component), offline, so a file that
/// `run` would refuse is refused here, naming the key and the file. 0, or 2 with the error.
int check_run_inputs(const std::string& config_path, std::ostream& err);

/// The engine of a `ballast run` journal (manifest kind run), offline: for `ballast replay`.
/// Refuses when the configuration or price-history file changed since the journal was written.
Result<std::unique_ptr<kernel::Kernel>> run_replay_engine(const Manifest& m);

/// The engine of a configuration, offline (no FIX, no journal writer): `ballast replay --fix-log`.
/// `session`: the trading date whose market context to build (a FIX log of a live day); none:
/// the date the configuration's files give, or today (FIX market data only).
Result<std::unique_ptr<kernel::Kernel>> run_offline_engine(
    const std::string& config_path, std::optional<CivilDate> session = std::nullopt);

struct BrokerSimOptions {
  int port = 0;
  std::string tape;  ///< empty: the shipped NASDAQ day
  double speed = 60.0;
  std::string fix_version = "FIX.4.4";
  std::string sender = "BROKERSIM";
  std::string target = "BALLAST";
  std::string dir = "var/broker-sim";
  std::int64_t ack_latency_us = 0;
  double reject_rate = 0.0;
  double unsolicited_cancel_rate = 0.0;
  std::uint64_t disconnect_after_orders = 0;
  int wait_logon_s = 60;
  std::size_t max_message_bytes = 64 * 1024;  ///< BrokerSimConfig's limits (docs/fix.md)
  int logon_timeout_ms = 10000;
  int max_pending_connections = 16;
  std::string mass_cancel = "accept";  ///< accept | reject | ignore (BrokerSimConfig::MassCancel)
  /// Stamps every tape event with the wall clock when it is replayed, not the tape's time: a live
  /// feed for an engine on the wall clock (a `fix` market-data source), still paced by the tape.
  bool stamp_now = false;
};

/// Serves until the tape ends (then 5 s more) or SIGINT/SIGTERM.
int broker_sim_main(const BrokerSimOptions& opt, std::ostream& out, std::ostream& err);

}  // namespace ballast::tools
