// `ballast optimize`: JSON problem -> risk model (optional) -> optimizer -> lots -> JSON result.
#include "optimize_command.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ballast/adapters/market_data_files.hpp"
#include "ballast/engine/engine_config.hpp"
#include "ballast/engine/lot_rounding.hpp"
#include "ballast/engine/optimizer.hpp"
#include "ballast/risk/risk_model.hpp"

namespace ballast::tools {

namespace {

using json = nlohmann::json;
using Eigen::VectorXd;

// Exit codes (docs/optimize.md).
constexpr int kExitOptimal = 0;
constexpr int kExitInfeasible = 1;
constexpr int kExitNotConverged = 3;
constexpr int kExitRoundingViolation = 4;

/// Bad input: the message names the JSON path and what was expected.
struct InputError {
  std::string message;
};

const std::set<std::string> kKeys = {"instruments", "covariance", "price_history",  "current",
                                     "targets",     "costs",      "impact",         "alpha",
                                     "lower",       "upper",      "cash_buffer",    "turnover_cap",
                                     "no_buy",      "no_sell",    "mode",           "bands",
                                     "objective",   "lots",       "min_trade_value"};

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw InputError{path + ": " + what};
}

double number(const json& j, const std::string& path) {
  if (!j.is_number()) fail(path, "expected a number, got " + std::string(j.type_name()));
  const double v = j.get<double>();
  if (!std::isfinite(v)) fail(path, "expected a finite number");
  return v;
}

/// A whole number in [lo, hi]: 2.7 or 1e10 named, never cut or cast out of range.
int whole(const json& j, const std::string& path, int lo, int hi) {
  const double v = number(j, path);
  if (v != std::floor(v)) fail(path, "expected a whole number, got " + j.dump());
  if (v < lo || v > hi) {
    std::string msg = "expected a whole number in ";
    msg += std::to_string(lo);
    msg += "..";
    msg += std::to_string(hi);
    msg += ", got ";
    msg += j.dump();
    fail(path, msg);
  }
  return static_cast<int>(v);
}

/// A fixed-point value given as a JSON string ("450.10", exact) or a number (converted with
/// half-even rounding).
template <class T>
T fixed(const json& j, const std::string& path) {
  if (j.is_string()) {
    auto r = T::parse(j.get<std::string>());
    if (!r) fail(path, r.error().message);
    return r.value();
  }
  auto v = T::from_double(number(j, path), Rounding::kHalfEven);
  if (!v) fail(path, "out of range");
  return *v;
}

void check_keys(const json& obj, const std::set<std::string>& allowed, const std::string& path) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (!allowed.count(it.key())) {
      std::string list;
      for (const auto& k : allowed) list += (list.empty() ? "" : ", ") + k;
      fail(path + "." + it.key(), "unknown key; expected one of " + list);
    }
  }
}

struct Universe {
  std::vector<std::string> symbols;
  std::map<std::string, Eigen::Index> index;
  Eigen::Index size() const { return static_cast<Eigen::Index>(symbols.size()); }
  Eigen::Index at(const std::string& sym, const std::string& path) const {
    auto it = index.find(sym);
    if (it == index.end()) fail(path, "unknown instrument '" + sym + "'; not in instruments");
    return it->second;
  }
};

/// A per-instrument value: one number for all, or a map symbol -> number (others get `dflt`).
VectorXd per_instrument(const json& root, const char* key, const Universe& u, double dflt) {
  VectorXd v = VectorXd::Constant(u.size(), dflt);
  if (!root.contains(key)) return v;
  const json& j = root[key];
  const std::string path = std::string("$.") + key;
  if (j.is_number()) return VectorXd::Constant(u.size(), number(j, path));
  if (!j.is_object()) fail(path, "expected a number or an object {symbol: number}");
  for (auto it = j.begin(); it != j.end(); ++it) {
    v[u.at(it.key(), path + "." + it.key())] = number(it.value(), path + "." + it.key());
  }
  return v;
}

