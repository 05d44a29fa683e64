// broker-sim: the QuickFIX acceptor around the matching core (matcher.hpp). See broker_sim.hpp
// for the interface and docs/fix.md ("broker-sim") for the behaviour and the message-log format.
// Every order it reads and every ExecutionReport/OrderCancelReject it sends goes through Ballast's
// one FIX codec (common/fix_codec.hpp), the same code the initiator builds and parses with.
//
// Threads and locks:
//  * QuickFIX calls back on the connection threads of sim::SimAcceptor (acceptor.hpp: one per
//    connection, bounded by max_pending_connections plus one per session). The sim owns the
//    socket boundary instead of QuickFIX's ThreadedSocketAcceptor, which let a malformed first
//    frame escape as an uncaught exception and bounded neither BodyLength nor idle connections.
//    A connection can be dropped from another thread (Session::disconnect() shuts its socket),
//    which the disconnect schedule needs.
//  * on_tape() runs on the caller's replay thread.
//  * One sim thread ("worker") applies client requests once their ack latency has passed and is
//    the only thread that sends and disconnects.
//  * `mu_` guards all state. Nothing calls into QuickFIX while holding it: reports become FIX
//    messages under `mu_` and go to `outbox_` in the order the matcher produced them; the worker
//    sends them after releasing `mu_`. QuickFIX may hold a session's mutex while it calls us
//    (fromApp, onLogon, the log), so the only nesting is QuickFIX -> mu_, never the reverse.
//  * The message log has its own lock, taken last and alone.
#include "ballast/fix/broker_sim.hpp"

// QuickFIX 1.15's Application uses dynamic exception specifications; C++14 overrides must repeat
// them, and GCC warns that they are deprecated.
#pragma GCC diagnostic ignored "-Wdeprecated"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <quickfix/Application.h>
#include <quickfix/Exceptions.h>
#include <quickfix/FileStore.h>
#include <quickfix/Group.h>
#include <quickfix/Log.h>
#include <quickfix/Message.h>
#include <quickfix/Session.h>
#include <quickfix/SessionFactory.h>
#include <quickfix/SessionSettings.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "ballast/fix/fix_decimal.hpp"
#include "ballast/fix/fix_messages.hpp"
#include "ballast/fix/fix_raw.hpp"
#include "ballast/fix/free_port.hpp"
#include "common/embedded.hpp"
#include "common/fix_codec.hpp"
#include "common/redacting_log.hpp"
#include "sim/acceptor.hpp"
#include "sim/broker_sim_detail.hpp"
#include "sim/matcher.hpp"

namespace ballast {
namespace fix {
namespace {

using Clock = std::chrono::steady_clock;

/// Tape time of the outgoing message being sent on this thread (-1: none); the message log
/// stamps OUT lines with it so a report carries the tape time it was produced at.
thread_local std::int64_t t_out_tape_time = -1;

bool make_dirs(const std::string& path, const char* what, std::string& error) {
  if (path.empty()) {
    error = std::string(what) + ": empty path";
    return false;
  }
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    const std::string part = path.substr(0, pos);
    if (part.empty()) continue;
    if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
      error = std::string(what) + ": cannot create directory " + part + ": " + std::strerror(errno);
      return false;
    }
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    error = std::string(what) + ": " + path + " is not a directory";
    return false;
  }
  return true;
}

bool file_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// The message log: one line per message, appended with write(2) so a line is in the kernel
/// the moment it is logged (it survives a crash of any process, this one included).
class MessageLog {
 public:
  ~MessageLog() { close(); }
  bool open(const std::string& path, std::string& error) {
    std::lock_guard<std::mutex> lk(mu_);
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      error = "message_log: cannot open " + path + ": " + std::strerror(errno);
      return false;
    }
    return true;
  }
  void close() {
    std::lock_guard<std::mutex> lk(mu_);
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  /// `<tape_time_ns> <IN|OUT> <session> <message>`: SOH shown as '|', other control bytes as
  /// \xHH, 553/554 values as ***.
  void write(std::int64_t tape_ns, const char* dir, const std::string& session,
             const std::string& msg) {
    const std::string clean = redact_credentials(msg);
    std::string line = std::to_string(tape_ns);
    line += ' ';
    line += dir;
    line += ' ';
    line += session;
    line += ' ';
    line.reserve(line.size() + clean.size() + 2);
    for (unsigned char c : clean) {
      if (c == 0x01) {
        line += '|';
      } else if (c < 0x20 || c == 0x7f) {
        char buf[5];
        std::snprintf(buf, sizeof(buf), "\\x%02X", c);
        line += buf;
      } else {
        line += static_cast<char>(c);
      }
    }
    line += '\n';
    std::lock_guard<std::mutex> lk(mu_);
    if (fd_ < 0) return;
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return;  // nothing sensible to do from inside QuickFIX's logging
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }

  /// The tape time an outgoing application message was produced at, by session and MsgSeqNum,
  /// so its resend (43=Y, sent later from QuickFIX's thread) is logged with the same time.
  void remember(const std::string& session, int seq, std::int64_t tape_ns) {
    std::lock_guard<std::mutex> lk(mu_);
    produced_[std::make_pair(session, seq)] = tape_ns;
  }
  bool recall(const std::string& session, int seq, std::int64_t& tape_ns) {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = produced_.find(std::make_pair(session, seq));
    if (it == produced_.end()) return false;
    tape_ns = it->second;
    return true;
  }

 private:
  std::mutex mu_;
  int fd_ = -1;
  std::map<std::pair<std::string, int>, std::int64_t> produced_;
};

/// MsgSeqNum of a raw resent message (PossDupFlag 43=Y), or 0.
int resent_seq(const std::string& raw) {
  if (raw_field(raw, 43) != "Y") return 0;
  return std::atoi(raw_field(raw, 34).c_str());
}

/// A QuickFIX Log that writes every message to the message log and hands everything to the
/// QuickFIX file log (H1's redacting one) as well.
class TeeLog : public FIX::Log {
 public:
  TeeLog(FIX::LogFactory& inner_factory, FIX::Log* inner, MessageLog& mlog,
         const std::atomic<std::int64_t>& tape, std::string session)
      : inner_factory_(inner_factory),
        inner_(inner),
        mlog_(mlog),
        tape_(tape),
        session_(std::move(session)) {}
  ~TeeLog() override {
    if (inner_ != nullptr) inner_factory_.destroy(inner_);
  }
  void clear() override {
    if (inner_ != nullptr) inner_->clear();
  }
  void backup() override {
    if (inner_ != nullptr) inner_->backup();
  }
  void onIncoming(const std::string& s) override {
    mlog_.write(tape_.load(std::memory_order_acquire), "IN", session_, s);
    if (inner_ != nullptr) inner_->onIncoming(s);
  }
  void onOutgoing(const std::string& s) override {
    std::int64_t t = t_out_tape_time;
    if (t < 0) {
      const int seq = resent_seq(s);
      if (seq == 0 || !mlog_.recall(session_, seq, t)) t = tape_.load(std::memory_order_acquire);
    }
    mlog_.write(t, "OUT", session_, s);
    if (inner_ != nullptr) inner_->onOutgoing(s);
  }
  void onEvent(const std::string& s) override {
    if (inner_ != nullptr) inner_->onEvent(s);
  }

