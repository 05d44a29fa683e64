// Lean/AlgoSeek trade and quote ticks: IBM on 2013-10-08, and the time-ordered merge of the two.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "market_data_test_support.hpp"

namespace ballast {
namespace {

using namespace std::chrono_literals;
using test::contains;
using test::px;

const std::string kIbmTrades = test::kTickDir + "20131008_ibm_Trade_Tick.csv";
const std::string kIbmQuotes = test::kTickDir + "20131008_ibm_Quote_Tick.csv";

LeanSource source(const std::string& path) {
  auto s = lean_source(path, test::kEdt);
  EXPECT_TRUE(s.ok()) << s.error().message;
  return s.value();
}

TEST(LeanFileName, ParsesDateSymbolAndKind) {
  auto t = parse_lean_file_name(kIbmTrades);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t.value().symbol, "IBM");
  EXPECT_EQ(t.value().date, std::chrono::year_month_day{std::chrono::year{2013} / 10 / 8});
  EXPECT_EQ(t.value().kind, LeanFileKind::kTradeTicks);
  EXPECT_EQ(parse_lean_file_name(kIbmQuotes).value().kind, LeanFileKind::kQuoteTicks);
  EXPECT_EQ(parse_lean_file_name("20131010_spy_minute_trade.csv").value().kind,
            LeanFileKind::kMinuteTradeBars);
  EXPECT_EQ(parse_lean_file_name("20131010_spy_minute_quote.csv").value().kind,
            LeanFileKind::kMinuteQuoteBars);
  for (const char* bad : {"spy.csv", "20131310_spy_minute_trade.csv", "20131010__minute_trade.csv",
                          "20131010_spy_hour_trade.csv"}) {
    auto r = parse_lean_file_name(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(contains(r.error().message, "YYYYMMDD_<symbol>_minute_trade.csv"));
  }
}

TEST(TaqTradeReader, ReadsEveryIbmTradeWithExactPricesAndTimes) {
  BALLAST_SKIP_WITHOUT_SHARED(kIbmTrades, test::kAlgoSeekNotShipped);
  const auto rows = test::read_csv_plain(kIbmTrades);
  // data/README says 33,380: that is `wc -l`, which misses the last row (it has no newline).
  ASSERT_EQ(rows.size(), 33'381u);
  std::int64_t plain_volume = 0;
  for (const auto& row : rows) plain_volume += std::stoll(row.at(2));

  auto table = test::instruments({"SPY", "IBM"});
  auto r = TaqTradeReader::open(source(kIbmTrades), table);
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::size_t n = 0;
  Qty volume{};
  std::optional<TradePrinted> first;
  ASSERT_TRUE(for_each(r.value(), [&](const Event& e) {
                const auto& t = std::get<TradePrinted>(e);
                if (!first) first = t;
                volume += t.size;
                ++n;
              }).ok());
  EXPECT_EQ(n, rows.size());
  EXPECT_EQ(volume, Qty::from_units(plain_volume));
  // 31669457,1821000,300,P,2000,0: 08:47:49.457 EDT, $182.10 x 300.
  ASSERT_TRUE(first);
  EXPECT_EQ(first->instrument, table.find("IBM"));
  EXPECT_EQ(first->hdr.event_time, test::utc(2013, 10, 8, 12, 47, 49, 457'000'000));
  EXPECT_EQ(first->price, px("182.10"));
  EXPECT_EQ(first->size, Qty::from_units(300));
}

TEST(TaqQuoteReader, ReadsEveryIbmQuoteAsOneSidedAsRecorded) {
  BALLAST_SKIP_WITHOUT_SHARED(kIbmQuotes, test::kAlgoSeekNotShipped);
  const auto rows = test::read_csv_plain(kIbmQuotes);
  // data/README says 125,749 (`wc -l` again; the last row has no newline).
  ASSERT_EQ(rows.size(), 125'750u);
  auto table = test::instruments({"IBM"});
  auto r = TaqQuoteReader::open(source(kIbmQuotes), table);
  ASSERT_TRUE(r.ok()) << r.error().message;
  test::QuoteCensus census;
  std::optional<QuoteUpdated> first;
  std::optional<QuoteUpdated> second;
  ASSERT_TRUE(for_each(r.value(), [&](const Event& e) {
                const auto& q = std::get<QuoteUpdated>(e);
                if (census.quotes == 0) first = q;
                if (census.quotes == 1) second = q;
                test::count_quote(census, q);
              }).ok());
  EXPECT_EQ(census.quotes, rows.size());
  EXPECT_EQ(census.empty_side, rows.size());  // AlgoSeek quotes are one-sided
  EXPECT_EQ(census.crossed, 0u);
  EXPECT_EQ(census.locked, 0u);
  EXPECT_EQ(census.zero_size, 0u);
  // 14400640,1800100,200,0,0,P,1,0 then 14400640,0,0,1826200,100,P,1,0
  EXPECT_EQ(first->bid, px("180.01"));
  EXPECT_EQ(first->bid_size, Qty::from_units(200));
  EXPECT_TRUE(first->ask.is_zero() && first->ask_size.is_zero());
  EXPECT_TRUE(second->bid.is_zero() && second->bid_size.is_zero());
  EXPECT_EQ(second->ask, px("182.62"));
  EXPECT_EQ(first->hdr.event_time, test::utc(2013, 10, 8, 8, 0, 0, 640'000'000));
}

TEST(TaqQuoteReader, SkipsSuspiciousRowsOnlyWhenAsked) {
  BALLAST_SKIP_WITHOUT_SHARED(kIbmQuotes, test::kAlgoSeekNotShipped);
  auto table = test::instruments({"IBM"});
  TaqOptions opt;
  opt.skip_suspicious = true;
  auto r = TaqQuoteReader::open(source(kIbmQuotes), table, opt);
  ASSERT_TRUE(r.ok());
  std::size_t n = 0;
  ASSERT_TRUE(for_each(r.value(), [&](const Event&) { ++n; }).ok());
  EXPECT_EQ(n, 125'749u);  // the last row (20:00:00.646, ask 185.00) is flagged suspicious
}

TEST(TaqDay, MergesTradesAndQuotesInTimeOrderWithQuotesFirstOnTies) {
  BALLAST_SKIP_WITHOUT_SHARED(kIbmTrades, test::kAlgoSeekNotShipped);
  auto table = test::instruments({"IBM"});
  auto merged = open_taq_day(source(kIbmTrades), source(kIbmQuotes), table);
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  std::int64_t plain_volume = 0;
  for (const auto& row : test::read_csv_plain(kIbmTrades)) plain_volume += std::stoll(row.at(2));

  std::size_t trades = 0;
  std::size_t quotes = 0;
  std::size_t ties = 0;
  Qty volume{};
  Timestamp prev{INT64_MIN};
  bool prev_was_trade = false;
  const Status st = for_each(merged.value(), [&](const Event& e) {
    const Timestamp t = header(e).event_time;
    ASSERT_GE(t, prev) << merged.value().position();
    const bool is_trade = std::holds_alternative<TradePrinted>(e);
    if (t == prev && prev_was_trade) {
      EXPECT_TRUE(is_trade) << "a quote after a trade of the same ms at "
                            << merged.value().position();
    }
    if (t == prev && !prev_was_trade && is_trade) ++ties;
    if (is_trade) {
      ++trades;
      volume += std::get<TradePrinted>(e).size;
    } else {
      ++quotes;
    }
    prev = t;
    prev_was_trade = is_trade;
  });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(trades, 33'381u);
  EXPECT_EQ(quotes, 125'750u);
  EXPECT_EQ(volume, Qty::from_units(plain_volume));
  EXPECT_EQ(plain_volume, 5'564'671);
  EXPECT_GT(ties, 0u);  // the tie rule is exercised by the real file
}

TEST(TaqDay, ReportsAMissingFileByPath) {
  // A quote file of our own (the shared one may be absent too) and a trade file that is missing.
  test::TempDir dir;
  const std::string quotes =
      dir.write("20131008_ibm_Quote_Tick.csv", "34200000,1855000,100,1856000,200,P,0,0\n");
  auto table = test::instruments({"IBM"});
  LeanSource missing = source(kIbmTrades);
  missing.path = dir.path("20131008_ibm_Trade_Tick_missing.csv");
  auto merged = open_taq_day(missing, source(quotes), table);
  ASSERT_FALSE(merged.ok());
  EXPECT_TRUE(contains(merged.error().message, missing.path));
}

}  // namespace
}  // namespace ballast
