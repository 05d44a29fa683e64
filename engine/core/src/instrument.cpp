// The instrument table.
#include "ballast/core/instrument.hpp"

namespace ballast {

const char* to_string(AssetClass c) noexcept {
  return kAssetClassNames.name_or(c, "other");
}

Result<AssetClass> parse_asset_class(std::string_view text) {
  AssetClass c{};
  if (kAssetClassNames.parse(text, c)) return c;
  std::string expected;
  for (std::size_t i = 0; i < kAssetClassNames.size(); ++i) {
    expected += i == 0 ? "" : ", ";
    expected += kAssetClassNames.name_at(i);
  }
  return Error{"unknown asset class '" + std::string(text) + "'; expected one of " + expected};
}

Result<InstrumentId> InstrumentTable::add(Instrument spec) {
  if (spec.symbol.empty()) return Error{"instrument symbol is empty"};
  if (by_symbol_.count(spec.symbol) != 0) {
    return Error{"duplicate instrument symbol '" + spec.symbol + "'"};
  }
  if (spec.tick_size.raw <= 0) {
    return Error{"instrument '" + spec.symbol + "': tick_size must be > 0"};
  }
  if (spec.lot_size.raw <= 0) {
    return Error{"instrument '" + spec.symbol + "': lot_size must be > 0"};
  }
  const auto cur = spec.currency.view();
  bool cur_ok = cur.size() == 3;
  for (char ch : cur) cur_ok = cur_ok && ch >= 'A' && ch <= 'Z';
  if (!cur_ok) {
    return Error{"instrument '" + spec.symbol + "': currency '" + std::string(cur) +
                 "' is not a three-letter ISO 4217 code"};
  }
  BALLAST_INVARIANT(instruments_.size() < InstrumentId::kInvalidValue, "too many instruments");
  spec.id = InstrumentId{static_cast<std::uint32_t>(instruments_.size())};
  by_symbol_.emplace(spec.symbol, spec.id);
  instruments_.push_back(std::move(spec));
  return instruments_.back().id;
}

InstrumentId InstrumentTable::find(std::string_view symbol) const {
  auto it = by_symbol_.find(std::string(symbol));
  return it == by_symbol_.end() ? InstrumentId{} : it->second;
}

}  // namespace ballast