 private:
  FIX::LogFactory& inner_factory_;
  FIX::Log* inner_;
  MessageLog& mlog_;
  const std::atomic<std::int64_t>& tape_;
  std::string session_;
};

class TeeLogFactory : public FIX::LogFactory {
 public:
  TeeLogFactory(FIX::LogFactory& inner, MessageLog& mlog, const std::atomic<std::int64_t>& tape)
      : inner_(inner), mlog_(mlog), tape_(tape) {}
  /// The acceptor's own log: messages for no known session (logged with session "-").
  FIX::Log* create() override { return new TeeLog(inner_, inner_.create(), mlog_, tape_, "-"); }
  FIX::Log* create(const FIX::SessionID& id) override {
    return new TeeLog(inner_, inner_.create(id), mlog_, tape_, id.toString());
  }
  void destroy(FIX::Log* log) override { delete log; }

 private:
  FIX::LogFactory& inner_;
  MessageLog& mlog_;
  const std::atomic<std::int64_t>& tape_;
};

std::string qty_text(std::int64_t raw) {
  return format_decimal(raw, kQtyDecimals);
}
std::string px_text(std::int64_t raw) {
  return format_decimal(raw, kPriceDecimals);
}

/// OrdRejReason (103) of a rejected order or status answer, or CxlRejReason (102) of an
/// OrderCancelReject (`cxl`). FIX 4.2 has no "other" (99): 0 / 2 = broker option there.
int reason_code(sim::RejectReason r, bool fix44, bool cxl) {
  switch (r) {
    case sim::RejectReason::kDuplicateClOrdId:
      return !cxl ? 6 : fix44 ? 6 : 2;
    case sim::RejectReason::kUnknownOrder:
      return cxl ? 1 : 5;
    case sim::RejectReason::kTooLate:
      return cxl ? 0 : 4;
    default:
      return fix44 ? 99 : cxl ? 2 : 0;
  }
}

/// Copies a matcher string into a struct's field; false (with `error` naming it) when too long.
/// The matcher's strings come from requests the codec read into the same fields, so this
/// cannot fail for them; the check keeps it that way.
template <std::size_t N>
bool copy_text(char (&dst)[N], const std::string& v, const char* what, std::string& error) {
  if (set_text(dst, v)) return true;
  error = std::string(what) + " '" + v.substr(0, 40) + "' longer than " + std::to_string(N - 1) +
          " characters";
  return false;
}

/// A new order's or a replace's terms (Price only for a limit order, as the matcher expects).
template <class Msg, class Req>
void copy_terms(const Msg& m, Req& r) {
  r.ord_type = m.ord_type;
  r.qty = m.qty;
  if (m.ord_type == '2') r.price = m.price;
}

/// What each request adds for the matcher to session, ClOrdID, Symbol and Side.
void copy_rest(const NewOrder& m, sim::NewOrderRequest& r) {
  r.account = m.account;
  r.time_in_force = m.time_in_force;
  copy_terms(m, r);
}
void copy_rest(const CancelRequest& m, sim::CancelOrderRequest& r) {
  r.orig_cl_ord_id = m.orig_cl_ord_id;
}
void copy_rest(const ReplaceRequest& m, sim::ReplaceOrderRequest& r) {
  r.orig_cl_ord_id = m.orig_cl_ord_id;
  copy_terms(m, r);
}
void copy_rest(const StatusRequest&, sim::StatusOrderRequest&) {}

/// Reads a D/F/G/H with the codec as a broker (the fields broker-sim acts on must be there; its
/// exceptions name the tag and QuickFIX answers with a Reject) into the matcher's request.
template <class Msg, class Req>
void read_request(const FIX::Message& msg, const std::string& session, Req& r) {
  Msg m;
  codec::parse(msg, m, codec::Need::kToExecute);
  r.session = session;
  r.cl_ord_id = m.cl_ord_id;
  r.symbol = m.symbol;
  r.side = m.side;
  copy_rest(m, r);
}

/// The identifiers and text an ExecutionReport and an OrderCancelReject share.
template <class Out>
bool copy_common(const sim::Report& r, Out& o, std::string& error) {
  return copy_text(o.order_id, r.order_id, "OrderID", error) &&
         copy_text(o.cl_ord_id, r.cl_ord_id, "ClOrdID", error) &&
         copy_text(o.orig_cl_ord_id, r.orig_cl_ord_id, "OrigClOrdID", error) &&
         copy_text(o.account, r.account, "Account", error) &&
         copy_text(o.text, r.text, "Text", error);
}

/// One matcher report as the FIX message broker-sim sends (an ExecutionReport, or an
/// OrderCancelReject), built by the codec. False with `error` when a value does not fit.
bool build_report(const sim::Report& r, bool fix44, FIX::Message& m, std::string& error) {
  const codec::Version v = fix44 ? codec::Version::kFix44 : codec::Version::kFix42;
  if (r.type == sim::ReportType::kCancelReject) {
    CancelReject c;
    c.ord_status = r.ord_status;
    c.response_to = r.response_to;
    c.reason = reason_code(r.reason, fix44, true);
    c.transact_time_ns = r.tape_time_ns;
    return copy_common(r, c, error) && codec::build(c, v, m, error);
  }
  ExecutionReport e;
  switch (r.type) {
    case sim::ReportType::kNew:
      e.exec_type = '0';
      break;
    case sim::ReportType::kTrade:
      e.exec_type = fix44 ? 'F' : r.ord_status;
      e.last_qty = r.last_qty;
      e.last_px = r.last_px;
      break;
    case sim::ReportType::kCanceled:
      e.exec_type = '4';
      break;
    case sim::ReportType::kReplaced:
      e.exec_type = '5';
      break;
    case sim::ReportType::kRejected:
      e.exec_type = '8';
      break;
    case sim::ReportType::kStatus:
      e.exec_type = fix44 ? 'I' : r.ord_status;
      break;
    case sim::ReportType::kCancelReject:
      break;
  }
  e.exec_trans_type = r.type == sim::ReportType::kStatus ? '3' : '0';  // 4.2 only
  e.ord_status = r.ord_status;
  if (r.type == sim::ReportType::kRejected ||
      (r.type == sim::ReportType::kStatus && r.reason != sim::RejectReason::kNone)) {
    e.ord_rej_reason = reason_code(r.reason, fix44, false);
  }
  e.side = r.side;
  if (r.order_id != "NONE") {  // the order's own terms only when the order is known
    e.order_qty = r.order_qty > 0 ? r.order_qty : 0;
    e.ord_type = r.ord_type;
    e.price = r.price > 0 ? r.price : 0;
  }
  e.leaves_qty = r.leaves_qty;
  e.cum_qty = r.cum_qty;
  e.avg_px = r.avg_px;
  e.transact_time_ns = r.tape_time_ns;
  return copy_common(r, e, error) && copy_text(e.exec_id, r.exec_id, "ExecID", error) &&
         copy_text(e.symbol, r.symbol, "Symbol", error) && codec::build(e, v, m, error);
}

/// MDEntryDate (YYYYMMDD) and MDEntryTime (HH:MM:SS.sss) of a tape time.
void md_date_time(std::int64_t ns, std::string& date, std::string& time) {
  const std::string ts = format_utc_timestamp_ms(ns);  // YYYYMMDD-HH:MM:SS.sss
  const std::size_t dash = ts.find('-');
  date = ts.substr(0, dash);
  time = dash == std::string::npos ? std::string() : ts.substr(dash + 1);
}

const int kFullGroupOrder[] = {269, 270, 271, 272, 273, 0};
const int kIncGroupOrder[] = {279, 269, 55, 270, 271, 272, 273, 0};

std::string symbol_of(const TapeEvent& e) {
  return std::string(e.symbol, ::strnlen(e.symbol, sizeof(e.symbol)));
}

class BrokerSimImpl final : public BrokerSim, public FIX::Application {
 public:
  explicit BrokerSimImpl(const BrokerSimConfig& cfg, std::uint64_t run)
      : cfg_(cfg),
        matcher_(matcher_config(cfg, run)),
        disconnect_fired_(cfg.disconnect_at_ns.size(), false) {
    port_ = cfg.port;
    for (const SimSession& s : cfg.sessions) {
      FIX::SessionID id(s.begin_string, s.sender_comp_id, s.target_comp_id);
      SessionInfo info;
      info.id = id;
      info.fix44 = s.begin_string == "FIX.4.4";
      sessions_.emplace(id.toString(), info);
    }
  }
  ~BrokerSimImpl() override { stop(); }

