// Malformed input: every reader stops at the first bad row with "<file>:<line>: field <n> (<name>):
// expected ..., got '...'", after delivering every event before that row; missing files name the
// path; random corruption never crashes a reader.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>

#include "market_data_test_support.hpp"

namespace ballast {
namespace {

using namespace std::chrono_literals;
using test::contains;

constexpr std::chrono::minutes kEdt = -4h;
const std::string kMsgName = "X_2012-06-21_34200000_57600000_message_1.csv";
const std::string kBookName = "X_2012-06-21_34200000_57600000_orderbook_1.csv";

/// Writes a LOBSTER pair and reads it to the end; returns the events and the final status.
struct ReadResult {
  std::vector<Event> events;
  Status status = Ok{};
};

ReadResult run_lobster(const test::TempDir& dir, std::string_view messages, std::string_view book) {
  const std::string msg = dir.write(kMsgName, messages);
  dir.write(kBookName, book);
  auto table = test::instruments({"X"});
  auto src = lobster_source(msg, kEdt);
  EXPECT_TRUE(src.ok());
  auto r = LobsterReader::open(src.value(), table);
  EXPECT_TRUE(r.ok()) << r.error().message;
  ReadResult out;
  out.events = test::drain(r.value());
  out.status = r.value().status();
  // A stopped reader stays stopped with the same error.
  EXPECT_FALSE(r.value().next().has_value());
  return out;
}

constexpr std::string_view kGoodMessages =
    "34200.1,1,1,100,5853300,1\n"
    "34200.2,1,2,50,5853400,-1\n";
constexpr std::string_view kGoodBook =
    "9999999999,0,5853300,100\n"
    "5853400,50,5853300,100\n";

TEST(MalformedLobster, StopsAtABadPriceNamingFileLineAndFieldAfterEarlierRows) {
  test::TempDir dir;
  std::string msgs(kGoodMessages);
  msgs.append("34200.3,4,2,10,abc,-1\n34200.4,1,3,5,5853000,1\n");
  std::string book(kGoodBook);
  book.append("5853400,40,5853300,100\n5853400,40,5853300,100\n");
  const ReadResult r = run_lobster(dir, msgs, book);
  EXPECT_EQ(r.events.size(), 2u);  // both quotes before the bad row
  ASSERT_FALSE(r.status.ok());
  EXPECT_EQ(
      r.status.error().message,
      kMsgName + ":3: field 5 (price): expected an integer price in 1/10000 dollars, got 'abc'");
}

TEST(MalformedLobster, NamesEachKindOfBadMessageField) {
  struct Case {
    std::string_view row;
    std::string_view expected;
  };
  const Case cases[] = {
      {"34200.3,4,2,10,5853400",
       ":3: expected 6 fields (time,type,order id,size,price,direction), got 5"},
      {"34200.3,4,2,10,5853400,-1,9", "got 7"},
      {"34200.0000000001,4,2,10,5853400,-1", ":3: field 1 (time): expected seconds after midnight"},
      {"-1.5,4,2,10,5853400,-1", "field 1 (time)"},
      {"86400.0,4,2,10,5853400,-1", "field 1 (time)"},
      {"34200.3,6,2,10,5853400,-1",
       ":3: field 2 (type): expected one of 1, 2, 3, 4, 5, 7, got '6'"},
      {"34200.3,9,2,10,5853400,-1", "field 2 (type): expected an integer from 1 to 7, got '9'"},
      {"34200.3,4,x,10,5853400,-1", "field 3 (order id): expected an integer, got 'x'"},
      {"34200.3,4,2,-10,5853400,-1",
       "field 4 (size): expected a whole number of shares >= 0, got '-10'"},
      {"34200.3,4,2,10,5853400.5,-1", "field 5 (price): expected an integer price"},
      {"34200.3,4,2,10,99999999999999999999,-1", "field 5 (price): expected an integer price"},
      {"34200.3,4,2,10,922337203685478,-1", "field 5 (price): expected a price within"},
      {"34200.3,4,2,10,5853400,0", "field 6 (direction): expected 1 or -1, got '0'"},
      {"34200.3,4,2,10,5853400, 1", "field 6 (direction): expected an integer, got ' 1'"},
      {"", ":3: expected 6 fields"},
  };
  for (const auto& c : cases) {
    test::TempDir dir;
    std::string msgs(kGoodMessages);
    msgs.append(c.row);
    msgs.append("\n");
    std::string book(kGoodBook);
    book.append("5853400,40,5853300,100\n");
    const ReadResult r = run_lobster(dir, msgs, book);
    EXPECT_EQ(r.events.size(), 2u) << c.row;
    ASSERT_FALSE(r.status.ok()) << c.row;
    EXPECT_TRUE(contains(r.status.error().message, c.expected)) << c.row;
    EXPECT_TRUE(contains(r.status.error().message, kMsgName)) << c.row;
  }
}

TEST(MalformedLobster, NamesTheOrderbookFileForBadOrMissingBookRows) {
  {
    test::TempDir dir;
    std::string book(kGoodBook);
    book.append("5853400,40,5853300\n");
    std::string msgs(kGoodMessages);
    msgs.append("34200.3,4,2,10,5853400,-1\n");
    const ReadResult r = run_lobster(dir, msgs, book);
    EXPECT_EQ(r.events.size(), 2u);
    ASSERT_FALSE(r.status.ok());
    EXPECT_TRUE(
        contains(r.status.error().message, kBookName + ":3: expected 4 fields per book level"));
  }
  {
    test::TempDir dir;
    std::string book(kGoodBook);
    book.append("5853400,40,5853300,-5\n");
    std::string msgs(kGoodMessages);
    msgs.append("34200.3,4,2,10,5853400,-1\n");
    const ReadResult r = run_lobster(dir, msgs, book);
    ASSERT_FALSE(r.status.ok());
    EXPECT_TRUE(contains(r.status.error().message, kBookName + ":3: field 4 (bid size)"));
  }
  {
    test::TempDir dir;  // one message too many
    std::string msgs(kGoodMessages);
    msgs.append("34200.3,4,2,10,5853400,-1\n");
    const ReadResult r = run_lobster(dir, msgs, kGoodBook);
    EXPECT_EQ(r.events.size(), 2u);
    ASSERT_FALSE(r.status.ok());
    EXPECT_TRUE(
        contains(r.status.error().message, kMsgName + ":3: " + kBookName + " ended after 2 rows"));
  }
  {
    test::TempDir dir;  // one book row too many
    std::string book(kGoodBook);
    book.append("5853400,40,5853300,100\n");
    const ReadResult r = run_lobster(dir, kGoodMessages, book);
    EXPECT_EQ(r.events.size(), 2u);
    ASSERT_FALSE(r.status.ok());
    EXPECT_TRUE(
        contains(r.status.error().message, kBookName + ":3: has more rows than " + kMsgName));
  }
}

TEST(MalformedLobster, ReportsAMissingFileByItsPath) {
  test::TempDir dir;
  auto table = test::instruments({"X"});
  auto src = lobster_source(dir.path(kMsgName), kEdt);
  ASSERT_TRUE(src.ok());
  auto r = LobsterReader::open(src.value(), table);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "cannot open " + dir.path(kMsgName)));
  EXPECT_TRUE(contains(r.error().message, "No such file"));

