// Loading configuration text: types, defaults, inheritance, secrets, positions and robustness.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "ballast/config/config.hpp"

namespace ballast::config {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

LoadResult load(const std::string& text, std::map<std::string, std::string> vars = {}) {
  return load_string(text, "test.yaml", env_of(std::move(vars)));
}

std::string all_messages(const LoadResult& r) {
  std::string s;
  for (const auto& d : r.diagnostics) s += format(d) + "\n";
  return s;
}

/// The first diagnostic containing `fragment`, or nullptr.
const Diagnostic* find(const LoadResult& r, std::string_view fragment) {
  for (const auto& d : r.diagnostics) {
    if (d.message.find(fragment) != std::string::npos) return &d;
  }
  return nullptr;
}

const std::string kOneInstrument = "instruments:\n  - symbol: SPY\n";

const std::string kSession =
    "instruments:\n"
    "  - symbol: SPY\n"
    "fix:\n"
    "  sessions:\n"
    "    - name: broker\n"
    "      host: 127.0.0.1\n"
    "      port: 9878\n"
    "      sender_comp_id: BALLAST\n"
    "      target_comp_id: BROKER\n"
    "      username_env: BROKER_USER\n"
    "      password_env: BROKER_PASSWORD\n";

TEST(Format, LeavesOutUnknownLineAndColumn) {
  EXPECT_EQ(format({"a.yaml", 3, 7, "bad"}), "a.yaml:3:7: bad");
  EXPECT_EQ(format({"a.yaml", 3, 0, "bad"}), "a.yaml:3: bad");
  EXPECT_EQ(format({"a.yaml", 0, 0, "bad"}), "a.yaml: bad");
}

TEST(Load, FillsDefaultsForEverySectionLeftOut) {
  const LoadResult r = load(kOneInstrument);
  ASSERT_TRUE(r.ok()) << all_messages(r);
  const Settings& s = *r.settings;
  EXPECT_EQ(s.instruments.size(), 1u);
  const Instrument& spy = s.instruments[s.instruments.find("SPY")];
  EXPECT_EQ(spy.tick_size, Price::parse("0.01").value());
  EXPECT_EQ(spy.lot_size, Qty::from_units(1));
  EXPECT_EQ(spy.currency, Currency::of("USD"));
  EXPECT_EQ(s.engine.idle_strategy, IdleKind::kBackOff);
  EXPECT_EQ(s.engine.idle_params().max_park, std::chrono::microseconds(500));
  EXPECT_TRUE(s.triggers.absolute.enabled);
  EXPECT_EQ(s.execution.algo, ExecAlgo::kTwap);
  EXPECT_FALSE(s.compliance.max_order_notional.has_value());
  EXPECT_TRUE(s.fix.sessions.empty());
  EXPECT_EQ(s.journal.fsync, FsyncPolicy::kGroup);
  EXPECT_EQ(s.logging.level, LogLevel::kInfo);
}

TEST(Load, ReadsMoneyAndQuantitiesFromTheTextNotThroughDouble) {
  // 0.1 + 0.2 style values that a double would not hold exactly.
  const LoadResult r = load(
      "instruments:\n  - {symbol: SPY, tick_size: 0.000000001, lot_size: 0.000001}\n"
      "models:\n  - {id: m, weights: {SPY: 1}}\n"
      "accounts:\n  - {id: A, model: m, cash: 1234567.890123, positions: {SPY: 0.3}}\n");
  ASSERT_TRUE(r.ok()) << all_messages(r);
  const Settings& s = *r.settings;
  EXPECT_EQ(s.instruments[InstrumentId{0}].tick_size.raw, 1);
  EXPECT_EQ(s.instruments[InstrumentId{0}].lot_size.raw, 1);
  EXPECT_EQ(s.accounts[0].cash.raw, 1'234'567'890'123);
  EXPECT_EQ(s.accounts[0].positions[0].qty.raw, 300'000);
}

TEST(Load, SuggestsTheNearestAssetClass) {
  const LoadResult r = load("instruments:\n  - {symbol: SPY, asset_class: fixed-income}\n");
  ASSERT_NE(find(r,
                 "unknown asset class 'fixed-income'; expected one of equity, "
                 "fixed_income, commodity, real_estate, cash, other; did you mean 'fixed_income'?"),
            nullptr)
      << all_messages(r);
}

TEST(Load, ReportsMoneyWithTooManyDecimalsAtTheValue) {
  const LoadResult r = load(
      "instruments:\n  - symbol: SPY\n"
      "compliance:\n  max_order_notional: 100.0000001\n");
  const Diagnostic* d = find(r, "compliance.max_order_notional: invalid money '100.0000001'");
  ASSERT_NE(d, nullptr) << all_messages(r);
  EXPECT_EQ(d->line, 4);
  EXPECT_EQ(d->column, 23);
}

TEST(Load, SuggestsTheNearestKeyInNestedSections) {
  const LoadResult r = load(kOneInstrument + "execution:\n  pov:\n    target_rat: 0.1\n");
  const Diagnostic* d =
      find(r, "execution.pov: unknown key 'target_rat'; did you mean 'target_rate'?");
  ASSERT_NE(d, nullptr) << all_messages(r);
  EXPECT_EQ(d->line, 5);
  EXPECT_EQ(d->column, 5);
}

TEST(Load, ListsTheKnownKeysWhenNothingIsClose) {
  const LoadResult r = load(kOneInstrument + "logging:\n  colour: true\n");
  ASSERT_NE(find(r, "logging: unknown key 'colour'; known keys: level, file, console"), nullptr)
      << all_messages(r);
}

TEST(Load, RejectsAnUnknownKeyInEverySection) {
  const char* sections[] = {
      "engine:\n  bogus_key: 1\n",
      "engine:\n  back_off:\n    bogus_key: 1\n",
      "engine:\n  queue_capacity:\n    bogus_key: 1\n",
      "triggers:\n  bogus_key: 1\n",
      "triggers:\n  absolute:\n    bogus_key: 1\n",
      "triggers:\n  calendar:\n    bogus_key: 1\n",
      "triggers:\n  volatility_adaptive:\n    bogus_key: 1\n",
      "triggers:\n  cash_flow:\n    bogus_key: 1\n",
      "triggers:\n  tracking_error:\n    bogus_key: 1\n",
      "triggers:\n  trading_hours:\n    bogus_key: 1\n",
      "triggers:\n  cost_benefit:\n    bogus_key: 1\n",
      "models:\n  - {id: m, weights: {SPY: 1}, bogus_key: 1}\n",
      "models:\n  - {id: m, weights: {SPY: 1}, triggers: {bogus_key: 1}}\n",
      "models:\n  - {id: m, weights: {SPY: 1}}\naccounts:\n  - {id: a, model: m, bogus_key: 1}\n",
      "models:\n  - {id: m, weights: {SPY: 1}}\naccounts:\n  - {id: a, model: m, overrides: "
      "{bogus_key: 1}}\n",
      "models:\n  - {id: m, weights: {SPY: 1}}\naccounts:\n  - {id: a, model: m, overrides: "
      "{bands: {SPY: {bogus_key: 1}}}}\n",
      "market_data_quality:\n  bogus_key: 1\n",
      "optimizer:\n  bogus_key: 1\n",
      "optimizer:\n  risk_model:\n    bogus_key: 1\n",
      "execution:\n  bogus_key: 1\n",
      "execution:\n  jitter:\n    bogus_key: 1\n",
      "execution:\n  limit:\n    bogus_key: 1\n",
      "compliance:\n  bogus_key: 1\n",
      "compliance:\n  max_weight:\n    bogus_key: 1\n",
      "compliance:\n  kill_switch:\n    bogus_key: 1\n",
      "fix:\n  bogus_key: 1\n",
      "fix:\n  sessions:\n    - {name: s, host: h, port: 1, sender_comp_id: A, target_comp_id: B, "
      "bogus_key: 1}\n",
      "fix:\n  sessions:\n    - {name: s, host: h, port: 1, sender_comp_id: A, target_comp_id: B, "
      "tls: {bogus_key: 1}}\n",
      "fix:\n  sessions:\n    - {name: s, host: h, port: 1, sender_comp_id: A, target_comp_id: B, "
      "reconnect: {bogus_key: 1}}\n",
      "fix:\n  routing:\n    bogus_key: 1\n",
      "fix:\n  routing:\n    rules:\n      - {session: s, bogus_key: 1}\n",
      "market_data:\n  bogus_key: 1\n",
      "market_data:\n  sources:\n    - {name: s, kind: taq, path: x, bogus_key: 1}\n",
      "journal:\n  bogus_key: 1\n",
      "logging:\n  bogus_key: 1\n",
  };
  for (const char* section : sections) {
    const LoadResult r = load(kOneInstrument + section);
    EXPECT_NE(find(r, "unknown key 'bogus_key'"), nullptr) << section << "\n" << all_messages(r);
  }
}

TEST(Load, ReportsAWrongTypeForAWholeSection) {
  const LoadResult r = load(kOneInstrument + "execution: fast\n");
  const Diagnostic* d =
      find(r, "execution: expected a mapping of keys (key: value lines), got a value");
  ASSERT_NE(d, nullptr) << all_messages(r);
  EXPECT_EQ(d->line, 3);
  EXPECT_EQ(r.diagnostics.size(), 1u) << all_messages(r);
}

TEST(Load, DoesNotRepeatAReadErrorAsAValidationError) {
  // The port cannot be read; "missing required key 'port'" would only repeat that.
  const LoadResult r = load(
      "instruments:\n  - symbol: SPY\n"
      "fix:\n  sessions:\n    - {name: s, host: h, port: many, sender_comp_id: A, target_comp_id: "
      "B}\n");
  ASSERT_EQ(r.diagnostics.size(), 1u) << all_messages(r);
  EXPECT_NE(r.diagnostics[0].message.find("fix.sessions[0].port: expected a whole number"),
            std::string::npos);
}

TEST(Load, DoesNotSumWeightsWhenOneCannotBeRead) {
  const LoadResult r = load(kOneInstrument + "  - symbol: AGG\n" +
                            "models:\n  - {id: m, weights: {SPY: 0.6, AGG: lots}}\n");
  ASSERT_EQ(r.diagnostics.size(), 1u) << all_messages(r);
  EXPECT_NE(r.diagnostics[0].message.find("models[0].weights.AGG: expected a number"),
            std::string::npos);
}

TEST(Load, SaysTheActualSumIncludingTheCashBuffer) {
  const LoadResult r =
      load(kOneInstrument + "models:\n  - {id: m, weights: {SPY: 0.9}, cash_buffer: 0.05}\n");
  ASSERT_NE(find(r, "weights sum to 0.9 + cash_buffer 0.05 = 0.95; they must sum to 1"), nullptr)
      << all_messages(r);
}

TEST(Load, AcceptsWeightsThatSumToOneWithinTheTolerance) {
  const LoadResult r = load(
      "instruments:\n  - symbol: A\n  - symbol: B\n  - symbol: C\n"
      "models:\n  - {id: m, weights: {A: 0.1, B: 0.2, C: 0.7}}\n");
  EXPECT_TRUE(r.ok()) << all_messages(r);
}

TEST(Load, RejectsAWeightOutsideZeroToOne) {
  const LoadResult r = load(kOneInstrument + "  - symbol: AGG\n" +
                            "models:\n  - {id: m, weights: {SPY: 1.2, AGG: -0.2}}\n");
  EXPECT_NE(find(r, "models[0].weights.SPY: must be in [0, 1], got 1.2"), nullptr)
      << all_messages(r);
  EXPECT_NE(find(r, "models[0].weights.AGG: must be in [0, 1], got -0.2"), nullptr);
  EXPECT_EQ(find(r, "sum"), nullptr) << all_messages(r);
}

TEST(Load, ReportsDuplicateModelIdsAndUnknownPositionSymbols) {
  const LoadResult r =
      load(kOneInstrument +
           "models:\n  - {id: m, weights: {SPY: 1}}\n  - {id: m, weights: {SPY: 1}}\n"
           "accounts:\n  - id: A\n    model: m\n    positions: {SPY: 1, QQQ: 2}\n");
  const Diagnostic* dup =
      find(r, "models[1].id: duplicate model id 'm' (first defined as models[0])");
  ASSERT_NE(dup, nullptr) << all_messages(r);
  EXPECT_EQ(dup->line, 5);
  const Diagnostic* pos = find(r, "accounts[0].positions.QQQ: unknown instrument 'QQQ'");
  ASSERT_NE(pos, nullptr) << all_messages(r);
  EXPECT_EQ(pos->line, 9);
  EXPECT_EQ(pos->column, 25);
}

TEST(Load, TriggerBlocksTurnOnWhenWrittenUnlessTheySayOtherwise) {
  const LoadResult r = load(kOneInstrument +
                            "triggers:\n"
                            "  relative: {band: 0.3}\n"
                            "  tracking_error: {enabled: false, threshold: 0.02}\n"
                            "  calendar: {frequency: weekly, weekday: monday, at: \"10:00\"}\n");
  ASSERT_TRUE(r.ok()) << all_messages(r);
  const TriggerConfig& t = r.settings->triggers;
  EXPECT_TRUE(t.relative.enabled);
  EXPECT_DOUBLE_EQ(t.relative.band, 0.3);
  EXPECT_FALSE(t.tracking_error.enabled);
  EXPECT_DOUBLE_EQ(t.tracking_error.threshold, 0.02);
  EXPECT_TRUE(t.calendar.enabled);
  EXPECT_EQ(t.calendar.weekday, Weekday::kMonday);
  EXPECT_EQ(t.calendar.at, TimeOfDay::at(10, 0));
}

TEST(Load, ReportsAnInheritedTriggerProblemOnceWhereItIsWritten) {
  const LoadResult r = load(kOneInstrument +
                            "triggers:\n  cool_down: 40d\n"
                            "  rearm_fraction: 2\n"
                            "models:\n  - id: m\n    weights: {SPY: 1}\n"
                            "    triggers: {absolute: {band: 0.1}}\n"
                            "accounts:\n  - {id: A, model: m, overrides: {triggers: {cost_benefit: "
                            "{multiplier: 2}}}}\n");
  // 40d is not a duration; rearm_fraction 2 is out of range: each once, at triggers.
  std::size_t rearm = 0;
  for (const auto& d : r.diagnostics) {
    if (d.message.find("rearm_fraction") != std::string::npos) {
      ++rearm;
      EXPECT_EQ(d.message, "triggers.rearm_fraction: must be in (0, 1], got 2");
      EXPECT_EQ(d.line, 5);
    }
  }
  EXPECT_EQ(rearm, 1u) << all_messages(r);
  EXPECT_NE(find(r, "triggers.cool_down: expected a duration"), nullptr) << all_messages(r);
}

TEST(Load, ReportsARepeatedProblemAgainWhereAnOverrideWritesItToo) {
  const LoadResult r = load(kOneInstrument +
                            "models:\n  - id: m\n    weights: {SPY: 1}\n"
                            "    triggers: {absolute: {band: 0}}\n"
                            "accounts:\n  - id: A\n    model: m\n"
                            "    overrides: {triggers: {absolute: {band: 0}}}\n"
                            "  - id: B\n    model: m\n"
                            "    overrides: {triggers: {cool_down: 1h}}\n");
  ASSERT_EQ(r.diagnostics.size(), 2u) << all_messages(r);
  EXPECT_EQ(r.diagnostics[0].message, "models[0].triggers.absolute.band: must be in (0, 1], got 0");
  EXPECT_EQ(r.diagnostics[0].line, 6);
  EXPECT_EQ(r.diagnostics[1].message,
            "accounts[0].overrides.triggers.absolute.band: must be in (0, 1], got 0");
  EXPECT_EQ(r.diagnostics[1].line, 10);
}

TEST(Load, ReportsAProblemAnOverrideCreatesAtTheOverride) {
  const LoadResult r =
      load(kOneInstrument +
           "models:\n  - id: m\n    weights: {SPY: 1}\n"
           "    triggers:\n      trading_hours: {start: \"16:00\", end: \"09:30\"}\n");
  const Diagnostic* d = find(r, "models[0].triggers.trading_hours.end: must be later than start");
  ASSERT_NE(d, nullptr) << all_messages(r);
  EXPECT_EQ(d->line, 7);
}

TEST(Load, ChecksFixSessionRules) {
  const LoadResult r = load(
      "instruments:\n  - symbol: SPY\n"
      "fix:\n  sessions:\n"
      "    - name: a\n      port: 1\n      sender_comp_id: ME\n      target_comp_id: ME\n"
      "      tls: {cert_file: c.pem}\n"
      "    - name: a\n      host: h\n      port: 2\n      sender_comp_id: X Y\n"
      "      target_comp_id: T\n      heartbeat_s: 0\n"
      "      reconnect: {min_backoff: 10s, max_backoff: 1s}\n");
  EXPECT_NE(find(r, "fix.sessions[0].host: missing required key 'host'"), nullptr)
      << all_messages(r);
  EXPECT_NE(find(r, "fix.sessions[0].target_comp_id: must differ from sender_comp_id"), nullptr);
  EXPECT_NE(find(r, "fix.sessions[0].tls.ca_file: TLS on an initiator needs ca_file"), nullptr);
  EXPECT_NE(find(r, "fix.sessions[0].tls.key_file: cert_file and key_file go together"), nullptr);
  EXPECT_NE(find(r, "fix.sessions[1].name: duplicate session name 'a'"), nullptr);
  EXPECT_NE(find(r, "fix.sessions[1].sender_comp_id: 'X Y' is not a valid CompID"), nullptr);
  EXPECT_NE(find(r, "fix.sessions[1].heartbeat_s: must be in 1..3600, got 0"), nullptr);
  EXPECT_NE(find(r, "fix.sessions[1].reconnect.max_backoff: must be >= min_backoff (10s)"),
            nullptr);
  EXPECT_NE(find(r, "fix.routing.default_session: missing required key 'default_session'"),
            nullptr);
}

TEST(Load, MassCancelIsForFix44InitiatorsWithATimeoutInRange) {
  const LoadResult r = load(
      "instruments:\n  - symbol: SPY\n"
      "fix:\n  routing: {default_session: a}\n  sessions:\n"
      "    - {name: a, host: h, port: 1, sender_comp_id: ME, target_comp_id: B, "
      "fix_version: FIX.4.2, mass_cancel: true}\n"
      "    - {name: b, host: h, port: 2, sender_comp_id: ME, target_comp_id: C, role: acceptor, "
      "mass_cancel: true}\n"
      "    - {name: c, host: h, port: 3, sender_comp_id: ME, target_comp_id: D, "
      "mass_cancel_timeout: 5ms}\n");
  EXPECT_NE(find(r,
                 "fix.sessions[0].mass_cancel: OrderMassCancelRequest (35=q) does not exist "
                 "in FIX 4.2"),
            nullptr)
      << all_messages(r);
  EXPECT_NE(find(r, "fix.sessions[1].mass_cancel: applies to initiator sessions only"), nullptr)
      << all_messages(r);
  EXPECT_NE(find(r, "fix.sessions[2].mass_cancel_timeout: must be between 10ms and 1m, got 5ms"),
            nullptr)
      << all_messages(r);
  const LoadResult ok = load(
      "instruments:\n  - symbol: SPY\n"
      "fix:\n  sessions:\n"
      "    - {name: a, host: h, port: 1, sender_comp_id: ME, target_comp_id: B, "
      "mass_cancel: true, mass_cancel_timeout: 750ms}\n");
  ASSERT_TRUE(ok.settings.has_value()) << all_messages(ok);
  EXPECT_TRUE(ok.settings->fix.sessions[0].mass_cancel);
  EXPECT_EQ(ok.settings->fix.sessions[0].mass_cancel_timeout, std::chrono::milliseconds(750));
  const LoadResult dflt = load(kSession, {{"BROKER_USER", "u"}, {"BROKER_PASSWORD", "p"}});
  ASSERT_TRUE(dflt.settings.has_value()) << all_messages(dflt);
  EXPECT_FALSE(dflt.settings->fix.sessions[0].mass_cancel) << "off unless the broker takes 35=q";
  EXPECT_EQ(dflt.settings->fix.sessions[0].mass_cancel_timeout, std::chrono::seconds(2));
}

TEST(Load, ChecksMarketDataSources) {
  const LoadResult r =
      load(kSession +
               "market_data:\n  sources:\n"
               "    - {name: a, kind: taq}\n"
               "    - {name: b, kind: fix, session: nowhere, path: x.csv}\n"
               "    - {name: c, kind: minute_bars, path: x.csv, paths: [y.csv]}\n"
               "    - {name: d, kind: daily_closes, path: p.csv, symbols: {SPY.US: QQQ}}\n"
               "    - {name: e, kind: lobstr, path: p.csv}\n",
           {{"BROKER_USER", "u"}, {"BROKER_PASSWORD", "p"}});
  EXPECT_NE(find(r, "market_data.sources[0].paths: a taq source needs at least one file"), nullptr)
      << all_messages(r);
  EXPECT_NE(find(r, "market_data.sources[1].paths: a fix source reads no files"), nullptr);
  EXPECT_NE(find(r, "market_data.sources[1].session: unknown session 'nowhere'"), nullptr);
  EXPECT_NE(find(r, "market_data.sources[2]: use either path or paths, not both"), nullptr);
  EXPECT_NE(find(r, "market_data.sources[3].symbols.SPY.US: unknown instrument 'QQQ'"), nullptr);
  EXPECT_NE(find(r,
                 "'lobstr' is not one of lobster, taq, minute_bars, daily_closes, fix, tape; did "
                 "you mean 'lobster'?"),
            nullptr);
}

TEST(Load, ChecksComplianceAndExecutionRules) {
  const LoadResult r = load(kOneInstrument +
                            "compliance:\n  restricted: [SPY, SPY]\n"
                            "  max_order_notional: 1000000\n  daily_gross_notional_limit: 10\n"
                            "  max_weight: {asset_classes: {bonds: 0.5}, instruments: {SPY: 0}}\n"
                            "execution:\n  algo: vwap\n  horizon: 5m\n  interval: 10m\n");
  EXPECT_NE(find(r, "compliance.restricted[1]: instrument 'SPY' is listed twice"), nullptr)
      << all_messages(r);
  EXPECT_NE(find(r, "compliance.daily_gross_notional_limit: is smaller than max_order_notional"),
            nullptr);
  EXPECT_NE(find(r, "compliance.max_weight.asset_classes.bonds: unknown asset class 'bonds'"),
            nullptr);
  EXPECT_NE(find(r, "compliance.max_weight.instruments.SPY: must be in (0, 1], got 0"), nullptr);
  EXPECT_NE(find(r, "execution.volume_profile: algo vwap needs a volume_profile file"), nullptr);
  EXPECT_NE(find(r, "execution.interval: must not be longer than horizon (5m), got 10m"), nullptr);
}

TEST(Secrets, ComeFromTheInjectedEnvironment) {
  const LoadResult r = load(kSession, {{"BROKER_USER", "desk"}, {"BROKER_PASSWORD", "s3cret"}});
  ASSERT_TRUE(r.ok()) << all_messages(r);
  const FixSessionConfig& f = r.settings->fix.sessions[0];
  EXPECT_EQ(f.username, "desk");
  EXPECT_EQ(f.password.reveal(), "s3cret");
  EXPECT_EQ(summary(*r.settings).find("s3cret"), std::string::npos);
}

TEST(Secrets, AMissingVariableIsAnErrorForAnEnabledSession) {
  const LoadResult r = load(kSession, {{"BROKER_USER", "desk"}});
  ASSERT_EQ(r.diagnostics.size(), 1u) << all_messages(r);
  EXPECT_EQ(r.diagnostics[0].line, 11);
  EXPECT_EQ(r.diagnostics[0].column, 21);
  EXPECT_EQ(r.diagnostics[0].message,
            "fix.sessions[0].password_env: environment variable 'BROKER_PASSWORD' is not set or "
            "empty (the session is enabled)");
}

TEST(Secrets, AnEmptyVariableCountsAsMissing) {
  const LoadResult r = load(kSession, {{"BROKER_USER", "desk"}, {"BROKER_PASSWORD", ""}});
  EXPECT_NE(find(r, "environment variable 'BROKER_PASSWORD' is not set or empty"), nullptr);
}

TEST(Secrets, AMissingVariableIsFineForADisabledSession) {
  const LoadResult r = load(kSession + "      enabled: false\n");
  ASSERT_TRUE(r.ok()) << all_messages(r);
  EXPECT_TRUE(r.settings->fix.sessions[0].password.empty());
}

TEST(Secrets, PasswordEnvMustNameAVariableNotHoldTheSecret) {
  std::string text = kSession;
  text.replace(text.find("BROKER_PASSWORD"), 15, "\"p@ss word!\"");
  const LoadResult r = load(text, {{"BROKER_USER", "desk"}});
  EXPECT_NE(find(r,
                 "fix.sessions[0].password_env: 'p@ss word!' is not an environment variable "
                 "name"),
            nullptr)
      << all_messages(r);
}

TEST(Secrets, AnySecretLookingKeyIsRefusedWherever) {
  const LoadResult r = load(kOneInstrument + "journal:\n  token: abc\n");
  const Diagnostic* d = find(r, "journal: 'token': secrets must not be written in the file");
  ASSERT_NE(d, nullptr) << all_messages(r);
  EXPECT_EQ(d->line, 4);
  EXPECT_EQ(all_messages(r).find("abc"), std::string::npos);
}

TEST(Secrets, ProcessEnvReadsTheRealEnvironment) {
  ::setenv("BALLAST_CONFIG_TEST_VAR", "value", 1);
  EXPECT_EQ(process_env()("BALLAST_CONFIG_TEST_VAR"), "value");
  ::unsetenv("BALLAST_CONFIG_TEST_VAR");
  EXPECT_FALSE(process_env()("BALLAST_CONFIG_TEST_VAR").has_value());
}

TEST(Validate, ChecksSettingsBuiltInCode) {
  Settings s;
  ASSERT_TRUE(s.instruments.add(Instrument{.symbol = "SPY"}).ok());
  ModelConfig m;
  m.id = "m";
  m.weights = {{"SPY", 0.5}};
  s.models.push_back(m);
  s.execution.pov.min_rate = 0.5;
  const ConfigViolations v = validate(s);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].path, "models[0].weights");
  EXPECT_EQ(v[1].path, "execution.pov.target_rate");
}