std::vector<std::uint8_t> flags(const json& root, const char* key, const Universe& u) {
  std::vector<std::uint8_t> f(static_cast<std::size_t>(u.size()), 0);
  if (!root.contains(key)) return f;
  const std::string path = std::string("$.") + key;
  if (!root[key].is_array()) fail(path, "expected an array of instrument names");
  for (std::size_t k = 0; k < root[key].size(); ++k) {
    const json& s = root[key][k];
    if (!s.is_string()) fail(path + "[" + std::to_string(k) + "]", "expected an instrument name");
    f[static_cast<std::size_t>(u.at(s.get<std::string>(), path))] = 1;
  }
  return f;
}

CovarianceEstimator estimator_of(const std::string& s, const std::string& path) {
  CovarianceEstimator e{};
  if (kCovarianceEstimatorNames.parse(s, e)) return e;
  fail(path, "unknown estimator '" + s + "'; expected sample, ewma, ledoit_wolf or factor");
}

/// The covariance: given directly, or estimated from a price-history CSV.
Covariance covariance(const json& root, const Universe& u, const std::filesystem::path& base,
                      json& report) {
  Covariance c;
  const Eigen::Index n = u.size();
  if (root.contains("covariance") == root.contains("price_history")) {
    fail("$", "expected exactly one of covariance (an n x n annualised matrix) or price_history");
  }
  if (root.contains("covariance")) {
    const json& m = root["covariance"];
    if (!m.is_array() || static_cast<Eigen::Index>(m.size()) != n) {
      fail("$.covariance", "expected " + std::to_string(n) + " rows");
    }
    c.dense.resize(n, n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const std::string rp = "$.covariance[" + std::to_string(i) + "]";
      if (!m[static_cast<std::size_t>(i)].is_array() ||
          static_cast<Eigen::Index>(m[static_cast<std::size_t>(i)].size()) != n) {
        fail(rp, "expected " + std::to_string(n) + " numbers");
      }
      for (Eigen::Index j = 0; j < n; ++j) {
        c.dense(i, j) = number(m[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)],
                               rp + "[" + std::to_string(j) + "]");
      }
    }
    if (!c.dense.isApprox(c.dense.transpose(), 1e-12)) fail("$.covariance", "not symmetric");
    report["source"] = "given";
    return c;
  }
  const json& ph = root["price_history"];
  if (!ph.is_object()) fail("$.price_history", "expected an object");
  check_keys(ph, {"file", "estimator", "ewma_decay", "factors", "lookback_days"},
             "$.price_history");
  if (!ph.contains("file") || !ph["file"].is_string()) {
    fail("$.price_history.file", "expected the path of a daily-close CSV");
  }
  std::filesystem::path file = ph["file"].get<std::string>();
  if (file.is_relative()) file = base / file;
  auto table = load_daily_closes(file.string());
  if (!table) fail("$.price_history.file", table.error().message);
  RiskModelOptions opt;
  if (ph.contains("estimator")) {
    if (!ph["estimator"].is_string()) fail("$.price_history.estimator", "expected a string");
    opt.config.estimator = estimator_of(ph["estimator"], "$.price_history.estimator");
  }
  if (ph.contains("ewma_decay"))
    opt.config.ewma_decay = number(ph["ewma_decay"], "$.price_history.ewma_decay");
  if (ph.contains("factors"))
    opt.config.factors = whole(ph["factors"], "$.price_history.factors", 1, 100000);
  if (ph.contains("lookback_days")) {
    opt.config.lookback_days =
        whole(ph["lookback_days"], "$.price_history.lookback_days", 0, 1000000);
  }
  const auto& t = table.value();
  Eigen::MatrixXd prices(static_cast<Eigen::Index>(t.rows()), n);
  for (Eigen::Index j = 0; j < n; ++j) {
    const auto col = t.column(u.symbols[static_cast<std::size_t>(j)]);
    if (!col) {
      fail("$.price_history.file",
           file.string() + " has no column '" + u.symbols[static_cast<std::size_t>(j)] + "'");
    }
    for (std::size_t r = 0; r < t.rows(); ++r) {
      const auto p = t.at(r, *col);
      prices(static_cast<Eigen::Index>(r), j) = p ? p->to_double() : std::nan("");
    }
  }
  auto rets = returns_from_prices(prices, ReturnKind::kLog);
  if (!rets) fail("$.price_history", rets.error().message);
  auto model = RiskModel::estimate(rets.value().values, opt);
  if (!model) fail("$.price_history", model.error().message);
  const RiskModel& rm = model.value();
  report["source"] = file.string();
  report["estimator"] = to_string(rm.estimator);
  report["observations"] = rm.observations;
  if (!std::isnan(rm.shrinkage_intensity)) report["shrinkage_intensity"] = rm.shrinkage_intensity;
  report["repaired"] = rm.repair.changed;
  if (rm.factors) {
    c.loadings = rm.factors->loadings();
    c.factor_cov = rm.factors->factor_covariance();
    c.specific = rm.factors->specific_variances();
    report["factors"] = rm.factors->factors();
  } else {
    c.dense = rm.covariance;
  }
  return c;
}

