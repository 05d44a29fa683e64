// Internals of the FIX log reader (fix_log.hpp), shared by its files:
//   fix_log.cpp          the public API (FixLogReader, read_fix_log, fix_log_field, to_string)
//   fix_log_text.cpp     tag and message names, excerpts and redaction of text shown in errors
//   fix_log_layout.cpp   reading lines, recognising log layouts (QuickFIX FileLog, broker-sim,
//                        plain), framing messages across lines, sessions, time and direction
//   fix_log_message.cpp  one framed message: fields, BeginString, BodyLength, CheckSum, header
//   fix_log_decode.cpp   decoding a message into Ballast's structures (the live codec for
//                        8/9/j/3/Y/W/X, the same rules for D/F/G/H), required fields per version
// C++14 (QuickFIX headers): see /work/shared/docs/QUICKFIX_NOTES.md.
#pragma once

#include <quickfix/Message.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ballast/fix/fix_log.hpp"
#include "ballast/fix/fix_messages.hpp"
#include "common/fix_codec.hpp"

namespace ballast {
namespace fix {
namespace fixlog {

const char kSoh = '\x01';

// ------------------------------------------------------------------- text (fix_log_text.cpp)

/// "Account" for 1, ...; nullptr for a tag without a name here.
const char* tag_name(int tag);
/// "ClOrdID (11)", or "tag 9999".
std::string tag_label(int tag);
/// "NewOrderSingle" for "D", ...; "message" for an unknown type.
const char* msg_name(const std::string& type);
/// What a bad value was expected to be (for codec/decoder exceptions naming a tag).
std::string expected_format(int tag);
/// A value or a piece of text shown in an error: short, control bytes as \xHH, and never the
/// value of Username (553) or Password (554).
std::string excerpt(const std::string& s, std::size_t max = 40);
bool is_digit(char c);
/// True when s[from..] is non-empty and all digits.
bool all_digits(const std::string& s, std::size_t from = 0);
/// Without leading and trailing blanks and tabs.
std::string trim(const std::string& s);
/// The problems of one message joined with "; ".
std::string join(const std::vector<std::string>& v);
/// A fragment of an incomplete message, or a line of text, for FixLogEntry::text and error
/// texts: SOH as '|', control bytes as \xHH, and every 553=/554= value (up to the next
/// delimiter or blank) as "***".
std::string redact_fragment(const std::string& raw);

// --------------------------------------------------------------- layouts (fix_log_layout.cpp)

/// Where a FIX message starts in `s` at or after `from`: "8=FIX" at the start or after a
/// character that is not a digit (so "58=FIX..." in a value is not a start).
std::size_t find_start(const std::string& s, std::size_t from);

enum class Ver { kUnknown, k40, k41, k42, k43, k44, kT11 };

/// The version of a BeginString; `lenient` also takes "FIX4.n".
Ver version_of(const std::string& begin, bool lenient);

/// Lines of a file with fread, '\n' (and a '\r' before it) removed; a line longer than `max`
/// is returned cut, with `too_long` set, and the rest of it skipped.
class LineInput {
 public:
  ~LineInput() { close(); }
  bool open(const std::string& path, std::string& error);
  void close();
  /// False at the end of the file or on a read error (then `error` is set).
  bool next(std::string& line, bool& too_long, std::size_t max, std::string& error);

 private:
  std::FILE* f_ = nullptr;
  char buf_[1 << 16];
  std::size_t pos_ = 0, len_ = 0;
};

enum class Layout { kPlain, kQuickFix, kBrokerSim };

struct PrefixInfo {
  Layout layout = Layout::kPlain;
  std::int64_t time_ns = 0;
  bool broker_sim_in = false;
  std::string session;  // broker-sim's session column
};

/// `20260101-14:30:00.123456789 : ` (QuickFIX FileLog) or `<ns> <IN|OUT> <session> ` (broker-sim).
PrefixInfo classify_prefix(const std::string& prefix);

/// broker-sim writes control bytes other than SOH as \xHH: undo exactly those.
std::string unescape_controls(const std::string& s);

// -------------------------------------------------------------- decoding (fix_log_decode.cpp)

struct Field {
  int tag = 0;
  std::string value;
};

/// Required top-level fields of `type` in version `v`; nullptr when none are listed.
const std::vector<int>* required_for(Ver v, const std::string& type);

FixLogKind kind_of(const std::string& msg_type);

}  // namespace fixlog

// ================================================================================== reader

struct FixLogReader::Impl {
  using Field = fixlog::Field;
  using Layout = fixlog::Layout;
  using PrefixInfo = fixlog::PrefixInfo;
  using Ver = fixlog::Ver;