TEST(Robustness, NoPrefixOfAValidFileCrashesTheLoader) {
  std::ifstream in(std::string(BALLAST_SOURCE_DIR) + "/config/examples/full.yaml");
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  ASSERT_GT(text.size(), 1000u);
  for (std::size_t n = 0; n <= text.size(); n += 3) {
    const LoadResult r = load_string(text.substr(0, n), "prefix.yaml", env_of({}));
    EXPECT_TRUE(r.ok() || !r.diagnostics.empty());
  }
}

TEST(Robustness, OddYamlGivesDiagnosticsNotCrashes) {
  const char* inputs[] = {
      "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
      "instruments: &a\n  - symbol: *a\n",
      "instruments:\n  - symbol: [SPY]\n",
      "? [a, b]\n: 1\n",
      "instruments:\n  - {symbol: SPY, tick_size: {x: 1}}\n",
      "instruments: !!binary aGVsbG8=\n",
      "%YAML 1.2\n---\ninstruments:\n  - symbol: SPY\n",
      "instruments:\n  - symbol: SPY\n<<: {a: 1}\n",
      "instruments:\n\t- symbol: SPY\n",
      "\xef\xbb\xbfinstruments:\n  - symbol: SPY\n",
      "instruments:\n  - ~\n  - 5\n  - []\n",
      "- a\n- b\n",
      "instruments: \"unterminated\n",
  };
  for (const char* text : inputs) {
    const LoadResult r = load(text);
    EXPECT_TRUE(r.ok() || !r.diagnostics.empty()) << text;
  }
  EXPECT_FALSE(load(std::string(5000, '[')).ok());
}

