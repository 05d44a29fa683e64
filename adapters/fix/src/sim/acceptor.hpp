// broker-sim's socket boundary: the FIX acceptor that owns every byte a peer sends, instead of
// QuickFIX's ThreadedSocketAcceptor (which lets a malformed first frame escape its connection
// thread as an uncaught FIX::InvalidMessage, buffers any declared BodyLength, and keeps a thread
// per idle connection forever). See docs/fix.md ("broker-sim", "Hostile peers").
//
// Three layers, each usable on its own:
//  * FrameReader: splits a byte stream into FIX frames the way QuickFIX's Parser does, with a cap
//    on BodyLength and on the bytes it will hold. No QuickFIX, no I/O.
//  * InboundStream: one connection's protocol side: frames -> session lookup (first frame only)
//    -> FIX::Session::next(), with every QuickFIX call caught; decides when the connection must be
//    dropped and says why. No sockets: the fuzz harness feeds it bytes directly.
//  * SimAcceptor: the listening socket, one thread per connection, the logon timeout and the
//    limit on connections that have not logged on.
//
// C++14 (QuickFIX headers). Private to adapters/fix.
#pragma once

#include <quickfix/Log.h>
#include <quickfix/Responder.h>
#include <quickfix/Session.h>
#include <quickfix/SessionID.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace ballast {
namespace fix {
namespace sim {

/// What a peer can make the acceptor hold. Defaults are the BrokerSimConfig defaults.
struct AcceptorLimits {
  /// Largest BodyLength (9) accepted; a larger one drops the connection before its body is read.
  std::size_t max_message_bytes = 64 * 1024;
  /// A connection that has not completed a Logon this long after it was accepted is closed.
  int logon_timeout_ms = 10000;
  /// Connections not (yet) logged on, at once; one more is closed as soon as it is accepted.
  int max_pending_connections = 16;
};

/// Splits a byte stream into FIX frames: "8=<BeginString>|9=<BodyLength>|" then the CheckSum
/// (10) field found as QuickFIX's Parser finds it (the first "|10=" from the end of the declared
/// body, then up to the next SOH), so a frame with a wrong BodyLength is still cut where QuickFIX
/// would cut it and QuickFIX's own length/checksum validation rejects it. Bytes before "8=" are
/// skipped (and counted). Bounded: a BodyLength above the limit, a header that is not
/// "8=...|9=<digits>|", or no CheckSum within the limit is an error (the stream cannot be framed
/// any more; the caller drops the connection). Memory held: at most about max_message_bytes.
class FrameReader {
 public:
  enum class Result { kNeedMore, kFrame, kBad };

  explicit FrameReader(std::size_t max_message_bytes) : max_body_(max_message_bytes) {}

  void append(const char* p, std::size_t n);
  /// The next complete frame (kFrame, in `frame`), kNeedMore, or kBad with `why` (the reader is
  /// then unusable).
  Result next(std::string& frame, std::string& why);
  /// Bytes held (received, not yet returned as a frame).
  std::size_t buffered() const { return buf_.size() - pos_; }
  /// Bytes skipped because they came before "8=".
  std::uint64_t skipped() const { return skipped_; }

 private:
  void compact();

  std::size_t max_body_;
  std::string buf_;
  std::size_t pos_ = 0;  ///< start of the unread part of buf_
  std::uint64_t skipped_ = 0;
  bool bad_ = false;
};

/// Sends to and closes one transport (a socket, or the fuzz harness's sink). send() and shut()
/// may be called from any thread (QuickFIX sends from the sim's worker thread too).
class Transport {
 public:
  virtual ~Transport() = default;
  virtual bool send(const std::string& bytes) = 0;
  /// Stops the transport (no more bytes either way); the owner closes it later.
  virtual void shut() = 0;
};

/// One connection's protocol side. Thread: the connection's own thread calls on_bytes(),
/// on_timer() and close(); QuickFIX may call the responder (send/disconnect) from other threads.
class InboundStream {
 public:
  /// `accepted`: the sessions this acceptor serves (ours first, as in FIX::SessionID).
  /// `acceptor_log`: where events and frames for no session go (may be null).
  InboundStream(const std::set<FIX::SessionID>& accepted, Transport& transport,
                FIX::Log* acceptor_log, const AcceptorLimits& limits,
                std::chrono::steady_clock::time_point opened);
  ~InboundStream();
  InboundStream(const InboundStream&) = delete;
  InboundStream& operator=(const InboundStream&) = delete;

