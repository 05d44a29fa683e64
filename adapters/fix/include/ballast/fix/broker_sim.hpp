// broker-sim: a FIX acceptor (QuickFIX) that behaves like a broker plus an exchange, for the demo
// and for tests. It accepts NewOrderSingle, OrderCancelRequest, OrderCancelReplaceRequest and
// OrderStatusRequest; fills marketable orders at the touch up to the displayed size and passive
// orders when the replayed tape trades through their price; partial fills; configurable ack
// latency, reject rate, disconnect schedule and unsolicited cancels; serves the same tape as
// market data (MarketDataRequest -> snapshot + incremental refresh) to subscribers; writes every
// message it receives and sends to one file (the ground truth for tests).
//
// Plain C++14 interface; QuickFIX stays inside adapters/fix/src.
// Threads: on_tape() from one replay thread; QuickFIX callbacks on QuickFIX's thread; a mutex
// inside serialises the two (a simulator, not the engine's hot path).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ballast/fix/fix_messages.hpp"

namespace ballast {
namespace fix {

/// A session the simulator accepts (its own comp id is sender_comp_id).
struct SimSession {
  std::string begin_string = "FIX.4.4";  ///< "FIX.4.2" or "FIX.4.4"
  std::string sender_comp_id = "BROKERSIM";
  std::string target_comp_id = "BALLAST";
};

struct BrokerSimConfig {
  std::string bind_host = "127.0.0.1";
  int port = 0;
  std::vector<SimSession> sessions;  ///< all on the same port
  int heartbeat_s = 30;
  std::string store_dir;    ///< acceptor FileStore (created)
  std::string log_dir;      ///< QuickFIX logs (created); 553/554 redacted
  std::string message_log;  ///< every message in and out, one per line (see docs); required
  /// Data dictionary directory; empty: Ballast's own dictionaries (written under store_dir).
  std::string data_dictionary_dir;
  std::int64_t ack_latency_us = 0;       ///< delay before an order is acked/worked (wall time)
  double reject_rate = 0.0;              ///< share of new orders rejected (OrdRejReason 99)
  double unsolicited_cancel_rate = 0.0;  ///< per tape event, share of resting orders cancelled
  std::uint64_t seed = 1;                ///< for the two rates above
  /// Tape times (ns since the epoch) at which every session is disconnected once.
  std::vector<std::int64_t> disconnect_at_ns;
  /// After this many accepted new orders (counted over the run), disconnect once; 0 = never.
  std::uint64_t disconnect_after_orders = 0;
  /// OrderMassCancelRequest (35=q, FIX 4.4): "accept" cancels the session's orders (each with a
  /// Canceled report under its own ClOrdID) and answers 35=r 531=7 (or 1) with the count;
  /// "reject" answers 35=r 531=0 (MassCancelRejectReason 0, not supported) and cancels nothing;
  /// "ignore" answers nothing (a broker that drops the message).
  enum class MassCancel : std::uint8_t { kAccept, kReject, kIgnore };
  MassCancel mass_cancel = MassCancel::kAccept;

  // Limits on what a peer can make the sim hold (docs/fix.md, "Hostile peers").
  /// Largest BodyLength (9) accepted: a larger one closes the connection before the body is read
  /// (256 ..  64 MiB).
  std::size_t max_message_bytes = 64 * 1024;
  /// A connection without a completed Logon this long after it was accepted is closed (> 0).
  int logon_timeout_ms = 10000;
  /// Connections not logged on at once; one more is closed as soon as it is accepted (> 0).
  /// Logged-on connections are not counted (at most one per configured session).
  int max_pending_connections = 16;
};

/// One tape event (the recorded market): a top-of-book change or a trade print.
struct TapeEvent {
  char symbol[16] = {};
  std::int64_t time_ns = 0;
  bool is_trade = false;
  std::int64_t bid = 0;  ///< raw 1e-9; 0: side empty
  std::int64_t bid_size = 0;
  std::int64_t ask = 0;
  std::int64_t ask_size = 0;
  std::int64_t price = 0;  ///< trade price (is_trade)
  std::int64_t size = 0;   ///< trade size (is_trade)
};

/// A fill the simulator reported (one ExecutionReport with LastQty > 0).
struct SimFill {
  std::string session;  ///< "FIX.4.4:BROKERSIM->BALLAST"
  std::string account;
  std::string symbol;
  std::string cl_ord_id;
  std::string exec_id;
  char side = '1';
  std::int64_t qty = 0;    ///< raw 1e-6
  std::int64_t price = 0;  ///< raw 1e-9
  std::int64_t tape_time_ns = 0;
};

struct BrokerSimCounters {
  std::uint64_t orders = 0, cancels = 0, replaces = 0, status_requests = 0;
  std::uint64_t rejects = 0, unsolicited_cancels = 0, fills = 0, disconnects = 0;
  std::uint64_t md_subscriptions = 0, md_messages = 0, logons = 0;
  std::uint64_t mass_cancels = 0;  ///< OrderMassCancelRequests received
  std::uint64_t resting = 0;       ///< orders working now
  /// Connections accepted; closed at once (max_pending_connections); closed by the sim for bad
  /// bytes, a protocol error or the logon timeout (each with its reason in the QuickFIX event
  /// log); of those, closed for the logon timeout.
  std::uint64_t connections = 0, connections_refused = 0, connections_dropped = 0;
  std::uint64_t logon_timeouts = 0;
};

class BrokerSim {
 public:
  /// nullptr with `error` set when the configuration is unusable.
  static std::unique_ptr<BrokerSim> create(const BrokerSimConfig& cfg, std::string& error);
  virtual ~BrokerSim() = default;

  /// Starts listening. False with `error` set (e.g. port in use).
  virtual bool start(std::string& error) = 0;
  /// The port listened on: the configured one, or (port 0) the free one start() picked.
  virtual int port() const = 0;
  /// Logs out every session and stops listening; flushes the message log. Idempotent.
  virtual void stop() = 0;

  /// Applies one tape event: matches resting orders, publishes market data to subscribers, runs
  /// the disconnect schedule. Events must come in time order.
  virtual void on_tape(const TapeEvent& e) = 0;
  /// The last tape time applied (0 before the first).
  virtual std::int64_t tape_time_ns() const = 0;

  virtual std::vector<SimFill> fills() const = 0;
  virtual BrokerSimCounters counters() const = 0;
  /// Sessions logged on now.
  virtual int logged_on() const = 0;
};

}  // namespace fix
}  // namespace ballast
