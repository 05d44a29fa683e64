// Ballast's FIX initiator over QuickFIX 1.15 (see include/ballast/fix/initiator.hpp and
// docs/fix.md).
//
// Shape:
//  - One QuickFIX initiator per transport group: a SocketInitiator for the plain-TCP sessions and
//    one SSLSocketInitiator per distinct (CA, client cert, key) for TLS sessions (QuickFIX reads
//    SSL settings from the [DEFAULT] section only, so sessions with different TLS settings cannot
//    share one). Each runs its own QuickFIX thread; Listener callbacks come from those threads.
//  - Back-off: QuickFIX reconnects every ReconnectInterval seconds, fixed. Ballast sets it to 0
//    and gates attempts itself: when a session's connection ends (QuickFIX logs "Disconnecting"
//    from Session::disconnect, on the QuickFIX thread), the session is disabled at once
//    (Session::logout(), a flag) and the initiator's control thread re-enables it
//    (Session::logon()) after the back-off delay; QuickFIX connects on its next tick (<= 1 s,
//    its socket monitor's timeout).
//  - Stored sequence numbers are checked before QuickFIX opens the FileStore (opening it would
//    rewrite a corrupt .seqnums file as 1/1).
#include "ballast/fix/initiator.hpp"

// Debian's libquickfix is built with SSL, but its installed headers only declare the SSL classes
// when HAVE_SSL is set.
#ifndef HAVE_SSL
#define HAVE_SSL 1
#endif

#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <quickfix/Application.h>
#include <quickfix/DataDictionary.h>
#include <quickfix/Exceptions.h>
#include <quickfix/Initiator.h>
#include <quickfix/Log.h>
#include <quickfix/Message.h>
#include <quickfix/SSLSocketInitiator.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketInitiator.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "ballast/fix/fix_decimal.hpp"
#include "ballast/fix/fix_raw.hpp"
#include "common/embedded.hpp"
#include "common/fix_codec.hpp"
#include "common/redacting_log.hpp"
#include "common/redacting_store.hpp"
#include "session/backoff.hpp"
#include "session/seqnum_file.hpp"

// QuickFIX 1.15's Application and Log declare dynamic exception specifications; C++14 overrides
// must repeat them, and GCC warns that they are deprecated.
#pragma GCC diagnostic ignored "-Wdeprecated"

namespace ballast {
namespace fix {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t wall_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Status text is for people: a text longer than the struct's array is cut with "...".
void set_status_text(SessionStatus& s, const std::string& text) {
  if (!set_text(s.text, text)) {
    // Cut on a character boundary: the text may hold a broker's UTF-8 (a Logout's Text), and
    // half a character would make the operator's JSON status invalid.
    std::size_t n = sizeof(s.text) - 4;
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    set_text(s.text, text.substr(0, n) + "...");
  }
}

bool make_dirs(const std::string& dir, std::string& error) {
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    const std::string partial = dir.substr(0, pos);
    if (partial.empty()) continue;
    if (::mkdir(partial.c_str(), 0750) != 0 && errno != EEXIST) {
      error = "cannot create directory " + partial + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

bool readable(const std::string& path) {
  return ::access(path.c_str(), R_OK) == 0;
}

bool has_control(const std::string& s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

/// Resolves `host` to a numeric IPv4 address once, at start: QuickFIX does not retry a connect
/// whose name lookup failed (quickfix #289), and a numeric address never needs a lookup.
bool resolve(const std::string& host, std::string& ip, std::string& error) {
  addrinfo hints;
  std::memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || res == nullptr) {
    error = "cannot resolve host '" + host + "': " + ::gai_strerror(rc);
    return false;
  }
  char buf[NI_MAXHOST];
  const int rc2 =
      ::getnameinfo(res->ai_addr, res->ai_addrlen, buf, sizeof(buf), nullptr, 0, NI_NUMERICHOST);
  ::freeaddrinfo(res);
  if (rc2 != 0) {
    error = "cannot resolve host '" + host + "': " + ::gai_strerror(rc2);
    return false;
  }
  ip = buf;
  return true;
}

}  // namespace

class InitiatorImpl;

// ------------------------------------------------------------------------------ per-session state

struct SessionRuntime {
  SessionConfig cfg;
  std::uint16_t index = 0;
  codec::Version version = codec::Version::kFix44;
  FIX::SessionID id;
  std::string dictionary_path;
  std::string seqnums_file;
  std::string ip;
  // Lifetime: set in start(), cleared in stop(), both under InitiatorImpl::session_mu_.
  FIX::Session* session = nullptr;
  bool refused = false;
  std::uint64_t refused_sender = 0, refused_target = 0;
  std::atomic<bool> logged_on{false};
  // Back-off and reconnect schedule: guarded by InitiatorImpl::mu_.
  Backoff backoff{1000, 30000};
  bool reenable_pending = false;
  Clock::time_point reenable_at{};
  int last_delay_ms = 0;
  std::string last_logout_text;
  Clock::time_point last_attempt{};
  // Market data: touched on the session's QuickFIX thread only.
  codec::TopOfBook book;
  // The last message received, as logged (QuickFIX logs it before validating it): a session
  // Reject of an ExecutionReport is reported to the engine from it. Session thread only.
  std::string last_inbound;
  std::uint64_t md_round = 0;
  // Sequence number -> ClOrdID of recent outbound order messages (session Rejects name the
  // sequence number only). Guarded by ring_mu.
  std::mutex ring_mu;
  static constexpr std::size_t kRing = 4096;
  std::vector<std::pair<std::uint64_t, std::string>> ring =
      std::vector<std::pair<std::uint64_t, std::string>>(kRing);
  // Mass cancels (35=q) sent on this session, the latest last; settled ones are kept (a few) so
  // that late covered cancels and reports still find them. Guarded by InitiatorImpl::mu_.
  //
  // A covered cancel is held until its order is reported closed (an ExecutionReport with a
  // terminal OrdStatus or ExecType for the order's ClOrdID): only then is it known that the broker
  // did what the 35=q asked. kAwaiting: no 35=r yet (deadline: the answer's). kAccepted: the 35=r
  // said yes (deadline: the confirmation's, one timeout later; whatever is still open then goes
  // out on its own: the broker did not cancel that order). kDone: refused, or the deadline passed;
  // what was open went out on its own, and a later cover goes at once unless its order closed.
  struct MassCancel {
    enum class State : std::uint8_t { kAwaiting, kAccepted, kDone };
    std::string id;  // its ClOrdID
    State state = State::kAwaiting;
    Clock::time_point deadline{};
    std::vector<CancelRequest> held;                        // covered cancels, in arrival order
    std::vector<bool> closed;                               // held[i]'s order reported closed
    std::unordered_map<std::string, std::size_t> by_order;  // order ClOrdID -> index in held
    std::unordered_set<std::string> closed_orders;  // closed before (or without) their cover
    std::size_t open = 0;                           // held entries not closed
  };
  std::deque<MassCancel> mass;
  static constexpr std::size_t kMassKept = 8;
};

// ---------------------------------------------------------------- QuickFIX callbacks -> impl

class App : public FIX::Application {
 public:
  explicit App(InitiatorImpl& impl) : impl_(impl) {}
  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID& id) override;
  void onLogout(const FIX::SessionID& id) override;
  void toAdmin(FIX::Message& msg, const FIX::SessionID& id) override;
  void toApp(FIX::Message& msg, const FIX::SessionID& id) throw(FIX::DoNotSend) override;
  void fromAdmin(const FIX::Message& msg,
                 const FIX::SessionID& id) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                                 FIX::IncorrectTagValue, FIX::RejectLogon) override;
  void fromApp(const FIX::Message& msg,
               const FIX::SessionID& id) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                               FIX::IncorrectTagValue,
                                               FIX::UnsupportedMessageType) override;

