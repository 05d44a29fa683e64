// Shared reader pieces: dates, session clocks, the US/Eastern offset rule, the line reader, and the
// time-ordered merge.
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <string>

#include "market_data_test_support.hpp"

namespace ballast {
namespace {

using namespace std::chrono_literals;
using test::contains;

CivilDate ymd(int y, unsigned m, unsigned d) {
  return CivilDate{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
}

TEST(CivilDates, ParsesIsoAndUsDatesAndRejectsImpossibleOnes) {
  EXPECT_EQ(parse_iso_date("2012-06-21"), ymd(2012, 6, 21));
  EXPECT_EQ(parse_iso_date("20131008"), ymd(2013, 10, 8));
  EXPECT_EQ(parse_us_date("1/3/2000"), ymd(2000, 1, 3));
  EXPECT_EQ(parse_us_date("12/31/1999"), ymd(1999, 12, 31));
  for (const char* bad : {"2012-02-30", "2012-6-21", "2012/06/21", "20131308", "", "2012-06-2x"}) {
    EXPECT_FALSE(parse_iso_date(bad).has_value()) << bad;
  }
  for (const char* bad : {"2/30/2000", "1/3/00", "13/1/2000", "1//2000", "1/3/2000/", "a/3/2000"}) {
    EXPECT_FALSE(parse_us_date(bad).has_value()) << bad;
  }
  EXPECT_EQ(to_string(ymd(2012, 6, 21)), "2012-06-21");
  // Only dates whose instants fit an int64 nanosecond Timestamp.
  EXPECT_EQ(parse_iso_date("1678-01-01"), ymd(1678, 1, 1));
  EXPECT_EQ(parse_iso_date("2261-12-31"), ymd(2261, 12, 31));
  EXPECT_FALSE(parse_iso_date("1677-12-31").has_value());
  EXPECT_FALSE(parse_iso_date("2262-01-01").has_value());
  EXPECT_FALSE(parse_us_date("1/3/4000").has_value());
}

TEST(SessionClock, ConvertsLocalTimeOfDayToUtcWithTheCallersOffset) {
  const SessionClock edt{ymd(2012, 6, 21), -4h};
  EXPECT_EQ(edt.to_utc(34'200'000'000'000), test::utc(2012, 6, 21, 13, 30, 0));
  const SessionClock est{ymd(2013, 1, 15), -5h};
  EXPECT_EQ(est.to_utc(57'600'000'000'000), test::utc(2013, 1, 15, 21, 0, 0));
  // 20:00 EDT is past midnight UTC.
  EXPECT_EQ(edt.to_utc(72'000'000'000'001), test::utc(2012, 6, 22, 0, 0, 0, 1));
}

TEST(LineReader, HandlesBomCrlfAMissingFinalNewlineAndLongLines) {
  test::TempDir dir;
  std::string long_line(600'000, 'x');  // longer than the initial buffer
  std::string content(
      "\xEF\xBB\xBF"
      "a,b\r\n\r\n");
  content.append(long_line);
  content.append("\nlast");
  auto in = md_text::LineReader::open(dir.write("f.csv", content));
  ASSERT_TRUE(in.ok());
  auto& r = in.value();
  EXPECT_EQ(r.next_line(), std::optional<std::string_view>("a,b"));
  EXPECT_EQ(r.next_line(), std::optional<std::string_view>(""));
  EXPECT_EQ(r.next_line(), std::optional<std::string_view>(long_line));
  EXPECT_EQ(r.next_line(), std::optional<std::string_view>("last"));
  EXPECT_EQ(r.line_number(), 4u);
  EXPECT_FALSE(r.next_line().has_value());
  EXPECT_FALSE(r.read_error().has_value());
  EXPECT_EQ(r.name(), "f.csv");
}

TEST(LineReader, ReadsAnEmptyFileAsNoLines) {
  test::TempDir dir;
  auto in = md_text::LineReader::open(dir.write("e.csv", ""));
  ASSERT_TRUE(in.ok());
  EXPECT_FALSE(in.value().next_line().has_value());
}

TEST(FieldParsing, ParsesDecimalSecondsExactlyWithoutDouble) {
  EXPECT_EQ(md_text::parse_seconds_ns("34200.004241176"), 34'200'004'241'176);
  EXPECT_EQ(md_text::parse_seconds_ns("57599.999999999"), 57'599'999'999'999);
  EXPECT_EQ(md_text::parse_seconds_ns("0.1"), 100'000'000);
  EXPECT_EQ(md_text::parse_seconds_ns("7"), 7'000'000'000);
  for (const char* bad :
       {"", ".5", "1.", "1.0000000001", "86400", "1e3", "+1.0", "1.5 ", "123456.1"}) {
    EXPECT_FALSE(md_text::parse_seconds_ns(bad).has_value()) << bad;
  }
  EXPECT_EQ(md_text::price_from_e4(5'853'300), Price::parse("585.33").value());
  EXPECT_FALSE(md_text::price_from_e4(INT64_MAX / 10).has_value());
  EXPECT_EQ(md_text::parse_int("-12"), -12);
  EXPECT_FALSE(md_text::parse_int("+12").has_value());
  EXPECT_FALSE(md_text::parse_int("12 ").has_value());
}

/// An in-memory reader of pre-built events, for driving the merge by hand.
class ListReader final : public EventReader {
 public:
  ListReader(std::string name, std::deque<Event> events, std::optional<Error> end_error = {})
      : name_(std::move(name)), events_(std::move(events)), end_error_(std::move(end_error)) {}

  std::optional<Event> next() override {
    if (events_.empty()) {
      if (end_error_) return fail(*end_error_);
      return std::nullopt;
    }
    Event e = events_.front();
    events_.pop_front();
    ++line_;
    return e;
  }
  std::string position() const override {
    std::string p(name_);
    p.append(":");
    p.append(std::to_string(line_));
    return p;
  }

 private:
  std::string name_;
  std::deque<Event> events_;
  std::optional<Error> end_error_;
  int line_ = 0;
};

Event trade_at(std::int64_t ns, std::int64_t size) {
  TradePrinted t;
  t.hdr.event_time = Timestamp{ns};
  t.size = Qty::from_units(size);
  return t;
}

Event quote_at(std::int64_t ns, std::int64_t bid_size) {
  QuoteUpdated q;
  q.hdr.event_time = Timestamp{ns};
  q.bid_size = Qty::from_units(bid_size);
  return q;
}

TEST(TimeOrderedMerge, OrdersByTimeAndBreaksTiesByInputOrderStably) {
  std::vector<std::unique_ptr<EventReader>> in;
  in.push_back(std::make_unique<ListReader>(
      "q", std::deque<Event>{quote_at(1, 1), quote_at(5, 2), quote_at(5, 3), quote_at(9, 4)}));
  in.push_back(std::make_unique<ListReader>(
      "t", std::deque<Event>{trade_at(0, 1), trade_at(5, 2), trade_at(5, 3), trade_at(7, 4)}));
  in.push_back(std::make_unique<ListReader>("empty", std::deque<Event>{}));
  TimeOrderedMerge m(std::move(in));
  std::vector<std::string> got;
  ASSERT_TRUE(for_each(m, [&](const Event& e) {
                std::string s(std::holds_alternative<QuoteUpdated>(e) ? "q" : "t");
                s.append(std::to_string(header(e).event_time.ns));
                const Qty n = std::holds_alternative<QuoteUpdated>(e)
                                  ? std::get<QuoteUpdated>(e).bid_size
                                  : std::get<TradePrinted>(e).size;
                s.append("#");
                s.append(n.to_string());
                got.push_back(s);
              }).ok());
  const std::vector<std::string> expected = {"t0#1", "q1#1", "q5#2", "q5#3",
                                             "t5#2", "t5#3", "t7#4", "q9#4"};
  EXPECT_EQ(got, expected);
  EXPECT_EQ(m.position(), "q:4");
}

TEST(TimeOrderedMerge, StopsWithTheFirstInputError) {
  std::vector<std::unique_ptr<EventReader>> in;
  in.push_back(std::make_unique<ListReader>("q", std::deque<Event>{quote_at(1, 1), quote_at(2, 1)},
                                            Error{"q:3: bad"}));
  in.push_back(
      std::make_unique<ListReader>("t", std::deque<Event>{trade_at(1, 1), trade_at(9, 1)}));
  TimeOrderedMerge m(std::move(in));
  const auto ev = test::drain(m);
  EXPECT_EQ(ev.size(), 3u);  // q1, t1, q2; then q's error; t9 is not delivered
  ASSERT_FALSE(m.status().ok());
  EXPECT_EQ(m.status().error().message, "q:3: bad");
}

TEST(ForEach, ReturnsOkAtTheEndAndTheErrorOtherwise) {
  ListReader ok("a", std::deque<Event>{trade_at(1, 1)});
  int n = 0;
  EXPECT_TRUE(for_each(ok, [&](const Event&) { ++n; }).ok());
  EXPECT_EQ(n, 1);
  ListReader bad("b", std::deque<Event>{trade_at(1, 1)}, Error{"b:2: broken"});
  const Status st = for_each(bad, [&](const Event&) { ++n; });
  EXPECT_EQ(n, 2);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "b:2: broken");
}

}  // namespace
}  // namespace ballast
