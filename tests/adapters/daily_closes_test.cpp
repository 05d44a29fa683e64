// Daily-close tables: the ETF37 files (BOM, CRLF, M/D/YYYY, NA) and PyPortfolioOpt's (ISO dates,
// empty cells, up to 16 decimals), and the reader that streams chosen columns as BarClosed.
// The whole upstream files are in ../shared/data (tests pinning them skip without it); the reader
// tests use the shipped extract of the ETF file (tests/data/daily, same bytes per row).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "market_data_test_support.hpp"

namespace ballast {
namespace {

using test::contains;
using test::px;

const std::string kEtfTr =
    test::data_path("daily/etf37_assetallocation/ETFs_TotalReturnIndices.csv");
const std::string kEtfPx = test::data_path("daily/etf37_assetallocation/ETFs_Prices.csv");
const std::string kPyStocks =
    test::data_path("daily/pyportfolioopt/tests_stock_prices_1989_2018.csv");
const std::string kPyCookbook =
    test::data_path("daily/pyportfolioopt/cookbook_stock_prices_1990_2024.csv");
const std::string kPySpy =
    test::data_path("daily/pyportfolioopt/cookbook_spy_prices_1993_2024.csv");
/// The classic 12's columns of ETFs_TotalReturnIndices.csv from 2005 (BOM, CRLF and NA kept).
const std::string kEtf12 = test::test_data("daily/etf12_total_return_2005-01-03_2023-06-09.csv");
constexpr const char* kWhole = "pins facts of the whole upstream file; no extract has them";

CivilDate ymd(int y, unsigned m, unsigned d) {
  return CivilDate{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
}

/// Compares every cell of a loaded table with the file read by the plain reader.
void expect_table_matches_plain_file(const DailyCloseTable& t, const std::string& path) {
  auto rows = test::read_csv_plain(path);
  ASSERT_EQ(rows.size(), t.rows() + 1);
  std::string first = rows[0][0];
  if (first.rfind("\xEF\xBB\xBF", 0) == 0) first.erase(0, 3);
  EXPECT_TRUE(first == "Date" || first == "date") << first;
  ASSERT_EQ(rows[0].size(), t.columns() + 1);
  for (std::size_t c = 0; c < t.columns(); ++c) EXPECT_EQ(t.symbols[c], rows[0][c + 1]);
  std::size_t mismatches = 0;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const auto& row = rows[r + 1];
    for (std::size_t c = 0; c < t.columns(); ++c) {
      const std::string& text = row.at(c + 1);
      const auto& cell = t.at(r, c);
      if (text == "NA" || text.empty()) {
        mismatches += cell.has_value();
      } else {
        mismatches += !cell || *cell != Price::parse(text, Rounding::kHalfEven).value();
      }
    }
  }
  EXPECT_EQ(mismatches, 0u) << path;
}

TEST(DailyCloses, LoadsTheEtf37TotalReturnFileWithBomCrlfAndNa) {
  BALLAST_SKIP_WITHOUT_SHARED(kEtfTr, kWhole);
  auto loaded = load_daily_closes(kEtfTr);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const DailyCloseTable& t = loaded.value();
  EXPECT_EQ(t.source, "ETFs_TotalReturnIndices.csv");
  EXPECT_EQ(t.rows(), 6'116u);
  ASSERT_EQ(t.columns(), 37u);
  EXPECT_EQ(t.symbols.front(), "SPY");  // no BOM glued to the first name
  EXPECT_EQ(t.symbols.back(), "GSG");   // no '\r' glued to the last
  EXPECT_EQ(t.dates.front(), ymd(1999, 12, 31));
  EXPECT_EQ(t.dates.back(), ymd(2023, 6, 9));

  const std::size_t spy = t.column("SPY").value();
  const std::size_t ief = t.column("IEF").value();
  const std::size_t gsg = t.column("GSG").value();
  // Line 2090 of the file: "1/2/2008,427.74,132.12,..."
  const std::size_t row = t.row(ymd(2008, 1, 2)).value();
  EXPECT_EQ(t.at(row, spy), px("427.74"));
  EXPECT_EQ(t.close_times[row], test::utc(2008, 1, 2, 21, 0, 0));
  EXPECT_EQ(t.at(0, spy), px("381.33"));
  EXPECT_FALSE(t.at(0, ief).has_value());  // NA before inception
  EXPECT_EQ(t.at(t.rows() - 1, spy), px("1710.98"));
  EXPECT_EQ(t.at(t.rows() - 1, gsg), px("39.23"));
  EXPECT_FALSE(t.column("QQQ").has_value());
  EXPECT_FALSE(t.row(ymd(2008, 1, 5)).has_value());  // a Saturday
  // The file has weekday holidays carried forward (1/1/2008 repeats 12/31/2007): reported as is.
  EXPECT_EQ(t.at(t.row(ymd(2008, 1, 1)).value(), spy), px("431.52"));
  EXPECT_EQ(t.at(t.row(ymd(2007, 12, 31)).value(), spy), px("431.52"));
  expect_table_matches_plain_file(t, kEtfTr);
}

TEST(DailyCloses, LoadsTheShippedClassicTwelveExtractWithBomCrlfAndNa) {
  auto loaded = load_daily_closes(kEtf12);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const DailyCloseTable& t = loaded.value();
  EXPECT_EQ(t.rows(), 4'810u);
  ASSERT_EQ(t.columns(), 12u);
  EXPECT_EQ(t.symbols.front(), "SPY");  // no BOM glued to the first name
  EXPECT_EQ(t.symbols.back(), "TLT");   // no '\r' glued to the last
  EXPECT_EQ(t.dates.front(), ymd(2005, 1, 3));
  EXPECT_EQ(t.dates.back(), ymd(2023, 6, 9));
  const std::size_t dbc = t.column("DBC").value();
  EXPECT_FALSE(t.at(t.row(ymd(2006, 2, 2)).value(), dbc).has_value());  // NA before inception
  EXPECT_EQ(t.at(t.row(ymd(2006, 2, 3)).value(), dbc), px("100"));
  EXPECT_EQ(t.at(t.rows() - 1, t.column("SPY").value()), px("1710.98"));
  expect_table_matches_plain_file(t, kEtf12);
}

TEST(DailyCloses, TheClassicTwelveAreCompleteFromFebruary2006) {
  BALLAST_SKIP_WITHOUT_SHARED(kEtfPx, kWhole);
  auto t = load_daily_closes(kEtfPx);
  ASSERT_TRUE(t.ok()) << t.error().message;
  const std::size_t from = t.value().row(ymd(2006, 2, 3)).value();
  for (const char* sym :
       {"SPY", "EFA", "EEM", "AGG", "TLT", "IEF", "LQD", "TIP", "GLD", "VNQ", "DBC", "SHY"}) {
    const std::size_t c = t.value().column(sym).value();
    std::size_t missing = 0;
    for (std::size_t r = from; r < t.value().rows(); ++r) missing += !t.value().at(r, c);
    EXPECT_EQ(missing, 0u) << sym;
  }
  expect_table_matches_plain_file(t.value(), kEtfPx);
}

TEST(DailyCloses, LoadsPyPortfolioOptFilesWithIsoDatesAndEmptyCells) {
  BALLAST_SKIP_WITHOUT_SHARED(kPyStocks, kWhole);
  BALLAST_SKIP_WITHOUT_SHARED(kPyCookbook, kWhole);
  auto loaded = load_daily_closes(kPyStocks);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const DailyCloseTable& t = loaded.value();
  EXPECT_EQ(t.rows(), 7'126u);
  EXPECT_EQ(t.columns(), 20u);
  EXPECT_EQ(t.dates.front(), ymd(1989, 12, 29));
  // 1989-12-29,,0.117203,...: GOOG had not listed yet.
  EXPECT_FALSE(t.at(0, t.column("GOOG").value()).has_value());
  EXPECT_EQ(t.at(0, t.column("AAPL").value()), px("0.117203"));
  expect_table_matches_plain_file(t, kPyStocks);

  // Up to 16 decimals: rounded half-even to 9, never through double.
  auto spy = load_daily_closes(kPySpy);
  ASSERT_TRUE(spy.ok()) << spy.error().message;
  EXPECT_EQ(spy.value().at(0, 0), px("24.608617783"));  // 24.608617782592773
  auto cook = load_daily_closes(kPyCookbook);
  ASSERT_TRUE(cook.ok()) << cook.error().message;
  EXPECT_EQ(cook.value().columns(), 19u);
  expect_table_matches_plain_file(cook.value(), kPyCookbook);
}

TEST(DailyCloseReader, StreamsChosenSymbolsInDateOrderSkippingEmptyCells) {
  auto loaded = load_daily_closes(kEtf12);
  ASSERT_TRUE(loaded.ok());
  auto table = std::make_shared<const DailyCloseTable>(std::move(loaded).value());
  auto instruments = test::instruments({"AGG", "SPY", "TLT"});
  auto r = DailyCloseReader::open(table, instruments, {"SPY", "AGG"});
  ASSERT_TRUE(r.ok()) << r.error().message;

  std::size_t expected = 0;
  for (std::size_t row = 0; row < table->rows(); ++row) {
    expected += table->at(row, table->column("SPY").value()).has_value();
    expected += table->at(row, table->column("AGG").value()).has_value();
  }
  std::size_t n = 0;
  std::optional<BarClosed> prev;
  ASSERT_TRUE(for_each(r.value(), [&](const Event& e) {
                const auto& b = std::get<BarClosed>(e);
                EXPECT_EQ(b.open, b.close);
                EXPECT_EQ(b.high, b.close);
                EXPECT_EQ(b.low, b.close);
                EXPECT_TRUE(b.volume.is_zero());
                EXPECT_EQ(b.period_ns, 86'400'000'000'000);
                if (prev) {
                  EXPECT_GE(b.hdr.event_time, prev->hdr.event_time);
                  // Within a date, symbols come in the order asked: SPY before AGG.
                  if (b.hdr.event_time == prev->hdr.event_time) {
                    EXPECT_EQ(prev->instrument, instruments.find("SPY"));
                    EXPECT_EQ(b.instrument, instruments.find("AGG"));
                  }
                }
                prev = b;
                ++n;
              }).ok());
  EXPECT_EQ(n, expected);
  EXPECT_EQ(prev->instrument, instruments.find("AGG"));
  EXPECT_EQ(prev->hdr.event_time, test::utc(2023, 6, 9, 21, 0, 0));
  EXPECT_EQ(r.value().position(), "etf12_total_return_2005-01-03_2023-06-09.csv:4811");
}

TEST(DailyCloseReader, NamesASymbolThatIsNotAColumnOrNotAnInstrument) {
  auto loaded = load_daily_closes(kEtf12);
  ASSERT_TRUE(loaded.ok());
  auto table = std::make_shared<const DailyCloseTable>(std::move(loaded).value());
  auto instruments = test::instruments({"SPY", "QQQ"});
  auto not_column = DailyCloseReader::open(table, instruments, {"SPY", "QQQ"});
  ASSERT_FALSE(not_column.ok());
  EXPECT_TRUE(contains(not_column.error().message,
                       "symbol 'QQQ' is not a column of "
                       "etf12_total_return_2005-01-03_2023-06-09.csv"));
  auto not_instrument = DailyCloseReader::open(table, instruments, {"SPY", "AGG"});
  ASSERT_FALSE(not_instrument.ok());
  EXPECT_TRUE(contains(not_instrument.error().message, "unknown symbol 'AGG'"));
  // No list: every column, so every column must be an instrument.
  EXPECT_FALSE(DailyCloseReader::open(table, instruments).ok());
}

TEST(DailyCloseReader, MapsAColumnToAnInstrumentOfAnotherName) {
  auto loaded = load_daily_closes(kEtf12);
  ASSERT_TRUE(loaded.ok());
  auto table = std::make_shared<const DailyCloseTable>(std::move(loaded).value());
  auto instruments = test::instruments({"SPY.TR", "GLD"});
  auto r = DailyCloseReader::open_columns(table, instruments, {{"SPY", "SPY.TR"}, {"GLD", ""}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto first = r.value().next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(std::get<BarClosed>(*first).instrument, instruments.find("SPY.TR"));
  EXPECT_EQ(std::get<BarClosed>(*first).close, px("336.39"));
  EXPECT_EQ(r.value().position(), "etf12_total_return_2005-01-03_2023-06-09.csv:2");
}

}  // namespace
}  // namespace ballast