 private:
  InitiatorImpl& impl_;
};

/// A session's log: QuickFIX's FileLog with 553/554 redacted, plus a hook on QuickFIX's
/// connection events (the only signal QuickFIX gives for a failed connect).
class HookLog : public FIX::Log {
 public:
  /// `index` is the session's; kGroupLog marks an initiator's global log (SSL events).
  static constexpr int kGroupLog = -1;
  HookLog(FIX::Log* inner, InitiatorImpl* impl, int index, std::vector<std::uint16_t> group = {})
      : inner_(inner), impl_(impl), index_(index), group_(std::move(group)) {}
  void clear() override { inner_->clear(); }
  void backup() override { inner_->backup(); }
  void onIncoming(const std::string& s) override;
  void onOutgoing(const std::string& s) override { inner_->onOutgoing(s); }
  void onEvent(const std::string& s) override;

 private:
  std::unique_ptr<FIX::Log> inner_;
  InitiatorImpl* impl_;
  int index_;
  std::vector<std::uint16_t> group_;
};

class HookLogFactory : public FIX::LogFactory {
 public:
  HookLogFactory(InitiatorImpl* impl,
                 std::map<FIX::SessionID, std::pair<std::uint16_t, std::string>> dirs,
                 std::string global_dir)
      : impl_(impl), dirs_(std::move(dirs)), global_dir_(std::move(global_dir)) {}
  FIX::Log* create() override {
    std::vector<std::uint16_t> members;
    for (const auto& d : dirs_) members.push_back(d.second.first);
    return new HookLog(RedactingFileLogFactory(global_dir_).create(), impl_, HookLog::kGroupLog,
                       members);
  }
  FIX::Log* create(const FIX::SessionID& id) override {
    const auto it = dirs_.find(id);
    if (it == dirs_.end()) return RedactingFileLogFactory(global_dir_).create(id);
    return new HookLog(RedactingFileLogFactory(it->second.second).create(id), impl_,
                       it->second.first);
  }
  void destroy(FIX::Log* log) override { delete log; }

 private:
  InitiatorImpl* impl_;
  std::map<FIX::SessionID, std::pair<std::uint16_t, std::string>> dirs_;
  std::string global_dir_;
};

/// One QuickFIX initiator and what it needs; members are destroyed bottom-up, so the initiator
/// (which owns the sessions) goes before the factories its sessions were made from.
struct TransportGroup {
  std::vector<std::uint16_t> members;
  bool tls = false;
  std::unique_ptr<FIX::SessionSettings> settings;
  std::unique_ptr<RedactingFileStoreFactory> stores;
  std::unique_ptr<HookLogFactory> logs;
  std::unique_ptr<FIX::Initiator> initiator;
};

// ---------------------------------------------------------------------------------- the impl

class InitiatorImpl final : public Initiator {
 public:
  InitiatorImpl(const InitiatorConfig& cfg, Listener& listener) : listener_(listener), app_(*this) {
    for (std::size_t i = 0; i < cfg.sessions.size(); ++i) {
      std::unique_ptr<SessionRuntime> rt(new SessionRuntime());
      rt->cfg = cfg.sessions[i];
      rt->index = static_cast<std::uint16_t>(i);
      rt->version =
          rt->cfg.begin_string == "FIX.4.2" ? codec::Version::kFix42 : codec::Version::kFix44;
      rt->id = FIX::SessionID(rt->cfg.begin_string, rt->cfg.sender_comp_id, rt->cfg.target_comp_id);
      rt->backoff = Backoff(rt->cfg.reconnect_min_ms, rt->cfg.reconnect_max_ms);
      rt->seqnums_file = seqnums_path(rt->cfg.store_dir, rt->cfg.begin_string,
                                      rt->cfg.sender_comp_id, rt->cfg.target_comp_id);
      by_id_[rt->id] = rt->index;
      sessions_.push_back(std::move(rt));
    }
  }
  ~InitiatorImpl() override { stop(); }

  bool prepare(std::string& error);  // create(): directories and dictionaries

  bool start(std::string& error) override;
  bool check(std::string& error) const override;
  /// Why session `rt` would be refused at start (empty: it would start); reads its stored
  /// seqnums into s/t and its host's address into ip.
  std::string refusal(const SessionRuntime& rt, std::string& ip, std::uint64_t& s,
                      std::uint64_t& t) const;
  void stop() override;
  bool send(const NewOrder& m) override { return send_built(m.session, m); }
  bool send(const CancelRequest& m) override { return send_built(m.session, m); }
  bool send(const ReplaceRequest& m) override { return send_built(m.session, m); }
  bool send(const StatusRequest& m) override { return send_built(m.session, m); }
  bool send_mass_cancel(const MassCancelRequest& m) override;
  bool send_covered(const char* mass_cl_ord_id, const CancelRequest& m) override;
  bool logged_on(std::uint16_t session) const override {
    return session < sessions_.size() && sessions_[session]->logged_on.load();
  }
  void seqnums(std::uint16_t session, std::uint64_t& next_sender,
               std::uint64_t& next_target) const override;
  void disconnect(std::uint16_t session) override;
  const InitiatorCounters& counters() const override { return c_; }

  // --- from QuickFIX's threads
  SessionRuntime* find(const FIX::SessionID& id) {
    const auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : sessions_[it->second].get();
  }
  void on_logon(SessionRuntime& rt);
  void on_logout(SessionRuntime& rt);
  void to_admin(SessionRuntime& rt, FIX::Message& msg);
  void to_app(SessionRuntime& rt, FIX::Message& msg);
  void from_admin(SessionRuntime& rt, const FIX::Message& msg);
  void from_app(SessionRuntime& rt, const FIX::Message& msg);
  void on_connection_ended(std::uint16_t index);
  void on_connect_attempt(std::uint16_t index);
  void on_incoming(std::uint16_t index, const std::string& raw);
  void on_tls_handshake_failed(const std::vector<std::uint16_t>& group);

 private:
  template <typename M>
  bool send_built(std::uint16_t index, const M& m);
  void status(SessionRuntime& rt, SessionState state, const std::string& text, bool from_session);
  void refuse(SessionRuntime& rt, const std::string& text);
  bool build_group(TransportGroup& g, std::string& error);
  void control_loop();
  void wake_quickfix(FIX::Session* s);
  /// The broker answered (or will never answer) mass cancel `id` on `rt` (empty id: the latest
  /// one awaiting an answer). Refused: its held cancels go to the control thread, which sends
  /// them (never sent from QuickFIX's callback: send_built takes session_mu_). False: no such
  /// mass cancel awaiting an answer. Takes mu_.
  bool settle_mass_cancel(SessionRuntime& rt, const std::string& id, bool accepted,
                          const std::string& why);
  /// Under mu_: the open held cancels of `mc` go to fallback_; mc is kDone.
  void release_held(SessionRuntime::MassCancel& mc);
  /// An ExecutionReport closed order `cl_ord_id` (or `orig`) on `rt`: its covered cancel is done.
  void note_closed(SessionRuntime& rt, const char* cl_ord_id, const char* orig);
  /// Under mu_ (released around the sends): sends every held cancel of every live mass cancel
  /// now (stop(): the kill's cancels must not vanish with the process).
  void flush_held(std::unique_lock<std::mutex>& lk);
  /// Under mu_ (released around the sends): sends what fallback_ holds.
  void send_fallback(std::unique_lock<std::mutex>& lk);
  /// Under mu_: the mass cancel `id` of `rt` (empty: the latest awaiting), or nullptr.
  SessionRuntime::MassCancel* find_mass(SessionRuntime& rt, const std::string& id);