  static sim::MatcherConfig matcher_config(const BrokerSimConfig& cfg, std::uint64_t run) {
    sim::MatcherConfig m;
    m.reject_rate = cfg.reject_rate;
    m.unsolicited_cancel_rate = cfg.unsolicited_cancel_rate;
    m.seed = cfg.seed;
    m.id_prefix = "R" + std::to_string(run) + "-";
    return m;
  }

  bool start(std::string& error) override { return start_impl(true, error); }

  /// `listen` false: sessions and worker without a socket (the fuzz harness feeds connections).
  bool start_impl(bool listen, std::string& error) {
    if (started_) {
      error = "broker-sim: already started";
      return false;
    }
    if (!mlog_.open(cfg_.message_log, error)) return false;
    if (listen && port_ == 0) {
      port_ = pick_free_port(error);
      if (port_ == 0) return false;
    }
    try {
      FIX::SessionSettings settings;
      FIX::Dictionary defaults;
      defaults.setString(FIX::CONNECTION_TYPE, "acceptor");
      defaults.setInt(FIX::SOCKET_ACCEPT_PORT, port_);
      defaults.setBool(FIX::SOCKET_REUSE_ADDRESS, true);
      // Without TCP_NODELAY every execution report waits for the peer's delayed ACK
      // (about 40 ms on Linux loopback), which is what the FIX-path benchmark measured.
      defaults.setBool(FIX::SOCKET_NODELAY, true);
      defaults.setString(FIX::FILE_STORE_PATH, cfg_.store_dir);
      defaults.setString(FIX::START_TIME, "00:00:00");
      defaults.setString(FIX::END_TIME, "00:00:00");
      defaults.setInt(FIX::HEARTBTINT, cfg_.heartbeat_s);
      defaults.setBool(FIX::USE_DATA_DICTIONARY, true);
      settings.set(defaults);
      for (const SimSession& s : cfg_.sessions) {
        std::string dict;
        if (!dictionary_for(s.begin_string, dict, error)) return false;
        FIX::Dictionary d;
        d.setString(FIX::BEGINSTRING, s.begin_string);
        d.setString(FIX::SENDERCOMPID, s.sender_comp_id);
        d.setString(FIX::TARGETCOMPID, s.target_comp_id);
        d.setString(FIX::DATA_DICTIONARY, dict);
        settings.set(FIX::SessionID(s.begin_string, s.sender_comp_id, s.target_comp_id), d);
      }
      store_factory_.reset(new FIX::FileStoreFactory(cfg_.store_dir));
      file_logs_.reset(new RedactingFileLogFactory(cfg_.log_dir));
      tee_logs_.reset(new TeeLogFactory(*file_logs_, mlog_, tape_ns_));
      acceptor_log_.reset(tee_logs_->create());
      // The sessions, as QuickFIX's Acceptor::initialize() makes them; the acceptor below only
      // routes connections to them.
      FIX::SessionFactory factory(*this, *store_factory_, tee_logs_.get());
      std::set<FIX::SessionID> ids;
      for (const SimSession& s : cfg_.sessions) {
        const FIX::SessionID id(s.begin_string, s.sender_comp_id, s.target_comp_id);
        ids.insert(id);
        fix_sessions_.emplace_back(factory.create(id, settings.get(id)));
      }
      sim::AcceptorLimits limits;
      limits.max_message_bytes = cfg_.max_message_bytes;
      limits.logon_timeout_ms = cfg_.logon_timeout_ms;
      limits.max_pending_connections = cfg_.max_pending_connections;
      acceptor_.reset(new sim::SimAcceptor(ids, acceptor_log_.get(), limits));
    } catch (const FIX::Exception& e) {
      error = "broker-sim: QuickFIX refused to create the sessions: " + std::string(e.what());
      acceptor_.reset();
      fix_sessions_.clear();
      return false;
    }
    if (listen && !acceptor_->start(port_, error)) {
      error = "broker-sim: " + error;
      acceptor_.reset();
      fix_sessions_.clear();
      return false;
    }
    started_ = true;
    worker_ = std::thread([this] { run_worker(); });
    return true;
  }

