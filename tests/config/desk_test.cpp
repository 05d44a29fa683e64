// Configuration -> portfolio book and trigger profiles (build_desk), on the example desks.
#include "ballast/engine/desk.hpp"
#include "ballast/engine/drift_monitor.hpp"

#include <gtest/gtest.h>

#include "ballast/config/config.hpp"

namespace ballast::config {
namespace {

Settings load(const std::string& name) {
  auto r = load_file(std::string(BALLAST_SOURCE_DIR) + "/config/examples/" + name,
                     [](const std::string&) { return std::optional<std::string>("x"); });
  EXPECT_TRUE(r.ok());
  return *r.settings;
}

TEST(BuildDesk, BuildsTheDemoDeskFromItsConfiguration) {
  const Settings s = load("demo.yaml");
  MarketState market(s.instruments.size(), s.market_data_quality);
  PortfolioBook book(s.instruments.size());
  auto desk = build_desk(s.instruments, s.models, s.accounts, market, book);
  ASSERT_TRUE(desk.ok()) << desk.error().message;
  EXPECT_EQ(book.models(), s.models.size());
  ASSERT_EQ(book.accounts(), s.accounts.size());
  // One profile per model, plus ACC-1003's own (it overrides cash_flow).
  EXPECT_EQ(desk.value().profiles.size(), s.models.size() + 1);
  const AccountId acc3 = desk.value().accounts[2];
  EXPECT_EQ(book.account_key(acc3), "ACC-1003");
  EXPECT_EQ(desk.value().profiles[book.trigger_profile(acc3)].cash_flow.nav_share, 0.05);
  EXPECT_EQ(book.position(acc3, s.instruments.find("TIP")), Qty::from_units(120));
  EXPECT_EQ(book.cash(acc3), Money::from_units(50'000));
  // ACC-1004 restricts EEM: its slot is flagged and its target spread over the others.
  const AccountId acc4 = desk.value().accounts[3];
  double sum = book.cash_target(acc4);
  for (std::uint32_t k = 0; k < book.slot_count(acc4); ++k) {
    const Slot& sl = book.slot(book.first_slot(acc4) + k);
    if (InstrumentId{sl.inst} == s.instruments.find("EEM")) {
      EXPECT_TRUE(sl.flags & kSlotRestricted);
    }
    sum += sl.target;
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
  // ACC-1003's AGG band override reaches the book.
  EXPECT_GE(book.band_override_base(acc3), 0);
  // And the monitor accepts the result.
  DriftMonitor monitor(book, market, desk.value().profiles);
  EXPECT_EQ(monitor.counters().triggers, 0u);
}

TEST(BuildDesk, RefusesAnAccountWhoseInstrumentsTradeInAnotherCurrency) {
  const Settings s = load("minimal.yaml");
  Settings eur = s;
  ASSERT_FALSE(eur.accounts.empty());
  eur.accounts[0].base_currency = Currency::of("EUR");
  MarketState market(eur.instruments.size(), eur.market_data_quality);
  PortfolioBook book(eur.instruments.size());
  auto desk = build_desk(eur.instruments, eur.models, eur.accounts, market, book);
  ASSERT_FALSE(desk.ok());
  EXPECT_NE(desk.error().message.find("base currency EUR"), std::string::npos)
      << desk.error().message;
}

}  // namespace
}  // namespace ballast::config
