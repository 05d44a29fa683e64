// The execution module's enum names: each list is the one the switch statements replaced by
// EnumNames tables gave (commit 3bc0eb0), with the same fallback for a value outside the enum.
#include <gtest/gtest.h>

#include "ballast/execution/child_order.hpp"
#include "ballast/execution/execution_config.hpp"
#include "support/enum_names_check.hpp"

namespace ballast {
namespace {

using test::names_are;

TEST(ExecutionEnumNames, KeepTheirNames) {
  EXPECT_TRUE(names_are<ExecAlgo>(to_string, {"twap", "vwap", "pov"}, "twap"));
  EXPECT_TRUE(
      names_are<LimitPolicy>(to_string, {"touch", "mid", "cross_ticks", "arrival_cap"}, "touch"));
  EXPECT_TRUE(names_are<HorizonEnd>(to_string, {"cross", "leave"}, "cross"));
  EXPECT_TRUE(names_are<OrderState>(
      to_string,
      {"pending_new", "new", "partially_filled", "filled", "pending_cancel", "canceled",
       "pending_replace", "replaced", "rejected", "expired", "done_for_day"},
      "?"));
}

}  // namespace
}  // namespace ballast