  int port() const override { return port_; }

  void stop() override {
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (stopped_) return;
      stopped_ = true;
      stopping_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
    if (sim::SimAcceptor* a = acceptor_.get()) {
      a->stop(3000);
      std::unique_ptr<sim::SimAcceptor> done;
      {
        std::lock_guard<std::mutex> lk(mu_);  // counters() reads acceptor_ under mu_
        final_counts_ = a->counts();
        done = std::move(acceptor_);
      }
    }
    fix_sessions_.clear();
    mlog_.close();
  }

  void on_tape(const TapeEvent& e) override {
    {
      std::lock_guard<std::mutex> lk(mu_);
      // The disconnect schedule first: the event's own reports then wait for the reconnect
      // and go out on the resend.
      bool drop = false;
      for (std::size_t i = 0; i < cfg_.disconnect_at_ns.size(); ++i) {
        if (!disconnect_fired_[i] && e.time_ns >= cfg_.disconnect_at_ns[i]) {
          disconnect_fired_[i] = true;
          drop = true;
        }
      }
      if (drop) push_disconnect();
      reports_.clear();
      matcher_.on_tape(e, reports_);
      tape_ns_.store(matcher_.tape_time_ns(), std::memory_order_release);
      queue_reports(reports_);
      publish_market_data(e);
    }
    cv_.notify_all();
  }

  std::int64_t tape_time_ns() const override { return tape_ns_.load(std::memory_order_acquire); }

  std::vector<SimFill> fills() const override {
    std::lock_guard<std::mutex> lk(mu_);
    return fills_;
  }

  BrokerSimCounters counters() const override {
    std::lock_guard<std::mutex> lk(mu_);
    BrokerSimCounters c = counters_;
    c.resting = matcher_.resting();
    const sim::AcceptorCounts a = acceptor_ ? acceptor_->counts() : final_counts_;
    c.connections = a.accepted;
    c.connections_refused = a.refused;
    c.connections_dropped = a.dropped;
    c.logon_timeouts = a.logon_timeouts;
    return c;
  }

  /// A connection fed by hand (the fuzz harness): the stream the socket thread would drive.
  std::unique_ptr<sim::InboundStream> open_stream(sim::Transport& t) {
    sim::AcceptorLimits limits;
    limits.max_message_bytes = cfg_.max_message_bytes;
    limits.logon_timeout_ms = cfg_.logon_timeout_ms;
    limits.max_pending_connections = cfg_.max_pending_connections;
    return std::unique_ptr<sim::InboundStream>(new sim::InboundStream(
        acceptor_->sessions(), t, acceptor_log_.get(), limits, Clock::now()));
  }