  Listener& listener_;
  App app_;
  std::vector<std::unique_ptr<SessionRuntime>> sessions_;
  std::map<FIX::SessionID, std::uint16_t> by_id_;
  std::vector<std::unique_ptr<TransportGroup>> groups_;
  bool started_ = false;  // control thread only
  std::atomic<bool> stopping_{false};
  // Session pointers' lifetime (send/seqnums/disconnect vs start/stop).
  mutable std::mutex session_mu_;
  // Back-off schedule and the control thread.
  std::mutex mu_;
  std::condition_variable cv_;
  bool control_stop_ = false;
  std::thread control_;
  // Covered cancels of refused (or unconfirmed) mass cancels, for the control thread to send.
  // Guarded by mu_.
  std::vector<CancelRequest> fallback_;
  // Mass cancels awaiting an answer or a confirmation, over all sessions (ExecutionReports look
  // for their order in them only while this is non-zero). Written under mu_.
  std::atomic<int> mass_live_{0};

  InitiatorCounters c_;
};

// ------------------------------------------------------------------------------------- create

std::unique_ptr<Initiator> Initiator::create(const InitiatorConfig& cfg, Listener& listener,
                                             std::string& error) {
  error.clear();
  if (cfg.sessions.empty()) {
    error = "FIX initiator: no sessions configured";
    return nullptr;
  }
  if (cfg.sessions.size() > 65535) {
    error = "FIX initiator: too many sessions";
    return nullptr;
  }
  std::map<std::string, std::string> seen;
  for (const SessionConfig& s : cfg.sessions) {
    const std::string who = "FIX session '" + s.name + "': ";
    auto bad = [&](const std::string& what) {
      error = who + what;
      return nullptr;
    };
    if (s.name.empty() || s.name.find_first_of("/\\ \t") != std::string::npos ||
        has_control(s.name)) {
      return bad("name must be non-empty, without spaces or slashes");
    }
    if (s.begin_string != "FIX.4.2" && s.begin_string != "FIX.4.4") {
      return bad("begin_string must be FIX.4.2 or FIX.4.4, got '" + s.begin_string + "'");
    }
    if (s.host.empty()) return bad("host is empty");
    if (s.port <= 0 || s.port > 65535)
      return bad("port must be 1..65535, got " + std::to_string(s.port));
    if (s.sender_comp_id.empty() || has_control(s.sender_comp_id) ||
        s.sender_comp_id.find_first_of("/ ") != std::string::npos) {
      return bad("sender_comp_id must be non-empty, without spaces or slashes");
    }
    if (s.target_comp_id.empty() || has_control(s.target_comp_id) ||
        s.target_comp_id.find_first_of("/ ") != std::string::npos) {
      return bad("target_comp_id must be non-empty, without spaces or slashes");
    }
    if (s.heartbeat_s <= 0 || s.heartbeat_s > 3600) {
      return bad("heartbeat_s must be 1..3600, got " + std::to_string(s.heartbeat_s));
    }
    if (has_control(s.username) || has_control(s.password))
      return bad("username/password hold a control character");
    if (s.tls) {
      if (s.ca_file.empty()) {
        return bad(
            "tls needs ca_file (QuickFIX does not verify the server certificate without one)");
      }
      if (!readable(s.ca_file)) return bad("ca_file '" + s.ca_file + "' is not readable");
      if (s.cert_file.empty() != s.key_file.empty())
        return bad("cert_file and key_file go together");
      if (!s.cert_file.empty() && !readable(s.cert_file))
        return bad("cert_file '" + s.cert_file + "' is not readable");
      if (!s.key_file.empty() && !readable(s.key_file))
        return bad("key_file '" + s.key_file + "' is not readable");
    }
    if (s.store_dir.empty()) return bad("store_dir is empty");
    if (s.log_dir.empty()) return bad("log_dir is empty");
    if (s.reconnect_min_ms <= 0 || s.reconnect_max_ms < s.reconnect_min_ms) {
      return bad("reconnect_min_ms must be > 0 and <= reconnect_max_ms (" +
                 std::to_string(s.reconnect_min_ms) + ", " + std::to_string(s.reconnect_max_ms) +
                 ")");
    }
    if (s.stale_resend_max_age_ns <= 0) return bad("stale_resend_max_age_ns must be > 0");
    for (const std::string& sym : s.md_symbols) {
      if (sym.empty() || sym.size() >= sizeof(MarketDataUpdate{}.symbol) || has_control(sym)) {
        return bad("md_symbols entry '" + sym + "' is empty or longer than 15 characters");
      }
    }
    if (s.check_seqnums && (s.expected_next_sender_seq == 0 || s.expected_next_target_seq == 0)) {
      return bad("check_seqnums needs expected_next_sender_seq and expected_next_target_seq >= 1");
    }
    const std::string key = s.begin_string + ":" + s.sender_comp_id + "->" + s.target_comp_id;
    if (seen.count(key) != 0)
      return bad("same BeginString/SenderCompID/TargetCompID as session '" + seen[key] + "'");
    seen[key] = s.name;
  }
  std::unique_ptr<InitiatorImpl> impl(new InitiatorImpl(cfg, listener));
  if (!impl->prepare(error)) return nullptr;
  return std::unique_ptr<Initiator>(impl.release());
}

namespace {
/// The store's next sender/target numbers against the engine's record of them.
bool seqnums_agree(std::uint64_t sender, std::uint64_t target, const SessionConfig& c) {
  if (c.seqnums_at_least) {
    return sender >= c.expected_next_sender_seq && target >= c.expected_next_target_seq;
  }
  return sender == c.expected_next_sender_seq && target == c.expected_next_target_seq;
}
}  // namespace

bool InitiatorImpl::prepare(std::string& error) {
  for (auto& p : sessions_) {
    SessionRuntime& rt = *p;
    const std::string who = "FIX session '" + rt.cfg.name + "': ";
    std::string e;
    if (!make_dirs(rt.cfg.store_dir, e)) {
      error = who + "store_dir: " + e;
      return false;
    }
    if (!make_dirs(rt.cfg.log_dir, e)) {
      error = who + "log_dir: " + e;
      return false;
    }
    // QuickFIX checks what the broker sends against the inbound form of the dictionary: its
    // structure (header, required fields, groups) but not the values of application fields, which
    // Ballast's codec reads itself so that no report is dropped for an informational field.
    if (!write_inbound_dictionary(rt.cfg.begin_string, rt.cfg.data_dictionary, rt.cfg.store_dir,
                                  rt.dictionary_path, e)) {
      error =
          who + (rt.cfg.data_dictionary.empty() ? "data dictionary: " : "data_dictionary: ") + e;
      return false;
    }
    const std::string& named =
        rt.cfg.data_dictionary.empty() ? rt.dictionary_path : rt.cfg.data_dictionary;
    try {
      FIX::DataDictionary dd(rt.dictionary_path);
      if (dd.getVersion() != rt.cfg.begin_string) {
        error = who + "data_dictionary '" + named + "' is for " + dd.getVersion() + ", not " +
                rt.cfg.begin_string;
        return false;
      }
    } catch (const std::exception& ex) {
      error = who + "data_dictionary '" + named + "' does not load: " + ex.what();
      return false;
    }
  }
  return true;
}

// -------------------------------------------------------------------------------- start / stop

