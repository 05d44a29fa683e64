// The modules' plain config structs: defaults are valid and validate() finds each broken rule,
// without any YAML.
#include <gtest/gtest.h>

#include <algorithm>

#include "ballast/adapters/adapters_config.hpp"
#include "ballast/engine/engine_config.hpp"
#include "ballast/execution/execution_config.hpp"
#include "ballast/risk/compliance_config.hpp"

namespace ballast {
namespace {

bool has(const ConfigViolations& v, std::string_view path, std::string_view fragment) {
  return std::any_of(v.begin(), v.end(), [&](const ConfigViolation& x) {
    return x.path == path && x.message.find(fragment) != std::string::npos;
  });
}

InstrumentTable table(std::initializer_list<const char*> symbols) {
  InstrumentTable t;
  for (const char* s : symbols) {
    Instrument i;
    i.symbol = s;
    EXPECT_TRUE(t.add(i).ok());
  }
  return t;
}

FixSessionConfig session(std::string name) {
  FixSessionConfig s;
  s.name = std::move(name);
  s.host = "127.0.0.1";
  s.port = 9878;
  s.sender_comp_id = "BALLAST";
  s.target_comp_id = "BROKER-" + s.name;
  return s;
}

TEST(ModuleConfigs, DefaultsAreValid) {
  const InstrumentTable none;
  EXPECT_TRUE(CoreLoopConfig{}.validate().empty());
  EXPECT_TRUE(TriggerConfig{}.validate().empty());
  EXPECT_TRUE(MarketDataQualityConfig{}.validate().empty());
  EXPECT_TRUE(OptimizerConfig{}.validate().empty());
  EXPECT_TRUE(JournalConfig{}.validate().empty());
  EXPECT_TRUE(LoggingConfig{}.validate().empty());
  EXPECT_TRUE(ExecutionConfig{}.validate().empty());
  EXPECT_TRUE(ComplianceConfig{}.validate(none).empty());
  EXPECT_TRUE(FixConfig{}.validate(none, {}).empty());
  EXPECT_TRUE(MarketDataConfig{}.validate(none, FixConfig{}).empty());
}

TEST(ConfigCheck, WritesRangeMessagesWithTheirEnds) {
  ConfigViolations v;
  ConfigCheck check(v);
  EXPECT_FALSE(check.real("a", 0.0, 0.0, 1.0, Interval::kLeftOpen));
  EXPECT_FALSE(check.real("b", 1.0, 0.0, 1.0, Interval::kRightOpen));
  EXPECT_FALSE(check.real("c", -1.0, 0.0, std::numeric_limits<double>::infinity()));
  EXPECT_FALSE(check.real("d", std::numeric_limits<double>::quiet_NaN(), 0.0, 1.0));
  EXPECT_TRUE(check.real("e", 0.5, 0.0, 1.0, Interval::kOpen));
  EXPECT_FALSE(check.duration("f", std::chrono::seconds(5), std::chrono::microseconds(1),
                              std::chrono::seconds(1)));
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v[0].message, "must be in (0, 1], got 0");
  EXPECT_EQ(v[1].message, "must be in [0, 1), got 1");
  EXPECT_EQ(v[2].message, "must be >= 0, got -1");
  EXPECT_EQ(v[3].message, "must be in [0, 1], got nan");
  EXPECT_EQ(v[4].message, "must be between 1us and 1s, got 5s");
}

TEST(ConfigPaths, JoinKeysAndIndexes) {
  EXPECT_EQ(join_path("fix", "sessions[0].port"), "fix.sessions[0].port");
  EXPECT_EQ(join_path("restricted", "[2]"), "restricted[2]");
  EXPECT_EQ(join_path("", "models[0]"), "models[0]");
  EXPECT_EQ(join_path("logging", ""), "logging");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(1500)), "1500ms");
  EXPECT_EQ(format_duration(std::chrono::minutes(90)), "90m");
}

TEST(ModelConfig, ReportsTheSumAndUnknownInstruments) {
  const auto t = table({"SPY", "AGG"});
  ModelConfig m;
  m.id = "m";
  m.weights = {{"SPY", 0.6}, {"AGG", 0.3}, {"XYZ", 0.0}};
  const auto v = m.validate(t);
  EXPECT_TRUE(has(v, "weights.XYZ", "unknown instrument 'XYZ'"));
  EXPECT_TRUE(has(v, "weights", "weights sum to 0.9;"));
  m.weights = {{"SPY", 0.6}, {"AGG", 0.4 + 2e-9}};
  EXPECT_TRUE(has(m.validate(t), "weights", "weights sum to 1.000000002"));
  m.weights = {{"SPY", 0.6}, {"AGG", 0.4 + 5e-10}};
  EXPECT_TRUE(m.validate(t).empty());
}

