#include "ballast/operator/operator_service.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "ballast/engine/drift_monitor.hpp"
#include "ballast/execution/child_order.hpp"
#include "ballast/execution/order_id.hpp"
#include "ballast/http/prometheus.hpp"
#include "ballast/version.hpp"
#include "web_assets.hpp"

namespace ballast::ops {

namespace {

using nlohmann::json;

/// The counters of Kernel::counters() that are levels, not counts: exposed as gauges (no
/// `_total`). Every other one is a counter.
constexpr std::string_view kGauges[] = {
    "engine.working",         "engine.active_parents",    "engine.sessions_up",
    "engine.kill_global",     "engine.accounts_killed",   "engine.triggers_paused_global",
    "engine.accounts_paused", "engine.approvals_waiting",
};

bool is_gauge(std::string_view name) {
  return std::find(std::begin(kGauges), std::end(kGauges), name) != std::end(kGauges);
}

/// The most accounts or orders one view answer lists: views are serialised on the server's
/// worker thread (Route::offload) one after another, so a page's size bounds how long one client
/// holds the other view readers back (1,000 accounts: about 0.5 MB, tens of milliseconds);
/// commands never wait behind views. Page with offset.
constexpr std::size_t kMaxPage = 1000;

/// A control body is a small flat object: bounding it bounds the parser's work and nesting.
constexpr std::size_t kMaxControlBody = 1024;

void json_error(http::Response& res, unsigned status, const std::string& message) {
  res.status = status;
  res.content_type = "application/json";
  res.body = json{{"error", message}}.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

/// UTC text of an engine time ("2024-01-02T14:30:00.123456789Z"); null for none.
json time_json(Timestamp t) {
  if (t.ns <= 0) return nullptr;
  const std::time_t secs = static_cast<std::time_t>(t.ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%09lldZ", static_cast<long long>(t.ns % 1'000'000'000));
  return std::string(buf);
}

/// A finite double, or null (an absent band is +infinity).
json number_json(double x) {
  if (!std::isfinite(x)) return nullptr;
  return x;
}

/// Decodes %XX escapes (and '+' in a query) of a URL component; false on a bad escape.
bool url_decode(std::string_view in, std::string& out, bool plus_is_space) {
  auto hex = [](char h) -> int {
    if (h >= '0' && h <= '9') return h - '0';
    if (h >= 'a' && h <= 'f') return h - 'a' + 10;
    if (h >= 'A' && h <= 'F') return h - 'A' + 10;
    return -1;
  };
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (in.size() - i < 3) return false;
      const int hi = hex(in[i + 1]);
      const int lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

/// The query's parameters (`a=1&b=x`), decoded. False (and an answer) on a bad one.
bool parse_query(std::string_view q, std::unordered_map<std::string, std::string>& out,
                 std::string& error) {
  while (!q.empty()) {
    const std::size_t amp = q.find('&');
    const std::string_view part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    std::string key, value;
    if (!url_decode(part.substr(0, eq), key, true) ||
        (eq != std::string_view::npos && !url_decode(part.substr(eq + 1), value, true))) {
      error = "a query parameter has a bad %-escape";
      return false;
    }
    if (out.count(key) != 0) {
      error = "query parameter '" + key + "' is given twice";
      return false;
    }
    out.emplace(std::move(key), std::move(value));
  }
  return true;
}

/// A non-negative integer parameter within [0, max]; false (with the error) otherwise.
bool uint_param(const std::unordered_map<std::string, std::string>& q, const char* name,
                std::size_t def, std::size_t max, std::size_t& out, std::string& error) {
  const auto it = q.find(name);
  if (it == q.end()) {
    out = def;
    return true;
  }
  const std::string& v = it->second;
  std::size_t n = 0;
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos ||
      (n = std::stoull(v)) > max) {
    error = "query parameter '" + std::string(name) + "' is '" + v +
            "'; expected an integer from 0 to " + std::to_string(max);
    return false;
  }
  out = n;
  return true;
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
    write_family(out, "ballast_denials_by_reason_total", "counter",
                 "Child orders the compliance gate refused, by its reason (label: reason).");
    for (std::size_t r = 0; r < live.denials_by_reason.size(); ++r) {
      write_sample(out, "ballast_denials_by_reason_total",
                   {{"reason", to_string(static_cast<DenyReason>(r))}},
                   live.denials_by_reason[r].value());
    }
    write_family(out, "ballast_kill_last_cancel_seconds", "gauge",
                 "From the last kill-switch command to the latest cancel it caused handed to "
                 "FIX (0: none yet).");
    write_sample(
        out, "ballast_kill_last_cancel_seconds", {},
        static_cast<double>(live.kill_last_cancel_ns.load(std::memory_order_relaxed)) * 1e-9);
    write_family(out, "ballast_fix_session_up", "gauge",
                 "1 when the FIX session is logged on (label: the session's name).");
    const std::uint64_t mask = live.sessions_up_mask.load(std::memory_order_relaxed);
    for (std::size_t s = 0; s < sessions.size() && s < 64; ++s) {
      write_sample(out, "ballast_fix_session_up", {{"session", sessions[s]}},
                   std::uint64_t{(mask >> s) & 1u});
    }
    req.server->each([&](const char* n, std::uint64_t v) {
      const bool gauge = http::HttpCounters::is_gauge(n);
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

  // ---- the desk views (kernel/desk_view.hpp) ----------------------------------------------

  std::string symbol(InstrumentId i) const {
    const InstrumentTable& t = k.instruments();
    return t.contains(i) ? t[i].symbol : std::string();
  }
  std::string model_name(ModelId m) const {
    const auto& ms = k.settings().models;
    return m.value < ms.size() ? ms[m.value].id : std::string();
  }

  /// A desk view no older than 250 ms: the latest the core published when it is that young;
  /// otherwise the core is asked for a new one (it builds views only when asked: desk_view.hpp)
  /// and this waits for it, 300 ms at most (the first after start-up 1 s; not at all when the
  /// last wait for the same view's successor ran out), then takes the latest whatever its age;
  /// its `as_of` says when it was built. On the server's worker thread.
  const kernel::DeskView& fresh_view(kernel::DeskViewExchange& ex) {
    const auto now = std::chrono::steady_clock::now();
    const std::int64_t now_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
    const std::uint64_t seq = ex.latest().seq;
    if (seq != 0 && now_ns - ex.latest().published_mono_ns < 250'000'000) return ex.latest();
    ex.request();
    // A wait for this view's successor already ran out: the core builds slowly (a large desk:
    // one build every 100 x its time). Requests queued behind it take the latest at once
    // instead of waiting 300 ms each in turn.
    if (seq != 0 && seq == timed_out_seq_) return ex.latest();
    const auto deadline = now + std::chrono::milliseconds(seq == 0 ? 1000 : 300);
    while (ex.latest().seq == seq && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (ex.latest().seq == seq) timed_out_seq_ = seq;
    return ex.latest();
  }
  std::uint64_t timed_out_seq_ = 0;  // fresh_view's: the worker thread's only

  /// The desk view a view route answers (fresh_view). Null (and a 503) when there is none.
  const kernel::DeskView* view(http::Response& res) {
    kernel::DeskViewExchange* ex = k.desk_views();
    if (ex == nullptr) {
      json_error(res, 503, "this engine has no core thread to describe the desk");
      return nullptr;
    }
    const kernel::DeskView& v = fresh_view(*ex);
    if (v.seq == 0) {
      json_error(res, 503, "the engine has not described the desk yet; try again");
      return nullptr;
    }
    return &v;
  }

  /// For views that take no query parameters: false (and a 400) when some are given.
  static bool no_query(const http::Request& req, http::Response& res) {
    if (req.query.empty()) return true;
    json_error(res, 400, "this view takes no query parameters");
    return false;
  }

  json view_header(const kernel::DeskView& v) const {
    return {{"as_of", time_json(v.as_of)},
            {"as_of_ns", v.as_of.ns},
            {"view", v.seq},
            {"build_seconds", static_cast<double>(v.built_ns) * 1e-9}};
  }

  static void answer(http::Response& res, const json& j) {
    res.body = j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  }

  json account_summary(const kernel::AccountView& a) const {
    json j = {{"id", account_name(a.account.value)},
              {"model", model_name(a.model)},
              {"nav", a.nav.to_string()},
              {"cash", a.cash.to_string()},
              {"complete", a.complete},
              {"max_abs_drift", a.max_abs_drift},
              {"band_utilization", a.band_utilization},
              {"half_turnover", a.half_turnover},
              {"outside_band", a.outside_band},
              {"worst", a.worst.valid() ? json(symbol(a.worst)) : json("cash")},
              {"paused", a.paused},
              {"killed", a.killed},
              {"rebalancing", a.rebalancing},
              {"working_orders", a.working},
              {"triggers", a.triggers}};
    if (a.tracking_error >= 0) j["tracking_error"] = a.tracking_error;
    if (a.triggers > 0) j["last_trigger"] = time_json(a.last_trigger);
    return j;
  }

  void models_view(const http::Request& req, http::Response& res) {
    if (!no_query(req, res)) return;
    const kernel::DeskView* v = view(res);
    if (v == nullptr) return;
    json j = view_header(*v);
    json list = json::array();
    const auto& ms = k.settings().models;
    for (const kernel::ModelView& m : v->models) {
      json model = {{"id", model_name(m.model)},
                    {"accounts", m.accounts},
                    {"outside_band", m.outside_band},
                    {"incomplete", m.incomplete},
                    {"paused", m.paused},
                    {"killed", m.killed},
                    {"max_band_utilization", m.max_utilization}};
      json hist = json::array();
      for (std::size_t b = 0; b < m.utilization.size(); ++b) {
        hist.push_back(
            {{"le", b < kernel::kUtilizationEdges.size() ? json(kernel::kUtilizationEdges[b])
                                                         : json("+Inf")},
             {"accounts", m.utilization[b]}});
      }
      model["band_utilization_histogram"] = std::move(hist);
      if (m.model.value < ms.size()) {
        const auto& mc = ms[m.model.value];
        model["name"] = mc.name;
        json targets = json::array();
        for (const auto& t : mc.weights) {
          targets.push_back({{"symbol", t.symbol}, {"weight", t.weight}});
        }
        model["targets"] = std::move(targets);
        model["cash_weight"] = mc.cash_buffer;
      }
      list.push_back(std::move(model));
    }
    j["models"] = std::move(list);
    answer(res, j);
  }

  void accounts_view(const http::Request& req, http::Response& res) {
    std::unordered_map<std::string, std::string> q;
    std::string err;
    std::size_t limit = 0, offset = 0;
    if (!parse_query(req.query, q, err) || !uint_param(q, "limit", 100, kMaxPage, limit, err) ||
        !uint_param(q, "offset", 0, 100'000'000, offset, err)) {
      return json_error(res, 400, err);
    }
    for (const auto& [key, value] : q) {
      if (key != "limit" && key != "offset" && key != "model" && key != "outside_band" &&
          key != "sort") {
        return json_error(res, 400,
                          "unknown query parameter '" + key +
                              "'; expected model, outside_band, sort, limit, offset");
      }
      (void)value;
    }
    ModelId model{};
    if (const auto it = q.find("model"); it != q.end()) {
      const auto m = models.find(it->second);
      if (m == models.end()) return json_error(res, 404, "no model '" + it->second + "'");
      model = m->second;
    }
    bool outside_only = false;
    if (const auto it = q.find("outside_band"); it != q.end()) {
      if (it->second != "true" && it->second != "false") {
        return json_error(res, 400, "query parameter 'outside_band' must be true or false");
      }
      outside_only = it->second == "true";
    }
    std::string sort = "drift";
    if (const auto it = q.find("sort"); it != q.end()) {
      if (it->second != "drift" && it->second != "id") {
        return json_error(res, 400, "query parameter 'sort' must be drift or id");
      }
      sort = it->second;
    }
    const kernel::DeskView* v = view(res);
    if (v == nullptr) return;
    std::vector<const kernel::AccountView*> picked;
    for (const kernel::AccountView& a : v->accounts) {
      if (model.valid() && a.model.value != model.value) continue;
      if (outside_only && !a.outside_band) continue;
      picked.push_back(&a);
    }
    if (sort == "drift") {
      std::stable_sort(picked.begin(), picked.end(), [](const auto* x, const auto* y) {
        return x->band_utilization > y->band_utilization;
      });
    } else {
      std::stable_sort(picked.begin(), picked.end(), [this](const auto* x, const auto* y) {
        return account_name(x->account.value) < account_name(y->account.value);
      });
    }
    json j = view_header(*v);
    j["total"] = picked.size();
    j["offset"] = offset;
    json list = json::array();
    for (std::size_t i = offset; i < picked.size() && list.size() < limit; ++i) {
      list.push_back(account_summary(*picked[i]));
    }
    j["accounts"] = std::move(list);
    answer(res, j);
  }

  void account_view(const http::Request& req, http::Response& res) {
    constexpr std::string_view prefix = "/api/v1/accounts/";
    std::string id;
    if (!url_decode(req.path.substr(prefix.size()), id, false) || id.empty()) {
      return json_error(res, 400, "expected /api/v1/accounts/<account id> (%-escaped)");
    }
    const auto it = accounts.find(id);
    if (it == accounts.end()) return json_error(res, 404, "no account '" + id + "'");
    if (!no_query(req, res)) return;
    const kernel::DeskView* v = view(res);
    if (v == nullptr) return;
    if (it->second.value >= v->accounts.size())
      return json_error(res, 404, "no account '" + id + "'");
    const kernel::AccountView& a = v->accounts[it->second.value];
    json j = view_header(*v);
    j["account"] = account_summary(a);
    json pos = json::array();
    for (std::uint32_t p = a.first_position; p < a.first_position + a.positions; ++p) {
      const kernel::PositionView& x = v->positions[p];
      json line = {{"symbol", symbol(x.instrument)},
                   {"qty", x.qty.to_string()},
                   {"pending", x.pending.to_string()},
                   {"mark", x.mark.raw != 0 ? json(x.mark.to_string()) : json(nullptr)},
                   {"weight", x.weight},
                   {"target", x.target},
                   {"drift", x.weight - x.target},
                   {"band", number_json(x.band)}};
      if (x.restricted) line["restricted"] = true;
      pos.push_back(std::move(line));
    }
    j["positions"] = std::move(pos);
    if (a.triggers > 0) {
      json why = {{"time", time_json(a.last_trigger)},
                  {"rule", to_string(a.last_rule)},
                  {"max_abs_drift", a.last_max_abs_drift},
                  {"band_utilization", a.last_band_utilization}};
      json lines = json::array();
      for (std::uint32_t w = a.first_why; w < a.first_why + a.why_lines; ++w) {
        const kernel::WhyView& x = v->why[w];
        json line = {{"symbol", x.instrument.valid() ? json(symbol(x.instrument)) : json("cash")},
                     {"weight", x.weight},
                     {"target", x.target}};
        if (x.instrument.valid()) {
          line["price"] = x.price.to_string();
          line["price_time"] = time_json(x.price_time);
        }
        if (x.excluded != 0) {
          line["excluded"] = to_string(static_cast<WhyExclusion>(x.excluded));
        }
        lines.push_back(std::move(line));
      }
      why["lines"] = std::move(lines);
      if (a.why_lines == 0) why["note"] = "the why-log ring has overwritten this record";
      j["last_trigger"] = std::move(why);
    }
    answer(res, j);
  }

  void orders_view(const http::Request& req, http::Response& res) {
    std::unordered_map<std::string, std::string> q;
    std::string err;
    std::size_t limit = 0;
    if (!parse_query(req.query, q, err) || !uint_param(q, "limit", 200, kMaxPage, limit, err)) {
      return json_error(res, 400, err);
    }
    AccountId account{};
    for (const auto& [key, value] : q) {
      if (key == "account") {
        const auto it = accounts.find(value);
        if (it == accounts.end()) return json_error(res, 404, "no account '" + value + "'");
        account = it->second;
      } else if (key != "limit") {
        return json_error(res, 400,
                          "unknown query parameter '" + key + "'; expected account, limit");
      }
    }
    const kernel::DeskView* v = view(res);
    if (v == nullptr) return;
    json j = view_header(*v);
    j["working"] = v->orders_total;
    json list = json::array();
    for (const kernel::OrderView& o : v->orders) {
      if (list.size() >= limit) break;
      if (account.valid() && o.account.value != account.value) continue;
      list.push_back(order_json(o));
    }
    j["orders"] = std::move(list);
    if (v->orders_total > v->orders.size()) {
      j["note"] =
          "the view holds the first " + std::to_string(v->orders.size()) + " working orders";
    }
    answer(res, j);
  }

  void denials_view(const http::Request& req, http::Response& res) {
    if (!no_query(req, res)) return;
    const kernel::DeskView* v = view(res);
    if (v == nullptr) return;
    json j = view_header(*v);
    j["total"] = v->denials_total;
    json list = json::array();
    for (auto it = v->denials.rbegin(); it != v->denials.rend(); ++it) {
      list.push_back(denial_json(*it));
    }
    j["denials"] = std::move(list);  // newest first
    answer(res, j);
  }

  json proposal_json(const kernel::DeskView& v, const kernel::ProposalView& p) const {
    json lines = json::array();
    for (std::uint32_t i = p.first_line; i < p.first_line + p.lines; ++i) {
      const kernel::ProposalLineView& l = v.proposal_lines[i];
      lines.push_back({{"symbol", symbol(l.instrument)},
                       {"side", l.qty.raw >= 0 ? "buy" : "sell"},
                       {"qty", Qty{l.qty.raw < 0 ? -l.qty.raw : l.qty.raw}.to_string()},
                       {"price", l.price.to_string()}});
    }
    const std::int64_t age = v.as_of.ns - p.time.ns;
    const Duration expire = k.settings().approval.expire_after;
    return {{"account", account_name(p.account.value)},
            {"time", time_json(p.time)},
            {"gross_value", p.gross.to_string()},
            {"age_seconds", static_cast<double>(age) * 1e-9},
            {"expired", age > expire.count()},
            {"lines", std::move(lines)}};
  }

  void approvals_view(const http::Request& req, http::Response& res) {
    if (!no_query(req, res)) return;
    const kernel::DeskView* v = view(res);
    if (v == nullptr) return;
    json j = view_header(*v);
    j["mode"] = to_string(k.settings().approval.mode);
    json list = json::array();
    for (const kernel::ProposalView& p : v->proposals) list.push_back(proposal_json(*v, p));
    j["waiting"] = std::move(list);
    answer(res, j);
  }

  void approvals(const http::Request& req, http::Response& res) {
    Command c;
    if (!parse_command(req, res,
                       {{"approve", ControlAction::kApproveRebalance},
                        {"reject", ControlAction::kRejectRebalance}},
                       false, c)) {
      return;
    }
    send(c, res);
  }

  void fills_view(const http::Request& req, http::Response& res) {
    if (!no_query(req, res)) return;
    const kernel::DeskView* v = view(res);
    if (v == nullptr) return;
    json j = view_header(*v);
    j["total"] = v->fills_total;
    json list = json::array();
    for (auto it = v->fills.rbegin(); it != v->fills.rend(); ++it) list.push_back(fill_json(*it));
    j["fills"] = std::move(list);  // newest first
    answer(res, j);
  }

  // ---- the dashboard's stream ---------------------------------------------------------------

  /// The upper bound (seconds) of the bucket holding quantile q of `h`; null when empty. Above
  /// the last edge: the last edge (a lower bound then, marked by the caller's reading of it).
  static json quantile(const LatencyHistogram& h, double q) {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i <= h.edges(); ++i) total += h.bucket(i);
    if (total == 0) return nullptr;
    const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i <= h.edges(); ++i) {
      seen += h.bucket(i);
      if (seen >= rank) {
        const std::size_t e = i < h.edges() ? i : h.edges() - 1;
        return static_cast<double>(h.edge(e)) * 1e-9;
      }
    }
    return nullptr;
  }

  json fill_json(const kernel::FillView& f) const {
    return {{"time", time_json(f.time)},
            {"cl_ord_id", to_cl_ord_id(f.order)},
            {"account", account_name(f.account.valid() ? f.account.value : UINT32_MAX)},
            {"symbol", symbol(f.instrument)},
            {"side", f.qty.raw >= 0 ? "buy" : "sell"},
            {"qty", Qty{f.qty.raw < 0 ? -f.qty.raw : f.qty.raw}.to_string()},
            {"px", f.px.to_string()},
            {"booking", f.booking == BookingKind::kFill   ? "fill"
                        : f.booking == BookingKind::kBust ? "bust"
                                                          : "correction"}};
  }
  json denial_json(const kernel::DenialView& d) const {
    return {{"time", time_json(d.time)},
            {"cl_ord_id", to_cl_ord_id(d.order)},
            {"account", account_name(d.account.valid() ? d.account.value : UINT32_MAX)},
            {"symbol", symbol(d.instrument)},
            {"side", to_string(d.side)},
            {"qty", d.qty.to_string()},
            {"limit", d.limit.raw != 0 ? json(d.limit.to_string()) : json(nullptr)},
            {"reason", to_string(d.reason)}};
  }
  json order_json(const kernel::OrderView& o) const {
    return {{"cl_ord_id", to_cl_ord_id(o.order)},
            {"parent", to_cl_ord_id(o.parent)},
            {"account", account_name(o.account.valid() ? o.account.value : UINT32_MAX)},
            {"symbol", symbol(o.instrument)},
            {"side", to_string(o.side)},
            {"qty", o.qty.to_string()},
            {"filled", o.filled.to_string()},
            {"limit", o.limit.raw != 0 ? json(o.limit.to_string()) : json(nullptr)},
            {"state", to_string(static_cast<OrderState>(o.state))},
            {"session", o.session.value < sessions.size() ? json(sessions[o.session.value])
                                                          : json(o.session.value)}};
  }

  /// One event of /api/v1/stream: everything the dashboard shows. On the server's worker thread
  /// (the one reader of the desk views, with the view routes), once a second while a dashboard
  /// is connected. Its desk view is fresh_view's: the core builds one per event.
  void stream(std::string& out) {
    const auto& live = k.live();
    json d;
    d["version"] = kVersion;
    d["wall_time"] = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count()) *
                     1e-6;
    d["engine_time"] = time_json(Timestamp{live.engine_time_ns.load(std::memory_order_relaxed)});
    d["counters"] = {{"inputs", live.inputs.value()},     {"triggers", live.triggers.value()},
                     {"children", live.children.value()}, {"working", live.working.value()},
                     {"fills", live.fills.value()},       {"denials", live.denials.value()},
                     {"parents", live.parents.value()},   {"rejects", live.rejects.value()}};
    d["kill"] = {{"global", live.kill_global.load(std::memory_order_relaxed) != 0},
                 {"accounts_killed", live.accounts_killed.value()}};
    d["triggers"] = {
        {"paused_global", live.triggers_paused_global.load(std::memory_order_relaxed) != 0},
        {"accounts_paused", live.accounts_paused.value()}};
    json sess = json::array();
    const std::uint64_t mask = live.sessions_up_mask.load(std::memory_order_relaxed);
    for (std::size_t s = 0; s < sessions.size(); ++s) {
      sess.push_back({{"name", sessions[s]},
                      {"logged_on", s < 64 && ((mask >> s) & 1u) != 0},
                      {"last_status", k.session_status(static_cast<std::uint16_t>(s))}});
    }
    d["sessions"] = std::move(sess);
    json lat = json::array();
    for (const NamedHistogram& h : k.histograms()) {
      std::uint64_t n = 0;
      for (std::size_t i = 0; i <= h.histogram->edges(); ++i) n += h.histogram->bucket(i);
      lat.push_back({{"name", h.name},
                     {"count", n},
                     {"p50", quantile(*h.histogram, 0.50)},
                     {"p99", quantile(*h.histogram, 0.99)}});
    }
    d["latency"] = std::move(lat);
    d["utilization_edges"] = kernel::kUtilizationEdges;
    json models_j = json::array(), outside = json::array(), fills = json::array(),
         denials = json::array(), orders = json::array();
    std::size_t outside_total = 0, working = 0;
    kernel::DeskViewExchange* ex = k.desk_views();
    if (ex != nullptr) {
      const kernel::DeskView& v = fresh_view(*ex);
      d["view_as_of"] = time_json(v.as_of);
      for (const kernel::ModelView& m : v.models) {
        models_j.push_back({{"id", model_name(m.model)},
                            {"accounts", m.accounts},
                            {"outside_band", m.outside_band},
                            {"incomplete", m.incomplete},
                            {"paused", m.paused},
                            {"killed", m.killed},
                            {"histogram", m.utilization}});
      }
      std::vector<const kernel::AccountView*> out_accts;
      for (const kernel::AccountView& a : v.accounts) {
        if (a.outside_band) out_accts.push_back(&a);
      }
      outside_total = out_accts.size();
      const std::size_t top = std::min<std::size_t>(out_accts.size(), 20);
      std::partial_sort(
          out_accts.begin(), out_accts.begin() + static_cast<std::ptrdiff_t>(top), out_accts.end(),
          [](const auto* x, const auto* y) { return x->band_utilization > y->band_utilization; });
      for (std::size_t i = 0; i < top; ++i) outside.push_back(account_summary(*out_accts[i]));
      for (std::size_t i = 0; i < v.fills.size() && i < 15; ++i) {
        fills.push_back(fill_json(v.fills[v.fills.size() - 1 - i]));
      }
      for (std::size_t i = 0; i < v.denials.size() && i < 15; ++i) {
        denials.push_back(denial_json(v.denials[v.denials.size() - 1 - i]));
      }
      for (std::size_t i = 0; i < v.orders.size() && i < 20; ++i) {
        orders.push_back(order_json(v.orders[i]));
      }
      working = v.orders_total;
      json props = json::array();
      for (std::size_t i = 0; i < v.proposals.size() && i < 50; ++i) {
        props.push_back(proposal_json(v, v.proposals[i]));
      }
      d["approvals"] = std::move(props);
      d["approvals_waiting"] = v.proposals.size();
    }
    d["approval_mode"] = to_string(k.settings().approval.mode);
    d["models"] = std::move(models_j);
    d["outside"] = std::move(outside);
    d["outside_total"] = outside_total;
    d["fills"] = std::move(fills);
    d["denials"] = std::move(denials);
    d["orders"] = std::move(orders);
    d["working"] = working;
    out = d.dump(-1, ' ', false, json::error_handler_t::replace);
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
                       "all a command can name; name its accounts one by one");
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
            true, c)) {
      return;
    }
    send(c, res);
  }

