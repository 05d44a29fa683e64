// Ballast's FIX initiator: order-routing sessions to brokers (and market data from them), over
// QuickFIX. The public interface is plain C++14 so the engine (C++20) can use it; QuickFIX types
// stay inside adapters/fix/src.
//
// Threads: QuickFIX calls back on its own thread(s); every callback is handed to the Listener at
// once (the bridge puts it on the core's inbound queue). start()/stop()/disconnect() are control
// calls and must all come from one thread (QuickFIX crashes on concurrent control calls:
// quickfix #346, #613, #300). send() may be called from any one thread at a time (the FIX
// sender thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ballast/base/counters.hpp"
#include "ballast/fix/fix_messages.hpp"

namespace ballast {
namespace fix {

/// The first character of a mass cancel's ClOrdID (Initiator::send_mass_cancel): the engine's own
/// order ClOrdIDs never begin with it, so a report or reject naming one is told apart at once.
constexpr char kMassIdPrefix = 'M';

/// Receives everything that comes in. Called on QuickFIX's threads; implementations must be
/// thread-safe and quick (copy and enqueue).
class Listener {
 public:
  virtual ~Listener() = default;
  virtual void on_execution_report(const ExecutionReport& r) = 0;
  virtual void on_cancel_reject(const CancelReject& r) = 0;
  virtual void on_session_reject(const SessionReject& r) = 0;
  virtual void on_business_reject(const BusinessReject& r) = 0;
  virtual void on_session_status(const SessionStatus& s) = 0;
  virtual void on_market_data(const MarketDataUpdate& m) = 0;
};

/// One initiator session. Validation errors name the session and the setting.
struct SessionConfig {
  std::string name;          ///< for messages and file names
  std::string begin_string;  ///< "FIX.4.2" or "FIX.4.4"
  std::string host = "127.0.0.1";
  int port = 0;
  std::string sender_comp_id;
  std::string target_comp_id;
  int heartbeat_s = 30;
  std::string username;  ///< Username (553) on Logon; empty: not sent. Never logged.
  std::string password;  ///< Password (554) on Logon; empty: not sent. Never logged.
  bool tls = false;      ///< QuickFIX's SSL initiator
  std::string ca_file;   ///< required with tls (QuickFIX does not verify the server without one)
  std::string cert_file;
  std::string key_file;
  std::string store_dir;  ///< FileStore directory (created)
  std::string log_dir;    ///< message/event logs (created); 553/554 redacted
  /// QuickFIX XML dictionary for inbound validation; empty: Ballast's own (trimmed) dictionary
  /// for begin_string, written next to the store.
  std::string data_dictionary;
  int reconnect_min_ms = 1000;  ///< back-off after a drop doubles from min to max
  int reconnect_max_ms = 30000;
  /// A resent (PossDupFlag) order message older than this goes out as a gap fill (DoNotSend).
  std::int64_t stale_resend_max_age_ns = 5000000000LL;
  /// Symbols to subscribe (MarketDataRequest, snapshot + updates, top of book and trades) after
  /// every logon; empty: no market data on this session.
  std::vector<std::string> md_symbols;
  /// The engine's own record of the next sequence numbers (from its journal). When set, start()
  /// refuses (kRefused, with both values in the text) if the FileStore disagrees.
  bool check_seqnums = false;
  /// With check_seqnums: the store may be ahead of the expected values (the engine's journal
  /// records checkpoints, and QuickFIX's store moves on between them), never behind.
  bool seqnums_at_least = false;
  std::uint64_t expected_next_sender_seq = 0;
  std::uint64_t expected_next_target_seq = 0;
  /// A mass cancel (send_mass_cancel) the broker has not answered within this long is taken as
  /// refused: the cancels it covers go out one by one.
  std::int64_t mass_cancel_timeout_ns = 2000000000LL;
};

struct InitiatorConfig {
  std::vector<SessionConfig> sessions;  ///< the index in this vector is the session number
};

/// Counters (base/counters.hpp): QuickFIX's threads and the sender write them, any thread reads
/// them in place.
struct InitiatorCounters {
  SharedCounter sent;                      ///< application messages handed to QuickFIX
  SharedCounter send_failures;             ///< unknown session or QuickFIX refused
  SharedCounter received;                  ///< application messages received
  SharedCounter invalid_inbound;           ///< failed dictionary/field checks (Reject sent)
  SharedCounter stale_resends_suppressed;  ///< resent orders turned into gap fills
  SharedCounter logons;
  SharedCounter disconnects;
  SharedCounter mass_cancels;           ///< OrderMassCancelRequests (35=q) sent
  SharedCounter mass_cancels_accepted;  ///< answered by a 35=r with 531 != 0
  /// Refused (35=r with 531=0, a session or business reject of the q) or unanswered in time.
  SharedCounter mass_cancels_refused;
  SharedCounter mass_covered;  ///< single cancels a mass cancel covered (not sent)
  /// Covered cancels sent on their own: after a refusal, for an order an accepted mass cancel did
  /// not close in time, or at stop() while unsettled.
  SharedCounter mass_fallback_cancels;
  /// Of those: orders of an accepted mass cancel not reported closed within the timeout.
  SharedCounter mass_unconfirmed;