  /// Until the worker has applied what arrived and sent what it produced (the fuzz harness).
  void wait_idle() {
    for (;;) {
      {
        std::lock_guard<std::mutex> lk(mu_);
        if ((inbound_.empty() || stopping_) && outbox_.empty() && !sending_) return;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  }

  int logged_on() const override {
    std::lock_guard<std::mutex> lk(mu_);
    return static_cast<int>(logged_on_.size());
  }

  // ------------------------------------------------------------------ FIX::Application
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override {
    std::lock_guard<std::mutex> lk(mu_);
    logged_on_.insert(id.toString());
    ++counters_.logons;
    // The worker sends a heartbeat after the reports before this point (see send_all).
    OutItem it;
    it.logon = true;
    it.id = id;
    outbox_.push_back(std::move(it));
    cv_.notify_all();
  }
  void onLogout(const FIX::SessionID& id) override {
    std::lock_guard<std::mutex> lk(mu_);
    const std::string key = id.toString();
    logged_on_.erase(key);
    // Market-data subscriptions end with the session (the initiator subscribes again after its
    // next logon); stale quotes are not queued for a resend.
    for (auto it = subs_.begin(); it != subs_.end();) {
      if (it->key == key) {
        it = subs_.erase(it);
      } else {
        ++it;
      }
    }
  }
  void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message&,
                 const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                              FIX::IncorrectTagValue, FIX::RejectLogon) override {}

  void fromApp(const FIX::Message& msg,
               const FIX::SessionID& id) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                               FIX::IncorrectTagValue,
                                               FIX::UnsupportedMessageType) override {
    const std::string& type = msg.getHeader().getField(35);
    const std::string key = id.toString();
    Inbound in;
    in.kind = type.size() == 1 ? type[0] : '?';
    // The codec reads every order (Need::kToExecute: the fields broker-sim acts on must be
    // there); its exceptions name the tag and QuickFIX answers with a session Reject.
    switch (in.kind) {
      case 'D':
        read_request<NewOrder>(msg, key, in.order);
        break;
      case 'F':
        read_request<CancelRequest>(msg, key, in.cancel);
        break;
      case 'G':
        read_request<ReplaceRequest>(msg, key, in.replace);
        break;
      case 'H':
        read_request<StatusRequest>(msg, key, in.status);
        break;
      case 'q': {
        MassCancelRequest q;
        codec::parse(msg, q, codec::Need::kToExecute);
        in.mass.session = key;
        in.mass.cl_ord_id = q.cl_ord_id;
        in.mass.symbol = q.symbol;
        break;
      }
      case 'V':
        on_market_data_request(msg, id);
        cv_.notify_all();
        return;
      default:
        throw FIX::UnsupportedMessageType();
    }
    in.due = Clock::now() + std::chrono::microseconds(cfg_.ack_latency_us);
    {
      std::lock_guard<std::mutex> lk(mu_);
      inbound_.push_back(std::move(in));
    }
    cv_.notify_all();
  }

 private:
  struct SessionInfo {
    FIX::SessionID id{"", "", ""};  // (the default constructor leaves a bool uninitialised)
    bool fix44 = true;
  };
  struct Inbound {
    char kind = '?';
    Clock::time_point due;
    sim::NewOrderRequest order;
    sim::CancelOrderRequest cancel;
    sim::ReplaceOrderRequest replace;
    sim::StatusOrderRequest status;
    struct {
      std::string session, cl_ord_id, symbol;
    } mass;
  };
  struct OutItem {
    bool disconnect = false;
    bool logon = false;             ///< the session `id` is logged on (pushed by onLogon)
    FIX::SessionID id{"", "", ""};  // (the default constructor leaves a bool uninitialised)
    FIX::Message msg;
    std::int64_t tape_ns = 0;
  };
  struct MdSub {
    FIX::SessionID id{"", "", ""};  // (the default constructor leaves a bool uninitialised)
    std::string key;
    std::string req_id;
    std::vector<std::string> symbols;
    bool bids = false, offers = false, trades = false;
  };

  bool dictionary_for(const std::string& begin_string, std::string& path, std::string& error) {
    if (!cfg_.data_dictionary_dir.empty()) {
      const std::string name = begin_string == "FIX.4.2" ? "FIX42.xml" : "FIX44.xml";
      path = cfg_.data_dictionary_dir + "/" + name;
      if (!file_exists(path)) {
        error = "broker-sim: data_dictionary_dir " + cfg_.data_dictionary_dir + " has no " + name;
        return false;
      }
      return true;
    }
    return write_embedded_dictionary(begin_string, cfg_.store_dir + "/dictionaries", path, error);
  }

  // ---- everything below runs with mu_ held

  void push_disconnect() {
    OutItem it;
    it.disconnect = true;
    outbox_.push_back(std::move(it));
  }

  void push(const FIX::SessionID& id, FIX::Message&& m, std::int64_t tape_ns) {
    OutItem it;
    it.id = id;
    it.msg = std::move(m);
    it.tape_ns = tape_ns;
    outbox_.push_back(std::move(it));
  }

  void queue_reports(const std::vector<sim::Report>& reports) {
    for (const sim::Report& r : reports) {
      auto s = sessions_.find(r.session);
      if (s == sessions_.end()) continue;  // cannot happen: requests come from known sessions
      switch (r.type) {
        case sim::ReportType::kTrade: {
          ++counters_.fills;
          SimFill f;
          f.session = r.session;
          f.account = r.account;
          f.symbol = r.symbol;
          f.cl_ord_id = r.cl_ord_id;
          f.exec_id = r.exec_id;
          f.side = r.side;
          f.qty = r.last_qty;
          f.price = r.last_px;
          f.tape_time_ns = r.tape_time_ns;
          fills_.push_back(std::move(f));
          break;
        }
        case sim::ReportType::kRejected:
        case sim::ReportType::kCancelReject:
          ++counters_.rejects;
          break;
        case sim::ReportType::kCanceled:
          if (r.unsolicited) ++counters_.unsolicited_cancels;
          break;
        default:
          break;
      }
      FIX::Message m;
      std::string error;
      if (!build_report(r, s->second.fix44, m, error)) {
        // Cannot happen for what the codec read (see copy_text); said, never sent half-built.
        if (FIX::Session* fs = FIX::Session::lookupSession(s->second.id)) {
          try {
            fs->getLog()->onEvent("broker-sim: report for " + r.cl_ord_id + " not sent: " + error);
          } catch (...) {
          }
        }
        continue;
      }
      push(s->second.id, std::move(m), r.tape_time_ns);
    }
  }

