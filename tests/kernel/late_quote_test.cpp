// An account that rebalanced before an instrument's first quote (the instrument left out of the
// trade list) buys it once it quotes: after its first parents finished, while they are still
// working at the broker, or between their slices (the rebalancer then skips the trigger; the
// drift monitor must fire again). The kernel is built as `ballast run` builds it, offline on the
// market clock, against a broker here that acknowledges every order and fills from a given minute.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ballast/config/config.hpp"
#include "ballast/core/exchange_time.hpp"
#include "ballast/kernel/kernel.hpp"
#include "support/kernel_test_support.hpp"

namespace ballast {
namespace {

using namespace std::chrono;

/// Run `ballast run`'s kernel on one cash-only account; GOOG first quotes at `goog_from` minutes
/// after 09:30; orders are filled only from `fill_from` minutes on. Returns the submits.
std::vector<SubmitOrder> drive(int goog_from, int fill_from) {
  const std::string yaml =
      "instruments:\n"
      "  - {symbol: AAPL}\n"
      "  - {symbol: AMZN}\n"
      "  - {symbol: GOOG}\n"
      "triggers:\n"
      "  absolute: {band: 0.05}\n"
      "  cost_benefit: {enabled: false}\n"
      "  cool_down: 1m\n"
      "  trading_hours: {start: \"09:30\", end: \"16:00\"}\n"
      "models:\n"
      "  - {id: m, weights: {AAPL: 0.4, AMZN: 0.3, GOOG: 0.3}}\n"
      "accounts:\n"
      "  - {id: CASH, model: m, cash: 1000000.00}\n"
      "optimizer: {risk_model: {estimator: ledoit_wolf, lookback_days: 200}}\n"
      "execution: {horizon: 2m, interval: 10s}\n"
      "compliance: {max_adv_share: off, reference_stale_after: 30s}\n"
      "journal: {enabled: false}\n";
  auto loaded = config::load_string(yaml, "late quote desk");
  EXPECT_TRUE(loaded.ok());
  if (!loaded.ok()) return {};
  auto k = test::offline_kernel(*loaded.settings);
  EXPECT_TRUE(k) << (k ? "" : k.error().message);
  if (!k) return {};

  std::vector<SubmitOrder> submits, held;
  std::uint64_t exec = 0;
  std::vector<Event> intents;
  const auto answer = [&](Timestamp t, bool fill_now) {
    while (!intents.empty() || (fill_now && !held.empty())) {
      std::vector<Event> in_flight;
      in_flight.swap(intents);
      std::vector<Event> reports;
      for (const Event& e : in_flight) {
        if (const auto* s = std::get_if<SubmitOrder>(&e)) {
          submits.push_back(*s);
          reports.push_back(test::ack_of(*s, "N" + std::to_string(++exec)));
          held.push_back(*s);
        } else if (const auto* c = std::get_if<CancelOrder>(&e)) {
          // Cancel whatever is held of it.
          for (std::size_t i = 0; i < held.size(); ++i) {
            if (held[i].order != c->orig_order) continue;
            reports.push_back(test::canceled_of(held[i], *c, "C" + std::to_string(++exec)));
            held.erase(held.begin() + static_cast<std::ptrdiff_t>(i));
            break;
          }
        }
      }
      if (fill_now) {
        for (const SubmitOrder& s : held) {
          reports.push_back(test::fill_of(s, "F" + std::to_string(++exec)));
        }
        held.clear();
      }
      for (const Event& r : reports) k.value()->feed_offline(r, t, intents);
    }
  };
  const std::int64_t mids[3] = {58000, 22000, 57000};  // cents
  for (int sec = 0; sec <= 40 * 60; sec += 5) {
    const Timestamp t{us_eastern_to_utc(test::kKernelSession, 9 * 60 + 30).ns +
                      sec * 1'000'000'000LL};
    for (std::uint32_t i = 0; i < 3; ++i) {
      if (i == 2 && sec < goog_from * 60) continue;
      // The mark moves a cent each time: the monitor looks again.
      k.value()->feed_offline(test::quote_of(InstrumentId{i}, t, mids[i] + (sec / 5) % 2), t,
                              intents);
      answer(t, sec >= fill_from * 60);
    }
  }
  return submits;
}

bool bought(const std::vector<SubmitOrder>& s, std::uint32_t instrument) {
  for (const SubmitOrder& o : s) {
    if (o.instrument.value == instrument && o.side == Side::kBuy) return true;
  }
  return false;
}

TEST(LateQuote, AnInstrumentQuotingAfterTheFirstRebalanceIsBoughtOnceItQuotes) {
  const auto s = drive(/*goog_from=*/5, /*fill_from=*/0);
  EXPECT_TRUE(bought(s, 0));
  EXPECT_TRUE(bought(s, 2)) << "GOOG never bought";
}

TEST(LateQuote, ItIsBoughtEvenWhenItQuotesWhileTheFirstParentsAreStillWorking) {
  // The first rebalance (AAPL, AMZN) is working, unfilled, when GOOG first quotes at 09:31; the
  // broker fills from 09:45.
  const auto s = drive(/*goog_from=*/1, /*fill_from=*/15);
  EXPECT_TRUE(bought(s, 0));
  EXPECT_TRUE(bought(s, 2)) << "GOOG never bought";
}

TEST(LateQuote, ItIsBoughtWhenItQuotesBetweenSlicesOfTheFirstParents) {
  // Every child fills at once: between slices the account has nothing working at the broker,
  // but its first parents are still being worked when GOOG first quotes at 09:31.
  const auto s = drive(/*goog_from=*/1, /*fill_from=*/0);
  EXPECT_TRUE(bought(s, 0));
  EXPECT_TRUE(bought(s, 2)) << "GOOG never bought";
}

}  // namespace
}  // namespace ballast
