// Adversarial review of issue 14 item 3 -- FAILING on purpose (a defect found, not fixed here).
//
// A buy parent whose children the compliance gate denies for good (kCashInsufficient: prices rose
// while the account's buys were working, and the model holds no cash buffer) is never finished by
// the slicing engine (on_horizon_end: cross re-proposes the remainder every interval, each denied),
// so it never emits ParentOrderClosed: the rebalancer's per-account parent count never returns to
// 0 and every later trigger of the account is deferred (RebalanceDeferred) -- the account never
// rebalances again. The count itself agrees with the slicer (see parent_count_random_test.cpp);
// the parent has no way to end. (The same happened before the change through
// SlicingEngine::has_active_parent: the defect predates 673982a but the event links keep it.)
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ballast/config/config.hpp"
#include "ballast/core/exchange_time.hpp"
#include "ballast/execution/slicing_engine.hpp"
#include "ballast/kernel/kernel.hpp"
#include "support/kernel_test_desk.hpp"
#include "support/kernel_test_support.hpp"

namespace ballast {
namespace {

TEST(ParentPastHorizon, ABuyDeniedForGoodPastItsHorizonStillEnds) {
  const std::string yaml = test::desk_yaml({});
  auto loaded = config::load_string(yaml, "stuck parent desk");
  ASSERT_TRUE(loaded.ok());
  auto kr = test::offline_kernel(*loaded.settings, test::small_tables());
  ASSERT_TRUE(kr) << kr.error().message;
  kernel::Kernel& k = *kr.value();
  std::vector<Event> observed, intents;
  k.observe_offline(&observed);
  // The broker acknowledges at once, cancels on request, and fills (in full, at the limit) from
  // the third minute.
  test::TestBroker broker;
  std::int64_t mids[3] = {58000, 22000, 57000};  // cents
  const Timestamp open{us_eastern_to_utc(test::kKernelSession, 9 * 60 + 30).ns};
  const AccountId cash = k.accounts()[0];
  for (int sec = 0; sec <= 20 * 60; sec += 5) {
    const Timestamp t{open.ns + sec * 1'000'000'000LL};
    // From 09:31 to 09:33 every price rises 0.5 % per 5 s (about 13 %), then stays.
    if (sec > 60 && sec <= 180) {
      for (std::int64_t& m : mids) m += m / 200;
    }
    for (std::uint32_t i = 0; i < 3; ++i) {
      k.feed_offline(test::quote_of(InstrumentId{i}, t, mids[i]), t, intents);
      broker.answer(k, t, intents, sec >= 120);  // nothing fills in the first two minutes
    }
  }
  std::size_t denied_cash = 0, requested = 0, closed = 0, deferred = 0;
  for (const Event& e : observed) {
    if (const auto* d = std::get_if<OrderDenied>(&e)) {
      denied_cash += d->reason == DenyReason::kCashInsufficient;
    }
    requested += std::holds_alternative<ParentOrderRequested>(e);
    closed += std::holds_alternative<ParentOrderClosed>(e) ||
              std::holds_alternative<ParentOrderRefused>(e);
    deferred += std::holds_alternative<RebalanceDeferred>(e);
  }
  k.observe_offline(nullptr);
  // Expected: 20 minutes on (parents' horizon 90 s), every parent has ended one way or another
  // (filled, or finished with quantity left over), so the account can be rebalanced again.
  EXPECT_FALSE(k.slicer().has_active_parent(cash))
      << requested << " parents requested, " << closed << " ended; " << denied_cash
      << " children denied kCashInsufficient; " << deferred
      << " triggers deferred because a parent never ends";
  EXPECT_EQ(requested, closed);
  EXPECT_GE(requested, 3u) << "the account never rebalanced: the test shows nothing";
  EXPECT_GT(denied_cash, 0u) << "no denial: the test does not reach the case";
}

}  // namespace
}  // namespace ballast
