// The rebalancer's kept solvers, through the kernel `run` builds (Settings from YAML, a market
// context given in code, offline on the market clock): accounts that follow one model share a
// solver, solved warm from the previous account's solution, and get exactly the trades a cold
// solve (a kernel of their own) gives; band-edge mode trades only the breached instruments, back
// to the monitor's re-arm line; an infeasible problem trades nothing and leaves a note; the
// optimizer settings reach the solvers. Rebalancer::warm_up is not called by the kernel (only the
// tick-to-order benchmark uses it): its test drives the rebalancer alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "ballast/engine/drift_monitor.hpp"
#include "ballast/execution/rebalancer.hpp"
#include "engine/drift_fixtures.hpp"
#include "support/kernel_test_support.hpp"

namespace ballast {
namespace {

using namespace test;

constexpr int kN = 12;

/// Twelve instruments with prices from 20 to 130 and one- to three-cent spreads, a model over
/// them (97 % invested, 3 % cash) and a two-factor covariance.
struct World {
  InstrumentTable instruments;
  MarketState market;
  PortfolioBook book;
  Eigen::MatrixXd cov;
  ModelId model{};
  std::vector<double> price;

  World() : instruments(make()), market(kN, Desk::default_quality()), book(kN) {
    Outbox out;
    for (int i = 0; i < kN; ++i) {
      const double mid = 20.0 + 10.0 * i;
      const double half = 0.005 * (1 + i % 3);
      price.push_back(mid);
      char bid[32], ask[32];
      std::snprintf(bid, sizeof bid, "%.3f", mid - half);
      std::snprintf(ask, sizeof ask, "%.3f", mid + half);
      const InstrumentId id{static_cast<std::uint32_t>(i)};
      (void)market.on_quote(quote(id, bid, ask, ny(10, 0)), ny(10, 0), out);
    }
    Eigen::MatrixXd b(kN, 2);
    for (int i = 0; i < kN; ++i) {
      b(i, 0) = 0.12 + 0.01 * i;
      b(i, 1) = (i % 2 ? 0.05 : -0.04) * (1 + i % 4);
    }
    cov = b * b.transpose();
    for (int i = 0; i < kN; ++i) cov(i, i) += 0.01 + 0.002 * i;
    Model m;
    m.key = "m12";
    m.cash_weight = 0.03;
    double sum = 0;
    for (int i = 0; i < kN; ++i) {
      m.instruments.push_back(InstrumentId{static_cast<std::uint32_t>(i)});
      m.weights.push_back(static_cast<double>(kN - i));
      sum += kN - i;
    }
    for (double& w : m.weights) w *= 0.97 / sum;
    model = book.add_model(m).value();
  }
  static InstrumentTable make() {
    InstrumentTable t;
    for (int i = 0; i < kN; ++i) (void)t.add({.symbol = "I" + std::to_string(i)});
    return t;
  }
  /// An account of $1M whose weights are the model's scaled by 1 + drift[i]; cash takes the rest.
  AccountId account(const std::vector<double>& drift, std::vector<InstrumentId> restricted = {}) {
    const Model& m = book.model(model);
    AccountSpec s;
    s.key = "A" + std::to_string(book.accounts());
    s.model = model;
    s.restricted = std::move(restricted);
    double invested = 0;
    for (int i = 0; i < kN; ++i) {
      const double w =
          m.weights[static_cast<std::size_t>(i)] * (1 + drift[static_cast<std::size_t>(i)]);
      const auto shares = static_cast<std::int64_t>(w * 1e6 / price[static_cast<std::size_t>(i)]);
      s.positions.push_back({InstrumentId{static_cast<std::uint32_t>(i)}, Qty::from_units(shares)});
      invested += static_cast<double>(shares) * price[static_cast<std::size_t>(i)];
    }
    s.cash = Money::from_double(1e6 - invested, Rounding::kHalfEven).value();
    return book.add_account(s, market).value();
  }
};

/// A rebalancer alone over the shared book: its trade lists are the ParentOrderRequested it emits.
struct Harness {
  ClOrdIdGenerator parent_ids{2};
  Rebalancer reb;
  std::vector<ParentOrderRequested> requested;