TEST(Robustness, DiagnosticsEchoNoControlBytesFromTheFile) {
  // A value holding terminal escapes or a newline, echoed by a diagnostic, is written as \xNN:
  // check-config's report cannot drive the terminal or forge a line of its own. Every control
  // byte, in a key, a value and an unknown symbol.
  for (int b = 1; b < 0x20; ++b) {
    if (b == '\n' || b == '\r' || b == '\t') continue;  // YAML itself cannot carry them raw here
    const std::string ctl(1, static_cast<char>(b));
    const std::string texts[] = {
        "instruments:\n  - {symbol: SPY}\nmodels:\n  - {id: m, weights: {\"X" + ctl +
            "Y\": 1.0}}\n",
        "instruments:\n  - {symbol: SPY, curr" + ctl + "ency: USD}\n",
    };
    for (const std::string& text : texts) {
      const LoadResult r = load(text);
      ASSERT_FALSE(r.diagnostics.empty()) << b;
      for (const auto& d : r.diagnostics) {
        const std::string f = format(d);
        for (const char ch : f)
          EXPECT_FALSE(static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) << b << ": " << f;
      }
    }
  }
  // The escapes YAML decodes inside double quotes (ESC, newline, DEL) likewise.
  const LoadResult r = load(
      "instruments:\n  - {symbol: SPY}\nmodels:\n  - {id: m, weights: {\"A\\e[2J\\nB\\x7f\": "
      "1.0}}\n");
  ASSERT_FALSE(r.diagnostics.empty());
  bool named = false;
  for (const auto& d : r.diagnostics) {
    const std::string f = format(d);
    for (const char ch : f) EXPECT_FALSE(static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) << f;
    named = named || f.find("A\\x1b[2J\\x0aB\\x7f") != std::string::npos;
  }
  EXPECT_TRUE(named) << format(r.diagnostics[0]);
}

}  // namespace
}  // namespace ballast::config

