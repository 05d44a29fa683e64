// `ballast optimize`: the shipped example, closed forms through JSON, and bad input.
#include "optimize_command.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "optimize_test_support.hpp"

namespace ballast::tools {
namespace {

using json = nlohmann::json;

TEST(OptimizeCommand, SolvesTheShippedExampleIntoWholeShareTrades) {
  const CliRun r =
      run_optimize_file(std::string(BALLAST_SOURCE_DIR) + "/docs/examples/optimize_etf12.json");
  ASSERT_EQ(r.rc, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["status"], "optimal");
  EXPECT_TRUE(j["polished"]);
  EXPECT_LT(j["kkt_residual"].get<double>(), 1e-8);
  EXPECT_EQ(j["risk_model"]["estimator"], "ledoit_wolf");
  EXPECT_EQ(j["risk_model"]["observations"], 252);
  ASSERT_EQ(j["instruments"].size(), 12u);
  double traded = 0;
  for (const auto& row : j["instruments"]) {
    const std::string shares = row["trade_shares"];
    EXPECT_EQ(shares.find('.'), std::string::npos) << "whole shares: " << shares;
    if (row["symbol"] == "TIP") {
      EXPECT_GE(std::stod(shares), 0.0);  // no_sell
    }
    traded += std::fabs(std::stod(std::string(row["trade_value"])));
  }
  EXPECT_GT(traded, 0.0);
  const double nav = std::stod(std::string(j["nav"]));
  EXPECT_GE(std::stod(std::string(j["cash_after_trades"])), 0.005 * nav);
}

TEST(OptimizeCommand, WithNoCostsTheSolutionIsTheTarget) {
  const CliRun r = run_optimize_text(kTwoAssets);
  ASSERT_EQ(r.rc, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_NEAR(j["instruments"][0]["weight"].get<double>(), 0.6, 1e-12);
  EXPECT_NEAR(j["instruments"][1]["weight"].get<double>(), 0.4, 1e-12);
  EXPECT_NEAR(j["objective"]["tracking"].get<double>(), 0.0, 1e-20);
}

TEST(OptimizeCommand, ReportsAnInfeasibleProblemAsSuch) {
  json p = json::parse(kTwoAssets);
  p["no_sell"] = {"A"};
  p["upper"] = {{"A", 0.5}};
  const CliRun r = run_optimize_text(p.dump());
  EXPECT_EQ(r.rc, 1);
  const json j = json::parse(r.out);
  EXPECT_EQ(j["status"], "infeasible");
  EXPECT_NE(std::string(j["reason"]).find("instrument 0"), std::string::npos);
}

TEST(OptimizeCommand, BadInputNamesTheFieldAndExitsWithTwo) {
  struct Case {
    std::string text, expect;
  };
  json unknown_key = json::parse(kTwoAssets);
  unknown_key["turnover_capp"] = 0.2;
  json unknown_inst = json::parse(kTwoAssets);
  unknown_inst["targets"]["C"] = 0.1;
  json wrong_type = json::parse(kTwoAssets);
  wrong_type["cash_buffer"] = "lots";
  json no_cov = json::parse(kTwoAssets);
  no_cov.erase("covariance");
  json bad_price = json::parse(kTwoAssets);
  bad_price["current"] = {{"holdings", {{"A", 10}}},
                          {"prices", {{"A", "1.0000000001"}, {"B", "2"}}}};
  json bad_file = json::parse(kTwoAssets);
  bad_file.erase("covariance");
  bad_file["price_history"] = {{"file", "/nonexistent/prices.csv"}};
  // Issue 13 (adversarial): weights and cash that are not the whole account, and a factor count
  // that is not a whole number (2.7 was cut to 2) or is out of range (1e10 was an undefined cast).
  json not_whole = json::parse(kTwoAssets);
  not_whole["current"]["cash"] = 0.5;
  json huge = json::parse(kTwoAssets);  // 1e308 - 1e308 + 0.3 + 0.7 "sums to 1"
  huge["instruments"] = {"A", "B", "C"};
  huge["covariance"] = {{0.04, 0.01, 0}, {0.01, 0.0225, 0}, {0, 0, 0.01}};
  huge["current"] = {{"weights", {{"A", 1e308}, {"B", -1e308}, {"C", 0.3}}}, {"cash", 0.7}};
  huge["targets"] = {{"A", 0.3}, {"B", 0.3}, {"C", 0.3}};
  json factors_frac = json::parse(kTwoAssets);
  factors_frac.erase("covariance");
  factors_frac["price_history"] = {
      {"file", std::string(BALLAST_SOURCE_DIR) + "/data/etf12_total_return_2019_2023.csv"},
      {"estimator", "factor"},
      {"factors", 2.7}};
  json factors_huge = factors_frac;
  factors_huge["price_history"]["factors"] = 1e10;
  const Case cases[] = {
      {not_whole.dump(), "$.current.cash: the weights plus cash must sum to 1"},
      {huge.dump(), "$.current.weights.A: expected a weight in [-10, 10]"},
      {factors_frac.dump(), "$.price_history.factors: expected a whole number, got 2.7"},
      {factors_huge.dump(), "$.price_history.factors: expected a whole number in 1..100000"},
      {"{\n  \"instruments\": [\"A\",\n  ]\n}", ":3:3: not valid JSON"},
      {unknown_key.dump(), "$.turnover_capp: unknown key"},
      {unknown_inst.dump(), "$.targets.C: unknown instrument 'C'"},
      {wrong_type.dump(), "$.cash_buffer: expected a number, got string"},
      {no_cov.dump(), "expected exactly one of covariance"},
      {bad_price.dump(),
       "$.current.prices.A: invalid price '1.0000000001': more than 9 decimal places"},
      {bad_file.dump(), "$.price_history.file"},
  };
  for (const auto& c : cases) {
    const CliRun r = run_optimize_text(c.text);
    EXPECT_EQ(r.rc, 2) << c.expect;
    EXPECT_NE(r.err.find(c.expect), std::string::npos)
        << "expected '" << c.expect << "' in: " << r.err;
    EXPECT_TRUE(r.out.empty());
  }
  const CliRun missing = run_optimize_file("/nonexistent/problem.json");
  EXPECT_EQ(missing.rc, 2);
  EXPECT_NE(missing.err.find("cannot read the file"), std::string::npos);
}

}  // namespace
}  // namespace ballast::tools
