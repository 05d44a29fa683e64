// Engine configuration: validation rules and names. No YAML here (config/ reads the file).
#include "ballast/engine/engine_config.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <unordered_map>

namespace ballast {

bool is_env_var_name(std::string_view s) noexcept {
  if (s.empty() || (s.front() >= '0' && s.front() <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

void check_env_reference(ConfigCheck& check, bool required, std::string_view key,
                         const std::string& var, bool resolved, std::string_view why) {
  if (var.empty()) return;
  if (!is_env_var_name(var)) {
    check.fail(std::string(key),
               concat({"'", var,
                       "' is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*); write the "
                       "name of the variable that holds the secret, not the secret"}));
    return;
  }
  if (required && !resolved) {
    check.fail(std::string(key), concat({"environment variable '", var, "' is not set or empty",
                                         why.empty() ? "" : " (", why, why.empty() ? "" : ")"}));
  }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

std::string concat(std::initializer_list<std::string_view> parts) {
  std::size_t n = 0;
  for (auto p : parts) n += p.size();
  std::string out;
  out.reserve(n);
  for (auto p : parts) out.append(p);
  return out;
}

std::string join_path(std::string_view prefix, std::string_view rest) {
  if (prefix.empty()) return std::string(rest);
  if (rest.empty()) return std::string(prefix);
  std::string out(prefix);
  if (rest.front() != '[') out += '.';
  out += rest;
  return out;
}

void append_violations(ConfigViolations& to, std::string_view prefix,
                       const ConfigViolations& from) {
  for (const auto& v : from) to.push_back({join_path(prefix, v.path), v.message});
}

bool is_identifier(std::string_view s) noexcept {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string format_double(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string format_duration(Duration d) {
  struct Unit {
    std::int64_t ns;
    const char* name;
  };
  static constexpr Unit kUnits[] = {
      {3'600'000'000'000, "h"}, {60'000'000'000, "m"}, {1'000'000'000, "s"},
      {1'000'000, "ms"},        {1'000, "us"},         {1, "ns"}};
  const std::int64_t ns = d.count();
  if (ns == 0) return "0s";
  for (const auto& u : kUnits) {
    if (ns % u.ns == 0) return concat({std::to_string(ns / u.ns), u.name});
  }
  return concat({std::to_string(ns), "ns"});
}

std::string TimeOfDay::to_string() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

void ConfigCheck::fail(std::string path, std::string message) {
  out_.push_back({std::move(path), std::move(message)});
}

bool ConfigCheck::real(std::string_view path, double v, double lo, double hi, Interval ends) {
  const bool lo_open = ends == Interval::kLeftOpen || ends == Interval::kOpen;
  const bool hi_open = ends == Interval::kRightOpen || ends == Interval::kOpen;
  const bool lo_ok = lo_open ? v > lo : v >= lo;
  const bool hi_ok = hi_open ? v < hi : v <= hi;
  if (lo_ok && hi_ok) return true;  // NaN fails both
  std::string msg = "must be ";
  if (std::isinf(hi)) {
    msg += lo_open ? "> " : ">= ";
    msg += format_double(lo);
  } else if (std::isinf(lo)) {
    msg += hi_open ? "< " : "<= ";
    msg += format_double(hi);
  } else {
    msg += "in ";
    msg += lo_open ? '(' : '[';
    msg += concat({format_double(lo), ", ", format_double(hi)});
    msg += hi_open ? ')' : ']';
  }
  msg += concat({", got ", format_double(v)});
  fail(std::string(path), std::move(msg));
  return false;
}

bool ConfigCheck::integer(std::string_view path, std::int64_t v, std::int64_t lo, std::int64_t hi) {
  if (v >= lo && v <= hi) return true;
  fail(std::string(path), concat({"must be in ", std::to_string(lo), "..", std::to_string(hi),
                                  ", got ", std::to_string(v)}));
  return false;
}

bool ConfigCheck::duration(std::string_view path, Duration d, Duration lo, Duration hi) {
  if (d >= lo && d <= hi) return true;
  fail(std::string(path), concat({"must be between ", format_duration(lo), " and ",
                                  format_duration(hi), ", got ", format_duration(d)}));
  return false;
}

bool ConfigCheck::positive(std::string_view path, Duration d) {
  if (d.count() > 0) return true;
  fail(std::string(path), concat({"must be a positive duration, got ", format_duration(d)}));
  return false;
}

bool ConfigCheck::not_empty(std::string_view path, std::string_view s) {
  if (!s.empty()) return true;
  fail(std::string(path), "must not be empty");
  return false;
}

bool ConfigCheck::identifier(std::string_view path, std::string_view s) {
  if (is_identifier(s)) return true;
  if (s.empty()) {
    fail(std::string(path), "must not be empty");
  } else {
    fail(std::string(path),
         concat({"'", s, "' is not a valid id: use 1 to 64 letters, digits, '_', '-' or '.'"}));
  }
  return false;
}

bool ConfigCheck::instrument(std::string_view path, std::string_view symbol,
                             const InstrumentTable& table) {
  if (table.find(symbol).valid()) return true;
  fail(std::string(path),
       concat({"unknown instrument '", symbol, "' (not in the instruments section)"}));
  return false;
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

bool is_currency_code(std::string_view c) {
  if (c.size() != 3) return false;
  return std::all_of(c.begin(), c.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
}

/// Reports symbols listed more than once in one list.
void check_unique_symbols(ConfigCheck& check, std::string_view list_path,
                          const std::vector<std::string>& symbols, const InstrumentTable& table) {
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    const std::string p = join_path(list_path, concat({"[", std::to_string(i), "]"}));
    check.instrument(p, symbols[i], table);
    if (!seen.insert(symbols[i]).second) {
      check.fail(p, concat({"instrument '", symbols[i], "' is listed twice"}));
    }
  }
}

/// Violations of `effective` (at `prefix`) that `inherited` does not have, or that the override
/// writes itself; the others are reported where they are written.
ConfigViolations new_trigger_violations(const TriggerConfig& effective,
                                        const ConfigViolations& inherited, std::string_view prefix,
                                        const WrittenKey& written) {
  ConfigViolations out;
  for (auto& v : effective.validate()) {
    const bool repeated = std::find(inherited.begin(), inherited.end(), v) != inherited.end();
    if (!repeated || (written && written(join_path(prefix, v.path)))) out.push_back(v);
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Names

// Each name falls back to what the switch it replaced returned for a value outside the enum.
const char* idle_kind_name(IdleKind k) noexcept {
  return kIdleKindNames.name_or(k, "back_off");
}
const char* to_string(TriggerCombine v) noexcept {
  return kTriggerCombineNames.name_or(v, "any");
}
const char* to_string(CalendarFrequency v) noexcept {
  return kCalendarFrequencyNames.name_or(v, "monthly");
}
const char* to_string(Weekday v) noexcept {
  return kWeekdayNames.name_or(v, "friday");
}
const char* to_string(PeriodDay v) noexcept {
  return kPeriodDayNames.name_or(v, "last");
}
const char* to_string(MarkPolicy v) noexcept {
  return kMarkPolicyNames.name_or(v, "mid");
}
const char* to_string(OptimizerMode v) noexcept {
  return kOptimizerModeNames.name_or(v, "full");
}
const char* to_string(CovarianceEstimator v) noexcept {
  return kCovarianceEstimatorNames.name_or(v, "ledoit_wolf");
}
const char* to_string(FsyncPolicy v) noexcept {
  return kFsyncPolicyNames.name_or(v, "group");
}
const char* to_string(LogLevel v) noexcept {
  return kLogLevelNames.name_or(v, "info");
}

// ---------------------------------------------------------------------------------------------
// Core loop

ConfigViolations CoreLoopConfig::validate() const {
  ConfigViolations out;
  ConfigCheck check(out);
  check.integer("back_off.max_spins", back_off.max_spins, 0, 1'000'000);
  check.integer("back_off.max_yields", back_off.max_yields, 0, 1'000'000);
  if (check.duration("back_off.min_park", back_off.min_park, std::chrono::nanoseconds(1),
                     std::chrono::seconds(1)) &&
      check.duration("back_off.max_park", back_off.max_park, std::chrono::nanoseconds(1),
                     std::chrono::seconds(1)) &&
      back_off.max_park < back_off.min_park) {
    check.fail("back_off.max_park",
               concat({"must be >= min_park (", format_duration(back_off.min_park), "), got ",
                       format_duration(back_off.max_park)}));
  }
  check.integer("batch_size", batch_size, 1, 65'536);
  check.integer("max_cascade", max_cascade, 1, 100'000'000);
  constexpr std::int64_t kMinQueue = 16;
  constexpr std::int64_t kMaxQueue = 1 << 26;
  check.integer("queue_capacity.outbound", queues.outbound, kMinQueue, kMaxQueue);
  check.integer("core_cpu", core_cpu, -1, 1023);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Triggers

ConfigViolations TriggerConfig::validate() const {
  ConfigViolations out;
  ConfigCheck check(out);
  check.real("absolute.band", absolute.band, 0.0, 1.0, Interval::kLeftOpen);
  check.real("relative.band", relative.band, 0.0, 10.0, Interval::kLeftOpen);
  check.integer("calendar.at", calendar.at.minutes, 0, 24 * 60 - 1);

  const auto& vol = volatility_adaptive;
  check.real("volatility_adaptive.reference_vol", vol.reference_vol, 0.0, 5.0, Interval::kLeftOpen);
  check.integer("volatility_adaptive.lookback_days", vol.lookback_days, 2, 2'520);
  if (check.real("volatility_adaptive.min_multiplier", vol.min_multiplier, 0.0, 100.0,
                 Interval::kLeftOpen) &&
      check.real("volatility_adaptive.max_multiplier", vol.max_multiplier, 0.0, 100.0,
                 Interval::kLeftOpen) &&
      vol.max_multiplier < vol.min_multiplier) {
    check.fail("volatility_adaptive.max_multiplier",
               concat({"must be >= min_multiplier (", format_double(vol.min_multiplier), "), got ",
                       format_double(vol.max_multiplier)}));
  }
  if (vol.enabled && !absolute.enabled && !relative.enabled) {
    check.fail("volatility_adaptive.enabled",
               "volatility-adaptive bands scale the absolute or relative band; enable one of them");
  }
  check.real("cash_flow.nav_share", cash_flow.nav_share, 0.0, 1.0, Interval::kLeftOpen);
  check.real("tracking_error.threshold", tracking_error.threshold, 0.0, 1.0, Interval::kLeftOpen);
  if (calendar.enabled && calendar.hybrid && !absolute.enabled && !relative.enabled &&
      !tracking_error.enabled) {
    check.fail("calendar.hybrid",
               "a hybrid calendar trigger needs a drift condition: enable absolute, relative or "
               "tracking_error");
  }
  check.duration("cool_down", cool_down, Duration::zero(), std::chrono::hours(24 * 31));
  check.real("rearm_fraction", rearm_fraction, 0.0, 1.0, Interval::kLeftOpen);
  const bool start_ok = check.integer("trading_hours.start", trading_hours.start.minutes, 0, 1439);
  const bool end_ok = check.integer("trading_hours.end", trading_hours.end.minutes, 0, 1439);
  if (start_ok && end_ok && !(trading_hours.start < trading_hours.end)) {
    check.fail("trading_hours.end",
               concat({"must be later than start (", trading_hours.start.to_string(), "), got ",
                       trading_hours.end.to_string()}));
  }
  if (calendar.enabled && start_ok && end_ok &&
      (calendar.at < trading_hours.start || !(calendar.at < trading_hours.end))) {
    check.fail("calendar.at",
               concat({"calendar time ", calendar.at.to_string(), " is outside trading_hours ",
                       trading_hours.start.to_string(), "-", trading_hours.end.to_string()}));
  }
  check.real("cost_benefit.multiplier", cost_benefit.multiplier, 0.0, 100.0, Interval::kLeftOpen);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Models and accounts

ConfigViolations ModelConfig::validate(const InstrumentTable& instruments) const {
  ConfigViolations out;
  ConfigCheck check(out);
  check.identifier("id", id);
  if (weights.empty()) check.fail("weights", "a model needs at least one instrument weight");
  std::set<std::string_view> seen;
  bool all_valid = true;
  double sum = 0.0;
  for (const auto& w : weights) {
    const std::string p = join_path("weights", w.symbol);
    check.instrument(p, w.symbol, instruments);
    if (!seen.insert(w.symbol).second) {
      check.fail(p, concat({"instrument '", w.symbol, "' is listed twice"}));
    }
    all_valid = check.real(p, w.weight, 0.0, 1.0) && all_valid;
    sum += w.weight;
  }
  all_valid = check.real("cash_buffer", cash_buffer, 0.0, 1.0, Interval::kRightOpen) && all_valid;
  // A sum is only meaningful once every part is a valid weight.
  if (all_valid && !weights.empty()) {
    const double total = sum + cash_buffer;
    if (!(std::fabs(total - 1.0) <= kWeightSumTolerance)) {
      // 12 significant digits: shows a miss of 1e-9 but not the noise of binary fractions.
      const auto show = [](double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.12g", v);
        return std::string(buf);
      };
      std::string msg = concat({"weights sum to ", show(sum)});
      if (cash_buffer != 0.0) {
        msg += concat({" + cash_buffer ", show(cash_buffer), " = ", show(total)});
      }
      msg += concat({"; they must sum to 1 (within ", format_double(kWeightSumTolerance), ")"});
      check.fail("weights", std::move(msg));
    }
  }
  return out;
}

ConfigViolations AccountConfig::validate(const InstrumentTable& instruments,
                                         const std::vector<ModelConfig>& models) const {
  ConfigViolations out;
  ConfigCheck check(out);
  check.identifier("id", id);
  if (check.not_empty("model", model)) {
    const bool known = std::any_of(models.begin(), models.end(),
                                   [&](const ModelConfig& m) { return m.id == model; });
    if (!known) {
      std::string msg = concat({"unknown model '", model, "'"});
      if (models.empty()) {
        msg += " (no models are defined)";
      } else {
        msg += "; defined models:";
        for (std::size_t i = 0; i < models.size(); ++i) {
          msg += i ? ", " : " ";
          msg += models[i].id;
        }
      }
      check.fail("model", std::move(msg));
    }
  }
  if (!is_currency_code(base_currency.view())) {
    check.fail("base_currency", concat({"'", base_currency.view(),
                                        "' is not a three-letter ISO 4217 code such as USD"}));
  }
  std::set<std::string_view> seen;
  for (const auto& p : positions) {
    const std::string path = join_path("positions", p.symbol);
    check.instrument(path, p.symbol, instruments);
    if (!seen.insert(p.symbol).second) {
      check.fail(path, concat({"instrument '", p.symbol, "' is listed twice"}));
    }
  }
  check_unique_symbols(check, "overrides.restricted", overrides.restricted, instruments);
  check_unique_symbols(check, "overrides.no_buy", overrides.no_buy, instruments);
  check_unique_symbols(check, "overrides.no_sell", overrides.no_sell, instruments);
  std::set<std::string_view> banded;
  for (const auto& b : overrides.bands) {
    const std::string path = join_path("overrides.bands", b.symbol);
    check.instrument(path, b.symbol, instruments);
    if (!banded.insert(b.symbol).second) {
      check.fail(path, concat({"instrument '", b.symbol, "' is listed twice"}));
    }
    if (!b.absolute && !b.relative) {
      check.fail(path, "a band override needs absolute, relative or both");
    }
    if (b.absolute) {
      check.real(concat({path, ".absolute"}), *b.absolute, 0.0, 1.0, Interval::kLeftOpen);
    }
    if (b.relative) {
      check.real(concat({path, ".relative"}), *b.relative, 0.0, 10.0, Interval::kLeftOpen);
    }
  }
  return out;
}

ConfigViolations validate_portfolios(const TriggerConfig& defaults,
                                     const std::vector<ModelConfig>& models,
                                     const std::vector<AccountConfig>& accounts,
                                     const InstrumentTable& instruments,
                                     const WrittenKey& written) {
  ConfigViolations out;
  ConfigCheck check(out);
  const ConfigViolations default_problems = defaults.validate();

  std::unordered_map<std::string_view, std::size_t> model_index;
  std::vector<ConfigViolations> model_problems(models.size());
  for (std::size_t i = 0; i < models.size(); ++i) {
    const auto& m = models[i];
    const std::string prefix = concat({"models[", std::to_string(i), "]"});
    append_violations(out, prefix, m.validate(instruments));
    model_problems[i] = m.triggers.validate();
    if (m.overrides_triggers) {
      const std::string at = concat({prefix, ".triggers"});
      append_violations(out, at, new_trigger_violations(m.triggers, default_problems, at, written));
    }
    if (m.id.empty()) continue;
    auto [it, inserted] = model_index.emplace(m.id, i);
    if (!inserted) {
      check.fail(concat({prefix, ".id"}),
                 concat({"duplicate model id '", m.id, "' (first defined as models[",
                         std::to_string(it->second), "])"}));
    }
  }

  std::unordered_map<std::string_view, std::size_t> account_index;
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    const auto& a = accounts[i];
    const std::string prefix = concat({"accounts[", std::to_string(i), "]"});
    append_violations(out, prefix, a.validate(instruments, models));
    if (a.overrides_triggers) {
      const auto m = model_index.find(a.model);
      const ConfigViolations& inherited =
          m == model_index.end() ? default_problems : model_problems[m->second];
      const std::string at = concat({prefix, ".overrides.triggers"});
      append_violations(out, at, new_trigger_violations(a.triggers, inherited, at, written));
    }
    if (a.id.empty()) continue;
    auto [it, inserted] = account_index.emplace(a.id, i);
    if (!inserted) {
      check.fail(concat({prefix, ".id"}),
                 concat({"duplicate account id '", a.id, "' (first defined as accounts[",
                         std::to_string(it->second), "])"}));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Market-data quality, optimizer, journal, logging

ConfigViolations MarketDataQualityConfig::validate() const {
  ConfigViolations out;
  ConfigCheck check(out);
  check.duration("stale_after", stale_after, std::chrono::milliseconds(1), std::chrono::hours(24));
  check.real("max_move_bps", max_move_bps, 0.0, 10'000.0, Interval::kLeftOpen);
  return out;
}

const char* to_string(ApprovalMode v) noexcept {
  return kApprovalModeNames.name_or(v, "auto");
}

ConfigViolations ApprovalConfig::validate() const {
  ConfigViolations out;
  ConfigCheck check(out);
  if (mode == ApprovalMode::kAboveValue) {
    if (!above_value_set || above_value.raw <= 0) {
      check.fail("above_value",
                 "mode above_value needs above_value: a gross trade-list value > 0 "
                 "above which a rebalance waits for approval");
    }
  } else if (above_value_set) {
    check.fail("above_value", concat({"applies to mode above_value only (mode is ", to_string(mode),
                                      "): remove it or change the mode"}));
  }
  check.duration("expire_after", expire_after, std::chrono::seconds(1), std::chrono::hours(24));
  return out;
}

ConfigViolations OptimizerConfig::validate() const {
  ConfigViolations out;
  ConfigCheck check(out);
  check.real("tracking_weight", tracking_weight, 0.0, kInf, Interval::kLeftOpen);
  check.real("cost_weight", cost_weight, 0.0, kInf, Interval::kRightOpen);
  if (check.real("impact_weight", impact_weight, 0.0, kInf, Interval::kRightOpen) &&
      impact_weight != 0.0) {
    // The engine has no per-instrument impact coefficients to weigh: the key would do nothing.
    check.fail("impact_weight",
               concat({"must be 0: the engine has no market-impact coefficients per instrument "
                       "yet, so a weight would change nothing (`ballast optimize` takes them in "
                       "its problem file), got ",
                       format_double(impact_weight)}));
  }
  if (!long_only) {
    check.fail("long_only",
               "must be true: Ballast rebalances long-only accounts (every weight "
               "bounded to [0, 1]); short positions are not supported");
  }
  check.real("turnover_cap", turnover_cap, 0.0, 2.0, Interval::kLeftOpen);
  check.real("cash_buffer", cash_buffer, 0.0, 1.0, Interval::kRightOpen);
  if (min_trade_value.is_negative()) {
    check.fail("min_trade_value", concat({"must be >= 0, got ", min_trade_value.to_string()}));
  }
  check.integer("max_iterations", max_iterations, 1, 1'000'000);
  check.real("tolerance", tolerance, 0.0, 1e-2, Interval::kLeftOpen);
  check.real("risk_model.ewma_decay", risk_model.ewma_decay, 0.0, 1.0, Interval::kOpen);
  check.integer("risk_model.factors", risk_model.factors, 1, 50);
  if (check.integer("risk_model.lookback_days", risk_model.lookback_days, 2, 5'040) &&
      risk_model.estimator == CovarianceEstimator::kFactor &&
      risk_model.factors >= risk_model.lookback_days) {
    check.fail("risk_model.factors", concat({"must be fewer than lookback_days (",
                                             std::to_string(risk_model.lookback_days), "), got ",
                                             std::to_string(risk_model.factors)}));
  }
  return out;
}

ConfigViolations JournalConfig::validate() const {
  ConfigViolations out;
  ConfigCheck check(out);
  if (enabled) check.not_empty("dir", dir);
  if (segment_size < (1ull << 20) || segment_size > (4ull << 30)) {
    check.fail("segment_size", concat({"must be between 1MiB and 4GiB, got ",
                                       std::to_string(segment_size), " bytes"}));
  }
  check.integer("group_commit_us", group_commit_us, 1, 1'000'000);
  if (enabled && release_after_durable && fsync == FsyncPolicy::kNone) {
    check.fail("release_after_durable",
               "with fsync: none nothing is ever durable; use fsync per_event or group, or set "
               "release_after_durable: false");
  }
  return out;
}

ConfigViolations LoggingConfig::validate() const {
  ConfigViolations out;
  ConfigCheck check(out);
  if (level != LogLevel::kOff && file.empty() && !console) {
    check.fail("console", "logging has no destination: set file, or console: true, or level: off");
  }
  return out;
}

}  // namespace ballast
