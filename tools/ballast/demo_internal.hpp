// The demo's pieces shared by its files (not part of demo_command.hpp's API):
//   demo_setup.cpp      the embedded desk configuration, the generated accounts, the tape and the
//                       market context (DemoSetup), the manifest, demo_engine
//   demo_broker.cpp     broker-sim's configuration and opening book, `--role broker`
//   demo_report.cpp     reconciliation with broker-sim's message log, drift before, slippage
//   demo_command.cpp    the run loops (`--role all`, `--role engine`) and run_demo
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "ballast/adapters/market_data_reader.hpp"
#include "ballast/config/config.hpp"
#include "ballast/core/events.hpp"
#include "ballast/fix/broker_sim.hpp"
#include "ballast/kernel/kernel.hpp"
#include "ballast/kernel/market_context.hpp"
#include "demo_command.hpp"
#include "run_summary.hpp"

namespace ballast::tools::demo_detail {

/// The shipped recorded day and the daily closes before it.
inline constexpr const char* kShippedTape = "intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv";
inline constexpr const char* kShippedCloses =
    "daily/pyportfolioopt_closes_2011-06-01_2012-06-20.csv";

/// `given`, or the shipped file: data/<shipped> under the working directory, else the source
/// tree's.
std::filesystem::path data_file(const std::string& given, const char* shipped);

/// hh:mm:ss of `t` at `offset` from UTC.
std::string local_hms(Timestamp t, std::chrono::minutes offset);

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

/// The desk with the FIX session on 127.0.0.1:`port`, its files under opt.dir.
Result<DemoSetup> build_setup(const DemoOptions& opt, int port);

/// The setup of a `--role broker|engine` process: the desk on opt.port, which it requires.
Result<DemoSetup> role_setup(const DemoOptions& opt);

/// Ends a demo run: `why` on err after the command's name (e.g. "ballast demo --role broker"),
/// exit code 1; returns the result so far.
struct DemoFailure {
  DemoResult& res;
  std::ostream& err;
  const char* command;
  DemoResult operator()(const std::string& why) const;
};

/// The kernel options of the demo's engine (market clock at opt.speed, the setup's context).
kernel::KernelOptions runtime_options(const DemoSetup& d, const DemoOptions& opt);

/// broker-sim's configuration: the counterpart of the desk's FIX session, files under opt.dir.
fix::BrokerSimConfig sim_config(const DemoOptions& opt, const config::Settings& s, int port);

/// Feeds the tape up to every symbol's first quote to broker-sim; returns where it stopped.
std::size_t prime_opening_book(const std::vector<Event>& tape, const InstrumentTable& ins,
                               fix::BrokerSim& sim);

/// `--role broker`.
DemoResult run_demo_broker(const DemoOptions& opt, std::ostream& out, std::ostream& err);

/// Compares Ballast's book with broker-sim's message log (the ground truth): what each account
/// traded per symbol, distinct fills, duplicate ClOrdIDs. False when the log cannot be read.
bool reconcile(const kernel::Kernel& eng, const config::Settings& s, DemoResult& res,
               std::ostream& out, std::ostream& err);

/// Adds each model's drift before trading (the starting weights at the opening mids) to `md`.
void add_drift_before(const kernel::Kernel& eng, const DemoSetup& d, std::vector<ModelDrift>& md);

/// Prints the notional-weighted slippage of the filled parents vs arrival and interval VWAP.
void print_slippage(const kernel::Kernel& eng, const DemoSetup& d, std::ostream& out);

}  // namespace ballast::tools::demo_detail
