// Slicer benchmark (issue 5): time of one slicer decision per market-data event per active
// parent, for TWAP, VWAP and POV, against a baseline loop that does everything but decide().
// Target: <= 1 us per decision.
//
// Usage: slicer_bench [--parents N] [--events N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "slicer_fixture.hpp"

namespace {

using namespace ballast;
using Clock = std::chrono::steady_clock;

double run(ExecAlgo algo, const VolumeProfile& prof, int parents, int events, bool baseline,
           double& sink) {
  const ExecutionConfig cfg = bench::slicer_bench_config(algo);
  std::vector<ParentState> ps = bench::make_slicer_parents(parents);
  const MarketSnapshot m = bench::slicer_bench_snapshot();
  const auto t0 = Clock::now();
  for (int e = 0; e < events; ++e) {
    const Timestamp now = Timestamp{0} + std::chrono::milliseconds(e);
    const double minute = 570.0 + static_cast<double>(e) / 60'000.0;
    for (auto& p : ps) {
      p.market_volume += Qty::from_units(100);
      if (baseline) {
        sink += p.market_volume.to_double() + minute;
        continue;
      }
      const SliceDecision d = decide(cfg, prof, p, m, now, minute);
      bench::apply_slice(p, d);
      sink += d.limit.to_double();
    }
  }
  const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
  return ns / (static_cast<double>(events) * parents);
}

}  // namespace

int main(int argc, char** argv) {
  int parents = 1'000, events = 2'000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--parents" && i + 1 < argc)
      parents = std::atoi(argv[++i]);
    else if (a == "--events" && i + 1 < argc)
      events = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: slicer_bench [--parents N] [--events N]\n");
      return 2;
    }
  }
  auto prof = VolumeProfile::load(
      std::string(BALLAST_SHARED_DATA_DIR) +
          "/volume_profiles/DERIVED_30min_volume_share_lean_minute_2013-10-04_to_11.csv",
      "SPY");
  if (!prof) {
    std::fprintf(stderr, "%s\n", prof.error().message.c_str());
    return 2;
  }
  double sink = 0;
  const double base = run(ExecAlgo::kTwap, prof.value(), parents, events, true, sink);
  std::printf(
      "slicer decision per event per parent (%d parents x %d events); baseline loop %.1f ns\n",
      parents, events, base);
  bool ok = true;
  for (auto [name, algo] : {std::pair{"TWAP", ExecAlgo::kTwap}, std::pair{"VWAP", ExecAlgo::kVwap},
                            std::pair{"POV", ExecAlgo::kPov}}) {
    const double ns = run(algo, prof.value(), parents, events, false, sink);
    std::printf("  %-5s %7.1f ns per decision (%.1f ns over the baseline): %s\n", name, ns,
                ns - base, ns - base <= 1000.0 ? "MET" : "MISSED");
    ok = ok && ns - base <= 1000.0;
  }
  std::printf("(checksum %.3g)\n", sink);
  return ok ? 0 : 1;
}
