// Fuzz target: broker-sim's inbound path, as a peer's bytes take it. Each input is one
// connection to a real BrokerSim (sessions, FileStore, logs, matcher, worker thread; no socket):
// the bytes go through sim::InboundStream, the same code a connection thread runs (framing,
// session lookup, QuickFIX Session::next, BrokerSimImpl::fromApp, the matcher), in chunks of
// random size. A crash, a sanitizer report, an exception escaping the stream, or the sim no
// longer logging on a clean session is a finding.
//
// Byte 0 of the input (fuzz_support.hpp):
//   bit 0: log on first (a valid Logon, 141=Y) so application messages reach the sim
//   bit 1: normalise frames (our CompIDs, the next MsgSeqNum, a current SendingTime)
//   bit 2: FIX.4.2 session instead of FIX.4.4
//   bits 4-7: chunking seed
// The sim's worker applies orders on its own thread; the harness waits for it to go idle before
// closing the connection, so the reports of each input are built and sent.
#pragma GCC diagnostic ignored "-Wdeprecated"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "ballast/fix/broker_sim.hpp"
#include "fuzz_support.hpp"
#include "sim/broker_sim_detail.hpp"

namespace ballast {
namespace fix {
namespace fuzz {
namespace {

/// What the sim sends, counted (the worker thread sends too).
class Sink : public sim::Transport {
 public:
  bool send(const std::string& bytes) override {
    std::lock_guard<std::mutex> lk(mu_);
    if (shut_) return false;
    ++messages_;
    if (bytes.find("\x01"
                   "35=A\x01") != std::string::npos)
      ++logons_;
    if (bytes.find("\x01"
                   "35=8\x01") != std::string::npos)
      ++reports_;
    return true;
  }
  void shut() override {
    std::lock_guard<std::mutex> lk(mu_);
    shut_ = true;
  }
  std::uint64_t logons() const {
    std::lock_guard<std::mutex> lk(mu_);
    return logons_;
  }
  std::uint64_t reports() const {
    std::lock_guard<std::mutex> lk(mu_);
    return reports_;
  }

 private:
  mutable std::mutex mu_;
  bool shut_ = false;
  std::uint64_t messages_ = 0, logons_ = 0, reports_ = 0;
};

const char* const kSymbols[] = {"SPY", "AAPL", "AMZN", "GOOG", "IBM", "MSFT"};
const std::int64_t kCent = 10000000;

std::string scratch_root() {
  const char* shm = "/dev/shm";
  return ::access(shm, W_OK) == 0 ? shm : "/tmp";
}

void remove_tree(const std::string& dir) {
  if (dir.empty()) return;
  const std::string cmd = "rm -rf '" + dir + "'";
  if (std::system(cmd.c_str()) != 0)
    std::fprintf(stderr, "fuzz: could not remove %s\n", dir.c_str());
}

/// The sim under test, recreated every kRestartEvery inputs so its store, logs and order book stay
/// small.
struct Rig {
  static const int kRestartEvery = 3000;
  std::string dir;
  std::unique_ptr<BrokerSim> sim;
  int inputs = 0;
  std::uint64_t logons = 0, reports = 0, inputs_total = 0, restarts = 0;