  void apply(const Inbound& in) {
    reports_.clear();
    switch (in.kind) {
      case 'D': {
        ++counters_.orders;
        matcher_.new_order(in.order, reports_);
        const bool accepted = !reports_.empty() && reports_.front().type == sim::ReportType::kNew;
        queue_reports(reports_);
        if (accepted) ++accepted_orders_;
        if (accepted && cfg_.disconnect_after_orders > 0 && !after_orders_fired_ &&
            accepted_orders_ >= cfg_.disconnect_after_orders) {
          after_orders_fired_ = true;
          push_disconnect();
        }
        return;
      }
      case 'F':
        ++counters_.cancels;
        matcher_.cancel(in.cancel, reports_);
        break;
      case 'G':
        ++counters_.replaces;
        matcher_.replace(in.replace, reports_);
        break;
      case 'H':
        ++counters_.status_requests;
        matcher_.status(in.status, reports_);
        break;
      case 'q':
        apply_mass_cancel(in);
        return;
      default:
        return;
    }
    queue_reports(reports_);
  }

  void apply_mass_cancel(const Inbound& in) {
    ++counters_.mass_cancels;
    if (cfg_.mass_cancel == BrokerSimConfig::MassCancel::kIgnore) return;
    auto s = sessions_.find(in.mass.session);
    if (s == sessions_.end()) return;
    MassCancelReport rep;
    set_text(rep.cl_ord_id, in.mass.cl_ord_id);
    set_text(rep.order_id, "MASS-" + std::to_string(++mass_reports_));
    rep.request_type = in.mass.symbol.empty() ? '7' : '1';
    if (cfg_.mass_cancel == BrokerSimConfig::MassCancel::kReject) {
      rep.response = '0';
      rep.reject_reason = 0;  // mass cancel not supported
      set_text(rep.text, "broker-sim: mass cancel refused (--mass-cancel reject)");
    } else {
      rep.response = rep.request_type;
      rep.affected =
          static_cast<long long>(matcher_.mass_cancel(in.mass.session, in.mass.symbol, reports_));
      queue_reports(reports_);
    }
    FIX::Message m;
    std::string error;
    if (codec::build(rep, s->second.fix44 ? codec::Version::kFix44 : codec::Version::kFix42, m,
                     error)) {
      push(s->second.id, std::move(m), matcher_.tape_time_ns());
    }
  }

  void on_market_data_request(const FIX::Message& msg, const FIX::SessionID& id) {
    const std::string req_id = msg.getField(262);
    const char sub_type = codec::required_char(msg, 263);
    if (sub_type != '0' && sub_type != '1' && sub_type != '2') throw FIX::IncorrectTagValue(263);
    MdSub sub;
    sub.id = id;
    sub.key = id.toString();
    sub.req_id = req_id;
    const std::size_t ntypes = msg.groupCount(267);
    for (std::size_t i = 1; i <= ntypes; ++i) {
      const char t = codec::required_char(msg.getGroupRef(static_cast<int>(i), 267), 269);
      if (t == '0') sub.bids = true;
      if (t == '1') sub.offers = true;
      if (t == '2') sub.trades = true;
    }
    const std::size_t nsyms = msg.groupCount(146);
    for (std::size_t i = 1; i <= nsyms; ++i)
      sub.symbols.push_back(msg.getGroupRef(static_cast<int>(i), 146).getField(55));

    std::lock_guard<std::mutex> lk(mu_);
    const bool fix44 = sessions_.at(sub.key).fix44;
    // Any request with this MDReqID on this session ends the earlier one.
    for (auto it = subs_.begin(); it != subs_.end();) {
      if (it->key == sub.key && it->req_id == req_id) {
        it = subs_.erase(it);
      } else {
        ++it;
      }
    }
    if (sub_type == '2') return;
    std::string unknown;
    for (const std::string& s : sub.symbols) {
      if (!matcher_.known_symbol(s)) {
        unknown = s;
        break;
      }
    }
    if (sub.symbols.empty() || !unknown.empty() || (!sub.bids && !sub.offers && !sub.trades)) {
      FIX::Message y;
      y.getHeader().setField(35, "Y");
      y.setField(262, req_id);
      if (!unknown.empty() || sub.symbols.empty()) {
        y.setField(281, "0");  // unknown symbol
        y.setField(58, sub.symbols.empty() ? "no symbols requested" : "unknown symbol " + unknown);
      } else {
        y.setField(281, fix44 ? "8" : "0");  // unsupported MDEntryType (4.4 only has the code)
        y.setField(58, "only MDEntryType 0, 1 and 2 are served");
      }
      ++counters_.md_messages;
      push(id, std::move(y), matcher_.tape_time_ns());
      return;
    }
    for (const std::string& s : sub.symbols) {
      const sim::TopOfBook top = matcher_.top(s);
      FIX::Message w;
      w.getHeader().setField(35, "W");
      w.setField(262, req_id);
      w.setField(55, s);
      std::string date, time;
      md_date_time(top.time_ns, date, time);
      auto entry = [&](const char* type, std::int64_t px, std::int64_t size) {
        FIX::Group g(268, 269, kFullGroupOrder);
        g.setField(269, type);
        g.setField(270, px_text(px));
        g.setField(271, qty_text(size));
        g.setField(272, date);
        g.setField(273, time);
        w.addGroup(g);
      };
      if (sub.bids && top.bid > 0) entry("0", top.bid, top.bid_size);
      if (sub.offers && top.ask > 0) entry("1", top.ask, top.ask_size);
      if (!w.isSetField(268)) w.setField(268, "0");
      ++counters_.md_messages;
      push(id, std::move(w), matcher_.tape_time_ns());
    }
    if (sub_type == '1') {
      ++counters_.md_subscriptions;
      subs_.push_back(std::move(sub));
    }
  }

