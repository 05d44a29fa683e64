// Test support for the broker-sim loopback tests: temporary directories, tape events, a real
// QuickFIX initiator that records what it receives, a raw TCP client, and a parser for the
// sim's message log. C++14 (QuickFIX headers).
#pragma once

#pragma GCC diagnostic ignored "-Wdeprecated"

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <quickfix/Application.h>
#include <quickfix/FileLog.h>
#include <quickfix/FileStore.h>
#include <quickfix/Message.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketInitiator.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ballast/fix/broker_sim.hpp"
#include "ballast/fix/fix_decimal.hpp"
#include "common/embedded.hpp"
#include "tape_events.hpp"

namespace ballast {
namespace fix {
namespace test {

/// A fresh directory under /tmp, removed with everything in it when the object goes.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/broker_sim_test.XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    path_ = p != nullptr ? p : "";
  }
  ~TempDir() {
    if (!path_.empty() && std::getenv("BROKER_SIM_KEEP_TMP") == nullptr) {
      ::nftw(
          path_.c_str(),
          [](const char* f, const struct stat*, int, struct FTW*) { return ::remove(f); }, 16,
          FTW_DEPTH | FTW_PHYS);
    }
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// Polls `pred` until it holds or `timeout_ms` passes.
inline bool wait_for(const std::function<bool()>& pred, int timeout_ms = 5000) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return pred();
}

inline BrokerSimConfig sim_config(const TempDir& dir, const std::vector<SimSession>& sessions) {
  BrokerSimConfig c;
  c.sessions = sessions;
  c.store_dir = dir / "sim_store";
  c.log_dir = dir / "sim_log";
  c.message_log = dir / "sim_messages.log";
  return c;
}

inline SimSession sim_session(const std::string& begin, const std::string& target = "BALLAST") {
  SimSession s;
  s.begin_string = begin;
  s.sender_comp_id = "BROKERSIM";
  s.target_comp_id = target;
  return s;
}

inline std::string field(const FIX::Message& m, int tag) {
  return m.isSetField(tag) ? m.getField(tag) : std::string();
}
inline std::string msg_type(const FIX::Message& m) {
  return m.getHeader().getField(35);
}

/// A real QuickFIX initiator (SocketInitiator) for one session; records every application
/// message it receives.
class TestInitiator : public FIX::Application {
 public:
  TestInitiator(const std::string& begin_string, int port, const std::string& dir,
                const std::string& sender = "BALLAST", const std::string& target = "BROKERSIM")
      : id_(begin_string, sender, target), port_(port), dir_(dir) {}
  ~TestInitiator() override { stop(); }

  bool start(std::string& error) {
    std::string dict;
    if (!write_embedded_dictionary(id_.getBeginString().getString(), dir_ + "/dict", dict, error))
      return false;
    try {
      FIX::SessionSettings settings;
      FIX::Dictionary d;
      d.setString(FIX::CONNECTION_TYPE, "initiator");
      d.setString(FIX::SOCKET_CONNECT_HOST, "127.0.0.1");
      d.setInt(FIX::SOCKET_CONNECT_PORT, port_);
      d.setInt(FIX::HEARTBTINT, 30);
      d.setInt(FIX::RECONNECT_INTERVAL, 1);
      d.setString(FIX::START_TIME, "00:00:00");
      d.setString(FIX::END_TIME, "00:00:00");
      d.setBool(FIX::USE_DATA_DICTIONARY, true);
      d.setString(FIX::DATA_DICTIONARY, dict);
      d.setString(FIX::FILE_STORE_PATH, dir_ + "/store");
      d.setString(FIX::FILE_LOG_PATH, dir_ + "/log");
      settings.set(d);
      FIX::Dictionary s;
      s.setString(FIX::BEGINSTRING, id_.getBeginString().getString());
      s.setString(FIX::SENDERCOMPID, id_.getSenderCompID().getString());
      s.setString(FIX::TARGETCOMPID, id_.getTargetCompID().getString());
      settings.set(id_, s);
      store_.reset(new FIX::FileStoreFactory(dir_ + "/store"));
      logs_.reset(new FIX::FileLogFactory(dir_ + "/log"));
      initiator_.reset(new FIX::SocketInitiator(*this, *store_, settings, *logs_));
      initiator_->start();
    } catch (const FIX::Exception& e) {
      error = e.what();
      return false;
    }
    return true;
  }
  /// Logs out (waits for the Logout exchange, 3 s at most) and stops.
  void stop() {
    if (!initiator_) return;
    FIX::Session* s = FIX::Session::lookupSession(id_);
    if (s != nullptr && logged_on()) {
      s->logout("test done");
      wait_for([this] { return !logged_on(); }, 3000);
    }
    initiator_->stop(true);
    initiator_.reset();
  }