  ~Rig() { stop(); }
  void stop() {
    if (sim) sim->stop();
    sim.reset();
    remove_tree(dir);
    dir.clear();
  }
  void start() {
    stop();
    std::string tmpl = scratch_root() + "/ballast_fuzz_sim.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
      std::fprintf(stderr, "fuzz: mkdtemp failed\n");
      std::abort();
    }
    dir = buf.data();
    BrokerSimConfig cfg;
    for (const char* begin : {"FIX.4.4", "FIX.4.2"}) {
      SimSession s;
      s.begin_string = begin;
      s.sender_comp_id = "BROKERSIM";
      s.target_comp_id = "BALLAST";
      cfg.sessions.push_back(s);
    }
    cfg.store_dir = dir + "/store";
    cfg.log_dir = dir + "/log";
    cfg.message_log = dir + "/messages.log";
    cfg.max_message_bytes = 4096;
    std::string error;
    sim = BrokerSim::create(cfg, error);
    if (!sim || !sim::start_without_socket(*sim, error)) {
      std::fprintf(stderr, "fuzz: broker-sim did not start: %s\n", error.c_str());
      std::abort();
    }
    std::int64_t t = 1340289000LL * 1000000000LL;
    for (const char* sym : kSymbols) {
      TapeEvent e;
      std::strncpy(e.symbol, sym, sizeof(e.symbol) - 1);
      e.time_ns = ++t;
      e.bid = 13600 * kCent;
      e.bid_size = 500000000;
      e.ask = 13610 * kCent;
      e.ask_size = 200000000;
      sim->on_tape(e);
    }
    inputs = 0;
    ++restarts;
  }
};

Rig& rig() {
  static Rig r;
  return r;
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz broker_sim: %s\n", what);
    std::abort();
  }
}

}  // namespace
}  // namespace fuzz
}  // namespace fix
}  // namespace ballast

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ballast::fix;
  using namespace ballast::fix::fuzz;
  if (size == 0) return 0;
  Rig& r = rig();
  if (!r.sim || r.inputs >= Rig::kRestartEvery) r.start();
  ++r.inputs;
  ++r.inputs_total;
  const std::uint8_t opt = data[0];
  const bool do_logon = (opt & 1) != 0;
  const bool normalise = (opt & 2) != 0;
  const std::string begin = (opt & 4) != 0 ? "FIX.4.2" : "FIX.4.4";
  std::string stream(reinterpret_cast<const char*>(data + 1), size - 1);
  int seq = 2;
  if (normalise) stream = normalise_stream(stream, "BALLAST", "BROKERSIM", seq);
  if (do_logon) {
    stream = make_frame(begin, soh("35=A|34=1|49=BALLAST|52=" + now_text() +
                                   "|56=BROKERSIM|98=0|108=30|141=Y|")) +
             stream;
  }

  Sink sink;
  {
    std::unique_ptr<sim::InboundStream> conn = sim::open_stream(*r.sim, sink);
    check(conn != nullptr, "open_stream returned null");
    Chunker chunks(opt >> 4);
    std::string why;
    std::size_t pos = 0;
    bool open = true;
    while (open && pos < stream.size()) {
      const std::size_t n = std::min(chunks.next(), stream.size() - pos);
      open = conn->on_bytes(stream.data() + pos, n, why);  // must return, never throw
      pos += n;
    }
    if (open) open = conn->on_timer(std::chrono::steady_clock::now(), why);
    sim::wait_idle(*r.sim);
    conn->close(open ? "end of input" : why);
  }
  r.logons += sink.logons();
  r.reports += sink.reports();

  // The sim must still serve a clean session after whatever came before.
  if (r.inputs_total % 512 == 0) {
    Sink clean;
    std::unique_ptr<sim::InboundStream> conn = sim::open_stream(*r.sim, clean);
    const std::string logon = make_frame("FIX.4.4", soh("35=A|34=1|49=BALLAST|52=" + now_text() +
                                                        "|56=BROKERSIM|98=0|108=30|141=Y|"));
    std::string why;
    check(conn->on_bytes(logon.data(), logon.size(), why), why.c_str());
    check(conn->logged_on() && clean.logons() == 1, "a clean Logon was not answered");
    conn->close("clean check done");
  }
  return 0;
}

/// Printed by the plain driver at the end (fuzz_driver.cpp).
extern "C" const char* ballast_fuzz_report() {
  using namespace ballast::fix::fuzz;
  static char text[256];
  const Rig& r = rig();
  std::snprintf(
      text, sizeof(text),
      "broker-sim: %llu inputs, %llu Logons answered, %llu execution reports sent, "
      "%llu sim restarts",
      static_cast<unsigned long long>(r.inputs_total), static_cast<unsigned long long>(r.logons),
      static_cast<unsigned long long>(r.reports), static_cast<unsigned long long>(r.restarts));
  return text;
}

extern "C" void ballast_fuzz_cleanup() {
  ballast::fix::fuzz::rig().stop();
}