  void cancel_all(const http::Request& req, http::Response& res) {
    Command c;
    if (!parse_command(req, res, {{"cancel", ControlAction::kCancelAll}}, false, c)) return;
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
  routes.push_back({"GET", "/api/v1/models", http::Access::kRead,
                    [p](const http::Request& q, http::Response& r) { p->models_view(q, r); },
                    /*page=*/false, /*offload=*/true});
  routes.push_back({"GET", "/api/v1/accounts", http::Access::kRead,
                    [p](const http::Request& q, http::Response& r) { p->accounts_view(q, r); },
                    /*page=*/false, /*offload=*/true});
  routes.push_back({"GET", "/api/v1/accounts/", http::Access::kRead,
                    [p](const http::Request& q, http::Response& r) { p->account_view(q, r); },
                    /*page=*/false, /*offload=*/true});
  routes.push_back({"GET", "/api/v1/orders", http::Access::kRead,
                    [p](const http::Request& q, http::Response& r) { p->orders_view(q, r); },
                    /*page=*/false, /*offload=*/true});
  routes.push_back({"GET", "/api/v1/denials", http::Access::kRead,
                    [p](const http::Request& q, http::Response& r) { p->denials_view(q, r); },
                    /*page=*/false, /*offload=*/true});
  routes.push_back({"GET", "/api/v1/fills", http::Access::kRead,
                    [p](const http::Request& q, http::Response& r) { p->fills_view(q, r); },
                    /*page=*/false, /*offload=*/true});
  routes.push_back({"POST", "/api/v1/kill-switch", http::Access::kControl,
                    [p](const http::Request& q, http::Response& r) { p->kill_switch(q, r); }});
  routes.push_back({"GET", "/api/v1/approvals", http::Access::kRead,
                    [p](const http::Request& q, http::Response& r) { p->approvals_view(q, r); },
                    /*page=*/false, /*offload=*/true});
  routes.push_back({"POST", "/api/v1/approvals", http::Access::kControl,
                    [p](const http::Request& q, http::Response& r) { p->approvals(q, r); }});
  routes.push_back({"POST", "/api/v1/cancel-all", http::Access::kControl,
                    [p](const http::Request& q, http::Response& r) { p->cancel_all(q, r); }});
  routes.push_back({"POST", "/api/v1/triggers", http::Access::kControl,
                    [p](const http::Request& q, http::Response& r) { p->triggers(q, r); }});
  http::Endpoints endpoints;
  endpoints.routes = std::move(routes);
  endpoints.streams.push_back({"/api/v1/stream", http::Access::kRead, std::chrono::seconds(1),
                               [p](std::string& data) { p->stream(data); }, /*offload=*/true});
  // The dashboard: its page at / (a browser without the cookie gets the login form), its script
  // and style sheet beside it; all compiled in (operator/web/).
  for (std::size_t i = 0; i < web::kAssetCount; ++i) {
    const web::Asset& a = web::kAssets[i];
    const bool page = std::string_view(a.name) == "dashboard.html";
    endpoints.assets.push_back({page ? "/" : "/" + std::string(a.name), a.content_type, a.bytes,
                                http::Access::kRead, page});
  }
  auto server = http::HttpServer::start(s.operator_http, std::move(endpoints));
  if (!server) return server.error();
  impl->server = std::move(server.value());
  return std::unique_ptr<OperatorService>(new OperatorService(std::move(impl)));
}

std::string OperatorService::address() const {
  const std::string& b = impl_->k.settings().operator_http.bind;
  const std::string host = b.find(':') != std::string::npos ? "[" + b + "]" : b;
  return std::string(impl_->server->tls() ? "https://" : "http://") + host + ":" +
         std::to_string(port()) + "/";
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