TEST(AccountConfig, ChecksModelCurrencyAndOverrides) {
  const auto t = table({"SPY"});
  ModelConfig m;
  m.id = "m";
  m.weights = {{"SPY", 1.0}};
  AccountConfig a;
  a.id = "bad id";
  a.model = "n";
  a.base_currency = Currency::of("us");
  a.overrides.no_sell = {"SPY", "SPY"};
  a.overrides.bands = {{"SPY", std::nullopt, std::nullopt}, {"SPY", 2.0, std::nullopt}};
  const auto v = a.validate(t, {m});
  EXPECT_TRUE(has(v, "id", "is not a valid id"));
  EXPECT_TRUE(has(v, "model", "unknown model 'n'; defined models: m"));
  EXPECT_TRUE(has(v, "base_currency", "'us' is not a three-letter ISO 4217 code"));
  EXPECT_TRUE(has(v, "overrides.no_sell[1]", "instrument 'SPY' is listed twice"));
  EXPECT_TRUE(has(v, "overrides.bands.SPY", "needs absolute, relative or both"));
  EXPECT_TRUE(has(v, "overrides.bands.SPY.absolute", "must be in (0, 1], got 2"));
}

TEST(TriggerConfig, VolatilityBandsNeedABandToScale) {
  TriggerConfig t;
  t.absolute.enabled = false;
  t.volatility_adaptive.enabled = true;
  t.volatility_adaptive.max_multiplier = 0.25;
  const auto v = t.validate();
  EXPECT_TRUE(has(v, "volatility_adaptive.enabled", "enable one of them"));
  EXPECT_TRUE(has(v, "volatility_adaptive.max_multiplier", "must be >= min_multiplier (0.5)"));
}

TEST(TriggerConfig, CalendarTimeMustFallInTradingHours) {
  TriggerConfig t;
  t.calendar.enabled = true;
  t.calendar.at = TimeOfDay::at(17, 0);
  EXPECT_TRUE(has(t.validate(), "calendar.at", "17:00 is outside trading_hours 09:30-16:00"));
}

TEST(JournalConfig, ReleaseAfterDurableNeedsAnFsync) {
  JournalConfig j;
  j.fsync = FsyncPolicy::kNone;
  EXPECT_TRUE(has(j.validate(), "release_after_durable", "nothing is ever durable"));
  j.release_after_durable = false;
  EXPECT_TRUE(j.validate().empty());
}

TEST(LoggingConfig, NeedsSomewhereToWrite) {
  LoggingConfig l;
  l.console = false;
  EXPECT_TRUE(has(l.validate(), "console", "logging has no destination"));
  l.level = LogLevel::kOff;
  EXPECT_TRUE(l.validate().empty());
}

TEST(ExecutionConfig, PovRatesRespectTheParticipationCap) {
  ExecutionConfig e;
  e.algo = ExecAlgo::kPov;
  e.participation_cap = 0.15;
  EXPECT_TRUE(has(e.validate(), "pov.max_rate", "must not exceed participation_cap (0.15)"));
}

TEST(ExecutionConfig, RetentionIsAtLeastAMinuteAndAtMostADay) {
  ExecutionConfig e;
  EXPECT_TRUE(e.validate().empty());
  e.retention = std::chrono::seconds(30);
  EXPECT_TRUE(has(e.validate(), "retention", "must be"));
  e.retention = std::chrono::hours(25);  // longer than the ExecID ledger's two days cover
  EXPECT_TRUE(has(e.validate(), "retention", "must be"));
  e.retention = std::chrono::minutes(1);
  EXPECT_TRUE(e.validate().empty());
}

TEST(ComplianceConfig, ChecksLimitsAndSymbols) {
  const auto t = table({"SPY"});
  ComplianceConfig c;
  c.restricted = {"QQQ"};
  c.max_order_qty = Qty::zero();
  c.max_weight.asset_classes = {{AssetClass::kCommodity, 0.2}, {AssetClass::kCommodity, 0.3}};
  c.kill_switch.mismatch_tolerance = 1.5;
  const auto v = c.validate(t);
  EXPECT_TRUE(has(v, "restricted[0]", "unknown instrument 'QQQ'"));
  EXPECT_TRUE(has(v, "max_order_qty", "must be > 0, got 0"));
  EXPECT_TRUE(has(v, "max_weight.asset_classes.commodity", "listed twice"));
  EXPECT_TRUE(has(v, "kill_switch.mismatch_tolerance", "must be in [0, 1], got 1.5"));
}