  template <class F>
  void each(F&& f) const {
    name_counters(f, "sent", sent, "send_failures", send_failures, "received", received,
                  "invalid_inbound", invalid_inbound, "stale_resends_suppressed",
                  stale_resends_suppressed, "logons", logons, "disconnects", disconnects,
                  "mass_cancels", mass_cancels, "mass_cancels_accepted", mass_cancels_accepted,
                  "mass_cancels_refused", mass_cancels_refused, "mass_covered", mass_covered,
                  "mass_fallback_cancels", mass_fallback_cancels, "mass_unconfirmed",
                  mass_unconfirmed);
  }
};

class Initiator {
 public:
  /// Builds the QuickFIX settings, stores and logs. nullptr with `error` set (naming the session
  /// and the setting) when the configuration is unusable.
  static std::unique_ptr<Initiator> create(const InitiatorConfig& cfg, Listener& listener,
                                           std::string& error);
  virtual ~Initiator() = default;

  /// Checks stored sequence numbers (check_seqnums) and starts connecting. Control thread.
  /// False with `error` set when it cannot start; a refused session reports kRefused and is not
  /// started while the others are.
  virtual bool start(std::string& error) = 0;
  /// What start() would refuse, checked without starting or writing anything but a probe file:
  /// every session's store_dir and log_dir take a file, and not every session would be refused
  /// (corrupt or disagreeing stored seqnums, a host that does not resolve). False with `error`
  /// naming the session and the reason. Control thread, before start().
  virtual bool check(std::string& error) const = 0;
  /// Logs out every session and stops. Control thread. Idempotent.
  virtual void stop() = 0;

  /// Sends (or, while disconnected, stores for resend) an application message. False: unknown
  /// session or a field QuickFIX refused (counted). Any one thread.
  virtual bool send(const NewOrder& m) = 0;
  virtual bool send(const CancelRequest& m) = 0;
  virtual bool send(const ReplaceRequest& m) = 0;
  virtual bool send(const StatusRequest& m) = 0;
  /// Sends an OrderMassCancelRequest (35=q, FIX 4.4) and opens a mass cancel under its ClOrdID:
  /// the cancels handed to send_covered() for it are held until the broker answers. False: as
  /// send() (and FIX 4.2, which has no 35=q); the caller then sends its cancels one by one.
  virtual bool send_mass_cancel(const MassCancelRequest& m) = 0;
  /// A single cancel (35=F) that the open mass cancel `mass_cl_ord_id` on m.session covers. It is
  /// held until an ExecutionReport reports its order (m.orig_cl_ord_id) closed, and then dropped.
  /// Held cancels go out on their own when the broker refuses the mass cancel (35=r with 531=0, a
  /// session Reject or a BusinessMessageReject of the q), does not answer it within the session's
  /// mass_cancel_timeout_ns (counted while logged on), or accepts it (35=r, 531 != 0) but leaves
  /// the order unreported for one more timeout; and at stop(). A cover after that goes at once
  /// (unless its order closed). An unknown mass cancel: sent at once. False: as send().
  virtual bool send_covered(const char* mass_cl_ord_id, const CancelRequest& m) = 0;

  virtual bool logged_on(std::uint16_t session) const = 0;
  /// Next outgoing / expected incoming sequence numbers of the session's store.
  virtual void seqnums(std::uint16_t session, std::uint64_t& next_sender,
                       std::uint64_t& next_target) const = 0;
  /// Drops the session's TCP connection (tests, operator); it reconnects with back-off.
  /// Control thread.
  virtual void disconnect(std::uint16_t session) = 0;
  virtual const InitiatorCounters& counters() const = 0;
};

}  // namespace fix
}  // namespace ballast
