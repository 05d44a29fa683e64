#include "ballast/operator/operator_service.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "ballast/http/prometheus.hpp"
#include "ballast/version.hpp"

namespace ballast::ops {

namespace {

using nlohmann::json;

/// The counters of Kernel::counters() that are levels, not counts: exposed as gauges (no
/// `_total`). Every other one is a counter.
constexpr std::string_view kGauges[] = {
    "engine.working",         "engine.active_parents",  "engine.sessions_up",
    "engine.kill_global",     "engine.accounts_killed", "engine.triggers_paused_global",
    "engine.accounts_paused",
};

bool is_gauge(std::string_view name) {
  return std::find(std::begin(kGauges), std::end(kGauges), name) != std::end(kGauges);
}

/// A control body is a small flat object: bounding it bounds the parser's work and nesting.
constexpr std::size_t kMaxControlBody = 1024;

void json_error(http::Response& res, unsigned status, const std::string& message) {
  res.status = status;
  res.content_type = "application/json";
  res.body = json{{"error", message}}.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

struct OperatorService::Impl {
  kernel::Kernel& k;
  /// The kernel's session index -> the session's name (enabled initiators in order).
  std::vector<std::string> sessions;
  /// Account id in the configuration -> the engine's id.
  std::unordered_map<std::string, AccountId> accounts;
  /// Model id in the configuration -> the engine's id (configuration order).
  std::unordered_map<std::string, ModelId> models;
  std::vector<std::string> account_names;  // by the engine's id value (reports)
  std::unique_ptr<kernel::Kernel::ControlChannel> control;
  std::unique_ptr<http::HttpServer> server;

  explicit Impl(kernel::Kernel& kernel) : k(kernel) {}

  std::string account_name(std::uint32_t id) const {
    if (id == UINT32_MAX) return {};
    return id < account_names.size() ? account_names[id] : std::to_string(id);
  }

  void metrics(const http::Request& req, http::Response& res) const {
    std::string& out = res.body;
    out.reserve(16 * 1024);
    using http::write_family;
    using http::write_histogram;
    using http::write_sample;
    write_family(out, "ballast_build_info", "gauge", "The running build (label: version).");
    write_sample(out, "ballast_build_info", {{"version", kVersion}}, std::uint64_t{1});
    const auto& live = k.live();
    write_family(out, "ballast_engine_time_seconds", "gauge",
                 "The core's clock at the last event it handled (Unix time; the market clock "
                 "on recorded sessions).");
    write_sample(out, "ballast_engine_time_seconds", {},
                 static_cast<double>(live.engine_time_ns.load(std::memory_order_relaxed)) * 1e-9);
    for (const CounterReading& r : k.counters()) {
      const bool gauge = is_gauge(r.name);
      const std::string name =
          "ballast_" + http::metric_name(r.name) + (gauge ? std::string() : "_total");
      write_family(
          out, name, gauge ? "gauge" : "counter",
          std::string(gauge ? "Level " : "Count ") + r.name + " (docs/operator.md, \"Metrics\").");
      write_sample(out, name, {}, r.value);
    }
    for (const NamedHistogram& h : k.histograms()) {
      write_histogram(out, "ballast_" + http::metric_name(h.name) + "_seconds", h.help,
                      *h.histogram);
    }
    write_family(out, "ballast_fix_session_up", "gauge",
                 "1 when the FIX session is logged on (label: the session's name).");
    const std::uint64_t mask = live.sessions_up_mask.load(std::memory_order_relaxed);
    for (std::size_t s = 0; s < sessions.size() && s < 64; ++s) {
      write_sample(out, "ballast_fix_session_up", {{"session", sessions[s]}},
                   std::uint64_t{(mask >> s) & 1u});
    }
    req.server->each([&](const char* n, std::uint64_t v) {
      const std::string_view c(n);
      const bool gauge = c == "connections_open";
      const std::string name = std::string("ballast_http_") + n + (gauge ? "" : "_total");
      write_family(out, name, gauge ? "gauge" : "counter",
                   std::string("The operator HTTP server: ") + n + ".");
      write_sample(out, name, {}, v);
    });
    res.content_type = std::string(http::kPrometheusContentType);
  }

  void status(const http::Request&, http::Response& res) const {
    const auto& live = k.live();
    json j;
    j["version"] = kVersion;
    j["engine_time_ns"] = live.engine_time_ns.load(std::memory_order_relaxed);
    json counters = json::object();
    for (const CounterReading& r : k.counters()) counters[r.name] = r.value;
    j["counters"] = std::move(counters);
    json sess = json::array();
    const std::uint64_t mask = live.sessions_up_mask.load(std::memory_order_relaxed);
    for (std::size_t s = 0; s < sessions.size(); ++s) {
      sess.push_back({{"name", sessions[s]},
                      {"logged_on", s < 64 && ((mask >> s) & 1u) != 0},
                      {"last_status", k.session_status(static_cast<std::uint16_t>(s))}});
    }
    j["fix_sessions"] = std::move(sess);
    const std::uint64_t trips = live.kills.load(std::memory_order_acquire);
    json kill = {{"global", live.kill_global.load(std::memory_order_relaxed) != 0},
                 {"accounts_killed", live.accounts_killed.value()},
                 {"trips", trips}};
    if (trips > 0) {
      const std::uint32_t a = live.last_kill_account.load(std::memory_order_relaxed);
      kill["last"] = {{"scope", a == UINT32_MAX ? "global" : "account"},
                      {"account", account_name(a)},
                      {"reason", to_string(static_cast<KillReason>(
                                     live.last_kill_reason.load(std::memory_order_relaxed)))}};
    }
    j["kill_switch"] = std::move(kill);
    j["triggers"] = {
        {"paused_global", live.triggers_paused_global.load(std::memory_order_relaxed) != 0},
        {"accounts_paused", live.accounts_paused.value()}};
    j["journal"] = k.journal_status();
    j["unbookable_reports"] = k.unbookable_reports();
    if (k.unbookable_reports() > 0) j["last_unbookable"] = k.last_unbookable();
    // Texts from brokers (a Logout's Text, a report's ClOrdID) may hold any bytes: invalid UTF-8
    // is written as U+FFFD rather than failing the whole answer.
    res.body = j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  }

  /// A command's body: {"action": ..., "account": "ID"} or {"model": "ID"} (neither: every
  /// account). Answers an error and returns false when it is not one; `actions` maps the
  /// accepted action names.
  struct Command {
    std::string action;
    ControlAction what{};
    AccountId account{};
    ModelId model{};
    std::string scope = "global", id;
  };
  bool parse_command(const http::Request& req, http::Response& res,
                     std::initializer_list<std::pair<const char*, ControlAction>> actions,
                     bool models_allowed, Command& c) const {
    std::string expected;
    for (const auto& [name, a] : actions) {
      (void)a;
      expected += (expected.empty() ? "\"" : " or \"") + std::string(name) + "\"";
    }
    if (req.body.size() > kMaxControlBody) {
      json_error(res, 413, "a control body is at most 1 KiB");
      return false;
    }
    // A key given twice is refused, not resolved by whichever comes last.
    std::vector<std::string> keys;
    bool duplicate = false;
    const json::parser_callback_t note_keys = [&](int depth, json::parse_event_t ev, json& parsed) {
      if (ev == json::parse_event_t::key && depth == 1 && parsed.is_string()) {
        const auto& k = parsed.get_ref<const std::string&>();
        if (std::find(keys.begin(), keys.end(), k) != keys.end()) duplicate = true;
        keys.push_back(k);
      }
      return true;
    };
    const json body = json::parse(req.body, note_keys, false);
    if (duplicate) {
      json_error(res, 400, "a field is given twice");
      return false;
    }
    if (body.is_discarded() || !body.is_object()) {
      json_error(res, 400,
                 "expected a JSON object such as {\"action\": " + expected +
                     ", \"account\": \"A1\"} (no account" +
                     (models_allowed ? " and no model" : "") + ": every account)");
      return false;
    }
    for (const auto& [key, value] : body.items()) {
      if (key != "action" && key != "account" && !(models_allowed && key == "model")) {
        json_error(res, 400,
                   "unknown field '" + key + "'; expected action" +
                       (models_allowed ? ", and account or model" : " and account"));
        return false;
      }
    }
    const auto action_it = body.find("action");
    if (action_it == body.end() || !action_it->is_string()) {
      json_error(res, 400, "field 'action' is required: " + expected);
      return false;
    }
    c.action = action_it->get<std::string>();
    bool known = false;
    for (const auto& [name, a] : actions) {
      if (c.action == name) {
        c.what = a;
        known = true;
      }
    }
    if (!known) {
      json_error(res, 400, "field 'action' is '" + c.action + "'; expected " + expected);
      return false;
    }
    const auto acc = body.find("account");
    const auto mod = body.find("model");
    if (acc != body.end() && mod != body.end()) {
      json_error(res, 400, "give an account or a model, not both");
      return false;
    }
    if (acc != body.end()) {
      if (!acc->is_string()) {
        json_error(res, 400, "field 'account' must be a string");
        return false;
      }
      c.id = acc->get<std::string>();
      const auto it = accounts.find(c.id);
      if (it == accounts.end()) {
        json_error(res, 404, "no account '" + c.id + "'");
        return false;
      }
      c.account = it->second;
      c.scope = "account";
    } else if (mod != body.end()) {
      if (!mod->is_string()) {
        json_error(res, 400, "field 'model' must be a string");
        return false;
      }
      c.id = mod->get<std::string>();
      const auto it = models.find(c.id);
      if (it == models.end()) {
        json_error(res, 404, "no model '" + c.id + "'");
        return false;
      }
      if (it->second.value >= 0xFFFF) {
        // The command carries a model in 16 bits (events.hpp, ControlCommand).
        json_error(res, 400,
                   "model '" + c.id +
                       "' is beyond the first 65,535 models of the configuration, which are "
                       "all a command can name; pause its accounts one by one");
        return false;
      }
      c.model = it->second;
      c.scope = "model";
    }
    return true;
  }

  void send(const Command& c, http::Response& res) {
    if (!control->try_send(c.what, c.account, c.model)) {
      return json_error(res, 503, "the engine's inbound queue is full; try again");
    }
    res.status = 202;
    json j = {{"accepted", true}, {"action", c.action}, {"scope", c.scope}};
    if (c.scope != "global") j[c.scope] = c.id;
    res.body = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  }

  void kill_switch(const http::Request& req, http::Response& res) {
    Command c;
    if (!parse_command(
            req, res,
            {{"engage", ControlAction::kKillSwitchOn}, {"release", ControlAction::kKillSwitchOff}},
            false, c)) {
      return;
    }
    send(c, res);
  }

  void triggers(const http::Request& req, http::Response& res) {
    Command c;
    if (!parse_command(
            req, res,
            {{"pause", ControlAction::kPauseTriggers}, {"resume", ControlAction::kResumeTriggers}},
            true, c)) {
      return;
    }
    send(c, res);
  }
};

OperatorService::OperatorService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

OperatorService::~OperatorService() {
  stop();
}

Result<std::unique_ptr<OperatorService>> OperatorService::start(kernel::Kernel& kernel) {
  auto impl = std::make_unique<Impl>(kernel);
  const config::Settings& s = kernel.settings();
  for (const auto& f : s.fix.sessions) {
    if (f.enabled && f.role == FixRole::kInitiator) impl->sessions.push_back(f.name);
  }
  for (std::size_t i = 0; i < s.models.size(); ++i) {
    impl->models.emplace(s.models[i].id, ModelId{static_cast<std::uint32_t>(i)});
  }
  const auto& ids = kernel.accounts();
  for (std::size_t i = 0; i < ids.size() && i < s.accounts.size(); ++i) {
    impl->accounts.emplace(s.accounts[i].id, ids[i]);
    if (ids[i].value >= impl->account_names.size()) impl->account_names.resize(ids[i].value + 1);
    impl->account_names[ids[i].value] = s.accounts[i].id;
  }
  impl->control = kernel.make_control_channel();
  Impl* p = impl.get();
  std::vector<http::Route> routes;
  routes.push_back({"GET", "/metrics", http::Access::kRead,
                    [p](const http::Request& q, http::Response& r) { p->metrics(q, r); }});
  routes.push_back({"GET", "/api/v1/status", http::Access::kRead,
                    [p](const http::Request& q, http::Response& r) { p->status(q, r); }});
  routes.push_back({"POST", "/api/v1/kill-switch", http::Access::kControl,
                    [p](const http::Request& q, http::Response& r) { p->kill_switch(q, r); }});
  routes.push_back({"POST", "/api/v1/triggers", http::Access::kControl,
                    [p](const http::Request& q, http::Response& r) { p->triggers(q, r); }});
  auto server = http::HttpServer::start(s.operator_http, std::move(routes));
  if (!server) return server.error();
  impl->server = std::move(server.value());
  return std::unique_ptr<OperatorService>(new OperatorService(std::move(impl)));
}

std::string OperatorService::address() const {
  const std::string& b = impl_->k.settings().operator_http.bind;
  const std::string host = b.find(':') != std::string::npos ? "[" + b + "]" : b;
  return "http://" + host + ":" + std::to_string(port()) + "/";
}

std::uint16_t OperatorService::port() const noexcept {
  return impl_->server->port();
}

void OperatorService::stop() {
  if (impl_ && impl_->server) impl_->server->stop();
}

const http::HttpCounters& OperatorService::counters() const noexcept {
  return impl_->server->counters();
}

}  // namespace ballast::ops
