// The rebalancer's kept solvers: accounts that follow one model share a solver, solved warm from
// the previous account's solution, and get exactly the trades a cold solve gives; band-edge mode
// trades only the breached instruments, back to the monitor's re-arm line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <tuple>
#include <vector>

#include "ballast/engine/drift_monitor.hpp"
#include "ballast/execution/rebalancer.hpp"
#include "engine/drift_fixtures.hpp"

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

/// A rebalancer with its own slicing engine and order manager over the shared book.
struct Harness {
  ExecutionConfig ecfg;
  VolumeProfile profile = VolumeProfile::flat(570, 960);
  OrderManager om;
  ClOrdIdGenerator child_ids{1}, parent_ids{2};
  SlicingEngine slicer;
  Rebalancer reb;

  Harness(World& w, const OptimizerConfig& ocfg)
      : om(w.book, w.market),
        slicer(ecfg, profile, w.instruments, w.market, om, child_ids),
        // A buying allowance of the whole NAV: every buy starts at once, none waits for cash.
        reb(w.book, w.market, w.instruments, ocfg, w.cov, 1.0, 1.0, slicer, parent_ids,
            SessionId{0}) {}

  void rebalance(AccountId a) {
    Outbox out;
    RebalanceTriggered t{};
    t.account = a;
    reb.on_event(t, ny(10, 1), out);
  }
  /// (instrument, side, quantity) of every parent of account a, in instrument order.
  std::vector<std::tuple<std::uint32_t, int, std::int64_t>> parents(AccountId a) const {
    std::vector<std::tuple<std::uint32_t, int, std::int64_t>> v;
    om.for_each_parent([&](const ParentOrder& p) {
      if (p.account == a)
        v.emplace_back(p.instrument.value, static_cast<int>(p.side), p.intended.raw);
    });
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

// Issue 14: optimizer.max_iterations and optimizer.tolerance reach the engine's solvers (they
// were parsed and the solvers kept their own defaults); a solve under them still trades.
TEST(RebalancerSolvers, SolversAreBuiltWithTheConfiguredIterationLimitAndTolerance) {
  World w;
  const AccountId a = w.account(drift_of(3));
  OptimizerConfig ocfg;
  ocfg.max_iterations = 37;
  ocfg.tolerance = 1e-6;
  Harness h(w, ocfg);
  const OptimizerSettings st = h.reb.solver_settings();
  EXPECT_EQ(st.max_iterations, 37);
  EXPECT_DOUBLE_EQ(st.eps_abs, 1e-6);
  EXPECT_DOUBLE_EQ(st.eps_rel, 1e-6);
  h.rebalance(a);
  EXPECT_EQ(h.reb.counters().solve_errors, 0u);
  EXPECT_FALSE(h.parents(a).empty());
  OptimizerConfig defaults;
  EXPECT_EQ(Harness(w, defaults).reb.solver_settings().max_iterations,
            OptimizerSettings{}.max_iterations)
      << "the configuration's default is the solver's tested default";
}

TEST(RebalancerSolvers, AccountsOfOneModelShareASolverAndGetTheTradesAColdSolveGives) {
  World w;
  std::vector<AccountId> accts;
  for (int k = 0; k < 6; ++k) accts.push_back(w.account(drift_of(k)));
  OptimizerConfig ocfg;
  Harness shared(w, ocfg);
  for (AccountId a : accts) shared.rebalance(a);
  const auto& c = shared.reb.counters();
  EXPECT_EQ(c.rebalances, 6u);
  EXPECT_EQ(c.solve_errors, 0u);
  EXPECT_EQ(c.solver_loads, 1u);
  EXPECT_EQ(c.solver_reuses, 5u);
  std::size_t traded = 0;
  for (AccountId a : accts) {
    Harness cold(w, ocfg);
    cold.rebalance(a);
    ASSERT_EQ(cold.reb.counters().solver_loads, 1u);
    const auto expect = cold.parents(a);
    EXPECT_EQ(shared.parents(a), expect) << "account " << a.value;
    traded += expect.size();
  }
  EXPECT_GE(traded, 6u * 4u) << "the drifts should make every account trade several names";
}

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

TEST(RebalancerSolvers, AnAccountWithARestrictedHoldingGetsASolverOfItsOwn) {
  World w;
  const AccountId a = w.account(drift_of(1));
  // b may not trade instrument 0 (a restriction is part of the account's shape).
  const AccountId b = w.account(drift_of(2), {InstrumentId{0}});
  ASSERT_EQ(w.book.slot_flags(w.book.first_slot(b)), kSlotRestricted);
  OptimizerConfig ocfg;
  Harness h(w, ocfg);
  h.rebalance(a);
  h.rebalance(b);
  EXPECT_EQ(h.reb.counters().solver_loads, 2u);
  for (const auto& [inst, side, q] : h.parents(b))
    EXPECT_NE(inst, 0u) << "traded a restricted name";
  Harness cold(w, ocfg);
  cold.rebalance(b);
  EXPECT_EQ(h.parents(b), cold.parents(b));
}

/// Post-trade weight of instrument i in account a if every parent filled at the mark.
double weight_after(const World& w, const Harness& h, AccountId a, std::uint32_t i) {
  const Slot& s = w.book.slot_data(a)[i];
  std::int64_t q = s.qty;
  for (const auto& [inst, side, pq] : h.parents(a))
    if (inst == i) q += side == static_cast<int>(Side::kBuy) ? pq : -pq;
  return static_cast<double>(q) * 1e-6 * w.price[i] /
         (static_cast<double>(w.book.nav_exact(a)) * 1e-15);
}

TEST(RebalancerSolvers, BandEdgeModeTradesOnlyTheBreachedInstrumentsBackToTheRearmLine) {
  World w;
  std::vector<double> drift(kN, 0.0);
  // Instrument 0 (target 14.9 %) 8 points over, instrument 3 (target 11.2 %) 6 points under.
  const Model& m = w.book.model(w.model);
  drift[0] = 0.08 / m.weights[0];
  drift[3] = -0.06 / m.weights[3];
  const AccountId a = w.account(drift);
  TriggerConfig trig = quiet_triggers();
  trig.absolute = {true, 0.05};
  trig.rearm_fraction = 0.8;
  DriftMonitor monitor(w.book, w.market, {trig});
  EXPECT_DOUBLE_EQ(monitor.band(a, 0), 0.05);

  OptimizerConfig band_edge;
  band_edge.mode = OptimizerMode::kBandEdge;
  Harness h(w, band_edge);
  h.reb.set_drift_monitor(&monitor);
  h.rebalance(a);
  ASSERT_EQ(h.reb.counters().solve_errors, 0u);
  const auto p = h.parents(a);
  ASSERT_EQ(p.size(), 2u) << "only the two breached names trade";
  EXPECT_EQ(std::get<0>(p[0]), 0u);
  EXPECT_EQ(std::get<1>(p[0]), static_cast<int>(Side::kSell));
  EXPECT_EQ(std::get<0>(p[1]), 3u);
  EXPECT_EQ(std::get<1>(p[1]), static_cast<int>(Side::kBuy));
  // Back to target +- 0.8 x 5 % x 0.95 = 3.8 points, within a share's weight.
  const double line = 0.05 * 0.8 * 0.95;
  EXPECT_NEAR(weight_after(w, h, a, 0), m.weights[0] + line, 1e-4);
  EXPECT_NEAR(weight_after(w, h, a, 3), m.weights[3] - line, 1e-4);

  // Full mode on the same account trades much closer to the targets.
  OptimizerConfig full;
  Harness f(w, full);
  f.rebalance(a);
  EXPECT_GT(f.parents(a).size(), 2u);
  EXPECT_LT(std::fabs(weight_after(w, f, a, 0) - m.weights[0]), 0.02);
}

// Issue 13 item 9: an answer that is not optimal is not traded, and the rebalancer says why.
TEST(RebalancerSolvers, AnInfeasibleProblemTradesNothingAndLeavesANote) {
  World w;
  const AccountId a = w.account(std::vector<double>(kN, 0.03));  // about 0.1 % cash
  OptimizerConfig ocfg;
  ocfg.cash_buffer = 0.05;   // needs about 5 % of sales ...
  ocfg.turnover_cap = 0.01;  // ... and the cap allows 1 %
  Harness h(w, ocfg);
  h.rebalance(a);
  EXPECT_TRUE(h.parents(a).empty());
  const auto& c = h.reb.counters();
  EXPECT_EQ(c.refused_infeasible, 1u);
  EXPECT_EQ(c.refused_not_converged, 0u);
  const auto notes = h.reb.notes();
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].account, a);
  EXPECT_EQ(notes[0].status, SolveStatus::kInfeasible);
  EXPECT_FALSE(notes[0].traded);
  // With room for the sales the same account trades, and the whole lots keep the limits.
  OptimizerConfig roomy = ocfg;
  roomy.turnover_cap = 0.5;
  Harness h2(w, roomy);
  h2.rebalance(a);
  EXPECT_FALSE(h2.parents(a).empty());
  EXPECT_EQ(h2.reb.counters().refused_infeasible, 0u);
  EXPECT_EQ(h2.reb.counters().rounding_violations, 0u);
  EXPECT_TRUE(h2.reb.notes().empty());
}

}  // namespace
}  // namespace ballast
