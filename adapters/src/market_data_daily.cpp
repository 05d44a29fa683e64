// Daily-close table loader and the reader that streams it as daily BarClosed events.
#include "ballast/adapters/market_data_daily.hpp"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "ballast/adapters/market_data_text.hpp"

namespace ballast {

using md_text::field_error;
using md_text::LineReader;

namespace {

constexpr std::int64_t kDayNs = 86'400LL * 1'000'000'000;

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

}  // namespace

Timestamp daily_close_time(CivilDate date) noexcept {
  BALLAST_INVARIANT(in_timestamp_range(date), "daily close date outside the Timestamp range");
  const std::int64_t days = std::chrono::sys_days{date}.time_since_epoch().count();
  return Timestamp{days * kDayNs + kDailyCloseUtcHour * 3'600LL * 1'000'000'000};
}

std::optional<std::size_t> DailyCloseTable::column(std::string_view symbol) const noexcept {
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (symbols[i] == symbol) return i;
  }
  return std::nullopt;
}

std::optional<std::size_t> DailyCloseTable::row(CivilDate date) const noexcept {
  const auto it = std::lower_bound(dates.begin(), dates.end(), date);
  if (it == dates.end() || *it != date) return std::nullopt;
  return static_cast<std::size_t>(it - dates.begin());
}

const std::optional<Price>& DailyCloseTable::at(std::size_t r, std::size_t c) const noexcept {
  BALLAST_INVARIANT(r < rows() && c < columns(), "daily close cell out of range");
  return cells[r * symbols.size() + c];
}

namespace {

/// The wide layout shared by daily closes and daily volumes: a header "Date,<SYM>,...", then one
/// row per day in strictly increasing date order; `parse(field)` turns a non-empty, non-"NA"
/// cell into a value or nullopt (then `expected` names what a cell must be).
template <class Table, class Parse>
Result<Table> load_wide(const std::string& path, Parse parse, const char* expected) {
  auto opened = LineReader::open(path);
  if (!opened) return opened.error();
  LineReader in = std::move(opened).value();

  Table t;
  t.source = std::string(in.name());
  std::vector<std::string_view> f;

  const auto header = in.next_line();
  if (!header) {
    if (in.read_error()) return *in.read_error();
    std::string msg(in.name());
    msg.append(": empty file; expected a header row 'Date,<symbol>,<symbol>,...'");
    return Error{std::move(msg)};
  }
  md_text::split_fields(*header, f);
  if (!iequals(f[0], "date")) return field_error(in, 1, "header", "'Date'", f[0]);
  if (f.size() < 2) {
    return md_text::line_error(in,
                               "expected a header 'Date,<symbol>,...' with at least one symbol");
  }
  std::unordered_set<std::string_view> seen;
  for (std::size_t i = 1; i < f.size(); ++i) {
    if (f[i].empty()) return field_error(in, i + 1, "header", "a symbol", f[i]);
    if (!seen.insert(f[i]).second) {
      return field_error(in, i + 1, "header", "a symbol not already in the header", f[i]);
    }
    t.symbols.emplace_back(f[i]);
  }
  const std::size_t width = f.size();

  while (const auto line = in.next_line()) {
    md_text::split_fields(*line, f);
    if (f.size() != width) {
      std::string what("expected ");
      what.append(std::to_string(width));
      what.append(" fields (date and one per symbol in the header), got ");
      what.append(std::to_string(f.size()));
      return md_text::line_error(in, what);
    }
    const bool us = f[0].find('/') != std::string_view::npos;
    const auto date = us ? parse_us_date(f[0]) : parse_iso_date(f[0]);
    if (!date)
      return field_error(in, 1, "date", "a date as M/D/YYYY or YYYY-MM-DD (years 1678 to 2261)",
                         f[0]);
    if (!t.dates.empty() && *date <= t.dates.back()) {
      std::string expected_date("a date after ");
      expected_date.append(to_string(t.dates.back()));
      expected_date.append(" (rows in increasing date order)");
      return field_error(in, 1, "date", expected_date, f[0]);
    }
    t.dates.push_back(*date);
    for (std::size_t i = 1; i < width; ++i) {
      if (f[i].empty() || f[i] == "NA") {
        t.cells.emplace_back();
        continue;
      }
      const auto v = parse(f[i]);
      if (!v) return field_error(in, i + 1, t.symbols[i - 1], expected, f[i]);
      t.cells.emplace_back(*v);
    }
  }
  if (in.read_error()) return *in.read_error();
  return t;
}

}  // namespace

