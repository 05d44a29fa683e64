// Portfolio state for many accounts: models, holdings, cash, pending orders, exact NAV.
//
// Layout (for 10^5..10^6 accounts): each account owns a contiguous range of holding slots, one
// per instrument it holds or its model targets (the fields the drift loop reads packed together,
// the rest in parallel arrays);
// an index from instrument to the slots that hold it lets a tick touch only those accounts.
// NAV is kept exactly, in units of 1e-15 of the account currency (Qty raw x Price raw), so the
// incremental update on a tick equals a full recomputation to the last digit.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/core/result.hpp"
#include "ballast/engine/market_state.hpp"

namespace ballast {

/// The factor a model's free targets are scaled by when `restricted_weight` of its targets is on
/// restricted instruments: the restricted weight goes to the others pro rata, the cash target
/// unchanged (0 when nothing is free).
inline double restricted_spread_scale(double cash_weight, double restricted_weight) noexcept {
  const double free_w = 1.0 - cash_weight - restricted_weight;
  return free_w > 0 ? (1.0 - cash_weight) / free_w : 0.0;
}

/// A model portfolio: target weights shared by the accounts that follow it.
struct Model {
  ModelId id{};
  std::string key;  ///< the configuration id
  std::string name;
  std::vector<InstrumentId> instruments;
  std::vector<double> weights;  ///< parallel to instruments
  double cash_weight = 0.0;
  std::uint32_t trigger_profile = 0;
};

/// What an account looks like at start.
struct AccountSpec {
  std::string key;
  ModelId model{};
  Money cash{};
  std::vector<std::pair<InstrumentId, Qty>> positions;
  /// Never traded; excluded from drift, its target weight spread pro rata over the others.
  std::vector<InstrumentId> restricted;
  /// Per-instrument absolute / relative bands replacing the profile's (negative = no override).
  struct Band {
    InstrumentId instrument{};
    double absolute = -1;
    double relative = -1;
  };
  std::vector<Band> bands;
  std::uint32_t trigger_profile = 0;
};

/// Slot flags.
enum SlotFlag : std::uint8_t { kSlotRestricted = 1 };

/// One holding of one account: what the drift loop reads, packed in 24 bytes.
struct Slot {
  std::int64_t qty = 0;  ///< Qty raw
  double target = 0;     ///< target weight
  std::uint32_t inst = 0;
  std::uint8_t flags = 0;
};
static_assert(sizeof(Slot) == 24);

/// All accounts and models. Thread: the core thread only. After add_* at start, the hot path
/// (revalue, apply_cash_flow, pending updates) allocates nothing.
class PortfolioBook {
 public:
  explicit PortfolioBook(std::size_t instruments);

  /// Reserves room (call before adding many accounts).
  void reserve(std::size_t accounts, std::size_t slots);

  /// Adds a model. Error: empty key, a weight outside [0, 1], weights + cash not summing to 1.
  Result<ModelId> add_model(Model m);
  /// Adds an account following an existing model; its slots are the model's instruments followed
  /// by any other instrument it holds. Error: unknown model, duplicate instrument in positions.
  Result<AccountId> add_account(const AccountSpec& spec, const MarketState& market);

  std::size_t accounts() const noexcept { return acct_.size(); }
  std::size_t slots() const noexcept { return slots_.size(); }
  const Model& model(ModelId m) const noexcept { return models_[m.value]; }
  std::size_t models() const noexcept { return models_.size(); }
  const std::string& account_key(AccountId a) const noexcept { return keys_[a.value]; }

  // -- hot path ---------------------------------------------------------------------------

  /// Applies an instrument's mark change to the NAV of every account holding it. Exact.
  void revalue(InstrumentId i, const MarkChange& c) noexcept;
  /// The slots (across all accounts) of instrument i.
  std::span<const std::uint32_t> holders(InstrumentId i) const noexcept {
    return {index_[i.value].data(), index_[i.value].size()};
  }
  AccountId account_of(std::uint32_t slot) const noexcept { return AccountId{slot_acct_[slot]}; }

