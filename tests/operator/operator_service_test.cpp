// The operator surface of a live kernel (issue 17): what /metrics and /api/v1/status say is
// what the engine's counters say, and the kill-switch commands change what the engine does
// (the gate's switches), are journaled, and replay.
#include "ballast/operator/operator_service.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "support/http_client.hpp"
#include "support/kernel_test_support.hpp"

namespace ballast {
namespace {

using nlohmann::json;
using test::body_of;
using test::get;
using test::http_once;
using test::post;
using test::status_of;

const std::string kRead = "operator-read-token-0123456789";
const std::string kControl = "operator-control-token-0123456789";

std::string desk(const std::string& journal_dir) {
  return "instruments:\n  - {symbol: AAPL}\n  - {symbol: AMZN}\n  - {symbol: GOOG}\n"
         "models:\n  - {id: m, weights: {AAPL: 0.30, AMZN: 0.30, GOOG: 0.30}, cash_buffer: 0.10}\n"
         "accounts:\n"
         "  - {id: A1, model: m, cash: 1000.00, positions: {AAPL: 1000}}\n"
         "  - {id: B-2, model: m, cash: 5000.00}\n"
         "compliance: {max_adv_share: off}\n"
         "journal: {dir: " +
         journal_dir +
         ", fsync: none, release_after_durable: false}\n"
         "operator:\n"
         "  http: {port: 0, read_token_env: OP_READ, control_token_env: OP_CONTROL}\n";
}

config::EnvLookup tokens() {
  return [](const std::string& n) -> std::optional<std::string> {
    if (n == "OP_READ") return kRead;
    if (n == "OP_CONTROL") return kControl;
    return std::nullopt;
  };
}

template <class Pred>
bool eventually(Pred p) {
  for (int i = 0; i < 5'000 && !p(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return p();
}

/// The samples of a Prometheus text answer, by series ("name" or "name{labels}"); every sample
/// must belong to a family declared by # TYPE before it (a check of the shape; the process test
/// parses with Prometheus's own parser).
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::map<std::string, std::string> types;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream t(line.substr(7));
      std::string name, type;
      t >> name >> type;
      EXPECT_TRUE(type == "counter" || type == "gauge" || type == "histogram") << line;
      EXPECT_EQ(types.count(name), 0u) << "family declared twice: " << line;
      types[name] = type;
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    const auto sp = line.rfind(' ');
    const std::string series = line.substr(0, sp);
    std::string name = series.substr(0, series.find('{'));
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
      const std::string base =
          name.size() > suffix.size() ? name.substr(0, name.size() - suffix.size()) : std::string();
      if (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
          types.count(base) == 1 && types[base] == "histogram") {
        name = base;
      }
    }
    EXPECT_EQ(types.count(name), 1u) << "no # TYPE before " << line;
    if (types[name] == "counter") {
      EXPECT_TRUE(name.size() > 6 && name.substr(name.size() - 6) == "_total") << line;
    }
    out[series] = std::stod(line.substr(sp + 1));
  }
  return out;
}

struct Live {
  std::unique_ptr<kernel::Kernel> k;
  std::unique_ptr<ops::OperatorService> api;
};

