// ClOrdIdGenerator and the ClOrdID text form.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "ballast/execution/order_id.hpp"

namespace ballast {
namespace {

TEST(ClOrdIdGenerator, IdsCarryTheEpochAndNeverRepeatAcrossRestarts) {
  std::set<std::uint64_t> seen;
  for (std::uint32_t epoch = 0; epoch < 3; ++epoch) {
    ClOrdIdGenerator g(epoch);
    for (int i = 0; i < 1000; ++i) {
      const OrderId id = g.next();
      EXPECT_TRUE(id.valid());
      EXPECT_EQ(order_id_epoch(id), epoch);
      EXPECT_TRUE(seen.insert(id.value).second);
    }
    EXPECT_EQ(g.issued(), 1000u);
  }
}

TEST(ClOrdId, RoundTripsThroughText) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 10000; ++i) {
    const OrderId id{rng() % OrderId::kInvalidValue};
    const std::string s = to_cl_ord_id(id);
    ASSERT_LE(s.size(), kMaxClOrdIdLength);
    auto back = parse_cl_ord_id(s);
    ASSERT_TRUE(back.has_value()) << s;
    EXPECT_EQ(*back, id);
  }
  EXPECT_EQ(to_cl_ord_id(OrderId{0}), "B0");
  EXPECT_EQ(to_cl_ord_id(OrderId{35}), "BZ");
  EXPECT_EQ(to_cl_ord_id(OrderId{36}), "B10");
  EXPECT_EQ(to_cl_ord_id(OrderId{OrderId::kInvalidValue - 1}).size(), kMaxClOrdIdLength);
}

TEST(ClOrdId, RejectsNonCanonicalText) {
  for (const char* bad :
       {"", "B", "X10", "b10", "B010", "B1a", "B-1", "B3W5E11264SGSF", "BZZZZZZZZZZZZZ"}) {
    EXPECT_FALSE(parse_cl_ord_id(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace ballast
