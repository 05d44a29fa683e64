// Raw QuickFIX peers for the FIX-path benchmark (see fix_raw_peer.hpp). C++14: Debian's QuickFIX
// 1.15 headers use dynamic exception specifications, which C++17 and later refuse.
#include "fix_raw_peer.hpp"

#include "ballast/fix/free_port.hpp"
#include "fix_bench_report.hpp"

#include <time.h>
#include <unistd.h>

#include <quickfix/Application.h>
#include <quickfix/Exceptions.h>
#include <quickfix/FileLog.h>
#include <quickfix/FileStore.h>
#include <quickfix/Message.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/SocketInitiator.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/NewOrderSingle.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

// QuickFIX 1.15's Application declares dynamic exception specifications; C++14 overrides must
// repeat them, and GCC warns that they are deprecated.
#pragma GCC diagnostic ignored "-Wdeprecated"

namespace ballast {
namespace benchfix {

std::int64_t mono_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

namespace {

const char* kBegin = "FIX.4.4";

/// Whole shares and cents as QuickFIX's doubles (what a plain QuickFIX client sends).
double shares(std::int64_t raw_qty) {
  return static_cast<double>(raw_qty) / 1e6;
}
double dollars(std::int64_t raw_px) {
  return static_cast<double>(raw_px) / 1e9;
}

// --------------------------------------------------------------------------- raw initiator

class RawInitiatorImpl final : public RawInitiator, public FIX::Application {
 public:
  explicit RawInitiatorImpl(const RawInitiatorConfig& cfg)
      : cfg_(cfg), id_(kBegin, cfg.sender_comp_id, cfg.target_comp_id) {}
  ~RawInitiatorImpl() override { stop(); }

  bool start(std::string& error) override {
    try {
      FIX::Dictionary defaults;
      defaults.setString("ConnectionType", "initiator");
      defaults.setString("ReconnectInterval", "1");
      defaults.setString("SocketNodelay", "Y");
      settings_.set(defaults);
      FIX::Dictionary d;
      d.setString("BeginString", kBegin);
      d.setString("SenderCompID", cfg_.sender_comp_id);
      d.setString("TargetCompID", cfg_.target_comp_id);
      d.setString("SocketConnectHost", cfg_.host);
      d.setString("SocketConnectPort", std::to_string(cfg_.port));
      d.setString("HeartBtInt", "30");
      d.setString("StartTime", "00:00:00");
      d.setString("EndTime", "00:00:00");
      d.setString("FileStorePath", cfg_.store_dir);
      d.setString("FileLogPath", cfg_.log_dir);
      d.setString("UseDataDictionary", "Y");
      d.setString("DataDictionary", cfg_.dictionary);
      d.setString("PersistMessages", "Y");
      settings_.set(id_, d);
      stores_.reset(new FIX::FileStoreFactory(cfg_.store_dir));
      logs_.reset(new FIX::FileLogFactory(cfg_.log_dir));
      initiator_.reset(new FIX::SocketInitiator(*this, *stores_, settings_, *logs_));
      initiator_->start();
      session_ = FIX::Session::lookupSession(id_);
    } catch (const std::exception& e) {
      error = std::string("raw initiator: QuickFIX refused to start: ") + e.what();
      return false;
    }
    if (session_ == nullptr) {
      error = "raw initiator: no session after start";
      return false;
    }
    return true;
  }

  bool logged_on() const override { return logged_on_.load(std::memory_order_acquire); }

  void stop() override {
    if (!initiator_) return;
    try {
      initiator_->stop();
    } catch (const std::exception&) {
    }
    initiator_.reset();
    session_ = nullptr;
  }

