// Adversarial review of issue 14 item 3 through the whole kernel (`ballast run`'s chain, offline
// on the market clock): random price walks (with zero and crossed quotes and jumps the filter
// holds back) trigger rebalances of several accounts; a random broker acknowledges, fills in
// part or in full, cancels on request, or sits on orders. Oracle, from every event the components
// emitted (observe_offline), after every input: per account, ParentOrderRequested minus
// ParentOrderRefused minus ParentOrderClosed (the rebalancer's own count) is never negative and is
// non-zero exactly when the slicing engine works a parent of the account; at the end (the broker
// fills everything, the horizons pass) every count is back to 0.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
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

TEST(KernelParentCount, RandomRunsKeepTheRebalancersParentCountInStepWithTheSlicer) {
  const std::string yaml = test::desk_yaml(
      {.accounts = "  - {id: CASH, model: m, cash: 1000000.00}\n"
                   "  - {id: HELD, model: m, cash: 10000.00, positions: {AAPL: 1000, AMZN: 500}}\n"
                   "  - {id: MIX, model: m, cash: 300000.00, positions: {GOOG: 800}}\n"});
  auto loaded = config::load_string(yaml, "parent-count desk");
  ASSERT_TRUE(loaded.ok());
  std::uint64_t inputs = 0, requested_total = 0;
  for (std::uint32_t seed = 1; seed <= 6; ++seed) {
    std::mt19937_64 rng(seed);
    auto kr = test::offline_kernel(*loaded.settings, test::small_tables());
    ASSERT_TRUE(kr) << kr.error().message;
    kernel::Kernel& k = *kr.value();
    std::vector<Event> observed, intents;
    k.observe_offline(&observed);
    std::map<std::uint32_t, std::int64_t> count;
    std::size_t seen = 0;
    test::TestBroker broker;
    const auto check = [&](const char* where, int step) {
      for (; seen < observed.size(); ++seen) {
        const Event& e = observed[seen];
        if (const auto* r = std::get_if<ParentOrderRequested>(&e)) {
          ++count[r->account.value];
          ++requested_total;
        } else if (const auto* n = std::get_if<ParentOrderRefused>(&e)) {
          --count[n->account.value];
        } else if (const auto* c = std::get_if<ParentOrderClosed>(&e)) {
          --count[c->account.value];
        }
      }
      for (const AccountId a : k.accounts()) {
        const std::int64_t n = count[a.value];
        ASSERT_GE(n, 0) << "seed " << seed << " " << where << " step " << step;
        ASSERT_EQ(n > 0, k.slicer().has_active_parent(a))
            << "seed " << seed << " " << where << " step " << step << " account " << a.value
            << " count " << n;
      }
    };
    // The broker acknowledges every order and cancels on request; of each order it holds it
    // fills, at random, nothing, half of what is left or all of it (everything when `fill_all`).
    const auto answer = [&](Timestamp t, bool fill_all) {
      broker.answer(
          k, t, intents, fill_all,
          [&](std::int64_t left) -> std::int64_t {
            const unsigned roll = static_cast<unsigned>(rng() % 4);
            if (!fill_all && roll < 2) return 0;  // sits on it
            if (!fill_all && roll == 2) return std::max<std::int64_t>(left / 2, 1);
            return left;
          },
          [&](const Event&) {
            ++inputs;
            check("report", 0);
            return !::testing::Test::HasFatalFailure();
          });
    };
    std::int64_t mids[3] = {58000, 22000, 57000};  // cents
    const Timestamp open{us_eastern_to_utc(test::kKernelSession, 9 * 60 + 30).ns};
    int sec = 0;
    for (int step = 0; step < 700; ++step) {
      sec += 1 + static_cast<int>(rng() % 6);
      const Timestamp t{open.ns + sec * 1'000'000'000LL};
      const auto i = static_cast<std::uint32_t>(rng() % 3);
      const unsigned kind = static_cast<unsigned>(rng() % 30);
      QuoteUpdated q;
      if (kind == 0) {
        q = test::quote_of(InstrumentId{i}, t, mids[i]);
        q.bid = Price{};  // zero: held back
      } else if (kind == 1) {
        q = test::quote_of(InstrumentId{i}, t, mids[i]);
        std::swap(q.bid, q.ask);  // crossed: held back
      } else if (kind == 2) {
        q = test::quote_of(InstrumentId{i}, t, mids[i] * 3 / 2);  // a jump (held unless repeated)
      } else {
        mids[i] += static_cast<std::int64_t>(rng() % 601) - 300;  // up to +-3 dollars
        q = test::quote_of(InstrumentId{i}, t, mids[i]);
      }
      k.feed_offline(q, t, intents);
      ++inputs;
      check("quote", step);
      if (::testing::Test::HasFatalFailure()) return;
      answer(t, false);
      if (::testing::Test::HasFatalFailure()) return;
      if (rng() % 10 == 0) {
        k.advance_market_clock_offline(t, intents);
        check("timers", step);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
    // The end: the broker fills everything, quotes keep coming, the horizons pass.
    for (int m = 0; m < 60; ++m) {
      sec += 5;
      const Timestamp t{open.ns + sec * 1'000'000'000LL};
      for (std::uint32_t i = 0; i < 3; ++i) {
        k.feed_offline(test::quote_of(InstrumentId{i}, t, mids[i]), t, intents);
        check("end quote", m);
        if (::testing::Test::HasFatalFailure()) return;
      }
      answer(t, true);
      if (::testing::Test::HasFatalFailure()) return;
    }
    for (const AccountId a : k.accounts()) {
      EXPECT_EQ(count[a.value], 0)
          << "seed " << seed << " account " << a.value << ": parents still counted after the end";
    }
    k.observe_offline(nullptr);
  }
  EXPECT_GT(requested_total, 20u) << "too few rebalances to mean anything";
  EXPECT_GT(inputs, 4000u);
}

}  // namespace
}  // namespace ballast