namespace ballast::config {
namespace {

// Issue 14: keys that were parsed and changed nothing are refused, saying why; the solver keys
// reach the engine's solver (RebalancerSettings test in tests/execution).
TEST(Load, KeysTheEngineCannotHonourAreRefusedWithTheReason) {
  const std::string one = "instruments:\n  - {symbol: SPY}\n";
  struct Case {
    std::string text, expect;
  };
  const Case cases[] = {
      {one + "engine:\n  queue_capacity:\n    market_data: 1024\n",
       "engine.queue_capacity.market_data: not adjustable"},
      {one + "engine:\n  queue_capacity:\n    fix_inbound: 1024\n",
       "engine.queue_capacity.fix_inbound: not adjustable"},
      {one + "engine:\n  queue_capacity:\n    control: 1024\n",
       "engine.queue_capacity.control: not adjustable"},
      {one + "optimizer:\n  long_only: false\n", "optimizer.long_only: must be true"},
      {one + "optimizer:\n  impact_weight: 0.5\n",
       "optimizer.impact_weight: must be 0: the engine has no market-impact coefficients"},
  };
  for (const Case& c : cases) {
    const LoadResult r = load(c.text);
    EXPECT_FALSE(r.ok()) << c.text;
    std::string all;
    for (const auto& d : r.diagnostics) all += format(d) + "\n";
    EXPECT_NE(all.find(c.expect), std::string::npos) << "expected '" << c.expect << "' in\n" << all;
  }
  const LoadResult ok =
      load(one +
           "engine:\n  queue_capacity:\n    outbound: 4096\n  core_cpu: 0\n"
           "optimizer:\n  long_only: true\n  impact_weight: 0\n  max_iterations: 50\n"
           "  tolerance: 1e-6\n");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.settings->engine.queues.outbound, 4096u);
  EXPECT_EQ(ok.settings->optimizer.max_iterations, 50);
}

}  // namespace
}  // namespace ballast::config
