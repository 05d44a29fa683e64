// broker-sim's socket boundary; see acceptor.hpp and docs/fix.md ("Hostile peers").
#include "sim/acceptor.hpp"

// QuickFIX 1.15's headers use dynamic exception specifications.
#pragma GCC diagnostic ignored "-Wdeprecated"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <quickfix/Exceptions.h>
#include <quickfix/FieldTypes.h>

#include "common/frame_check.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

namespace ballast {
namespace fix {
namespace sim {

namespace {

using Clock = std::chrono::steady_clock;

const std::size_t kMaxBeginString = 16;   // "FIXT.1.1", "FIX.4.4": a BeginString is short
const std::size_t kMaxLengthDigits = 9;   // BodyLength below 10^9 before the limit check
const std::size_t kMaxCheckSumBytes = 8;  // QuickFIX checks the value; we only bound it

/// Printable form of a short byte string for a reason text: control bytes as \xHH, at most
/// `max` bytes.
std::string printable(const std::string& s, std::size_t max = 40) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0x01) {
      out += '|';
    } else if (c < 0x20 || c >= 0x7f) {
      static const char* hex = "0123456789ABCDEF";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

/// The acceptor's own log, shared by every connection thread: QuickFIX's file logs are not
/// thread-safe, so each call is made under one lock.
class LockedLog : public FIX::Log {
 public:
  explicit LockedLog(FIX::Log* inner) : inner_(inner) {}
  void clear() override {
    std::lock_guard<std::mutex> lk(mu_);
    if (inner_ != nullptr) inner_->clear();
  }
  void backup() override {
    std::lock_guard<std::mutex> lk(mu_);
    if (inner_ != nullptr) inner_->backup();
  }
  void onIncoming(const std::string& s) override {
    std::lock_guard<std::mutex> lk(mu_);
    if (inner_ != nullptr) inner_->onIncoming(s);
  }
  void onOutgoing(const std::string& s) override {
    std::lock_guard<std::mutex> lk(mu_);
    if (inner_ != nullptr) inner_->onOutgoing(s);
  }
  void onEvent(const std::string& s) override {
    std::lock_guard<std::mutex> lk(mu_);
    if (inner_ != nullptr) inner_->onEvent(s);
  }

 private:
  std::mutex mu_;
  FIX::Log* inner_;
};

/// The header fields a first frame is routed by, read without QuickFIX (which throws on a
/// malformed field). False with `why` naming the field when the frame is not tag=value|...
bool read_route(const std::string& frame, std::string& begin, std::string& type,
                std::string& sender, std::string& target, std::string& why) {
  std::size_t pos = 0;
  int n = 0;
  while (pos < frame.size()) {
    ++n;
    const std::size_t eq = frame.find('=', pos);
    const std::size_t soh = frame.find('\x01', pos);
    if (eq == std::string::npos || (soh != std::string::npos && soh < eq)) {
      why = "field " + std::to_string(n) + " has no '=': '" +
            printable(frame.substr(pos, soh == std::string::npos ? std::string::npos : soh - pos)) +
            "'";
      return false;
    }
    if (eq == pos || eq - pos > 9) {
      why = "field " + std::to_string(n) + ": tag '" + printable(frame.substr(pos, eq - pos)) +
            "' is not a tag number";
      return false;
    }
    int tag = 0;
    for (std::size_t i = pos; i < eq; ++i) {
      const char c = frame[i];
      if (c < '0' || c > '9') {
        why = "field " + std::to_string(n) + ": tag '" + printable(frame.substr(pos, eq - pos)) +
              "' is not a number";
        return false;
      }
      tag = tag * 10 + (c - '0');
    }
    const std::size_t end = soh == std::string::npos ? frame.size() : soh;
    const std::string value = frame.substr(eq + 1, end - eq - 1);
    if (tag == 8 && begin.empty()) begin = value;
    if (tag == 35 && type.empty()) type = value;
    if (tag == 49 && sender.empty()) sender = value;
    if (tag == 56 && target.empty()) target = value;
    pos = end + 1;
  }
  return true;
}

/// A connected socket. send() may run on any thread; the owner thread closes the descriptor
/// once no one can send any more (the session's responder was detached first).
class SocketTransport : public Transport {
 public:
  explicit SocketTransport(int fd) : fd_(fd) {}
  ~SocketTransport() override { close_fd(); }
  int fd() const { return fd_; }
  bool send(const std::string& bytes) override {
    std::lock_guard<std::mutex> lk(mu_);
    if (fd_ < 0 || shut_) return false;
    const char* p = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
      const ssize_t n = ::send(fd_, p, left, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        // EAGAIN: SO_SNDTIMEO passed, the peer does not read. Give up on the connection rather
        // than block the sim's worker thread (and every other session) behind it.
        shut_locked();
        return false;
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    return true;
  }
  void shut() override {
    std::lock_guard<std::mutex> lk(mu_);
    shut_locked();
  }
  void close_fd() {
    std::lock_guard<std::mutex> lk(mu_);
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  void shut_locked() {
    if (fd_ >= 0 && !shut_) ::shutdown(fd_, SHUT_RDWR);
    shut_ = true;
  }
  std::mutex mu_;
  int fd_;
  bool shut_ = false;
};

}  // namespace

// ------------------------------------------------------------------------------- FrameReader

void FrameReader::append(const char* p, std::size_t n) {
  if (bad_) return;
  buf_.append(p, n);
}

void FrameReader::compact() {
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > 65536 && pos_ * 2 > buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
}

FrameReader::Result FrameReader::next(std::string& frame, std::string& why) {
  if (bad_) {
    why = "the stream could not be framed before";
    return Result::kBad;
  }
  auto fail = [&](const std::string& text) {
    bad_ = true;
    why = text;
    buf_.clear();
    pos_ = 0;
    return Result::kBad;
  };
  const std::size_t start = buf_.find("8=", pos_);
  if (start == std::string::npos) {
    // Keep a trailing '8' (it may be the start of "8=").
    const std::size_t keep = buffered() > 0 && buf_.back() == '8' ? 1 : 0;
    skipped_ += buffered() - keep;
    pos_ = buf_.size() - keep;
    compact();
    return Result::kNeedMore;
  }
  skipped_ += start - pos_;
  pos_ = start;
  const char* b = buf_.data() + pos_;
  const std::size_t avail = buffered();

  // 8=<BeginString>|
  std::size_t i = 2;
  while (i < avail && b[i] != '\x01' && i - 2 <= kMaxBeginString) ++i;
  if (i - 2 > kMaxBeginString)
    return fail("BeginString (8) longer than " + std::to_string(kMaxBeginString) + " bytes: '" +
                printable(std::string(b, i)) + "'");
  if (i >= avail) return Result::kNeedMore;
  if (i == 2) return fail("empty BeginString (8)");
  ++i;
  // 9=<digits>|
  if (avail < i + 2) return Result::kNeedMore;
  if (b[i] != '9' || b[i + 1] != '=')
    return fail("the second field is not BodyLength (9): '" +
                printable(std::string(b + i, std::min<std::size_t>(avail - i, 12))) + "'");
  i += 2;
  const std::size_t digits = i;
  std::uint64_t length = 0;
  while (i < avail && b[i] >= '0' && b[i] <= '9' && i - digits < kMaxLengthDigits + 1) {
    length = length * 10 + static_cast<std::uint64_t>(b[i] - '0');
    ++i;
  }
  if (i - digits > kMaxLengthDigits || (length > max_body_ && i - digits > 0))
    return fail("BodyLength (9) " + std::string(b + digits, i - digits) +
                (i - digits > kMaxLengthDigits ? "..." : "") + " is above the limit of " +
                std::to_string(max_body_) + " bytes (max_message_bytes)");
  if (i >= avail) return Result::kNeedMore;
  if (b[i] != '\x01' || i == digits)
    return fail("BodyLength (9) is not a number: '" +
                printable(std::string(b + digits, std::min<std::size_t>(avail - digits, 12))) +
                "'");
  const std::size_t body = i + 1;
  // The CheckSum field: the first "|10=" from the last byte of the declared body (as QuickFIX's
  // Parser looks for it), within max_body_ bytes of the body's start.
  if (avail < body + length) return Result::kNeedMore;
  static const std::string kTrailer(
      "\x01"
      "10=");
  const std::size_t found = buf_.find(kTrailer, pos_ + body + length - 1);
  const std::size_t real_body_max = max_body_;  // bytes between the 9 field and "10="
  if (found == std::string::npos) {
    if (avail >= body + real_body_max + kTrailer.size())
      return fail("no CheckSum (10) within " + std::to_string(max_body_) +
                  " bytes of the BodyLength (9) field (max_message_bytes)");
    return Result::kNeedMore;
  }
  const std::size_t sum_at = found - pos_ + kTrailer.size();  // first byte of the value
  if (sum_at - kTrailer.size() + 1 - body > real_body_max)
    return fail("no CheckSum (10) within " + std::to_string(max_body_) +
                " bytes of the BodyLength (9) field (max_message_bytes)");
  std::size_t e = sum_at;
  while (e < avail && b[e] != '\x01' && e - sum_at <= kMaxCheckSumBytes) ++e;
  if (e - sum_at > kMaxCheckSumBytes)
    return fail("CheckSum (10) value longer than " + std::to_string(kMaxCheckSumBytes) +
                " bytes: '" + printable(std::string(b + sum_at, e - sum_at)) + "'");
  if (e >= avail) return Result::kNeedMore;
  frame.assign(b, e + 1);
  pos_ += e + 1;
  compact();
  return Result::kFrame;
}

// ----------------------------------------------------------------------------- InboundStream

InboundStream::InboundStream(const std::set<FIX::SessionID>& accepted, Transport& transport,
                             FIX::Log* acceptor_log, const AcceptorLimits& limits,
                             Clock::time_point opened)
    : accepted_(accepted),
      transport_(transport),
      acceptor_log_(acceptor_log),
      limits_(limits),
      opened_(opened),
      reader_(limits.max_message_bytes),
      responder_(*this) {}

InboundStream::~InboundStream() {
  close("connection object destroyed");
}

bool InboundStream::Responder::send(const std::string& m) {
  return s_.transport_.send(m);
}

void InboundStream::Responder::disconnect() {
  s_.disconnect_requested_.store(true, std::memory_order_release);
  s_.transport_.shut();
}

void InboundStream::event(const std::string& text) {
  try {
    if (session_ != nullptr) {
      session_->getLog()->onEvent(text);
    } else if (acceptor_log_ != nullptr) {
      acceptor_log_->onEvent(text);
    }
  } catch (const std::exception&) {
    // a log that cannot be written must not take the connection's thread down
  }
}

bool InboundStream::logged_on() const {
  return session_ != nullptr && session_->isLoggedOn();
}

void InboundStream::note_logon() {
  if (!ever_logged_on_ && logged_on()) ever_logged_on_ = true;
}

bool InboundStream::on_bytes(const char* p, std::size_t n, std::string& why) {
  if (closed_) {
    why = "connection already closed";
    return false;
  }
  reader_.append(p, n);
  for (;;) {
    if (session_ == nullptr && reader_.skipped() > 0) {
      why = std::to_string(reader_.skipped()) +
            " bytes that are not a FIX message (no 8=) before a Logon";
      return false;
    }
    std::string frame;
    std::string bad;
    const FrameReader::Result r = reader_.next(frame, bad);
    if (r == FrameReader::Result::kNeedMore) break;
    if (r == FrameReader::Result::kBad) {
      why = "cannot frame the byte stream: " + bad;
      return false;
    }
    if (session_ == nullptr && reader_.skipped() > 0) continue;  // reported above
    if (!on_frame(frame, why)) return false;
    if (disconnect_requested_.load(std::memory_order_acquire)) {
      why = "the session ended the connection (see its event log)";
      return false;
    }
  }
  if (session_ == nullptr && reader_.skipped() > 0) {
    why = std::to_string(reader_.skipped()) +
          " bytes that are not a FIX message (no 8=) before a Logon";
    return false;
  }
  if (disconnect_requested_.load(std::memory_order_acquire)) {
    why = "the session ended the connection (see its event log)";
    return false;
  }
  return true;
}

bool InboundStream::attach(const std::string& frame, std::string& why) {
  std::string begin, type, sender, target, bad;
  if (!read_route(frame, begin, type, sender, target, bad)) {
    why = "first message is not tag=value FIX: " + bad;
    if (acceptor_log_ != nullptr) acceptor_log_->onIncoming(frame);
    return false;
  }
  if (type != "A") {
    why = "first message has MsgType (35) '" + printable(type) + "', not a Logon (A)";
    if (acceptor_log_ != nullptr) acceptor_log_->onIncoming(frame);
    return false;
  }
  // Ours first: the peer's TargetCompID is our SenderCompID.
  const FIX::SessionID id(begin, target, sender);
  if (accepted_.find(id) == accepted_.end()) {
    why = "Session not found for incoming message: " + printable(begin) + ":" + printable(target) +
          "->" + printable(sender);
    if (acceptor_log_ != nullptr) acceptor_log_->onIncoming(frame);
    return false;
  }
  // One connection per session: give an earlier connection of it up to 5 s to end (as QuickFIX's
  // acceptor does), e.g. when the initiator reconnects at once after a drop.
  FIX::Session* s = nullptr;
  for (int i = 0; i < 50; ++i) {
    s = FIX::Session::registerSession(id);
    if (s != nullptr) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (s == nullptr) {
    why = "session " + id.toString() + " already has a connection";
    return false;
  }
  session_ = s;
  session_->setResponder(&responder_);
  return true;
}

bool InboundStream::on_frame(const std::string& frame, std::string& why) {
  if (session_ == nullptr && !attach(frame, why)) return false;
  std::string bad;
  if (!data_fields_fit(frame, bad)) {
    // QuickFIX's parser would read out of bounds; treated as a garbled frame, as QuickFIX treats
    // the ones it can detect (the session's log also refuses it: common/redacting_log.cpp).
    try {
      session_->getLog()->onEvent("broker-sim: frame refused before QuickFIX parses it: " + bad);
    } catch (...) {
    }
    if (!logged_on()) {
      why = "invalid message before logon: " + bad;
      return false;
    }
    return true;
  }
  try {
    session_->next(frame, FIX::UtcTimeStamp());
  } catch (const FIX::InvalidMessage& e) {
    note_logon();
    if (!logged_on()) {
      why = std::string("invalid message before logon: ") + e.what();
      return false;
    }
    // Logged on: QuickFIX logged it and drops it (the sequence gap is resent).
    return true;
  } catch (const std::exception& e) {
    why = std::string("QuickFIX failed on an inbound message: ") + e.what();
    return false;
  } catch (...) {
    why = "QuickFIX failed on an inbound message (unknown exception)";
    return false;
  }
  note_logon();
  return true;
}

bool InboundStream::on_timer(Clock::time_point now, std::string& why) {
  if (closed_) {
    why = "connection already closed";
    return false;
  }
  if (session_ != nullptr) {
    try {
      session_->next(FIX::UtcTimeStamp());
    } catch (const std::exception& e) {
      why = std::string("QuickFIX failed on its timer: ") + e.what();
      return false;
    } catch (...) {
      why = "QuickFIX failed on its timer (unknown exception)";
      return false;
    }
    note_logon();
    if (disconnect_requested_.load(std::memory_order_acquire)) {
      why = "the session ended the connection (see its event log)";
      return false;
    }
  }
  if (!ever_logged_on_ && now - opened_ >= std::chrono::milliseconds(limits_.logon_timeout_ms)) {
    why = "no Logon within " + std::to_string(limits_.logon_timeout_ms) +
          " ms of connecting (logon_timeout_ms)";
    return false;
  }
  return true;
}

void InboundStream::close(const std::string& why) {
  if (closed_) return;
  closed_ = true;
  event("broker-sim: closing the connection: " + why);
  if (session_ != nullptr) {
    try {
      session_->disconnect();  // detaches the responder under the session's lock
    } catch (...) {
    }
    session_->setResponder(nullptr);
    FIX::Session::unregisterSession(session_->getSessionID());
    session_ = nullptr;
  }
  transport_.shut();
}

// ------------------------------------------------------------------------------- SimAcceptor

struct SimAcceptor::Conn {
  explicit Conn(int fd) : transport(fd) {}
  SocketTransport transport;
  std::thread thread;
  std::atomic<bool> done{false};
};

SimAcceptor::SimAcceptor(std::set<FIX::SessionID> sessions, FIX::Log* acceptor_log,
                         const AcceptorLimits& limits)
    : sessions_(std::move(sessions)), log_(new LockedLog(acceptor_log)), limits_(limits) {}

SimAcceptor::~SimAcceptor() {
  stop(0);
}

bool SimAcceptor::start(int port, std::string& error) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a;
  std::memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_ANY);  // as QuickFIX 1.15's acceptor: every interface
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || ::listen(fd, 64) != 0) {
    error = "cannot listen on port " + std::to_string(port) + ": " + std::strerror(errno);
    ::close(fd);
    return false;
  }
  listen_fd_ = fd;
  accept_thread_ = std::thread([this] { accept_loop(); });
  return true;
}

void SimAcceptor::accept_loop() {
  while (!stopping_.load(std::memory_order_acquire)) {
    reap(false);
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == ENOBUFS)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (counts_.pending >= limits_.max_pending_connections) {
        ++counts_.refused;
        log_->onEvent("broker-sim: refused a connection: " + std::to_string(counts_.pending) +
                      " connections are already waiting for a Logon (max_pending_connections)");
        ::close(fd);
        continue;
      }
      ++counts_.accepted;
      ++counts_.open;
      ++counts_.pending;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    // A peer that stops reading must not block the sender (the sim's worker) for long.
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    std::unique_ptr<Conn> c(new Conn(fd));
    Conn* raw = c.get();
    {
      std::lock_guard<std::mutex> lk(mu_);
      conns_.push_back(std::move(c));
    }
    raw->thread = std::thread([this, raw] { serve(raw); });
  }
  ::close(listen_fd_);
  listen_fd_ = -1;
}

void SimAcceptor::serve(Conn* c) {
  InboundStream stream(sessions_, c->transport, log_.get(), limits_, Clock::now());
  bool pending = true;
  bool dropped = false;
  bool timed_out = false;
  std::string why;
  char buf[8192];
  for (;;) {
    if (conns_stop_.load(std::memory_order_acquire)) {
      why = "broker-sim is stopping";
      break;
    }
    pollfd p{c->transport.fd(), POLLIN, 0};
    const int r = ::poll(&p, 1, 100);
    if (r < 0 && errno != EINTR) {
      why = std::string("poll: ") + std::strerror(errno);
      break;
    }
    if (r > 0) {
      const ssize_t n = ::recv(c->transport.fd(), buf, sizeof(buf), 0);
      if (n == 0) {
        why = "the peer closed the connection";
        break;
      }
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        why = std::string("recv: ") + std::strerror(errno);
        break;
      }
      if (!stream.on_bytes(buf, static_cast<std::size_t>(n), why)) {
        dropped = true;
        break;
      }
    }
    if (!stream.on_timer(Clock::now(), why)) {
      dropped = true;
      timed_out = !stream.ever_logged_on();
      break;
    }
    if (pending && stream.ever_logged_on()) {
      std::lock_guard<std::mutex> lk(mu_);
      --counts_.pending;
      pending = false;
    }
  }
  stream.close(why);
  c->transport.close_fd();
  std::lock_guard<std::mutex> lk(mu_);
  --counts_.open;
  if (pending) --counts_.pending;
  if (dropped) ++counts_.dropped;
  if (timed_out && why.find("logon_timeout_ms") != std::string::npos) ++counts_.logon_timeouts;
  c->done.store(true, std::memory_order_release);
}

void SimAcceptor::reap(bool all) {
  std::list<std::unique_ptr<Conn>> finished;
  {
    std::lock_guard<std::mutex> lk(mu_);
    for (auto it = conns_.begin(); it != conns_.end();) {
      if (all || (*it)->done.load(std::memory_order_acquire)) {
        finished.push_back(std::move(*it));
        it = conns_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : finished) {
    if (c->thread.joinable()) c->thread.join();
  }
}

void SimAcceptor::stop(int logout_wait_ms) {
  if (stopping_.exchange(true)) return;
  if (accept_thread_.joinable()) accept_thread_.join();
  // Log out what is logged on; the connection threads send the Logout on their next timer tick
  // and close when the peer answers.
  std::vector<FIX::Session*> out;
  for (const FIX::SessionID& id : sessions_) {
    FIX::Session* s = FIX::Session::lookupSession(id);
    if (s != nullptr && s->isLoggedOn()) {
      s->logout("broker-sim stopping");
      out.push_back(s);
    }
  }
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(logout_wait_ms);
  while (Clock::now() < deadline) {
    bool any = false;
    for (FIX::Session* s : out) any = any || s->isLoggedOn();
    if (!any) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  conns_stop_.store(true, std::memory_order_release);
  reap(true);
}

AcceptorCounts SimAcceptor::counts() const {
  std::lock_guard<std::mutex> lk(mu_);
  return counts_;
}

}  // namespace sim
}  // namespace fix
}  // namespace ballast
