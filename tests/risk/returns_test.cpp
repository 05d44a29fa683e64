// Returns from price tables: log and simple returns, the missing-value rule, errors.
#include "ballast/risk/returns.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "etf_data.hpp"

namespace ballast {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(Returns, LogAndSimpleReturnsOfASmallTable) {
  const std::vector<std::vector<double>> p = {{100.0, 50.0}, {110.0, 49.0}, {99.0, 49.0}};
  const Returns log = returns_from_prices(p, ReturnKind::kLog).value();
  ASSERT_EQ(log.values.rows(), 2);
  EXPECT_EQ(log.values(0, 0), std::log(110.0 / 100.0));
  EXPECT_EQ(log.values(1, 0), std::log(99.0 / 110.0));
  EXPECT_EQ(log.values(1, 1), 0.0);
  const Returns simple = returns_from_prices(p, ReturnKind::kSimple).value();
  EXPECT_NEAR(simple.values(0, 0), 0.10, 1e-15);
  EXPECT_NEAR(simple.values(0, 1), -0.02, 1e-15);
  EXPECT_EQ(simple.end_rows, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(simple.dropped_rows, 0u);
}

TEST(Returns, RowsWithAMissingPriceAreDroppedAndTheNextReturnSpansTheGap) {
  const std::vector<std::vector<double>> p = {
      {kNaN, 10.0}, {100.0, 11.0}, {101.0, kNaN}, {102.0, 12.0}, {103.0, 13.0}};
  const Returns r = returns_from_prices(p, ReturnKind::kSimple).value();
  EXPECT_EQ(r.dropped_rows, 2u);
  ASSERT_EQ(r.values.rows(), 2);
  EXPECT_EQ(r.end_rows, (std::vector<std::size_t>{3, 4}));
  EXPECT_NEAR(r.values(0, 0), 102.0 / 100.0 - 1.0, 1e-16);  // rows 1 -> 3
  EXPECT_NEAR(r.values(0, 1), 12.0 / 11.0 - 1.0, 1e-16);
}

TEST(Returns, RealEtfHistoryStartsWhenTheLastOfTheClassic12Starts) {
  // 2005 onwards: some of the 12 have no price before their inception; rows before the first
  // complete date (2006-02-03) are dropped.
  const test::PriceTable t = test::load_etf_prices(test::kClassic12, 20050101, 20191231);
  ASSERT_GT(t.prices.rows(), 3000);
  const Returns r = returns_from_prices(t.prices).value();
  ASSERT_GT(r.dropped_rows, 0u);
  EXPECT_EQ(t.dates[r.end_rows.front() - 1], 20060203);
  EXPECT_EQ(r.end_rows.back(), static_cast<std::size_t>(t.prices.rows() - 1));
  // The 2016-2019 window equals the plain computation the covariance tests use.
  const Eigen::MatrixXd& plain = test::classic12_returns_2016_2019();
  EXPECT_EQ(r.values.bottomRows(plain.rows()), plain);
}

TEST(Returns, RejectsBadPricesNamingTheCell) {
  auto neg = returns_from_prices(std::vector<std::vector<double>>{{1.0, 2.0}, {1.0, -2.0}});
  ASSERT_FALSE(neg.ok());
  EXPECT_NE(neg.error().message.find("prices[1][1] is -2"), std::string::npos)
      << neg.error().message;
  EXPECT_FALSE(returns_from_prices(std::vector<std::vector<double>>{{1.0}, {0.0}}).ok());
  EXPECT_FALSE(returns_from_prices(std::vector<std::vector<double>>{
                                       {1.0}, {std::numeric_limits<double>::infinity()}})
                   .ok());
  auto ragged = returns_from_prices(std::vector<std::vector<double>>{{1.0, 2.0}, {1.0}});
  ASSERT_FALSE(ragged.ok());
  EXPECT_NE(ragged.error().message.find("row 1 has 1 prices"), std::string::npos);
  auto short_table =
      returns_from_prices(std::vector<std::vector<double>>{{1.0, kNaN}, {1.0, 2.0}, {kNaN, 1.0}});
  ASSERT_FALSE(short_table.ok());
  EXPECT_NE(short_table.error().message.find("got 1 of 3"), std::string::npos);
  EXPECT_FALSE(returns_from_prices(std::vector<std::vector<double>>{}).ok());
  EXPECT_FALSE(returns_from_prices(Eigen::MatrixXd(5, 0)).ok());
}

}  // namespace
}  // namespace ballast
