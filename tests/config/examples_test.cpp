// The example configurations in config/examples/ load with no diagnostic and mean what they say.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ballast/config/config.hpp"

namespace ballast::config {
namespace {

namespace fs = std::filesystem;

const std::string kExamples = std::string(BALLAST_SOURCE_DIR) + "/config/examples/";

/// The variables the examples name, with made-up values.
EnvLookup example_env() {
  static const std::map<std::string, std::string> kVars = {
      {"BALLAST_BROKER_SIM_PASSWORD", "sim-secret"},
      {"BALLAST_PRIME_USER", "desk1"},
      {"BALLAST_PRIME_PASSWORD", "prime-secret"},
  };
  return [](const std::string& name) -> std::optional<std::string> {
    const auto it = kVars.find(name);
    if (it == kVars.end()) return std::nullopt;
    return it->second;
  };
}

std::string all_messages(const LoadResult& r) {
  std::string s;
  for (const auto& d : r.diagnostics) s += format(d) + "\n";
  return s;
}

Settings load_example(const std::string& name) {
  LoadResult r = load_file(kExamples + name, example_env());
  EXPECT_TRUE(r.ok()) << all_messages(r);
  return r.settings ? std::move(*r.settings) : Settings{};
}

TEST(Examples, EveryExampleLoadsWithNoDiagnostic) {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kExamples)) {
    if (entry.path().extension() != ".yaml") continue;
    ++n;
    const LoadResult r = load_file(entry.path().string(), example_env());
    EXPECT_TRUE(r.ok()) << entry.path() << "\n" << all_messages(r);
    EXPECT_TRUE(r.diagnostics.empty()) << all_messages(r);
  }
  EXPECT_GE(n, 3u);
}

TEST(Examples, CheckConfigExitsWithZeroAndPrintsASummary) {
  for (const char* name : {"minimal.yaml", "demo.yaml", "full.yaml"}) {
    std::ostringstream out, err;
    EXPECT_EQ(check_config_main(kExamples + name, out, err, example_env()), 0) << err.str();
    EXPECT_TRUE(err.str().empty()) << err.str();
    EXPECT_EQ(out.str().rfind(kExamples + name + ": ok\n", 0), 0u) << out.str();
    EXPECT_NE(out.str().find("instruments: "), std::string::npos);
  }
}

// A user's clone has no ../shared: every example reads only files shipped in the repository,
// found relative to the example itself whatever the working directory, and check-config opens and
// reads each one.
TEST(Examples, EveryExamplePassesCheckConfigFromAnyDirectoryWithShippedFilesOnly) {
  const fs::path source = fs::canonical(BALLAST_SOURCE_DIR);
  const fs::path cwd = fs::current_path();
  fs::current_path(fs::temp_directory_path());
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(kExamples)) {
    if (entry.path().extension() != ".yaml") continue;
    std::ostringstream out, err;
    EXPECT_EQ(check_config_main(entry.path().string(), out, err, example_env()), 0)
        << entry.path() << "\n"
        << err.str();
    const LoadResult r = load_file(entry.path().string(), example_env());
    ASSERT_TRUE(r.ok()) << all_messages(r);
    std::vector<std::string> inputs;
    for (const auto& src : r.settings->market_data.sources) {
      inputs.insert(inputs.end(), src.paths.begin(), src.paths.end());
    }
    if (!r.settings->execution.volume_profile.empty()) {
      inputs.push_back(r.settings->execution.volume_profile);
    }
    for (const auto& f : r.settings->fix.sessions) {
      if (f.enabled && !f.data_dictionary.empty()) inputs.push_back(f.data_dictionary);
    }
    for (const auto& p : inputs) {
      ++files;
      const fs::path real = fs::canonical(p);
      EXPECT_EQ(real.string().rfind(source.string() + "/", 0), 0u)
          << entry.path() << " reads " << real << ", outside the repository";
    }
  }
  fs::current_path(cwd);
  EXPECT_GE(files, 4u);  // demo's closes; full's closes, LOBSTER day, volume profile, dictionary
}

TEST(Examples, MinimalNeedsNoEnvironment) {
  std::ostringstream out, err;
  EXPECT_EQ(check_config_main(kExamples + "minimal.yaml", out, err), 0) << err.str();
}