  bool logged_on() const {
    std::lock_guard<std::mutex> lk(mu_);
    return logged_on_;
  }
  int logons() const {
    std::lock_guard<std::mutex> lk(mu_);
    return logons_;
  }
  bool wait_logon(int timeout_ms = 5000) {
    return wait_for([this] { return logged_on(); }, timeout_ms);
  }

  bool send(FIX::Message m) { return FIX::Session::sendToTarget(m, id_); }

  std::vector<FIX::Message> received(const std::string& type = "") const {
    std::lock_guard<std::mutex> lk(mu_);
    std::vector<FIX::Message> out;
    for (const auto& m : app_)
      if (type.empty() || msg_type(m) == type) out.push_back(m);
    return out;
  }
  /// Waits until at least `n` application messages of `type` arrived.
  bool wait_count(const std::string& type, std::size_t n, int timeout_ms = 5000) {
    return wait_for([&] { return received(type).size() >= n; }, timeout_ms);
  }
  std::vector<FIX::Message> for_cl_ord_id(const std::string& id) const {
    std::vector<FIX::Message> out;
    for (const auto& m : received("8"))
      if (field(m, 11) == id) out.push_back(m);
    return out;
  }

  /// NewOrderSingle; price 0: market.
  FIX::Message new_order(const std::string& cl_ord_id, const std::string& symbol, char side,
                         std::int64_t qty, std::int64_t price) const {
    FIX::Message m;
    m.getHeader().setField(35, "D");
    m.setField(11, cl_ord_id);
    m.setField(1, "ACC1");
    m.setField(21, "1");
    m.setField(55, symbol);
    m.setField(54, std::string(1, side));
    m.setField(60, "20120621-14:30:00.000");
    m.setField(38, format_decimal(qty, 6));
    m.setField(40, price > 0 ? "2" : "1");
    if (price > 0) m.setField(44, format_decimal(price, 9));
    m.setField(59, "0");
    return m;
  }
  FIX::Message cancel(const std::string& cl_ord_id, const std::string& orig,
                      const std::string& symbol, char side, std::int64_t qty) const {
    FIX::Message m;
    m.getHeader().setField(35, "F");
    m.setField(11, cl_ord_id);
    m.setField(41, orig);
    m.setField(55, symbol);
    m.setField(54, std::string(1, side));
    m.setField(60, "20120621-14:30:00.000");
    m.setField(38, format_decimal(qty, 6));
    return m;
  }
  FIX::Message replace(const std::string& cl_ord_id, const std::string& orig,
                       const std::string& symbol, char side, std::int64_t qty,
                       std::int64_t price) const {
    FIX::Message m;
    m.getHeader().setField(35, "G");
    m.setField(11, cl_ord_id);
    m.setField(41, orig);
    m.setField(21, "1");
    m.setField(55, symbol);
    m.setField(54, std::string(1, side));
    m.setField(60, "20120621-14:30:00.000");
    m.setField(38, format_decimal(qty, 6));
    m.setField(40, "2");
    m.setField(44, format_decimal(price, 9));
    return m;
  }
  FIX::Message status(const std::string& cl_ord_id, const std::string& symbol, char side) const {
    FIX::Message m;
    m.getHeader().setField(35, "H");
    m.setField(11, cl_ord_id);
    m.setField(55, symbol);
    m.setField(54, std::string(1, side));
    return m;
  }
  /// MarketDataRequest: 263 = '1' subscribe, '2' unsubscribe, '0' snapshot; bid, offer, trade.
  FIX::Message md_request(const std::string& req_id, char sub,
                          const std::vector<std::string>& symbols) const {
    FIX::Message m;
    m.getHeader().setField(35, "V");
    m.setField(262, req_id);
    m.setField(263, std::string(1, sub));
    m.setField(264, "1");
    for (const char* t : {"0", "1", "2"}) {
      FIX::Group g(267, 269);
      g.setField(269, t);
      m.addGroup(g);
    }
    for (const auto& s : symbols) {
      FIX::Group g(146, 55);
      g.setField(55, s);
      m.addGroup(g);
    }
    return m;
  }

  // FIX::Application
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {
    std::lock_guard<std::mutex> lk(mu_);
    logged_on_ = true;
    ++logons_;
  }
  void onLogout(const FIX::SessionID&) override {
    std::lock_guard<std::mutex> lk(mu_);
    logged_on_ = false;
  }
  void toAdmin(FIX::Message& m, const FIX::SessionID&) override {
    if (m.getHeader().getField(35) == "A") {
      m.setField(553, "desk1");
      m.setField(554, "s3cret-pw");
    }
  }
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message& m,
                 const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                              FIX::IncorrectTagValue, FIX::RejectLogon) override {
    std::lock_guard<std::mutex> lk(mu_);
    admin_.push_back(m);
  }
  void fromApp(const FIX::Message& m,
               const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                            FIX::IncorrectTagValue,
                                            FIX::UnsupportedMessageType) override {
    std::lock_guard<std::mutex> lk(mu_);
    app_.push_back(m);
  }

