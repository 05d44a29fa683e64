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
#include "support/kernel_test_desk.hpp"
#include "support/kernel_test_support.hpp"

namespace ballast {
namespace {

using namespace std::chrono;

/// Run `ballast run`'s kernel on one cash-only account; GOOG first quotes at `goog_from` minutes
/// after 09:30; orders are filled only from `fill_from` minutes on. Returns the intents sent.
std::vector<Event> drive(int goog_from, int fill_from) {
  const std::string yaml = test::desk_yaml(
      {.band = "0.05", .cool_down = "1m", .execution = "{horizon: 2m, interval: 10s}"});
  auto loaded = config::load_string(yaml, "late quote desk");
  EXPECT_TRUE(loaded.ok());
  if (!loaded.ok()) return {};
  auto k = test::offline_kernel(*loaded.settings);
  EXPECT_TRUE(k) << (k ? "" : k.error().message);
  if (!k) return {};

  std::vector<Event> intents, received;
  // Acknowledges every order, cancels whatever is held of one on request.
  test::TestBroker broker{.record = &received};
  const std::int64_t mids[3] = {58000, 22000, 57000};  // cents
  for (int sec = 0; sec <= 40 * 60; sec += 5) {
    const Timestamp t{us_eastern_to_utc(test::kKernelSession, 9 * 60 + 30).ns +
                      sec * 1'000'000'000LL};
    for (std::uint32_t i = 0; i < 3; ++i) {
      if (i == 2 && sec < goog_from * 60) continue;
      // The mark moves a cent each time: the monitor looks again.
      k.value()->feed_offline(test::quote_of(InstrumentId{i}, t, mids[i] + (sec / 5) % 2), t,
                              intents);
      broker.answer(*k.value(), t, intents, sec >= fill_from * 60);
    }
  }
  return received;
}

bool bought(const std::vector<Event>& received, std::uint32_t instrument) {
  for (const Event& e : received) {
    const auto* o = std::get_if<SubmitOrder>(&e);
    if (o != nullptr && o->instrument.value == instrument && o->side == Side::kBuy) return true;
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
