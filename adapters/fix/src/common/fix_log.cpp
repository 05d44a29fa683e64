// Reading recorded FIX logs (see fix_log.hpp and docs/fix.md, "Reading recorded FIX logs").
//
// Two stages:
//  1. Framing, by hand: find "8=FIX" on a line (after any prefix), join continuation lines until
//     the CheckSum (10) field, split into fields, check BeginString, BodyLength and CheckSum. A
//     hand framer because QuickFIX's parser needs one message in one string with SOH delimiters
//     and reports problems as bare exceptions; logs have prefixes, '|' delimiters, line breaks
//     inside messages and hand-edited lengths, and every problem must name the file and line.
//  2. Decoding, with QuickFIX: the fields are put into a FIX::Message and decoded by the live
//     initiator's own codec (session/fix_codec.hpp: codec::parse for 8/9/j/3/Y and
//     codec::TopOfBook for W/X), so exact decimals, text limits, the PossDup rule and the
//     top-of-book logic are the same code a live session runs. D/F/G/H (which the initiator only
//     builds) are decoded here with the same rules.
#include "ballast/fix/fix_log.hpp"

#include <quickfix/Exceptions.h>
#include <quickfix/Group.h>
#include <quickfix/Message.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <unordered_map>
#include <utility>

#include "ballast/fix/fix_decimal.hpp"
#include "session/fix_codec.hpp"