Result<DailyCloseTable> load_daily_closes(const std::string& path) {
  // A close is a price a market traded at: > 0 (0 and below would reach the risk model's log
  // returns, which could only name a matrix cell).
  auto t = load_wide<DailyCloseTable>(
      path,
      [](std::string_view cell) -> std::optional<Price> {
        auto p = Price::parse(cell, Rounding::kHalfEven);
        if (!p || p.value().raw <= 0) return std::nullopt;
        return p.value();
      },
      "a decimal price > 0, 'NA' or an empty cell");
  if (!t) return t;
  for (const CivilDate d : t.value().dates) t.value().close_times.push_back(daily_close_time(d));
  return t;
}

Result<DailyVolumeTable> load_daily_volumes(const std::string& path) {
  // A day's volume in shares: >= 0 (0: a halted or holiday day), fractions of a share allowed
  // to the quantity's 6 decimals.
  return load_wide<DailyVolumeTable>(
      path,
      [](std::string_view cell) -> std::optional<Qty> {
        auto q = Qty::parse(cell);
        if (!q || q.value().raw < 0) return std::nullopt;
        return q.value();
      },
      "a share volume >= 0 (at most 6 decimals), 'NA' or an empty cell");
}

std::optional<std::size_t> DailyVolumeTable::column(std::string_view symbol) const noexcept {
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (symbols[i] == symbol) return i;
  }
  return std::nullopt;
}

const std::optional<Qty>& DailyVolumeTable::at(std::size_t row, std::size_t col) const noexcept {
  BALLAST_INVARIANT(row < rows() && col < symbols.size(), "daily volume cell out of range");
  return cells[row * symbols.size() + col];
}

DailyCloseReader::DailyCloseReader(std::shared_ptr<const DailyCloseTable> table,
                                   std::vector<Column> columns)
    : table_(std::move(table)), columns_(std::move(columns)) {}

Result<DailyCloseReader> DailyCloseReader::open(std::shared_ptr<const DailyCloseTable> table,
                                                const InstrumentTable& instruments,
                                                const std::vector<std::string>& symbols) {
  if (!table) return Error{"DailyCloseReader::open: no table"};
  std::vector<DailyColumn> columns;
  for (const auto& s : symbols.empty() ? table->symbols : symbols) {
    columns.push_back(DailyColumn{s, s});
  }
  return open_columns(std::move(table), instruments, columns);
}

Result<DailyCloseReader> DailyCloseReader::open_columns(
    std::shared_ptr<const DailyCloseTable> table, const InstrumentTable& instruments,
    const std::vector<DailyColumn>& columns) {
  if (!table) return Error{"DailyCloseReader::open: no table"};
  std::string context("daily closes ");
  context.append(table->source);
  std::vector<Column> cols;
  for (const auto& want : columns) {
    const auto c = table->column(want.column);
    if (!c) {
      std::string msg("symbol '");
      msg.append(want.column);
      msg.append("' is not a column of ");
      msg.append(table->source);
      return Error{std::move(msg)};
    }
    auto id = resolve_symbol(instruments, want.instrument.empty() ? want.column : want.instrument,
                             context);
    if (!id) return id.error();
    cols.push_back(Column{*c, id.value()});
  }
  return DailyCloseReader(std::move(table), std::move(cols));
}

std::optional<Event> DailyCloseReader::next() {
  while (row_ < table_->rows()) {
    while (col_ < columns_.size()) {
      const Column& c = columns_[col_++];
      const auto& cell = table_->at(row_, c.index);
      if (!cell) continue;
      BarClosed b;
      b.hdr.event_time = table_->close_times[row_];
      b.instrument = c.instrument;
      b.open = b.high = b.low = b.close = *cell;
      b.volume = Qty{0};
      b.period_ns = kDayNs;
      last_row_ = row_;
      return Event{b};
    }
    col_ = 0;
    ++row_;
  }
  return std::nullopt;
}

std::string DailyCloseReader::position() const {
  if (last_row_ == SIZE_MAX) return {};
  std::string out(table_->source);
  out.append(":");
  out.append(std::to_string(last_row_ + 2));  // the header is line 1
  return out;
}

}  // namespace ballast
