// `ballast journal verify` and `ballast journal dump` as library functions (the CLI calls these).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <limits>
#include <string>
#include <string_view>

#include "ballast/journal/format.hpp"

namespace ballast {

struct VerifyOptions {
  /// false: a torn tail in the last segment (normal after a crash; cut off by the next open for
  /// append) is reported but the exit code is 0. true: it fails verification too.
  bool strict = false;
};

/// Reads the whole journal in `dir`, checking every header, CRC, length and sequence. Prints a
/// summary to `out` (segments, records, first/last record seq, per-kind and per-event counts,
/// sessions, event seqs, receive times) and returns 0; or prints the first problem to `err`
/// (segment file, byte offset, what was expected) with what was good before it and returns 1.
int journal_verify(const std::string& dir, std::ostream& out, std::ostream& err,
                   const VerifyOptions& opt = {});

enum class DumpFormat : std::uint8_t {
  kText,  ///< "#12 input QuoteUpdated seq=5 event_time=2026-11-21T14:30:00.000000001Z ..."
  kJson,  ///< one JSON object per line: {"rec":12,"kind":"input","event":"QuoteUpdated",...}
};

struct DumpOptions {
  DumpFormat format = DumpFormat::kText;
  std::uint64_t from_seq = 0;                                        ///< first record seq printed
  std::uint64_t to_seq = std::numeric_limits<std::uint64_t>::max();  ///< last record seq printed
  bool events_only = false;  ///< skip meta records (session start, FIX checkpoints, notes)
};

/// Prints one line per record of the journal in `dir` to `out`: every field of every event
/// (fixed-point values as exact decimal text, timestamps as ISO-8601 UTC in text and integer
/// nanoseconds in JSON, invalid ids as none/null). Returns 0; or 1 after printing the records
/// before a problem, with the problem on `err`. A torn tail is noted on `err` (exit 0).
int journal_dump(const std::string& dir, std::ostream& out, std::ostream& err,
                 const DumpOptions& opt = {});

/// Appends `r` as one text line / one JSON object (no newline) to `out`. `segment` (a file
/// name) is included in JSON when not empty.
void format_record_text(const JournalRecord& r, std::string& out);
void format_record_json(const JournalRecord& r, std::string_view segment, std::string& out);

/// The first field in which two events differ, as "<Type>.<field>: journal <a>, replay <b>"
/// (or the two event types when they differ); empty when every field is equal.
std::string describe_event_difference(const Event& journal, const Event& replay);

/// "2026-11-21T14:30:00.000000001Z" (UTC, nanoseconds).
std::string format_utc(Timestamp t);

}  // namespace ballast
