// The FIX log reader's text: tag and message names, what a bad value was expected to be, and
// excerpts and redaction of text shown in errors (never a Username or Password value).
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "fix_log_internal.hpp"

namespace ballast {
namespace fix {
namespace fixlog {

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

std::string excerpt(const std::string& s, std::size_t max) {
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

bool all_digits(const std::string& s, std::size_t from) {
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

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) {
    if (!s.empty()) s += "; ";
    s += x;
  }
  return s;
}

std::string redact_fragment(const std::string& raw) {
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

}  // namespace fixlog
}  // namespace fix
}  // namespace ballast