TEST(OperatorService, MetricsAndStatusSayWhatTheEngineCountsAndTheKillSwitchWorksAndReplays) {
  const std::string dir = ::testing::TempDir() + "/operator_service_journal";
  std::filesystem::remove_all(dir);
  auto loaded = config::load_string(desk(dir), "operator test", tokens());
  for (const auto& d : loaded.diagnostics) ADD_FAILURE() << config::format(d);
  ASSERT_TRUE(loaded.ok());
  const config::Settings& s = *loaded.settings;
  auto ctx = test::kernel_context(s);
  ASSERT_TRUE(ctx) << ctx.error().message;
  kernel::KernelOptions o = test::small_tables();
  o.market_clock = true;
  o.market = std::move(ctx.value());
  auto k = kernel::Kernel::create(s, std::move(o));
  ASSERT_TRUE(k) << k.error().message;
  kernel::Kernel& eng = *k.value();
  ASSERT_TRUE(eng.start());
  auto api = ops::OperatorService::start(eng);
  ASSERT_TRUE(api) << api.error().message;
  const std::uint16_t port = api.value()->port();
  EXPECT_EQ(api.value()->address(), "http://127.0.0.1:" + std::to_string(port) + "/");

  // A quote in: the counters move, and /metrics says so.
  auto feed = eng.make_feed();
  feed->push(
      test::quote_of(InstrumentId{0}, us_eastern_to_utc(test::kKernelSession, 10 * 60), 10000));
  ASSERT_TRUE(eventually([&] { return eng.live().quotes.value() == 1; }));
  std::string r = http_once(port, get("/metrics", kRead));
  ASSERT_EQ(status_of(r), 200) << r;
  EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << r;
  auto m = samples(body_of(r));
  EXPECT_EQ(m["ballast_engine_quotes_total"], 1.0);
  EXPECT_EQ(m["ballast_engine_kill_global"], 0.0);
  EXPECT_EQ(m["ballast_engine_working"], 0.0);
  EXPECT_EQ(m["ballast_build_info{version=\"0.1.0\"}"], 1.0);
  EXPECT_GT(m["ballast_journal_records_total"], 0.0);
  EXPECT_EQ(m.count("ballast_http_requests_total"), 1u);
  // The latency histograms: every family there, cumulative buckets ending in +Inf = _count.
  for (const NamedHistogram& h : eng.histograms()) {
    std::string n = "ballast_" + std::string(h.name) + "_seconds";
    for (char& ch : n) ch = ch == '.' ? '_' : ch;
    double last = 0;
    for (std::size_t i = 0; i < h.histogram->edges(); ++i) {
      const double le = static_cast<double>(h.histogram->edge(i)) / 1e9;
      const auto it = std::find_if(m.begin(), m.end(), [&](const auto& kv) {
        return kv.first.rfind(n + "_bucket{le=\"", 0) == 0 &&
               kv.first.find("+Inf") == std::string::npos &&
               std::abs(std::stod(kv.first.substr(n.size() + 12)) - le) <= 1e-12 * le;
      });
      ASSERT_NE(it, m.end()) << n << " le=" << le;
      EXPECT_GE(it->second, last) << n;
      last = it->second;
    }
    EXPECT_EQ(m[n + "_bucket{le=\"+Inf\"}"], m[n + "_count"]) << n;
    EXPECT_GE(m[n + "_count"], last) << n;
  }
  // Every engine counter is there, by name.
  for (const CounterReading& c : eng.counters()) {
    const std::string base = "ballast_" + c.name;
    bool found = false;
    for (const auto& [series, v] : m) {
      std::string n = series;
      for (char& ch : n) ch = ch == '.' ? '_' : ch;
      std::string want = base;
      for (char& ch : want) ch = ch == '.' ? '_' : ch;
      found = found || n == want || n == want + "_total";
    }
    EXPECT_TRUE(found) << c.name;
  }

  r = http_once(port, get("/api/v1/status", kRead));
  ASSERT_EQ(status_of(r), 200) << r;
  json st = json::parse(body_of(r));
  EXPECT_EQ(st["counters"]["engine.quotes"], 1);
  EXPECT_EQ(st["kill_switch"]["global"], false);
  EXPECT_EQ(st["kill_switch"]["trips"], 0);

  // Desk views: none built while nobody reads one; a read makes the core build them, and
  // ballast_engine_desk_views_total counts every build (the view read is one of them).
  EXPECT_EQ(m["ballast_engine_desk_views_total"], 0.0);
  EXPECT_EQ(eng.live().desk_views.value(), 0u);
  r = http_once(port, get("/api/v1/models", kRead));
  ASSERT_EQ(status_of(r), 200) << r;
  const auto view = json::parse(body_of(r))["view"].get<std::uint64_t>();
  EXPECT_GE(view, 1u);
  EXPECT_GE(eng.live().desk_views.value(), view);
  r = http_once(port, get("/metrics", kRead));
  ASSERT_EQ(status_of(r), 200) << r;
  EXPECT_GE(samples(body_of(r))["ballast_engine_desk_views_total"], static_cast<double>(view));
  // On demand: the core builds no view nobody asked for (it used to go on building one every
  // 250 ms for 5 s after a read), and the next read after a pause gets a view built after it.
  const std::uint64_t built = eng.live().desk_views.value();
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(eng.live().desk_views.value(), built);
  r = http_once(port, get("/api/v1/models", kRead));
  ASSERT_EQ(status_of(r), 200) << r;
  EXPECT_GT(json::parse(body_of(r))["view"].get<std::uint64_t>(), view);
  EXPECT_EQ(eng.live().desk_views.value(), built + 1);

  // Control: refused without the control token, with bad bodies and unknown accounts.
  const std::string ks = "/api/v1/kill-switch";
  EXPECT_EQ(status_of(http_once(port, post(ks, kRead, "{\"action\":\"engage\"}"))), 403);
  for (const char* bad :
       {"", "{", "[]", "{\"action\":1}", "{\"action\":\"stop\"}",
        "{\"action\":\"engage\",\"account\":7}", "{\"action\":\"engage\",\"why\":\"x\"}", "null"}) {
    r = http_once(port, post(ks, kControl, std::string(bad)));
    EXPECT_EQ(status_of(r), 400) << bad << " -> " << r;
    EXPECT_TRUE(json::parse(body_of(r), nullptr, false).contains("error")) << r;
  }
  r = http_once(port, post(ks, kControl, "{\"action\":\"engage\",\"account\":\"ZZ\"}"));
  EXPECT_EQ(status_of(r), 404) << r;
  r = http_once(port, post(ks, kControl,
                           "{\"action\":\"engage\",\"pad\":\"" + std::string(2000, 'x') + "\"}"));
  EXPECT_EQ(status_of(r), 413) << r;
  EXPECT_EQ(eng.live().kills.load(), 0u);

  // Engage on one account, then globally, then release the global switch.
  r = http_once(port, post(ks, kControl, "{\"action\":\"engage\",\"account\":\"B-2\"}"));
  EXPECT_EQ(status_of(r), 202) << r;
  EXPECT_EQ(json::parse(body_of(r))["account"], "B-2");
  ASSERT_TRUE(eventually([&] { return eng.live().accounts_killed.value() == 1; }));
  r = http_once(port, post(ks, kControl, "{\"action\":\"engage\"}"));
  EXPECT_EQ(status_of(r), 202) << r;
  ASSERT_TRUE(eventually([&] { return eng.live().kill_global.load() == 1; }));
  m = samples(body_of(http_once(port, get("/metrics", kRead))));
  EXPECT_EQ(m["ballast_engine_kill_global"], 1.0);
  EXPECT_EQ(m["ballast_engine_accounts_killed"], 1.0);
  EXPECT_EQ(m["ballast_engine_kills_total"], 2.0);
  st = json::parse(body_of(http_once(port, get("/api/v1/status", kRead))));
  EXPECT_EQ(st["kill_switch"]["global"], true);
  EXPECT_EQ(st["kill_switch"]["last"]["scope"], "global");
  EXPECT_EQ(st["kill_switch"]["last"]["reason"], "operator");
  r = http_once(port, post(ks, kControl, "{\"action\":\"release\"}"));
  EXPECT_EQ(status_of(r), 202) << r;
  ASSERT_TRUE(eventually([&] { return eng.live().kill_global.load() == 0; }));
  EXPECT_EQ(eng.live().accounts_killed.value(), 1u);  // the account's own switch stays on

  // Triggers: paused and resumed by model, account or globally; the gauges say so.
  const std::string tr = "/api/v1/triggers";
  EXPECT_EQ(status_of(http_once(port, post(tr, kRead, "{\"action\":\"pause\"}"))), 403);
  r = http_once(port, post(tr, kControl, "{\"action\":\"pause\",\"model\":\"m\"}"));
  EXPECT_EQ(status_of(r), 202) << r;
  EXPECT_EQ(json::parse(body_of(r))["scope"], "model");
  ASSERT_TRUE(eventually([&] { return eng.live().accounts_paused.value() == 2; }));
  EXPECT_EQ(status_of(http_once(port, post(tr, kControl,
                                           "{\"action\":\"pause\",\"model\":\"m\","
                                           "\"account\":\"A1\"}"))),
            400);
  EXPECT_EQ(
      status_of(http_once(port, post(tr, kControl, "{\"action\":\"pause\",\"model\":\"zz\"}"))),
      404);
  EXPECT_EQ(status_of(http_once(port, post(tr, kControl, "{\"action\":\"engage\"}"))), 400);
  // A model's kill switch engages its accounts' own; its release lifts only those it engaged
  // (the account stopped on its own before stays stopped).
  const std::size_t killed_before = eng.live().accounts_killed.value();
  EXPECT_EQ(
      status_of(http_once(port, post(ks, kControl, "{\"action\":\"engage\",\"model\":\"m\"}"))),
      202);
  ASSERT_TRUE(eventually([&] { return eng.live().accounts_killed.value() == 2; }));
  EXPECT_EQ(
      status_of(http_once(port, post(ks, kControl, "{\"action\":\"release\",\"model\":\"m\"}"))),
      202);
  ASSERT_TRUE(eventually([&] { return eng.live().accounts_killed.value() == killed_before; }));
  r = http_once(port, post(tr, kControl, "{\"action\":\"pause\"}"));
  EXPECT_EQ(status_of(r), 202) << r;
  ASSERT_TRUE(eventually([&] { return eng.live().triggers_paused_global.load() == 1; }));
  st = json::parse(body_of(http_once(port, get("/api/v1/status", kRead))));
  EXPECT_EQ(st["triggers"]["paused_global"], true);
  EXPECT_EQ(st["triggers"]["accounts_paused"], 2);
  m = samples(body_of(http_once(port, get("/metrics", kRead))));
  EXPECT_EQ(m["ballast_engine_triggers_paused_global"], 1.0);
  EXPECT_EQ(status_of(http_once(port, post(tr, kControl, "{\"action\":\"resume\"}"))), 202);
  EXPECT_EQ(
      status_of(http_once(port, post(tr, kControl, "{\"action\":\"resume\",\"model\":\"m\"}"))),
      202);
  EXPECT_EQ(
      status_of(http_once(port, post(tr, kControl, "{\"action\":\"pause\",\"account\":\"A1\"}"))),
      202);
  ASSERT_TRUE(eventually([&] {
    return eng.live().triggers_paused_global.load() == 0 && eng.live().accounts_paused.value() == 1;
  }));

  api.value()->stop();
  eng.stop();
  EXPECT_TRUE(eng.monitor().paused(eng.accounts()[0]));
  EXPECT_FALSE(eng.monitor().paused(eng.accounts()[1]));
  EXPECT_TRUE(eng.gate().kill_active(eng.accounts()[1]));
  EXPECT_FALSE(eng.gate().kill_active(eng.accounts()[0]));

  // The commands were journaled: a replay ends with the same switches.
  auto again = test::offline_kernel(s);
  ASSERT_TRUE(again) << again.error().message;
  auto rep = again.value()->replay_journal(dir, true);
  ASSERT_TRUE(rep) << rep.error().message;
  EXPECT_TRUE(rep.value().divergence.empty()) << rep.value().divergence;
  EXPECT_FALSE(again.value()->gate().kill_global());
  EXPECT_TRUE(again.value()->gate().kill_active(again.value()->accounts()[1]));
  EXPECT_FALSE(again.value()->gate().kill_active(again.value()->accounts()[0]));
  EXPECT_EQ(again.value()->gate().accounts_killed(), 1u);
  EXPECT_TRUE(again.value()->monitor().paused(again.value()->accounts()[0]));
  EXPECT_FALSE(again.value()->monitor().paused(again.value()->accounts()[1]));
}

}  // namespace
}  // namespace ballast

