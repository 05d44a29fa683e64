// Instrument table and events.
#include "ballast/core/instrument.hpp"

#include <gtest/gtest.h>

#include "ballast/core/clock.hpp"
#include "ballast/core/events.hpp"

namespace ballast {
namespace {

TEST(InstrumentTable, AssignsDenseIdsInInsertionOrder) {
  InstrumentTable t;
  auto spy = t.add({.symbol = "SPY"});
  auto agg = t.add({.symbol = "AGG", .asset_class = AssetClass::kFixedIncome});
  ASSERT_TRUE(spy.ok());
  ASSERT_TRUE(agg.ok());
  EXPECT_EQ(spy.value().value, 0u);
  EXPECT_EQ(agg.value().value, 1u);
  EXPECT_EQ(t.find("AGG"), agg.value());
  EXPECT_FALSE(t.find("QQQ").valid());
  EXPECT_EQ(t[agg.value()].asset_class, AssetClass::kFixedIncome);
  EXPECT_EQ(t[spy.value()].tick_size, Price::parse("0.01").value());
}

TEST(InstrumentTable, RejectsBadInstrumentsWithReasons) {
  InstrumentTable t;
  ASSERT_TRUE(t.add({.symbol = "SPY"}).ok());
  EXPECT_NE(t.add({.symbol = "SPY"}).error().message.find("duplicate"), std::string::npos);
  EXPECT_NE(t.add({.symbol = ""}).error().message.find("empty"), std::string::npos);
  EXPECT_NE(t.add({.symbol = "X", .tick_size = Price{0}}).error().message.find("tick_size"),
            std::string::npos);
  EXPECT_NE(t.add({.symbol = "Y", .lot_size = Qty{-1}}).error().message.find("lot_size"),
            std::string::npos);
  EXPECT_NE(t.add({.symbol = "Z", .currency = Currency::of("usd")}).error().message.find("ISO"),
            std::string::npos);
  EXPECT_EQ(t.size(), 1u);
}

TEST(AssetClass, ParsesItsNamesAndRejectsOthers) {
  EXPECT_EQ(parse_asset_class("fixed_income").value(), AssetClass::kFixedIncome);
  EXPECT_FALSE(parse_asset_class("bonds").ok());
}

TEST(Events, CarryAHeaderAndAName) {
  Event e = QuoteUpdated{.hdr = {.seq = 7}, .instrument = InstrumentId{3}};
  EXPECT_EQ(header(e).seq, 7u);
  header(e).seq = 8;
  EXPECT_EQ(std::get<QuoteUpdated>(e).hdr.seq, 8u);
  EXPECT_STREQ(event_name(e), "QuoteUpdated");
  EXPECT_STREQ(event_name(Event{ControlCommand{}}), "ControlCommand");
}

TEST(FixedString, TruncatesAndReportsIt) {
  FixedString<4> s;
  EXPECT_TRUE(s.assign("abc"));
  EXPECT_EQ(s.view(), "abc");
  EXPECT_FALSE(s.assign("abcd"));
  EXPECT_EQ(s.view(), "abc");
}

TEST(ManualClock, MovesOnlyWhenTold) {
  using namespace std::chrono_literals;
  ManualClock c{Timestamp{100}};
  EXPECT_EQ(c.now().ns, 100);
  EXPECT_EQ(c.advance(1us).ns, 1100);
  c.set(Timestamp{5});
  EXPECT_EQ(c.now().ns, 5);
  LiveClock live;
  EXPECT_GT(live.now().ns, 1'600'000'000'000'000'000);  // after 2020
}

}  // namespace
}  // namespace ballast