  Harness(World& w, const OptimizerConfig& ocfg)
      // A buying allowance of the whole NAV: every buy starts at once, none waits for cash.
      : reb(w.book, w.market, w.instruments, ocfg, w.cov, 1.0, 1.0, parent_ids, SessionId{0}) {}

  void rebalance(AccountId a) {
    Outbox out;
    RebalanceTriggered t{};
    t.account = a;
    reb.on_event(t, ny(10, 1), out);
    for (const Event& e : out) {
      if (const auto* r = std::get_if<ParentOrderRequested>(&e)) requested.push_back(*r);
    }
  }
  /// (instrument, side, quantity) of every parent of account a, in instrument order.
  std::vector<std::tuple<std::uint32_t, int, std::int64_t>> parents(AccountId a) const {
    std::vector<std::tuple<std::uint32_t, int, std::int64_t>> v;
    for (const ParentOrderRequested& p : requested) {
      if (p.account == a) v.emplace_back(p.instrument.value, static_cast<int>(p.side), p.qty.raw);
    }
    std::sort(v.begin(), v.end());
    return v;
  }
};

std::vector<double> drift_of(int account) {
  std::vector<double> d(kN);
  for (int i = 0; i < kN; ++i) {
    // Different directions and sizes per account and instrument, up to +-35 %.
    d[static_cast<std::size_t>(i)] = 0.35 * std::sin(1.7 * i + 2.3 * account + 0.4);
  }
  return d;
}

// ------------------------------------------------------------------ through the kernel

/// The World's desk as a configuration: its twelve instruments and model, `accounts` (YAML list
/// items), `triggers` (the flow mapping's contents) and the `optimizer` line as given; buys may run
/// a whole NAV ahead of sales (execution.cash_allowance 1.0), as the harness's rebalancer did.
std::string desk_yaml(const World& w, const std::string& accounts, const std::string& triggers,
                      const std::string& optimizer = "") {
  std::string y = "instruments:\n";
  for (int i = 0; i < kN; ++i) y += "  - {symbol: I" + std::to_string(i) + "}\n";
  const Model& m = w.book.model(w.model);
  y += "models:\n  - id: m12\n    cash_buffer: 0.03\n    weights: {";
  for (int i = 0; i < kN; ++i) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%sI%d: %.17g", i ? ", " : "", i,
                  m.weights[static_cast<std::size_t>(i)]);
    y += buf;
  }
  y += "}\n";
  y +=
      "triggers: {cash_flow: {enabled: false}, cost_benefit: {enabled: false}, " + triggers + "}\n";
  y += "market_data_quality: {stale_after: 1h}\n";
  y += (optimizer.empty() ? std::string("optimizer: {}") : optimizer) + "\n";
  y += "execution: {cash_allowance: 1.0}\n";
  y += "compliance: {reference_stale_after: 1h}\n";
  y += "engine: {queue_capacity: {outbound: 1024}}\n";
  y += "journal: {enabled: false}\n";
  y += "accounts:\n" + accounts;
  return y;
}

/// An account as World::account opens it ($1M, the model's weights scaled by 1 + drift[i], cash
/// the rest), as a YAML list item.
std::string account_yaml(const World& w, const std::string& id, const std::vector<double>& drift,
                         const std::vector<int>& restricted = {}) {
  const Model& m = w.book.model(w.model);
  std::string y = "  - id: " + id + "\n    model: m12\n    positions: {";
  std::int64_t invested = 0;
  for (int i = 0; i < kN; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const double wt = m.weights[k] * (1 + drift[k]);
    const auto shares = static_cast<std::int64_t>(wt * 1e6 / w.price[k]);
    y += (i ? ", I" : "I") + std::to_string(i) + ": " + std::to_string(shares);
    invested += shares * static_cast<std::int64_t>(w.price[k]);  // whole-dollar prices
  }
  y += "}\n    cash: " + std::to_string(1'000'000 - invested) + "\n";
  if (!restricted.empty()) {
    y += "    overrides: {restricted: [";
    for (std::size_t j = 0; j < restricted.size(); ++j)
      y += (j ? ", I" : "I") + std::to_string(restricted[j]);
    y += "]}\n";
  }
  return y;
}