TEST(Examples, DemoDeskHasTwelveEtfsWithTheirAssetClasses) {
  const Settings s = load_example("demo.yaml");
  ASSERT_EQ(s.instruments.size(), 12u);
  const std::map<std::string, AssetClass> expected = {
      {"SPY", AssetClass::kEquity},      {"EFA", AssetClass::kEquity},
      {"EEM", AssetClass::kEquity},      {"VNQ", AssetClass::kRealEstate},
      {"AGG", AssetClass::kFixedIncome}, {"TLT", AssetClass::kFixedIncome},
      {"IEF", AssetClass::kFixedIncome}, {"LQD", AssetClass::kFixedIncome},
      {"TIP", AssetClass::kFixedIncome}, {"SHY", AssetClass::kFixedIncome},
      {"GLD", AssetClass::kCommodity},   {"DBC", AssetClass::kCommodity}};
  for (const auto& [symbol, cls] : expected) {
    const InstrumentId id = s.instruments.find(symbol);
    ASSERT_TRUE(id.valid()) << symbol;
    EXPECT_EQ(s.instruments[id].asset_class, cls) << symbol;
    EXPECT_EQ(s.instruments[id].tick_size, Price::parse("0.01").value());
  }
  // Ids are dense and in file order.
  EXPECT_EQ(s.instruments.find("SPY").value, 0u);
  EXPECT_EQ(s.instruments.find("DBC").value, 11u);
}

TEST(Examples, DemoModelsSumToOneAndAccountsFollowThem) {
  const Settings s = load_example("demo.yaml");
  ASSERT_EQ(s.models.size(), 3u);
  for (const auto& m : s.models) {
    double sum = m.cash_buffer;
    for (const auto& w : m.weights) sum += w.weight;
    EXPECT_NEAR(sum, 1.0, kWeightSumTolerance) << m.id;
  }
  EXPECT_EQ(s.models[0].id, "balanced_60_40");
  EXPECT_EQ(s.models[0].name, "Balanced 60/40");
  ASSERT_EQ(s.accounts.size(), 4u);
  EXPECT_EQ(s.accounts[0].model, "balanced_60_40");
  EXPECT_EQ(s.accounts[0].cash, Money::parse("250000").value());
  ASSERT_EQ(s.accounts[0].positions.size(), 3u);
  EXPECT_EQ(s.accounts[0].positions[1].symbol, "EFA");
  EXPECT_EQ(s.accounts[0].positions[1].qty, Qty::from_units(1500));
}

TEST(Examples, DemoSessionIsFix44ToTheLocalBrokerSimAndNeedsNoSecret) {
  const Settings s = load_example("demo.yaml");
  ASSERT_EQ(s.fix.sessions.size(), 1u);
  const FixSessionConfig& f = s.fix.sessions[0];
  EXPECT_EQ(f.fix_version, FixVersion::kFix44);
  EXPECT_EQ(f.role, FixRole::kInitiator);
  EXPECT_EQ(f.host, "127.0.0.1");
  ASSERT_TRUE(f.port.has_value());
  EXPECT_EQ(*f.port, 9878);
  // The demo must run on a fresh machine with no environment set up.
  EXPECT_TRUE(f.password_env.empty());
  EXPECT_TRUE(f.password.reveal().empty());
  EXPECT_EQ(s.fix.route("ACC-1001", "SPY"), &f);
}

TEST(Examples, DemoTriggerOverridesInheritFromTheDefaults) {
  const Settings s = load_example("demo.yaml");
  EXPECT_EQ(s.triggers.cool_down, std::chrono::minutes(30));
  EXPECT_EQ(s.triggers.trading_hours.start, TimeOfDay::at(9, 35));
  // all_weather adds a relative band and keeps the absolute band and cool-down it inherits.
  const TriggerConfig& aw = s.models[1].triggers;
  EXPECT_TRUE(s.models[1].overrides_triggers);
  EXPECT_TRUE(aw.relative.enabled);
  EXPECT_DOUBLE_EQ(aw.relative.band, 0.25);
  EXPECT_TRUE(aw.absolute.enabled);
  EXPECT_EQ(aw.cool_down, std::chrono::minutes(30));
  // ACC-1003 follows conservative (quarterly hybrid calendar) and raises its cash-flow share.
  const AccountConfig& a = s.accounts[2];
  EXPECT_TRUE(a.triggers.calendar.enabled);
  EXPECT_TRUE(a.triggers.calendar.hybrid);
  EXPECT_EQ(a.triggers.calendar.frequency, CalendarFrequency::kQuarterly);
  EXPECT_DOUBLE_EQ(a.triggers.cash_flow.nav_share, 0.05);
  ASSERT_EQ(a.overrides.bands.size(), 1u);
  EXPECT_EQ(a.overrides.bands[0].symbol, "AGG");
  EXPECT_DOUBLE_EQ(a.overrides.bands[0].absolute.value(), 0.03);
  EXPECT_FALSE(a.overrides.bands[0].relative.has_value());
  // An account without overrides gets its model's triggers unchanged.
  EXPECT_FALSE(s.accounts[1].overrides_triggers);
  EXPECT_TRUE(s.accounts[1].triggers.relative.enabled);
}

