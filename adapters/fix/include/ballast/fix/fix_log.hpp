// Reading recorded FIX logs: one entry per FIX message, in file order, decoded into the plain
// structs of fix_messages.hpp with the same code the live initiator uses (so a replay sees exactly
// what the engine would have seen live). Plain C++14, no QuickFIX types (see docs/fix.md,
// "Reading recorded FIX logs").
//
// Layouts read (detected per line, never configured):
//  * QuickFIX FileLog (`*.messages.current.log`): `YYYYMMDD-HH:MM:SS.nnnnnnnnn : 8=FIX...`
//  * broker-sim's message log: `<tape_time_ns> <IN|OUT> <sessionID> 8=FIX...|...|10=nnn|`
//  * bare messages, or messages after any other prefix (log4j text, timestamps): `... 8=FIX...`
//  * SOH or '|' delimiters (per message), with or without a delimiter after CheckSum (10)
//  * a message split across lines (log4fixj style: the line break may fall anywhere, even inside
//    a tag; the lines are joined without a separator)
//  * several messages on one line; lines without a message are skipped (or reported, option)
// BeginStrings FIX.4.0 .. FIX.4.4 and FIXT.1.1.
//
// Nothing here throws on bad input: a message that cannot be framed or checked is an entry with
// kind kInvalid and an error naming the file, the line and what was expected; a message that is
// framed but lacks a required field or holds a bad value is decoded as far as it goes and carries
// the error too. Reading always continues with the next message.
//
// Username (553) and Password (554) values never appear in any output: they read "***" in
// FixLogEntry::text and in error texts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ballast/fix/fix_messages.hpp"

namespace ballast {
namespace fix {

/// What an entry holds.
enum class FixLogKind : std::uint8_t {
  kInvalid,          ///< not a usable FIX message (framing, BodyLength, CheckSum, no 35): `error`
  kSession,          ///< Logon A, Heartbeat 0, TestRequest 1, ResendRequest 2, SequenceReset 4,
                     ///< Logout 5: reported, not decoded
  kExecutionReport,  ///< 8 -> execution_report
  kCancelReject,     ///< 9 -> cancel_reject
  kBusinessReject,   ///< j, and MarketDataRequestReject Y (as the live initiator reports it)
  kSessionReject,    ///< 3 -> session_reject
  kMarketData,       ///< W, X -> market_data (top of book per symbol, as live)
  kNewOrder,         ///< D -> new_order
  kCancelRequest,    ///< F -> cancel_request
  kReplaceRequest,   ///< G -> replace_request
  kStatusRequest,    ///< H -> status_request
  kOther,            ///< any other MsgType (msg_type says which); fields only in `text`
};
const char* to_string(FixLogKind kind) noexcept;

/// Direction of a message, seen from "our" side: FixLogOptions::our_comp_id when set (derived
/// from SenderCompID 49 / TargetCompID 56), otherwise the side that wrote the log when the layout
/// says (broker-sim's IN/OUT: the simulator's side); otherwise unknown.
enum class FixLogDirection : std::uint8_t { kUnknown, kReceived, kSent };
const char* to_string(FixLogDirection direction) noexcept;

/// Where FixLogEntry::time_ns came from.
enum class FixLogTimeSource : std::uint8_t {
  kNone,           ///< no time at all (0)
  kQuickFixLog,    ///< the QuickFIX FileLog line's own UTC timestamp (when it was logged)
  kBrokerSimTape,  ///< broker-sim's tape time (0 before the first tape event)
  kSendingTime,    ///< SendingTime (52) of the message
};
const char* to_string(FixLogTimeSource source) noexcept;

struct FixLogOptions {
  /// Our CompID: sets FixLogEntry::direction (49 == ours: kSent, 56 == ours: kReceived) and the
  /// orientation of session ids ("FIX.4.4:OURS->THEIRS"). Empty: see FixLogDirection.
  std::string our_comp_id;
  /// Checks on by default; turn off for hand-edited logs (the entry then reads as if they held).
  /// A message whose Username (553) or Password (554) reads "***" (redacted by the log writer,
  /// as Ballast's own logs do, without fixing the length or sum) is read unchecked.
  bool check_body_length = true;  ///< BodyLength (9) present, second, and equal to the body
  bool check_checksum = true;     ///< CheckSum (10) three digits and equal to the byte sum
  /// Only FIX.4.0-4.4 and FIXT.1.1 as BeginString. false: "FIX4.4" (no dot) reads as FIX.4.4.
  bool check_begin_string = true;
  /// A non-blank line holding no FIX message (log text, garbage) becomes a kInvalid entry
  /// instead of being skipped silently.
  bool report_text_lines = false;
  /// A message not complete (no CheckSum (10)) after this many lines is an error.
  int max_lines_per_message = 64;
  /// A line longer than this is an error (the rest of that line is skipped).
  std::size_t max_line_bytes = 4u << 20;
};

/// One FIX message (or one unreadable thing) from the log.
struct FixLogEntry {
  std::uint64_t line = 0;       ///< first line of the message, 1-based
  std::uint64_t last_line = 0;  ///< last line (== line unless split across lines)
  FixLogKind kind = FixLogKind::kInvalid;
  /// Empty: the message is well formed and fully decoded. Otherwise "<file>:<line>: what is
  /// wrong, and what was expected" (several problems separated by "; "). With a kind other than
  /// kInvalid the decoded struct holds everything that could be read.
  std::string error;

