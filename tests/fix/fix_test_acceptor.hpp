// A minimal QuickFIX acceptor for the initiator tests: it acks and fills orders, answers cancel,
// replace and status requests, serves market data, and records everything it receives. Written
// here (not broker-sim) so these tests depend on nothing but QuickFIX.
#pragma once

// Debian's libquickfix is built with SSL; its headers declare the SSL classes only with HAVE_SSL.
#ifndef HAVE_SSL
#define HAVE_SSL 1
#endif

#include <quickfix/Application.h>
#include <quickfix/FileStore.h>
#include <quickfix/Group.h>
#include <quickfix/Message.h>
#include <quickfix/SSLSocketAcceptor.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/embedded.hpp"

// QuickFIX's Application declares dynamic exception specifications; C++14 overrides repeat them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated"

namespace ballast {
namespace fix {

class TestAcceptor : public FIX::Application {
 public:
  /// Listens on `port` as BROKER for BALLAST, FIX `begin`; FileStore and dictionary under `dir`.
  TestAcceptor(const std::string& begin, int port, const std::string& dir)
      : begin_(begin), port_(port), dir_(dir), id_(begin, "BROKER", "BALLAST") {}
  ~TestAcceptor() override { stop(); }

  /// TLS with this server certificate and key (PEM) instead of plain TCP.
  void use_tls(const std::string& cert, const std::string& key) {
    tls_cert_ = cert;
    tls_key_ = key;
  }

