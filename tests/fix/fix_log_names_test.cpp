// The FIX log reader's enum names: each list is the one the switch statements replaced by
// EnumNames tables gave (commit 3bc0eb0), "?" for a value outside the enum. C++14 like fix_tests.
#include <gtest/gtest.h>

#include "ballast/fix/fix_log.hpp"
#include "support/enum_names_check.hpp"

namespace ballast {
namespace fix {
namespace {

using test::names_are;

TEST(FixLogNames, KeepTheirNames) {
  EXPECT_TRUE(
      names_are<FixLogKind>(to_string,
                            {"invalid", "session", "execution_report", "cancel_reject",
                             "business_reject", "session_reject", "market_data", "new_order",
                             "cancel_request", "replace_request", "status_request", "other"},
                            "?"));
  EXPECT_TRUE(names_are<FixLogDirection>(to_string, {"unknown", "received", "sent"}, "?"));
  EXPECT_TRUE(names_are<FixLogTimeSource>(
      to_string, {"none", "quickfix_log", "broker_sim_tape", "sending_time"}, "?"));
}

}  // namespace
}  // namespace fix
}  // namespace ballast
