// Builds the portfolio book and trigger profiles from the configured models and accounts.
#pragma once

#include <vector>

#include "ballast/core/instrument.hpp"
#include "ballast/core/result.hpp"
#include "ballast/engine/engine_config.hpp"
#include "ballast/engine/market_state.hpp"
#include "ballast/engine/portfolio_book.hpp"

namespace ballast {

/// What the drift monitor needs, built from configuration: one trigger profile per model, plus
/// one per account that overrides its model's triggers.
struct DeskBuild {
  std::vector<TriggerConfig> profiles;
  std::vector<AccountId> accounts;  ///< in configuration order
};

/// Adds every model and account of the configuration to `book` (which must be empty) and returns
/// the trigger profiles they refer to. The configuration is expected to be valid (config/ checked
/// it); anything the book still refuses comes back as an error naming the model or account.
/// An account whose base currency differs from one of its instruments' currency is refused:
/// valuation across currencies needs FX rates, which the book does not model yet.
/// `restricted_everywhere` (compliance.restricted): symbols no account trades, restricted in every
/// account as its own overrides.restricted are (left out of drift and of the optimizer, the
/// target spread pro rata over the others), so the rebalancer never proposes what the compliance
/// gate would deny.
Result<DeskBuild> build_desk(const InstrumentTable& instruments,
                             const std::vector<ModelConfig>& models,
                             const std::vector<AccountConfig>& accounts, const MarketState& market,
                             PortfolioBook& book,
                             const std::vector<std::string>& restricted_everywhere = {});

}  // namespace ballast