  dir.write(kMsgName, kGoodMessages);
  auto no_book = LobsterReader::open(src.value(), table);
  ASSERT_FALSE(no_book.ok());
  EXPECT_TRUE(contains(no_book.error().message, "cannot open " + dir.path(kBookName)));
}

TEST(MalformedTicks, TradeAndQuoteReadersNameFileLineAndField) {
  test::TempDir dir;
  auto table = test::instruments({"IBM"});
  const std::string trades = dir.write("20131008_ibm_Trade_Tick.csv",
                                       "31669457,1821000,300,P,2000,0\n"
                                       "31669458,1821000,300,P,2000,0\n"
                                       "31669459,1821000,300,P,2000,2\n");
  auto t = TaqTradeReader::open(lean_source(trades, kEdt).value(), table);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(test::drain(t.value()).size(), 2u);
  ASSERT_NE(t.value().error(), nullptr);
  EXPECT_EQ(t.value().error()->message,
            "20131008_ibm_Trade_Tick.csv:3: field 6 (suspicious): expected an integer from 0 to 1, "
            "got '2'");

  const std::string quotes = dir.write("20131008_ibm_Quote_Tick.csv",
                                       "14400640,1800100,200,0,0,P,1,0\r\n"
                                       "86400000,0,0,1826200,100,P,1,0\r\n");
  auto q = TaqQuoteReader::open(lean_source(quotes, kEdt).value(), table);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(test::drain(q.value()).size(), 1u);
  ASSERT_NE(q.value().error(), nullptr);
  EXPECT_EQ(q.value().error()->message,
            "20131008_ibm_Quote_Tick.csv:2: field 1 (ms): expected milliseconds after midnight "
            "(0 to 86399999), got '86400000'");

  const std::string short_row =
      dir.write("20131009_ibm_Quote_Tick.csv", "14400640,1800100,200,0,0,P,1");
  auto s = TaqQuoteReader::open(lean_source(short_row, kEdt).value(), table);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(test::drain(s.value()).empty());
  EXPECT_TRUE(
      contains(s.value().error()->message,
               "20131009_ibm_Quote_Tick.csv:1: expected 8 fields (ms,bid price,bid size,ask "
               "price,ask size,exchange,condition,suspicious), got 7"));

  auto missing = TaqTradeReader::open(
      lean_source(dir.path("20131010_ibm_Trade_Tick.csv"), kEdt).value(), table);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(contains(missing.error().message, dir.path("20131010_ibm_Trade_Tick.csv")));
}

