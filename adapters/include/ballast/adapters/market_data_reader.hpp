// Shared pieces of the market-data file readers: the streaming EventReader interface, session
// clocks (exchange local time -> UTC), calendar dates, symbol lookup and a time-ordered merge.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ballast/core/events.hpp"
#include "ballast/core/exchange_time.hpp"
#include "ballast/core/instrument.hpp"
#include "ballast/core/result.hpp"
#include "ballast/core/time.hpp"

namespace ballast {

/// A calendar date (proleptic Gregorian).
// CivilDate (std::chrono::year_month_day) and us_eastern_utc_offset come from
// core/exchange_time.hpp.

/// Years whose every instant fits a Timestamp (int64 ns since 1970 spans 1677-09-21 to
/// 2262-04-11), whole years only.
inline constexpr int kMinTimestampYear = 1678;
inline constexpr int kMaxTimestampYear = 2261;

/// Returns true when `date` is a real date in kMinTimestampYear..kMaxTimestampYear.
bool in_timestamp_range(CivilDate date) noexcept;

/// Parses "YYYY-MM-DD" (ISO) or "YYYYMMDD"; nullopt unless it is a real calendar date in
/// kMinTimestampYear..kMaxTimestampYear.
std::optional<CivilDate> parse_iso_date(std::string_view text) noexcept;
/// Parses "M/D/YYYY" (US, one or two digits for month and day); nullopt unless a real date in
/// kMinTimestampYear..kMaxTimestampYear.
std::optional<CivilDate> parse_us_date(std::string_view text) noexcept;
/// Returns "YYYY-MM-DD".
std::string to_string(CivilDate d);

/// Maps a source's local time of day on one session date to UTC. The source files give times as
/// seconds or milliseconds after local midnight; the caller supplies the UTC offset that applies
/// on that date (the readers never guess a time zone).
struct SessionClock {
  CivilDate date{};
  /// Local time minus UTC: -4 h for US/Eastern daylight time (EDT), -5 h for standard time (EST).
  std::chrono::minutes utc_offset{0};

  /// Returns the UTC time of `ns_after_midnight` local time on `date` (0 <= ns < 24 h). `date`
  /// must be in_timestamp_range (the file-name parsers guarantee it); otherwise the process stops.
  Timestamp to_utc(std::int64_t ns_after_midnight) const noexcept;
};

/// Returns the id of `symbol` in `instruments`. Error: "unknown symbol 'XYZ': not in the
/// instrument table (<context>)".
Result<InstrumentId> resolve_symbol(const InstrumentTable& instruments, std::string_view symbol,
                                    std::string_view context);

/// A stream of market-data events read from files, in file order. Pull one event at a time with
/// next(), so memory stays flat however large the file. Single-threaded; a reader is used by one
/// thread at a time (the market-data thread that feeds the core's queue). Never throws for bad
/// input: the first malformed line ends the stream with error() set, and every event before that
/// line has already been returned.
class EventReader {
 public:
  virtual ~EventReader() = default;

  /// Returns the next event, or nullopt at the end of the data or at the first error (then
  /// error() is set). Event headers carry event_time only (seq and receive_time stay 0 for the
  /// core loop to stamp).
  virtual std::optional<Event> next() = 0;

  /// "<file>:<line>" of the row the last returned event came from ("" before the first).
  virtual std::string position() const = 0;

  /// The error that ended the stream, or nullptr (still running, or ended cleanly).
  const Error* error() const noexcept { return error_ ? &*error_ : nullptr; }
  /// Ok, or the error that ended the stream.
  Status status() const {
    if (error_) return *error_;
    return Ok{};
  }

 protected:
  EventReader() = default;
  EventReader(EventReader&&) noexcept = default;
  EventReader& operator=(EventReader&&) noexcept = default;
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;

  /// Records the error that ends the stream (the first one wins) and returns nullopt for next().
  std::optional<Event> fail(Error e) {
    if (!error_) error_ = std::move(e);
    return std::nullopt;
  }
  bool failed() const noexcept { return error_.has_value(); }

 private:
  std::optional<Error> error_;
};

/// Calls `on_event(const Event&)` for every event of `reader` in order; returns the reader's
/// status (Ok at the end of the data, else the error; events before it were all delivered).
template <class F>
Status for_each(EventReader& reader, F&& on_event) {
  while (auto e = reader.next()) on_event(static_cast<const Event&>(*e));
  return reader.status();
}

/// Merges several readers into one stream in non-decreasing event_time. Stable: events with equal
/// times come in input order (all of input 0's, then input 1's, ...), and each input keeps its own
/// order. Each input must itself be in time order: an input that goes back in time ends the merge
/// with an error naming its file and line. The first error of any input ends the merge with that
/// error; every event of that input before its bad line has been delivered (events of the other
/// inputs that sort after the last delivered one are not, since their place is unknown).
class TimeOrderedMerge final : public EventReader {
 public:
  explicit TimeOrderedMerge(std::vector<std::unique_ptr<EventReader>> inputs);

  std::optional<Event> next() override;
  std::string position() const override;

 private:
  struct Input {
    std::unique_ptr<EventReader> reader;
    std::optional<Event> head;
    bool done = false;
    Timestamp last_time{INT64_MIN};
  };
  std::vector<Input> inputs_;
  std::size_t last_input_ = SIZE_MAX;
};

}  // namespace ballast
