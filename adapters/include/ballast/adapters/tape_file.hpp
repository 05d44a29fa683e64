// Tape files: Ballast's own text format for a time-ordered stream of top-of-book quotes and trade
// prints of several symbols (one session), and a streaming reader for it.
//
//   # ballast tape v1
//   # date: 2012-06-21
//   # utc_offset: -04:00
//   # (any other comment lines)
//   34200015105074,GOOG,T,579.4,4
//   34200015105074,GOOG,Q,579.4,496,580.23,100
//
// Rows: time_ns,symbol,Q,bid,bid_size,ask,ask_size or time_ns,symbol,T,price,size. time_ns is
// nanoseconds after local midnight of the header's date; prices are exact decimal text (at most 9
// decimals), sizes are shares (at most 6 decimals). docs/market_data.md has the full statement.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ballast/adapters/market_data_reader.hpp"
#include "ballast/adapters/market_data_text.hpp"

namespace ballast {

/// The first line of every tape file.
inline constexpr std::string_view kTapeMagic = "# ballast tape v1";

/// The header values a tape file may state (as "# date: YYYY-MM-DD" and "# utc_offset: -04:00").
struct TapeHeader {
  std::optional<CivilDate> date;
  std::optional<std::chrono::minutes> utc_offset;  ///< local time minus UTC
};

/// Parses "+HH:MM" / "-HH:MM" (HH 00-23, MM 00-59) into minutes; nullopt otherwise.
std::optional<std::chrono::minutes> parse_utc_offset(std::string_view text) noexcept;

struct TapeOptions {
  /// The session date and UTC offset to stamp times with. nullopt: take both from the file's
  /// header ("# date:" and "# utc_offset:" lines, then both required). When given and the header
  /// also states a value, the two must agree (a contradiction is an error, never resolved
  /// silently).
  std::optional<SessionClock> session;
  /// Rows of symbols the instrument table does not hold are skipped (and counted) instead of
  /// ending the stream with an error.
  bool skip_unknown_symbols = false;
};

/// Streams a tape file as QuoteUpdated (Q rows) and TradePrinted (T rows), in file order, with
/// exact prices and sizes and event_time = the session clock's UTC time of time_ns.
///
/// Checks per row (the first violation ends the stream with "<file>:<line>: field <n> (<name>):
/// expected ..., got '...'"; every event before it was returned): 5 fields for T, 7 for Q; time_ns
/// a whole number in [0, 86,400,000,000,000) and not before the previous row's; a symbol the
/// instrument table holds (see skip_unknown_symbols); kind Q or T; quote prices and sizes >= 0
/// (price 0 and size 0: that side is empty); trade price and size > 0. Blank lines and lines
/// starting with '#' are skipped anywhere; header values are read before the first row only.
///
/// Memory stays flat: one line buffer and a symbol cache (at most 1024 distinct symbols).
/// Single-threaded. The InstrumentTable must outlive the reader (symbols are resolved as rows
/// arrive).
class TapeFileReader final : public EventReader {
 public:
  /// Opens the file and reads its header. Errors: a file that cannot be opened, a first line
  /// other than kTapeMagic, a malformed header value, no date or offset from either the header or
  /// `options.session`, a header that contradicts `options.session`.
  static Result<TapeFileReader> open(const std::string& path, const InstrumentTable& instruments,
                                     TapeOptions options = {});

  std::optional<Event> next() override;
  std::string position() const override;

  /// The clock used to stamp event times.
  const SessionClock& session() const noexcept { return clock_; }
  /// The header values the file stated.
  const TapeHeader& header() const noexcept { return header_; }
  std::uint64_t quotes_read() const noexcept { return quotes_; }
  std::uint64_t trades_read() const noexcept { return trades_; }
  /// Rows skipped for an unknown symbol (skip_unknown_symbols only).
  std::uint64_t rows_skipped() const noexcept { return skipped_; }

 private:
  struct SymbolEntry {
    std::string symbol;
    std::optional<InstrumentId> id;  ///< nullopt: not in the table (skipped rows)
  };

  TapeFileReader(md_text::LineReader in, const InstrumentTable& instruments, TapeOptions options);
  /// Reads the header lines up to the first row (kept in first_row_).
  Status read_header();
  std::optional<Event> parse_row(std::string_view line);
  /// The id of `symbol`, resolved once per distinct symbol; nullopt and an error for unknown ones
  /// (unless skipped).
  const SymbolEntry& lookup(std::string_view symbol);

  md_text::LineReader in_;
  const InstrumentTable* instruments_;
  TapeOptions options_;
  TapeHeader header_;
  SessionClock clock_{};
  std::optional<std::string> first_row_;  // the row that ended the header, not yet parsed
  std::uint64_t row_line_ = 0;            // line of the row last parsed (0: none yet)
  static constexpr std::size_t kMaxCachedSymbols = 1024;
  std::vector<SymbolEntry> symbols_;  // at most kMaxCachedSymbols
  std::size_t last_symbol_ = 0;
  SymbolEntry uncached_;
  std::int64_t last_time_ns_ = 0;
  std::uint64_t quotes_ = 0;
  std::uint64_t trades_ = 0;
  std::uint64_t skipped_ = 0;
  bool done_ = false;
};

/// Reads the whole tape file at `path` and checks every row as TapeFileReader does: Ok, or the
/// first problem as "<file>:<line>: ..." (also a file that cannot be opened or a bad header).
/// For start-up and `check-config`, so a bad row is found before anything trades.
/// `rows`, when given, receives the number of quote and trade rows read.
Status validate_tape_file(const std::string& path, const InstrumentTable& instruments,
                          TapeOptions options = {}, std::uint64_t* rows = nullptr);

}  // namespace ballast
