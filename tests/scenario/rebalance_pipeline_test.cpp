// The whole in-process loop through the kernel `ballast run` builds (Settings from YAML, a market
// context given in code), offline on the market clock in simulated time: market data -> drift
// monitor -> rebalancer (optimizer, lots) -> slicing engine -> compliance gate -> order manager ->
// a broker stand-in outside the engine whose reports go back in -> fills -> book. A 60/40
// account drifted to 70/30 with little cash is brought back inside its band; buys wait for the
// sells that fund them, so cash never goes negative; the book ends equal to what the broker
// filled.
#include <gtest/gtest.h>

#include <vector>

#include "ballast/execution/rebalancer.hpp"
#include "engine/drift_fixtures.hpp"
#include "support/kernel_test_desk.hpp"
#include "support/kernel_test_support.hpp"

namespace ballast {
namespace {

using namespace test;

const std::string kDesk =
    spy_agg_desk_head("0s", "1.0", "5000") +
    "models:\n"
    "  - {id: m6040, weights: {SPY: 0.6, AGG: 0.4}}\n"
    "accounts:\n"
    "  - {id: ACC, model: m6040, cash: 500, positions: {SPY: 700, AGG: 300}}\n"
    "execution: {horizon: 5m, interval: 1m, min_child_qty: 1, cash_allowance: 0}\n"
    // Quotes come every 30 s and a slice's timer fires before a quote of the same time (as in
    // `run`): a reference of up to 30 s is current here.
    "compliance: {reference_stale_after: 1m}\n"
    "journal: {enabled: false}\n";

TEST(RebalancePipeline, BringsADriftedAccountBackInsideItsBandWithoutOverdrawingCash) {
  const auto s = settings_of(kDesk);
  ASSERT_TRUE(s);
  Eigen::MatrixXd cov(2, 2);
  cov << 0.04, 0.002, 0.002, 0.0025;
  // ADV 10M shares each: the ADV rule (10 % by default) is checked and never binds.
  auto k = offline_kernel(*s, context_of(cov, qty("10000000")), small_tables());
  ASSERT_TRUE(k) << k.error().message;
  kernel::Kernel& kn = *k.value();
  const AccountId acct = kn.accounts().at(0);
  const InstrumentId spy = kn.instruments().find("SPY");
  const InstrumentId agg = kn.instruments().find("AGG");
  InstantBrokerDriver broker(kn);
  Money lowest = Money::max();
  broker.after_input = [&](const std::vector<Event>&, Timestamp) {
    lowest = std::min(lowest, kn.book().cash(acct));
  };
  // Quotes every 30 s (SPY's mid flickers by a cent so marks change and the monitor looks).
  Timestamp now{};
  for (int half = 0; half <= 60; ++half) {
    now = ny(10, 0) + std::chrono::seconds(30 * half);
    broker.at(now, quote(spy, half % 2 ? "99.99" : "100.00", half % 2 ? "100.01" : "100.02", now));
    broker.at(now, quote(agg, "99.99", "100.01", now));
  }
  broker.run_until(now);
  const auto& rc = kn.rebalancer().counters();
  EXPECT_GE(rc.rebalances, 1u);
  EXPECT_GE(rc.buys_waiting, 1u);  // the buy had to wait for the sell
  EXPECT_GE(lowest, Money{}) << "cash went negative";
  const auto f = kn.monitor().figures(acct, now);
  ASSERT_TRUE(f.complete);
  EXPECT_LT(f.max_abs, 0.05) << "still outside the band";
  EXPECT_FALSE(kn.book().has_pending(acct));
  EXPECT_EQ(kn.gate().counters().submitted, broker.received.size());
  EXPECT_EQ(broker.other_intents, 0u);
  // The book is what the broker filled: positions and cash, exactly.
  Qty net[2] = {qty("700"), qty("300")};
  for (const SubmitOrder& o : broker.received) {
    net[o.instrument.value] += o.side == Side::kBuy ? o.qty : Qty{} - o.qty;
  }
  EXPECT_EQ(kn.book().position(acct, spy), net[spy.value]);
  EXPECT_EQ(kn.book().position(acct, agg), net[agg.value]);
  EXPECT_EQ(kn.book().cash(acct), money("500") + broker.traded);
}

}  // namespace
}  // namespace ballast
