// Daily closes: a loader for wide CSV tables (a date column, then one price column per symbol)
// into a dense in-memory table, and a reader that turns chosen columns into daily BarClosed events.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/adapters/market_data_reader.hpp"

namespace ballast {

/// Hour (UTC) given to every daily close. The close is 16:00 America/New_York, which is 20:00 or
/// 21:00 UTC depending on daylight saving; one fixed hour keeps the table simple and always at or
/// after the real close.
inline constexpr int kDailyCloseUtcHour = 21;

/// Returns the timestamp given to the close of `date`: date 21:00 UTC. `date` must be
/// in_timestamp_range (load_daily_closes guarantees it); otherwise the process stops.
Timestamp daily_close_time(CivilDate date) noexcept;

/// A dense table of daily closes: one row per date (strictly increasing), one column per symbol,
/// each cell a price or empty (before inception / IPO). Row-major cells.
struct DailyCloseTable {
  std::string source;                       ///< file name the table came from
  std::vector<CivilDate> dates;             ///< one per row
  std::vector<Timestamp> close_times;       ///< daily_close_time(dates[i])
  std::vector<std::string> symbols;         ///< one per column, as in the header
  std::vector<std::optional<Price>> cells;  ///< cells[row * symbols.size() + column]

  std::size_t rows() const noexcept { return dates.size(); }
  std::size_t columns() const noexcept { return symbols.size(); }
  /// The column of `symbol`, or nullopt.
  std::optional<std::size_t> column(std::string_view symbol) const noexcept;
  /// The row of `date`, or nullopt.
  std::optional<std::size_t> row(CivilDate date) const noexcept;
  /// The cell at (row, column); both must be in range (a broken invariant otherwise).
  const std::optional<Price>& at(std::size_t row, std::size_t column) const noexcept;
};

/// Loads a daily-close CSV. Accepted layout: a header "Date,<SYM>,<SYM>,..." (the first name is
/// "date" in any case), then one row per day; dates M/D/YYYY or YYYY-MM-DD; a cell is a decimal
/// price > 0, "NA" or empty (both: no price). Prices with more than 9 decimals are rounded
/// half-even to 9 ("24.608617782592773" -> 24.608617783), never through double. A UTF-8 BOM and
/// CRLF line ends are accepted. Rows must be in strictly increasing date order.
///
/// All or nothing: returns the whole table, or the first error ("<file>:<line>: field <n>
/// (<symbol>): expected ..., got '...'"; a missing file names the path).
Result<DailyCloseTable> load_daily_closes(const std::string& path);

/// Daily share volumes in the same wide layout (a date column, one column per symbol): for the
/// average daily volume (market_data.adv). A cell is a volume >= 0 in shares (up to 6 decimals),
/// "NA" or empty (no volume that day).
struct DailyVolumeTable {
  std::string source;                     ///< file name the table came from
  std::vector<CivilDate> dates;           ///< one per row, strictly increasing
  std::vector<std::string> symbols;       ///< one per column, as in the header
  std::vector<std::optional<Qty>> cells;  ///< cells[row * symbols.size() + column]

  std::size_t rows() const noexcept { return dates.size(); }
  std::optional<std::size_t> column(std::string_view symbol) const noexcept;
  /// The cell at (row, column); both must be in range (a broken invariant otherwise).
  const std::optional<Qty>& at(std::size_t row, std::size_t column) const noexcept;
};

/// Loads a daily-volume CSV, with load_daily_closes' layout, dates and errors ("<file>:<line>:
/// field <n> (<symbol>): expected a share volume >= 0 ..."). All or nothing.
Result<DailyVolumeTable> load_daily_volumes(const std::string& path);

/// One column to stream and the instrument it is (a source may spell a symbol differently).
struct DailyColumn {
  std::string column;      ///< the header name in the file
  std::string instrument;  ///< the instrument symbol; empty: the same as `column`
};

/// Streams daily closes of chosen columns as BarClosed events, in date order and, within a date,
/// in the order the symbols were given. open = high = low = close = the cell (the files carry
/// closes only), volume 0, period_ns = 24 h, event_time = daily_close_time(date). Empty cells are
/// skipped. The table is shared, not copied.
class DailyCloseReader final : public EventReader {
 public:
  /// `symbols` are column names of the table, each also an instrument symbol; empty means every
  /// column. Errors: a symbol that is not a column (names the file), a symbol not in
  /// `instruments`.
  static Result<DailyCloseReader> open(std::shared_ptr<const DailyCloseTable> table,
                                       const InstrumentTable& instruments,
                                       const std::vector<std::string>& symbols = {});
  /// As open(), with each column mapped to an instrument symbol of its own.
  static Result<DailyCloseReader> open_columns(std::shared_ptr<const DailyCloseTable> table,
                                               const InstrumentTable& instruments,
                                               const std::vector<DailyColumn>& columns);

  std::optional<Event> next() override;
  /// "<file>:<line>" of the row the last event came from (the header is line 1).
  std::string position() const override;

 private:
  struct Column {
    std::size_t index;
    InstrumentId instrument;
  };
  DailyCloseReader(std::shared_ptr<const DailyCloseTable> table, std::vector<Column> columns);

  std::shared_ptr<const DailyCloseTable> table_;
  std::vector<Column> columns_;
  std::size_t row_ = 0;
  std::size_t col_ = 0;
  std::size_t last_row_ = SIZE_MAX;
};

}  // namespace ballast
