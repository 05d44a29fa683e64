// The raw-QuickFIX side of the FIX-path benchmark (bench/fix_path_bench.cpp): a minimal QuickFIX
// initiator that sends NewOrderSingle and waits for the ExecutionReport fill, and a minimal
// QuickFIX acceptor that answers every NewOrderSingle at once with an ack and a fill. Plain C++14
// interface (no QuickFIX types) so the C++20 benchmark can use it; QuickFIX stays in
// fix_raw_peer.cpp, which compiles as C++14 (Debian's QuickFIX 1.15 headers need it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ballast {
namespace benchfix {

/// One order of the benchmark's sequence, the same for both paths: alternately a buy at the ask
/// and a sell at the bid (both marketable, so the acceptor fills at once), 1..5 shares, so no two
/// of an account's last four orders are the same (the compliance gate's duplicate rule).
struct BenchOrder {
  char side = '1';         ///< '1' buy, '2' sell
  std::int64_t qty = 0;    ///< raw 1e-6 (whole shares)
  std::int64_t price = 0;  ///< raw 1e-9: the ask for a buy, the bid for a sell
};

/// The quote both acceptors fill against (raw 1e-9 prices, raw 1e-6 sizes).
constexpr std::int64_t kBenchBid = 100000000000LL;             // 100.00
constexpr std::int64_t kBenchAsk = 100010000000LL;             // 100.01
constexpr std::int64_t kBenchSize = 1000000000LL * 1000000LL;  // 1e9 shares displayed
constexpr const char* kBenchSymbol = "AAPL";
constexpr const char* kBenchAccount = "ACC1";

inline BenchOrder bench_order(std::uint64_t i) {
  BenchOrder o;
  o.side = (i % 2 == 0) ? '1' : '2';
  o.qty = static_cast<std::int64_t>(1 + (i / 2) % 5) * 1000000LL;
  o.price = o.side == '1' ? kBenchAsk : kBenchBid;
  return o;
}

/// Monotonic time in ns (CLOCK_MONOTONIC, the clock both paths stamp with).
std::int64_t mono_ns();

/// One measured phase of the raw path: `orders` round trips with at most `window` outstanding.
struct RawPhaseResult {
  bool ok = false;
  std::string error;
  std::vector<std::int64_t> rtt_ns;   ///< per order: build+send -> fill seen (window 1: all)
  std::vector<std::int64_t> send_ns;  ///< window 1: build + Session::send
  std::vector<std::int64_t> wire_ns;  ///< window 1: send returned -> fromApp(fill) entered
  std::int64_t elapsed_ns = 0;        ///< first send -> last fill
  std::uint64_t acks = 0, fills = 0, other = 0;
};

struct RawInitiatorConfig {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string sender_comp_id = "RAW";
  std::string target_comp_id = "BROKERSIM";
  std::string store_dir;   ///< FileStore
  std::string log_dir;     ///< FileLog
  std::string dictionary;  ///< FIX44.xml (UseDataDictionary=Y, as Ballast's sessions)
};

/// A plain QuickFIX 1.15 application (SocketInitiator, FileStore, FileLog, data dictionary,
/// SocketNodelay; the same session settings Ballast's initiator uses). It sends each order from
/// the thread that learns of the previous fill (QuickFIX's, in fromApp), like a minimal client.
class RawInitiator {
 public:
  static std::unique_ptr<RawInitiator> create(const RawInitiatorConfig& cfg, std::string& error);
  virtual ~RawInitiator() = default;
  virtual bool start(std::string& error) = 0;
  virtual bool logged_on() const = 0;
  virtual void stop() = 0;
  /// Runs one phase and blocks until every fill arrived or `timeout_ms` passed. Order numbers
  /// continue across phases (ClOrdIDs never repeat on the session).
  virtual RawPhaseResult run(std::uint64_t orders, std::uint32_t window, int timeout_ms) = 0;
};

struct LeanAcceptorConfig {
  int port = 0;                      ///< 0: a free port (port() tells which)
  std::vector<std::string> clients;  ///< TargetCompIDs accepted (our SenderCompID: BROKERSIM)
  std::string store_dir;
  std::string log_dir;
  std::string dictionary;  ///< FIX44.xml
};

/// A minimal QuickFIX acceptor (SocketAcceptor: one thread for every connection; FileStore,
/// FileLog, data dictionary): every NewOrderSingle gets, from inside fromApp, an ExecutionReport
/// New and then a Fill at its limit (the same two reports broker-sim sends for a marketable
/// order). No matching, no queue, no extra thread: the cheapest acceptor QuickFIX allows.
class LeanAcceptor {
 public:
  static std::unique_ptr<LeanAcceptor> create(const LeanAcceptorConfig& cfg, std::string& error);
  virtual ~LeanAcceptor() = default;
  virtual bool start(std::string& error) = 0;
  virtual int port() const = 0;
  virtual void stop() = 0;
  virtual std::uint64_t orders() const = 0;
};

}  // namespace benchfix
}  // namespace ballast