  RawPhaseResult run(std::uint64_t orders, std::uint32_t window, int timeout_ms) override {
    RawPhaseResult r;
    if (orders == 0 || window == 0) {
      r.error = "raw initiator: orders and window must be > 0";
      return r;
    }
    n_ = orders;
    window_ = window;
    base_ = next_order_;
    next_order_ += orders;
    t0_.reset(new std::atomic<std::int64_t>[orders]);
    sent_at_.reset(new std::atomic<std::int64_t>[orders]);
    done_at_.reset(new std::atomic<std::int64_t>[orders]);
    cb_at_.reset(new std::atomic<std::int64_t>[orders]);
    for (std::uint64_t i = 0; i < orders; ++i) {
      t0_[i].store(0, std::memory_order_relaxed);
      sent_at_[i].store(0, std::memory_order_relaxed);
      done_at_[i].store(0, std::memory_order_relaxed);
      cb_at_[i].store(0, std::memory_order_relaxed);
    }
    acks_ = fills_ = other_ = 0;
    filled_.store(0, std::memory_order_relaxed);
    next_.store(0, std::memory_order_relaxed);
    end_ns_.store(0, std::memory_order_relaxed);
    active_.store(true, std::memory_order_release);

    const std::int64_t start = mono_ns();
    const std::uint64_t first = std::min<std::uint64_t>(window, orders);
    for (std::uint64_t k = 0; k < first; ++k) send_next();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (end_ns_.load(std::memory_order_acquire) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        active_.store(false, std::memory_order_release);
        r.error = "raw initiator: timed out after " + std::to_string(timeout_ms) + " ms with " +
                  std::to_string(filled_.load()) + " of " + std::to_string(orders) + " fills";
        return r;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    active_.store(false, std::memory_order_release);
    r.elapsed_ns = end_ns_.load(std::memory_order_acquire) - start;
    r.acks = acks_;
    r.fills = fills_;
    r.other = other_;
    r.rtt_ns.reserve(orders);
    for (std::uint64_t i = 0; i < orders; ++i) {
      const std::int64_t t0 = t0_[i].load(std::memory_order_relaxed);
      const std::int64_t t1 = done_at_[i].load(std::memory_order_relaxed);
      if (t0 == 0 || t1 == 0) continue;
      r.rtt_ns.push_back(t1 - t0);
      if (window == 1) {
        const std::int64_t s = sent_at_[i].load(std::memory_order_relaxed);
        const std::int64_t c = cb_at_[i].load(std::memory_order_relaxed);
        if (s != 0 && c != 0) {
          r.send_ns.push_back(s - t0);
          r.wire_ns.push_back(c - s);
        }
      }
    }
    r.ok = r.rtt_ns.size() == orders;
    if (!r.ok) r.error = "raw initiator: missing round trips";
    return r;
  }

  // ------------------------------------------------------------------ FIX::Application
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {
    logged_on_.store(true, std::memory_order_release);
  }
  void onLogout(const FIX::SessionID&) override {
    logged_on_.store(false, std::memory_order_release);
  }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message&,
                 const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                              FIX::IncorrectTagValue, FIX::RejectLogon) override {}

  void fromApp(const FIX::Message& msg,
               const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                            FIX::IncorrectTagValue,
                                            FIX::UnsupportedMessageType) override {
    const std::int64_t cb = mono_ns();
    if (msg.getHeader().getField(FIX::FIELD::MsgType) != "8") throw FIX::UnsupportedMessageType();
    if (!active_.load(std::memory_order_acquire)) return;
    FIX::ClOrdID id;
    FIX::ExecType et;
    msg.getField(id);
    msg.getField(et);
    const std::uint64_t idx = order_index(id.getValue());
    if (idx >= n_) {
      ++other_;
      return;
    }
    if (et.getValue() == FIX::ExecType_NEW) {
      ++acks_;
      return;
    }
    if (et.getValue() != FIX::ExecType_TRADE) {
      ++other_;
      return;
    }
    FIX::OrdStatus st;
    FIX::LastQty lq;
    FIX::LastPx lp;
    msg.getField(st);
    msg.getField(lq);
    msg.getField(lp);
    if (st.getValue() != FIX::OrdStatus_FILLED || lq.getValue() <= 0 || lp.getValue() <= 0) {
      ++other_;
      return;
    }
    ++fills_;
    cb_at_[idx].store(cb, std::memory_order_relaxed);
    done_at_[idx].store(mono_ns(), std::memory_order_relaxed);
    const std::uint64_t done = filled_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (done == n_) {
      end_ns_.store(mono_ns(), std::memory_order_release);
      return;
    }
    send_next();
  }

