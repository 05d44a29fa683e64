// The desk view the core builds for the operator's readers (kernel/src/desk_view_builder.cpp),
// checked against the desk it describes: random accounts with random holdings, priced by quotes,
// and for every account its positions (the configured quantities), its weights (quantity x mark
// / NAV, cash included, summing to 1) and the worst holding (the largest |weight - target|, cash
// counted) recomputed here from those figures. Built offline through Kernel::describe_offline,
// the same builder the live core runs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "ballast/kernel/desk_view.hpp"
#include "support/kernel_test_support.hpp"

namespace ballast {
namespace desk_view_test {
namespace {

constexpr int kInstruments = 3;
const char* const kSymbols[kInstruments] = {"AAPL", "AMZN", "GOOG"};
const double kWeights[kInstruments] = {0.25, 0.35, 0.30};  // cash buffer 0.10
const std::int64_t kMidCents[kInstruments] = {58'000, 22'000, 57'000};

/// A desk of `n` accounts of one model: random cash and holdings (some instruments not held),
/// with bands wide enough that nothing triggers.
std::string desk(int n, std::mt19937_64& rng, std::vector<std::vector<std::int64_t>>& qty) {
  std::string y = "instruments:\n";
  for (const char* s : kSymbols) y += std::string("  - {symbol: ") + s + "}\n";
  y += "triggers:\n  absolute: {band: 0.99}\n"
       "models:\n  - {id: m, weights: {AAPL: 0.25, AMZN: 0.35, GOOG: 0.30}, cash_buffer: 0.10}\n"
       "accounts:\n";
  std::uniform_int_distribution<std::int64_t> shares(1, 900), cash(1'000, 900'000);
  std::bernoulli_distribution held(0.7);
  qty.assign(static_cast<std::size_t>(n), std::vector<std::int64_t>(kInstruments, 0));
  for (int a = 0; a < n; ++a) {
    y += "  - {id: A" + std::to_string(a) + ", model: m, cash: " + std::to_string(cash(rng)) +
         ".00, positions: {";
    bool first = true;
    for (int i = 0; i < kInstruments; ++i) {
      if (!held(rng)) continue;
      qty[static_cast<std::size_t>(a)][static_cast<std::size_t>(i)] = shares(rng);
      y += std::string(first ? "" : ", ") + kSymbols[i] + ": " +
           std::to_string(qty[static_cast<std::size_t>(a)][static_cast<std::size_t>(i)]);
      first = false;
    }
    y += "}}\n";
  }
  return y + "compliance: {max_adv_share: off}\njournal: {enabled: false}\n";
}

TEST(DeskView, EveryAccountsPositionsWeightsAndWorstHoldingMatchTheDesk) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    std::vector<std::vector<std::int64_t>> qty;
    const int n = 40;
    auto s = test::settings_of(desk(n, rng, qty));
    ASSERT_TRUE(s);
    auto made = test::offline_kernel(*s);
    ASSERT_TRUE(made) << made.error().message;
    kernel::Kernel& k = *made.value();
    std::vector<Event> intents;
    const Timestamp t = us_eastern_to_utc(test::kKernelSession, 10 * 60);
    for (std::uint32_t i = 0; i < kInstruments; ++i) {
      k.feed_offline(test::quote_of(InstrumentId{i}, t, kMidCents[i]), t, intents);
    }
    kernel::DeskView v;
    k.describe_offline(v);
    ASSERT_EQ(v.accounts.size(), static_cast<std::size_t>(n));
    for (int a = 0; a < n; ++a) {
      SCOPED_TRACE("account A" + std::to_string(a));
      const kernel::AccountView& av = v.accounts[static_cast<std::size_t>(a)];
      ASSERT_TRUE(av.complete);
      ASSERT_GT(av.nav.raw, 0);
      const double nav = static_cast<double>(av.nav.raw) * 1e-6;
      // Positions: the configured quantities (an instrument not held: none, or zero).
      std::vector<std::int64_t> seen(kInstruments, 0);
      double held_weight = 0;
      double worst_dev = -1;
      InstrumentId worst{};
      for (std::uint32_t p = 0; p < av.positions; ++p) {
        const kernel::PositionView& pv = v.positions[av.first_position + p];
        ASSERT_TRUE(pv.instrument.valid());
        ASSERT_LT(pv.instrument.value, static_cast<std::uint32_t>(kInstruments));
        seen[pv.instrument.value] = pv.qty.raw / 1'000'000;
        EXPECT_NEAR(pv.target, kWeights[pv.instrument.value], 1e-12);
        if (pv.qty.raw != 0) {
          ASSERT_GT(pv.mark.raw, 0);
          const double w = static_cast<double>(pv.qty.raw) * 1e-6 *
                           static_cast<double>(pv.mark.raw) * 1e-9 / nav;
          EXPECT_NEAR(pv.weight, w, 1e-9);
        }
        held_weight += pv.weight;
        const double dev = std::fabs(pv.weight - pv.target);
        if (dev > worst_dev) {
          worst_dev = dev;
          worst = pv.instrument;
        }
      }
      for (int i = 0; i < kInstruments; ++i) {
        EXPECT_EQ(seen[static_cast<std::size_t>(i)],
                  qty[static_cast<std::size_t>(a)][static_cast<std::size_t>(i)])
            << kSymbols[i];
      }
      // Cash: the rest of the NAV, against the model's cash buffer.
      const double cash_w = static_cast<double>(av.cash.raw) * 1e-6 / nav;
      EXPECT_NEAR(held_weight + cash_w, 1.0, 1e-9);
      if (std::fabs(cash_w - 0.10) > worst_dev) worst = InstrumentId{};
      EXPECT_EQ(av.worst, worst) << "the view's worst holding is not the largest |w - t|";
    }
  }
}

}  // namespace
}  // namespace desk_view_test
}  // namespace ballast