  /// Feeds bytes received. False when the connection must be closed; `why` says why.
  bool on_bytes(const char* p, std::size_t n, std::string& why);
  /// The session's timers (heartbeat, test request, logout) and the logon timeout. False when
  /// the connection must be closed (`why`).
  bool on_timer(std::chrono::steady_clock::time_point now, std::string& why);
  /// Ends the connection: the session (if any) is disconnected and released. Idempotent.
  void close(const std::string& why);

  /// A session is attached and logged on now.
  bool logged_on() const;
  /// It was logged on at some point.
  bool ever_logged_on() const { return ever_logged_on_; }

 private:
  class Responder : public FIX::Responder {
   public:
    explicit Responder(InboundStream& s) : s_(s) {}
    bool send(const std::string& m) override;
    void disconnect() override;

   private:
    InboundStream& s_;
  };

  bool on_frame(const std::string& frame, std::string& why);
  bool attach(const std::string& frame, std::string& why);
  void event(const std::string& text);
  void note_logon();

  const std::set<FIX::SessionID>& accepted_;
  Transport& transport_;
  FIX::Log* acceptor_log_;
  AcceptorLimits limits_;
  std::chrono::steady_clock::time_point opened_;
  FrameReader reader_;
  Responder responder_;
  FIX::Session* session_ = nullptr;  ///< registered to this connection while set
  std::atomic<bool> disconnect_requested_{false};
  bool ever_logged_on_ = false;
  bool closed_ = false;
};

/// Counts the acceptor keeps (read with counts()).
struct AcceptorCounts {
  std::uint64_t accepted = 0;  ///< connections accepted
  std::uint64_t refused = 0;   ///< closed at once: too many connections not logged on
  std::uint64_t dropped = 0;   ///< closed by the acceptor: bad bytes, logon timeout, ...
  std::uint64_t logon_timeouts = 0;
  int open = 0;     ///< connections open now
  int pending = 0;  ///< of which not logged on
};

/// The listening socket and its connection threads. Sessions are created by the owner (QuickFIX
/// SessionFactory) and must outlive the acceptor's stop().
class SimAcceptor {
 public:
  SimAcceptor(std::set<FIX::SessionID> sessions, FIX::Log* acceptor_log,
              const AcceptorLimits& limits);
  ~SimAcceptor();

  /// Listens on all interfaces at `port`. False with `error`.
  bool start(int port, std::string& error);
  /// Logs out logged-on sessions (waiting up to `logout_wait_ms` for the peers' answers), then
  /// closes every connection and joins every thread. Idempotent.
  void stop(int logout_wait_ms);
  AcceptorCounts counts() const;
  const std::set<FIX::SessionID>& sessions() const { return sessions_; }

 private:
  struct Conn;
  void accept_loop();
  void serve(Conn* c);
  void reap(bool all);

  const std::set<FIX::SessionID> sessions_;
  std::unique_ptr<FIX::Log> log_;  ///< the acceptor log, behind a lock
  const AcceptorLimits limits_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> conns_stop_{false};
  std::thread accept_thread_;
  mutable std::mutex mu_;
  std::list<std::unique_ptr<Conn>> conns_;
  AcceptorCounts counts_;
};

}  // namespace sim
}  // namespace fix
}  // namespace ballast