/// Every account rebalances at 10:00 (a daily calendar trigger, no drift condition).
const char* const kAtTen =
    "absolute: {enabled: false}, calendar: {enabled: true, frequency: "
    "daily, at: \"10:00\"}";

/// Builds the kernel from `yaml`, quotes every instrument as World does at 09:59:30 and runs its
/// clock to 10:00 (nothing is filled: a slice's first child is a minute after its parent).
std::unique_ptr<kernel::Kernel> run_to_ten(const World& w, const std::string& yaml) {
  const auto s = settings_of(yaml, "rebalancer solver desk");
  if (!s) return nullptr;
  auto k = offline_kernel(*s, context_of(w.cov, qty("1000000000")), small_tables());
  if (!k) {
    ADD_FAILURE() << k.error().message;
    return nullptr;
  }
  InstantBrokerDriver broker(*k.value());
  const Timestamp t = ny(10, 0) - std::chrono::seconds(30);
  for (int i = 0; i < kN; ++i) {
    const double mid = w.price[static_cast<std::size_t>(i)];
    const double half = 0.005 * (1 + i % 3);
    char bid[32], ask[32];
    std::snprintf(bid, sizeof bid, "%.3f", mid - half);
    std::snprintf(ask, sizeof ask, "%.3f", mid + half);
    broker.at(t, quote(InstrumentId{static_cast<std::uint32_t>(i)}, bid, ask, t));
  }
  broker.run_until(ny(10, 0));
  EXPECT_TRUE(broker.received.empty());
  return std::move(k.value());
}

using Trades = std::vector<std::tuple<std::uint32_t, int, std::int64_t>>;

/// (instrument, side, quantity) of every parent of account a, in instrument order.
Trades parents_of(const kernel::Kernel& k, AccountId a) {
  Trades v;
  k.orders().for_each_parent([&](const ParentOrder& p) {
    if (p.account == a)
      v.emplace_back(p.instrument.value, static_cast<int>(p.side), p.intended.raw);
  });
  std::sort(v.begin(), v.end());
  return v;
}

// Issue 14: optimizer.max_iterations and optimizer.tolerance reach the engine's solvers (they
// were parsed and the solvers kept their own defaults); a solve under them still trades.
TEST(RebalancerSolvers, SolversAreBuiltWithTheConfiguredIterationLimitAndTolerance) {
  World w;
  const std::string acct = account_yaml(w, "A", drift_of(3));
  const auto k = run_to_ten(
      w, desk_yaml(w, acct, kAtTen, "optimizer: {max_iterations: 37, tolerance: 0.000001}"));
  ASSERT_NE(k, nullptr);
  const OptimizerSettings st = k->rebalancer().solver_settings();
  EXPECT_EQ(st.max_iterations, 37);
  EXPECT_DOUBLE_EQ(st.eps_abs, 1e-6);
  EXPECT_DOUBLE_EQ(st.eps_rel, 1e-6);
  EXPECT_EQ(k->rebalances(), 1u);
  EXPECT_EQ(k->rebalancer().counters().solve_errors, 0u);
  EXPECT_FALSE(parents_of(*k, k->accounts().at(0)).empty());
  const auto d = run_to_ten(w, desk_yaml(w, acct, kAtTen));
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->rebalancer().solver_settings().max_iterations, OptimizerSettings{}.max_iterations)
      << "the configuration's default is the solver's tested default";
}

