// Configuration -> portfolio book.
#include "ballast/engine/desk.hpp"

#include <algorithm>
#include <string>

namespace ballast {

Result<DeskBuild> build_desk(const InstrumentTable& instruments,
                             const std::vector<ModelConfig>& models,
                             const std::vector<AccountConfig>& accounts, const MarketState& market,
                             PortfolioBook& book,
                             const std::vector<std::string>& restricted_everywhere) {
  if (book.accounts() != 0 || book.models() != 0) return Error{"build_desk: the book is not empty"};
  DeskBuild out;
  auto resolve = [&](const std::string& symbol, const std::string& owner) -> Result<InstrumentId> {
    const InstrumentId id = instruments.find(symbol);
    if (!id.valid()) return Error{owner + ": unknown instrument '" + symbol + "'"};
    return id;
  };
  for (const ModelConfig& mc : models) {
    Model m;
    m.key = mc.id;
    m.name = mc.name;
    m.cash_weight = mc.cash_buffer;
    for (const TargetWeight& tw : mc.weights) {
      auto id = resolve(tw.symbol, "model '" + mc.id + "'");
      if (!id) return id.error();
      m.instruments.push_back(id.value());
      m.weights.push_back(tw.weight);
    }
    m.trigger_profile = static_cast<std::uint32_t>(out.profiles.size());
    out.profiles.push_back(mc.triggers);
    auto added = book.add_model(std::move(m));
    if (!added) return added.error();
  }
  for (const AccountConfig& ac : accounts) {
    const std::string owner = "account '" + ac.id + "'";
    std::uint32_t model_index = 0;
    while (model_index < models.size() && models[model_index].id != ac.model) ++model_index;
    if (model_index == models.size()) return Error{owner + ": unknown model '" + ac.model + "'"};
    AccountSpec spec;
    spec.key = ac.id;
    spec.model = ModelId{model_index};
    spec.cash = ac.cash;
    spec.trigger_profile = book.model(spec.model).trigger_profile;
    if (ac.overrides_triggers) {
      spec.trigger_profile = static_cast<std::uint32_t>(out.profiles.size());
      out.profiles.push_back(ac.triggers);
    }
    for (const PositionConfig& p : ac.positions) {
      auto id = resolve(p.symbol, owner);
      if (!id) return id.error();
      spec.positions.push_back({id.value(), p.qty});
    }
    for (const std::string& r : ac.overrides.restricted) {
      auto id = resolve(r, owner);
      if (!id) return id.error();
      spec.restricted.push_back(id.value());
    }
    for (const std::string& r : restricted_everywhere) {
      auto id = resolve(r, "compliance.restricted");
      if (!id) return id.error();
      if (std::find(spec.restricted.begin(), spec.restricted.end(), id.value()) ==
          spec.restricted.end())
        spec.restricted.push_back(id.value());
    }
    for (const BandOverride& b : ac.overrides.bands) {
      auto id = resolve(b.symbol, owner);
      if (!id) return id.error();
      spec.bands.push_back({id.value(), b.absolute.value_or(-1.0), b.relative.value_or(-1.0)});
    }
    const Model& m = book.model(spec.model);
    auto currency_ok = [&](InstrumentId id) {
      if (instruments[id].currency == ac.base_currency) return true;
      return false;
    };
    for (InstrumentId id : m.instruments) {
      if (!currency_ok(id)) {
        return Error{owner + ": base currency " + std::string(ac.base_currency.view()) +
                     " but instrument '" + instruments[id].symbol + "' trades in " +
                     std::string(instruments[id].currency.view()) +
                     "; accounts holding other currencies are not supported yet"};
      }
    }
    for (const auto& [id, q] : spec.positions) {
      if (!currency_ok(id)) {
        return Error{owner + ": holds '" + instruments[id].symbol + "' in " +
                     std::string(instruments[id].currency.view()) + ", not its base currency " +
                     std::string(ac.base_currency.view())};
      }
    }
    auto added = book.add_account(spec, market);
    if (!added) return added.error();
    out.accounts.push_back(added.value());
  }
  return out;
}

}  // namespace ballast
