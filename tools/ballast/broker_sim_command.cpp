// `ballast broker-sim`: the simulator on its own (a QuickFIX acceptor replaying a tape), for a
// separate engine process. Declared in run_command.hpp.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <thread>

#include "ballast/adapters/fix_bridge.hpp"
#include "ballast/adapters/tape_file.hpp"
#include "ballast/fix/broker_sim.hpp"
#include "paced_replay.hpp"
#include "run_command.hpp"
#include "stop_signal.hpp"

#ifndef BALLAST_DATA_DIR
#define BALLAST_DATA_DIR "data"
#endif

namespace ballast::tools {

namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

}  // namespace

int broker_sim_main(const BrokerSimOptions& opt, std::ostream& out, std::ostream& err) {
  const fs::path tape_path =
      !opt.tape.empty() ? fs::path(opt.tape)
      : fs::exists("data/intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv")
          ? fs::path("data/intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv")
          : fs::path(BALLAST_DATA_DIR) / "intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv";
  // The tape's symbols make the instrument table (the simulator trades whatever it replays).
  InstrumentTable instruments;
  {
    std::ifstream in(tape_path);
    if (!in) {
      err << "ballast broker-sim: cannot open the tape " << tape_path.string() << "\n";
      return 2;
    }
    std::set<std::string> symbols;
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      const auto a = line.find(',');
      const auto b = line.find(',', a + 1);
      if (a == std::string::npos || b == std::string::npos) continue;
      symbols.insert(line.substr(a + 1, b - a - 1));
    }
    for (const auto& sym : symbols) {
      Instrument ins;
      ins.symbol = sym;
      if (auto r = instruments.add(ins); !r) {
        err << "ballast broker-sim: " << tape_path.string() << ": " << r.error().message << "\n";
        return 2;
      }
    }
  }
  auto reader = TapeFileReader::open(tape_path.string(), instruments);
  if (!reader) {
    err << "ballast broker-sim: " << reader.error().message << "\n";
    return 2;
  }
  fix::BrokerSimConfig sc;
  sc.port = opt.port;
  sc.sessions.push_back({opt.fix_version, opt.sender, opt.target});
  sc.store_dir = (fs::path(opt.dir) / "store").string();
  sc.log_dir = (fs::path(opt.dir) / "log").string();
  sc.message_log = (fs::path(opt.dir) / "messages.log").string();
  sc.ack_latency_us = opt.ack_latency_us;
  sc.reject_rate = opt.reject_rate;
  sc.unsolicited_cancel_rate = opt.unsolicited_cancel_rate;
  sc.disconnect_after_orders = opt.disconnect_after_orders;
  sc.max_message_bytes = opt.max_message_bytes;
  sc.logon_timeout_ms = opt.logon_timeout_ms;
  sc.max_pending_connections = opt.max_pending_connections;
  sc.mass_cancel = opt.mass_cancel == "reject"   ? fix::BrokerSimConfig::MassCancel::kReject
                   : opt.mass_cancel == "ignore" ? fix::BrokerSimConfig::MassCancel::kIgnore
                                                 : fix::BrokerSimConfig::MassCancel::kAccept;
  std::string error;
  auto sim = fix::BrokerSim::create(sc, error);
  if (!sim || !sim->start(error)) {
    err << "ballast broker-sim: " << error << "\n";
    return 1;
  }
  install_stop_signal_handlers();
  // --stamp-now: the wall clock's time replaces the tape's (never going back: the simulator's
  // clock is its tape's).
  std::int64_t last_stamp = 0;
  auto stamped = [&](fix::TapeEvent& te) -> fix::TapeEvent& {
    if (opt.stamp_now) {
      const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
      last_stamp = te.time_ns = std::max(now, last_stamp);
    }
    return te;
  };
  // The opening book: the tape up to every symbol's first quote goes in before anyone
  // subscribes, so a market-data request made while broker-sim waits for it finds its symbols
  // (a symbol the tape has not shown yet is refused as unknown) and gets a snapshot.
  {
    std::vector<bool> quoted(instruments.size(), false);
    std::size_t missing = instruments.size();
    while (missing > 0) {
      const auto e = reader.value().next();
      if (!e) break;
      fix::TapeEvent te;
      if (to_tape_event(*e, instruments, te)) sim->on_tape(stamped(te));
      if (const auto* q = std::get_if<QuoteUpdated>(&*e); q && !quoted[q->instrument.value]) {
        quoted[q->instrument.value] = true;
        --missing;
      }
    }
  }
  out << "broker-sim: listening on 127.0.0.1:" << opt.port << " (" << opt.fix_version << ", "
      << opt.sender << " <- " << opt.target << "), message log " << sc.message_log << std::endl;
  const auto deadline = SteadyClock::now() + std::chrono::seconds(opt.wait_logon_s);
  while (!stop_requested() && sim->counters().md_subscriptions == 0 &&
         SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  out << "broker-sim: replaying " << tape_path.string() << " at "
      << (opt.speed > 0 ? std::to_string(opt.speed) + "x" : std::string("full speed")) << std::endl;
  auto schedule = speed_schedule(opt.speed);
  if (!schedule) {
    err << "ballast broker-sim: --speed: " << schedule.error().message << "\n";
    sim->stop();
    return 2;
  }
  const Status st =
      paced_replay(reader.value(), schedule.value(), &stop_flag(), [&](const Event& e) {
        fix::TapeEvent te;
        if (!to_tape_event(e, instruments, te)) return;
        sim->on_tape(stamped(te));
      }).status;
  const auto linger = SteadyClock::now() + std::chrono::seconds(5);
  while (!stop_requested() && SteadyClock::now() < linger) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  sim->stop();
  const auto c = sim->counters();
  out << "broker-sim: " << c.orders << " orders, " << c.fills << " fills, " << c.rejects
      << " rejects, " << c.cancels << " cancels, " << c.disconnects << " disconnects\n";
  if (!st) {
    err << "ballast broker-sim: " << st.error().message << "\n";
    return 1;
  }
  return 0;
}

}  // namespace ballast::tools