TEST(RebalancerSolvers, AccountsOfOneModelShareASolverAndGetTheTradesAColdSolveGives) {
  World w;
  std::string accounts;
  for (int a = 0; a < 6; ++a) accounts += account_yaml(w, "A" + std::to_string(a), drift_of(a));
  const auto shared = run_to_ten(w, desk_yaml(w, accounts, kAtTen));
  ASSERT_NE(shared, nullptr);
  const auto& c = shared->rebalancer().counters();
  EXPECT_EQ(shared->rebalances(), 6u);
  EXPECT_EQ(c.solve_errors, 0u);
  EXPECT_EQ(c.solver_loads, 1u);
  EXPECT_EQ(c.solver_reuses, 5u);
  std::size_t traded = 0;
  for (int a = 0; a < 6; ++a) {
    const auto cold =
        run_to_ten(w, desk_yaml(w, account_yaml(w, "A" + std::to_string(a), drift_of(a)), kAtTen));
    ASSERT_NE(cold, nullptr);
    ASSERT_EQ(cold->rebalancer().counters().solver_loads, 1u);
    const Trades expect = parents_of(*cold, cold->accounts().at(0));
    EXPECT_EQ(parents_of(*shared, shared->accounts().at(static_cast<std::size_t>(a))), expect)
        << "account " << a;
    traded += expect.size();
  }
  EXPECT_GE(traded, 6u * 4u) << "the drifts should make every account trade several names";
}

TEST(RebalancerSolvers, AnAccountWithARestrictedHoldingGetsASolverOfItsOwn) {
  World w;
  // B may not trade instrument 0 (a restriction is part of the account's shape).
  const std::string b = account_yaml(w, "B", drift_of(2), {0});
  const auto k = run_to_ten(w, desk_yaml(w, account_yaml(w, "A", drift_of(1)) + b, kAtTen));
  ASSERT_NE(k, nullptr);
  const AccountId bid = k->accounts().at(1);
  ASSERT_EQ(k->book().slot_flags(k->book().first_slot(bid)), kSlotRestricted);
  EXPECT_EQ(k->rebalancer().counters().solver_loads, 2u);
  const Trades got = parents_of(*k, bid);
  for (const auto& [inst, side, q] : got) EXPECT_NE(inst, 0u) << "traded a restricted name";
  const auto cold = run_to_ten(w, desk_yaml(w, b, kAtTen));
  ASSERT_NE(cold, nullptr);
  EXPECT_EQ(got, parents_of(*cold, cold->accounts().at(0)));
  EXPECT_FALSE(got.empty());
}

/// Post-trade weight of instrument i in account a if every parent filled at the mark.
double weight_after(const World& w, const kernel::Kernel& k, AccountId a, std::uint32_t i) {
  const Slot& s = k.book().slot_data(a)[i];
  std::int64_t q = s.qty;
  for (const auto& [inst, side, pq] : parents_of(k, a))
    if (inst == i) q += side == static_cast<int>(Side::kBuy) ? pq : -pq;
  return static_cast<double>(q) * 1e-6 * w.price[i] /
         (static_cast<double>(k.book().nav_exact(a)) * 1e-15);
}

