// Slicing algorithms.
#include "ballast/execution/slicer.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace ballast {

namespace {

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::stringstream ss(line);
  while (std::getline(ss, cell, ',')) {
    if (!cell.empty() && cell.back() == '\r') cell.pop_back();
    out.push_back(cell);
  }
  return out;
}

/// "HH:MM" -> minute of day, or -1.
int parse_hhmm(const std::string& s) {
  if (s.size() != 5 || s[2] != ':') return -1;
  for (int i : {0, 1, 3, 4}) {
    if (s[static_cast<std::size_t>(i)] < '0' || s[static_cast<std::size_t>(i)] > '9') return -1;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 24 || m > 59) return -1;
  return h * 60 + m;
}

/// SplitMix64: a deterministic stream for the jitter (seed, slice number) -> [-1, 1).
double jitter_unit(std::uint64_t seed, std::uint64_t slice) noexcept {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (slice + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * (1.0 / 4503599627370496.0) - 1.0;  // 2^52
}

Qty lots_toward_zero(double qty, Qty lot) noexcept {
  if (!(qty > 0)) return Qty{};
  const auto q = Qty::from_double(qty, Rounding::kDown);
  return q ? round_qty_to_lot(*q, lot) : Qty{};
}

}  // namespace

Result<VolumeProfile> VolumeProfile::load(const std::string& path, const std::string& symbol,
                                          const std::string& period) {
  auto all = load_many(path, {symbol}, period);
  if (!all) return all.error();
  return std::move(all.value().front());
}

Result<std::vector<Result<VolumeProfile>>> VolumeProfile::load_many(
    const std::string& path, const std::vector<std::string>& symbols, const std::string& period) {
  std::ifstream f(path);
  if (!f) return Error{path + ": cannot open the volume profile"};
  std::string line;
  if (!std::getline(f, line)) return Error{path + ":1: empty file; expected a header"};
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);
  const auto header = split(line);
  auto col = [&](const std::string& name) -> int {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
    return -1;
  };
  const int c_sym = col("symbol"), c_start = col("bucket_start_ET"), c_end = col("bucket_end_ET");
  int c_share = col("mean_share_of_regular_session_volume");
  if (c_share < 0) c_share = col("mean_share_of_day_volume");
  const int c_period = col("period");
  if (c_sym < 0 || c_start < 0 || c_end < 0 || c_share < 0) {
    return Error{path +
                 ":1: expected columns symbol, bucket_start_ET, bucket_end_ET and "
                 "mean_share_of_regular_session_volume or mean_share_of_day_volume"};
  }
  std::unordered_map<std::string, std::size_t> wanted;
  for (std::size_t k = 0; k < symbols.size(); ++k) wanted.emplace(symbols[k], k);
  // Per requested symbol, its rows as (period, bucket): the file is read once for all of them.
  std::vector<std::vector<std::pair<std::string, Bucket>>> rows(symbols.size());
  int lineno = 1;
  while (std::getline(f, line)) {
    ++lineno;
    if (line.empty() || line == "\r") continue;
    const auto c = split(line);
    const int need = std::max({c_sym, c_start, c_end, c_share, c_period}) + 1;
    const std::string where = path + ":" + std::to_string(lineno);
    if (static_cast<int>(c.size()) < need) {
      return Error{where + ": expected " + std::to_string(need) + " fields, got " +
                   std::to_string(c.size())};
    }
    const auto it = wanted.find(c[static_cast<std::size_t>(c_sym)]);
    if (it == wanted.end()) continue;
    Bucket b;
    b.start_minute = parse_hhmm(c[static_cast<std::size_t>(c_start)]);
    b.end_minute = parse_hhmm(c[static_cast<std::size_t>(c_end)]);
    if (b.start_minute < 0 || b.end_minute < 0) {
      return Error{where + ": bucket times must be HH:MM"};
    }
    char* endp = nullptr;
    const std::string& sh = c[static_cast<std::size_t>(c_share)];
    b.share = std::strtod(sh.c_str(), &endp);
    if (endp == sh.c_str() || *endp != '\0' || !std::isfinite(b.share)) {
      return Error{where + ": share '" + sh + "' is not a number"};
    }
    rows[it->second].push_back({c_period >= 0 ? c[static_cast<std::size_t>(c_period)] : "", b});
  }
  std::vector<Result<VolumeProfile>> out;
  out.reserve(symbols.size());
  for (std::size_t k = 0; k < symbols.size(); ++k) {
    std::string want = period;
    if (want.empty() && !rows[k].empty()) want = rows[k].back().first;
    std::vector<Bucket> buckets;
    for (const auto& [per, b] : rows[k]) {
      if (per == want) buckets.push_back(b);
    }
    if (buckets.empty()) {
      out.push_back(Error{path + ": no buckets for symbol '" + symbols[k] + "'" +
                          (period.empty() ? std::string() : " and period '" + period + "'")});
      continue;
    }
    auto r = from_buckets(std::move(buckets));
    if (!r) {
      out.push_back(Error{path + ": " + r.error().message});
      continue;
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<VolumeProfile> VolumeProfile::from_buckets(std::vector<Bucket> buckets) {
  if (buckets.empty()) return Error{"volume profile: no buckets"};
  double sum = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const Bucket& b = buckets[i];
    if (b.end_minute <= b.start_minute)
      return Error{"volume profile: bucket " + std::to_string(i) + " ends before it starts"};
    if (i > 0 && b.start_minute < buckets[i - 1].end_minute) {
      return Error{"volume profile: bucket " + std::to_string(i) + " overlaps the previous one"};
    }
    if (b.share < 0)
      return Error{"volume profile: bucket " + std::to_string(i) + " has a negative share"};
    sum += b.share;
  }
  if (!(sum > 0)) return Error{"volume profile: shares sum to 0"};
  VolumeProfile p;
  double acc = 0;
  for (Bucket b : buckets) {
    b.share /= sum;
    p.cum_.push_back(acc);
    acc += b.share;
    p.buckets_.push_back(b);
  }
  return p;
}

VolumeProfile VolumeProfile::flat(int start_minute, int end_minute) {
  return from_buckets({Bucket{start_minute, end_minute, 1.0}}).value();
}

double VolumeProfile::cumulative(double minute) const noexcept {
  if (buckets_.empty() || minute <= buckets_.front().start_minute) return 0.0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    const Bucket& b = buckets_[i];
    if (minute < b.end_minute) {
      if (minute <= b.start_minute) return cum_[i];  // in a gap before this bucket
      return cum_[i] + b.share * (minute - b.start_minute) / (b.end_minute - b.start_minute);
    }
  }
  return 1.0;
}

