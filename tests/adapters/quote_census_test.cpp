// What the real quote files contain in the shapes a data-quality filter must judge (crossed,
// locked, empty side, zero size), as the readers report them. Pinned so a reader change that
// starts filtering or inventing quotes shows up here; docs/market_data.md lists the numbers.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "market_data_test_support.hpp"

namespace ballast {
namespace {

using namespace std::chrono_literals;

test::QuoteCensus census_of(EventReader& r) {
  test::QuoteCensus c;
  const Status st = for_each(r, [&](const Event& e) {
    if (const auto* q = std::get_if<QuoteUpdated>(&e)) test::count_quote(c, *q);
  });
  EXPECT_TRUE(st.ok()) << st.error().message;
  return c;
}

TEST(QuoteCensus, LobsterLevelOneSamplesHaveNoCrossedLockedOrEmptyBooks) {
  struct Expected {
    const char* symbol;
    std::size_t quotes;
  };
  for (const auto& x :
       {Expected{"AAPL", 107'165}, Expected{"AMZN", 55'071}, Expected{"GOOG", 45'569}}) {
    auto table = test::instruments({x.symbol});
    // The whole day when ../shared/data is here, else the shipped 09:30-09:35 extract.
    auto src = lobster_source(test::lobster_test_message(x.symbol), -4h);
    ASSERT_TRUE(src.ok()) << src.error().message;
    auto r = LobsterReader::open(src.value(), table);
    ASSERT_TRUE(r.ok()) << r.error().message;
    const auto c = census_of(r.value());
    if (test::have_lobster_day()) {
      EXPECT_EQ(c.quotes, x.quotes) << x.symbol;
    }
    EXPECT_GT(c.quotes, 0u) << x.symbol;
    EXPECT_EQ(c.crossed, 0u) << x.symbol;
    EXPECT_EQ(c.locked, 0u) << x.symbol;
    EXPECT_EQ(c.empty_side, 0u) << x.symbol;  // no dummy prices either: no side ever empties
    EXPECT_EQ(c.zero_size, 0u) << x.symbol;
  }
}

TEST(QuoteCensus, MinuteQuoteBarClosesAreLockedButNeverCrossed) {
  BALLAST_SKIP_WITHOUT_SHARED(test::kMinuteDir + "20131010_spy_minute_quote.csv",
                              test::kAlgoSeekNotShipped);
  struct Expected {
    const char* file;
    std::size_t quotes;
    std::size_t locked;
    std::size_t locked_regular;
  };
  const Expected files[] = {
      {"20131004_spy_minute_quote.csv", 855, 21, 3}, {"20131007_spy_minute_quote.csv", 908, 22, 2},
      {"20131008_spy_minute_quote.csv", 910, 19, 2}, {"20131009_spy_minute_quote.csv", 902, 18, 7},
      {"20131010_spy_minute_quote.csv", 941, 23, 4}, {"20131011_spy_minute_quote.csv", 896, 11, 0},
      {"20131010_bac_minute_quote.csv", 716, 26, 0}, {"20131009_aig_minute_quote.csv", 531, 3, 3},
      {"20131008_ibm_minute_quote.csv", 594, 1, 0},  {"20230803_spy_minute_quote.csv", 961, 0, 0},
  };
  auto table = test::instruments({"SPY", "IBM", "BAC", "AIG"});
  for (const auto& f : files) {
    auto src = lean_source(test::kMinuteDir + f.file, -4h);
    ASSERT_TRUE(src.ok());
    for (const bool regular : {false, true}) {
      MinuteBarOptions opt;
      opt.regular_session_only = regular;
      auto r = MinuteQuoteBarReader::open(src.value(), table, opt);
      ASSERT_TRUE(r.ok());
      const auto c = census_of(r.value());
      EXPECT_EQ(c.quotes, regular ? 390u : f.quotes) << f.file;
      EXPECT_EQ(c.crossed, 0u) << f.file;
      EXPECT_EQ(c.locked, regular ? f.locked_regular : f.locked)
          << f.file << " regular=" << regular;
      EXPECT_EQ(c.empty_side, 0u) << f.file;
      EXPECT_EQ(c.zero_size, 0u) << f.file;
    }
  }
}

}  // namespace
}  // namespace ballast
