// LOBSTER level-1 reader: a message file and its orderbook file, read together row by row, into
// QuoteUpdated (top of book changed) and TradePrinted (visible and hidden executions).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ballast/adapters/market_data_reader.hpp"
#include "ballast/adapters/market_data_text.hpp"

namespace ballast {

/// LOBSTER's dummy prices for an unoccupied book side ($999,999.9999 ask, -$999,999.9999 bid),
/// in its raw unit of 1/10000 dollars.
inline constexpr std::int64_t kLobsterDummyAskE4 = 9'999'999'999;
inline constexpr std::int64_t kLobsterDummyBidE4 = -9'999'999'999;

/// The parts of a LOBSTER file name: SYMBOL_YYYY-MM-DD_<start ms>_<end
/// ms>_<message|orderbook>_<level>.csv
struct LobsterFileName {
  std::string symbol;
  CivilDate date{};
  std::int64_t start_ms = 0;  ///< requested window start, ms after midnight (local time)
  std::int64_t end_ms = 0;    ///< requested window end
  bool is_message = true;     ///< message file (else orderbook file)
  int levels = 1;
};

/// Parses a LOBSTER file name (directories are ignored). Error names the file and the pattern.
Result<LobsterFileName> parse_lobster_file_name(std::string_view path);

/// Where to read one LOBSTER session from and how to time-stamp it.
struct LobsterSource {
  std::string message_path;    ///< *_message_<N>.csv
  std::string orderbook_path;  ///< *_orderbook_<N>.csv (same session, same number of rows)
  std::string symbol;          ///< looked up in the InstrumentTable
  /// Session date and the exchange's UTC offset on it. LOBSTER times are seconds after midnight
  /// in NASDAQ's local time (US/Eastern); 2012-06-21 is EDT, so utc_offset = -4 h.
  SessionClock session{};
};

/// Builds a LobsterSource from a message file's name: symbol and date from the name, the
/// orderbook path by replacing "_message_" with "_orderbook_", and `utc_offset` for the date
/// (e.g. us_eastern_utc_offset(date)). Error when the name does not follow LOBSTER's pattern.
Result<LobsterSource> lobster_source(const std::string& message_path,
                                     std::chrono::minutes utc_offset);

/// Streams one LOBSTER level-1 session (level-N files work too; only level 1 is read).
///
/// For each message row and the orderbook row after it:
///  - type 4 (visible execution) or 5 (hidden execution): a TradePrinted at the message's price
///    and size;
///  - then, if the level-1 book (ask, ask size, bid, bid size) differs from the last one emitted
///    (the first row always emits), a QuoteUpdated with the same event time.
/// A side holding LOBSTER's dummy price (9999999999 ask / -9999999999 bid: side empty) is given
/// as zero price and zero size. Nothing else is filtered: crossed, locked or zero-size books are
/// reported as the files have them (the data-quality filter judges them).
///
/// Errors end the stream at the bad row (everything before it was delivered): a field that is not
/// an integer or out of range, a type other than 1-5 or 7, a direction other than 1/-1, a wrong
/// field count, one file shorter than the other.
class LobsterReader final : public EventReader {
 public:
  /// Opens both files and resolves the symbol. Errors: a file that cannot be opened (names the
  /// path), a symbol not in `instruments`.
  static Result<LobsterReader> open(const LobsterSource& source,
                                    const InstrumentTable& instruments);

  std::optional<Event> next() override;
  std::string position() const override;

  /// Message rows read so far.
  std::uint64_t rows_read() const noexcept { return messages_.line_number(); }

 private:
  struct Book {
    std::int64_t ask_e4 = 0;
    std::int64_t ask_size = 0;
    std::int64_t bid_e4 = 0;
    std::int64_t bid_size = 0;
    friend bool operator==(const Book&, const Book&) = default;
  };

  LobsterReader(md_text::LineReader messages, md_text::LineReader book, InstrumentId instrument,
                SessionClock clock);
  std::optional<Event> read_row();

  md_text::LineReader messages_;
  md_text::LineReader book_;
  InstrumentId instrument_{};
  SessionClock clock_{};
  std::optional<Book> last_book_;
  std::optional<QuoteUpdated> pending_quote_;  // emitted after the trade of the same row
  bool done_ = false;
};

}  // namespace ballast