  void publish_market_data(const TapeEvent& e) {
    if (subs_.empty()) return;
    const std::string sym = symbol_of(e);
    std::string date, time;
    md_date_time(e.time_ns, date, time);
    for (const MdSub& sub : subs_) {
      bool wanted = false;
      for (const std::string& s : sub.symbols) wanted = wanted || s == sym;
      if (!wanted) continue;
      FIX::Message x;
      x.getHeader().setField(35, "X");
      x.setField(262, sub.req_id);
      auto entry = [&](const char* action, const char* type, std::int64_t px, std::int64_t size) {
        FIX::Group g(268, 279, kIncGroupOrder);
        g.setField(279, action);
        g.setField(269, type);
        g.setField(55, sym);
        if (px > 0) {
          g.setField(270, px_text(px));
          g.setField(271, qty_text(size));
        }
        g.setField(272, date);
        g.setField(273, time);
        x.addGroup(g);
      };
      int n = 0;
      if (e.is_trade) {
        if (sub.trades) {
          entry("0", "2", e.price, e.size);
          ++n;
        }
      } else {
        // 279=1 change; a side the tape shows empty is deleted (279=2, no price).
        if (sub.bids) {
          entry(e.bid > 0 ? "1" : "2", "0", e.bid, e.bid_size);
          ++n;
        }
        if (sub.offers) {
          entry(e.ask > 0 ? "1" : "2", "1", e.ask, e.ask_size);
          ++n;
        }
      }
      if (n == 0) continue;
      ++counters_.md_messages;
      push(sub.id, std::move(x), e.time_ns);
    }
  }

  // ---- the worker

  void run_worker() {
    std::unique_lock<std::mutex> lk(mu_);
    std::deque<OutItem> sending;
    for (;;) {
      const Clock::time_point now = Clock::now();
      while (!inbound_.empty() && inbound_.front().due <= now && !stopping_) {
        apply(inbound_.front());
        inbound_.pop_front();
      }
      if (!outbox_.empty()) {
        sending.swap(outbox_);
        sending_ = true;
        lk.unlock();
        int dropped = send_all(sending);
        sending.clear();
        lk.lock();
        sending_ = false;
        counters_.disconnects += static_cast<std::uint64_t>(dropped);
        continue;
      }
      if (stopping_) return;  // requests still waiting out their latency are dropped
      if (!inbound_.empty()) {
        cv_.wait_until(lk, inbound_.front().due);
      } else {
        cv_.wait(lk);
      }
    }
  }

  /// Sends (or disconnects) in order; returns how many sessions were disconnected.
  int send_all(std::deque<OutItem>& items) {
    int dropped = 0;
    for (OutItem& it : items) {
      if (it.disconnect) {
        for (const auto& s : sessions_) {
          FIX::Session* session = FIX::Session::lookupSession(s.second.id);
          // receivedLogon, not isLoggedOn: a session between its Logon answer and counting
          // itself logged on (see the logon item below) is up for the peer and is dropped too.
          if (session != nullptr && session->receivedLogon()) {
            session->disconnect();
            ++dropped;
          }
        }
        continue;
      }
      if (it.logon) {
        // QuickFIX's acceptor writes its Logon answer before it counts itself logged on
        // (Session::generateLogon sets sentLogon after sendRaw), and sendRaw stores an
        // application message sent in between with its sequence number without writing it (and
        // still returns true), although the peer already sees the session up. The peer asks for
        // it only when a later message shows the gap: on a quiet session the next heartbeat,
        // HeartBtInt seconds later. This item comes after any report sent in that window (onLogon
        // runs once the session counts itself logged on), so a heartbeat now shows the gap at
        // once; when there is none it is one more message the peer ignores.
        FIX::Message hb;
        hb.getHeader().setField(35, "0");
        try {
          FIX::Session::sendToTarget(hb, it.id);
        } catch (const FIX::SessionNotFound&) {
        }
        continue;
      }
      t_out_tape_time = it.tape_ns;
      try {
        FIX::Session::sendToTarget(it.msg, it.id);
        if (it.msg.getHeader().isSetField(34)) {
          mlog_.remember(it.id.toString(), std::atoi(it.msg.getHeader().getField(34).c_str()),
                         it.tape_ns);
        }
      } catch (const FIX::SessionNotFound&) {
        // the acceptor is stopping; nothing to send to
      }
      t_out_tape_time = -1;
    }
    return dropped;
  }

