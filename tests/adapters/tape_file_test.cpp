// Tape files: the reader on hand-written tapes (good and malformed), and the shipped demo extract
// (data/intraday/...tape.csv, data/daily/...) against its sources in ../shared/data.
#include "ballast/adapters/tape_file.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "market_data_test_support.hpp"

namespace ballast {
namespace {

using namespace std::chrono_literals;
using test::contains;
using test::px;

const std::string kShippedTape =
    std::string(BALLAST_SOURCE_DIR) + "/data/intraday/nasdaq_2012-06-21_aapl_amzn_goog.tape.csv";
const std::string kShippedDaily =
    std::string(BALLAST_SOURCE_DIR) + "/data/daily/pyportfolioopt_closes_2011-06-01_2012-06-20.csv";

constexpr std::string_view kHeader =
    "# ballast tape v1\n"
    "# date: 2012-06-21\n"
    "# utc_offset: -04:00\n";

Qty sh(std::string_view text) {
  return Qty::parse(text).value();
}

/// One line of text per event, for exact comparisons with readable diffs.
std::string show(const Event& e, const InstrumentTable& table) {
  std::ostringstream o;
  if (const auto* q = std::get_if<QuoteUpdated>(&e)) {
    o << q->hdr.event_time.ns << ',' << table[q->instrument].symbol << ",Q," << q->bid.to_string()
      << ',' << q->bid_size.to_string() << ',' << q->ask.to_string() << ','
      << q->ask_size.to_string();
  } else if (const auto* t = std::get_if<TradePrinted>(&e)) {
    o << t->hdr.event_time.ns << ',' << table[t->instrument].symbol << ",T," << t->price.to_string()
      << ',' << t->size.to_string();
  } else {
    o << "other event " << event_name(e);
  }
  return o.str();
}

Result<TapeFileReader> open_text(const test::TempDir& dir, std::string_view text,
                                 const InstrumentTable& table, TapeOptions options = {}) {
  return TapeFileReader::open(dir.write("tape.csv", text), table, std::move(options));
}

// ------------------------------------------------------------------------------ good input

TEST(TapeFileReader, ReadsQuotesAndTradesWithExactValuesAndUtcTimes) {
  test::TempDir dir;
  auto table = test::instruments({"AAPL", "AMZN", "GOOG"});
  std::string text(kHeader);
  text.append(
      "# free comment: anything\n"
      "34200015105074,GOOG,T,579.4,4\n"
      "34200015105074,GOOG,Q,579.4,496,580.23,100\n"
      "34200025551909,AAPL,Q,585.33,18,585.91,18\n"
      "\n"
      "# a comment between rows\n"
      "57599999999999,AMZN,T,0.000000001,0.5\n"
      "57599999999999,AMZN,Q,0,0,223.95,100\n");
  auto r = open_text(dir, text, table);
  ASSERT_TRUE(r.ok()) << r.error().message;
  TapeFileReader& reader = r.value();
  EXPECT_EQ(reader.session().date, CivilDate{std::chrono::year{2012} / 6 / 21});
  EXPECT_EQ(reader.session().utc_offset, -4h);
  EXPECT_EQ(reader.position(), "");

  auto ev = test::drain(reader);
  ASSERT_TRUE(reader.status().ok()) << reader.status().error().message;
  ASSERT_EQ(ev.size(), 5u);
  // 09:30:00.015105074 EDT = 13:30:00.015105074 UTC.
  const auto& t0 = std::get<TradePrinted>(ev[0]);
  EXPECT_EQ(t0.hdr.event_time, test::utc(2012, 6, 21, 13, 30, 0, 15'105'074));
  EXPECT_EQ(t0.instrument, table.find("GOOG"));
  EXPECT_EQ(t0.price, px("579.4"));
  EXPECT_EQ(t0.size, Qty::from_units(4));
  EXPECT_EQ(t0.hdr.seq, 0u);
  EXPECT_EQ(t0.hdr.receive_time, kNoTime);
  const auto& q1 = std::get<QuoteUpdated>(ev[1]);
  EXPECT_EQ(q1.hdr.event_time, t0.hdr.event_time);
  EXPECT_EQ(q1.bid, px("579.4"));
  EXPECT_EQ(q1.bid_size, Qty::from_units(496));
  EXPECT_EQ(q1.ask, px("580.23"));
  EXPECT_EQ(q1.ask_size, Qty::from_units(100));
  EXPECT_EQ(std::get<QuoteUpdated>(ev[2]).instrument, table.find("AAPL"));
  const auto& t3 = std::get<TradePrinted>(ev[3]);
  EXPECT_EQ(t3.hdr.event_time, test::utc(2012, 6, 21, 19, 59, 59, 999'999'999));
  EXPECT_EQ(t3.price.raw, 1);
  EXPECT_EQ(t3.size, sh("0.5"));
  const auto& q4 = std::get<QuoteUpdated>(ev[4]);
  EXPECT_TRUE(q4.bid.is_zero());  // empty side
  EXPECT_TRUE(q4.bid_size.is_zero());
  EXPECT_EQ(reader.position(), "tape.csv:11");
  EXPECT_EQ(reader.quotes_read(), 3u);
  EXPECT_EQ(reader.trades_read(), 2u);
  EXPECT_EQ(reader.rows_skipped(), 0u);
  EXPECT_FALSE(reader.next().has_value());  // stays at the end
}

TEST(TapeFileReader, AcceptsCrlfBomlessHeaderOnlyAndEmptyTapes) {
  test::TempDir dir;
  auto table = test::instruments({"AAPL"});
  auto crlf = open_text(dir,
                        "# ballast tape v1\r\n# date: 2012-06-21\r\n# utc_offset: -04:00\r\n"
                        "34200000000000,AAPL,T,1.5,2\r\n",
                        table);
  ASSERT_TRUE(crlf.ok()) << crlf.error().message;
  auto ev = test::drain(crlf.value());
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<TradePrinted>(ev[0]).price, px("1.5"));

