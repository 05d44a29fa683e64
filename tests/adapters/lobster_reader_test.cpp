// LOBSTER level-1 reader on NASDAQ's 2012-06-21 sample files and on small hand-written sessions.
// The sample files are the whole day from ../shared/data when it is there (then the day's counts
// are pinned too), else the shipped 09:30-09:35 extract of the same files.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "market_data_test_support.hpp"

namespace ballast {
namespace {

using namespace std::chrono_literals;
using test::contains;
using test::px;

/// The reader of the message file `message`, or nullopt after a test failure naming the problem.
std::optional<LobsterReader> open_lobster_file(const std::string& message,
                                               const InstrumentTable& table) {
  auto src = lobster_source(message, test::kEdt);
  if (!src) {
    ADD_FAILURE() << src.error().message;
    return std::nullopt;
  }
  auto r = LobsterReader::open(src.value(), table);
  if (!r) {
    ADD_FAILURE() << r.error().message;
    return std::nullopt;
  }
  return std::move(r).value();
}

/// The reader of `symbol`'s test file, or nullopt after a test failure naming the problem.
std::optional<LobsterReader> open_lobster(const std::string& symbol, const InstrumentTable& table) {
  return open_lobster_file(test::lobster_test_message(symbol), table);
}

Price e4(std::int64_t v) {
  return Price{v * 100'000};
}

TEST(LobsterFileName, ParsesSymbolDateWindowKindAndLevels) {
  auto fn = parse_lobster_file_name("/x/y/AAPL_2012-06-21_34200000_57600000_orderbook_10.csv");
  ASSERT_TRUE(fn.ok()) << fn.error().message;
  EXPECT_EQ(fn.value().symbol, "AAPL");
  EXPECT_EQ(fn.value().date, std::chrono::year_month_day{std::chrono::year{2012} / 6 / 21});
  EXPECT_EQ(fn.value().start_ms, 34'200'000);
  EXPECT_EQ(fn.value().end_ms, 57'600'000);
  EXPECT_FALSE(fn.value().is_message);
  EXPECT_EQ(fn.value().levels, 10);
  auto odd = parse_lobster_file_name("BRK_B_2012-06-21_34200000_57600000_message_1.csv");
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd.value().symbol, "BRK_B");
}

TEST(LobsterFileName, RejectsOtherNamesWithThePattern) {
  for (const char* bad : {"AAPL.csv", "AAPL_2012-13-21_34200000_57600000_message_1.csv",
                          "AAPL_2012-06-21_34200000_57600000_trades_1.csv",
                          "_2012-06-21_34200000_57600000_message_1.csv",
                          "AAPL_2012-06-21_34200000_57600000_message_1.txt"}) {
    auto fn = parse_lobster_file_name(bad);
    ASSERT_FALSE(fn.ok()) << bad;
    EXPECT_TRUE(contains(fn.error().message, "SYMBOL_YYYY-MM-DD"));
  }
}

TEST(LobsterSource, DerivesOrderbookPathSymbolAndDateFromTheMessageFile) {
  auto src = lobster_source("/d/AMZN_2012-06-21_34200000_57600000_message_1.csv", test::kEdt);
  ASSERT_TRUE(src.ok()) << src.error().message;
  EXPECT_EQ(src.value().orderbook_path, "/d/AMZN_2012-06-21_34200000_57600000_orderbook_1.csv");
  EXPECT_EQ(src.value().symbol, "AMZN");
  EXPECT_EQ(src.value().session.utc_offset, test::kEdt);
  EXPECT_FALSE(
      lobster_source("/d/AMZN_2012-06-21_34200000_57600000_orderbook_1.csv", test::kEdt).ok());
}

TEST(LobsterReader, PrintsOneTradePerVisibleOrHiddenExecutionInAapl) {
  // Plain count: type 4 and 5 rows of the message file, with their sizes.
  std::size_t expected_trades = 0, expected_rows = 0;
  std::int64_t expected_volume = 0;
  for (const auto& row : test::read_csv_plain(test::lobster_test_message("AAPL"))) {
    ++expected_rows;
    if (row.at(1) == "4" || row.at(1) == "5") {
      ++expected_trades;
      expected_volume += std::stoll(row.at(3));
    }
  }
  if (test::have_lobster_day()) {
    ASSERT_EQ(expected_trades, 34'990u);  // 23,658 visible + 11,332 hidden
  } else {
    ASSERT_GT(expected_trades, 100u);
  }

  auto table = test::instruments({"AAPL"});
  auto r = open_lobster("AAPL", table);
  ASSERT_TRUE(r);
  std::size_t trades = 0;
  Qty volume{};
  const Status st = for_each(*r, [&](const Event& e) {
    if (const auto* t = std::get_if<TradePrinted>(&e)) {
      ++trades;
      volume += t->size;
      EXPECT_EQ(t->instrument, table.find("AAPL"));
    }
  });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(trades, expected_trades);
  EXPECT_EQ(volume, Qty::from_units(expected_volume));
  if (test::have_lobster_day()) {
    EXPECT_EQ(r->rows_read(), 118'497u);
  }
  EXPECT_EQ(r->rows_read(), expected_rows);
}

TEST(LobsterReader, FirstAndLastQuotesMatchFirstAndLastOrderbookRows) {
  const auto book = test::read_csv_plain(test::lobster_test_orderbook("AAPL"));
  if (test::have_lobster_day()) {
    ASSERT_EQ(book.size(), 118'497u);
  }
  ASSERT_GT(book.size(), 1u);
  auto table = test::instruments({"AAPL"});
  auto r = open_lobster("AAPL", table);
  ASSERT_TRUE(r);
  std::optional<QuoteUpdated> first;
  std::optional<QuoteUpdated> last;
  ASSERT_TRUE(for_each(*r, [&](const Event& e) {
                if (const auto* q = std::get_if<QuoteUpdated>(&e)) {
                  if (!first) first = *q;
                  last = *q;
                }
              }).ok());
  ASSERT_TRUE(first && last);
  auto matches = [](const QuoteUpdated& q, const std::vector<std::string>& row) {
    EXPECT_EQ(q.ask, e4(std::stoll(row[0])));
    EXPECT_EQ(q.ask_size, Qty::from_units(std::stoll(row[1])));
    EXPECT_EQ(q.bid, e4(std::stoll(row[2])));
    EXPECT_EQ(q.bid_size, Qty::from_units(std::stoll(row[3])));
  };
  matches(*first, book.front());
  matches(*last, book.back());
  // 5859400,200,5853300,18 is $585.94 x 200 over $585.33 x 18.
  EXPECT_EQ(first->ask, px("585.94"));
  EXPECT_EQ(first->bid, px("585.33"));
  EXPECT_EQ(first->hdr.event_time, test::utc(2012, 6, 21, 13, 30, 0, 4'241'176));
}

TEST(LobsterReader, EmitsAQuoteExactlyWhenTheLevelOneBookChanges) {
  const auto book = test::read_csv_plain(test::lobster_test_orderbook("GOOG"));
  std::size_t changes = 0;
  for (std::size_t i = 0; i < book.size(); ++i) {
    if (i == 0 || book[i] != book[i - 1]) ++changes;
  }
  auto table = test::instruments({"GOOG"});
  auto r = open_lobster("GOOG", table);
  ASSERT_TRUE(r);
  std::size_t quotes = 0;
  ASSERT_TRUE(for_each(*r, [&](const Event& e) {
                quotes += std::holds_alternative<QuoteUpdated>(e);
              }).ok());
  EXPECT_EQ(quotes, changes);
  if (test::have_lobster_day()) {
    EXPECT_EQ(quotes, 45'569u);
  }
}

TEST(LobsterReader, TimestampsLieInTheRegularSessionAsUtcAndNeverGoBack) {
  // 09:30-16:00 EDT on 2012-06-21 is 13:30-20:00 UTC.
  const Timestamp open = test::utc(2012, 6, 21, 13, 30, 0);
  const Timestamp close = test::utc(2012, 6, 21, 20, 0, 0);
  for (const char* sym : {"AAPL", "AMZN", "GOOG"}) {
    auto table = test::instruments({sym});
    auto r = open_lobster(sym, table);
    ASSERT_TRUE(r) << sym;
    Timestamp prev{INT64_MIN};
    std::size_t n = 0;
    ASSERT_TRUE(for_each(*r,
                         [&](const Event& e) {
                           const Timestamp t = header(e).event_time;
                           EXPECT_GT(t, open);
                           EXPECT_LT(t, close);
                           EXPECT_GE(t, prev);
                           prev = t;
                           ++n;
                         })
                    .ok())
        << sym;
    EXPECT_GT(n, 0u);
    // Last AAPL message: 57599.913117637 s after midnight.
    if (std::string_view(sym) == "AAPL" && test::have_lobster_day()) {
      EXPECT_EQ(prev, test::utc(2012, 6, 21, 19, 59, 59, 913'117'637));
    }
  }
}

TEST(LobsterReader, ParsesShortFractionsOfASecondExactly) {
  // "34200.18960767" has 8 decimals: 0.189607670 s.
  test::TempDir dir;
  const std::string msg = dir.write("X_2012-06-21_0_1_message_1.csv",
                                    "34200.18960767,1,1,21,2238100,1\n"
                                    "34201,1,2,5,2238000,1\n"
                                    "34202.5,1,3,5,2237900,1\n");
  dir.write("X_2012-06-21_0_1_orderbook_1.csv",
            "2239500,100,2238100,21\n2239500,100,2238100,26\n2239500,100,2238100,31\n");
  auto table = test::instruments({"X"});
  auto r = open_lobster_file(msg, table);
  ASSERT_TRUE(r);
  const auto ev = test::drain(*r);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(header(ev[0]).event_time, test::utc(2012, 6, 21, 13, 30, 0, 189'607'670));
  EXPECT_EQ(header(ev[1]).event_time, test::utc(2012, 6, 21, 13, 30, 1));
  EXPECT_EQ(header(ev[2]).event_time, test::utc(2012, 6, 21, 13, 30, 2, 500'000'000));
}

TEST(LobsterReader, ReportsDummyPricesAsEmptySidesAndKeepsCrossedBooks) {
  test::TempDir dir;
  const std::string msg = dir.write("X_2012-06-21_0_1_message_1.csv",
                                    "34200.1,1,1,100,5853300,1\n"    // only a bid
                                    "34200.2,1,2,50,5853200,-1\n"    // ask below bid: crossed
                                    "34200.3,3,1,100,5853300,1\n"    // bid deleted: empty bid
                                    "34200.4,7,0,0,-1,-1\n"          // halt: book unchanged
                                    "34200.5,4,2,50,5853200,-1\n");  // ask executed: empty book
  dir.write("X_2012-06-21_0_1_orderbook_1.csv",
            "9999999999,0,5853300,100\n"
            "5853200,50,5853300,100\n"
            "5853200,50,-9999999999,0\n"
            "5853200,50,-9999999999,0\n"
            "9999999999,0,-9999999999,0\n");
  auto table = test::instruments({"X"});
  auto r = open_lobster_file(msg, table);
  ASSERT_TRUE(r);
  const auto ev = test::drain(*r);
  ASSERT_TRUE(r->status().ok());
  ASSERT_EQ(ev.size(), 5u);
  const auto& q0 = std::get<QuoteUpdated>(ev[0]);
  EXPECT_EQ(q0.bid, px("585.33"));
  EXPECT_EQ(q0.bid_size, Qty::from_units(100));
  EXPECT_TRUE(q0.ask.is_zero());
  EXPECT_TRUE(q0.ask_size.is_zero());
  const auto& q1 = std::get<QuoteUpdated>(ev[1]);
  EXPECT_GT(q1.bid, q1.ask);  // reported, not filtered
  const auto& q2 = std::get<QuoteUpdated>(ev[2]);
  EXPECT_TRUE(q2.bid.is_zero());
  EXPECT_TRUE(q2.bid_size.is_zero());
  EXPECT_EQ(q2.ask, px("585.32"));
  // The halt row changes nothing; the execution prints a trade, then the emptied book.
  const auto& t = std::get<TradePrinted>(ev[3]);
  EXPECT_EQ(t.price, px("585.32"));
  EXPECT_EQ(t.size, Qty::from_units(50));
  const auto& q4 = std::get<QuoteUpdated>(ev[4]);
  EXPECT_EQ(header(ev[3]).event_time, q4.hdr.event_time);
  EXPECT_TRUE(q4.bid.is_zero() && q4.ask.is_zero() && q4.bid_size.is_zero() &&
              q4.ask_size.is_zero());
}

TEST(LobsterReader, RejectsASymbolMissingFromTheInstrumentTable) {
  auto table = test::instruments({"MSFT"});
  auto src = lobster_source(test::lobster_test_message("AAPL"), test::kEdt);
  ASSERT_TRUE(src.ok());
  auto r = LobsterReader::open(src.value(), table);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "unknown symbol 'AAPL'"));
}

}  // namespace
}  // namespace ballast
