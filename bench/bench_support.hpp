// Pieces the benchmark drivers share: latency percentiles of a run's samples, and the random
// models of their synthetic desks.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ballast/engine/portfolio_book.hpp"

namespace ballast::bench {

/// Percentiles (nearest rank), maximum and mean of a run's samples, and how many there were.
struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0, mean = 0;
  std::size_t n = 0;
};

inline Percentiles percentiles(std::vector<std::int64_t> v) {
  Percentiles p;
  p.n = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    const auto k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1;
    return static_cast<double>(v[std::min(k, v.size() - 1)]);
  };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = static_cast<double>(v.back());
  double s = 0;
  for (auto x : v) s += static_cast<double>(x);
  p.mean = s / static_cast<double>(v.size());
  return p;
}

/// Model "M<index>": `holdings` distinct instruments drawn from the first `instruments`, weights
/// equal-ish at random (1 to 2 before scaling) summing exactly to 1 less a 2 % cash weight.
inline Model random_model(std::mt19937_64& rng, int index, int instruments, std::size_t holdings) {
  Model model;
  model.key = "M" + std::to_string(index);
  std::vector<bool> used(static_cast<std::size_t>(instruments), false);
  double sum = 0;
  std::vector<double> w;
  while (model.instruments.size() < holdings) {
    const int i = static_cast<int>(rng() % static_cast<std::uint64_t>(instruments));
    if (used[static_cast<std::size_t>(i)]) continue;
    used[static_cast<std::size_t>(i)] = true;
    model.instruments.push_back(InstrumentId{static_cast<std::uint32_t>(i)});
    w.push_back(1.0 + static_cast<double>(rng() % 100) / 100.0);
    sum += w.back();
  }
  model.cash_weight = 0.02;
  for (double& x : w) x = x / sum * 0.98;
  double total = model.cash_weight;
  for (double x : w) total += x;
  w.back() += 1.0 - total;  // exact sum
  model.weights = w;
  return model;
}

}  // namespace ballast::bench
