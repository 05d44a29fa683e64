// Text layer of the market-data file readers: a buffered line reader and CSV field parsing that
// turn every malformed field into an Error naming file, line, field and what was expected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/core/fixed_point.hpp"
#include "ballast/core/result.hpp"

namespace ballast::md_text {

/// Reads a text file line by line through a fixed buffer, so memory does not grow with the file.
/// Lines end in LF or CRLF (the terminator is not part of the line); a last line without a
/// terminator is still a line; a UTF-8 byte-order mark at the start of the file is skipped.
/// Single-threaded. Movable, not copyable.
class LineReader {
 public:
  /// Opens `path` for reading. Error: "cannot open <path>: <reason>".
  static Result<LineReader> open(const std::string& path);

  /// Returns the next line, valid until the next call, or nullopt at the end of the file or on a
  /// read error (then read_error() is set).
  std::optional<std::string_view> next_line();

  /// 1-based number of the line last returned by next_line(); 0 before the first.
  std::uint64_t line_number() const noexcept { return line_; }
  /// The path as given to open().
  const std::string& path() const noexcept { return path_; }
  /// The file name without directories, as used in line-level error messages.
  const std::string& name() const noexcept { return name_; }
  /// The read error that ended the file early, or nullopt.
  const std::optional<Error>& read_error() const noexcept { return read_error_; }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };

  LineReader(std::unique_ptr<std::FILE, FileCloser> file, std::string path);
  bool refill();

  std::unique_ptr<std::FILE, FileCloser> file_;
  std::string path_;
  std::string name_;
  std::vector<char> buf_;
  std::size_t begin_ = 0;  // first unread byte in buf_
  std::size_t end_ = 0;    // one past the last valid byte in buf_
  bool eof_ = false;
  std::uint64_t line_ = 0;
  std::optional<Error> read_error_;
};

/// Returns the file name part of a path ("a/b/c.csv" -> "c.csv").
std::string_view base_name(std::string_view path) noexcept;

/// Splits `line` at commas into `out`. Returns the number of fields in the line, which may exceed
/// out.size() (the extra fields are counted, not stored). An empty line has one empty field.
std::size_t split_fields(std::string_view line, std::span<std::string_view> out) noexcept;

/// Splits `line` at commas, appending every field to `out` (cleared first).
void split_fields(std::string_view line, std::vector<std::string_view>& out);

/// Parses a whole base-10 integer with an optional leading '-' (no '+', spaces or other text).
std::optional<std::int64_t> parse_int(std::string_view text) noexcept;

/// Returns "<name>:<line>" of the line last read, or "" before the first.
std::string position_of(const LineReader& in);

/// Builds "<name>:<line>: <what>".
Error line_error(const LineReader& in, std::string_view what);

/// Builds "<name>:<line>: field <index> (<field>): expected <expected>, got '<text>'". `index` is
/// 1-based; `text` is shortened when long.
Error field_error(const LineReader& in, std::size_t index, std::string_view field,
                  std::string_view expected, std::string_view text);

/// Builds "<name>:<line>: expected <n> fields (<layout>), got <count>".
Error field_count_error(const LineReader& in, std::size_t expected, std::string_view layout,
                        std::size_t count);

/// Parses field `index` (1-based) of the current line as an integer in [min, max].
Result<std::int64_t> int_field(const LineReader& in, std::span<const std::string_view> fields,
                               std::size_t index, std::string_view name, std::int64_t min,
                               std::int64_t max);

/// Parses an integer price in 1/10000 dollars (LOBSTER, AlgoSeek) into an exact Price.
Result<Price> price_e4_field(const LineReader& in, std::span<const std::string_view> fields,
                             std::size_t index, std::string_view name);

/// Parses a non-negative whole number of shares into an exact Qty.
Result<Qty> shares_field(const LineReader& in, std::span<const std::string_view> fields,
                         std::size_t index, std::string_view name);

/// Parses milliseconds after midnight, 0 <= ms < 86,400,000, into nanoseconds after midnight.
Result<std::int64_t> ms_of_day_field(const LineReader& in, std::span<const std::string_view> fields,
                                     std::size_t index, std::string_view name);

/// Parses decimal seconds after midnight with at most 9 decimals ("34200.004241176",
/// "34200.18960767", "36000") into nanoseconds exactly, 0 <= value < 86,400 s. No double.
std::optional<std::int64_t> parse_seconds_ns(std::string_view text) noexcept;

/// Multiplies an integer price in 1/10000 dollars into Price's scale; nullopt on overflow.
std::optional<Price> price_from_e4(std::int64_t e4) noexcept;

}  // namespace ballast::md_text