void InitiatorImpl::status(SessionRuntime& rt, SessionState state, const std::string& text,
                           bool from_session) {
  SessionStatus s;
  s.session = rt.index;
  s.state = state;
  if (from_session && rt.session != nullptr) {
    s.next_sender_seq = static_cast<std::uint64_t>(rt.session->getExpectedSenderNum());
    s.next_target_seq = static_cast<std::uint64_t>(rt.session->getExpectedTargetNum());
  } else {
    s.next_sender_seq = rt.refused_sender;
    s.next_target_seq = rt.refused_target;
  }
  set_status_text(s, text);
  listener_.on_session_status(s);
}

void InitiatorImpl::refuse(SessionRuntime& rt, const std::string& text) {
  rt.refused = true;
  status(rt, SessionState::kRefused, text, false);
}

bool InitiatorImpl::build_group(TransportGroup& g, std::string& error) {
  g.settings.reset(new FIX::SessionSettings());
  FIX::Dictionary defaults;
  defaults.setString("ConnectionType", "initiator");
  // Ballast gates reconnects itself (back-off); QuickFIX may try whenever a session is enabled.
  defaults.setString("ReconnectInterval", "0");
  defaults.setString("SocketNodelay", "Y");
  std::map<FIX::SessionID, std::pair<std::uint16_t, std::string>> log_dirs;
  const SessionConfig& first = sessions_[g.members.front()]->cfg;
  if (g.tls) {
    defaults.setString("SSLProtocol", "all -SSLv2 -SSLv3 -TLSv1 -TLSv1_1");
    defaults.setString("CertificationAuthoritiesFile", first.ca_file);
    defaults.setString("CertificateVerifyLevel", "1");
    if (!first.cert_file.empty()) {
      defaults.setString("ClientCertificateFile", first.cert_file);
      defaults.setString("ClientCertificateKeyFile", first.key_file);
    }
  }
  try {
    g.settings->set(defaults);
    for (const std::uint16_t i : g.members) {
      const SessionRuntime& rt = *sessions_[i];
      FIX::Dictionary d;
      d.setString("BeginString", rt.cfg.begin_string);
      d.setString("SenderCompID", rt.cfg.sender_comp_id);
      d.setString("TargetCompID", rt.cfg.target_comp_id);
      d.setString("SocketConnectHost", rt.ip);
      d.setString("SocketConnectPort", std::to_string(rt.cfg.port));
      d.setString("HeartBtInt", std::to_string(rt.cfg.heartbeat_s));
      d.setString("StartTime", "00:00:00");
      d.setString("EndTime", "00:00:00");
      d.setString("FileStorePath", rt.cfg.store_dir);
      d.setString("FileLogPath", rt.cfg.log_dir);
      d.setString("UseDataDictionary", "Y");
      // A report is never refused for an informational field: an empty one, one this dictionary
      // does not define for the message, or a broker's own (user-defined) tag.
      d.setString("ValidateFieldsHaveValues", "N");
      d.setString("AllowUnknownMsgFields", "Y");
      d.setString("ValidateUserDefinedFields", "N");
      d.setString("DataDictionary", rt.dictionary_path);
      d.setString("PersistMessages", "Y");
      d.setString("ResetOnLogon", "N");
      d.setString("ResetOnLogout", "N");
      d.setString("ResetOnDisconnect", "N");
      g.settings->set(rt.id, d);
      log_dirs[rt.id] = std::make_pair(i, rt.cfg.log_dir);
    }
    g.stores.reset(new RedactingFileStoreFactory(*g.settings));
    g.logs.reset(new HookLogFactory(this, log_dirs, first.log_dir));
    if (g.tls) {
      g.initiator.reset(new FIX::SSLSocketInitiator(app_, *g.stores, *g.settings, *g.logs));
    } else {
      g.initiator.reset(new FIX::SocketInitiator(app_, *g.stores, *g.settings, *g.logs));
    }
  } catch (const std::exception& ex) {
    std::string names;
    for (const std::uint16_t i : g.members)
      names += (names.empty() ? "'" : ", '") + sessions_[i]->cfg.name + "'";
    error = "FIX sessions " + names + ": QuickFIX refused the settings: " + ex.what();
    return false;
  }
  return true;
}

std::string InitiatorImpl::refusal(const SessionRuntime& rt, std::string& ip, std::uint64_t& s,
                                   std::uint64_t& t) const {
  std::string what;
  const SeqnumFile st = read_seqnums(rt.seqnums_file, s, t, what);
  if (st == SeqnumFile::kCorrupt) {
    return "store file " + rt.seqnums_file + " is corrupt (" + what +
           "); QuickFIX would restart at 1/1; not logging on";
  }
  if (rt.cfg.check_seqnums && !seqnums_agree(st == SeqnumFile::kMissing ? 1 : s,
                                             st == SeqnumFile::kMissing ? 1 : t, rt.cfg)) {
    const std::string stored = st == SeqnumFile::kMissing
                                   ? std::string("no store (1/1)")
                                   : std::to_string(s) + "/" + std::to_string(t);
    return "seqnums disagree: store " + stored + " but engine expects " +
           (rt.cfg.seqnums_at_least ? "at least " : "") +
           std::to_string(rt.cfg.expected_next_sender_seq) + "/" +
           std::to_string(rt.cfg.expected_next_target_seq) + " (sender/target) in " +
           rt.seqnums_file;
  }
  std::string e;
  if (!resolve(rt.cfg.host, ip, e)) return e;
  return std::string();
}

bool InitiatorImpl::check(std::string& error) const {
  error.clear();
  std::string refused;
  std::size_t n_refused = 0;
  for (const auto& p : sessions_) {
    const SessionRuntime& rt = *p;
    // The store and the log are written from the first message: a directory that cannot take
    // a file stops the start here, before anything else is written.
    for (const std::string* dir : {&rt.cfg.store_dir, &rt.cfg.log_dir}) {
      const std::string probe = *dir + "/.ballast-write-check";
      std::FILE* f = std::fopen(probe.c_str(), "wb");
      if (f == nullptr) {
        error = "FIX session '" + rt.cfg.name +
                "': " + (dir == &rt.cfg.store_dir ? "store_dir " : "log_dir ") + *dir +
                ": cannot write a file there: " + std::strerror(errno);
        return false;
      }
      std::fclose(f);
      std::remove(probe.c_str());
    }
    std::string ip;
    std::uint64_t s = 0, t = 0;
    const std::string why = refusal(rt, ip, s, t);
    if (!why.empty()) {
      ++n_refused;
      refused += (refused.empty() ? "'" : "; '") + rt.cfg.name + "': " + why;
    }
  }
  if (!sessions_.empty() && n_refused == sessions_.size()) {
    error = "FIX initiator: every session would be refused (" + refused + ")";
    return false;
  }
  return true;
}