  auto empty = open_text(dir, kHeader, table);
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_FALSE(empty.value().next().has_value());
  EXPECT_TRUE(empty.value().status().ok());
}

TEST(TapeFileReader, TheCallersSessionStampsATapeWithoutDateOrOffset) {
  test::TempDir dir;
  auto table = test::instruments({"AAPL"});
  const CivilDate jan{std::chrono::year{2013} / 1 / 15};
  TapeOptions opt;
  opt.session = SessionClock{jan, us_eastern_utc_offset(jan)};  // EST: -5 h
  auto r = open_text(dir, "# ballast tape v1\n34200000000000,AAPL,T,10,1\n", table, opt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto ev = test::drain(r.value());
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(header(ev[0]).event_time, test::utc(2013, 1, 15, 14, 30, 0));
  EXPECT_FALSE(r.value().header().date.has_value());

  // The same session as the header states is fine; a different one is an error naming both.
  TapeOptions same;
  same.session = SessionClock{CivilDate{std::chrono::year{2012} / 6 / 21}, -4h};
  EXPECT_TRUE(open_text(dir, kHeader, table, same).ok());
  TapeOptions other_day = same;
  other_day.session->date = CivilDate{std::chrono::year{2012} / 6 / 22};
  auto bad_day = open_text(dir, kHeader, table, other_day);
  ASSERT_FALSE(bad_day.ok());
  EXPECT_TRUE(contains(bad_day.error().message,
                       "tape.csv: the header's date 2012-06-21 contradicts the caller's session "
                       "date 2012-06-22"));
  TapeOptions other_offset = same;
  other_offset.session->utc_offset = -5h;
  auto bad_offset = open_text(dir, kHeader, table, other_offset);
  ASSERT_FALSE(bad_offset.ok());
  EXPECT_TRUE(contains(bad_offset.error().message,
                       "the header's utc_offset -04:00 contradicts the caller's session offset "
                       "-05:00"));
}

TEST(TapeFileReader, SkipsUnknownSymbolsOnlyWhenAskedAndStillChecksTheirRows) {
  test::TempDir dir;
  auto table = test::instruments({"AAPL"});
  std::string text(kHeader);
  text.append(
      "34200000000000,MSFT,T,30,100\n"
      "34200000000001,AAPL,T,585,100\n"
      "34200000000002,MSFT,Q,29.99,1,30.01,2\n"
      "34200000000003,MSFT,Q,29.99,1,oops,2\n");
  TapeOptions skip;
  skip.skip_unknown_symbols = true;
  auto r = open_text(dir, text, table, skip);
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto ev = test::drain(r.value());
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<TradePrinted>(ev[0]).price, px("585"));
  EXPECT_EQ(r.value().rows_skipped(), 2u);
  ASSERT_FALSE(r.value().status().ok());
  EXPECT_TRUE(contains(r.value().status().error().message, "tape.csv:7: field 6 (ask)"));

  auto strict = open_text(dir, text, table);
  ASSERT_TRUE(strict.ok());
  EXPECT_TRUE(test::drain(strict.value()).empty());
  EXPECT_EQ(strict.value().status().error().message,
            "tape.csv:4: field 2 (symbol): expected a symbol in the instrument table (unknown "
            "symbol 'MSFT'), got 'MSFT'");
}

TEST(ParseUtcOffset, AcceptsSignedHoursAndMinutesOnly) {
  EXPECT_EQ(parse_utc_offset("-04:00"), std::chrono::minutes{-240});
  EXPECT_EQ(parse_utc_offset("+05:30"), std::chrono::minutes{330});
  EXPECT_EQ(parse_utc_offset("+00:00"), std::chrono::minutes{0});
  for (const char* bad :
       {"-4:00", "04:00", "-04:60", "-24:00", "-04-00", "-0400", "", "-04:00 x"}) {
    EXPECT_FALSE(parse_utc_offset(bad).has_value()) << bad;
  }
}

// ------------------------------------------------------------------------------ malformed input

TEST(TapeFileReader, OpenErrorsNameTheFileAndWhatWasExpected) {
  test::TempDir dir;
  auto table = test::instruments({"AAPL"});
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"time_ns,symbol\n",
       "tape.csv:1: expected '# ballast tape v1' as the first line (a Ballast tape file), got "
       "'time_ns,symbol'"},
      {"",
       "tape.csv:1: expected '# ballast tape v1' as the first line (a Ballast tape file), got "
       "'end of file'"},
      {"# ballast tape v1\n# date: 2012-06-31\n",
       "tape.csv:2: header 'date': expected a date YYYY-MM-DD, got '2012-06-31'"},
      {"# ballast tape v1\n# date: 20120621\n",
       "tape.csv:2: header 'date': expected a date YYYY-MM-DD, got '20120621'"},
      {"# ballast tape v1\n# date: 2012-06-21\n# utc_offset: -4h\n",
       "tape.csv:3: header 'utc_offset': expected local time minus UTC as +HH:MM or -HH:MM (-04:00 "
       "for US/Eastern daylight time), got '-4h'"},
      {"# ballast tape v1\n# date: 2012-06-21\n# date: 2012-06-21\n",
       "tape.csv:3: header 'date' given twice"},
      {"# ballast tape v1\n# utc_offset: -04:00\n34200000000000,AAPL,T,1,1\n",
       "tape.csv: no '# date: YYYY-MM-DD' header line; expected one before the first row, or a "
       "session date from the caller (TapeOptions::session)"},
      {"# ballast tape v1\n# date: 2012-06-21\n",
       "tape.csv: no '# utc_offset: +HH:MM' header line; expected one before the first row, or a "
       "UTC offset from the caller (TapeOptions::session)"},
  };
  for (const auto& c : cases) {
    auto r = open_text(dir, c.text, table);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().message, c.message);
  }
  auto missing = TapeFileReader::open(dir.path("nope.csv"), table);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(contains(missing.error().message, "cannot open "));
  EXPECT_TRUE(contains(missing.error().message, "nope.csv"));
}

