// The engine's enum names (engine_config, optimizer, drift monitor): each list is the one the
// switch statements replaced by EnumNames tables gave (commit 3bc0eb0), with the same fallback
// for a value outside the enum; the configuration names also parse back through their table.
#include <gtest/gtest.h>

#include <string>

#include "ballast/engine/drift_monitor.hpp"
#include "ballast/engine/engine_config.hpp"
#include "ballast/engine/optimizer.hpp"
#include "support/enum_names_check.hpp"

namespace ballast {
namespace {

using test::names_are;

/// Every name of `table` parses back to its value (what config/ reads is what to_string writes).
template <class Table>
void expect_round_trip(const Table& table) {
  for (std::size_t i = 0; i < table.size(); ++i) {
    auto v = table.value(i == 0 ? 1 : 0);
    ASSERT_TRUE(table.parse(std::string(table.name_at(i)), v)) << table.name_at(i);
    EXPECT_EQ(v, table.value(i)) << table.name_at(i);
  }
}

TEST(EngineEnumNames, ConfigurationEnumsKeepTheirNames) {
  EXPECT_TRUE(names_are<IdleKind>(idle_kind_name, {"busy_spin", "yield", "back_off"}, "back_off"));
  EXPECT_TRUE(names_are<TriggerCombine>(to_string, {"any", "all"}, "any"));
  EXPECT_TRUE(names_are<CalendarFrequency>(to_string, {"daily", "weekly", "monthly", "quarterly"},
                                           "monthly"));
  EXPECT_TRUE(names_are<Weekday>(
      to_string, {"monday", "tuesday", "wednesday", "thursday", "friday"}, "friday"));
  EXPECT_TRUE(names_are<PeriodDay>(to_string, {"first", "last"}, "last"));
  EXPECT_TRUE(names_are<MarkPolicy>(to_string, {"mid", "last", "bid_for_longs"}, "mid"));
  EXPECT_TRUE(names_are<OptimizerMode>(to_string, {"full", "band_edge"}, "full"));
  EXPECT_TRUE(names_are<CovarianceEstimator>(to_string, {"sample", "ewma", "ledoit_wolf", "factor"},
                                             "ledoit_wolf"));
  EXPECT_TRUE(names_are<FsyncPolicy>(to_string, {"per_event", "group", "none"}, "group"));
  EXPECT_TRUE(names_are<LogLevel>(
      to_string, {"trace", "debug", "info", "warn", "error", "critical", "off"}, "info"));
}

TEST(EngineEnumNames, ConfigurationNamesParseBackToTheirValues) {
  expect_round_trip(kIdleKindNames);
  expect_round_trip(kTriggerCombineNames);
  expect_round_trip(kCalendarFrequencyNames);
  expect_round_trip(kWeekdayNames);
  expect_round_trip(kPeriodDayNames);
  expect_round_trip(kMarkPolicyNames);
  expect_round_trip(kOptimizerModeNames);
  expect_round_trip(kCovarianceEstimatorNames);
  expect_round_trip(kFsyncPolicyNames);
  expect_round_trip(kLogLevelNames);
}

TEST(EngineEnumNames, SolverAndDriftEnumsKeepTheirNames) {
  EXPECT_TRUE(names_are<SolveStatus>(to_string, {"optimal", "not_converged", "infeasible"}, "?"));
  EXPECT_TRUE(names_are<WeightStatus>(to_string,
                                      {"bought", "sold", "no_trade", "at_lower", "at_upper"}, "?"));
  EXPECT_TRUE(names_are<WhyExclusion>(to_string, {"none", "no_price", "stale_price"}, "none"));
}

}  // namespace
}  // namespace ballast