TEST(MalformedTicks, TheMergeStopsAtAnInputErrorAfterThatInputsEarlierEvents) {
  test::TempDir dir;
  auto table = test::instruments({"IBM"});
  const std::string trades = dir.write("20131008_ibm_Trade_Tick.csv",
                                       "1000,1821000,300,P,2000,0\n"
                                       "3000,1821000,300,P,2000,0\n"
                                       "4000,1821000,x,P,2000,0\n");
  const std::string quotes = dir.write("20131008_ibm_Quote_Tick.csv",
                                       "1000,1800100,200,0,0,P,1,0\n"
                                       "2000,0,0,1826200,100,P,1,0\n"
                                       "5000,0,0,1826200,100,P,1,0\n");
  auto m =
      open_taq_day(lean_source(trades, kEdt).value(), lean_source(quotes, kEdt).value(), table);
  ASSERT_TRUE(m.ok());
  const auto ev = test::drain(m.value());
  // q@1000, t@1000 (quote first on the tie), q@2000, t@3000; then the bad trade row.
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_TRUE(std::holds_alternative<QuoteUpdated>(ev[0]));
  EXPECT_TRUE(std::holds_alternative<TradePrinted>(ev[1]));
  EXPECT_TRUE(std::holds_alternative<QuoteUpdated>(ev[2]));
  EXPECT_TRUE(std::holds_alternative<TradePrinted>(ev[3]));
  ASSERT_NE(m.value().error(), nullptr);
  EXPECT_TRUE(contains(m.value().error()->message,
                       "20131008_ibm_Trade_Tick.csv:3: field 3 (size): expected a whole number"));
}

TEST(MalformedTicks, TheMergeRejectsAnInputThatGoesBackInTime) {
  test::TempDir dir;
  auto table = test::instruments({"IBM"});
  const std::string trades = dir.write("20131008_ibm_Trade_Tick.csv",
                                       "3000,1821000,300,P,2000,0\n"
                                       "2000,1821000,300,P,2000,0\n");
  const std::string quotes =
      dir.write("20131008_ibm_Quote_Tick.csv", "1000,1800100,200,0,0,P,1,0\n");
  auto m =
      open_taq_day(lean_source(trades, kEdt).value(), lean_source(quotes, kEdt).value(), table);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(test::drain(m.value()).size(), 2u);
  ASSERT_NE(m.value().error(), nullptr);
  EXPECT_TRUE(contains(m.value().error()->message, "20131008_ibm_Trade_Tick.csv:2: event time"));
  EXPECT_TRUE(contains(m.value().error()->message, "needs each input in time order"));
}

TEST(MalformedBars, MinuteBarReadersNameFileLineAndField) {
  test::TempDir dir;
  auto table = test::instruments({"SPY"});
  const std::string bars = dir.write("20131010_spy_minute_trade.csv",
                                     "34200000,1673200,1673500,1672300,1672900,1125495\n"
                                     "34260000,1673000,1673800,1673000,1.5,747287\n");
  auto r = MinuteTradeBarReader::open(lean_source(bars, kEdt).value(), table);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(test::drain(r.value()).size(), 1u);
  EXPECT_EQ(
      r.value().error()->message,
      "20131010_spy_minute_trade.csv:2: field 5 (close): expected an integer price in 1/10000 "
      "dollars, got '1.5'");

  const std::string quotes = dir.write("20131010_spy_minute_quote.csv",
                                       "14400000,1663100,1665000,1663100,1665000,30300,1664500,"
                                       "1665100,1664500,1665100\n");
  auto q = MinuteQuoteBarReader::open(lean_source(quotes, kEdt).value(), table);
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(test::drain(q.value()).empty());
  EXPECT_TRUE(
      contains(q.value().error()->message, "20131010_spy_minute_quote.csv:1: expected 11 fields"));
}

