// A broker refusing our market-data requests (35=Y, or 35=j/3 referring to a 35=V) is not
// refusing orders: the bridge counts those rejects and does not pass them to the core, where
// every MessageRejected feeds the kill switch's reject storm (an adversarial run saw 42 market-data
// rejects trip the global kill switch with no order sent). Order rejects still go through.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

#include "ballast/adapters/fix_bridge.hpp"
#include "ballast/core/instrument.hpp"
#include "ballast/execution/order_id.hpp"

namespace ballast {
namespace {

std::size_t drain(InboundQueue& q) {
  std::size_t n = 0;
  Event e;
  while (q.try_pop(e)) n += std::holds_alternative<MessageRejected>(e);
  return n;
}

TEST(BridgeRejects, MarketDataRequestRejectsAreCountedNotPassedAsOrderRejects) {
  InstrumentTable instruments;
  InboundQueue q(4);
  FixInbound bridge(instruments, q, nullptr);
  const std::string order = to_cl_ord_id(OrderId{(3ULL << 40) | 9});
  std::mt19937_64 rng(7);
  const char* types[] = {"V", "D", "F", "G", "H", "", "W", "VV"};
  std::size_t md = 0, passed = 0, reached = 0;
  for (int i = 0; i < 2'000; ++i) {
    const char* t = types[rng() % 8];
    const bool is_md = std::strcmp(t, "V") == 0;
    if (rng() % 2 == 0) {
      fix::BusinessReject r;
      std::strncpy(r.ref_msg_type, t, sizeof r.ref_msg_type - 1);
      std::strncpy(r.business_ref_id, is_md ? "MD1" : order.c_str(), sizeof r.business_ref_id - 1);
      r.reason = 3;
      bridge.on_business_reject(r);
    } else {
      fix::SessionReject r;
      std::strncpy(r.ref_msg_type, t, sizeof r.ref_msg_type - 1);
      r.reason = 5;
      bridge.on_session_reject(r);
    }
    md += is_md;
    passed += !is_md;
    reached += drain(q);  // the core's side: the queue is bounded
  }
  EXPECT_EQ(bridge.counters().market_data_rejects.value(), md);
  EXPECT_EQ(reached, passed) << "every other reject reaches the core";
  EXPECT_GT(md, 100u);
  EXPECT_GT(passed, 100u);
}

}  // namespace
}  // namespace ballast
