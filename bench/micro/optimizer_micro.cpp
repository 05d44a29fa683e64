// Optimizer: a warm re-solve as the rebalancer runs it (update_current after a 1 % price move,
// then solve_into on the kept optimizer: its factorisation and last solution), against a cold
// solve (a fresh optimizer: load, which factorises, then solve_into), for n = 20 (real ETF
// covariance), 100 and 500 (5-factor model fitted to the real 50-asset covariance): the problems
// of `optimizer_bench --quick` (same seed and order). The real covariances come from the extracts
// shipped in tests/data/daily (the same rows as the whole files). Fixture shared with
// optimizer_bench (optimizer_fixture.hpp).
#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "../optimizer_fixture.hpp"
#include "micro_check.hpp"

namespace ballast::micro {
namespace {

constexpr std::size_t kMoves = 64;  // price moves cycled through by the warm benchmark

struct OptimizerFixture {
  std::vector<RebalanceProblem> problems;  // n = 20, 100, 500: optimizer_bench --quick's
  bool ok = false;
};

const OptimizerFixture& fixture() {
  static const OptimizerFixture f = [] {
    OptimizerFixture r;
    const Eigen::MatrixXd real20 = test::real_covariance_shipped(BALLAST_SOURCE_DIR, 20);
    const Eigen::MatrixXd real50 = test::real_covariance_shipped(BALLAST_SOURCE_DIR, 50);
    if (real20.rows() != 20 || real50.rows() != 50) return r;
    std::mt19937_64 rng(7);
    r.problems = bench::optimizer_bench_problems(real20, real50, {100, 500}, rng);
    r.ok = true;
    return r;
  }();
  return f;
}

const RebalanceProblem* problem_of_size(benchmark::State& state) {
  const OptimizerFixture& f = fixture();
  if (!f.ok) {
    fail(state, "tests/data/daily: the shipped real-price extracts did not give a covariance");
    return nullptr;
  }
  for (const RebalanceProblem& p : f.problems) {
    if (p.size() == state.range(0)) return &p;
  }
  fail(state, "no problem of that size");
  return nullptr;
}

void BM_OptimizerWarmResolve(benchmark::State& state) {
  const RebalanceProblem* p = problem_of_size(state);
  if (p == nullptr) return;
  RebalanceOptimizer opt;
  RebalanceSolution sol;
  if (!opt.load(*p) || !opt.solve_into(sol) || !sol.optimal()) {
    fail(state, "the cold solve before the warm re-solves is not optimal");
    return;
  }
  std::mt19937_64 rng(11);
  std::vector<std::pair<Eigen::VectorXd, double>> moves;
  for (std::size_t k = 0; k < kMoves; ++k) moves.push_back(bench::price_move(*p, rng));
  const std::uint64_t hits_before = opt.counters().active_set_hits;
  std::size_t k = 0;
  for (auto _ : state) {
    const auto& [current, cash] = moves[k];
    const Status updated = opt.update_current(current, cash);
    const Status solved = opt.solve_into(sol);
    benchmark::DoNotOptimize(sol.weights.data());
    benchmark::ClobberMemory();
    if (!updated || !solved || !sol.optimal() || !sol.warm) {
      fail(state, "a warm re-solve is not optimal (or did not start from the last solution)");
      break;
    }
    k = (k + 1) % kMoves;
  }
  // The share of re-solves answered exactly on the last solution's active set (no ADMM).
  state.counters["active_set_share"] =
      static_cast<double>(opt.counters().active_set_hits - hits_before) /
      static_cast<double>(std::max<benchmark::IterationCount>(state.iterations(), 1));
}
BENCHMARK(BM_OptimizerWarmResolve)->Arg(20)->Arg(100)->Arg(500)->Unit(benchmark::kMicrosecond);

void BM_OptimizerColdSolve(benchmark::State& state) {
  const RebalanceProblem* p = problem_of_size(state);
  if (p == nullptr) return;
  RebalanceSolution sol;
  for (auto _ : state) {
    RebalanceOptimizer fresh;
    const Status loaded = fresh.load(*p);
    const Status solved = fresh.solve_into(sol);
    benchmark::DoNotOptimize(sol.weights.data());
    benchmark::ClobberMemory();
    if (!loaded || !solved || !sol.optimal()) {
      fail(state, "a cold solve is not optimal");
      break;
    }
  }
}
BENCHMARK(BM_OptimizerColdSolve)->Arg(20)->Arg(100)->Arg(500)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ballast::micro