int run(const std::string& input_path, std::ostream& out) {
  std::ifstream f(input_path);
  if (!f) throw InputError{input_path + ": cannot read the file"};
  std::stringstream buf;
  buf << f.rdbuf();
  const std::string text = buf.str();
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    // Byte offset -> line:column.
    std::size_t line = 1, col = 1;
    for (std::size_t k = 0; k + 1 < e.byte && k < text.size(); ++k) {
      if (text[k] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw InputError{input_path + ":" + std::to_string(line) + ":" + std::to_string(col) +
                     ": not valid JSON (" + e.what() + ")"};
  }
  if (!root.is_object()) fail("$", "expected a JSON object");
  check_keys(root, kKeys, "$");
  Universe u;
  if (!root.contains("instruments") || !root["instruments"].is_array() ||
      root["instruments"].empty()) {
    fail("$.instruments", "expected a non-empty array of instrument names");
  }
  for (std::size_t k = 0; k < root["instruments"].size(); ++k) {
    const json& s = root["instruments"][k];
    const std::string path = "$.instruments[" + std::to_string(k) + "]";
    if (!s.is_string()) fail(path, "expected a name");
    if (u.index.count(s.get<std::string>()))
      fail(path, "duplicate instrument '" + s.get<std::string>() + "'");
    u.index[s.get<std::string>()] = static_cast<Eigen::Index>(u.symbols.size());
    u.symbols.push_back(s.get<std::string>());
  }
  const Eigen::Index n = u.size();
  const std::filesystem::path base = std::filesystem::path(input_path).parent_path();
  json risk_report = json::object();

  RebalanceProblem p;
  p.sigma = covariance(root, u, base, risk_report);
  p.target = per_instrument(root, "targets", u, 0.0);
  p.cost = per_instrument(root, "costs", u, 0.0);
  p.impact = per_instrument(root, "impact", u, 0.0);
  if (root.contains("alpha")) p.alpha = per_instrument(root, "alpha", u, 0.0);
  p.lower = per_instrument(root, "lower", u, 0.0);
  p.upper = per_instrument(root, "upper", u, 1.0);
  p.no_buy = flags(root, "no_buy", u);
  p.no_sell = flags(root, "no_sell", u);
  if (root.contains("cash_buffer")) p.cash_buffer = number(root["cash_buffer"], "$.cash_buffer");
  if (root.contains("turnover_cap"))
    p.turnover_cap = number(root["turnover_cap"], "$.turnover_cap");
  if (root.contains("mode")) {
    const json& m = root["mode"];
    if (m == "full") {
      p.mode = RebalanceMode::kFull;
    } else if (m == "band_edge") {
      p.mode = RebalanceMode::kBandEdge;
      if (!root.contains("bands")) fail("$.bands", "band_edge mode needs bands");
      p.band = per_instrument(root, "bands", u, 0.0);
    } else {
      fail("$.mode", "expected \"full\" or \"band_edge\"");
    }
  }
  if (root.contains("objective")) {
    const json& o = root["objective"];
    if (!o.is_object()) fail("$.objective", "expected an object");
    check_keys(o, {"tracking", "cost", "impact"}, "$.objective");
    if (o.contains("tracking")) p.tracking_weight = number(o["tracking"], "$.objective.tracking");
    if (o.contains("cost")) p.cost_weight = number(o["cost"], "$.objective.cost");
    if (o.contains("impact")) p.impact_weight = number(o["impact"], "$.objective.impact");
  }
  // Current position: weights, or holdings with prices and cash (then trades come in shares).
  if (!root.contains("current") || !root["current"].is_object()) {
    fail("$.current", "expected {weights, cash} or {holdings, prices, cash}");
  }
  const json& cur = root["current"];
  check_keys(cur, {"weights", "holdings", "prices", "cash"}, "$.current");
  const bool in_shares = cur.contains("holdings");
  std::vector<Qty> holdings(static_cast<std::size_t>(n), Qty{});
  std::vector<Price> prices(static_cast<std::size_t>(n), Price{});
  Money cash{};
  Money nav{};
  if (in_shares) {
    if (!cur.contains("prices"))
      fail("$.current.prices", "holdings need a price for each instrument");
    for (auto it = cur["holdings"].begin(); it != cur["holdings"].end(); ++it) {
      const std::string path = "$.current.holdings." + it.key();
      holdings[static_cast<std::size_t>(u.at(it.key(), path))] = fixed<Qty>(it.value(), path);
    }
    for (Eigen::Index i = 0; i < n; ++i) {
      const std::string& sym = u.symbols[static_cast<std::size_t>(i)];
      if (!cur["prices"].contains(sym)) fail("$.current.prices." + sym, "missing price");
      prices[static_cast<std::size_t>(i)] =
          fixed<Price>(cur["prices"][sym], "$.current.prices." + sym);
      if (prices[static_cast<std::size_t>(i)].raw <= 0)
        fail("$.current.prices." + sym, "must be > 0");
    }
    cash = cur.contains("cash") ? fixed<Money>(cur["cash"], "$.current.cash") : Money{};
    // Money is a 64-bit count of 1e-6: every value, and every sum the lot rounding forms, must
    // stay in range. An account too large for that is refused here (exit 2), never overflowed.
    const std::string range =
        "exceeds the fixed-point money range (" +
        Money::from_raw(std::numeric_limits<std::int64_t>::max()).to_string(0) + ")";
    nav = cash;
    for (Eigen::Index i = 0; i < n; ++i) {
      const std::string& sym = u.symbols[static_cast<std::size_t>(i)];
      const auto v = checked_notional(prices[static_cast<std::size_t>(i)],
                                      holdings[static_cast<std::size_t>(i)], Rounding::kHalfEven);
      if (!v) fail("$.current.holdings." + sym, "holding x price " + range);
      const auto sum = checked_add(nav, *v);
      if (!sum) fail("$.current", "net asset value " + range);
      nav = *sum;
    }
    if (nav.raw <= 0) fail("$.current", "net asset value must be > 0");
    // The trades move at most (1 + shorts) x NAV each way, plus costs: keep 4x that in range.
    double gross = 2.0;
    for (Eigen::Index i = 0; i < n; ++i) gross += 2.0 * std::max(0.0, -p.lower[i]);
    if (nav.to_double() * gross * 4.0 >=
        static_cast<double>(std::numeric_limits<std::int64_t>::max()) * 1e-6) {
      fail("$.current",
           "net asset value " + nav.to_string(2) + " is too large: trading it " + range +
               "; the largest accepted is about " +
               std::to_string(static_cast<double>(std::numeric_limits<std::int64_t>::max()) * 1e-6 /
                              (gross * 4.0)));
    }
    p.current.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      p.current[i] = notional(prices[static_cast<std::size_t>(i)],
                              holdings[static_cast<std::size_t>(i)], Rounding::kHalfEven)
                         .to_double() /
                     nav.to_double();
    }
    p.current_cash = cash.to_double() / nav.to_double();
  } else {
    if (!cur.contains("weights")) fail("$.current.weights", "expected {symbol: weight}");
    p.current = per_instrument(cur, "weights", u, 0.0);
    // A weight is a share of the account: a position worth more than 10 x the account (long or
    // short) is an input error, and sums of huge weights cancel to anything in floating point.
    for (Eigen::Index i = 0; i < n; ++i) {
      if (std::abs(p.current[i]) > 10.0) {
        fail("$.current.weights." + u.symbols[static_cast<std::size_t>(i)],
             "expected a weight in [-10, 10] (a share of the account), got " +
                 std::to_string(p.current[i]));
      }
    }
    p.current_cash =
        cur.contains("cash") ? number(cur["cash"], "$.current.cash") : 1.0 - p.current.sum();
    // Weights are shares of the account's value: with the cash they make the whole account.
    const double total = p.current.sum() + p.current_cash;
    if (std::abs(total - 1.0) > 1e-6) {
      fail(cur.contains("cash") ? "$.current.cash" : "$.current.weights",
           "the weights plus cash must sum to 1 (the whole account), got " + std::to_string(total));
    }
  }
  if (auto v = p.validate(); !v) throw InputError{"$: " + v.error().message};

  RebalanceOptimizer opt;
  const OptimizerSettings settings{};
  const auto t0 = std::chrono::steady_clock::now();
  if (auto s = opt.load(p); !s) throw InputError{"$: " + s.error().message};
  auto sol = opt.solve();
  json result;
  if (!sol) {
    result["status"] = "infeasible";
    result["reason"] = sol.error().message;
    out << result.dump(2) << "\n";
    return kExitInfeasible;
  }
  RebalanceSolution s = sol.value();
  std::string resolve_note;
  // Whole lots, dropping trades below min_trade_value and re-solving with those held (twice at
  // most: each pass only freezes more instruments).
  json trades = json::object();
  LotResult lots;
  std::uint32_t dropped_total = 0;
  std::vector<LotLine> lines;
  // Not optimal: no trades are proposed (the point is printed for diagnosis only).
  if (in_shares && s.optimal()) {
    const VectorXd lot = per_instrument(root, "lots", u, 1.0);
    const Money min_trade = root.contains("min_trade_value")
                                ? fixed<Money>(root["min_trade_value"], "$.min_trade_value")
                                : Money{};
    for (int pass = 0; pass < 3; ++pass) {
      lines.assign(static_cast<std::size_t>(n), LotLine{});
      for (Eigen::Index i = 0; i < n; ++i) {
        LotLine& l = lines[static_cast<std::size_t>(i)];
        l.price = prices[static_cast<std::size_t>(i)];
        auto lq = Qty::from_double(lot[i], Rounding::kHalfEven);
        if (!lq || lq->raw <= 0)
          fail("$.lots." + u.symbols[static_cast<std::size_t>(i)], "must be > 0");
        l.lot = *lq;
        l.position = holdings[static_cast<std::size_t>(i)];
        l.target = s.weights[i];
        l.lower = p.lower[i];
        l.upper = p.upper[i];
        l.no_buy = p.no_buy[static_cast<std::size_t>(i)];
        l.no_sell = p.no_sell[static_cast<std::size_t>(i)];
        l.cost_rate = p.cost[i];
      }
      lots = round_to_lots(lines, cash, p.cash_buffer, min_trade);
      // Instruments dropped in an earlier pass are frozen (no trade), so none is counted twice.
      dropped_total += lots.dropped_small;
      if (lots.dropped_small == 0 || pass == 2) break;
      for (Eigen::Index i = 0; i < n; ++i) {
        if (lots.dropped[static_cast<std::size_t>(i)]) opt.freeze(i);
      }
      auto again = opt.solve();
      if (!again || !again.value().optimal()) {
        // Holding the small trades makes the problem infeasible or unsolved: keep the lots of
        // the last optimal solution (the check below says what they break).
        resolve_note = "re-solve with the dropped trades held failed (" +
                       (again ? again.value().reason : again.error().message) +
                       "); the trades are the previous pass's";
        break;
      }
      s = again.value();
    }
  }
  // The status is the check of what is returned: the optimizer's point, then the whole lots.
  std::vector<LotViolation> violations;
  if (in_shares && s.optimal()) {
    violations =
        check_lots(lines, lots, cash, LotLimits{p.cash_buffer, p.cash_max, p.turnover_cap});
  }
  int code = kExitOptimal;
  if (!s.optimal()) {
    result["status"] = to_string(s.outcome);
    result["reason"] = s.reason;
    code = kExitNotConverged;
  } else if (!violations.empty()) {
    result["status"] = "optimal_after_rounding";
    json v = json::array();
    for (const auto& x : violations) {
      json row = {
          {"constraint", x.constraint}, {"limit", x.limit}, {"value", x.value}, {"by", x.by}};
      if (x.line != LotViolation::kAccount) row["symbol"] = u.symbols[x.line];
      v.push_back(row);
    }
    result["rounding_violations"] = v;
    code = kExitRoundingViolation;
  } else {
    result["status"] = "optimal";
  }
  if (!resolve_note.empty()) result["note"] = resolve_note;
  const double us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  result["polished"] = s.polished;
  result["converged"] = s.converged;
  result["iterations"] = s.iterations;
  result["warm"] = s.warm;
  result["solve_time_us"] = us;
  result["kkt_residual"] = s.kkt_residual;
  result["primal_violation"] = s.primal_violation;
  result["tolerances"] = {{"feasibility", settings.feasibility_tol}, {"kkt", settings.kkt_tol}};
  result["objective"] = {{"total", s.objective},  {"tracking", s.tracking_term},
                         {"cost", s.cost_term},   {"impact", s.impact_term},
                         {"alpha", s.alpha_term}, {"proximity", s.proximity_term}};
  result["cash"] = s.cash;
  result["turnover"] = s.turnover;
  result["active"] = {{"cash_at_buffer", s.cash_at_buffer}, {"turnover_cap", s.turnover_active}};
  result["multipliers"] = {{"budget", s.budget_multiplier}, {"turnover", s.turnover_multiplier}};
  result["risk_model"] = risk_report;
  json rows = json::array();
  for (Eigen::Index i = 0; i < n; ++i) {
    json r = {{"symbol", u.symbols[static_cast<std::size_t>(i)]},
              {"current", p.current[i]},
              {"target", p.target[i]},
              {"weight", s.weights[i]},
              {"status", to_string(s.status[static_cast<std::size_t>(i)])}};
    if (in_shares && s.optimal()) {
      const Qty q = lots.trades[static_cast<std::size_t>(i)];
      r["trade_shares"] = q.to_string();
      r["trade_value"] =
          notional(prices[static_cast<std::size_t>(i)], q, Rounding::kHalfEven).to_string(2);
    }
    rows.push_back(r);
  }
  result["instruments"] = rows;
  if (in_shares && s.optimal()) {
    // Money to the cent for display (half-even); the trades themselves are exact.
    const Money cent = Money::parse("0.01").value();
    result["nav"] = round_to_increment(nav, cent, Rounding::kHalfEven).to_string(2);
    result["cash_after_trades"] =
        round_to_increment(lots.cash_after, cent, Rounding::kHalfEven).to_string(2);
    result["lots"] = {{"bound_adjusted", lots.bound_adjusted},
                      {"buys_trimmed", lots.buys_trimmed},
                      {"dropped_small", dropped_total},
                      {"sells_extended", lots.sells_extended}};
  }
  out << result.dump(2) << "\n";
  return code;
}

}  // namespace

int optimize_main(const std::string& input_path, std::ostream& out, std::ostream& err) {
  try {
    return run(input_path, out);
  } catch (const InputError& e) {
    err << "ballast optimize: " << (e.message.rfind(input_path, 0) == 0 ? "" : input_path + ": ")
        << e.message << "\n";
    return 2;
  } catch (const json::exception& e) {
    err << "ballast optimize: " << input_path << ": " << e.what() << "\n";
    return 2;
  }
}

}  // namespace ballast::tools