namespace ballast {
namespace fix {

const char* to_string(FixLogKind kind) noexcept {
  switch (kind) {
    case FixLogKind::kInvalid:
      return "invalid";
    case FixLogKind::kSession:
      return "session";
    case FixLogKind::kExecutionReport:
      return "execution_report";
    case FixLogKind::kCancelReject:
      return "cancel_reject";
    case FixLogKind::kBusinessReject:
      return "business_reject";
    case FixLogKind::kSessionReject:
      return "session_reject";
    case FixLogKind::kMarketData:
      return "market_data";
    case FixLogKind::kNewOrder:
      return "new_order";
    case FixLogKind::kCancelRequest:
      return "cancel_request";
    case FixLogKind::kReplaceRequest:
      return "replace_request";
    case FixLogKind::kStatusRequest:
      return "status_request";
    case FixLogKind::kOther:
      return "other";
  }
  return "?";
}

const char* to_string(FixLogDirection direction) noexcept {
  switch (direction) {
    case FixLogDirection::kUnknown:
      return "unknown";
    case FixLogDirection::kReceived:
      return "received";
    case FixLogDirection::kSent:
      return "sent";
  }
  return "?";
}

const char* to_string(FixLogTimeSource source) noexcept {
  switch (source) {
    case FixLogTimeSource::kNone:
      return "none";
    case FixLogTimeSource::kQuickFixLog:
      return "quickfix_log";
    case FixLogTimeSource::kBrokerSimTape:
      return "broker_sim_tape";
    case FixLogTimeSource::kSendingTime:
      return "sending_time";
  }
  return "?";
}

namespace {

const char kSoh = '\x01';

// ------------------------------------------------------------------------------------ names

const char* tag_name(int tag) {
  static const std::map<int, const char*> names = {{1, "Account"},
                                                   {6, "AvgPx"},
                                                   {8, "BeginString"},
                                                   {9, "BodyLength"},
                                                   {10, "CheckSum"},
                                                   {11, "ClOrdID"},
                                                   {14, "CumQty"},
                                                   {17, "ExecID"},
                                                   {19, "ExecRefID"},
                                                   {20, "ExecTransType"},
                                                   {21, "HandlInst"},
                                                   {31, "LastPx"},
                                                   {32, "LastQty"},
                                                   {34, "MsgSeqNum"},
                                                   {35, "MsgType"},
                                                   {37, "OrderID"},
                                                   {38, "OrderQty"},
                                                   {39, "OrdStatus"},
                                                   {40, "OrdType"},
                                                   {41, "OrigClOrdID"},
                                                   {43, "PossDupFlag"},
                                                   {44, "Price"},
                                                   {45, "RefSeqNum"},
                                                   {48, "SecurityID"},
                                                   {49, "SenderCompID"},
                                                   {52, "SendingTime"},
                                                   {54, "Side"},
                                                   {55, "Symbol"},
                                                   {56, "TargetCompID"},
                                                   {58, "Text"},
                                                   {59, "TimeInForce"},
                                                   {60, "TransactTime"},
                                                   {97, "PossResend"},
                                                   {102, "CxlRejReason"},
                                                   {125, "CxlType"},
                                                   {150, "ExecType"},
                                                   {151, "LeavesQty"},
                                                   {262, "MDReqID"},
                                                   {268, "NoMDEntries"},
                                                   {269, "MDEntryType"},
                                                   {270, "MDEntryPx"},
                                                   {271, "MDEntrySize"},
                                                   {272, "MDEntryDate"},
                                                   {273, "MDEntryTime"},
                                                   {279, "MDUpdateAction"},
                                                   {281, "MDReqRejReason"},
                                                   {371, "RefTagID"},
                                                   {372, "RefMsgType"},
                                                   {373, "SessionRejectReason"},
                                                   {379, "BusinessRejectRefID"},
                                                   {380, "BusinessRejectReason"},
                                                   {434, "CxlRejResponseTo"},
                                                   {553, "Username"},
                                                   {554, "Password"}};
  auto it = names.find(tag);
  return it != names.end() ? it->second : nullptr;
}

std::string tag_label(int tag) {
  const char* n = tag_name(tag);
  return n != nullptr ? std::string(n) + " (" + std::to_string(tag) + ")"
                      : "tag " + std::to_string(tag);
}

const char* msg_name(const std::string& type) {
  static const std::map<std::string, const char*> names = {
      {"0", "Heartbeat"},
      {"1", "TestRequest"},
      {"2", "ResendRequest"},
      {"3", "Reject"},
      {"4", "SequenceReset"},
      {"5", "Logout"},
      {"8", "ExecutionReport"},
      {"9", "OrderCancelReject"},
      {"A", "Logon"},
      {"D", "NewOrderSingle"},
      {"F", "OrderCancelRequest"},
      {"G", "OrderCancelReplaceRequest"},
      {"H", "OrderStatusRequest"},
      {"W", "MarketDataSnapshotFullRefresh"},
      {"X", "MarketDataIncrementalRefresh"},
      {"Y", "MarketDataRequestReject"},
      {"j", "BusinessMessageReject"},
  };
  auto it = names.find(type);
  return it != names.end() ? it->second : "message";
}

// What a bad value was expected to be (for codec/decoder exceptions naming a tag).
std::string expected_format(int tag) {
  switch (tag) {
    case 31:
    case 6:
    case 44:
    case 270:
      return "a plain decimal with at most 9 decimals (a price)";
    case 38:
    case 32:
    case 14:
    case 151:
    case 271:
      return "a plain decimal with at most 6 decimals (a quantity)";
    case 20:
    case 150:
    case 39:
    case 54:
    case 40:
    case 59:
    case 434:
    case 269:
    case 279:
      return "a single character";
    case 45:
    case 102:
    case 371:
    case 373:
    case 380:
      return "a non-negative integer of at most 9 digits";
    case 60:
    case 52:
      return "a UTCTimestamp (YYYYMMDD-HH:MM:SS[.fff])";
    case 272:
      return "a UTCDateOnly (YYYYMMDD)";
    case 273:
      return "a UTCTimeOnly (HH:MM:SS[.fff])";
    default:
      return "a valid value";
  }
}

// A value or a piece of text shown in an error: short, control bytes as \xHH, and never the
// value of Username (553) or Password (554).
std::string excerpt(const std::string& s, std::size_t max = 40) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof(buf), "\\x%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_digits(const std::string& s, std::size_t from = 0) {
  if (s.size() <= from) return false;
  for (std::size_t i = from; i < s.size(); ++i) {
    if (!is_digit(s[i])) return false;
  }
  return true;
}

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

/// Where a FIX message starts in `s` at or after `from`: "8=FIX" at the start or after a
/// character that is not a digit (so "58=FIX..." in a value is not a start).
std::size_t find_start(const std::string& s, std::size_t from) {
  std::size_t p = from;
  while ((p = s.find("8=FIX", p)) != std::string::npos) {
    if (p == 0 || !is_digit(s[p - 1])) return p;
    ++p;
  }
  return std::string::npos;
}

// ------------------------------------------------------------------------------- versions

enum class Ver { kUnknown, k40, k41, k42, k43, k44, kT11 };

Ver version_of(const std::string& begin, bool lenient) {
  if (begin == "FIX.4.0") return Ver::k40;
  if (begin == "FIX.4.1") return Ver::k41;
  if (begin == "FIX.4.2") return Ver::k42;
  if (begin == "FIX.4.3") return Ver::k43;
  if (begin == "FIX.4.4") return Ver::k44;
  if (begin == "FIXT.1.1") return Ver::kT11;
  if (lenient && begin.size() == 6 && begin.compare(0, 4, "FIX4") == 0 && begin[4] == '.') {
    switch (begin[5]) {
      case '0':
        return Ver::k40;
      case '1':
        return Ver::k41;
      case '2':
        return Ver::k42;
      case '3':
        return Ver::k43;
      case '4':
        return Ver::k44;
      default:
        break;
    }
  }
  return Ver::kUnknown;
}

// Required top-level fields per version and MsgType, from the FIX40..FIX44 and FIX50 (for
// FIXT.1.1) QuickFIX dictionaries in ../shared/data/fix/dictionaries_quickfix (components and
// groups marked required included; fields inside groups: see kEntryRequired below).
struct Required {
  Ver ver;
  const char* type;
  std::vector<int> tags;
};
const std::vector<Required>& required_table() {
  static const std::vector<Required> t = {
      {Ver::k40, "3", {45}},
      {Ver::k40, "8", {37, 17, 20, 39, 55, 54, 38, 32, 31, 14, 6}},
      {Ver::k40, "9", {37, 11}},
      {Ver::k40, "D", {11, 21, 55, 54, 38, 40}},
      {Ver::k40, "F", {41, 11, 125, 55, 54, 38}},
      {Ver::k40, "G", {41, 11, 21, 55, 54, 38, 40}},
      {Ver::k40, "H", {11, 55, 54}},
      {Ver::k41, "3", {45}},
      {Ver::k41, "8", {37, 17, 20, 150, 39, 55, 54, 38, 32, 31, 151, 14, 6}},
      {Ver::k41, "9", {37, 11, 41, 39}},
      {Ver::k41, "D", {11, 21, 55, 54, 40}},
      {Ver::k41, "F", {41, 11, 55, 54}},
      {Ver::k41, "G", {41, 11, 21, 55, 54, 40}},
      {Ver::k41, "H", {11, 55, 54}},
      {Ver::k42, "3", {45}},
      {Ver::k42, "8", {37, 17, 20, 150, 39, 55, 54, 151, 14, 6}},
      {Ver::k42, "9", {37, 11, 41, 39, 434}},
      {Ver::k42, "D", {11, 21, 55, 54, 60, 40}},
      {Ver::k42, "F", {41, 11, 55, 54, 60}},
      {Ver::k42, "G", {41, 11, 21, 55, 54, 60, 40}},
      {Ver::k42, "H", {11, 55, 54}},
      {Ver::k42, "W", {55, 268}},
      {Ver::k42, "X", {268}},
      {Ver::k42, "j", {372, 380}},
      {Ver::k43, "3", {45}},
      {Ver::k43, "8", {37, 17, 150, 39, 54, 151, 14, 6}},
      {Ver::k43, "9", {37, 11, 41, 39, 434}},
      {Ver::k43, "D", {11, 21, 54, 60, 40}},
      {Ver::k43, "F", {41, 11, 54, 60}},
      {Ver::k43, "G", {41, 11, 21, 54, 60, 40}},
      {Ver::k43, "H", {11, 54}},
      {Ver::k43, "W", {268}},
      {Ver::k43, "X", {268}},
      {Ver::k43, "j", {372, 380}},
      {Ver::k44, "3", {45}},
      {Ver::k44, "8", {37, 17, 150, 39, 54, 151, 14, 6}},
      {Ver::k44, "9", {37, 11, 41, 39, 434}},
      {Ver::k44, "D", {11, 54, 60, 40}},
      {Ver::k44, "F", {41, 11, 54, 60}},
      {Ver::k44, "G", {41, 11, 54, 60, 40}},
      {Ver::k44, "H", {11, 54}},
      {Ver::k44, "W", {268}},
      {Ver::k44, "X", {268}},
      {Ver::k44, "j", {372, 380}},
      {Ver::kT11, "3", {45}},
      {Ver::kT11, "8", {37, 17, 150, 39, 54, 151, 14}},
      {Ver::kT11, "9", {37, 11, 41, 39, 434}},
      {Ver::kT11, "D", {11, 54, 60, 40}},
      {Ver::kT11, "F", {41, 11, 54, 60}},
      {Ver::kT11, "G", {41, 11, 54, 60, 40}},
      {Ver::kT11, "H", {11, 54}},
      {Ver::kT11, "W", {268}},
      {Ver::kT11, "X", {268}},
      {Ver::kT11, "j", {372, 380}},
  };
  return t;
}

const std::vector<int>* required_for(Ver v, const std::string& type) {
  for (const Required& r : required_table()) {
    if (r.ver == v && type == r.type) return &r.tags;
  }
  return nullptr;
}

// ------------------------------------------------------------------------------- fields

struct Field {
  int tag = 0;
  std::string value;
};

/// A framed message: the fields (8, 9, ..., 10) and where the body starts / 10 starts in the
/// raw bytes, for the BodyLength and CheckSum checks.
struct Framed {
  std::vector<Field> fields;
  char delim = kSoh;
};

bool is_session_type(const std::string& t) {
  return t == "A" || t == "0" || t == "1" || t == "2" || t == "4" || t == "5";
}

FixLogKind kind_of(const std::string& t) {
  if (is_session_type(t)) return FixLogKind::kSession;
  if (t == "8") return FixLogKind::kExecutionReport;
  if (t == "9") return FixLogKind::kCancelReject;
  if (t == "j" || t == "Y") return FixLogKind::kBusinessReject;
  if (t == "3") return FixLogKind::kSessionReject;
  if (t == "W" || t == "X") return FixLogKind::kMarketData;
  if (t == "D") return FixLogKind::kNewOrder;
  if (t == "F") return FixLogKind::kCancelRequest;
  if (t == "G") return FixLogKind::kReplaceRequest;
  if (t == "H") return FixLogKind::kStatusRequest;
  return FixLogKind::kOther;
}

// ------------------------------------------- D/F/G/H decoding (same rules as the codec's)

template <std::size_t N>
void get_id(const FIX::FieldMap& m, int tag, char (&dst)[N]) {
  dst[0] = '\0';
  if (!m.isSetField(tag)) return;
  if (!set_text(dst, m.getField(tag))) throw FIX::IncorrectTagValue(tag);
}

char get_char(const FIX::FieldMap& m, int tag, char dflt) {
  if (!m.isSetField(tag)) return dflt;
  const std::string& v = m.getField(tag);
  if (v.size() != 1) throw FIX::IncorrectDataFormat(tag);
  return v[0];
}

std::int64_t get_decimal(const FIX::FieldMap& m, int tag, int decimals) {
  if (!m.isSetField(tag)) return 0;
  std::int64_t raw = 0;
  if (!parse_decimal(m.getField(tag), decimals, raw)) throw FIX::IncorrectDataFormat(tag);
  return raw;
}

std::int64_t get_time(const FIX::FieldMap& m, int tag) {
  if (!m.isSetField(tag)) return 0;
  const std::string& v = m.getField(tag);
  std::int64_t ns = 0;
  if (!parse_utc_timestamp(v.data(), v.size(), ns)) throw FIX::IncorrectDataFormat(tag);
  return ns;
}

void parse_order(const FIX::Message& m, NewOrder& o) {
  o = NewOrder{};
  get_id(m, 11, o.cl_ord_id);
  get_id(m, 1, o.account);
  get_id(m, 55, o.symbol);
  o.side = get_char(m, 54, '1');
  o.ord_type = get_char(m, 40, '2');
  o.time_in_force = get_char(m, 59, '0');
  o.qty = get_decimal(m, 38, kQtyDecimals);
  o.price = get_decimal(m, 44, kPriceDecimals);
  o.transact_time_ns = get_time(m, 60);
}

void parse_cancel(const FIX::Message& m, CancelRequest& o) {
  o = CancelRequest{};
  get_id(m, 11, o.cl_ord_id);
  get_id(m, 41, o.orig_cl_ord_id);
  get_id(m, 1, o.account);
  get_id(m, 55, o.symbol);
  o.side = get_char(m, 54, '1');
  o.qty = get_decimal(m, 38, kQtyDecimals);
  o.transact_time_ns = get_time(m, 60);
}

void parse_replace(const FIX::Message& m, ReplaceRequest& o) {
  o = ReplaceRequest{};
  get_id(m, 11, o.cl_ord_id);
  get_id(m, 41, o.orig_cl_ord_id);
  get_id(m, 1, o.account);
  get_id(m, 55, o.symbol);
  o.side = get_char(m, 54, '1');
  o.ord_type = get_char(m, 40, '2');
  o.time_in_force = get_char(m, 59, '0');
  o.qty = get_decimal(m, 38, kQtyDecimals);
  o.price = get_decimal(m, 44, kPriceDecimals);
  o.transact_time_ns = get_time(m, 60);
}

void parse_status(const FIX::Message& m, StatusRequest& o) {
  o = StatusRequest{};
  get_id(m, 11, o.cl_ord_id);
  get_id(m, 55, o.symbol);
  o.side = get_char(m, 54, '1');
}

// ------------------------------------------------------------------------------ line input

/// Lines of a file with fread, '\n' (and a '\r' before it) removed; a line longer than `max`
/// is returned cut, with `too_long` set, and the rest of it skipped.
class LineInput {
 public:
  ~LineInput() { close(); }
  bool open(const std::string& path, std::string& error) {
    f_ = std::fopen(path.c_str(), "rb");
    if (f_ == nullptr) {
      error = path + ": cannot open: " + std::strerror(errno);
      return false;
    }
    return true;
  }
  void close() {
    if (f_ != nullptr) std::fclose(f_);
    f_ = nullptr;
  }
  /// False at the end of the file or on a read error (then `error` is set).
  bool next(std::string& line, bool& too_long, std::size_t max, std::string& error) {
    line.clear();
    too_long = false;
    bool any = false;
    for (;;) {
      if (pos_ == len_) {
        if (f_ == nullptr) break;
        len_ = std::fread(buf_, 1, sizeof(buf_), f_);
        pos_ = 0;
        if (len_ == 0) {
          if (std::ferror(f_)) error = std::string("read error: ") + std::strerror(errno);
          close();
          break;
        }
      }
      any = true;
      const char* start = buf_ + pos_;
      const void* nl = std::memchr(start, '\n', len_ - pos_);
      const std::size_t n = nl != nullptr
                                ? static_cast<std::size_t>(static_cast<const char*>(nl) - start)
                                : len_ - pos_;
      if (!too_long) {
        const std::size_t room = max > line.size() ? max - line.size() : 0;
        if (n > room) {
          line.append(start, room);
          too_long = true;
        } else {
          line.append(start, n);
        }
      }
      pos_ += n;
      if (nl != nullptr) {
        ++pos_;
        break;
      }
    }
    if (!any) return false;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  }