  /// Applies a mark change (raw deltas for long and short marks) to one slot's account NAV and
  /// returns the slot's quantity (raw). The fused per-holder form of revalue().
  std::int64_t revalue_slot(std::uint32_t s, std::int64_t d_long, std::int64_t d_short) noexcept {
    const std::int64_t q = slots_[s].qty;
    if (q != 0)
      acct_[slot_acct_[s]].nav_e15 += static_cast<__int128>(q) * (q > 0 ? d_long : d_short);
    return q;
  }
  /// Prefetches what a tick reads for the holder in slot s (its slot and its account).
  void prefetch_holder(std::uint32_t s) const noexcept {
    __builtin_prefetch(&slots_[s]);
    __builtin_prefetch(&acct_[slot_acct_[s]]);
  }
  const Slot& slot(std::uint32_t s) const noexcept { return slots_[s]; }

  /// Adds a deposit (> 0) or withdrawal (< 0) to cash and NAV.
  void apply_cash_flow(AccountId a, Money amount) noexcept;
  /// Books a fill: position += signed qty, cash -= signed notional (rounded half-even to the
  /// currency's 1e-6), NAV recomputed from the marks. Returns false when the account has no slot
  /// for the instrument and one cannot be added without allocating (add_slot first).
  bool apply_fill(AccountId a, InstrumentId i, Side side, Qty qty, Price px,
                  const MarketState& market) noexcept;
  /// Adds to the signed pending order quantity (buys +, sells -) of the account's slot.
  bool add_pending(AccountId a, InstrumentId i, Qty signed_qty) noexcept;

  // -- per-account reads --------------------------------------------------------------------

  /// NAV in units of 1e-15 (exact).
  __int128 nav_exact(AccountId a) const noexcept { return acct_[a.value].nav_e15; }
  Money nav(AccountId a) const noexcept;
  Money cash(AccountId a) const noexcept { return acct_[a.value].cash; }
  ModelId model_of(AccountId a) const noexcept { return acct_[a.value].model; }
  std::uint32_t trigger_profile(AccountId a) const noexcept {
    return acct_[a.value].trigger_profile;
  }
  double cash_target(AccountId a) const noexcept { return acct_[a.value].cash_target; }
  std::uint32_t first_slot(AccountId a) const noexcept { return acct_[a.value].first_slot; }
  std::uint32_t slot_count(AccountId a) const noexcept { return acct_[a.value].n_slots; }
  /// Index into band_overrides() for this account's first slot, or -1.
  std::int32_t band_override_base(AccountId a) const noexcept { return acct_[a.value].band_base; }
  bool has_pending(AccountId a) const noexcept;
  Qty position(AccountId a, InstrumentId i) const noexcept;

  InstrumentId slot_instrument(std::uint32_t s) const noexcept {
    return InstrumentId{slots_[s].inst};
  }
  std::int64_t slot_qty_raw(std::uint32_t s) const noexcept { return slots_[s].qty; }
  std::int64_t slot_pending_raw(std::uint32_t s) const noexcept { return slot_pending_[s]; }
  double slot_target(std::uint32_t s) const noexcept { return slots_[s].target; }
  std::uint8_t slot_flags(std::uint32_t s) const noexcept { return slots_[s].flags; }
  /// The account's slots, contiguous.
  const Slot* slot_data(AccountId a) const noexcept {
    return slots_.data() + acct_[a.value].first_slot;
  }
  /// Absolute/relative band overrides, two floats per slot of accounts that have any.
  const std::vector<float>& band_overrides() const noexcept { return bands_; }

  /// Recomputes an account's NAV from scratch (tests compare it with the incremental one).
  __int128 recompute_nav(AccountId a, const MarketState& market) const noexcept;
  /// Bytes used by accounts, slots and the index (for the memory-per-account benchmark).
  std::size_t memory_bytes() const noexcept;

 private:
  struct Account {
    __int128 nav_e15 = 0;
    Money cash{};
    double cash_target = 0;
    std::uint32_t first_slot = 0;
    std::uint32_t n_slots = 0;
    ModelId model{};
    std::uint32_t trigger_profile = 0;
    std::int32_t band_base = -1;
  };
  std::int64_t find_slot(AccountId a, InstrumentId i) const noexcept;

  std::size_t n_instruments_;
  std::vector<Model> models_;
  std::vector<Account> acct_;
  std::vector<std::string> keys_;
  // Slots: the hot part packed, the rest in parallel arrays.
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> slot_acct_;
  std::vector<std::int64_t> slot_pending_;
  std::vector<float> bands_;
  std::vector<std::vector<std::uint32_t>> index_;
};

}  // namespace ballast
