// EnumNames (base/enum_names.hpp), and the names of the core's enums: each list below is the one
// the switch statements replaced by the tables gave (commit 3bc0eb0), value by value, with the
// fallback each gave for a value outside its enum.
#include "ballast/base/enum_names.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/core/event_names.hpp"
#include "ballast/core/events.hpp"
#include "ballast/core/instrument.hpp"
#include "support/enum_names_check.hpp"

namespace ballast {
namespace {

using test::names_are;

enum class Colour : std::uint8_t { kRed, kGreen, kBlue };
constexpr EnumNames<Colour, Colour::kBlue> kColourNames{{"red", "green", "blue"}};

enum class Signed : std::int8_t { kMinusTwo = -2, kMinusOne, kZero, kOne };
constexpr EnumNames<Signed, Signed::kOne, Signed::kMinusTwo> kSignedNames{
    {"minus_two", "minus_one", "zero", "one"}};

enum class Counted : std::uint8_t { kA, kB, kCount };
constexpr EnumNames<Counted, enum_before(Counted::kCount)> kCountedNames{{"a", "b"}};

// Lookups are constant expressions (usable in static_assert and on the hot path).
static_assert(kColourNames.size() == 3, "three colours");
static_assert(kCountedNames.size() == 2, "kCount is not named");
static_assert(kSignedNames.size() == 4, "-2..1");
static_assert(kColourNames.name_or(Colour::kGreen, "?")[0] == 'g', "green");
static_assert(kColourNames.find(static_cast<Colour>(3)) == nullptr, "past the last value");
static_assert(kSignedNames.value(0) == Signed::kMinusTwo, "position 0 is kFirst");
static_assert(!kSignedNames.contains(static_cast<Signed>(-3)), "before kFirst");
static_assert(!kSignedNames.contains(static_cast<Signed>(2)), "after kLast");

TEST(EnumNames, NamesEachValueAndFallsBackOutsideTheEnum) {
  EXPECT_STREQ(kColourNames.name_or(Colour::kRed, "?"), "red");
  EXPECT_STREQ(kColourNames.name_or(Colour::kBlue, "?"), "blue");
  EXPECT_STREQ(kColourNames.name_or(static_cast<Colour>(3), "?"), "?");
  EXPECT_STREQ(kColourNames.name_or(static_cast<Colour>(255), "unknown"), "unknown");
  EXPECT_EQ(kColourNames.find(static_cast<Colour>(200)), nullptr);
  EXPECT_STREQ(kSignedNames.name_or(Signed::kMinusTwo, "?"), "minus_two");
  EXPECT_STREQ(kSignedNames.name_or(static_cast<Signed>(-128), "?"), "?");
  EXPECT_STREQ(kCountedNames.name_or(Counted::kCount, "none"), "none");
}

TEST(EnumNames, ParsesExactNamesOnlyAndLeavesTheOutputAloneOnFailure) {
  Colour c = Colour::kRed;
  EXPECT_TRUE(kColourNames.parse(std::string("blue"), c));
  EXPECT_EQ(c, Colour::kBlue);
  EXPECT_TRUE(kColourNames.parse(std::string_view("green"), c));
  EXPECT_EQ(c, Colour::kGreen);
  for (const char* bad : {"", "Blue", "blu", "blue ", "bluee", "red\n"}) {
    EXPECT_FALSE(kColourNames.parse(std::string(bad), c)) << bad;
    EXPECT_EQ(c, Colour::kGreen) << bad;
  }
  Signed s = Signed::kZero;
  EXPECT_TRUE(kSignedNames.parse(std::string("minus_two"), s));
  EXPECT_EQ(s, Signed::kMinusTwo);
}

/// A one-byte enum with no enumerators: any byte is a value, so tables over any range can be built
/// from random names at run time and checked against a map.
enum class Code : std::uint8_t {};

template <Code kLast, Code kFirst>
void check_random_table(std::mt19937_64& rng, int lookups) {
  using Table = EnumNames<Code, kLast, kFirst>;
  constexpr int first = static_cast<int>(kFirst);
  constexpr int n = static_cast<int>(Table::size());
  static_assert(n == static_cast<int>(kLast) - first + 1, "size is kLast - kFirst + 1");
  // Distinct random names (letters, digits, '_'), 1..12 characters; some share prefixes.
  std::set<std::string> used;
  std::vector<std::string> storage;
  std::uniform_int_distribution<int> len(1, 12);
  std::uniform_int_distribution<int> ch(0, 36);
  while (static_cast<int>(storage.size()) < n) {
    std::string s = storage.empty() || rng() % 4 != 0 ? "" : storage.back();
    for (int k = len(rng); k > 0; --k) s += "abcdefghijklmnopqrstuvwxyz0123456789_"[ch(rng)];
    if (used.insert(s).second) storage.push_back(s);
  }
  const char* ptrs[Table::kSize];
  std::map<int, std::string> oracle;
  for (int i = 0; i < n; ++i) {
    ptrs[i] = storage[static_cast<std::size_t>(i)].c_str();
    oracle[first + i] = storage[static_cast<std::size_t>(i)];
  }
  const Table table(ptrs);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int k = 0; k < lookups; ++k) {
    const int v = byte(rng);
    const Code code = static_cast<Code>(v);
    const auto it = oracle.find(v);
    ASSERT_EQ(table.contains(code), it != oracle.end()) << v;
    if (it == oracle.end()) {
      ASSERT_STREQ(table.name_or(code, "fallback"), "fallback") << v;
      ASSERT_EQ(table.find(code), nullptr) << v;
      continue;
    }
    ASSERT_EQ(it->second, table.name_or(code, "fallback")) << v;
    Code parsed = static_cast<Code>(first == 0 ? 255 : 0);
    ASSERT_TRUE(table.parse(it->second, parsed)) << it->second;
    ASSERT_EQ(parsed, code) << it->second;
    ASSERT_EQ(table.value(static_cast<std::size_t>(v - first)), code);
    // A name's neighbours (one character more or less) parse only if they are names themselves.
    for (const std::string& near :
         {it->second + "x", it->second.substr(0, it->second.size() - 1)}) {
      Code out = static_cast<Code>(7);
      const bool known = used.count(near) != 0;
      ASSERT_EQ(table.parse(near, out), known) << near;
      if (!known) {
        ASSERT_EQ(out, static_cast<Code>(7)) << near;
      }
    }
  }
}

TEST(EnumNames, RandomTablesAgreeWithAMapOracle) {
  std::mt19937_64 rng(20261206);
  for (int round = 0; round < 20; ++round) {
    check_random_table<static_cast<Code>(0), static_cast<Code>(0)>(rng, 500);
    check_random_table<static_cast<Code>(9), static_cast<Code>(0)>(rng, 500);
    check_random_table<static_cast<Code>(41), static_cast<Code>(37)>(rng, 500);
    check_random_table<static_cast<Code>(200), static_cast<Code>(1)>(rng, 500);
    check_random_table<static_cast<Code>(255), static_cast<Code>(0)>(rng, 500);
    check_random_table<static_cast<Code>(255), static_cast<Code>(254)>(rng, 500);
  }
}

// ------------------------------------------------------------------ the core's names, pinned

TEST(CoreEnumNames, EventReasonsKeepTheirNames) {
  EXPECT_TRUE(names_are<DenyReason>(
      to_string,
      {"kill_switch", "restricted", "no_buy", "no_sell", "max_quantity", "max_notional",
       "reference_price_missing", "reference_price_stale", "price_collar", "adv_share",
       "instrument_weight_limit", "asset_class_weight_limit", "short_sale", "oversell",
       "cash_insufficient", "max_open_orders", "order_rate", "duplicate", "daily_gross_notional"},
      "unknown"));
  EXPECT_STREQ(to_string(DenyReason::kCount), "unknown");
  EXPECT_TRUE(names_are<KillReason>(
      to_string,
      {"operator", "reject_storm", "order_rate", "sent_intended_mismatch", "unbookable_report",
       "broker_mismatch", "unanswered_request", "unknown_order"},
      "unknown"));
  EXPECT_TRUE(names_are<ReportIssue>(
      to_string,
      {"none", "unknown_exec_type", "unknown_ord_status", "bad_number", "negative_quantity",
       "missing_exec_id", "bad_identifier", "rejected_by_session"},
      "unknown"));
  EXPECT_TRUE(names_are<HeldReason>(to_string, {"zero_or_missing", "crossed", "outlier", "stale"},
                                    "unknown"));
  EXPECT_TRUE(names_are<TriggerRule>(
      to_string,
      {"absolute_band", "relative_band", "tracking_error", "calendar", "hybrid", "cash_flow"},
      "unknown"));
  EXPECT_TRUE(names_are<ParentRefusal>(
      to_string, {"bad_quantity", "no_price", "slicer_full", "order_book"}, "unknown"));
}

TEST(CoreEnumNames, AssetClassesKeepTheirNamesAndParseBack) {
  const std::vector<const char*> names = {"equity",      "fixed_income", "commodity",
                                          "real_estate", "cash",         "other"};
  EXPECT_TRUE(names_are<AssetClass>(to_string, names, "other"));
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto r = parse_asset_class(names[i]);
    ASSERT_TRUE(r) << names[i];
    EXPECT_EQ(r.value(), static_cast<AssetClass>(i));
  }
  auto bad = parse_asset_class("Equity");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "unknown asset class 'Equity'; expected one of equity, fixed_income, commodity, "
            "real_estate, cash, other");
}

}  // namespace
}  // namespace ballast