 private:
  std::FILE* f_ = nullptr;
  char buf_[1 << 16];
  std::size_t pos_ = 0, len_ = 0;
};

// ----------------------------------------------------------------------------- prefixes

enum class Layout { kPlain, kQuickFix, kBrokerSim };

struct PrefixInfo {
  Layout layout = Layout::kPlain;
  std::int64_t time_ns = 0;
  bool broker_sim_in = false;
  std::string session;  // broker-sim's session column
};

// `20260101-14:30:00.123456789 : ` (QuickFIX FileLog) or `<ns> <IN|OUT> <session> ` (broker-sim).
PrefixInfo classify_prefix(const std::string& prefix) {
  PrefixInfo info;
  const std::string p = trim(prefix);
  // QuickFIX FileLog
  if (p.size() >= 19 && p.compare(p.size() - 2, 2, " :") == 0) {
    const std::string ts = p.substr(0, p.size() - 2);
    std::int64_t ns = 0;
    if (parse_utc_timestamp(ts.data(), ts.size(), ns)) {
      info.layout = Layout::kQuickFix;
      info.time_ns = ns;
      return info;
    }
  }
  // broker-sim: three space-separated columns
  const std::size_t s1 = p.find(' ');
  if (s1 == std::string::npos) return info;
  const std::size_t s2 = p.find(' ', s1 + 1);
  if (s2 == std::string::npos || p.find(' ', s2 + 1) != std::string::npos) return info;
  const std::string t = p.substr(0, s1), dir = p.substr(s1 + 1, s2 - s1 - 1),
                    sess = p.substr(s2 + 1);
  const std::size_t digits_from = !t.empty() && t[0] == '-' ? 1 : 0;
  if (!all_digits(t, digits_from) || t.size() > 20 || (dir != "IN" && dir != "OUT") ||
      sess.empty()) {
    return info;
  }
  errno = 0;
  const long long v = std::strtoll(t.c_str(), nullptr, 10);
  if (errno != 0) return info;
  info.layout = Layout::kBrokerSim;
  info.time_ns = v;
  info.broker_sim_in = dir == "IN";
  info.session = sess;
  return info;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// broker-sim writes control bytes other than SOH as \xHH: undo exactly those.
std::string unescape_controls(const std::string& s) {
  if (s.find("\\x") == std::string::npos) return s;
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x' && hex_value(s[i + 2]) >= 0 &&
        hex_value(s[i + 3]) >= 0) {
      const int v = hex_value(s[i + 2]) * 16 + hex_value(s[i + 3]);
      if (v < 0x20 || v == 0x7f) {
        out += static_cast<char>(v);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace

// ================================================================================== reader

struct FixLogReader::Impl {
  FixLogOptions opt;
  std::string path;
  LineInput in;
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

  void emit(FixLogEntry&& e) {
    if (e.kind == FixLogKind::kInvalid) {
      ++stats.invalid;
    } else {
      ++stats.messages;
    }
    if (!e.error.empty()) ++stats.with_error;
    ready.push_back(std::move(e));
  }

  void emit_error(std::uint64_t first, std::uint64_t last, const std::string& prefix,
                  const std::string& what, const std::string& text = std::string()) {
    FixLogEntry e;
    e.line = first;
    e.last_line = last;
    e.kind = FixLogKind::kInvalid;
    e.prefix = trim(prefix);
    e.text = text;
    e.error = where(first) + what;
    const PrefixInfo pi = classify_prefix(prefix);
    set_time_and_direction(e, pi);
    emit(std::move(e));
  }

  /// time_ns/time_source and direction from the line prefix, SendingTime and the comp ids.
  void set_time_and_direction(FixLogEntry& e, const PrefixInfo& pi) const {
    if (pi.layout == Layout::kQuickFix) {
      e.time_ns = pi.time_ns;
      e.time_source = FixLogTimeSource::kQuickFixLog;
    } else if (pi.layout == Layout::kBrokerSim) {
      e.time_ns = pi.time_ns;
      e.time_source = FixLogTimeSource::kBrokerSimTape;
    } else if (e.sending_time_ns != 0) {
      e.time_ns = e.sending_time_ns;
      e.time_source = FixLogTimeSource::kSendingTime;
    }
    if (!opt.our_comp_id.empty()) {
      if (!e.sender_comp_id.empty() && e.sender_comp_id == opt.our_comp_id) {
        e.direction = FixLogDirection::kSent;
      } else if (!e.target_comp_id.empty() && e.target_comp_id == opt.our_comp_id) {
        e.direction = FixLogDirection::kReceived;
      }
    } else if (pi.layout == Layout::kBrokerSim) {
      e.direction = pi.broker_sim_in ? FixLogDirection::kReceived : FixLogDirection::kSent;
    }
  }

  // --------------------------------------------------------------------------- framing

  /// Advances pending.scan over complete fields; true when the CheckSum field ends the message
  /// (`end` = one past it, including its delimiter when there is one). The buffer ends at the end
  /// of a line, so a last field "10=nnn" without a delimiter also ends the message.
  bool try_complete(std::size_t& end) {
    Pending& p = pending;
    if (p.delim == 0) {
      const std::size_t d = p.buf.find_first_of(std::string("\x01|", 2));
      if (d == std::string::npos) return false;
      p.delim = p.buf[d];
    }
    for (;;) {
      const std::size_t d = p.buf.find(p.delim, p.scan);
      if (d == std::string::npos) {
        // the rest of the line: a CheckSum without a delimiter after it ends the message
        if (p.buf.compare(p.scan, 3, "10=") == 0 && p.buf.size() > p.scan + 3 &&
            all_digits(p.buf.substr(p.scan + 3))) {
          end = p.buf.size();
          return true;
        }
        return false;
      }
      if (p.buf.compare(p.scan, 3, "10=") == 0 && p.scan > 0) {
        end = d + 1;
        return true;
      }
      p.scan = d + 1;
    }
  }

  void process_line(const std::string& line, bool too_long) {
    if (too_long) {
      if (pending.active) {
        emit_error(pending.first_line, line_no, pending.prefix,
                   "message cut off: line " + std::to_string(line_no) + " is longer than " +
                       std::to_string(opt.max_line_bytes) + " bytes (max_line_bytes)");
        pending = Pending{};
      } else {
        emit_error(line_no, line_no, "",
                   "line longer than " + std::to_string(opt.max_line_bytes) +
                       " bytes (max_line_bytes); skipped");
      }
      return;
    }
    std::string rest;
    bool continued = false;  // the line went into a message begun on an earlier line
    if (pending.active) {
      if (find_start(line, 0) != std::string::npos) {
        // a new message begins before the pending one ended
        emit_error(pending.first_line, pending.last_line, pending.prefix,
                   "message ends without CheckSum (10): expected 10=nnn before the next "
                   "message on line " +
                       std::to_string(line_no),
                   redact_fragment(pending.buf));
        pending = Pending{};
        rest = line;
      } else {
        continued = true;
        if (pending.buf.size() + line.size() > opt.max_line_bytes) {
          emit_error(pending.first_line, line_no, pending.prefix,
                     "message longer than " + std::to_string(opt.max_line_bytes) +
                         " bytes (max_line_bytes) without CheckSum (10)");
          pending = Pending{};
          return;
        }
        pending.buf += line;
        pending.last_line = line_no;
        ++pending.lines;
        std::size_t end = 0;
        if (!try_complete(end)) {
          if (pending.lines >= opt.max_lines_per_message) {
            emit_error(pending.first_line, pending.last_line, pending.prefix,
                       "message ends without CheckSum (10) after " + std::to_string(pending.lines) +
                           " lines (max_lines_per_message): expected 10=nnn",
                       redact_fragment(pending.buf));
            pending = Pending{};
          }
          return;
        }
        rest = pending.buf.substr(end);
        finish(pending.buf.substr(0, end));
        pending = Pending{};
      }
    } else {
      rest = line;
    }

    bool found = false;
    for (;;) {
      const std::size_t s = find_start(rest, 0);
      if (s == std::string::npos) break;
      found = true;
      pending = Pending{};
      pending.active = true;
      pending.prefix = rest.substr(0, s);
      pending.buf = rest.substr(s);
      pending.first_line = pending.last_line = line_no;
      pending.lines = 1;
      std::size_t end = 0;
      if (!try_complete(end)) return;  // continues on the next line
      std::string tail = pending.buf.substr(end);
      finish(pending.buf.substr(0, end));
      pending = Pending{};
      rest.swap(tail);
    }
    if (!found && !continued && !trim(line).empty()) {
      ++stats.text_lines;
      if (opt.report_text_lines) {
        emit_error(line_no, line_no, "",
                   "no FIX message on this line (expected 8=FIX... after any prefix): '" +
                       excerpt(redact_fragment(line), 60) + "'");
      }
    }
  }

  void finish_file() {
    if (pending.active) {
      emit_error(pending.first_line, pending.last_line, pending.prefix,
                 "message cut off at the end of the file: expected CheckSum (10)",
                 redact_fragment(pending.buf));
      pending = Pending{};
    }
  }

  // A fragment of an incomplete message, or a line of text, for FixLogEntry::text and error
  // texts: SOH as '|', control bytes as \xHH, and every 553=/554= value (up to the next
  // delimiter or blank) as "***".
  static std::string redact_fragment(const std::string& raw) {
    std::string s = raw;
    for (const char* tag : {"553=", "554="}) {
      std::size_t p = 0;
      while ((p = s.find(tag, p)) != std::string::npos) {
        if (p > 0 && is_digit(s[p - 1])) {
          ++p;
          continue;
        }
        const std::size_t v = p + 4;
        std::size_t end = v;
        while (end < s.size() && s[end] != kSoh && s[end] != '|' && s[end] != ' ' && s[end] != '\t')
          ++end;
        s.replace(v, end - v, "***");
        p = v + 3;
      }
    }
    std::string out;
    for (const char c : s) out += c == kSoh ? std::string("|") : excerpt(std::string(1, c), 1);
    return out;
  }

  // ------------------------------------------------------------------------- one message

  void finish(std::string raw) {
    const std::uint64_t first = pending.first_line, last = pending.last_line;
    const std::string prefix = pending.prefix;
    const char delim = pending.delim;
    const PrefixInfo pi = classify_prefix(prefix);
    if (pi.layout == Layout::kBrokerSim) raw = unescape_controls(raw);

    FixLogEntry e;
    e.line = first;
    e.last_line = last;
    e.prefix = trim(prefix);
    std::vector<std::string> problems;
    bool fatal = false;

    // Split into fields; remember where field 3 starts and where 10= starts (byte offsets).
    std::vector<Field> fields;
    std::vector<std::size_t> starts;
    {
      std::size_t i = 0;
      while (i < raw.size()) {
        std::size_t j = raw.find(delim, i);
        if (j == std::string::npos) j = raw.size();
        const std::string f = raw.substr(i, j - i);
        starts.push_back(i);
        const std::size_t eq = f.find('=');
        Field fld;
        if (eq == std::string::npos || eq == 0 || eq > 9 || !all_digits(f.substr(0, eq))) {
          if (!fatal) {
            const bool secret = f.compare(0, 3, "553") == 0 || f.compare(0, 3, "554") == 0;
            problems.push_back("field " + std::to_string(fields.size() + 1) + " '" +
                               (secret ? f.substr(0, 3) + "..." : excerpt(f, 24)) +
                               "' is not <tag>=<value>");
          }
          fatal = true;
          fld.tag = -1;
        } else {
          fld.tag = std::atoi(f.substr(0, eq).c_str());
          fld.value = f.substr(eq + 1);
        }
        fields.push_back(std::move(fld));
        i = j + 1;
      }
    }

    // Redacted text with '|' delimiters.
    for (const Field& f : fields) {
      if (f.tag < 0) {
        e.text += "?|";
        continue;
      }
      e.text += std::to_string(f.tag);
      e.text += '=';
      e.text +=
          (f.tag == 553 || f.tag == 554) ? std::string("***") : excerpt(f.value, f.value.size());
      e.text += '|';
    }

    // BeginString
    const std::string begin = fields.empty() ? std::string() : fields[0].value;
    e.begin_string = begin;
    const Ver ver = version_of(begin, !opt.check_begin_string);
    if (ver == Ver::kUnknown && opt.check_begin_string) {
      problems.push_back("BeginString (8) '" + excerpt(begin, 24) +
                         "' is not FIX.4.0 .. FIX.4.4 or FIXT.1.1");
      fatal = true;
    }

    // MsgType and BodyLength positions
    int i35 = -1, i9 = -1;
    for (std::size_t k = 0; k < fields.size(); ++k) {
      if (fields[k].tag == 35 && i35 < 0) i35 = static_cast<int>(k);
      if (fields[k].tag == 9 && i9 < 0) i9 = static_cast<int>(k);
    }
    const std::size_t i10 = fields.size() - 1;  // framing ends every message with 10=
    if (i35 < 0) {
      problems.push_back("no MsgType (35): expected 35=<type> as the third field");
      fatal = true;
    } else {
      e.msg_type = fields[static_cast<std::size_t>(i35)].value;
      const int expected = i9 == 1 ? 2 : 1;
      if (i35 != 2 && (opt.check_body_length || i35 != expected)) {
        problems.push_back("MsgType (35) is field " + std::to_string(i35 + 1) +
                           ": expected it third, after BeginString (8) and BodyLength (9)");
        fatal = true;
      }
    }
    // Ballast's own logs (and others) write Username/Password as "***" without fixing
    // BodyLength and CheckSum: such a message cannot be checked, only read.
    bool redacted = false;
    for (const Field& f : fields) {
      if ((f.tag == 553 || f.tag == 554) && f.value == "***") redacted = true;
    }
    if (opt.check_body_length && i9 != 1) {
      problems.push_back("BodyLength (9) is not the second field: expected 8=..., 9=<length>");
      fatal = true;
    }
    if (opt.check_body_length && !redacted && i9 == 1) {
      if (!all_digits(fields[1].value) || fields[1].value.size() > 9) {
        problems.push_back("BodyLength (9) '" + excerpt(fields[1].value) +
                           "' is not a number of bytes");
        fatal = true;
      } else if (fields.size() >= 3) {
        const std::size_t declared = std::strtoull(fields[1].value.c_str(), nullptr, 10);
        const std::size_t actual = starts[i10] - starts[2];
        if (declared != actual) {
          problems.push_back("BodyLength (9) is " + std::to_string(declared) +
                             " but the body (from " +
                             "the field after 9 up to the delimiter before 10) is " +
                             std::to_string(actual) + " bytes");
          fatal = true;
        }
      }
    }
    if (opt.check_checksum && !redacted) {
      const std::string& cs = fields[i10].value;
      unsigned sum = 0;
      for (std::size_t k = 0; k < starts[i10]; ++k) {
        const char c = raw[k] == delim ? kSoh : raw[k];
        sum += static_cast<unsigned char>(c);
      }
      sum %= 256;
      char want[4];
      std::snprintf(want, sizeof(want), "%03u", sum);
      if (cs.size() != 3 || !all_digits(cs)) {
        problems.push_back("CheckSum (10) '" + excerpt(cs, 8) + "' is not three digits: expected " +
                           want);
        fatal = true;
      } else if (cs != want) {
        problems.push_back("CheckSum (10) is " + cs + ", expected " + want +
                           " (the byte sum up to the delimiter before 10, mod 256)");
        fatal = true;
      }
    }

    // Header fields (first occurrence)
    std::string sending;
    bool have_sending = false;
    {
      bool s49 = false, s56 = false, s34 = false;
      for (const Field& f : fields) {
        if (f.tag == 49 && !s49) {
          e.sender_comp_id = f.value;
          s49 = true;
        } else if (f.tag == 56 && !s56) {
          e.target_comp_id = f.value;
          s56 = true;
        } else if (f.tag == 34 && !s34) {
          s34 = true;
          if (all_digits(f.value) && f.value.size() <= 19) {
            e.msg_seq_num = std::strtoull(f.value.c_str(), nullptr, 10);
          } else if (!fatal) {
            problems.push_back("MsgSeqNum (34) '" + excerpt(f.value) + "' is not a number");
          }
        } else if (f.tag == 52 && !have_sending) {
          have_sending = true;
          sending = f.value;
        } else if ((f.tag == 43 || f.tag == 97) && f.value == "Y") {
          e.poss_dup = true;
        }
      }
      if (have_sending && !parse_utc_timestamp(sending.data(), sending.size(), e.sending_time_ns) &&
          !fatal) {
        problems.push_back("SendingTime (52) '" + excerpt(sending) +
                           "' is not a UTCTimestamp (YYYYMMDD-HH:MM:SS[.fff])");
      }
    }

    set_time_and_direction(e, pi);

    if (fatal) {
      e.kind = FixLogKind::kInvalid;
      e.error = where(first) + join(problems);
      emit(std::move(e));
      return;
    }

    // Session
    e.session = session_of(e, pi);
    e.session_id = sessions[e.session];

    e.kind = kind_of(e.msg_type);
    if (e.msg_type == "A") books.erase(e.session);  // as the initiator: snapshots rebuild it
    if (e.kind != FixLogKind::kSession && e.kind != FixLogKind::kOther) {
      // fields 8, 9, 10 are framing; the rest go to the decoder
      std::vector<Field> body;
      for (std::size_t k = 0; k < fields.size(); ++k) {
        if (k == 0 || k == i10 || (static_cast<int>(k) == i9)) continue;
        body.push_back(fields[k]);
      }
      decode(e, ver, body, problems);
    }
    if (!problems.empty()) e.error = where(first) + join(problems);
    emit(std::move(e));
  }

  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v) {
      if (!s.empty()) s += "; ";
      s += x;
    }
    return s;
  }

  std::uint16_t session_of(const FixLogEntry& e, const PrefixInfo& pi) {
    const std::string& a = e.sender_comp_id;
    const std::string& b = e.target_comp_id;
    const std::string key = e.begin_string + '\x01' + (a < b ? a + '\x01' + b : b + '\x01' + a);
    auto it = session_index.find(key);
    if (it != session_index.end()) return it->second;
    std::string id;
    if (!opt.our_comp_id.empty() && a == opt.our_comp_id) {
      id = e.begin_string + ":" + a + "->" + b;
    } else if (!opt.our_comp_id.empty() && b == opt.our_comp_id) {
      id = e.begin_string + ":" + b + "->" + a;
    } else if (pi.layout == Layout::kBrokerSim && pi.session != "-") {
      id = pi.session;
    } else {
      id = e.begin_string + ":" + a + "->" + b;
    }
    const std::uint16_t n = static_cast<std::uint16_t>(sessions.size());
    sessions.push_back(id);
    session_index.emplace(key, n);
    return n;
  }

  // --------------------------------------------------------------------------- decoding

  /// Builds a FIX::Message: header fields into the header, a NoMDEntries (268) group split at
  /// its first field (the delimiter) when `group` is set, the rest into the body (first
  /// occurrence of a tag wins: later ones belong to repeating groups Ballast does not read).
  static void build(const std::vector<Field>& body, bool group, FIX::Message& m) {
    m.clear();
    bool in_group = false;
    int delim = 0;
    std::unique_ptr<FIX::Group> g;
    for (const Field& f : body) {
      if (in_group) {
        if (delim == 0) delim = f.tag;
        if (f.tag == delim) {
          if (g) m.addGroup(*g);
          g.reset(new FIX::Group(268, delim));
        }
        if (!g->isSetField(f.tag)) g->setField(f.tag, f.value);
        continue;
      }
      if (group && f.tag == 268) {
        in_group = true;
        continue;
      }
      if (FIX::Message::isHeaderField(f.tag)) {
        if (!m.getHeader().isSetField(f.tag)) m.getHeader().setField(f.tag, f.value);
      } else if (!m.isSetField(f.tag)) {
        m.setField(f.tag, f.value);
      }
    }
    if (g) m.addGroup(*g);
  }

  void decode(FixLogEntry& e, Ver ver, std::vector<Field> body,
              std::vector<std::string>& problems) {
    const std::string& type = e.msg_type;
    const std::string name = msg_name(type);
    const bool md = type == "W" || type == "X";

    // Required fields of this version (top level).
    if (const std::vector<int>* req = required_for(ver, type)) {
      std::vector<std::string> missing;
      for (const int t : *req) {
        bool have = false;
        for (const Field& f : body) {
          if (f.tag == t) {
            have = true;
            break;
          }
        }
        if (!have) missing.push_back(tag_label(t));
      }
      if (!missing.empty()) {
        std::string list;
        for (const std::string& s : missing) list += (list.empty() ? "" : ", ") + s;
        problems.push_back(name + " lacks required field" + (missing.size() > 1 ? "s " : " ") +
                           list + " (" + e.begin_string + ")");
      }
    }

    // W without Symbol: Ballast needs one to use the quote; decode it with an empty symbol, in a
    // scratch book (an update nobody can attribute must not touch the session's book).
    bool scratch = false;
    if (type == "W") {
      bool has55 = false;
      for (const Field& f : body) has55 = has55 || f.tag == 55;
      if (!has55) {
        scratch = true;
        std::string sec;
        for (const Field& f : body) {
          if (f.tag == 48) {
            sec = f.value;
            break;
          }
        }
        if (ver != Ver::k42) {  // 4.2's table already named it
          problems.push_back(
              name + " has no Symbol (55), which Ballast needs" +
              (sec.empty() ? std::string() : "; SecurityID (48) is " + excerpt(sec)));
        } else if (!sec.empty()) {
          problems.push_back("SecurityID (48) is " + excerpt(sec));
        }
        problems.push_back("decoded with an empty symbol");
        Field f;
        f.tag = 55;
        f.value = "\x01";  // placeholder, cleared below
        body.insert(body.begin(), f);
      }
    }
    if (md) check_md_entries(type, body, problems);

    // Decode; a bad value (named by the decoder's exception) is reported and dropped, and the
    // rest is decoded again (a few rounds at most).
    for (int round = 0; round < 8; ++round) {
      FIX::Message m;
      build(body, md, m);
      int bad_tag = 0;
      std::string what;
      try {
        decode_message(e, m, scratch);
        if (type == "8") {
          // The codec never refuses a report for a field's format: name what it could not read
          // (the live engine books none of such a report) and what it rounded.
          const ExecutionReport& r = e.execution_report;
          if (r.bad_tag != 0) {
            std::string value;
            for (const Field& f : body) {
              if (f.tag == r.bad_tag) {
                value = f.value;
                break;
              }
            }
            problems.push_back(tag_label(r.bad_tag) + " '" + excerpt(value) + "': expected " +
                               expected_format(r.bad_tag) + "; the report cannot be booked");
          } else if (r.rounded != 0) {
            problems.push_back(std::string("ExecutionReport: ") + r.problem);
          }
        }
        return;
      } catch (const FIX::IncorrectDataFormat& x) {
        bad_tag = x.field;
        what = "expected " + expected_format(x.field);
      } catch (const FIX::IncorrectTagValue& x) {
        bad_tag = x.field;
        what = "too long for Ballast's field";
      } catch (const FIX::RequiredTagMissing& x) {
        problems.push_back(name + " lacks " + tag_label(x.field) + "; not decoded");
        return;
      } catch (const FIX::FieldNotFound& x) {
        problems.push_back(name + " lacks " + tag_label(x.field) + "; not decoded");
        return;
      } catch (const std::exception& x) {
        problems.push_back(name + " could not be decoded: " + excerpt(x.what(), 120));
        return;
      }
      // drop the first top-level occurrence of the bad tag
      bool dropped = false;
      for (std::size_t k = 0; k < body.size(); ++k) {
        if (body[k].tag == 268 && md) break;
        if (body[k].tag == bad_tag) {
          problems.push_back(tag_label(bad_tag) + " '" + excerpt(body[k].value) + "': " + what +
                             "; ignored");
          body.erase(body.begin() + static_cast<std::ptrdiff_t>(k));
          dropped = true;
          break;
        }
      }
      if (!dropped) {
        problems.push_back(tag_label(bad_tag) + ": " + what + "; not decoded");
        reset_decoded(e);
        return;
      }
    }
    problems.push_back(name + ": too many bad fields; not decoded");
    reset_decoded(e);
  }

  static void reset_decoded(FixLogEntry& e) {
    e.execution_report = ExecutionReport{};
    e.cancel_reject = CancelReject{};
    e.business_reject = BusinessReject{};
    e.session_reject = SessionReject{};
    e.market_data.clear();
    e.new_order = NewOrder{};
    e.cancel_request = CancelRequest{};
    e.replace_request = ReplaceRequest{};
    e.status_request = StatusRequest{};
  }

  /// Checks each NoMDEntries entry with the decoder's rules and drops entries that would stop
  /// the whole message from decoding (bad number, bad time, X entry with no symbol to go by).
  static void check_md_entries(const std::string& type, std::vector<Field>& body,
                               std::vector<std::string>& problems) {
    std::size_t g = 0;
    while (g < body.size() && body[g].tag != 268) ++g;
    if (g == body.size()) return;
    std::string sending_date;
    for (const Field& f : body) {
      if (f.tag == 52 && f.value.size() >= 8) {
        sending_date = f.value.substr(0, 8);
        break;
      }
    }
    const std::size_t first = g + 1;
    const int delim = first < body.size() ? body[first].tag : 0;
    {
      std::size_t n = 0;
      for (std::size_t k = first; k < body.size(); ++k) n += body[k].tag == delim ? 1 : 0;
      if (body[g].value != std::to_string(n)) {
        problems.push_back("NoMDEntries (268) is " + excerpt(body[g].value) +
                           " but the message has " + std::to_string(n) + " entries");
      }
    }
    if (first >= body.size()) return;
    std::vector<Field> out(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(first));
    std::string symbol;  // X: an entry without Symbol takes the previous entry's
    std::size_t k = first;
    int index = 0;
    while (k < body.size()) {
      std::size_t end = k + 1;
      while (end < body.size() && body[end].tag != delim) ++end;
      ++index;
      std::map<int, std::string> v;
      for (std::size_t j = k; j < end; ++j) v.insert(std::make_pair(body[j].tag, body[j].value));
      std::string bad;
      auto is_char = [&](int tag) {
        auto it = v.find(tag);
        if (it != v.end() && it->second.size() != 1 && bad.empty())
          bad = tag_label(tag) + " '" + excerpt(it->second) + "': expected " + expected_format(tag);
      };
      auto is_dec = [&](int tag, int decimals) {
        auto it = v.find(tag);
        std::int64_t raw = 0;
        if (it != v.end() && !parse_decimal(it->second, decimals, raw) && bad.empty())
          bad = tag_label(tag) + " '" + excerpt(it->second) + "': expected " + expected_format(tag);
      };
      is_char(269);
      if (type == "X") is_char(279);
      is_dec(270, kPriceDecimals);
      is_dec(271, kQtyDecimals);
      {
        const auto d = v.find(272), t = v.find(273);
        const std::string date = d != v.end() ? d->second : sending_date;
        std::string text;
        if (t != v.end() && !date.empty()) {
          text = date + "-" + t->second;
        } else if (d != v.end()) {
          text = date + "-00:00:00";
        }
        std::int64_t ns = 0;
        if (!text.empty() && !parse_utc_timestamp(text.data(), text.size(), ns) && bad.empty())
          bad = (t != v.end() ? tag_label(273) + " '" + excerpt(t->second) + "'"
                              : tag_label(272) + " '" + excerpt(d->second) + "'") +
                ": expected " + (t != v.end() ? expected_format(273) : expected_format(272));
      }
      if (type == "X") {
        auto s = v.find(55);
        if (s != v.end()) {
          char check[sizeof(MarketDataUpdate{}.symbol)];
          if (!set_text(check, s->second) && bad.empty()) {
            bad = tag_label(55) + " '" + excerpt(s->second) + "': too long for Ballast's field";
          } else {
            symbol = s->second;
          }
        }
        if (symbol.empty() && bad.empty()) bad = "no Symbol (55) in this or an earlier entry";
      }
      if (bad.empty()) {
        for (std::size_t j = k; j < end; ++j) out.push_back(body[j]);
      } else {
        problems.push_back("NoMDEntries (268) entry " + std::to_string(index) + ": " + bad +
                           "; entry ignored");
      }
      k = end;
    }
    body.swap(out);
  }

  void decode_message(FixLogEntry& e, const FIX::Message& m, bool scratch) {
    const std::string& t = e.msg_type;
    const std::uint16_t s = e.session;
    if (t == "8") {
      codec::parse(m, e.execution_report);
      e.execution_report.session = s;
    } else if (t == "9") {
      codec::parse(m, e.cancel_reject);
      e.cancel_reject.session = s;
    } else if (t == "j") {
      codec::parse(m, e.business_reject);
      e.business_reject.session = s;
    } else if (t == "Y") {
      codec::parse_md_reject(m, e.business_reject);
      e.business_reject.session = s;
    } else if (t == "3") {
      codec::parse(m, e.session_reject);
      e.session_reject.session = s;
      // the rejected message was sent by this Reject's target
      auto it = sent_ids.find(std::make_pair(s, e.target_comp_id));
      if (it != sent_ids.end() && e.session_reject.ref_seq_num != 0) {
        auto jt = it->second.find(e.session_reject.ref_seq_num);
        if (jt != it->second.end()) set_text(e.session_reject.cl_ord_id, jt->second);
      }
    } else if (t == "W" || t == "X") {
      std::vector<MarketDataUpdate> out;
      if (scratch) {
        codec::TopOfBook book;
        book.apply(m, s, out);
        for (MarketDataUpdate& u : out) u.symbol[0] = '\0';
      } else {
        books[s].apply(m, s, out);
      }
      e.market_data.swap(out);
    } else if (t == "D") {
      parse_order(m, e.new_order);
      e.new_order.session = s;
      remember(e, e.new_order.cl_ord_id);
    } else if (t == "F") {
      parse_cancel(m, e.cancel_request);
      e.cancel_request.session = s;
      remember(e, e.cancel_request.cl_ord_id);
    } else if (t == "G") {
      parse_replace(m, e.replace_request);
      e.replace_request.session = s;
      remember(e, e.replace_request.cl_ord_id);
    } else if (t == "H") {
      parse_status(m, e.status_request);
      e.status_request.session = s;
      remember(e, e.status_request.cl_ord_id);
    }
  }

  void remember(const FixLogEntry& e, const char* cl_ord_id) {
    if (e.msg_seq_num == 0 || cl_ord_id[0] == '\0') return;
    sent_ids[std::make_pair(e.session, e.sender_comp_id)][e.msg_seq_num] = cl_ord_id;
  }

  // ---------------------------------------------------------------------------- driving

  /// Reads lines until an entry is ready or the file ends.
  bool fill() {
    std::string line;
    while (ready.empty() && !eof) {
      bool too_long = false;
      if (!in.next(line, too_long, opt.max_line_bytes, io_error)) {
        eof = true;
        finish_file();
        break;
      }
      ++line_no;
      ++stats.lines;
      process_line(line, too_long);
    }
    return !ready.empty();
  }
};

FixLogReader::FixLogReader() : impl_(new Impl) {}
FixLogReader::~FixLogReader() = default;

bool FixLogReader::open(const std::string& path, const FixLogOptions& options, std::string& error) {
  impl_.reset(new Impl);
  impl_->opt = options;
  if (impl_->opt.max_lines_per_message < 1) impl_->opt.max_lines_per_message = 1;
  if (impl_->opt.max_line_bytes < 64) impl_->opt.max_line_bytes = 64;
  impl_->path = path;
  if (!impl_->in.open(path, error)) {
    impl_->eof = true;
    return false;
  }
  return true;
}

bool FixLogReader::next(FixLogEntry& out) {
  if (!impl_->fill()) return false;
  out = std::move(impl_->ready.front());
  impl_->ready.pop_front();
  return true;
}

const std::string& FixLogReader::io_error() const {
  return impl_->io_error;
}

const std::vector<std::string>& FixLogReader::sessions() const {
  return impl_->sessions;
}

FixLogStats FixLogReader::stats() const {
  return impl_->stats;
}

bool read_fix_log(const std::string& path, const FixLogOptions& options,
                  std::vector<FixLogEntry>& out, std::string& error) {
  FixLogReader r;
  if (!r.open(path, options, error)) return false;
  FixLogEntry e;
  while (r.next(e)) out.push_back(std::move(e));
  if (!r.io_error().empty()) {
    error = path + ": " + r.io_error();
    return false;
  }
  return true;
}

bool fix_log_field(const FixLogEntry& entry, int tag, std::string& value) {
  const std::string needle = std::to_string(tag) + "=";
  std::size_t p = 0;
  const std::string& t = entry.text;
  while (p < t.size()) {
    if (t.compare(p, needle.size(), needle) == 0) {
      const std::size_t v = p + needle.size();
      std::size_t end = t.find('|', v);
      if (end == std::string::npos) end = t.size();
      value = t.substr(v, end - v);
      return true;
    }
    const std::size_t bar = t.find('|', p);
    if (bar == std::string::npos) break;
    p = bar + 1;
  }
  return false;
}

}  // namespace fix
}  // namespace ballast