  const BrokerSimConfig cfg_;
  int port_ = 0;
  bool started_ = false;
  std::atomic<std::int64_t> tape_ns_{0};
  MessageLog mlog_;
  std::unique_ptr<FIX::FileStoreFactory> store_factory_;
  std::unique_ptr<RedactingFileLogFactory> file_logs_;
  std::unique_ptr<TeeLogFactory> tee_logs_;
  std::unique_ptr<FIX::Log> acceptor_log_;  ///< events and frames for no session ("-")
  std::vector<std::unique_ptr<FIX::Session>> fix_sessions_;
  std::unique_ptr<sim::SimAcceptor> acceptor_;
  sim::AcceptorCounts final_counts_;  ///< the acceptor's counts when it stopped (under mu_)
  std::thread worker_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool stopped_ = false;
  bool sending_ = false;  ///< the worker is sending a batch taken from outbox_
  sim::Matcher matcher_;
  std::vector<sim::Report> reports_;
  std::map<std::string, SessionInfo> sessions_;  ///< const after construction
  std::set<std::string> logged_on_;
  std::deque<Inbound> inbound_;
  std::deque<OutItem> outbox_;
  std::vector<MdSub> subs_;
  std::vector<SimFill> fills_;
  BrokerSimCounters counters_;
  std::vector<bool> disconnect_fired_;
  std::uint64_t accepted_orders_ = 0;
  std::uint64_t mass_reports_ = 0;  // OrderIDs of the 35=r answers
  bool after_orders_fired_ = false;
};

/// Bumps and returns the run number kept in `store_dir`/broker_sim.run (1 for a fresh store), so
/// ExecIDs and OrderIDs stay unique across restarts on the same store.
bool next_run_number(const std::string& store_dir, std::uint64_t& run, std::string& error) {
  const std::string path = store_dir + "/broker_sim.run";
  run = 0;
  {
    std::ifstream in(path);
    if (in) in >> run;
  }
  ++run;
  std::ofstream out(path, std::ios::trunc);
  out << run << '\n';
  out.flush();
  if (!out) {
    error = "broker-sim: cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace

namespace sim {

bool start_without_socket(BrokerSim& s, std::string& error) {
  BrokerSimImpl* impl = dynamic_cast<BrokerSimImpl*>(&s);
  if (impl == nullptr) {
    error = "not a broker-sim";
    return false;
  }
  return impl->start_impl(false, error);
}

std::unique_ptr<InboundStream> open_stream(BrokerSim& s, Transport& t) {
  BrokerSimImpl* impl = dynamic_cast<BrokerSimImpl*>(&s);
  return impl == nullptr ? nullptr : impl->open_stream(t);
}

void wait_idle(BrokerSim& s) {
  BrokerSimImpl* impl = dynamic_cast<BrokerSimImpl*>(&s);
  if (impl != nullptr) impl->wait_idle();
}

}  // namespace sim

std::unique_ptr<BrokerSim> BrokerSim::create(const BrokerSimConfig& cfg, std::string& error) {
  std::vector<std::string> problems;
  if (cfg.sessions.empty()) problems.push_back("sessions: at least one session is required");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < cfg.sessions.size(); ++i) {
    const SimSession& s = cfg.sessions[i];
    const std::string where = "sessions[" + std::to_string(i) + "]";
    if (s.begin_string != "FIX.4.2" && s.begin_string != "FIX.4.4")
      problems.push_back(where + ".begin_string: '" + s.begin_string +
                         "' (expected FIX.4.2 or FIX.4.4)");
    if (s.sender_comp_id.empty()) problems.push_back(where + ".sender_comp_id: empty");
    if (s.target_comp_id.empty()) problems.push_back(where + ".target_comp_id: empty");
    if (!ids.insert(s.begin_string + ":" + s.sender_comp_id + "->" + s.target_comp_id).second)
      problems.push_back(where + ": duplicate session " + s.begin_string + ":" + s.sender_comp_id +
                         "->" + s.target_comp_id);
  }
  if (cfg.port < 0 || cfg.port > 65535)
    problems.push_back("port: " + std::to_string(cfg.port) + " (expected 0-65535)");
  if (cfg.heartbeat_s <= 0) problems.push_back("heartbeat_s: must be positive");
  if (cfg.store_dir.empty()) problems.push_back("store_dir: required");
  if (cfg.log_dir.empty()) problems.push_back("log_dir: required");
  if (cfg.message_log.empty()) problems.push_back("message_log: required");
  if (cfg.ack_latency_us < 0) problems.push_back("ack_latency_us: must not be negative");
  if (cfg.max_message_bytes < 256 || cfg.max_message_bytes > (64u << 20))
    problems.push_back("max_message_bytes: " + std::to_string(cfg.max_message_bytes) +
                       " (expected 256 .. 67108864)");
  if (cfg.logon_timeout_ms <= 0)
    problems.push_back("logon_timeout_ms: " + std::to_string(cfg.logon_timeout_ms) +
                       " (expected > 0)");
  if (cfg.max_pending_connections <= 0)
    problems.push_back("max_pending_connections: " + std::to_string(cfg.max_pending_connections) +
                       " (expected > 0)");
  if (!(cfg.reject_rate >= 0.0 && cfg.reject_rate <= 1.0))
    problems.push_back("reject_rate: expected 0..1");
  if (!(cfg.unsolicited_cancel_rate >= 0.0 && cfg.unsolicited_cancel_rate <= 1.0))
    problems.push_back("unsolicited_cancel_rate: expected 0..1");
  if (cfg.bind_host != "0.0.0.0" && cfg.bind_host != "127.0.0.1" && cfg.bind_host != "localhost" &&
      !cfg.bind_host.empty()) {
    // QuickFIX 1.15's acceptor has no bind-address setting: it always listens on all interfaces.
    problems.push_back(
        "bind_host: '" + cfg.bind_host +
        "' cannot be honoured (QuickFIX 1.15 listens on all interfaces; use 127.0.0.1 or 0.0.0.0)");
  }
  if (!problems.empty()) {
    error = "broker-sim configuration:";
    for (const std::string& p : problems) error += "\n  " + p;
    return nullptr;
  }
  if (!make_dirs(cfg.store_dir, "store_dir", error)) return nullptr;
  if (!make_dirs(cfg.log_dir, "log_dir", error)) return nullptr;
  const std::size_t slash = cfg.message_log.rfind('/');
  if (slash != std::string::npos && slash > 0 &&
      !make_dirs(cfg.message_log.substr(0, slash), "message_log", error))
    return nullptr;
  std::uint64_t run = 0;
  if (!next_run_number(cfg.store_dir, run, error)) return nullptr;
  return std::unique_ptr<BrokerSim>(new BrokerSimImpl(cfg, run));
}

}  // namespace fix
}  // namespace ballast
