// Issue 14: settings that reach the engine only through the kernel show their effect in a kernel
// built as `ballast run` builds it (typed Settings from YAML + load_market_context), driven
// offline with quotes on the market clock.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "ballast/config/config.hpp"
#include "ballast/core/exchange_time.hpp"
#include "ballast/kernel/kernel.hpp"
#include "ballast/kernel/market_context.hpp"

namespace ballast {
namespace {

using namespace std::chrono;

const std::string kCloses =
    std::string(BALLAST_SOURCE_DIR) + "/data/daily/pyportfolioopt_closes_2011-06-01_2012-06-20.csv";
constexpr CivilDate kSession{year{2012}, month{6}, day{21}};

/// A desk of one account holding only AAPL (model: a third each of AAPL, AMZN, GOOG): far from
/// its targets in weight, and in tracking error.
std::string desk_yaml(const std::string& triggers, double cash_allowance = 0) {
  return "instruments:\n"
         "  - {symbol: AAPL}\n"
         "  - {symbol: AMZN}\n"
         "  - {symbol: GOOG}\n"
         "triggers:\n" +
         triggers +
         "models:\n"
         "  - {id: m, weights: {AAPL: 0.30, AMZN: 0.30, GOOG: 0.30}, cash_buffer: 0.10}\n"
         "accounts:\n"
         "  - {id: A1, model: m, cash: 1000.00, positions: {AAPL: 1000}}\n"
         "optimizer: {risk_model: {estimator: ledoit_wolf, lookback_days: 200}}\n"
         "execution: {cash_allowance: " +
         std::to_string(cash_allowance) +
         "}\n"
         "compliance: {max_adv_share: off, reference_stale_after: 30m}\n"
         "journal: {enabled: false}\n";
}

/// The market context `ballast run` would load for `s` on the session date.
Result<kernel::MarketContext> context(const config::Settings& s) {
  kernel::MarketContextInputs in;
  in.closes_path = kCloses;
  in.session_date = kSession;
  return kernel::load_market_context(s, in);
}

struct Outcome {
  std::uint64_t triggers = 0;
  std::uint64_t gated_cost = 0;
  std::size_t orders = 0;
  std::size_t orders_by_instrument[3] = {0, 0, 0};
  std::string denials;  ///< "reason count, ..." from the gate
};

/// Builds the kernel from `yaml` and feeds one two-sided quote per instrument at 10:00 New York
/// time on the session date, then a second round a minute later; the quotes are `spread_bps`
/// wide around mids of 580, 220 and 570.
Outcome drive(const std::string& yaml, int spread_bps = 2) {
  auto loaded = config::load_string(yaml, "kernel test");
  EXPECT_TRUE(loaded.ok());
  if (!loaded.ok()) {
    for (const auto& d : loaded.diagnostics) ADD_FAILURE() << config::format(d);
    return {};
  }
  auto ctx = context(*loaded.settings);
  EXPECT_TRUE(ctx) << (ctx ? "" : ctx.error().message);
  if (!ctx) return {};
  kernel::KernelOptions o;
  o.offline = true;
  o.market_clock = true;
  o.market_clock_speed = 0;
  o.market = std::move(ctx.value());
  auto k = kernel::Kernel::create(*loaded.settings, std::move(o));
  EXPECT_TRUE(k) << (k ? "" : k.error().message);
  if (!k) return {};
  std::vector<Event> intents;
  const std::int64_t mids[3] = {580, 220, 570};
  for (int round = 0; round < 2; ++round) {
    const Timestamp t = us_eastern_to_utc(kSession, 10 * 60 + round);
    for (std::uint32_t i = 0; i < 3; ++i) {
      QuoteUpdated q{};
      q.hdr.event_time = t;
      q.instrument = InstrumentId{i};
      // Whole cents: half the spread in cents, at least one.
      const std::int64_t half = std::max<std::int64_t>(1, mids[i] * 100 * spread_bps / 20'000);
      q.bid = Price::from_raw((mids[i] * 100 - half) * (Price::kScale / 100));
      q.ask = Price::from_raw((mids[i] * 100 + half) * (Price::kScale / 100));
      q.bid_size = q.ask_size = Qty::from_units(500);
      k.value()->feed_offline(q, t, intents);
    }
  }
  Outcome r;
  r.triggers = k.value()->monitor().counters().triggers;
  r.gated_cost = k.value()->monitor().counters().gated_cost;
  for (int d = 0; d < static_cast<int>(DenyReason::kCount); ++d) {
    if (const auto c = k.value()->gate().denied(static_cast<DenyReason>(d)); c > 0) {
      r.denials += std::string(to_string(static_cast<DenyReason>(d))) + " " + std::to_string(c) + " ";
    }
  }
  for (const Event& e : intents) {
    if (const auto* o = std::get_if<SubmitOrder>(&e)) {
      ++r.orders;
      if (o->instrument.value < 3) ++r.orders_by_instrument[o->instrument.value];
    }
  }
  return r;
}

const std::string kHours = "  trading_hours: {start: \"09:35\", end: \"15:55\"}\n";

TEST(KernelSettings, TheTrackingErrorTriggerFiresOnTheRiskModelsTrackingError) {
  // Only the tracking-error condition is on. The account's ex-ante tracking error (all AAPL
  // against a third each) is several percent a year: over a 1% threshold it fires; over a 90%
  // threshold it does not.
  const std::string off = "  absolute: {enabled: false}\n  relative: {enabled: false}\n" + kHours +
                          "  cost_benefit: {enabled: false}\n";
  const Outcome low = drive(desk_yaml(off + "  tracking_error: {enabled: true, threshold: 0.01}\n"));
  const Outcome high = drive(desk_yaml(off + "  tracking_error: {enabled: true, threshold: 0.9}\n"));
  EXPECT_GE(low.triggers, 1u);
  EXPECT_GT(low.orders, 0u) << "the fired rebalance sends orders";
  EXPECT_EQ(high.triggers, 0u);
  EXPECT_EQ(high.orders, 0u);
}

TEST(KernelSettings, TheCostBenefitGateHoldsBackARebalanceWhoseCostExceedsItsBenefit) {
  // The absolute band fires on quotes 2% wide. Without the gate the rebalance goes ahead; with
  // it, at multiplier 100 (the most allowed), the trade's cost (half spread + commission) x 100
  // outweighs the tracking-error reduction and it is held back (gated_cost); on quotes 2 bps
  // wide the same gate lets it through.
  const std::string base = "  absolute: {band: 0.05}\n" + kHours;
  const std::string gate = "  cost_benefit: {enabled: true, multiplier: 100}\n";
  const Outcome ungated = drive(desk_yaml(base + "  cost_benefit: {enabled: false}\n"), 200);
  const Outcome dear = drive(desk_yaml(base + gate), 200);
  const Outcome cheap = drive(desk_yaml(base + gate), 2);
  EXPECT_GE(ungated.triggers, 1u);
  EXPECT_GT(ungated.orders, 0u);
  EXPECT_EQ(dear.triggers, 0u);
  EXPECT_GE(dear.gated_cost, 1u);
  EXPECT_EQ(dear.orders, 0u);
  EXPECT_GE(cheap.triggers, 1u);
  EXPECT_EQ(cheap.gated_cost, 0u);
}

TEST(KernelSettings, CashAllowanceLetsBuysRunAheadOfSellProceeds) {
  // The account must sell AAPL to buy AMZN and GOOG. With execution.cash_allowance 0 the buys
  // wait for the sells' proceeds (no fills come offline); with 1.0 (a NAV's worth) they go out
  // with the sells.
  const std::string t = "  absolute: {band: 0.05}\n" + kHours + "  cost_benefit: {enabled: false}\n";
  const Outcome none = drive(desk_yaml(t, 0.0));
  const Outcome all = drive(desk_yaml(t, 1.0));
  EXPECT_GT(none.orders_by_instrument[0], 0u) << "AAPL is sold";
  EXPECT_EQ(none.orders_by_instrument[1] + none.orders_by_instrument[2], 0u);
  EXPECT_GT(all.orders_by_instrument[1], 0u);
  EXPECT_GT(all.orders_by_instrument[2], 0u);
}

TEST(KernelSettings, AnInstrumentWithNoAdvIsDeniedByTheAdvRule) {
  // market_data.adv gives AAPL and AMZN but not GOOG: GOOG's orders are denied (adv_share), the
  // others are not held back by the rule.
  const std::string dir = ::testing::TempDir();
  const std::string vol = dir + "/kernel_adv.csv";
  {
    std::ofstream v(vol);
    v << "date,AAPL,AMZN\n2012-06-19,15000000,4000000\n2012-06-20,15000000,4000000\n";
  }
  std::string yaml = desk_yaml("  absolute: {band: 0.05}\n" + kHours +
                                   "  cost_benefit: {enabled: false}\n",
                               1.0);
  const std::string from = "compliance: {max_adv_share: off, reference_stale_after: 30m}\n";
  yaml.replace(yaml.find(from), from.size(),
               "compliance: {max_adv_share: 0.10, reference_stale_after: 30m}\n"
               "market_data: {adv: {path: " +
                   vol + ", lookback_days: 5}}\n");
  auto loaded = config::load_string(yaml, "kernel test");
  ASSERT_TRUE(loaded.ok());
  auto ctx = context(*loaded.settings);
  ASSERT_TRUE(ctx) << ctx.error().message;
  EXPECT_EQ(ctx.value().adv[0], Qty::from_units(15'000'000));
  EXPECT_EQ(ctx.value().adv[1], Qty::from_units(4'000'000));
  EXPECT_EQ(ctx.value().adv[2], Qty{}) << "GOOG has no column: unknown";
  EXPECT_EQ(ctx.value().adv_days[0], 2);
  const Outcome r = drive(yaml);
  EXPECT_GT(r.orders_by_instrument[1], 0u) << "AMZN is bought; denials: " << r.denials;
  EXPECT_NE(r.denials.find("adv_share"), std::string::npos) << r.denials;
  EXPECT_EQ(r.orders_by_instrument[2], 0u) << "GOOG has no ADV: denied";
}

TEST(KernelSettings, AdvUsesOnlyDaysBeforeTheSession) {
  const std::string vol = ::testing::TempDir() + "/kernel_adv_lookahead.csv";
  {
    std::ofstream v(vol);
    v << "date,AAPL,AMZN,GOOG\n"
         "2012-06-18,100,100,\n2012-06-19,200,200,\n2012-06-20,300,,\n"
         "2012-06-21,999999999,999999999,999999999\n2012-06-22,999999999,999999999,999999999\n";
  }
  auto loaded = config::load_string(
      desk_yaml("  absolute: {band: 0.05}\n") + "market_data: {adv: {path: " + vol +
          ", lookback_days: 2}}\n",
      "kernel test");
  ASSERT_TRUE(loaded.ok());
  auto ctx = context(*loaded.settings);
  ASSERT_TRUE(ctx) << ctx.error().message;
  EXPECT_EQ(ctx.value().adv[0], Qty::from_units(250)) << "mean of 06-19 and 06-20";
  EXPECT_EQ(ctx.value().adv[1], Qty::from_units(150)) << "the empty 06-20 cell is skipped";
  EXPECT_EQ(ctx.value().adv[2], Qty{}) << "no volume before the session";
}

TEST(KernelSettings, TheAdvRuleCheckedWithoutAdvDataIsRefused) {
  auto loaded = config::load_string(desk_yaml("  absolute: {band: 0.05}\n"), "kernel test");
  ASSERT_TRUE(loaded.ok());
  config::Settings s = *loaded.settings;
  s.compliance.max_adv_share = 0.1;
  auto ctx = context(s);
  ASSERT_FALSE(ctx);
  EXPECT_NE(ctx.error().message.find("compliance.max_adv_share: off"), std::string::npos)
      << ctx.error().message;
}

}  // namespace
}  // namespace ballast
