// The adapters' enum names: each list is the one the code replaced by EnumNames tables gave
// (commit 3bc0eb0), with the same fallback for a value outside the enum.
#include <gtest/gtest.h>

#include "ballast/adapters/adapters_config.hpp"
#include "ballast/adapters/replay_pacer.hpp"
#include "support/enum_names_check.hpp"

namespace ballast {
namespace {

using test::names_are;

TEST(AdaptersEnumNames, KeepTheirNames) {
  EXPECT_TRUE(names_are<FixRole>(to_string, {"initiator", "acceptor"}, "initiator"));
  EXPECT_TRUE(names_are<FixVersion>(to_string, {"FIX.4.2", "FIX.4.4"}, "FIX.4.4"));
  EXPECT_TRUE(names_are<DisconnectAction>(to_string, {"requery", "cancel"}, "requery"));
  EXPECT_TRUE(names_are<MarketDataKind>(
      to_string, {"lobster", "taq", "minute_bars", "daily_closes", "fix", "tape"}, "daily_closes"));
  EXPECT_TRUE(names_are<ReplayPace>(to_string, {"recorded", "fast", "speed"}, "recorded"));
  EXPECT_TRUE(names_are<ReplayEnd>(to_string, {"end of data", "stopped", "reader error"}, "?"));
}

}  // namespace
}  // namespace ballast