double schedule_fraction(const ExecutionConfig& cfg, const VolumeProfile& profile,
                         const ParentState& p, Timestamp now, double now_minute) noexcept {
  const double span = static_cast<double>((p.end - p.start).count());
  if (!(span > 0)) return 1.0;
  double t = static_cast<double>((now - p.start).count());
  if (cfg.algo == ExecAlgo::kTwap && cfg.jitter.fraction > 0) {
    // Shift the schedule clock by up to +-fraction x interval, from a seeded stream.
    t += cfg.jitter.fraction * static_cast<double>(cfg.interval.count()) *
         jitter_unit(cfg.jitter.seed, p.slices);
  }
  const double linear = std::clamp(t / span, 0.0, 1.0);
  if (cfg.algo != ExecAlgo::kVwap) return linear;
  const double c0 = profile.cumulative(p.start_minute);
  const double c1 = profile.cumulative(p.end_minute);
  if (!(c1 - c0 > 1e-12)) return linear;  // the window has no volume in the profile
  return std::clamp((profile.cumulative(now_minute) - c0) / (c1 - c0), 0.0, 1.0);
}

Price slice_limit(const LimitConfig& cfg, Side side, const MarketSnapshot& m, Price arrival,
                  bool crossing) noexcept {
  const bool buy = side == Side::kBuy;
  const bool have_quote = m.bid.raw > 0 && m.ask.raw >= m.bid.raw;
  Price px;
  if (!have_quote) {
    px = arrival;
  } else if (crossing || cfg.policy == LimitPolicy::kCrossTicks) {
    // Beyond the far touch by N ticks (at least one when finishing).
    const std::int64_t n = std::max<std::int64_t>(cfg.cross_ticks, crossing ? 1 : 0);
    px = buy ? m.ask + m.tick * n : m.bid - m.tick * n;
  } else if (cfg.policy == LimitPolicy::kMid) {
    px = Price{static_cast<std::int64_t>(
        detail::div_round(static_cast<__int128>(m.bid.raw) + m.ask.raw, 2, Rounding::kHalfEven))};
  } else {
    px = buy ? m.bid : m.ask;  // join the near touch
  }
  if (cfg.policy == LimitPolicy::kArrivalCap && arrival.raw > 0 && !crossing) {
    // Exact: arrival x (1 +- bps / 10^4) in integers, the bps to 1e-4 (units of 1e-8 of the
    // price), rounded toward the passive side (down for a buy, up for a sell). In doubles,
    // 220.00 x 1.0025 came out 220.5499... and a buy's cap fell a tick short.
    constexpr std::int64_t kUnit = 100'000'000;
    const std::int64_t k =
        std::clamp<std::int64_t>(std::llround(cfg.arrival_cap_bps * 10'000.0), 0, kUnit);
    const __int128 scaled = static_cast<__int128>(arrival.raw) * (buy ? kUnit + k : kUnit - k);
    const __int128 cap = detail::div_round(scaled, kUnit, buy ? Rounding::kDown : Rounding::kUp);
    if (detail::fits_i64(cap)) {
      const Price c{static_cast<std::int64_t>(cap)};
      px = buy ? std::min(px, c) : std::max(px, c);
    }
  }
  if (px.raw <= 0) px = m.tick;
  return round_limit_to_tick(side, px, m.tick);
}

SliceDecision decide(const ExecutionConfig& cfg, const VolumeProfile& profile, ParentState& p,
                     const MarketSnapshot& m, Timestamp now, double now_minute) noexcept {
  SliceDecision d;
  if (p.done) return d;
  const Qty remaining = p.quantity - p.filled;
  if (remaining.raw <= 0) {
    p.done = true;
    d.action = SliceDecision::Action::kFinished;
    return d;
  }
  ++p.slices;
  const double vol = p.market_volume.to_double();
  Qty desired;  // what should be working
  bool crossing = false;
  if (now >= p.end) {
    if (cfg.on_horizon_end == HorizonEnd::kLeave) {
      p.done = true;
      d.action = SliceDecision::Action::kFinished;
      d.left_over = remaining;
      return d;
    }
    crossing = true;
    desired = remaining;  // finish: everything left, priced to execute
    d.schedule_fraction = 1.0;
    d.target_cum = p.quantity;
  } else {
    double target;
    if (cfg.algo == ExecAlgo::kPov) {
      // Participation of observed volume: aim at target_rate, never above max_rate; the
      // catch-up below brings a lagging parent back to at least min_rate.
      target = std::min(cfg.pov.target_rate, cfg.pov.max_rate) * vol;
      target = std::max(target, cfg.pov.min_rate * vol);
      d.schedule_fraction = target / p.quantity.to_double();
    } else {
      d.schedule_fraction = schedule_fraction(cfg, profile, p, now, now_minute);
      target = d.schedule_fraction * p.quantity.to_double();
    }
    if (vol > 0) target = std::min(target, cfg.participation_cap * vol);
    if (cfg.algo == ExecAlgo::kPov) target = std::min(target, cfg.pov.max_rate * vol);
    target = std::min(target, p.quantity.to_double());
    d.target_cum = Qty::from_double(target, Rounding::kDown).value_or(Qty{});
    // Catch-up: the child covers the whole shortfall against the schedule.
    desired = lots_toward_zero(target - p.filled.to_double(), m.lot);
    if (desired > remaining) desired = round_qty_to_lot(remaining, m.lot);
    if (desired < cfg.min_child_qty && desired < remaining) desired = Qty{};
  }
  if (desired.raw <= 0 && p.working.raw <= 0) return d;  // nothing to do yet
  d.crossing = crossing;
  d.limit = slice_limit(cfg.limit, p.side, m, p.arrival, crossing);
  d.quantity = desired;
  if (p.working.raw <= 0) {
    d.action = desired.raw > 0 ? SliceDecision::Action::kNew : SliceDecision::Action::kNone;
  } else if (desired.raw <= 0) {
    d.action = SliceDecision::Action::kCancel;
  } else if (desired != p.working || d.limit != p.working_limit) {
    d.action = SliceDecision::Action::kReplace;
  }
  return d;
}

}  // namespace ballast