TEST(RebalancerSolvers, BandEdgeModeTradesOnlyTheBreachedInstrumentsBackToTheRearmLine) {
  World w;
  std::vector<double> drift(kN, 0.0);
  // Instrument 0 (target 14.9 %) 8 points over, instrument 3 (target 11.2 %) 6 points under.
  const Model& m = w.book.model(w.model);
  drift[0] = 0.08 / m.weights[0];
  drift[3] = -0.06 / m.weights[3];
  const std::string acct = account_yaml(w, "A", drift);
  // The drift trigger fires once every price is in (09:59:30).
  const std::string band = "absolute: {band: 0.05}, rearm_fraction: 0.8, cool_down: 0s";
  const auto k = run_to_ten(w, desk_yaml(w, acct, band, "optimizer: {mode: band_edge}"));
  ASSERT_NE(k, nullptr);
  const AccountId a = k->accounts().at(0);
  EXPECT_DOUBLE_EQ(k->monitor().band(a, 0), 0.05);
  EXPECT_EQ(k->rebalances(), 1u);
  ASSERT_EQ(k->rebalancer().counters().solve_errors, 0u);
  const Trades p = parents_of(*k, a);
  ASSERT_EQ(p.size(), 2u) << "only the two breached names trade";
  EXPECT_EQ(std::get<0>(p[0]), 0u);
  EXPECT_EQ(std::get<1>(p[0]), static_cast<int>(Side::kSell));
  EXPECT_EQ(std::get<0>(p[1]), 3u);
  EXPECT_EQ(std::get<1>(p[1]), static_cast<int>(Side::kBuy));
  // Back to target +- 0.8 x 5 % x 0.95 = 3.8 points, within a share's weight.
  const double line = 0.05 * 0.8 * 0.95;
  EXPECT_NEAR(weight_after(w, *k, a, 0), m.weights[0] + line, 1e-4);
  EXPECT_NEAR(weight_after(w, *k, a, 3), m.weights[3] - line, 1e-4);

  // Full mode on the same account trades much closer to the targets.
  const auto f = run_to_ten(w, desk_yaml(w, acct, band, "optimizer: {mode: full}"));
  ASSERT_NE(f, nullptr);
  const AccountId fa = f->accounts().at(0);
  EXPECT_GT(parents_of(*f, fa).size(), 2u);
  EXPECT_LT(std::fabs(weight_after(w, *f, fa, 0) - m.weights[0]), 0.02);
}

// Issue 13 item 9: an answer that is not optimal is not traded, and the rebalancer says why.
TEST(RebalancerSolvers, AnInfeasibleProblemTradesNothingAndLeavesANote) {
  World w;
  const std::string acct = account_yaml(w, "A", std::vector<double>(kN, 0.03));  // ~0.1 % cash
  // Needs about 5 % of sales, and the cap allows 1 %.
  const auto k = run_to_ten(
      w, desk_yaml(w, acct, kAtTen, "optimizer: {cash_buffer: 0.05, turnover_cap: 0.01}"));
  ASSERT_NE(k, nullptr);
  const AccountId a = k->accounts().at(0);
  EXPECT_TRUE(parents_of(*k, a).empty());
  const auto& c = k->rebalancer().counters();
  EXPECT_EQ(c.refused_infeasible, 1u);
  EXPECT_EQ(c.refused_not_converged, 0u);
  const auto notes = k->rebalancer().notes();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].account, a);
  EXPECT_EQ(notes[0].status, SolveStatus::kInfeasible);
  EXPECT_FALSE(notes[0].traded);
  // With room for the sales the same account trades, and the whole lots keep the limits.
  const auto r = run_to_ten(
      w, desk_yaml(w, acct, kAtTen, "optimizer: {cash_buffer: 0.05, turnover_cap: 0.5}"));
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(parents_of(*r, r->accounts().at(0)).empty());
  EXPECT_EQ(r->rebalancer().counters().refused_infeasible, 0u);
  EXPECT_EQ(r->rebalancer().counters().rounding_violations, 0u);
  EXPECT_TRUE(r->rebalancer().notes().empty());
}

// ------------------------------------------------------------------ the rebalancer alone

TEST(RebalancerSolvers, WarmUpSolvesWithoutTradingAndTheTriggerThenReusesTheSolver) {
  World w;
  const AccountId a = w.account(drift_of(3));
  OptimizerConfig ocfg;
  Harness h(w, ocfg);
  ASSERT_TRUE(h.reb.warm_up(a));
  EXPECT_TRUE(h.parents(a).empty());
  EXPECT_EQ(h.reb.counters().rebalances, 0u);
  h.rebalance(a);
  EXPECT_EQ(h.reb.counters().solver_loads, 1u);
  EXPECT_EQ(h.reb.counters().solver_reuses, 1u);
  // Same state as the warm-up: the previous solution's active set is exact at once.
  EXPECT_EQ(h.reb.counters().exact_warm, 1u);
  Harness cold(w, ocfg);
  cold.rebalance(a);
  EXPECT_EQ(h.parents(a), cold.parents(a));
  EXPECT_FALSE(h.parents(a).empty());
}

}  // namespace
}  // namespace ballast
