// Instruments: dense InstrumentId into a table loaded at start (symbol, tick, lot, currency,
// class).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ballast/base/enum_names.hpp"
#include "ballast/core/fixed_point.hpp"
#include "ballast/core/fixed_string.hpp"
#include "ballast/core/ids.hpp"
#include "ballast/core/result.hpp"

namespace ballast {

/// Broad asset class, used by compliance limits and reporting.
enum class AssetClass : std::uint8_t {
  kEquity,
  kFixedIncome,
  kCommodity,
  kRealEstate,
  kCash,
  kOther,
};

/// The names to_string() and parse_asset_class() use, in the enum's order.
constexpr EnumNames<AssetClass, AssetClass::kOther> kAssetClassNames{
    {"equity", "fixed_income", "commodity", "real_estate", "cash", "other"}};

/// Returns the class's name; "other" for a value outside the enum.
const char* to_string(AssetClass c) noexcept;
/// Parses "equity", "fixed_income", "commodity", "real_estate", "cash", "other".
Result<AssetClass> parse_asset_class(std::string_view text);

/// ISO 4217 code, e.g. "USD".
using Currency = FixedString<4>;

/// One tradable instrument. Read-only after start.
struct Instrument {
  InstrumentId id{};
  std::string symbol;
  Price tick_size = Price::parse("0.01").value();
  Qty lot_size = Qty::from_units(1);
  Currency currency = Currency::of("USD");
  AssetClass asset_class = AssetClass::kEquity;
};

/// The instrument universe. Ids are dense: 0..size()-1 in insertion order.
/// Built once at start (cold path); lookups by id are O(1) and allocation-free.
class InstrumentTable {
 public:
  /// Adds an instrument and returns its id. Errors: duplicate or empty symbol, tick or lot <= 0,
  /// currency not three upper-case letters.
  Result<InstrumentId> add(Instrument spec);

  std::size_t size() const noexcept { return instruments_.size(); }
  bool contains(InstrumentId id) const noexcept { return id.value < instruments_.size(); }
  const Instrument& operator[](InstrumentId id) const noexcept {
    BALLAST_INVARIANT(contains(id), "instrument id out of range");
    return instruments_[id.value];
  }
  /// Returns the id for a symbol, or an invalid id. Cold path (hashes a string).
  InstrumentId find(std::string_view symbol) const;

  auto begin() const noexcept { return instruments_.begin(); }
  auto end() const noexcept { return instruments_.end(); }

 private:
  std::vector<Instrument> instruments_;
  std::unordered_map<std::string, InstrumentId> by_symbol_;
};

}  // namespace ballast