  bool start() {
    std::string dict, error;
    if (!write_embedded_dictionary(begin_, dir_ + "/acceptor", dict, error)) return false;
    FIX::Dictionary defaults;
    defaults.setString("ConnectionType", "acceptor");
    defaults.setString("SocketAcceptPort", std::to_string(port_));
    defaults.setString("SocketReuseAddress", "Y");
    defaults.setString("StartTime", "00:00:00");
    defaults.setString("EndTime", "00:00:00");
    defaults.setString("FileStorePath", dir_ + "/acceptor/store");
    defaults.setString("UseDataDictionary", "Y");
    defaults.setString("DataDictionary", dict);
    if (!tls_cert_.empty()) {
      defaults.setString("ServerCertificateFile", tls_cert_);
      defaults.setString("ServerCertificateKeyFile", tls_key_);
    }
    settings_.set(defaults);
    FIX::Dictionary d;
    d.setString("BeginString", begin_);
    d.setString("SenderCompID", "BROKER");
    d.setString("TargetCompID", "BALLAST");
    settings_.set(id_, d);
    stores_.reset(new FIX::FileStoreFactory(settings_));
    if (tls_cert_.empty()) {
      acceptor_.reset(new FIX::SocketAcceptor(*this, *stores_, settings_));
    } else {
      acceptor_.reset(new FIX::SSLSocketAcceptor(*this, *stores_, settings_));
    }
    acceptor_->start();
    return true;
  }
  void stop() {
    if (!acceptor_) return;
    // QuickFIX's acceptor thread sees the stop when select() returns (up to a second): a
    // connection attempt wakes it at once.
    std::atomic<bool> done{false};
    std::thread poke([&] {
      while (!done) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(static_cast<std::uint16_t>(port_));
        (void)::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
        ::close(fd);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
    acceptor_->stop(true);
    done = true;
    poke.join();
    acceptor_.reset();
  }

  bool logged_on() {
    FIX::Session* s = FIX::Session::lookupSession(id_);
    return s != nullptr && s->isLoggedOn();
  }
  bool send(FIX::Message& m) { return FIX::Session::sendToTarget(m, id_); }

  // -- what arrived (copies, under the lock)
  std::vector<FIX::Message> app_messages() {
    std::lock_guard<std::mutex> lk(mu_);
    return app_;
  }
  std::vector<FIX::Message> admin_messages() {
    std::lock_guard<std::mutex> lk(mu_);
    return admin_;
  }
  int count_app(const std::string& type) { return count(app_messages(), type); }
  int count_admin(const std::string& type) { return count(admin_messages(), type); }
  static int count(const std::vector<FIX::Message>& v, const std::string& type) {
    int n = 0;
    for (const FIX::Message& m : v) n += m.getHeader().getField(35) == type ? 1 : 0;
    return n;
  }

  std::atomic<bool> auto_respond{true};
  std::atomic<int> logons{0};

  // -- FIX::Application
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override { ++logons; }
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
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
    {
      std::lock_guard<std::mutex> lk(mu_);
      app_.push_back(m);
    }
    if (!auto_respond) return;
    const std::string type = m.getHeader().getField(35);
    if (type == "D") {
      send_er(m, "0", "0", "0", "0", "", "");
      send_er(m, is42() ? "2" : "F", "2", m.getField(38), "0", m.getField(38), m.getField(44));
    } else if (type == "F") {
      send_er(m, "4", "4", "0", "0", "", "");
    } else if (type == "G") {
      send_er(m, "5", "0", "0", m.getField(38), "", "");
    } else if (type == "H") {
      send_er(m, is42() ? "0" : "I", "0", "0", "0", "", "");
    } else if (type == "V") {
      serve_market_data(m);
    }
  }

  bool is42() const { return begin_ == "FIX.4.2"; }

  /// An ExecutionReport answering `req` (ClOrdID, Symbol, Side copied from it).
  FIX::Message er(const FIX::Message& req, const std::string& exec_type,
                  const std::string& ord_status, const std::string& cum, const std::string& leaves,
                  const std::string& last_qty, const std::string& last_px) {
    FIX::Message r;
    r.getHeader().setField(35, "8");
    r.setField(37, "ORD-" + req.getField(11));
    r.setField(17, "EX-" + std::to_string(++exec_seq_));
    if (is42()) r.setField(20, req.getHeader().getField(35) == "H" ? "3" : "0");
    r.setField(150, exec_type);
    r.setField(39, ord_status);
    r.setField(11, req.getField(11));
    if (req.isSetField(41)) r.setField(41, req.getField(41));
    r.setField(55, req.getField(55));
    r.setField(54, req.getField(54));
    if (req.isSetField(38)) r.setField(38, req.getField(38));
    r.setField(14, cum);
    r.setField(151, leaves);
    r.setField(6, last_px.empty() ? "0" : last_px);
    if (!last_qty.empty()) r.setField(32, last_qty);
    if (!last_px.empty()) r.setField(31, last_px);
    r.setField(60, "20240102-14:30:00.250");
    return r;
  }

 private:
  void send_er(const FIX::Message& req, const std::string& exec_type, const std::string& ord_status,
               const std::string& cum, const std::string& leaves, const std::string& last_qty,
               const std::string& last_px) {
    FIX::Message r = er(req, exec_type, ord_status, cum, leaves, last_qty, last_px);
    send(r);
  }

  void serve_market_data(const FIX::Message& req) {
    const std::string symbol = req.getGroupRef(1, 146).getField(55);
    FIX::Message w;
    w.getHeader().setField(35, "W");
    w.setField(262, req.getField(262));
    w.setField(55, symbol);
    add_entry(w, "", "0", "100.25", "300", "");
    add_entry(w, "", "1", "100.5", "200", "");
    add_entry(w, "", "2", "100.3", "50", "");
    send(w);
    FIX::Message x;
    x.getHeader().setField(35, "X");
    x.setField(262, req.getField(262));
    add_entry(x, "1", "0", "100.3", "100", symbol);
    add_entry(x, "2", "1", "", "", symbol);
    add_entry(x, "0", "2", "100.4", "10", symbol);
    send(x);
  }

  static void add_entry(FIX::Message& m, const std::string& action, const std::string& type,
                        const std::string& px, const std::string& size, const std::string& symbol) {
    FIX::Group g(268, action.empty() ? 269 : 279);
    if (!action.empty()) g.setField(279, action);
    g.setField(269, type);
    if (!symbol.empty()) g.setField(55, symbol);
    if (!px.empty()) g.setField(270, px);
    if (!size.empty()) g.setField(271, size);
    g.setField(272, "20240102");
    g.setField(273, "14:30:01.500");
    m.addGroup(g);
  }

  std::string begin_;
  int port_;
  std::string dir_;
  FIX::SessionID id_;
  FIX::SessionSettings settings_;
  std::unique_ptr<FIX::FileStoreFactory> stores_;
  std::unique_ptr<FIX::Acceptor> acceptor_;
  std::string tls_cert_, tls_key_;
  std::mutex mu_;
  std::vector<FIX::Message> app_, admin_;
  std::atomic<int> exec_seq_{0};
};

}  // namespace fix
}  // namespace ballast

#pragma GCC diagnostic pop