bool InitiatorImpl::start(std::string& error) {
  error.clear();
  if (started_) {
    error = "FIX initiator: already started";
    return false;
  }
  stopping_ = false;
  std::string refused_names;
  for (auto& p : sessions_) {
    SessionRuntime& rt = *p;
    rt.refused = false;
    rt.refused_sender = rt.refused_target = 0;
    rt.logged_on = false;
    const std::string why = refusal(rt, rt.ip, rt.refused_sender, rt.refused_target);
    if (!why.empty()) refuse(rt, why);
    if (rt.refused) {
      refused_names += (refused_names.empty() ? "'" : "; '") + rt.cfg.name + "': " + why;
    }
  }
  // Group the sessions that can start by transport.
  std::map<std::string, std::size_t> group_of;
  std::vector<std::unique_ptr<TransportGroup>> groups;
  for (auto& p : sessions_) {
    if (p->refused) continue;
    const std::string key =
        p->cfg.tls ? "tls|" + p->cfg.ca_file + "|" + p->cfg.cert_file + "|" + p->cfg.key_file
                   : "tcp";
    auto it = group_of.find(key);
    if (it == group_of.end()) {
      it = group_of.emplace(key, groups.size()).first;
      groups.emplace_back(new TransportGroup());
      groups.back()->tls = p->cfg.tls;
    }
    groups[it->second]->members.push_back(p->index);
  }
  if (groups.empty()) {
    error = "FIX initiator: every session was refused (" + refused_names + ")";
    return false;
  }
  for (auto& g : groups) {
    if (!build_group(*g, error)) return false;  // nothing started yet; groups are destroyed
  }
  {
    std::lock_guard<std::mutex> lk(session_mu_);
    for (auto& g : groups) {
      for (const std::uint16_t i : g->members)
        sessions_[i]->session = FIX::Session::lookupSession(sessions_[i]->id);
    }
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    control_stop_ = false;
    for (auto& p : sessions_) p->reenable_pending = false;
  }
  groups_ = std::move(groups);
  started_ = true;
  control_ = std::thread([this] { control_loop(); });
  for (auto& g : groups_) {
    try {
      g->initiator->start();
    } catch (const std::exception& ex) {
      std::string names;
      for (const std::uint16_t i : g->members)
        names += (names.empty() ? "'" : ", '") + sessions_[i]->cfg.name + "'";
      error = "FIX sessions " + names + ": QuickFIX could not start: " + ex.what();
      stop();
      return false;
    }
  }
  return true;
}

void InitiatorImpl::wake_quickfix(FIX::Session* s) {
  // QuickFIX's socket thread sleeps in select() for up to a second between timer ticks; the
  // peer's answer to a TestRequest wakes it, so a pending logout goes out at once.
  FIX::Message test;
  test.getHeader().setField(35, "1");
  test.setField(112, "ballast-" + std::to_string(wall_now_ns()));
  s->send(test);
}

