// Readers for QuantConnect Lean / AlgoSeek US-equity files: TAQ-style trade and quote ticks and
// minute trade and quote bars, into TradePrinted, QuoteUpdated and BarClosed.
//
// All four formats are headerless CSV with the time of day first, as milliseconds after midnight
// in US/Eastern local time, and prices as integers in 1/10000 dollars (converted exactly).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ballast/adapters/market_data_reader.hpp"
#include "ballast/adapters/market_data_text.hpp"

namespace ballast {

/// What a Lean/AlgoSeek file holds, from its name.
enum class LeanFileKind : std::uint8_t {
  kTradeTicks,       ///< YYYYMMDD_<sym>_Trade_Tick.csv
  kQuoteTicks,       ///< YYYYMMDD_<sym>_Quote_Tick.csv
  kMinuteTradeBars,  ///< YYYYMMDD_<sym>_minute_trade.csv
  kMinuteQuoteBars,  ///< YYYYMMDD_<sym>_minute_quote.csv
};

/// The parts of a Lean/AlgoSeek data file name.
struct LeanFileName {
  CivilDate date{};
  std::string symbol;  ///< upper-cased ("ibm" -> "IBM")
  LeanFileKind kind = LeanFileKind::kTradeTicks;
};

/// Parses a Lean/AlgoSeek file name (directories are ignored), e.g. "20131008_ibm_Trade_Tick.csv"
/// or "20131010_spy_minute_trade.csv". Error names the file and the expected patterns.
Result<LeanFileName> parse_lean_file_name(std::string_view path);

/// One Lean/AlgoSeek file and how to time-stamp it.
struct LeanSource {
  std::string path;
  std::string symbol;  ///< looked up in the InstrumentTable
  /// Session date and the US/Eastern UTC offset on it (2013-10-08 is EDT: -4 h).
  SessionClock session{};
};

/// Builds a LeanSource from the file name: date and upper-cased symbol from the name, and the
/// caller's `utc_offset` for that date (e.g. us_eastern_utc_offset(date)).
Result<LeanSource> lean_source(const std::string& path, std::chrono::minutes utc_offset);

/// Options for tick files.
struct TaqOptions {
  /// Drops rows whose suspicious flag is 1. Off by default: the readers report what the file has
  /// and the data-quality filter decides (this flag is the only place that knowledge exists, as
  /// core events carry no flags).
  bool skip_suspicious = false;
};

/// Streams a trade-tick file: ms, price (1/10000 $), size, exchange, condition, suspicious (0/1).
/// One TradePrinted per row, in file order. Exchange and condition are checked for shape
/// (non-empty, integer condition) and not carried (TradePrinted has no such fields).
class TaqTradeReader final : public EventReader {
 public:
  /// Opens the file and resolves the symbol. Errors: file cannot be opened (names the path),
  /// unknown symbol.
  static Result<TaqTradeReader> open(const LeanSource& source, const InstrumentTable& instruments,
                                     TaqOptions options = {});

  std::optional<Event> next() override;
  std::string position() const override;

 private:
  TaqTradeReader(md_text::LineReader in, InstrumentId id, SessionClock clock, TaqOptions options);

  md_text::LineReader in_;
  InstrumentId instrument_{};
  SessionClock clock_{};
  TaqOptions options_{};
};

/// Streams a quote-tick file: ms, bid price, bid size, ask price, ask size, exchange, condition,
/// suspicious. AlgoSeek records are one-sided: the absent side is 0,0 in the file, and the
/// QuoteUpdated carries it as zero price and zero size (an empty side). One QuoteUpdated per row,
/// in file order, with nothing combined or filtered. These are single-exchange quotes, not the
/// consolidated best bid and offer.
class TaqQuoteReader final : public EventReader {
 public:
  /// Opens the file and resolves the symbol. Errors as TaqTradeReader::open.
  static Result<TaqQuoteReader> open(const LeanSource& source, const InstrumentTable& instruments,
                                     TaqOptions options = {});

  std::optional<Event> next() override;
  std::string position() const override;

 private:
  TaqQuoteReader(md_text::LineReader in, InstrumentId id, SessionClock clock, TaqOptions options);

  md_text::LineReader in_;
  InstrumentId instrument_{};
  SessionClock clock_{};
  TaqOptions options_{};
};

/// Opens one day's trade and quote ticks as a single stream in time order (TimeOrderedMerge):
/// at equal times every quote of that millisecond comes before every trade of it, and each file
/// keeps its own order. The rule puts the quote a trade printed against ahead of the trade, which
/// is what a consumer valuing the trade against the book expects.
Result<TimeOrderedMerge> open_taq_day(const LeanSource& trades, const LeanSource& quotes,
                                      const InstrumentTable& instruments, TaqOptions options = {});

/// Regular US equity session in ms after midnight local time: 09:30 <= start < 16:00.
inline constexpr std::int64_t kRegularSessionStartMs = 34'200'000;
inline constexpr std::int64_t kRegularSessionEndMs = 57'600'000;

/// Options for minute-bar files.
struct MinuteBarOptions {
  /// Keeps only bars starting in the regular session (34200000 <= ms < 57600000); the files also
  /// hold 04:00-09:30 and 16:00-20:00.
  bool regular_session_only = false;
};

/// Streams a minute trade-bar file: bar start ms, open, high, low, close (1/10000 $), volume.
/// One BarClosed per row with period_ns = 60 s and event_time = bar end (start + 60 s): a bar is
/// known only once its minute is over.
class MinuteTradeBarReader final : public EventReader {
 public:
  static Result<MinuteTradeBarReader> open(const LeanSource& source,
                                           const InstrumentTable& instruments,
                                           MinuteBarOptions options = {});

  std::optional<Event> next() override;
  std::string position() const override;

 private:
  MinuteTradeBarReader(md_text::LineReader in, InstrumentId id, SessionClock clock,
                       MinuteBarOptions options);

  md_text::LineReader in_;
  InstrumentId instrument_{};
  SessionClock clock_{};
  MinuteBarOptions options_{};
};

/// Streams a minute quote-bar file: bar start ms, bid open/high/low/close, bid size, ask
/// open/high/low/close, ask size. One QuoteUpdated per row at the bar end (start + 60 s) from the
/// closing bid and ask and their sizes, unfiltered (crossed closes are reported as they are).
class MinuteQuoteBarReader final : public EventReader {
 public:
  static Result<MinuteQuoteBarReader> open(const LeanSource& source,
                                           const InstrumentTable& instruments,
                                           MinuteBarOptions options = {});

  std::optional<Event> next() override;
  std::string position() const override;

 private:
  MinuteQuoteBarReader(md_text::LineReader in, InstrumentId id, SessionClock clock,
                       MinuteBarOptions options);

  md_text::LineReader in_;
  InstrumentId instrument_{};
  SessionClock clock_{};
  MinuteBarOptions options_{};
};

}  // namespace ballast