namespace ballast {
namespace {

std::string with_operator(const std::string& section) {
  return "instruments:\n  - {symbol: AAPL}\n"
         "models:\n  - {id: m, weights: {AAPL: 0.9}, cash_buffer: 0.1}\n"
         "accounts:\n  - {id: A1, model: m, cash: 1000.00}\n"
         "operator:\n" +
         section;
}

std::string diagnostics(const config::LoadResult& r) {
  std::string s;
  for (const auto& d : r.diagnostics) s += config::format(d) + "\n";
  return s;
}

TEST(OperatorConfig, EveryKeyIsReadAndCheckConfigRefusesWhatRunCannotDo) {
  auto r = config::load_string(with_operator("  http:\n"
                                             "    bind: ::1\n"
                                             "    port: 9123\n"
                                             "    read_token_env: OP_READ\n"
                                             "    control_token_env: OP_CONTROL\n"
                                             "    max_connections: 7\n"
                                             "    request_timeout: 750ms\n"
                                             "    idle_timeout: 20s\n"),
                               "op.yaml", tokens());
  ASSERT_TRUE(r.ok()) << diagnostics(r);
  const http::HttpConfig& h = r.settings->operator_http;
  EXPECT_TRUE(h.enabled);
  EXPECT_EQ(h.bind, "::1");
  EXPECT_EQ(h.port, 9123u);
  EXPECT_EQ(h.read_token.reveal(), kRead);
  EXPECT_EQ(h.control_token.reveal(), kControl);
  EXPECT_EQ(h.max_connections, 7u);
  EXPECT_EQ(h.request_timeout, std::chrono::milliseconds(750));
  EXPECT_EQ(h.idle_timeout, std::chrono::seconds(20));
  // The summary names the variables, never the tokens.
  const std::string sum = config::summary(*r.settings);
  EXPECT_NE(sum.find("operator: http://[::1]:9123, read token from $OP_READ"), std::string::npos)
      << sum;
  EXPECT_EQ(sum.find(kRead), std::string::npos);

  // enabled: false turns it off and needs nothing else.
  r = config::load_string(with_operator("  http: {enabled: false}\n"), "op.yaml", tokens());
  ASSERT_TRUE(r.ok()) << diagnostics(r);
  EXPECT_FALSE(r.settings->operator_http.enabled);

  // Each with file:line: TLS without its key, a token written in the file, a public address
  // (without TLS), a variable not set, an unknown key.
  const std::pair<std::string, std::string> bad[] = {
      {"  http: {read_token_env: OP_READ, tls: {cert_file: c.pem}}\n",
       "op.yaml:8:35: operator.http.tls.key_file: required with TLS on"},
      {"  http: {read_token_env: OP_READ, token: abc}\n",
       "op.yaml:8:35: operator.http: 'token': secrets must not be written in the file; put the "
       "name of an environment variable in read_token_env or control_token_env"},
      {"  http: {read_token_env: OP_READ, bind: 0.0.0.0}\n",
       "operator.http.bind: '0.0.0.0' is not a loopback address"},
      {"  http: {read_token_env: NOT_SET_ANYWHERE}\n",
       "operator.http.read_token_env: environment variable 'NOT_SET_ANYWHERE' is not set or empty"},
      {"  http: {port: 1}\n", "operator.http.read_token_env: required"},
      {"  http: {read_token_env: OP_READ, max_conections: 3}\n", "did you mean 'max_connections'"},
      {"  grpc: {}\n", "op.yaml:8:3: operator: unknown key 'grpc'"},
  };
  for (const auto& [yaml, says] : bad) {
    r = config::load_string(with_operator(yaml), "op.yaml", tokens());
    EXPECT_FALSE(r.ok()) << yaml;
    EXPECT_NE(diagnostics(r).find(says), std::string::npos) << yaml << " -> " << diagnostics(r);
  }
}

}  // namespace
}  // namespace ballast