  FixLogOptions opt;
  std::string path;
  fixlog::LineInput in;
  std::string io_error;
  std::uint64_t line_no = 0;
  bool eof = false;
  FixLogStats stats;
  std::deque<FixLogEntry> ready;

  // A message started but not complete yet.
  struct Pending {
    bool active = false;
    std::string buf;  // raw bytes from "8=" on, lines joined
    std::uint64_t first_line = 0, last_line = 0;
    int lines = 0;
    std::string prefix;
    char delim = 0;        // 0: not known yet
    std::size_t scan = 0;  // next field start in buf
  } pending;

  // Sessions.
  std::map<std::string, std::uint16_t> session_index;
  std::vector<std::string> sessions;
  std::map<std::uint16_t, codec::TopOfBook> books;
  // ClOrdID of D/F/G/H by (session, sender, MsgSeqNum), for session rejects.
  std::map<std::pair<std::uint16_t, std::string>, std::unordered_map<std::uint64_t, std::string>>
      sent_ids;

  std::string where(std::uint64_t line) const { return path + ":" + std::to_string(line) + ": "; }

  // ------------------------------------------------------------ entries (fix_log_message.cpp)
  void emit(FixLogEntry&& e);
  void emit_error(std::uint64_t first, std::uint64_t last, const std::string& prefix,
                  const std::string& what, const std::string& text = std::string());
  /// One complete message (pending's lines, prefix and delimiter): checked, decoded, emitted.
  void finish(std::string raw);

  // -------------------------------------------- framing and layouts (fix_log_layout.cpp)
  /// time_ns/time_source and direction from the line prefix, SendingTime and the comp ids.
  void set_time_and_direction(FixLogEntry& e, const PrefixInfo& pi) const;
  /// Advances pending.scan over complete fields; true when the CheckSum field ends the message
  /// (`end` = one past it, including its delimiter when there is one). The buffer ends at the end
  /// of a line, so a last field "10=nnn" without a delimiter also ends the message.
  bool try_complete(std::size_t& end);
  void process_line(const std::string& line, bool too_long);
  void finish_file();
  /// The session number of a message (by BeginString and the pair of comp ids).
  std::uint16_t session_of(const FixLogEntry& e, const PrefixInfo& pi);
  /// Reads lines until an entry is ready or the file ends.
  bool fill();

  // ------------------------------------------------------------ decoding (fix_log_decode.cpp)
  /// Builds a FIX::Message: header fields into the header, a NoMDEntries (268) group split at
  /// its first field (the delimiter) when `group` is set, the rest into the body (first
  /// occurrence of a tag wins: later ones belong to repeating groups Ballast does not read).
  static void build(const std::vector<Field>& body, bool group, FIX::Message& m);
  /// Checks the required fields and decodes `body` (without 8, 9, 10) into `e`; what is wrong
  /// goes to `problems`.
  void decode(FixLogEntry& e, Ver ver, std::vector<Field> body, std::vector<std::string>& problems);
  static void reset_decoded(FixLogEntry& e);
  /// Checks each NoMDEntries entry with the decoder's rules and drops entries that would stop
  /// the whole message from decoding (bad number, bad time, X entry with no symbol to go by).
  static void check_md_entries(const std::string& type, std::vector<Field>& body,
                               std::vector<std::string>& problems);
  void decode_message(FixLogEntry& e, const FIX::Message& m, bool scratch);
  /// The ClOrdID of a D/F/G/H by (session, sender, MsgSeqNum), for a later session Reject.
  void remember(const FixLogEntry& e, const char* cl_ord_id);
};

}  // namespace fix
}  // namespace ballast
