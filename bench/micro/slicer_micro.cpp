// Slicer: one decision (ballast::decide, what the slicing engine runs for a working parent on a
// print or a timer) for TWAP, VWAP (the shipped AAPL intraday profile) and POV. 256 parents
// started at 09:30 are visited in turn from 10:30, one market event per second of session, each
// decision answered by the benchmark's market (100 shares trade per second; half the child fills
// before the next event);
// the session restarts at 10:30 after its six hours. Fixture shared with slicer_bench
// (slicer_fixture.hpp).
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "../slicer_fixture.hpp"
#include "micro_check.hpp"

namespace ballast::micro {
namespace {

constexpr std::size_t kParents = 256;
constexpr std::int64_t kFirstSecond = 3600;     // 10:30: the parents are an hour in
constexpr std::int64_t kLastSecond = 6 * 3600;  // their horizon
constexpr std::int64_t kMinutesAtStart = 570;   // 09:30 New York

const VolumeProfile* aapl_profile() {
  static const Result<VolumeProfile> p =
      VolumeProfile::load(std::string(BALLAST_SOURCE_DIR) +
                              "/data/volume_profiles/nasdaq_2012-06-21_aapl_amzn_goog_30min.csv",
                          "AAPL");
  return p ? &p.value() : nullptr;
}

// A child the slicer asks for: a positive quantity within what is left of the parent (`left`),
// a positive limit on the tick.
bool child_is_valid(const SliceDecision& d, std::int64_t left, const MarketSnapshot& m) {
  if (d.action != SliceDecision::Action::kNew && d.action != SliceDecision::Action::kReplace)
    return true;
  return d.quantity.raw > 0 && d.quantity.raw <= left && d.limit.raw > 0 &&
         d.limit.raw % m.tick.raw == 0;
}

void BM_SlicerDecision(benchmark::State& state, ExecAlgo algo) {
  const VolumeProfile* prof = aapl_profile();
  if (prof == nullptr) {
    fail(state, "data/volume_profiles/nasdaq_2012-06-21_aapl_amzn_goog_30min.csv did not load");
    return;
  }
  const ExecutionConfig cfg = bench::slicer_bench_config(algo);
  std::vector<ParentState> fresh = bench::make_slicer_parents(static_cast<int>(kParents));
  for (ParentState& p : fresh) p.market_volume = Qty::from_units(100 * kFirstSecond);
  std::vector<ParentState> ps = fresh;
  const MarketSnapshot m = bench::slicer_bench_snapshot();
  std::size_t k = 0;
  std::int64_t second = kFirstSecond;
  std::int64_t children = 0;
  for (auto _ : state) {
    ParentState& p = ps[k];
    const Timestamp now = Timestamp{0} + std::chrono::seconds(second);
    const double minute = static_cast<double>(kMinutesAtStart) + static_cast<double>(second) / 60.0;
    p.market_volume += Qty::from_units(100);
    const std::int64_t left = p.quantity.raw - p.filled.raw;
    const SliceDecision d = decide(cfg, *prof, p, m, now, minute);
    benchmark::DoNotOptimize(d);
    if (!child_is_valid(d, left, m)) {
      fail(state, "slicer asked for a child beyond the parent's remainder or off the tick");
      break;
    }
    children +=
        d.action == SliceDecision::Action::kNew || d.action == SliceDecision::Action::kReplace;
    bench::apply_slice(p, d);
    if (++k == kParents) {
      k = 0;
      if (++second == kLastSecond) {
        second = kFirstSecond;
        ps = fresh;
      }
    }
  }
  // Parents an hour into their schedule (and into the market's volume) with nothing done must
  // get children.
  if (state.iterations() >= static_cast<benchmark::IterationCount>(kParents) && children == 0)
    fail(state, "slicer sent no child for parents an hour into their schedule");
  state.counters["children_per_decision"] = benchmark::Counter(
      static_cast<double>(children) /
      static_cast<double>(std::max<benchmark::IterationCount>(state.iterations(), 1)));
}
BENCHMARK_CAPTURE(BM_SlicerDecision, twap, ExecAlgo::kTwap);
BENCHMARK_CAPTURE(BM_SlicerDecision, vwap, ExecAlgo::kVwap);
BENCHMARK_CAPTURE(BM_SlicerDecision, pov, ExecAlgo::kPov);

}  // namespace
}  // namespace ballast::micro