TEST(Examples, FullSetsEveryKeyToWhatItSays) {
  const Settings s = load_example("full.yaml");
  const InstrumentId bil = s.instruments.find("BIL");
  ASSERT_TRUE(bil.valid());
  EXPECT_EQ(s.instruments[bil].tick_size.raw, 5'000'000);  // 0.005 with 9 decimals, exactly
  EXPECT_EQ(s.instruments[bil].lot_size.raw, 500'000);     // 0.5 with 6 decimals
  EXPECT_EQ(s.instruments[bil].asset_class, AssetClass::kCash);
  EXPECT_EQ(s.engine.back_off.max_park, std::chrono::microseconds(500));
  EXPECT_EQ(s.engine.queues.outbound, 65'536u);
  EXPECT_EQ(s.accounts[0].cash.raw, 125'000'500'000);
  EXPECT_EQ(s.accounts[0].positions[1].qty.raw, 250'500'000);
  EXPECT_EQ(s.accounts[0].triggers.cool_down, std::chrono::hours(1));
  EXPECT_TRUE(s.accounts[0].triggers.relative.enabled);  // from the growth model
  EXPECT_DOUBLE_EQ(s.optimizer.tolerance, 1e-8);
  EXPECT_EQ(s.optimizer.risk_model.estimator, CovarianceEstimator::kLedoitWolf);
  EXPECT_EQ(s.execution.limit.arrival_cap_bps, 25.0);
  EXPECT_EQ(s.compliance.max_order_notional, Money::parse("5000000").value());
  ASSERT_EQ(s.compliance.max_weight.asset_classes.size(), 2u);
  EXPECT_EQ(s.compliance.max_weight.asset_classes[0].asset_class, AssetClass::kCommodity);
  EXPECT_EQ(s.compliance.kill_switch.reject_storm_window, std::chrono::seconds(10));
  ASSERT_EQ(s.fix.sessions.size(), 2u);
  EXPECT_FALSE(s.fix.sessions[0].tls.enabled);
  EXPECT_TRUE(s.fix.sessions[1].tls.enabled);  // a disabled session: its files are not checked
  EXPECT_EQ(s.fix.sessions[0].username, "desk1");
  EXPECT_EQ(s.fix.sessions[0].password.reveal(), "prime-secret");
  EXPECT_FALSE(s.fix.sessions[1].enabled);
  EXPECT_TRUE(s.fix.sessions[1].password.empty());  // disabled: its variable need not be set
  EXPECT_EQ(s.fix.sessions[1].fix_version, FixVersion::kFix42);
  EXPECT_EQ(s.fix.sessions[1].reconnect.max_backoff, std::chrono::minutes(1));
  EXPECT_EQ(s.fix.route("ACC-2", "AGG")->name, "prime");
  EXPECT_EQ(s.fix.route("ACC-1", "VNQ")->name, "agency");
  ASSERT_EQ(s.market_data.sources.size(), 3u);
  EXPECT_EQ(s.market_data.sources[1].kind, MarketDataKind::kLobster);
  EXPECT_EQ(s.market_data.sources[1].pace, ReplayPace::kSpeed);
  EXPECT_EQ(s.market_data.sources[1].symbols.at(0).instrument, "AAPL");
  EXPECT_EQ(s.market_data.sources[2].session, "prime");
  EXPECT_EQ(s.journal.segment_size, 64ull << 20);
  EXPECT_EQ(s.logging.file, "var/log/ballast.log");
}

TEST(Examples, SummaryNamesTheVariableButNeverTheSecret) {
  const Settings s = load_example("full.yaml");
  const std::string text = summary(s);
  EXPECT_NE(text.find("$BALLAST_PRIME_PASSWORD"), std::string::npos) << text;
  EXPECT_EQ(text.find("prime-secret"), std::string::npos) << text;
  EXPECT_NE(text.find("fix: 2 sessions (1 enabled)"), std::string::npos) << text;
}

TEST(Examples, ValidateAcceptsTheLoadedSettingsAgain) {
  const Settings s = load_example("full.yaml");
  EXPECT_TRUE(validate(s).empty());
}

}  // namespace
}  // namespace ballast::config