TEST(TapeFileReader, TheFirstMalformedRowEndsTheStreamWithFileLineFieldAndExpectation) {
  test::TempDir dir;
  auto table = test::instruments({"AAPL"});
  const std::string good = "34200000000000,AAPL,Q,585.33,18,585.91,18\n";  // line 4
  struct Case {
    std::string row;  // line 5
    std::string message;
  };
  const std::vector<Case> cases = {
      {"abc,AAPL,T,1,1",
       "field 1 (time_ns): expected nanoseconds after local midnight, 0 to "
       "86399999999999, got 'abc'"},
      {"-1,AAPL,T,1,1", "field 1 (time_ns): expected nanoseconds after local midnight"},
      {"-0,AAPL,T,1,1", "field 1 (time_ns): expected nanoseconds after local midnight"},
      {"+34200000000000,AAPL,T,1,1", "field 1 (time_ns): expected nanoseconds"},
      {"86400000000000,AAPL,T,1,1", "field 1 (time_ns): expected nanoseconds"},
      {"34199999999999,AAPL,T,1,1",
       "field 1 (time_ns): expected a time not before the previous row's 34200000000000, got "
       "'34199999999999'"},
      {"34200000000000,,T,1,1", "field 2 (symbol): expected a symbol without spaces, got ''"},
      {"34200000000000,AA PL,T,1,1", "field 2 (symbol): expected a symbol without spaces"},
      {"34200000000000,IBM,T,1,1",
       "field 2 (symbol): expected a symbol in the instrument table (unknown symbol 'IBM')"},
      {"34200000000000,AAPL,X,1,1", "field 3 (kind): expected Q or T, got 'X'"},
      {"34200000000000,AAPL,q,1,1,1,1", "field 3 (kind): expected Q or T, got 'q'"},
      {"34200000000000,AAPL",
       "expected a row time_ns,symbol,Q,bid,bid_size,ask,ask_size or "
       "time_ns,symbol,T,price,size, got 2 fields"},
      {"34200000000000,AAPL,T,1,1,1,1", "expected 5 fields (time_ns,symbol,T,price,size), got 7"},
      {"34200000000000,AAPL,Q,1,1",
       "expected 7 fields (time_ns,symbol,Q,bid,bid_size,ask,ask_size), got 5"},
      {"34200000000000,AAPL,Q,1,1,1,1,1",
       "expected 7 fields (time_ns,symbol,Q,bid,bid_size,ask,ask_size), got 8"},
      {"34200000000000,AAPL,T,0,1",
       "field 4 (price): expected a decimal price > 0 with at most 9 "
       "decimals, got '0'"},
      {"34200000000000,AAPL,T,585.3300000001,1", "field 4 (price): expected a decimal price > 0"},
      {"34200000000000,AAPL,T,-1,1", "field 4 (price): expected a decimal price > 0"},
      {"34200000000000,AAPL,T,1e3,1", "field 4 (price): expected a decimal price > 0"},
      {"34200000000000,AAPL,T,99999999999,1", "field 4 (price): expected a decimal price > 0"},
      {"34200000000000,AAPL,T,1,0",
       "field 5 (size): expected a number of shares > 0 with at most 6 decimals, got '0'"},
      {"34200000000000,AAPL,T,1,1.1234567", "field 5 (size): expected a number of shares > 0"},
      {"34200000000000,AAPL,T,1,", "field 5 (size): expected a number of shares > 0"},
      {"34200000000000,AAPL,Q,-0.01,1,2,1",
       "field 4 (bid): expected a decimal price >= 0 with at most 9 decimals (0: side empty), got "
       "'-0.01'"},
      {"34200000000000,AAPL,Q,1,-1,2,1",
       "field 5 (bid_size): expected a number of shares >= 0 with at most 6 decimals, got '-1'"},
      {"34200000000000,AAPL,Q,1,1,x,1", "field 6 (ask): expected a decimal price >= 0"},
      {"34200000000000,AAPL,Q,1,1,2, 1", "field 7 (ask_size): expected a number of shares >= 0"},
  };
  for (const auto& c : cases) {
    std::string text(kHeader);
    text.append(good);
    text.append(c.row);
    text.append("\n34200000000001,AAPL,T,1,1\n");
    auto r = open_text(dir, text, table);
    ASSERT_TRUE(r.ok()) << r.error().message;
    auto ev = test::drain(r.value());
    EXPECT_EQ(ev.size(), 1u) << c.row;  // the good row before, nothing after
    ASSERT_FALSE(r.value().status().ok()) << c.row;
    const std::string msg = r.value().status().error().message;
    EXPECT_TRUE(contains(msg, "tape.csv:5: ")) << c.row;
    EXPECT_TRUE(contains(msg, c.message)) << c.row;
    EXPECT_EQ(r.value().position(), "tape.csv:5");
  }
}

