// Helpers for the market-data reader tests: paths into the shared data, a plain CSV reader that
// shares no code with the adapters (so counts are computed independently), temporary files.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/adapters/market_data_files.hpp"
#include "support/data_paths.hpp"

namespace ballast::test {

/// Absolute path of a file under the shared data directory ($BALLAST_SHARED_DATA or
/// ../shared/data; support/data_paths.hpp). It may be absent: guard with
/// BALLAST_SKIP_WITHOUT_SHARED.
inline std::string data_path(std::string_view rel) {
  return shared_data(rel);
}

/// Why the AlgoSeek files (Lean's test data) have no shipped extract: their licence.
inline constexpr const char* kAlgoSeekNotShipped =
    "AlgoSeek data (QuantConnect Lean's test data) may be used for tests here, not copied into "
    "the project";

inline const std::string kLobsterDir = data_path("intraday/lobster_nasdaq_2012-06-21/level1/");
/// New York's offset from UTC in the summer (EDT), the test files' session zone.
inline constexpr std::chrono::minutes kEdt{-4 * 60};

inline const std::string kTickDir = data_path("intraday/lean_algoseek_us_equity/tick/");
inline const std::string kMinuteDir = data_path("intraday/lean_algoseek_us_equity/minute/");

/// The whole-day LOBSTER message file of `symbol` in the shared data set (may be absent).
inline std::string lobster_message(std::string_view symbol) {
  std::string p(kLobsterDir);
  p.append(symbol);
  p.append("_2012-06-21_34200000_57600000_message_1.csv");
  return p;
}

/// Whether the whole LOBSTER day (AAPL, AMZN, GOOG) is here; else tests read the shipped extract.
inline bool have_lobster_day() {
  for (const char* s : {"AAPL", "AMZN", "GOOG"}) {
    if (shared_file_missing(lobster_message(s))) return false;
  }
  return true;
}

/// The LOBSTER message file of `symbol` the tests read: the whole day when the shared data set is
/// here, else the shipped 09:30-09:35 extract (data/intraday/lobster_nasdaq_2012-06-21_0930-0935,
/// the same files' leading rows). Its orderbook file is the name with "_orderbook_".
inline std::string lobster_test_message(std::string_view symbol) {
  if (have_lobster_day()) return lobster_message(symbol);
  std::string p = shipped_data("intraday/lobster_nasdaq_2012-06-21_0930-0935/");
  p.append(symbol);
  p.append("_2012-06-21_34200000_34500000_message_1.csv");
  return p;
}

/// The orderbook file that goes with lobster_test_message(symbol).
inline std::string lobster_test_orderbook(std::string_view symbol) {
  std::string p = lobster_test_message(symbol);
  p.replace(p.rfind("_message_"), 9, "_orderbook_");
  return p;
}

/// An instrument table holding `symbols` in order (ids 0, 1, ...).
inline InstrumentTable instruments(std::initializer_list<std::string_view> symbols) {
  InstrumentTable t;
  for (const auto s : symbols) {
    Instrument i;
    i.symbol = std::string(s);
    EXPECT_TRUE(t.add(std::move(i)).ok());
  }
  return t;
}

/// Reads a CSV file into rows of fields with the simplest possible code: getline, strip a '\r',
/// split at ','. Independent of the adapters' parser.
inline std::vector<std::vector<std::string>> read_csv_plain(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> fields;
    std::string field;
    for (const char c : line) {
      if (c == ',') {
        fields.push_back(field);
        field.clear();
      } else {
        field.push_back(c);
      }
    }
    fields.push_back(field);
    rows.push_back(std::move(fields));
  }
  return rows;
}

/// UTC timestamp of a civil date and time of day given in UTC.
inline Timestamp utc(int y, unsigned m, unsigned d, int hh, int mm, int ss, std::int64_t ns = 0) {
  using namespace std::chrono;
  const auto days = sys_days{year{y} / month{m} / day{d}}.time_since_epoch();
  const auto t = duration_cast<nanoseconds>(days) + hours{hh} + minutes{mm} + seconds{ss};
  return Timestamp{t.count() + ns};
}

/// A scratch directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    std::string name("ballast_md_test_");
    name.append(std::to_string(::getpid()));
    name.append("_");
    name.append(std::to_string(counter++));
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// Writes `content` byte for byte to `name` in the directory; returns the full path.
  std::string write(const std::string& name, std::string_view content) const {
    const auto p = path_ / name;
    std::ofstream out(p, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    return p.string();
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// Drains a reader into a vector (test sizes only).
inline std::vector<Event> drain(EventReader& r) {
  std::vector<Event> out;
  while (auto e = r.next()) out.push_back(*e);
  return out;
}

/// Price from exact text, for expectations.
inline Price px(std::string_view text) {
  return Price::parse(text).value();
}

/// Whether `haystack` contains `needle`, with the haystack printed on failure.
inline ::testing::AssertionResult contains(const std::string& haystack, std::string_view needle) {
  if (haystack.find(needle) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "'" << haystack << "' does not contain '" << needle << "'";
}

/// Counts of quote shapes a data-quality filter cares about.
struct QuoteCensus {
  std::size_t quotes = 0;
  std::size_t crossed = 0;     ///< both sides present, bid > ask
  std::size_t locked = 0;      ///< both sides present, bid == ask
  std::size_t empty_side = 0;  ///< at least one side with zero price (empty or one-sided)
  std::size_t zero_size = 0;   ///< a side with a non-zero price but zero size
};

inline void count_quote(QuoteCensus& c, const QuoteUpdated& q) {
  ++c.quotes;
  const bool both = !q.bid.is_zero() && !q.ask.is_zero();
  if (both && q.bid > q.ask) ++c.crossed;
  if (both && q.bid == q.ask) ++c.locked;
  if (q.bid.is_zero() || q.ask.is_zero()) ++c.empty_side;
  if ((!q.bid.is_zero() && q.bid_size.is_zero()) || (!q.ask.is_zero() && q.ask_size.is_zero())) {
    ++c.zero_size;
  }
}

}  // namespace ballast::test