 private:
  /// Index in the current phase of ClOrdID "R<n>"; n_ (out of range) for anything else.
  std::uint64_t order_index(const std::string& cl) const {
    if (cl.size() < 2 || cl[0] != 'R') return n_;
    const std::uint64_t n = std::strtoull(cl.c_str() + 1, nullptr, 10);
    return n >= base_ && n < base_ + n_ ? n - base_ : n_;
  }

  void send_next() {
    const std::uint64_t i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= n_) return;
    const BenchOrder o = bench_order(base_ + i);
    const std::int64_t t0 = mono_ns();
    t0_[i].store(t0, std::memory_order_relaxed);
    FIX44::NewOrderSingle m(FIX::ClOrdID("R" + std::to_string(base_ + i)), FIX::Side(o.side),
                            FIX::TransactTime(), FIX::OrdType(FIX::OrdType_LIMIT));
    m.set(FIX::Account(kBenchAccount));
    m.set(FIX::Symbol(kBenchSymbol));
    m.set(FIX::TimeInForce(FIX::TimeInForce_DAY));
    m.set(FIX::OrderQty(shares(o.qty)));
    m.set(FIX::Price(dollars(o.price)));
    session_->send(m);
    sent_at_[i].store(mono_ns(), std::memory_order_relaxed);
  }

  RawInitiatorConfig cfg_;
  FIX::SessionID id_;
  FIX::SessionSettings settings_;
  std::unique_ptr<FIX::FileStoreFactory> stores_;
  std::unique_ptr<FIX::FileLogFactory> logs_;
  std::unique_ptr<FIX::SocketInitiator> initiator_;
  FIX::Session* session_ = nullptr;
  std::atomic<bool> logged_on_{false};

  // The current phase. Set by run() before the first send; read by QuickFIX's thread.
  std::uint64_t n_ = 0, base_ = 0, next_order_ = 1;
  std::uint32_t window_ = 1;
  std::unique_ptr<std::atomic<std::int64_t>[]> t0_, sent_at_, done_at_, cb_at_;
  std::atomic<bool> active_{false};
  std::atomic<std::uint64_t> next_{0}, filled_{0};
  std::atomic<std::int64_t> end_ns_{0};
  std::uint64_t acks_ = 0, fills_ = 0, other_ = 0;  // QuickFIX's thread; read after end_ns_
};

// --------------------------------------------------------------------------- lean acceptor

class LeanAcceptorImpl final : public LeanAcceptor, public FIX::Application {
 public:
  explicit LeanAcceptorImpl(const LeanAcceptorConfig& cfg) : cfg_(cfg), port_(cfg.port) {}
  ~LeanAcceptorImpl() override { stop(); }

  bool start(std::string& error) override {
    if (port_ == 0) {
      port_ = fix::pick_free_port(error);
      if (port_ == 0) return false;
    }
    try {
      FIX::Dictionary defaults;
      defaults.setString("ConnectionType", "acceptor");
      defaults.setString("SocketAcceptPort", std::to_string(port_));
      defaults.setString("SocketReuseAddress", "Y");
      defaults.setString("SocketNodelay", "Y");
      defaults.setString("StartTime", "00:00:00");
      defaults.setString("EndTime", "00:00:00");
      defaults.setString("HeartBtInt", "30");
      defaults.setString("FileStorePath", cfg_.store_dir);
      defaults.setString("FileLogPath", cfg_.log_dir);
      defaults.setString("UseDataDictionary", "Y");
      defaults.setString("DataDictionary", cfg_.dictionary);
      settings_.set(defaults);
      for (const std::string& c : cfg_.clients) {
        FIX::Dictionary d;
        d.setString("BeginString", kBegin);
        d.setString("SenderCompID", "BROKERSIM");
        d.setString("TargetCompID", c);
        settings_.set(FIX::SessionID(kBegin, "BROKERSIM", c), d);
      }
      stores_.reset(new FIX::FileStoreFactory(cfg_.store_dir));
      logs_.reset(new FIX::FileLogFactory(cfg_.log_dir));
      acceptor_.reset(new FIX::SocketAcceptor(*this, *stores_, settings_, *logs_));
      acceptor_->start();
    } catch (const std::exception& e) {
      error = "lean acceptor: QuickFIX refused to start on port " + std::to_string(port_) + ": " +
              e.what();
      acceptor_.reset();
      return false;
    }
    return true;
  }

