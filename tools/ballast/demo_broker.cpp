// `ballast demo --role broker`: broker-sim alone for the crash tests (the engine runs in another
// process on the same port and directory), and the broker-sim pieces the in-process demo shares.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "ballast/adapters/fix_bridge.hpp"
#include "ballast/fix/broker_sim.hpp"
#include "demo_internal.hpp"
#include "paced_replay.hpp"
#include "stop_signal.hpp"

namespace ballast::tools::demo_detail {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

}  // namespace

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

/// --role broker: broker-sim alone, replaying the tape once the engine has subscribed; then it
/// stays up (resends, status requests of a restarted engine) until SIGTERM or linger_s.
DemoResult run_demo_broker(const DemoOptions& opt, std::ostream& out, std::ostream& err) {
  DemoResult res;
  const DemoFailure fail{res, err, "ballast demo --role broker"};
  auto setup = role_setup(opt);
  if (!setup) return fail(setup.error().message);
  const DemoSetup& d = setup.value();
  install_stop_signal_handlers();
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
  while (!stop_requested() && sim->counters().md_subscriptions == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto schedule = speed_schedule(opt.speed);
  if (!schedule) {
    sim->stop();
    return fail("--speed: " + schedule.error().message);
  }
  VectorReader tape_reader(d.tape, opening);
  paced_replay(tape_reader, schedule.value(), &stop_flag(), [&](const Event& e) {
    fix::TapeEvent te;
    if (to_tape_event(e, d.s.instruments, te)) sim->on_tape(te);
  });
  { std::ofstream(done_marker) << "tape replayed\n"; }
  out << "broker-sim: tape replayed" << std::endl;
  const auto linger_end =
      Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(opt.linger_s * 1000));
  while (!stop_requested() && Clock::now() < linger_end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  sim->stop();
  const auto c = sim->counters();
  out << "broker-sim: " << c.orders << " orders, " << c.fills << " fills, " << c.disconnects
      << " disconnects" << std::endl;
  return res;
}

}  // namespace ballast::tools::demo_detail