TEST(TapeFileReader, RandomCorruptionNeverCrashesAndErrorsNameALine) {
  test::TempDir dir;
  auto table = test::instruments({"AAPL", "AMZN", "GOOG"});
  std::string base(kHeader);
  for (int i = 0; i < 40; ++i) {
    base.append(std::to_string(34'200'000'000'000 + i * 1'000'000) + ",AAPL,Q,585.33,18,585.91," +
                std::to_string(i + 1) + "\n");
    base.append(std::to_string(34'200'000'000'000 + i * 1'000'000) + ",GOOG,T,579.4," +
                std::to_string(i + 1) + "\n");
  }
  std::mt19937 rng(20120621);
  const std::string alphabet = "0123456789,.-#QT\n\r xA";
  int errors = 0;
  for (int round = 0; round < 300; ++round) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      const std::size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          text.erase(at, 1);
          break;
        default:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
      }
    }
    auto r = open_text(dir, text, table);
    if (!r.ok()) {
      EXPECT_TRUE(contains(r.error().message, "tape.csv"));
      ++errors;
      continue;
    }
    const auto ev = test::drain(r.value());
    EXPECT_LE(ev.size(), 80u);
    if (!r.value().status().ok()) {
      ++errors;
      EXPECT_TRUE(contains(r.value().status().error().message, "tape.csv:"));
    }
  }
  EXPECT_GT(errors, 100);  // most corruptions are caught
}

