// Malformed configuration files: each gives a specific message at its line (and column), and
// check-config exits 2 for every one of them.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ballast/config/config.hpp"

namespace ballast::config {
namespace {

const std::string kDir = std::string(BALLAST_SOURCE_DIR) + "/tests/config/malformed/";

/// An environment with no variables at all: nothing depends on the machine running the tests.
EnvLookup no_env() {
  return [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
}

struct Expected {
  const char* file;  ///< under tests/config/malformed/
  int line;
  int column;  ///< 0: no column (the problem has no single position)
  const char* fragment;
};

std::ostream& operator<<(std::ostream& os, const Expected& e) {
  return os << e.file;
}

std::string all_messages(const LoadResult& r) {
  std::string s;
  for (const auto& d : r.diagnostics) s += format(d) + "\n";
  return s;
}

const Expected kCases[] = {
    {"unknown_key.yaml", 4, 5,
     "instruments[0]: unknown key 'tick_szie'; did you mean 'tick_size'?"},
    {"wrong_type.yaml", 3, 15, "engine.batch_size: expected a whole number, got 'lots'"},
    {"missing_required_key.yaml", 8, 5, "accounts[0]: missing required key 'model'"},
    {"out_of_range.yaml", 6, 11, "triggers.absolute.band: must be in (0, 1], got 1.5"},
    {"duplicate_symbol.yaml", 5, 13,
     "instruments[2].symbol: duplicate instrument symbol 'SPY' (first defined at line 3)"},
    {"weights_not_summing.yaml", 7, 5,
     "models[0].weights: weights sum to 0.9; they must sum to 1 (within 1e-09)"},
    {"unknown_model.yaml", 9, 12,
     "accounts[0].model: unknown model 'all_spyy'; defined models: all_spy"},
    {"unknown_instrument.yaml", 8, 7, "models[0].weights.QQQ: unknown instrument 'QQQ'"},
    {"override_unknown_instrument.yaml", 11, 21,
     "accounts[0].overrides.no_buy[1]: unknown instrument 'TSLA'"},
    {"fix_without_port.yaml", 6, 7, "fix.sessions[0].port: missing required key 'port' (1..65535)"},
    {"fix_port_out_of_range.yaml", 7, 13, "fix.sessions[0].port: must be in 1..65535, got 70000"},
    {"inline_secret.yaml", 11, 7,
     "'password': secrets must not be written in the file; put the name of an environment "
     "variable in password_env"},
    {"missing_env_secret.yaml", 11, 21,
     "fix.sessions[0].password_env: environment variable 'BALLAST_TEST_UNSET_PASSWORD' is not set "
     "or empty (the session is enabled)"},
    {"empty.yaml", 1, 0,
     "the file is empty; a configuration needs at least an 'instruments' section"},
    {"not_yaml.yaml", 1, 1,
     "not a configuration: expected top-level sections such as 'instruments:', got plain text"},
    {"syntax_error.yaml", 6, 9, "YAML syntax error: end of map flow not found"},
    {"binary.yaml", 2, 16, "the file is binary (it contains a NUL byte)"},
    {"two_documents.yaml", 4, 1, "a configuration is one YAML document"},
    {"bad_duration.yaml", 4, 12,
     "execution.horizon: expected a duration: a number and a unit (ns, us, ms, s, m, h) such as "
     "250ms, 30s or 5m, got '30 minutes'"},
    {"bad_time.yaml", 5, 12,
     "triggers.trading_hours.start: expected a local time HH:MM between 00:00 and 23:59, got "
     "'25:00'"},
    {"price_too_many_decimals.yaml", 3, 16,
     "instruments[0].tick_size: invalid price '0.0000000001': more than 9 decimal places"},
    {"bad_fix_version.yaml", 6, 20,
     "fix.sessions[0].fix_version: 'FIX.5.0' is not one of FIX.4.2, FIX.4.4"},
    {"unknown_asset_class.yaml", 3, 18,
     "instruments[0].asset_class: unknown asset class 'bond'; expected one of equity, "
     "fixed_income, commodity, real_estate, cash, other"},
    {"duplicate_key.yaml", 5, 3, "logging: duplicate key 'level' (first at line 4)"},
    {"unknown_section.yaml", 3, 1, "unknown section 'optimiser'; did you mean 'optimizer'?"},
    {"missing_instruments.yaml", 1, 0, "missing required section 'instruments'"},
    {"wrong_section_type.yaml", 2, 1,
     "instruments: expected a list of instruments (each '- symbol: ...'), got a mapping"},
    {"routing_unknown_session.yaml", 13, 18,
     "fix.routing.rules[0].session: unknown session 'brokr'; defined sessions: broker"},
    {"duplicate_account.yaml", 9, 9,
     "accounts[1].id: duplicate account id 'ACC-1' (first defined as accounts[0])"},
    {"hybrid_without_band.yaml", 9, 13,
     "triggers.calendar.hybrid: a hybrid calendar trigger needs a drift condition"},
    {"pov_rates_inverted.yaml", 6, 18,
     "execution.pov.target_rate: must lie between min_rate (0.05) and max_rate (0.2), got 0.3"},
    {"three_errors.yaml", 3, 18,
     "engine.idle_strategy: 'spin_wait' is not one of busy_spin, yield, back_off"},
};

class MalformedFile : public ::testing::TestWithParam<Expected> {};

TEST_P(MalformedFile, GivesItsSpecificMessageAtItsLine) {
  const Expected& e = GetParam();
  const LoadResult r = load_file(kDir + e.file, no_env());
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.settings.has_value());
  const auto hit = std::find_if(
      r.diagnostics.begin(), r.diagnostics.end(),
      [&](const Diagnostic& d) { return d.message.find(e.fragment) != std::string::npos; });
  ASSERT_NE(hit, r.diagnostics.end()) << "no diagnostic contains \"" << e.fragment << "\"; got:\n"
                                      << all_messages(r);
  EXPECT_EQ(hit->file, kDir + e.file);
  EXPECT_EQ(hit->line, e.line) << all_messages(r);
  EXPECT_EQ(hit->column, e.column) << all_messages(r);
}

TEST_P(MalformedFile, MakesCheckConfigPrintItAndExitWithTwo) {
  const Expected& e = GetParam();
  std::ostringstream out, err;
  EXPECT_EQ(check_config_main(kDir + e.file, out, err, no_env()), 2);
  EXPECT_TRUE(out.str().empty());
  std::string position = concat({kDir, e.file, ":", std::to_string(e.line)});
  if (e.column > 0) position += concat({":", std::to_string(e.column)});
  EXPECT_NE(err.str().find(position + ": "), std::string::npos) << err.str();
  EXPECT_NE(err.str().find(e.fragment), std::string::npos) << err.str();
}

INSTANTIATE_TEST_SUITE_P(Config, MalformedFile, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Expected>& info) {
                           std::string name = info.param.file;
                           name = name.substr(0, name.find('.'));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(MalformedFiles, EveryFixtureInTheDirectoryHasAnExpectation) {
  std::set<std::string> expected;
  for (const auto& e : kCases) expected.insert(e.file);
  std::size_t fixtures = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kDir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++fixtures;
    EXPECT_TRUE(expected.count(entry.path().filename().string()))
        << entry.path() << " has no expectation in kCases";
  }
  EXPECT_GE(fixtures, 12u);
}

TEST(MalformedFiles, ReportAllThreeIndependentErrorsInOnePass) {
  const LoadResult r = load_file(kDir + "three_errors.yaml", no_env());
  ASSERT_EQ(r.diagnostics.size(), 3u) << all_messages(r);
  EXPECT_EQ(r.diagnostics[0].line, 3);
  EXPECT_NE(r.diagnostics[0].message.find("'spin_wait' is not one of"), std::string::npos);
  EXPECT_EQ(r.diagnostics[1].line, 6);
  EXPECT_EQ(r.diagnostics[1].column, 15);
  EXPECT_EQ(r.diagnostics[1].message, "instruments[0].lot_size: must be > 0, got 0");
  EXPECT_EQ(r.diagnostics[2].line, 8);
  EXPECT_EQ(r.diagnostics[2].column, 10);
  EXPECT_NE(r.diagnostics[2].message.find("'sometimes' is not one of per_event, group, none"),
            std::string::npos);
}

TEST(MalformedFiles, NeverEchoTheInlineSecret) {
  std::ostringstream out, err;
  EXPECT_EQ(check_config_main(kDir + "inline_secret.yaml", out, err, no_env()), 2);
  EXPECT_EQ(err.str().find("hunter2"), std::string::npos) << err.str();
}

TEST(MissingFile, GivesAMessageAndExitsWithTwo) {
  const std::string path = kDir + "does_not_exist.yaml";
  const LoadResult r = load_file(path, no_env());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].line, 0);
  EXPECT_EQ(format(r.diagnostics[0]),
            path + ": cannot read the configuration: the file does not exist");
  std::ostringstream out, err;
  EXPECT_EQ(check_config_main(path, out, err), 2);
  EXPECT_EQ(err.str(), path + ": cannot read the configuration: the file does not exist\n");
}

TEST(MissingFile, ADirectoryIsNotAConfiguration) {
  const LoadResult r = load_file(kDir, no_env());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics[0].message.find("is a directory"), std::string::npos);
}

}  // namespace
}  // namespace ballast::config
