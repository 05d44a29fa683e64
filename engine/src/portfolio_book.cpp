// Portfolio state for many accounts.
#include "ballast/engine/portfolio_book.hpp"

#include <cmath>

namespace ballast {

namespace {

/// Value of a position in units of 1e-15 (exact).
inline __int128 value_e15(std::int64_t qty_raw, Price mark) noexcept {
  return static_cast<__int128>(qty_raw) * mark.raw;
}

}  // namespace

PortfolioBook::PortfolioBook(std::size_t instruments)
    : n_instruments_(instruments), index_(instruments) {}

void PortfolioBook::reserve(std::size_t accounts, std::size_t slots) {
  acct_.reserve(accounts);
  keys_.reserve(accounts);
  slots_.reserve(slots);
  slot_acct_.reserve(slots);
  slot_pending_.reserve(slots);
}

Result<ModelId> PortfolioBook::add_model(Model m) {
  if (m.key.empty()) return Error{"model id is empty"};
  if (m.instruments.size() != m.weights.size()) {
    return Error{"model '" + m.key + "': instruments and weights differ in length"};
  }
  double sum = m.cash_weight;
  for (std::size_t k = 0; k < m.weights.size(); ++k) {
    if (!(m.weights[k] >= 0.0 && m.weights[k] <= 1.0)) {
      return Error{"model '" + m.key + "': weight " + std::to_string(k) + " is outside [0, 1]"};
    }
    if (m.instruments[k].value >= n_instruments_) {
      return Error{"model '" + m.key + "': unknown instrument id " +
                   std::to_string(m.instruments[k].value)};
    }
    sum += m.weights[k];
  }
  if (std::fabs(sum - 1.0) > 1e-9) {
    return Error{"model '" + m.key + "': weights and cash sum to " + std::to_string(sum) +
                 ", expected 1"};
  }
  m.id = ModelId{static_cast<std::uint32_t>(models_.size())};
  models_.push_back(std::move(m));
  return models_.back().id;
}

Result<AccountId> PortfolioBook::add_account(const AccountSpec& spec, const MarketState& market) {
  if (spec.model.value >= models_.size()) {
    return Error{"account '" + spec.key + "': unknown model id " +
                 std::to_string(spec.model.value)};
  }
  const Model& m = models_[spec.model.value];
  const AccountId id{static_cast<std::uint32_t>(acct_.size())};
  Account a;
  a.cash = spec.cash;
  a.model = spec.model;
  a.cash_target = m.cash_weight;
  a.trigger_profile = spec.trigger_profile;
  a.first_slot = static_cast<std::uint32_t>(slots_.size());

  auto is_restricted = [&](InstrumentId i) {
    for (auto r : spec.restricted) {
      if (r == i) return true;
    }
    return false;
  };
  // Restricted instruments' targets go to the others pro rata (cash target unchanged).
  double restricted_w = 0;
  for (std::size_t k = 0; k < m.instruments.size(); ++k) {
    if (is_restricted(m.instruments[k])) restricted_w += m.weights[k];
  }
  const double scale = restricted_spread_scale(m.cash_weight, restricted_w);

  auto push_slot = [&](InstrumentId inst, double target) {
    const bool restricted = is_restricted(inst);
    Slot sl;
    sl.inst = inst.value;
    sl.target = restricted ? 0.0 : target * scale;
    sl.flags = restricted ? kSlotRestricted : 0;
    slots_.push_back(sl);
    slot_acct_.push_back(id.value);
    slot_pending_.push_back(0);
    index_[inst.value].push_back(static_cast<std::uint32_t>(slots_.size() - 1));
  };
  for (std::size_t k = 0; k < m.instruments.size(); ++k) push_slot(m.instruments[k], m.weights[k]);
  a.n_slots = static_cast<std::uint32_t>(m.instruments.size());
  acct_.push_back(a);
  keys_.push_back(spec.key);

  for (const auto& [inst, qty] : spec.positions) {
    if (inst.value >= n_instruments_) {
      return Error{"account '" + spec.key + "': unknown instrument id " +
                   std::to_string(inst.value)};
    }
    std::int64_t s = find_slot(id, inst);
    if (s < 0) {
      push_slot(inst, 0.0);
      ++acct_.back().n_slots;
      s = static_cast<std::int64_t>(slots_.size() - 1);
    } else if (slots_[static_cast<std::size_t>(s)].qty != 0) {
      return Error{"account '" + spec.key + "': instrument id " + std::to_string(inst.value) +
                   " appears twice in positions"};
    }
    slots_[static_cast<std::size_t>(s)].qty = qty.raw;
  }
  // Restricted instruments that are neither in the model nor held need no slot.
  if (!spec.bands.empty()) {
    acct_.back().band_base = static_cast<std::int32_t>(bands_.size());
    const std::uint32_t n = acct_.back().n_slots;
    bands_.resize(bands_.size() + 2 * n, -1.0f);
    for (const auto& b : spec.bands) {
      const std::int64_t s = find_slot(id, b.instrument);
      if (s < 0) continue;
      const std::size_t off = static_cast<std::size_t>(acct_.back().band_base) +
                              2 * (static_cast<std::size_t>(s) - acct_.back().first_slot);
      bands_[off] = static_cast<float>(b.absolute);
      bands_[off + 1] = static_cast<float>(b.relative);
    }
  }
  acct_.back().nav_e15 = recompute_nav(id, market);
  return id;
}

std::int64_t PortfolioBook::find_slot(AccountId a, InstrumentId i) const noexcept {
  const Account& acc = acct_[a.value];
  for (std::uint32_t s = acc.first_slot; s < acc.first_slot + acc.n_slots; ++s) {
    if (slots_[s].inst == i.value) return s;
  }
  return -1;
}

__int128 PortfolioBook::recompute_nav(AccountId a, const MarketState& market) const noexcept {
  const Account& acc = acct_[a.value];
  __int128 nav = static_cast<__int128>(acc.cash.raw) * Price::kScale;
  for (std::uint32_t s = acc.first_slot; s < acc.first_slot + acc.n_slots; ++s) {
    const std::int64_t q = slots_[s].qty;
    if (q != 0) nav += value_e15(q, market.mark_for(InstrumentId{slots_[s].inst}, q));
  }
  return nav;
}

void PortfolioBook::revalue(InstrumentId i, const MarkChange& c) noexcept {
  const std::int64_t d_long = c.new_long.raw - c.old_long.raw;
  const std::int64_t d_short = c.new_short.raw - c.old_short.raw;
  for (std::uint32_t s : index_[i.value]) (void)revalue_slot(s, d_long, d_short);
}

void PortfolioBook::apply_cash_flow(AccountId a, Money amount) noexcept {
  Account& acc = acct_[a.value];
  acc.cash += amount;
  acc.nav_e15 += static_cast<__int128>(amount.raw) * Price::kScale;
}

bool PortfolioBook::apply_fill(AccountId a, InstrumentId i, Side side, Qty qty, Price px,
                               const MarketState& market) noexcept {
  const std::int64_t s = find_slot(a, i);
  if (s < 0) return false;
  const std::int64_t signed_raw = side == Side::kBuy ? qty.raw : -qty.raw;
  slots_[static_cast<std::size_t>(s)].qty += signed_raw;
  Account& acc = acct_[a.value];
  acc.cash -= notional(px, Qty{signed_raw}, Rounding::kHalfEven);
  acc.nav_e15 = recompute_nav(a, market);
  return true;
}

bool PortfolioBook::add_pending(AccountId a, InstrumentId i, Qty signed_qty) noexcept {
  const std::int64_t s = find_slot(a, i);
  if (s < 0) return false;
  slot_pending_[static_cast<std::size_t>(s)] += signed_qty.raw;
  return true;
}

bool PortfolioBook::has_pending(AccountId a) const noexcept {
  const Account& acc = acct_[a.value];
  for (std::uint32_t s = acc.first_slot; s < acc.first_slot + acc.n_slots; ++s) {
    if (slot_pending_[s] != 0) return true;
  }
  return false;
}

Qty PortfolioBook::position(AccountId a, InstrumentId i) const noexcept {
  const std::int64_t s = find_slot(a, i);
  return s < 0 ? Qty{} : Qty{slots_[static_cast<std::size_t>(s)].qty};
}

Money PortfolioBook::nav(AccountId a) const noexcept {
  const __int128 r = detail::div_round(acct_[a.value].nav_e15, Price::kScale, Rounding::kHalfEven);
  BALLAST_INVARIANT(detail::fits_i64(r), "NAV out of Money range");
  return Money{static_cast<std::int64_t>(r)};
}

std::size_t PortfolioBook::memory_bytes() const noexcept {
  std::size_t b = acct_.capacity() * sizeof(Account) + keys_.capacity() * sizeof(std::string);
  for (const auto& k : keys_) {
    if (k.capacity() > 15) b += k.capacity() + 1;  // beyond the small-string buffer
  }
  b += slots_.capacity() * sizeof(Slot) + slot_acct_.capacity() * 4 + slot_pending_.capacity() * 8 +
       bands_.capacity() * sizeof(float);
  for (const auto& v : index_) b += v.capacity() * 4 + sizeof(v);
  return b;
}

}  // namespace ballast
