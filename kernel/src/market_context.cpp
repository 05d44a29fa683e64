#include "ballast/kernel/market_context.hpp"

#include <chrono>
#include <cmath>

#include "ballast/adapters/market_data_daily.hpp"
#include "ballast/risk/returns.hpp"
#include "ballast/risk/risk_model.hpp"

namespace ballast::kernel {

namespace {

/// The risk model from the daily closes strictly before the session date.
Status estimate_covariance(const config::Settings& s, const MarketContextInputs& in,
                           MarketContext& ctx) {
  auto table = load_daily_closes(in.closes_path);
  if (!table) return Error(in.closes_where + table.error().message);
  const DailyCloseTable& t = table.value();
  std::size_t rows = 0;  // rows before the session date: no look-ahead into the traded day
  while (rows < t.rows() && (in.session_date == CivilDate{} || t.dates[rows] < in.session_date)) {
    ++rows;
  }
  const auto n = static_cast<Eigen::Index>(s.instruments.size());
  Eigen::MatrixXd prices(static_cast<Eigen::Index>(rows), n);
  for (Eigen::Index j = 0; j < n; ++j) {
    const auto& sym = s.instruments[InstrumentId{static_cast<std::uint32_t>(j)}].symbol;
    const auto col = t.column(sym);
    if (!col) {
      return Error(in.closes_where + "no column '" + sym +
                   "' (every instrument needs a price history for the risk model)");
    }
    for (std::size_t row = 0; row < rows; ++row) {
      const auto& p = t.at(row, *col);
      prices(static_cast<Eigen::Index>(row), j) = p ? p->to_double() : std::nan("");
    }
  }
  auto rets = returns_from_prices(prices, ReturnKind::kLog);
  if (!rets) {
    return Error(in.closes_where + rets.error().message + " (rows before the session date " +
                 to_string(in.session_date) + ": " + std::to_string(rows) + ")");
  }
  RiskModelOptions ro;
  ro.config = s.optimizer.risk_model;
  auto rm = RiskModel::estimate(rets.value().values, ro);
  if (!rm) return Error(in.closes_where + rm.error().message);
  ctx.covariance = rm.value().covariance;
  if (!ctx.covariance.allFinite()) {
    return Error(in.closes_where + "the risk model's covariance has a value that is not finite");
  }
  return Ok{};
}

/// ADV per instrument: the mean of the volumes in the last `lookback_days` rows strictly before
/// the session date (empty cells in them are skipped; none at all: unknown, and said in a
/// warning, as is a window that ends long before the session).
Status average_daily_volumes(const config::Settings& s, const MarketContextInputs& in,
                             MarketContext& ctx) {
  const std::size_t n = s.instruments.size();
  ctx.adv.assign(n, Qty{});
  ctx.adv_days.assign(n, 0);
  const AdvSourceConfig& a = s.market_data.adv;
  if (a.path.empty()) {
    if (s.compliance.max_adv_share > 0) {
      return Error(
          "compliance.max_adv_share is checked (" + std::to_string(s.compliance.max_adv_share) +
          ") but no market_data.adv gives the instruments' average daily volume, so every order "
          "would be denied: add market_data.adv (a CSV of daily share volumes) or set "
          "compliance.max_adv_share: off");
    }
    return Ok{};
  }
  const std::string where = "market_data.adv.path: '" + a.path + "': ";
  auto table = load_daily_volumes(a.path);
  if (!table) return Error(where + table.error().message);
  const DailyVolumeTable& t = table.value();
  std::size_t end = 0;  // rows strictly before the session date
  while (end < t.rows() && (in.session_date == CivilDate{} || t.dates[end] < in.session_date)) {
    ++end;
  }
  const std::size_t begin = end > static_cast<std::size_t>(a.lookback_days)
                                ? end - static_cast<std::size_t>(a.lookback_days)
                                : 0;
  const bool checked = s.compliance.max_adv_share > 0;
  if (end == 0) {
    ctx.warnings.push_back(where + "no row before the session date " + to_string(in.session_date) +
                           ": no instrument has an ADV" +
                           (checked ? " (every order will be denied: adv_share)" : ""));
  } else if (in.session_date != CivilDate{}) {
    const auto gap =
        std::chrono::sys_days{in.session_date} - std::chrono::sys_days{t.dates[end - 1]};
    if (gap > std::chrono::days{10}) {
      ctx.warnings.push_back(where + "the last row before the session date " +
                             to_string(in.session_date) + " is " + to_string(t.dates[end - 1]) +
                             " (" + std::to_string(gap.count()) + " days earlier): stale volumes");
    }
  }
  for (std::uint32_t i = 0; i < n; ++i) {
    const auto& sym = s.instruments[InstrumentId{i}].symbol;
    const auto col = t.column(sym);
    if (!col) {
      if (checked && end > 0) {
        ctx.warnings.push_back(where + "no column '" + sym + "': " + sym +
                               " has no ADV and its orders will be denied (adv_share)");
      }
      continue;
    }
    __int128 sum = 0;
    int days = 0;
    for (std::size_t r = begin; r < end; ++r) {
      const auto& v = t.at(r, *col);
      if (!v) continue;
      sum += v->raw;
      ++days;
    }
    if (days == 0) {
      if (checked && end > 0) {
        ctx.warnings.push_back(where + sym + " has no volume in the " +
                               std::to_string(end - begin) +
                               " row(s) before the session: no ADV, "
                               "its orders will be denied (adv_share)");
      }
      continue;
    }
    ctx.adv[i] = Qty::from_raw(static_cast<std::int64_t>(sum / days));  // exact, rounded down
    ctx.adv_days[i] = days;
  }
  return Ok{};
}

/// The configured volume profile per instrument (flat when none is configured).
Status volume_profiles(const config::Settings& s, MarketContext& ctx) {
  const std::string& path = s.execution.volume_profile;
  if (path.empty()) return Ok{};
  const bool needed = s.execution.algo == ExecAlgo::kVwap;  // only VWAP schedules by it
  std::vector<std::string> symbols;
  for (std::uint32_t i = 0; i < s.instruments.size(); ++i) {
    symbols.push_back(s.instruments[InstrumentId{i}].symbol);
  }
  auto all = VolumeProfile::load_many(path, symbols);  // the file is read once
  if (!all) return Error("execution.volume_profile: '" + path + "': " + all.error().message);
  ctx.profiles.reserve(symbols.size());
  for (auto& p : all.value()) {
    if (!p) {
      if (needed) {
        return Error("execution.volume_profile: '" + path + "': " + p.error().message +
                     " (execution.algo " + std::string(to_string(s.execution.algo)) +
                     " schedules every instrument's parents by its own profile)");
      }
      ctx.profiles.clear();  // TWAP and POV do not use it
      return Ok{};
    }
    ctx.profiles.push_back(std::move(p.value()));
  }
  return Ok{};
}

}  // namespace

Result<MarketContext> load_market_context(const config::Settings& s,
                                          const MarketContextInputs& in) {
  MarketContext ctx;
  ctx.session_date = in.session_date;
  if (auto st = estimate_covariance(s, in, ctx); !st) return st.error();
  if (auto st = average_daily_volumes(s, in, ctx); !st) return st.error();
  if (auto st = volume_profiles(s, ctx); !st) return st.error();
  return ctx;
}

}  // namespace ballast::kernel