TEST(FixSessionConfig, AnAcceptorNeedsNoHostButTlsNeedsItsCertificate) {
  FixSessionConfig s = session("acc");
  s.role = FixRole::kAcceptor;
  s.host.clear();
  EXPECT_TRUE(s.validate().empty());
  s.tls.enabled = true;
  EXPECT_TRUE(has(s.validate(), "tls", "TLS on an acceptor needs cert_file and key_file"));
}

TEST(FixSessionConfig, SecretsAreRequiredOnlyWhenEnabled) {
  FixConfig fix;
  fix.sessions.push_back(session("a"));
  fix.sessions[0].password_env = "A_PASSWORD";
  fix.resolve_secrets([](const std::string&) { return std::nullopt; });
  EXPECT_TRUE(has(fix.sessions[0].validate(), "password_env", "'A_PASSWORD' is not set"));
  fix.sessions[0].enabled = false;
  EXPECT_TRUE(fix.sessions[0].validate().empty());
  fix.resolve_secrets([](const std::string& n) -> std::optional<std::string> {
    return n == "A_PASSWORD" ? std::optional<std::string>("pw") : std::nullopt;
  });
  EXPECT_EQ(fix.sessions[0].password.reveal(), "pw");
}

TEST(FixConfig, RoutesByTheFirstMatchingRuleThenTheDefault) {
  const auto t = table({"SPY", "GLD"});
  FixConfig fix;
  fix.sessions = {session("main"), session("metals")};
  fix.routing.default_session = "main";
  fix.routing.rules = {{"GLD", "", "metals"}, {"", "ACC-9", "metals"}};
  AccountConfig acc9;
  acc9.id = "ACC-9";
  EXPECT_TRUE(fix.validate(t, {acc9}).empty());
  EXPECT_EQ(fix.route("ACC-1", "GLD")->name, "metals");
  EXPECT_EQ(fix.route("ACC-9", "SPY")->name, "metals");
  EXPECT_EQ(fix.route("ACC-1", "SPY")->name, "main");
  fix.routing.default_session.clear();
  EXPECT_EQ(fix.route("ACC-1", "SPY"), nullptr);
}

TEST(FixConfig, RejectsConflictingAndDanglingRules) {
  const auto t = table({"SPY"});
  FixConfig fix;
  fix.sessions = {session("main")};
  fix.sessions.push_back(session("copy"));
  fix.sessions[1].target_comp_id = fix.sessions[0].target_comp_id;
  fix.routing.default_session = "main";
  fix.routing.rules = {
      {"SPY", "", "main"}, {"SPY", "", "copy"}, {"", "", "main"}, {"", "NOPE", "main"}};
  const auto v = fix.validate(t, {});
  EXPECT_TRUE(has(v, "sessions[1].target_comp_id", "each session needs its own"));
  EXPECT_TRUE(has(v, "routing.rules[1]", "matches the same orders as routing.rules[0]"));
  EXPECT_TRUE(has(v, "routing.rules[2]", "needs instrument, account or both"));
  EXPECT_TRUE(has(v, "routing.rules[3].account", "unknown account 'NOPE'"));
}

TEST(MarketDataConfig, AFixSourceCannotBePaced) {
  FixConfig fix;
  fix.sessions = {session("md")};
  MarketDataConfig md;
  MarketDataSourceConfig s;
  s.name = "live";
  s.kind = MarketDataKind::kFix;
  s.session = "md";
  s.pace = ReplayPace::kFast;
  md.sources = {s};
  EXPECT_TRUE(has(md.validate(InstrumentTable{}, fix), "sources[0].pace", "cannot be paced"));
}

TEST(Secret, HoldsItsValueForTheLogonOnly) {
  const Secret s("pw");
  EXPECT_FALSE(s.empty());
  EXPECT_EQ(s.reveal(), "pw");
  EXPECT_TRUE(Secret{}.empty());
  EXPECT_TRUE(is_env_var_name("BALLAST_FIX_PASSWORD"));
  EXPECT_FALSE(is_env_var_name("1ABC"));
  EXPECT_FALSE(is_env_var_name("A-B"));
}

}  // namespace
}  // namespace ballast