  std::vector<FIX::Message> admin() const {
    std::lock_guard<std::mutex> lk(mu_);
    return admin_;
  }

 private:
  FIX::SessionID id_;
  int port_;
  std::string dir_;
  std::unique_ptr<FIX::FileStoreFactory> store_;
  std::unique_ptr<FIX::FileLogFactory> logs_;
  std::unique_ptr<FIX::SocketInitiator> initiator_;
  mutable std::mutex mu_;
  bool logged_on_ = false;
  int logons_ = 0;
  std::vector<FIX::Message> app_;
  std::vector<FIX::Message> admin_;
};

/// One line of the message log.
struct LogLine {
  std::int64_t tape_ns = 0;
  std::string dir;                    ///< IN or OUT
  std::string session;                ///< e.g. FIX.4.4:BROKERSIM->BALLAST
  std::string text;                   ///< the message, '|' for SOH
  std::map<int, std::string> fields;  ///< last value per tag
  std::string get(int tag) const {
    auto it = fields.find(tag);
    return it == fields.end() ? std::string() : it->second;
  }
};

/// Parses the message log; `bad` counts lines that do not have the documented shape.
inline std::vector<LogLine> read_message_log(const std::string& path, int& bad) {
  std::vector<LogLine> out;
  bad = 0;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    LogLine l;
    std::istringstream ss(line);
    std::string t;
    if (!(ss >> t >> l.dir >> l.session) || (l.dir != "IN" && l.dir != "OUT")) {
      ++bad;
      continue;
    }
    char* end = nullptr;
    l.tape_ns = std::strtoll(t.c_str(), &end, 10);
    if (end == t.c_str() || *end != '\0') {
      ++bad;
      continue;
    }
    std::getline(ss, l.text);
    if (!l.text.empty() && l.text[0] == ' ') l.text.erase(0, 1);
    std::size_t pos = 0;
    while (pos < l.text.size()) {
      std::size_t bar = l.text.find('|', pos);
      if (bar == std::string::npos) bar = l.text.size();
      const std::string kv = l.text.substr(pos, bar - pos);
      const std::size_t eq = kv.find('=');
      if (eq != std::string::npos)
        l.fields[std::atoi(kv.substr(0, eq).c_str())] = kv.substr(eq + 1);
      pos = bar + 1;
    }
    out.push_back(std::move(l));
  }
  return out;
}

/// A FIX message framed by hand (BodyLength and CheckSum computed unless told otherwise).
inline std::string frame(const std::string& begin, const std::string& body_with_bars,
                         int body_length_delta = 0, bool bad_checksum = false) {
  std::string body = body_with_bars;
  for (char& c : body)
    if (c == '|') c = '\x01';
  std::string msg = "8=" + begin + "\x01" +
                    "9=" + std::to_string(static_cast<int>(body.size()) + body_length_delta) +
                    "\x01" + body;
  unsigned sum = 0;
  for (unsigned char c : msg) sum += c;
  sum = (sum + (bad_checksum ? 7u : 0u)) % 256u;
  char cs[8];
  std::snprintf(cs, sizeof(cs), "%03u", sum);
  return msg + "10=" + cs + "\x01";
}

inline std::string utc_now_text() {
  const auto now = std::chrono::system_clock::now();
  const std::int64_t ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  return format_utc_timestamp_ms(ns);
}

/// A plain TCP client on 127.0.0.1.
class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a;
    std::memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return fd_ >= 0; }
  bool send(const std::string& s) {
    return fd_ >= 0 && ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == ssize_t(s.size());
  }
  /// Reads until a complete message whose text contains `needle` arrives (true), the peer closes
  /// (closed set), or the timeout passes. Everything read is kept in `seen()`.
  bool read_until(const std::string& needle, int timeout_ms = 3000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      if (buf_.find(needle) != std::string::npos) return true;
      if (closed_) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) {
        char tmp[4096];
        const ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
        if (n <= 0) {
          closed_ = true;
        } else {
          buf_.append(tmp, static_cast<std::size_t>(n));
        }
      }
    }
    return buf_.find(needle) != std::string::npos;
  }
  /// Waits for the peer to close the connection.
  bool wait_closed(int timeout_ms = 4000) {
    read_until("\x01__never__", timeout_ms);
    return closed_;
  }
  bool closed() const { return closed_; }
  const std::string& seen() const { return buf_; }

 private:
  int fd_ = -1;
  bool closed_ = false;
  std::string buf_;
};

}  // namespace test
}  // namespace fix
}  // namespace ballast