// ------------------------------------------------------------------------------ the shipped tape

struct TapeCounts {
  std::map<std::string, std::uint64_t> trades, quotes;
  Timestamp first{INT64_MAX}, last{INT64_MIN};
};

TapeCounts count_tape(const std::string& path, const InstrumentTable& table,
                      std::vector<std::string>* lines = nullptr) {
  TapeCounts c;
  auto r = TapeFileReader::open(path, table);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (!r.ok()) return c;
  Timestamp prev{INT64_MIN};
  while (auto e = r.value().next()) {
    const Timestamp t = header(*e).event_time;
    EXPECT_GE(t, prev);
    prev = t;
    c.first = std::min(c.first, t);
    c.last = std::max(c.last, t);
    if (const auto* q = std::get_if<QuoteUpdated>(&*e)) ++c.quotes[table[q->instrument].symbol];
    if (const auto* tr = std::get_if<TradePrinted>(&*e)) ++c.trades[table[tr->instrument].symbol];
    if (lines) lines->push_back(show(*e, table));
  }
  EXPECT_TRUE(r.value().status().ok()) << r.value().status().error().message;
  return c;
}

TEST(ShippedTape, HoldsEveryLobsterTradePrintOfTheRegularSession) {
  auto table = test::instruments({"AAPL", "AMZN", "GOOG"});
  const TapeCounts c = count_tape(kShippedTape, table);
  // LOBSTER 2012-06-21 messages of type 4 or 5 (docs/market_data.md, quote_census_test.cpp).
  EXPECT_EQ(c.trades.at("AAPL"), 34'990u);
  EXPECT_EQ(c.trades.at("AMZN"), 11'419u);
  EXPECT_EQ(c.trades.at("GOOG"), 11'678u);
  // Thinned top-of-book changes, as the file's header states.
  EXPECT_EQ(c.quotes.at("AAPL"), 27'512u);
  EXPECT_EQ(c.quotes.at("AMZN"), 13'019u);
  EXPECT_EQ(c.quotes.at("GOOG"), 12'151u);
  // 09:30-16:00 EDT is 13:30-20:00 UTC.
  EXPECT_GE(c.first, test::utc(2012, 6, 21, 13, 30, 0));
  EXPECT_LT(c.last, test::utc(2012, 6, 21, 20, 0, 0));
  EXPECT_LT(c.first, test::utc(2012, 6, 21, 13, 30, 1));
  EXPECT_GT(c.last, test::utc(2012, 6, 21, 19, 59, 59));
  EXPECT_LE(std::filesystem::file_size(kShippedTape), 4'200'000u);
}

/// The tape's thinning rule (scripts/make_demo_data.py, THINNING), written again here over the
/// events of LobsterReader: the shipped file must equal it event for event.
std::vector<Event> thin_like_the_script(const std::vector<Event>& rows) {
  constexpr std::int64_t kBucketNs = 2'000'000'000;
  // Bucket of local time: UTC and local differ by whole hours, so buckets of UTC ns line up.
  auto bucket = [](const Event& e) { return header(e).event_time.ns / kBucketNs; };
  std::vector<std::optional<std::int64_t>> next_q_bucket(rows.size());
  std::optional<std::int64_t> nb;
  for (std::size_t i = rows.size(); i-- > 0;) {
    next_q_bucket[i] = nb;
    if (std::holds_alternative<QuoteUpdated>(rows[i])) nb = bucket(rows[i]);
  }
  auto is_trade = [&](std::size_t i) { return std::holds_alternative<TradePrinted>(rows[i]); };
  std::vector<Event> kept;
  std::optional<QuoteUpdated> last_q;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (is_trade(i)) {
      kept.push_back(rows[i]);
      continue;
    }
    const auto& q = std::get<QuoteUpdated>(rows[i]);
    const Timestamp t = q.hdr.event_time;
    const bool before_trade = i + 1 < rows.size() && is_trade(i + 1);
    const bool inside_sweep = before_trade && i > 0 && is_trade(i - 1) &&
                              header(rows[i - 1]).event_time == t &&
                              header(rows[i + 1]).event_time == t;
    const bool last_in_bucket = next_q_bucket[i] != bucket(rows[i]);
    if (!((before_trade && !inside_sweep) || last_in_bucket)) continue;
    if (last_q && last_q->bid == q.bid && last_q->bid_size == q.bid_size && last_q->ask == q.ask &&
        last_q->ask_size == q.ask_size) {
      continue;
    }
    kept.push_back(rows[i]);
    last_q = q;
  }
  return kept;
}

TEST(ShippedTape, EqualsTheLobsterSourceThinnedAsItsHeaderSays) {
  if (!std::filesystem::exists(test::lobster_message("AAPL"))) {
    GTEST_SKIP() << "no ../shared/data: the counts test above still checks the trade prints";
  }
  auto table = test::instruments({"AAPL", "AMZN", "GOOG"});
  std::vector<Event> expected;
  for (const char* sym : {"AAPL", "AMZN", "GOOG"}) {
    auto src = lobster_source(test::lobster_message(sym), -4h);
    ASSERT_TRUE(src.ok()) << src.error().message;
    auto r = LobsterReader::open(src.value(), table);
    ASSERT_TRUE(r.ok()) << r.error().message;
    std::vector<Event> rows = test::drain(r.value());
    ASSERT_TRUE(r.value().status().ok()) << r.value().status().error().message;
    // Independent count of the trade prints: message rows of type 4 or 5.
    std::size_t prints = 0;
    for (const auto& row : test::read_csv_plain(test::lobster_message(sym))) {
      if (row.at(1) == "4" || row.at(1) == "5") ++prints;
    }
    EXPECT_EQ(static_cast<std::size_t>(std::count_if(
                  rows.begin(), rows.end(),
                  [](const Event& e) { return std::holds_alternative<TradePrinted>(e); })),
              prints)
        << sym;
    const auto kept = thin_like_the_script(rows);
    expected.insert(expected.end(), kept.begin(), kept.end());
  }
  // Time order; at equal times AAPL, AMZN, GOOG (the order appended), each keeping its order.
  std::stable_sort(expected.begin(), expected.end(), [](const Event& a, const Event& b) {
    return header(a).event_time < header(b).event_time;
  });
  std::vector<std::string> got;
  count_tape(kShippedTape, table, &got);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i], show(expected[i], table)) << "event " << i;
  }
}

TEST(ShippedDailyCloses, LoadWithTheDailyReaderAndEqualTheirSource) {
  auto table = load_daily_closes(kShippedDaily);
  ASSERT_TRUE(table.ok()) << table.error().message;
  const DailyCloseTable& t = table.value();
  EXPECT_EQ(t.symbols, (std::vector<std::string>{"AAPL", "AMZN", "GOOG", "SPY"}));
  ASSERT_EQ(t.rows(), 267u);
  EXPECT_EQ(t.dates.front(), CivilDate{std::chrono::year{2011} / 6 / 1});
  EXPECT_EQ(t.dates.back(), CivilDate{std::chrono::year{2012} / 6 / 20});
  for (const auto& cell : t.cells) EXPECT_TRUE(cell.has_value());

  const std::string stocks =
      test::data_path("daily/pyportfolioopt/tests_stock_prices_1989_2018.csv");
  const std::string spy = test::data_path("daily/pyportfolioopt/tests_spy_prices.csv");
  if (!std::filesystem::exists(stocks)) GTEST_SKIP() << "no ../shared/data";
  auto s1 = load_daily_closes(stocks);
  auto s2 = load_daily_closes(spy);
  ASSERT_TRUE(s1.ok() && s2.ok());
  // Every source day in the range is in the extract (no day dropped).
  const auto in_range = [&](const DailyCloseTable& src) {
    return std::count_if(src.dates.begin(), src.dates.end(),
                         [&](CivilDate d) { return d >= t.dates.front() && d <= t.dates.back(); });
  };
  EXPECT_EQ(in_range(s1.value()), 267);
  EXPECT_EQ(in_range(s2.value()), 267);
  for (std::size_t row = 0; row < t.rows(); ++row) {
    for (std::size_t col = 0; col < t.columns(); ++col) {
      const DailyCloseTable& src = t.symbols[col] == "SPY" ? s2.value() : s1.value();
      const auto r = src.row(t.dates[row]);
      const auto c = src.column(t.symbols[col]);
      ASSERT_TRUE(r && c);
      EXPECT_EQ(t.at(row, col), src.at(*r, *c)) << to_string(t.dates[row]) << ' ' << t.symbols[col];
    }
  }
}

}  // namespace
}  // namespace ballast