void InitiatorImpl::stop() {
  if (!started_) return;
  {
    // A kill's cancels held for a mass cancel the broker has not settled go out now, while the
    // sessions are still up: stopping right after a kill must not leave the orders working.
    std::unique_lock<std::mutex> lk(mu_);
    flush_held(lk);
  }
  stopping_ = true;
  {
    std::lock_guard<std::mutex> lk(mu_);
    control_stop_ = true;
  }
  cv_.notify_all();
  if (control_.joinable()) control_.join();

  // Log out what is logged on. QuickFIX sends the Logout on its thread's next tick; its thread
  // sleeps in select() for up to a second, and stops only when it wakes. So: mark the sessions
  // for logout, let FIX::Initiator::stop() set its stop flag (it then waits for the thread), and
  // only then wake the thread with a TestRequest: the peer's answer wakes it, it sends the
  // Logout in the same pass and leaves. (The peer's answering Logout is not read; the next
  // logon's resend request fills that one-message gap.)
  std::vector<FIX::Session*> logged_on;
  for (auto& g : groups_) {
    for (const std::uint16_t i : g->members) {
      SessionRuntime& rt = *sessions_[i];
      if (rt.session != nullptr && rt.session->isLoggedOn()) {
        rt.session->logout("Ballast stopping");
        logged_on.push_back(rt.session);
      }
    }
  }
  std::vector<std::thread> stoppers;
  for (auto& g : groups_) {
    FIX::Initiator* qf = g->initiator.get();
    stoppers.emplace_back([qf] { qf->stop(true); });
  }
  const auto deadline = Clock::now() + std::chrono::seconds(1);
  for (auto& g : groups_) {
    while (!g->initiator->isStopped() && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  for (FIX::Session* s : logged_on) wake_quickfix(s);
  for (std::thread& t : stoppers) t.join();
  // QuickFIX's threads have ended: the stores hold the final sequence numbers.
  for (auto& g : groups_) {
    for (const std::uint16_t i : g->members) {
      SessionRuntime& rt = *sessions_[i];
      rt.logged_on = false;
      status(rt, SessionState::kLoggedOut, "stopped", true);
    }
  }
  {
    std::lock_guard<std::mutex> lk(session_mu_);
    for (auto& p : sessions_) p->session = nullptr;
  }
  groups_.clear();
  started_ = false;
}

void InitiatorImpl::control_loop() {
  std::unique_lock<std::mutex> lk(mu_);
  while (!control_stop_) {
    const auto now = Clock::now();
    auto next = Clock::time_point::max();
    // Mass cancels past their deadline: unanswered ones count as refused, accepted ones whose
    // orders did not all close were not (wholly) done. Their open cancels go out one by one. The
    // clock runs only while the session is logged on (the broker cannot answer otherwise).
    // The session's event log is written after mu_ is released: QuickFIX holds its session lock
    // when it calls the log hook that takes mu_.
    std::vector<std::pair<FIX::Session*, std::string>> notes;
    for (auto& p : sessions_) {
      for (SessionRuntime::MassCancel& mc : p->mass) {
        if (mc.state == SessionRuntime::MassCancel::State::kDone) continue;
        if (!p->logged_on) {
          mc.deadline =
              std::max(mc.deadline, now + std::chrono::nanoseconds(p->cfg.mass_cancel_timeout_ns));
          next = std::min(next, mc.deadline);
          continue;
        }
        if (mc.deadline > now) {
          next = std::min(next, mc.deadline);
          continue;
        }
        const bool accepted = mc.state == SessionRuntime::MassCancel::State::kAccepted;
        const std::size_t n = mc.open;
        if (accepted) {
          c_.mass_unconfirmed.add(n);
        } else {
          ++c_.mass_cancels_refused;
        }
        release_held(mc);
        if (p->session != nullptr && (n > 0 || !accepted)) {
          notes.emplace_back(
              p->session,
              "Ballast: mass cancel " + mc.id +
                  (accepted ? " accepted, but " + std::to_string(n) +
                                  " of its orders were not reported closed in time: sending their "
                                  "cancels one by one"
                            : " unanswered in time: sending its " + std::to_string(n) +
                                  " open covered cancels one by one"));
        }
      }
    }
    if (!notes.empty()) {
      lk.unlock();
      for (const auto& n : notes) n.first->getLog()->onEvent(n.second);
      lk.lock();
    }
    if (!fallback_.empty()) {
      send_fallback(lk);
      continue;
    }
    std::vector<FIX::Session*> enable;
    for (auto& p : sessions_) {
      if (!p->reenable_pending) continue;
      if (p->reenable_at <= now) {
        p->reenable_pending = false;
        if (p->session != nullptr) enable.push_back(p->session);
      } else {
        next = std::min(next, p->reenable_at);
      }
    }
    if (!enable.empty()) {
      // Session::logon() takes QuickFIX's session-state lock, which QuickFIX holds when it calls
      // the log hook that takes mu_: never hold mu_ across it.
      lk.unlock();
      for (FIX::Session* s : enable) s->logon();
      lk.lock();
      continue;
    }
    if (next == Clock::time_point::max()) {
      cv_.wait(lk);
    } else {
      cv_.wait_until(lk, next);
    }
  }
}

// ------------------------------------------------------------------------------------ control

void InitiatorImpl::seqnums(std::uint16_t session, std::uint64_t& next_sender,
                            std::uint64_t& next_target) const {
  next_sender = next_target = 0;
  if (session >= sessions_.size()) return;
  const SessionRuntime& rt = *sessions_[session];
  {
    std::lock_guard<std::mutex> lk(session_mu_);
    if (rt.session != nullptr) {
      next_sender = static_cast<std::uint64_t>(rt.session->getExpectedSenderNum());
      next_target = static_cast<std::uint64_t>(rt.session->getExpectedTargetNum());
      return;
    }
  }
  std::string what;
  if (read_seqnums(rt.seqnums_file, next_sender, next_target, what) == SeqnumFile::kMissing) {
    next_sender = next_target = 1;  // what QuickFIX starts a new store at
  }
}

void InitiatorImpl::disconnect(std::uint16_t session) {
  if (session >= sessions_.size()) return;
  std::lock_guard<std::mutex> lk(session_mu_);
  SessionRuntime& rt = *sessions_[session];
  if (rt.session == nullptr || !rt.session->isLoggedOn()) return;
  rt.session->logout("Ballast: disconnect requested");
  wake_quickfix(rt.session);
}

template <typename M>
bool InitiatorImpl::send_built(std::uint16_t index, const M& m) {
  if (index >= sessions_.size()) {
    ++c_.send_failures;
    return false;
  }
  SessionRuntime& rt = *sessions_[index];
  FIX::Message msg;
  std::string error;
  if (!codec::build(m, rt.version, msg, error)) {
    ++c_.send_failures;
    rt.session != nullptr ? rt.session->getLog()->onEvent("Ballast refused to send: " + error)
                          : void();
    return false;
  }
  bool ok = false;
  {
    std::lock_guard<std::mutex> lk(session_mu_);
    if (rt.session != nullptr) ok = rt.session->send(msg);
  }
  ++(ok ? c_.sent : c_.send_failures);
  return ok;
}

// ----------------------------------------------------------------------------- mass cancel

bool InitiatorImpl::send_mass_cancel(const MassCancelRequest& m) {
  if (m.session >= sessions_.size() || m.cl_ord_id[0] == '\0') {
    ++c_.send_failures;
    return false;
  }
  SessionRuntime& rt = *sessions_[m.session];
  {
    // Opened before the send: the broker's answer may come back before send() returns.
    std::lock_guard<std::mutex> lk(mu_);
    while (rt.mass.size() >= SessionRuntime::kMassKept &&
           rt.mass.front().state != SessionRuntime::MassCancel::State::kAwaiting) {
      rt.mass.pop_front();
    }
    SessionRuntime::MassCancel mc;
    mc.id = m.cl_ord_id;
    mc.deadline = Clock::now() + std::chrono::nanoseconds(rt.cfg.mass_cancel_timeout_ns);
    rt.mass.push_back(std::move(mc));
    ++mass_live_;
  }
  cv_.notify_all();  // the control thread watches the deadline
  if (send_built(m.session, m)) {
    ++c_.mass_cancels;
    return true;
  }
  std::lock_guard<std::mutex> lk(mu_);
  for (auto it = rt.mass.begin(); it != rt.mass.end(); ++it) {
    if (it->id == m.cl_ord_id) {
      if (it->state != SessionRuntime::MassCancel::State::kDone) --mass_live_;
      rt.mass.erase(it);
      break;
    }
  }
  return false;
}

void InitiatorImpl::release_held(SessionRuntime::MassCancel& mc) {
  for (std::size_t i = 0; i < mc.held.size(); ++i) {
    if (!mc.closed[i]) fallback_.push_back(mc.held[i]);
  }
  mc.held.clear();
  mc.held.shrink_to_fit();
  mc.closed.clear();
  mc.by_order.clear();
  mc.open = 0;
  if (mc.state != SessionRuntime::MassCancel::State::kDone) --mass_live_;
  mc.state = SessionRuntime::MassCancel::State::kDone;
}

void InitiatorImpl::note_closed(SessionRuntime& rt, const char* cl_ord_id, const char* orig) {
  if (mass_live_.load() == 0) return;
  std::lock_guard<std::mutex> lk(mu_);
  for (SessionRuntime::MassCancel& mc : rt.mass) {
    if (mc.state == SessionRuntime::MassCancel::State::kDone) continue;
    for (const char* id : {cl_ord_id, orig}) {
      if (id == nullptr || id[0] == '\0') continue;
      const auto it = mc.by_order.find(id);
      if (it == mc.by_order.end()) {
        mc.closed_orders.insert(id);
      } else if (!mc.closed[it->second]) {
        mc.closed[it->second] = true;
        --mc.open;
      }
    }
  }
}

void InitiatorImpl::flush_held(std::unique_lock<std::mutex>& lk) {
  std::vector<std::pair<FIX::Session*, std::string>> notes;  // logged without mu_ (see above)
  for (auto& p : sessions_) {
    for (SessionRuntime::MassCancel& mc : p->mass) {
      if (mc.state == SessionRuntime::MassCancel::State::kDone) continue;
      const std::size_t n = mc.open;
      release_held(mc);
      if (n > 0 && p->session != nullptr) {
        notes.emplace_back(p->session, "Ballast: stopping with mass cancel " + mc.id +
                                           " unsettled: sending its " + std::to_string(n) +
                                           " open covered cancels one by one");
      }
    }
  }
  if (!notes.empty()) {
    lk.unlock();
    for (const auto& n : notes) n.first->getLog()->onEvent(n.second);
    lk.lock();
  }
  send_fallback(lk);
}

void InitiatorImpl::send_fallback(std::unique_lock<std::mutex>& lk) {
  std::vector<CancelRequest> out;
  out.swap(fallback_);
  lk.unlock();
  for (const CancelRequest& c : out) {
    ++c_.mass_fallback_cancels;
    send_built(c.session, c);
  }
  lk.lock();
}

SessionRuntime::MassCancel* InitiatorImpl::find_mass(SessionRuntime& rt, const std::string& id) {
  for (auto it = rt.mass.rbegin(); it != rt.mass.rend(); ++it) {
    if (id.empty() ? it->state == SessionRuntime::MassCancel::State::kAwaiting : it->id == id)
      return &*it;
  }
  return nullptr;
}

bool InitiatorImpl::send_covered(const char* mass_cl_ord_id, const CancelRequest& m) {
  if (m.session < sessions_.size() && mass_cl_ord_id != nullptr && mass_cl_ord_id[0] != '\0') {
    SessionRuntime& rt = *sessions_[m.session];
    std::lock_guard<std::mutex> lk(mu_);
    SessionRuntime::MassCancel* mc = find_mass(rt, mass_cl_ord_id);
    if (mc != nullptr) {
      if (mc->closed_orders.count(m.orig_cl_ord_id) != 0) {
        ++c_.mass_covered;  // its order was reported closed already: nothing to send
        return true;
      }
      if (mc->state != SessionRuntime::MassCancel::State::kDone) {
        const std::size_t i = mc->held.size();
        mc->held.push_back(m);
        mc->closed.push_back(false);
        mc->by_order[m.orig_cl_ord_id] = i;
        ++mc->open;
        ++c_.mass_covered;
        return true;
      }
      ++c_.mass_fallback_cancels;  // refused or unconfirmed: this one goes on its own
    }
  }
  return send_built(m.session, m);
}

bool InitiatorImpl::settle_mass_cancel(SessionRuntime& rt, const std::string& id, bool accepted,
                                       const std::string& why) {
  std::size_t open = 0, closed = 0;
  std::string which;
  {
    std::lock_guard<std::mutex> lk(mu_);
    SessionRuntime::MassCancel* mc = find_mass(rt, id);
    if (mc == nullptr || mc->state != SessionRuntime::MassCancel::State::kAwaiting) return false;
    which = mc->id;
    open = mc->open;
    closed = mc->held.size() - mc->open;
    if (accepted) {
      // Trusted order by order: a cancel whose order is not reported closed within one more
      // timeout goes out on its own (the control thread).
      mc->state = SessionRuntime::MassCancel::State::kAccepted;
      mc->deadline = Clock::now() + std::chrono::nanoseconds(rt.cfg.mass_cancel_timeout_ns);
      ++c_.mass_cancels_accepted;
    } else {
      ++c_.mass_cancels_refused;
      release_held(*mc);
    }
  }
  cv_.notify_all();
  if (rt.session != nullptr) {
    rt.session->getLog()->onEvent(
        "Ballast: mass cancel " + which + (accepted ? " accepted (" : " refused (") + why +
        "): " + std::to_string(closed) + " covered orders reported closed so far" +
        (accepted ? ", " + std::to_string(open) + " awaited"
                  : "; sending the other " + std::to_string(open) + " cancels one by one"));
  }
  return true;
}

// ------------------------------------------------------------------------ QuickFIX callbacks

void InitiatorImpl::on_logon(SessionRuntime& rt) {
  ++c_.logons;
  {
    std::lock_guard<std::mutex> lk(mu_);
    rt.backoff.on_logon();
    rt.last_logout_text.clear();
  }
  rt.logged_on = true;
  status(rt, SessionState::kLoggedOn,
         "logged on to " + rt.cfg.host + ":" + std::to_string(rt.cfg.port) + " as " +
             rt.cfg.sender_comp_id + "->" + rt.cfg.target_comp_id + " (" + rt.cfg.begin_string +
             ")",
         true);
  if (!rt.cfg.md_symbols.empty()) {
    rt.book.clear();  // the snapshots that answer these requests rebuild it
    ++rt.md_round;
    for (const std::string& sym : rt.cfg.md_symbols) {
      FIX::Message req;
      codec::build_md_request(rt.cfg.name + "-" + std::to_string(rt.md_round) + "-" + sym, sym,
                              req);
      rt.session->send(req);
    }
  }
}

void InitiatorImpl::on_logout(SessionRuntime& rt) {
  const bool was = rt.logged_on.exchange(false);
  if (was) ++c_.disconnects;
  if (stopping_) return;  // stop() reports the final state itself
  std::string text;
  int delay = 0;
  {
    std::lock_guard<std::mutex> lk(mu_);
    text = rt.last_logout_text;
    delay = rt.last_delay_ms;
  }
  status(rt, SessionState::kLoggedOut,
         std::string(was ? "disconnected" : "logon failed") +
             (text.empty() ? "" : " (" + text + ")") + "; reconnecting in " +
             std::to_string(delay) + " ms",
         true);
}

void InitiatorImpl::on_connection_ended(std::uint16_t index) {
  if (stopping_ || index >= sessions_.size()) return;
  SessionRuntime& rt = *sessions_[index];
  if (rt.session == nullptr) return;
  // Disable first (a flag QuickFIX reads before every connect), then schedule the re-enable.
  rt.session->logout();
  {
    std::lock_guard<std::mutex> lk(mu_);
    rt.last_delay_ms = rt.backoff.next_delay_ms();
    rt.reenable_at = Clock::now() + std::chrono::milliseconds(rt.last_delay_ms);
    rt.reenable_pending = true;
  }
  cv_.notify_all();
}

void InitiatorImpl::on_connect_attempt(std::uint16_t index) {
  std::lock_guard<std::mutex> lk(mu_);
  sessions_[index]->last_attempt = Clock::now();
}

void InitiatorImpl::on_tls_handshake_failed(const std::vector<std::uint16_t>& group) {
  // The handshake runs on the group's QuickFIX thread right after that session's connect: the
  // member that attempted last is the one that failed.
  int latest = -1;
  {
    std::lock_guard<std::mutex> lk(mu_);
    for (const std::uint16_t i : group) {
      if (latest < 0 ||
          sessions_[i]->last_attempt > sessions_[static_cast<std::uint16_t>(latest)]->last_attempt)
        latest = i;
    }
  }
  if (latest >= 0) on_connection_ended(static_cast<std::uint16_t>(latest));
}

void InitiatorImpl::to_admin(SessionRuntime& rt, FIX::Message& msg) {
  const std::string& type = msg.getHeader().getField(35);
  if (type == "A") {
    if (!rt.cfg.username.empty()) msg.setField(553, rt.cfg.username);
    if (!rt.cfg.password.empty()) msg.setField(554, rt.cfg.password);
  } else if (type == "3") {
    // QuickFIX rejects an inbound message that failed the dictionary or Ballast's field checks.
    ++c_.invalid_inbound;
    // An ExecutionReport must never vanish: the engine hears of a refused one (its identifiers,
    // as far as they can be read) and stops trading on the account.
    const std::string ref_seq = msg.isSetField(45) ? msg.getField(45) : std::string();
    const std::string raw_seq = raw_field(rt.last_inbound, 34);
    if (!ref_seq.empty() && ref_seq == raw_seq) {
      const int ref_tag = msg.isSetField(371) ? std::atoi(msg.getField(371).c_str()) : 0;
      const std::string text = msg.isSetField(58) ? msg.getField(58) : std::string("no text");
      ExecutionReport r;
      if (codec::parse_refused_report(rt.last_inbound, ref_tag, text, r)) {
        r.session = rt.index;
        rt.session->getLog()->onEvent("Ballast: ExecutionReport refused by the session layer (" +
                                      text + "): reported to the engine as unbookable");
        listener_.on_execution_report(r);
      }
    }
  }
}

void InitiatorImpl::on_incoming(std::uint16_t index, const std::string& raw) {
  if (index < sessions_.size()) sessions_[index]->last_inbound = raw;
}

void InitiatorImpl::to_app(SessionRuntime& rt, FIX::Message& msg) {
  const FIX::Header& h = msg.getHeader();
  const std::string& type = h.getField(35);
  const bool resend = h.isSetField(43) && h.getField(43) == "Y";
  if (resend) {
    if (type == "V") {
      // A subscription from an earlier connection: every logon subscribes afresh, so the old one
      // goes out as a gap fill. This connection's own requests (MDReqID carries the logon round)
      // are resent: the broker may ask for them when our logon overtook its resend request.
      const std::string current = rt.cfg.name + "-" + std::to_string(rt.md_round) + "-";
      if (!msg.isSetField(262) || msg.getField(262).compare(0, current.size(), current) != 0) {
        throw FIX::DoNotSend();
      }
    }
    if (type == "D" || type == "F" || type == "G" || type == "q") {
      // A mass cancel too: resent long after, it would cancel orders the engine works by then.
      std::int64_t sent_ns = 0;
      const int tag = h.isSetField(122) ? 122 : 60;
      const std::string t =
          tag == 122 ? h.getField(122) : (msg.isSetField(60) ? msg.getField(60) : std::string());
      const bool known = parse_utc_timestamp(t.data(), t.size(), sent_ns);
      const std::int64_t age = wall_now_ns() - sent_ns;
      if (!known || age > rt.cfg.stale_resend_max_age_ns) {
        ++c_.stale_resends_suppressed;
        rt.session->getLog()->onEvent(
            "Ballast: stale resend of " + type + " ClOrdID " + codec::cl_ord_id_of(msg) + " (" +
            (known ? std::to_string(age / 1000000) + " ms old" : "no send time") +
            ") goes out as a gap fill");
        throw FIX::DoNotSend();
      }
    }
    return;
  }
  if (type == "D" || type == "F" || type == "G" || type == "H" || type == "q") {
    const std::uint64_t seq =
        static_cast<std::uint64_t>(std::strtoull(h.getField(34).c_str(), nullptr, 10));
    std::lock_guard<std::mutex> lk(rt.ring_mu);
    rt.ring[seq % SessionRuntime::kRing] = std::make_pair(seq, codec::cl_ord_id_of(msg));
  }
}

void InitiatorImpl::from_admin(SessionRuntime& rt, const FIX::Message& msg) {
  const std::string& type = msg.getHeader().getField(35);
  if (type == "A") {
    try {
      codec::check_logon(msg);  // QuickFIX's timer would convert a bad 108 outside any catch
    } catch (const FIX::RejectLogon&) {
      ++c_.invalid_inbound;
      throw;
    }
  } else if (type == "3") {
    SessionReject r;
    codec::parse(msg, r);
    r.session = rt.index;
    {
      std::lock_guard<std::mutex> lk(rt.ring_mu);
      const auto& e = rt.ring[r.ref_seq_num % SessionRuntime::kRing];
      if (e.first == r.ref_seq_num && r.ref_seq_num != 0) set_text(r.cl_ord_id, e.second);
    }
    if (std::string(r.ref_msg_type) == "q" || r.cl_ord_id[0] == kMassIdPrefix) {
      // The session layer refused our OrderMassCancelRequest: its cancels go one by one. Not an
      // order reject (it must not count toward the reject storm).
      if (settle_mass_cancel(rt, r.cl_ord_id[0] == kMassIdPrefix ? r.cl_ord_id : "", false,
                             std::string("session Reject: ") + r.text))
        return;
    }
    listener_.on_session_reject(r);
  } else if (type == "5") {
    const std::string text = msg.isSetField(58) ? msg.getField(58) : std::string();
    std::lock_guard<std::mutex> lk(mu_);
    rt.last_logout_text = text;
  }
}

void InitiatorImpl::from_app(SessionRuntime& rt, const FIX::Message& msg) {
  ++c_.received;
  const std::string& type = msg.getHeader().getField(35);
  if (type == "8") {
    ExecutionReport r;
    codec::parse(msg, r);
    r.session = rt.index;
    if (r.cl_ord_id[0] == kMassIdPrefix && r.orig_cl_ord_id[0] != '\0') {
      // A broker that reports a mass-cancelled order under the mass cancel's ClOrdID (11), with
      // the order's in OrigClOrdID (41): the report is the order's.
      bool mass = false;
      {
        std::lock_guard<std::mutex> lk(mu_);
        mass = find_mass(rt, r.cl_ord_id) != nullptr;
      }
      if (mass) {
        std::memcpy(r.cl_ord_id, r.orig_cl_ord_id, sizeof(r.cl_ord_id));
        r.orig_cl_ord_id[0] = '\0';
      }
    }
    if (std::strchr("248C3", r.ord_status) != nullptr && r.ord_status != '\0') {
      // The order is closed at the broker (filled, cancelled, rejected, expired, done for the
      // day): a mass cancel's cover for it has nothing left to do.
      note_closed(rt, r.cl_ord_id, r.orig_cl_ord_id);
    }
    if (r.problem[0] != '\0') {
      // Rounded numbers and unreadable fields are logged here, in the session's event log.
      rt.session->getLog()->onEvent(std::string("Ballast: ExecutionReport ClOrdID ") + r.cl_ord_id +
                                    " ExecID " + r.exec_id + ": " + r.problem +
                                    (r.bad_tag != 0 ? " -> unbookable" : ""));
    }
    listener_.on_execution_report(r);
  } else if (type == "9") {
    CancelReject r;
    codec::parse(msg, r);
    r.session = rt.index;
    listener_.on_cancel_reject(r);
  } else if (type == "j") {
    BusinessReject r;
    codec::parse(msg, r);
    r.session = rt.index;
    if (std::string(r.ref_msg_type) == "q") {
      const std::string id = r.business_ref_id[0] == kMassIdPrefix ? r.business_ref_id : "";
      if (settle_mass_cancel(rt, id, false, std::string("BusinessMessageReject: ") + r.text))
        return;
    }
    listener_.on_business_reject(r);
  } else if (type == "r") {
    MassCancelReport r;
    codec::parse(msg, r);
    r.session = rt.index;
    const bool accepted = r.response != '0';
    std::string why = std::string("MassCancelResponse ") + r.response;
    if (r.affected >= 0) why += ", TotalAffectedOrders " + std::to_string(r.affected);
    if (r.reject_reason >= 0) why += ", MassCancelRejectReason " + std::to_string(r.reject_reason);
    if (r.text[0] != '\0') why += std::string(", ") + r.text;
    // Matched by its ClOrdID (11); only a report without one answers the latest awaiting.
    if (!settle_mass_cancel(rt, r.cl_ord_id, accepted, why)) {
      rt.session->getLog()->onEvent(std::string("Ballast: OrderMassCancelReport for ") +
                                    (r.cl_ord_id[0] != '\0' ? r.cl_ord_id : "no ClOrdID") +
                                    " matches no mass cancel awaiting an answer (" + why +
                                    "): ignored");
    }
  } else if (type == "W" || type == "X") {
    std::vector<MarketDataUpdate> updates;
    rt.book.apply(msg, rt.index, updates);
    for (const MarketDataUpdate& u : updates) listener_.on_market_data(u);
  } else if (type == "Y") {
    BusinessReject r;
    codec::parse_md_reject(msg, r);
    r.session = rt.index;
    listener_.on_business_reject(r);
  } else {
    throw FIX::UnsupportedMessageType();
  }
}

// ----------------------------------------------------------------------- App / HookLog glue

void App::onLogon(const FIX::SessionID& id) {
  if (SessionRuntime* rt = impl_.find(id)) impl_.on_logon(*rt);
}
void App::onLogout(const FIX::SessionID& id) {
  if (SessionRuntime* rt = impl_.find(id)) impl_.on_logout(*rt);
}
void App::toAdmin(FIX::Message& msg, const FIX::SessionID& id) {
  if (SessionRuntime* rt = impl_.find(id)) impl_.to_admin(*rt, msg);
}
void App::toApp(FIX::Message& msg, const FIX::SessionID& id) throw(FIX::DoNotSend) {
  if (SessionRuntime* rt = impl_.find(id)) impl_.to_app(*rt, msg);
}
void App::fromAdmin(const FIX::Message& msg,
                    const FIX::SessionID& id) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                                    FIX::IncorrectTagValue, FIX::RejectLogon) {
  if (SessionRuntime* rt = impl_.find(id)) impl_.from_admin(*rt, msg);
}
void App::fromApp(const FIX::Message& msg,
                  const FIX::SessionID& id) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                                  FIX::IncorrectTagValue,
                                                  FIX::UnsupportedMessageType) {
  if (SessionRuntime* rt = impl_.find(id)) impl_.from_app(*rt, msg);
}

void HookLog::onIncoming(const std::string& s) {
  inner_->onIncoming(s);
  if (index_ != kGroupLog) impl_->on_incoming(static_cast<std::uint16_t>(index_), s);
}

void HookLog::onEvent(const std::string& s) {
  inner_->onEvent(s);
  if (index_ == kGroupLog) {
    // SSLSocketInitiator drops a connection whose TLS handshake failed without
    // Session::disconnect(), so without this the session would be retried at once, forever.
    if (s.compare(0, 17, "SSL_connect faile") == 0) impl_->on_tls_handshake_failed(group_);
    return;
  }
  const std::uint16_t index = static_cast<std::uint16_t>(index_);
  // Session::disconnect() logs this whenever a connection (or a connect attempt) ends.
  if (s.compare(0, 13, "Disconnecting") == 0) impl_->on_connection_ended(index);
  if (s.compare(0, 13, "Connecting to") == 0) impl_->on_connect_attempt(index);
}

}  // namespace fix
}  // namespace ballast