  int port() const override { return port_; }

  void stop() override {
    if (!acceptor_) return;
    try {
      acceptor_->stop();
    } catch (const std::exception&) {
    }
    acceptor_.reset();
  }

  std::uint64_t orders() const override { return orders_.load(std::memory_order_relaxed); }

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {}
  void onLogout(const FIX::SessionID&) override {}
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message&,
                 const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                              FIX::IncorrectTagValue, FIX::RejectLogon) override {}

  void fromApp(const FIX::Message& msg,
               const FIX::SessionID& id) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                               FIX::IncorrectTagValue,
                                               FIX::UnsupportedMessageType) override {
    if (msg.getHeader().getField(FIX::FIELD::MsgType) != "D") throw FIX::UnsupportedMessageType();
    const std::uint64_t n = orders_.fetch_add(1, std::memory_order_relaxed) + 1;
    // Quantities and prices are copied as sent (exact text, no doubles).
    const std::string& cl = msg.getField(11);
    const std::string& side = msg.getField(54);
    const std::string& qty = msg.getField(38);
    const std::string& px = msg.getField(44);
    const std::string& sym = msg.getField(55);
    const std::string account = msg.isSetField(1) ? msg.getField(1) : std::string();
    const std::string order_id = "L" + std::to_string(n);
    const std::string now = FIX::UtcTimeStampConvertor::convert(FIX::UtcTimeStamp(), 3);

    BenchReportFields f{order_id, cl, "", account, sym, side, qty, px, now};
    f.exec_id = "E" + std::to_string(2 * n);
    FIX::Message ack;
    make_bench_report(f, false, ack);
    FIX::Session::sendToTarget(ack, id);

    f.exec_id = "E" + std::to_string(2 * n + 1);
    FIX::Message fill;
    make_bench_report(f, true, fill);
    FIX::Session::sendToTarget(fill, id);
  }

 private:
  LeanAcceptorConfig cfg_;
  int port_;
  FIX::SessionSettings settings_;
  std::unique_ptr<FIX::FileStoreFactory> stores_;
  std::unique_ptr<FIX::FileLogFactory> logs_;
  std::unique_ptr<FIX::SocketAcceptor> acceptor_;
  std::atomic<std::uint64_t> orders_{0};
};

}  // namespace

std::unique_ptr<RawInitiator> RawInitiator::create(const RawInitiatorConfig& cfg,
                                                   std::string& error) {
  if (cfg.port <= 0 || cfg.store_dir.empty() || cfg.log_dir.empty() || cfg.dictionary.empty()) {
    error = "raw initiator: port, store_dir, log_dir and dictionary are required";
    return nullptr;
  }
  return std::unique_ptr<RawInitiator>(new RawInitiatorImpl(cfg));
}

std::unique_ptr<LeanAcceptor> LeanAcceptor::create(const LeanAcceptorConfig& cfg,
                                                   std::string& error) {
  if (cfg.clients.empty() || cfg.store_dir.empty() || cfg.log_dir.empty() ||
      cfg.dictionary.empty()) {
    error = "lean acceptor: clients, store_dir, log_dir and dictionary are required";
    return nullptr;
  }
  return std::unique_ptr<LeanAcceptor>(new LeanAcceptorImpl(cfg));
}

}  // namespace benchfix
}  // namespace ballast