TEST(MalformedDaily, NamesFileLineFieldAndSymbol) {
  test::TempDir dir;
  struct Case {
    std::string_view content;
    std::string_view expected;
  };
  const Case cases[] = {
      {"Date,SPY,AGG\r\n1/3/2000,145.4375,NA\r\n1/4/2000,x1,NA\r\n",
       "d.csv:3: field 2 (SPY): expected a decimal price > 0, 'NA' or an empty cell, got 'x1'"},
      // Adversarial pass 2 (L2): 0 and negative closes were accepted and reached the risk
      // model, which could only name a matrix cell.
      {"Date,SPY,AGG\n1/3/2000,1,2\n1/4/2000,-5,2\n",
       "d.csv:3: field 2 (SPY): expected a decimal price > 0, 'NA' or an empty cell, got '-5'"},
      {"Date,SPY,AGG\n1/3/2000,1,0\n",
       "d.csv:2: field 3 (AGG): expected a decimal price > 0, 'NA' or an empty cell, got '0'"},
      {"Date,SPY,AGG\n1/3/2000,145.4375\n", "d.csv:2: expected 3 fields (date and one per symbol"},
      {"Date,SPY,AGG\n2000-02-30,1,2\n", "d.csv:2: field 1 (date): expected a date as M/D/YYYY"},
      {"Date,SPY,AGG\n1/3/4000,1,2\n", "d.csv:2: field 1 (date): expected a date as M/D/YYYY"},
      {"Date,SPY,AGG\n1/4/2000,1,2\n1/3/2000,1,2\n",
       "d.csv:3: field 1 (date): expected a date after 2000-01-04 (rows in increasing date order)"},
      {"Ticker,SPY\n", "d.csv:1: field 1 (header): expected 'Date', got 'Ticker'"},
      {"Date,SPY,SPY\n", "d.csv:1: field 3 (header): expected a symbol not already in the header"},
      {"Date,SPY,\n", "d.csv:1: field 3 (header): expected a symbol, got ''"},
      {"Date\n", "d.csv:1: expected a header 'Date,<symbol>,...'"},
      {"", "d.csv: empty file"},
      {"date,SPY\n2000-01-03,1e5\n", "d.csv:2: field 2 (SPY)"},
  };
  for (const auto& c : cases) {
    auto t = load_daily_closes(dir.write("d.csv", c.content));
    ASSERT_FALSE(t.ok()) << c.content;
    EXPECT_TRUE(contains(t.error().message, c.expected));
  }
  // A directory opens on Linux but cannot be read: an error naming it, not a crash or a hang.
  std::filesystem::create_directories(dir.path("sub.csv"));
  auto directory = load_daily_closes(dir.path("sub.csv"));
  ASSERT_FALSE(directory.ok());
  EXPECT_TRUE(contains(directory.error().message, dir.path("sub.csv")));

  auto missing = load_daily_closes(dir.path("none.csv"));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(contains(missing.error().message, "cannot open " + dir.path("none.csv")));
}

TEST(MalformedInput, RandomCorruptionNeverCrashesAReader) {
  // A fixed seed keeps the test deterministic; the point is that no byte sequence crashes a
  // reader or throws, and that every failure names the file.
  const std::string msgs =
      "34200.004241176,1,16113575,18,5853300,1\n34200.025551909,1,16120456,18,5859100,-1\n"
      "34200.201743336,3,16120456,18,5859100,-1\n34200.3,4,16113575,18,5853300,1\n";
  const std::string book =
      "5859400,200,5853300,18\n5859100,18,5853300,18\n5859400,200,5853300,18\n"
      "9999999999,0,-9999999999,0\n";
  const std::string bars = "34200000,1673200,1673500,1672300,1672900,1125495\n";
  const std::string daily =
      "\xEF\xBB\xBF"
      "Date,SPY,AGG\r\n1/3/2000,145.4375,NA\r\n";
  std::mt19937 rng(20120621);
  const std::string alphabet = "0123456789,.-\r\n9xNA ";
  auto mutate = [&](std::string s) {
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < edits && !s.empty(); ++i) {
      const std::size_t at = rng() % s.size();
      switch (rng() % 3) {
        case 0:
          s[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          s.erase(at, 1);
          break;
        default:
          s.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
      }
    }
    return s;
  };
  auto table = test::instruments({"X", "SPY", "AGG"});
  test::TempDir dir;
  for (int round = 0; round < 300; ++round) {
    const std::string m = dir.write(kMsgName, mutate(msgs));
    dir.write(kBookName, mutate(book));
    auto r = LobsterReader::open(lobster_source(m, kEdt).value(), table);
    ASSERT_TRUE(r.ok());
    test::drain(r.value());
    if (const Error* e = r.value().error()) {
      EXPECT_TRUE(e->message.rfind(kMsgName, 0) == 0 || e->message.rfind(kBookName, 0) == 0)
          << e->message;
    }
    const std::string b = dir.write("20131010_spy_minute_trade.csv", mutate(bars));
    auto br = MinuteTradeBarReader::open(lean_source(b, kEdt).value(), table);
    ASSERT_TRUE(br.ok());
    test::drain(br.value());
    auto d = load_daily_closes(dir.write("d.csv", mutate(daily)));
    if (!d.ok()) {
      EXPECT_TRUE(contains(d.error().message, "d.csv")) << d.error().message;
    }
  }
}

}  // namespace
}  // namespace ballast
