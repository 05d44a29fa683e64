// `ballast optimize` says what its answer is (issue 13 item 9): infeasible when the constraints
// conflict (exit 1), optimal_after_rounding with the violated constraints when whole lots break
// one (exit 4), a refusal of accounts too large for fixed-point money (exit 2, never an abort),
// small trades dropped over every pass counted, k = n factors accepted.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "optimize_command.hpp"
#include "optimize_test_support.hpp"

namespace ballast::tools {
namespace {

using json = nlohmann::json;

CliRun run_json(const json& j, const std::string& name = "ballast_optimize_status.json") {
  return run_optimize_text(j.dump(), name);
}

json two_assets() {
  return json::parse(kTwoAssets);
}

TEST(OptimizeStatus, ACashBufferThatNeedsMoreSellingThanTheCapIsInfeasible) {
  json p = two_assets();
  p["cash_buffer"] = 0.05;  // fully invested: 0.05 of sales needed
  p["turnover_cap"] = 0.02;
  const CliRun r = run_json(p);
  EXPECT_EQ(r.rc, 1) << r.out;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["status"], "infeasible");
  const std::string why = j["reason"];
  EXPECT_NE(why.find("turnover_cap"), std::string::npos) << why;
  EXPECT_NE(why.find("cash_buffer"), std::string::npos) << why;
  // With room for the sales it is optimal, and the point keeps both.
  p["turnover_cap"] = 0.08;
  const CliRun ok = run_json(p);
  ASSERT_EQ(ok.rc, 0) << ok.out << ok.err;
  const json k = json::parse(ok.out);
  EXPECT_EQ(k["status"], "optimal");
  EXPECT_GE(k["cash"].get<double>(), 0.05 - 1e-12);
  EXPECT_LE(k["turnover"].get<double>(), 0.08 + 1e-12);
  EXPECT_LE(k["primal_violation"].get<double>(), k["tolerances"]["feasibility"].get<double>());
}

TEST(OptimizeStatus, AnAccountTooLargeForFixedPointMoneyExitsWithTwo) {
  json p = two_assets();
  p["current"] = {{"holdings", {{"A", "50000000000"}, {"B", "50000000000"}}},
                  {"prices", {{"A", "100"}, {"B", "100"}}},
                  {"cash", "0"}};  // NAV 1e13
  const CliRun r = run_json(p);
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.err.find("money range"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
  // In range but too large to trade safely (the lot sums): refused too, with the limit.
  p["current"]["holdings"] = {{"A", "15000000000"}, {"B", "0"}};  // NAV 1.5e12
  const CliRun big = run_json(p);
  EXPECT_EQ(big.rc, 2) << big.out;
  EXPECT_NE(big.err.find("too large"), std::string::npos) << big.err;
  // A large but safe account solves.
  p["current"]["holdings"] = {{"A", "5000000000"}, {"B", "0"}};  // NAV 5e11
  const CliRun fine = run_json(p);
  EXPECT_EQ(fine.rc, 0) << fine.err << fine.out;
}

TEST(OptimizeStatus, SellsRoundedTowardZeroDoNotLeaveCashBelowTheBuffer) {
  json p = json::parse(R"({
    "instruments": ["A", "B"],
    "covariance": [[0.04, 0.0], [0.0, 0.04]],
    "current": {"holdings": {"A": "500", "B": "500"}, "prices": {"A": "10", "B": "10"},
                "cash": "0"},
    "targets": {"A": 0.5, "B": 0.5},
    "cash_buffer": 0.1,
    "lots": 7
  })");
  const CliRun r = run_json(p);
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["status"], "optimal");
  EXPECT_GE(std::stod(std::string(j["cash_after_trades"])), 1000.0);
  // A cap at exactly the sales the buffer needs: whole lots must sell more than the cap, and
  // the answer says so, naming the constraint and by how much.
  p["turnover_cap"] = 0.1;
  const CliRun capped = run_json(p);
  EXPECT_EQ(capped.rc, 4) << capped.out;
  j = json::parse(capped.out);
  EXPECT_EQ(j["status"], "optimal_after_rounding");
  ASSERT_EQ(j["rounding_violations"].size(), 1u) << j["rounding_violations"].dump();
  EXPECT_EQ(j["rounding_violations"][0]["constraint"], "turnover_cap");
  EXPECT_GT(j["rounding_violations"][0]["by"].get<double>(), 0.0);
}