  std::int64_t time_ns = 0;  ///< ns since the epoch (UTC), see time_source
  FixLogTimeSource time_source = FixLogTimeSource::kNone;
  std::int64_t sending_time_ns = 0;  ///< SendingTime (52); 0 when absent or not a UTCTimestamp
  FixLogDirection direction = FixLogDirection::kUnknown;

  std::string begin_string;  ///< as written ("FIX.4.4", "FIXT.1.1")
  std::string msg_type;      ///< MsgType (35), empty when absent
  std::string sender_comp_id;
  std::string target_comp_id;
  std::uint64_t msg_seq_num = 0;  ///< MsgSeqNum (34), 0 when absent
  bool poss_dup = false;          ///< PossDupFlag (43) or PossResend (97) is Y

  /// Session number: index into FixLogReader::sessions(), one per BeginString and CompID pair,
  /// numbered in the order first seen. Also copied into the decoded struct's `session`.
  std::uint16_t session = 0;
  /// "FIX.4.4:SENDER->TARGET" in QuickFIX's form: ours first when our_comp_id is known, else
  /// broker-sim's session column, else the first message's sender first.
  std::string session_id;

  /// The log's own text before 8= on the first line (timestamp, broker-sim columns, log4j
  /// text), trimmed.
  std::string prefix;
  /// The message with '|' as delimiter (lines joined, broker-sim \xHH escapes undone), values of
  /// 553/554 as "***". Empty for a text line reported by report_text_lines.
  std::string text;

  // Decoded by kind (the others keep their defaults).
  ExecutionReport execution_report;
  CancelReject cancel_reject;
  BusinessReject business_reject;
  SessionReject session_reject;  ///< cl_ord_id filled from an earlier D/F/G/H of the log
  /// W/X: one update per symbol touched and per trade entry, from a top-of-book kept per session
  /// across the file (as live; a Logon in the session clears it, as the initiator does).
  std::vector<MarketDataUpdate> market_data;
  NewOrder new_order;
  CancelRequest cancel_request;
  ReplaceRequest replace_request;
  StatusRequest status_request;
};

/// Counts over what has been read so far.
struct FixLogStats {
  std::uint64_t lines = 0;       ///< lines read
  std::uint64_t messages = 0;    ///< entries with a kind other than kInvalid
  std::uint64_t invalid = 0;     ///< kInvalid entries
  std::uint64_t with_error = 0;  ///< entries with a non-empty error (kInvalid included)
  std::uint64_t text_lines = 0;  ///< non-blank lines with no FIX message on them
};

/// Reads one log file, one entry at a time, in file order. Not thread-safe (one reader per
/// thread); memory stays bounded by the longest message, the market-data books and a map of
/// ClOrdIDs by (session, sender, MsgSeqNum) for session rejects.
class FixLogReader {
 public:
  FixLogReader();
  ~FixLogReader();
  FixLogReader(const FixLogReader&) = delete;
  FixLogReader& operator=(const FixLogReader&) = delete;

  /// Opens `path`. False with `error` ("<path>: cannot open: <reason>") when it cannot be read.
  bool open(const std::string& path, const FixLogOptions& options, std::string& error);
  /// The next entry; false at the end of the file or after a read error (then io_error() says
  /// which). Entries with errors are returned like the others.
  bool next(FixLogEntry& out);
  /// A read error that ended reading early; empty at a clean end of file.
  const std::string& io_error() const;
  /// Session ids by session number (see FixLogEntry::session_id).
  const std::vector<std::string>& sessions() const;
  FixLogStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reads the whole file into `out` (appended). False only when the file cannot be opened or read
/// (`error` set); bad messages are entries with errors, as with FixLogReader.
bool read_fix_log(const std::string& path, const FixLogOptions& options,
                  std::vector<FixLogEntry>& out, std::string& error);

/// The value of the first `tag` field in entry.text (repeating groups are not told apart; a '|'
/// inside a value cannot be told from a delimiter). False when absent.
bool fix_log_field(const FixLogEntry& entry, int tag, std::string& value);

}  // namespace fix
}  // namespace ballast