TEST(OptimizeStatus, SmallTradesDroppedInEveryPassAreCounted) {
  // A buys a little (dropped in pass 1); B, nearly the same asset, then makes up for A and its
  // sell shrinks below the minimum too (dropped in pass 2).
  json p = json::parse(R"({
    "instruments": ["A", "B", "C"],
    "covariance": [[0.04, 0.0396, 0.0], [0.0396, 0.04, 0.0], [0.0, 0.0, 0.04]],
    "current": {"holdings": {"A": "300", "B": "300", "C": "390"},
                "prices": {"A": "100", "B": "100", "C": "100"}, "cash": "1000"},
    "targets": {"A": 0.302, "B": 0.295, "C": 0.4},
    "min_trade_value": "400"
  })");
  const CliRun r = run_json(p);
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["instruments"][0]["trade_shares"], "0");
  EXPECT_EQ(j["instruments"][1]["trade_shares"], "0");
  EXPECT_EQ(j["lots"]["dropped_small"], 2) << j["lots"].dump();
}

TEST(OptimizeStatus, AFactorModelWithAsManyFactorsAsInstrumentsIsAccepted) {
  std::ifstream f(std::string(BALLAST_SOURCE_DIR) + "/docs/examples/optimize_etf12.json");
  json p = json::parse(f);
  const std::string csv = p["price_history"]["file"];
  p["price_history"]["file"] =
      (std::filesystem::path(BALLAST_SOURCE_DIR) / "docs/examples" / csv).string();
  p["price_history"]["estimator"] = "factor";
  p["price_history"]["factors"] = 12;  // k = n
  const CliRun r = run_json(p);
  ASSERT_EQ(r.rc, 0) << r.err << r.out;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["status"], "optimal");
  EXPECT_EQ(j["risk_model"]["factors"], 12);
}

// Found by an adversarial run: a covariance so large (1e9) that ADMM stops at its iteration limit
// with a NaN budget multiplier; the check compared NaN and passed it as "optimal" with a no-trade
// point while trading to target costs nothing. A NaN multiplier certifies nothing: never
// "optimal". Also over a sweep of rank-one covariances at growing scales.
TEST(OptimizeStatus, ANanMultiplierIsNeverCertifiedOptimal) {
  for (const double scale : {1.0, 1e3, 1e6, 4e7, 1e9, 1e12}) {
    json p = json::parse(R"({"instruments": ["A", "B"],
      "current": {"weights": {"A": 0.5, "B": 0.5}}, "targets": {"A": 0.5, "B": 0.3}})");
    p["covariance"] = json::array({json::array({scale, scale}), json::array({scale, scale})});
    const CliRun r = run_json(p, "ballast_optimize_nan.json");
    ASSERT_TRUE(r.rc == 0 || r.rc == 3) << scale << ": " << r.out << r.err;
    const json j = json::parse(r.out);
    if (r.rc == 3) {
      EXPECT_EQ(j["status"], "not_converged") << scale;
      continue;
    }
    // Optimal: the multipliers are numbers and the point has the least tracking error. The
    // covariance is rank one, so tracking is scale x (wA + wB - 0.8)^2: zero wherever the weights
    // sum to the targets' 0.8 (the split between A and B is the costs' business).
    EXPECT_EQ(j["status"], "optimal") << scale;
    EXPECT_FALSE(j["multipliers"]["budget"].is_null()) << scale << ": " << r.out;
    const double sum =
        j["instruments"][0]["weight"].get<double>() + j["instruments"][1]["weight"].get<double>();
    EXPECT_NEAR(sum, 0.8, 1e-6) << scale << ": " << r.out;
  }
}

}  // namespace
}  // namespace ballast::tools
