// The one FIX codec (common/fix_codec.hpp) against golden messages and against itself:
//  * golden files: each of D/F/G/H/8/9/j/3 in FIX 4.2 and 4.4, built from fixed structs with a
//    fixed session header, equal byte for byte to tests/fix/golden/<version>_<type>.txt (SOH
//    written as '|'), and parsed back to the same struct;
//  * round trip: thousands of random structs (fixed seed; extreme numbers, longest ids, every
//    side, order type and exec type) built, serialised, read and parsed back are the same struct;
//  * damage: randomly damaged golden messages never crash the reader or the parsers, and every
//    refusal names the tag it is about.
#include <quickfix/Message.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/fix_codec.hpp"
#include "fix_test_support.hpp"

namespace ballast {
namespace fix {
namespace {

using codec::Version;

const std::int64_t kMs = 1000000;
const std::int64_t kT0 = 1767364200123LL * kMs;  // 2026-01-02 14:30:00.123 UTC

std::string golden_dir() {
  return std::string(BALLAST_SOURCE_DIR) + "/tests/fix/golden/";
}

std::string pipes(std::string s) {
  for (char& c : s) {
    if (c == '\x01') c = '|';
  }
  return s;
}

const char* begin_string(Version v) {
  return v == Version::kFix42 ? "FIX.4.2" : "FIX.4.4";
}

// A message with the fixed session header the golden files use: orders from BALLAST to BROKER,
// reports back, MsgSeqNum 7, SendingTime 20260102-14:30:00.456.
std::string wire(FIX::Message& m, Version v, bool from_ballast) {
  FIX::Header& h = m.getHeader();
  h.setField(8, begin_string(v));
  h.setField(49, from_ballast ? "BALLAST" : "BROKER");
  h.setField(56, from_ballast ? "BROKER" : "BALLAST");
  h.setField(34, "7");
  h.setField(52, "20260102-14:30:00.456");
  return m.toString();
}

// ---------------------------------------------------------------- struct comparison (C++14)

// The first member (by its position in the list) in which two structs differ, "" when none.
template <class T>
struct Diff {
  const T& a;
  const T& b;
  std::string first;
  int index = 0;

  template <std::size_t N>
  void one(char (T::*m)[N]) {
    ++index;
    if (first.empty() && std::strcmp(a.*m, b.*m) != 0)
      first = "member " + std::to_string(index) + ": '" + (a.*m) + "' != '" + (b.*m) + "'";
  }
  template <class M>
  void one(M T::*m) {
    ++index;
    if (!first.empty() || a.*m == b.*m) return;
    std::ostringstream o;
    o << "member " << index << ": " << +(a.*m) << " != " << +(b.*m);
    first = o.str();
  }
  void all() {}
  template <class M, class... Rest>
  void all(M m, Rest... rest) {
    one(m);
    all(rest...);
  }
};

template <class T, class... M>
std::string differ(const T& a, const T& b, M... members) {
  Diff<T> d{a, b, std::string()};
  d.all(members...);
  return d.first;
}

std::string diff(const NewOrder& a, const NewOrder& b) {
  using T = NewOrder;
  return differ(a, b, &T::session, &T::cl_ord_id, &T::account, &T::symbol, &T::side, &T::ord_type,
                &T::time_in_force, &T::qty, &T::price, &T::transact_time_ns);
}

std::string diff(const CancelRequest& a, const CancelRequest& b) {
  using T = CancelRequest;
  return differ(a, b, &T::session, &T::cl_ord_id, &T::orig_cl_ord_id, &T::account, &T::symbol,
                &T::side, &T::qty, &T::transact_time_ns);
}

std::string diff(const ReplaceRequest& a, const ReplaceRequest& b) {
  using T = ReplaceRequest;
  return differ(a, b, &T::session, &T::cl_ord_id, &T::orig_cl_ord_id, &T::account, &T::symbol,
                &T::side, &T::ord_type, &T::time_in_force, &T::qty, &T::price,
                &T::transact_time_ns);
}

std::string diff(const StatusRequest& a, const StatusRequest& b) {
  using T = StatusRequest;
  return differ(a, b, &T::session, &T::cl_ord_id, &T::symbol, &T::side);
}

std::string diff(const ExecutionReport& a, const ExecutionReport& b) {
  using T = ExecutionReport;
  return differ(a, b, &T::session, &T::cl_ord_id, &T::orig_cl_ord_id, &T::order_id, &T::exec_id,
                &T::exec_ref_id, &T::exec_trans_type, &T::account, &T::symbol, &T::exec_type,
                &T::ord_status, &T::side, &T::ord_type, &T::order_qty, &T::price, &T::last_qty,
                &T::last_px, &T::cum_qty, &T::leaves_qty, &T::avg_px, &T::transact_time_ns,
                &T::ord_rej_reason, &T::poss_dup, &T::text, &T::rounded, &T::bad_tag,
                &T::session_rejected, &T::problem);
}

std::string diff(const CancelReject& a, const CancelReject& b) {
  using T = CancelReject;
  return differ(a, b, &T::session, &T::cl_ord_id, &T::orig_cl_ord_id, &T::order_id, &T::account,
                &T::ord_status, &T::response_to, &T::reason, &T::transact_time_ns, &T::text);
}

std::string diff(const BusinessReject& a, const BusinessReject& b) {
  using T = BusinessReject;
  return differ(a, b, &T::session, &T::ref_msg_type, &T::business_ref_id, &T::reason, &T::text);
}

std::string diff(const SessionReject& a, const SessionReject& b) {
  using T = SessionReject;
  return differ(a, b, &T::session, &T::ref_seq_num, &T::ref_msg_type, &T::ref_tag, &T::reason,
                &T::cl_ord_id, &T::text);
}

// ------------------------------------------------------------------------ the golden structs

// Aggregate initialisers, members in the struct's order (fix_messages.hpp); the golden bytes
// show a member out of place at once.

NewOrder golden_new_order() {
  // session, ClOrdID, Account, Symbol, Side, OrdType, TimeInForce, qty 123.456, price 585.33, time
  return NewOrder{0,         "B1-20260102-000001", "ACC-1", "AAPL", '2', '2', '0',
                  123456000, 585330000000LL,       kT0};
}

CancelRequest golden_cancel() {
  // session, ClOrdID, OrigClOrdID, Account, Symbol, Side, qty, time
  return CancelRequest{0,         "B1-20260102-000003", "B1-20260102-000001", "ACC-1", "AAPL", '2',
                       123456000, kT0 + 2000 * kMs};
}

ReplaceRequest golden_replace() {
  // ..., OrdType, TimeInForce IOC, qty 50.5, price 590.000000001, time
  return ReplaceRequest{
      0,        "B1-20260102-000002", "B1-20260102-000001", "ACC-1", "AAPL", '2', '2', '3',
      50500000, 590000000001LL,       kT0 + 1000 * kMs};
}

StatusRequest golden_status() {
  return StatusRequest{0, "B1-20260102-000001", "AAPL", '2'};
}

// A partial fill: 40 of 123.456 at 585.5.
ExecutionReport golden_fill(Version v) {
  // session, ClOrdID, OrigClOrdID, OrderID, ExecID, ExecRefID, ExecTransType, Account, Symbol,
  // ExecType, OrdStatus, Side, OrdType, OrderQty, Price, LastQty, LastPx, CumQty, LeavesQty,
  // AvgPx, TransactTime, OrdRejReason, poss_dup, Text, rounded, bad_tag, session_rejected, problem
  return ExecutionReport{0,
                         "B1-20260102-000001",
                         "",
                         "R1-O7",
                         "R1-E12",
                         "",
                         '0',
                         "ACC-1",
                         "AAPL",
                         v == Version::kFix42 ? '1' : 'F',
                         '1',
                         '2',
                         '2',
                         123456000,
                         585330000000LL,
                         40000000,
                         585500000000LL,
                         40000000,
                         83456000,
                         585500000000LL,
                         kT0 + 10 * kMs,
                         -1,
                         false,
                         "",
                         0,
                         0,
                         false,
                         ""};
}

// An order rejected before it was known (OrderID NONE).
ExecutionReport golden_reject(Version v) {
  return ExecutionReport{0,
                         "B1-20260102-000009",
                         "",
                         "NONE",
                         "R1-E13",
                         "",
                         '0',
                         "",
                         "MSFT",
                         '8',
                         '8',
                         '1',
                         '\0',
                         0,
                         0,
                         0,
                         0,
                         0,
                         0,
                         0,
                         kT0 + 11 * kMs,
                         v == Version::kFix42 ? 0 : 99,
                         false,
                         "simulated reject",
                         0,
                         0,
                         false,
                         ""};
}

CancelReject golden_cancel_reject() {
  // session, ClOrdID, OrigClOrdID, OrderID, Account, OrdStatus, CxlRejResponseTo, CxlRejReason,
  // TransactTime, Text
  return CancelReject{0,
                      "B1-20260102-000003",
                      "B1-20260102-000001",
                      "R1-O7",
                      "ACC-1",
                      '2',
                      '1',
                      0,
                      kT0 + 20 * kMs,
                      "order B1-20260102-000001 is closed"};
}

BusinessReject golden_business_reject() {
  return BusinessReject{0, "D", "B1-20260102-000004", 3, "Unsupported Message Type"};
}

SessionReject golden_session_reject() {
  // session, RefSeqNum, RefMsgType, RefTagID, SessionRejectReason, cl_ord_id (not on the wire)
  return SessionReject{0, 6, "D", 38, 6, "", "Incorrect data format for value"};
}

// ------------------------------------------------------------------------------- golden

std::string read_golden(const std::string& name) {
  std::ifstream in(golden_dir() + name);
  std::string line;
  std::getline(in, line);
  return line;
}

/// Builds `m`, compares with the golden file byte for byte, and parses the file back.
template <class T>
void check_golden(const T& m, Version v, bool from_ballast, const std::string& name) {
  SCOPED_TRACE(name);
  FIX::Message msg;
  std::string error;
  ASSERT_TRUE(codec::build(m, v, msg, error)) << error;
  const std::string built = wire(msg, v, from_ballast);
  const std::string golden = read_golden(name);
  ASSERT_FALSE(golden.empty()) << "missing golden file " << golden_dir() << name;
  EXPECT_EQ(pipes(built), golden) << "the codec's bytes changed";
  FIX::Message back;
  ASSERT_TRUE(codec::read_wire(raw_fix(golden), back, error)) << error;
  T parsed;
  ASSERT_TRUE(codec::parse_checked(back, parsed, error)) << error;
  EXPECT_EQ(diff(parsed, m), "");
}

class FixCodecGolden : public ::testing::TestWithParam<Version> {};

TEST_P(FixCodecGolden, EveryMessageIsByteExactAndParsesBackToItsStruct) {
  const Version v = GetParam();
  const std::string p = v == Version::kFix42 ? "fix42_" : "fix44_";
  check_golden(golden_new_order(), v, true, p + "D.txt");
  check_golden(golden_cancel(), v, true, p + "F.txt");
  check_golden(golden_replace(), v, true, p + "G.txt");
  check_golden(golden_status(), v, true, p + "H.txt");
  check_golden(golden_fill(v), v, false, p + "8.txt");
  check_golden(golden_reject(v), v, false, p + "8_reject.txt");
  check_golden(golden_cancel_reject(), v, false, p + "9.txt");
  check_golden(golden_business_reject(), v, false, p + "j.txt");
  check_golden(golden_session_reject(), v, false, p + "3.txt");
}

INSTANTIATE_TEST_SUITE_P(Versions, FixCodecGolden,
                         ::testing::Values(Version::kFix42, Version::kFix44));

// ------------------------------------------------------------------------- round trip

class Gen {
 public:
  explicit Gen(std::uint64_t seed) : rng_(seed) {}
  std::uint64_t u(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  bool coin() { return u(2) == 0; }
  // Printable text, no SOH: 1..max characters, the longest often.
  template <std::size_t N>
  void id(char (&dst)[N], bool may_be_empty) {
    const std::size_t max = N - 1;
    std::size_t len = u(4) == 0 ? max : 1 + u(max);
    if (may_be_empty && u(5) == 0) len = 0;
    std::string s;
    for (std::size_t i = 0; i < len; ++i) s += static_cast<char>(0x21 + u(0x7e - 0x21 + 1));
    ASSERT_TRUE(set_text(dst, s));
  }
  // Several ids alike: ids(may_be_empty, m.a, m.b, ...).
  void ids(bool) {}
  template <std::size_t N, class... Rest>
  void ids(bool may_be_empty, char (&dst)[N], Rest&... rest) {
    id(dst, may_be_empty);
    ids(may_be_empty, rest...);
  }
  char of(const char* set) { return set[u(std::strlen(set))]; }
  // Any int64, extremes often.
  std::int64_t any() {
    switch (u(6)) {
      case 0:
        return std::numeric_limits<std::int64_t>::max();
      case 1:
        return std::numeric_limits<std::int64_t>::min();
      case 2:
        return static_cast<std::int64_t>(u(1000)) - 500;
      case 3:
        return 0;
      default:
        return static_cast<std::int64_t>(rng_());
    }
  }
  std::int64_t positive() {
    std::int64_t v = any();
    if (v == std::numeric_limits<std::int64_t>::min()) return 1;
    if (v < 0) v = -v;
    return v == 0 ? 1 : v;
  }
  // Whole milliseconds between 1970 and 2200.
  std::int64_t time_ns() { return static_cast<std::int64_t>(u(7258118400000ULL)) * kMs; }
  int count() { return u(4) == 0 ? 999999999 : static_cast<int>(u(1000)); }

 private:
  std::mt19937_64 rng_;
};

const char* kSides = "1234567";
const char* kOrdTypes = "123456789ABCDEFGHIJKLP";
const char* kTifs = "0123456";
const char* kExecTypes = "0123456789ABCDEFGHI";
const char* kStatuses = "0123456789ABCDE";

// The order terms of a D or G.
template <class Order>
void random_terms(Gen& g, Order& m) {
  g.id(m.account, true);
  g.id(m.symbol, false);
  m.side = g.of(kSides);
  m.ord_type = g.of(kOrdTypes);
  m.time_in_force = g.of(kTifs);
  m.qty = g.positive();
  m.price = m.ord_type == '1' ? 0 : g.positive();  // a market order carries no Price
  m.transact_time_ns = g.time_ns();
}

template <class T>
void round_trip(const T& m, Version v, const char* what, int i) {
  FIX::Message msg;
  std::string error;
  ASSERT_TRUE(codec::build(m, v, msg, error)) << what << " #" << i << ": " << error;
  const std::string raw = wire(msg, v, true);
  FIX::Message back;
  ASSERT_TRUE(codec::read_wire(raw, back, error)) << what << " #" << i << ": " << error << "\n"
                                                  << pipes(raw);
  T parsed;
  ASSERT_TRUE(codec::parse_checked(back, parsed, error))
      << what << " #" << i << ": " << error << "\n"
      << pipes(raw);
  ASSERT_EQ(diff(parsed, m), "") << what << " #" << i << " (" << begin_string(v) << ")\n"
                                 << pipes(raw);
}

TEST(FixCodecRoundTrip, RandomStructsOfEveryMessageBuildAndParseBackUnchanged) {
  Gen g(20260102);
  const int kCases = 3000;
  for (int i = 0; i < kCases; ++i) {
    const Version v = g.coin() ? Version::kFix42 : Version::kFix44;
    {
      NewOrder m;
      g.id(m.cl_ord_id, false);
      random_terms(g, m);
      round_trip(m, v, "NewOrder", i);
    }
    {
      CancelRequest m;
      g.ids(false, m.cl_ord_id, m.orig_cl_ord_id, m.symbol);
      g.id(m.account, true);
      m.side = g.of(kSides);
      m.qty = g.positive();
      m.transact_time_ns = g.time_ns();
      round_trip(m, v, "CancelRequest", i);
    }
    {
      ReplaceRequest m;
      g.ids(false, m.cl_ord_id, m.orig_cl_ord_id);
      random_terms(g, m);
      round_trip(m, v, "ReplaceRequest", i);
    }
    {
      StatusRequest m;
      g.ids(false, m.cl_ord_id, m.symbol);
      m.side = g.of(kSides);
      round_trip(m, v, "StatusRequest", i);
    }
    {
      using T = ExecutionReport;
      T m;
      g.ids(false, m.order_id, m.exec_id);
      g.ids(true, m.cl_ord_id, m.orig_cl_ord_id, m.exec_ref_id, m.account, m.symbol, m.text);
      m.exec_trans_type = v == Version::kFix42 ? g.of("0123") : '0';  // 4.4 has no tag 20
      m.exec_type = g.of(kExecTypes);
      m.ord_status = g.of(kStatuses);
      m.side = g.of(kSides);
      m.ord_type = g.coin() ? '\0' : g.of(kOrdTypes);
      for (std::int64_t T::*n : {&T::order_qty, &T::price, &T::last_qty, &T::last_px, &T::cum_qty,
                                 &T::leaves_qty, &T::avg_px})
        m.*n = g.any();
      m.transact_time_ns = g.time_ns();
      m.ord_rej_reason = g.coin() ? -1 : g.count();
      round_trip(m, v, "ExecutionReport", i);
    }
    {
      CancelReject m;
      g.ids(false, m.order_id, m.cl_ord_id, m.orig_cl_ord_id);
      g.ids(true, m.account, m.text);
      m.ord_status = g.of(kStatuses);
      m.response_to = g.of("12");
      m.reason = g.coin() ? -1 : g.count();
      m.transact_time_ns = g.time_ns();
      round_trip(m, v, "CancelReject", i);
    }
    {
      BusinessReject m;
      g.id(m.ref_msg_type, false);
      g.ids(true, m.business_ref_id, m.text);
      m.reason = g.count();
      round_trip(m, v, "BusinessReject", i);
    }
    {
      SessionReject m;
      m.ref_seq_num = 1 + g.u(999999999999999999ULL);
      g.ids(true, m.ref_msg_type, m.text);
      m.ref_tag = g.coin() ? 0 : 1 + static_cast<int>(g.u(999999999));
      m.reason = g.coin() ? -1 : g.count();
      round_trip(m, v, "SessionReject", i);
    }
    if (HasFatalFailure()) return;
  }
}

// -------------------------------------------------------------------------------- damage

template <class T>
bool parse_as(const FIX::Message& m, std::string& error) {
  T out;
  return codec::parse_checked(m, out, error);
}

// Reads `raw` and parses it as its MsgType says. True when it was read; otherwise `error`.
bool read_and_parse(const std::string& raw, std::string& error) {
  using Parse = bool (*)(const FIX::Message&, std::string&);
  static const std::pair<std::string, Parse> kParsers[] = {
      {"D", &parse_as<NewOrder>},        {"F", &parse_as<CancelRequest>},
      {"G", &parse_as<ReplaceRequest>},  {"H", &parse_as<StatusRequest>},
      {"8", &parse_as<ExecutionReport>}, {"9", &parse_as<CancelReject>},
      {"j", &parse_as<BusinessReject>},  {"3", &parse_as<SessionReject>}};
  FIX::Message m;
  if (!codec::read_wire(raw, m, error)) return false;
  const std::string type =
      m.getHeader().isSetField(35) ? m.getHeader().getField(35) : std::string();
  for (const auto& p : kParsers) {
    if (p.first == type) return p.second(m, error);
  }
  error = "tag 35 (MsgType): '" + type + "' is not a message the codec reads";
  return false;
}

// Fixes BodyLength and CheckSum after a damage, so that the damage reaches the parsers.
std::string reframe(const std::string& raw) {
  const std::size_t body = raw.find('\x01', raw.find('\x01') + 1);
  const std::size_t trailer = raw.rfind(
      "\x01"
      "10=");
  if (body == std::string::npos || trailer == std::string::npos || trailer < body) return raw;
  std::string out = raw.substr(0, raw.find('\x01') + 1) + "9=" + std::to_string(trailer - body) +
                    raw.substr(body, trailer + 1 - body);
  unsigned sum = 0;
  for (const char c : out) sum += static_cast<unsigned char>(c);
  char cs[8];
  std::snprintf(cs, sizeof cs, "10=%03u\x01", sum % 256);
  return out + cs;
}

TEST(FixCodecDamage, DamagedGoldenMessagesNeverCrashAndEveryErrorNamesATag) {
  std::vector<std::string> golden;
  for (const char* v : {"fix42_", "fix44_"}) {
    for (const char* t : {"D", "F", "G", "H", "8", "8_reject", "9", "j", "3"}) {
      golden.push_back(raw_fix(read_golden(std::string(v) + t + ".txt")));
      ASSERT_FALSE(golden.back().empty()) << v << t;
    }
  }
  std::mt19937_64 rng(1302);
  const char junk[] = "=\x01|0123456789.-+eE ABCZ\x7f\x80\xff";
  int read = 0, refused = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string m = golden[rng() % golden.size()];
    const int damages = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < damages && !m.empty(); ++k) {
      const std::size_t at = rng() % m.size();
      switch (rng() % 6) {
        case 0:  // one byte replaced
          m[at] = junk[rng() % (sizeof(junk) - 1)];
          break;
        case 1:  // one byte dropped
          m.erase(at, 1);
          break;
        case 2:  // one byte inserted
          m.insert(at, 1, junk[rng() % (sizeof(junk) - 1)]);
          break;
        case 3:  // cut
          m.resize(at);
          break;
        case 4: {  // a field's value replaced by a long run
          const std::size_t eq = m.find('=', at);
          if (eq != std::string::npos) m.insert(eq + 1, std::string(1 + rng() % 300, '9'));
          break;
        }
        default: {  // a field duplicated
          const std::size_t s = m.rfind('\x01', at);
          const std::size_t e = m.find('\x01', at);
          if (s != std::string::npos && e != std::string::npos)
            m.insert(e + 1, m.substr(s + 1, e - s));
          break;
        }
      }
    }
    if (rng() % 4 != 0) m = reframe(m);  // mostly past the framing checks
    std::string error;
    if (read_and_parse(m, error)) {
      ++read;
      continue;
    }
    ++refused;
    ASSERT_TRUE(error.find("tag ") != std::string::npos ||
                error.find("field ") != std::string::npos ||
                error.find("not a FIX message") != std::string::npos)
        << "an error that names no tag: " << error << "\n"
        << pipes(m);
  }
  EXPECT_GT(read, 1000) << "the damage must leave many messages readable";
  EXPECT_GT(refused, 1000) << "and refuse many";
}

// The comparison the tests rely on sees a change in any member (text, char, number, flag).
TEST(FixCodecRoundTrip, TheComparisonSeesAChangeInEveryKindOfMember) {
  const ExecutionReport base = golden_fill(Version::kFix44);
  EXPECT_EQ(diff(base, base), "");
  ExecutionReport m = base;
  m.problem[0] = 'x';
  EXPECT_NE(diff(base, m), "");
  m = base;
  m.exec_type = '4';
  EXPECT_NE(diff(base, m), "");
  m = base;
  m.avg_px += 1;
  EXPECT_NE(diff(base, m), "");
  m = base;
  m.poss_dup = true;
  EXPECT_NE(diff(base, m), "");
  NewOrder o = golden_new_order();
  o.transact_time_ns += kMs;
  EXPECT_NE(diff(o, golden_new_order()), "");
}

// Broker-sim's reading: the fields it acts on must be there (a session Reject names them).
TEST(FixCodecNeed, ToExecuteRefusesAnOrderWithoutAFieldBrokerSimActsOn) {
  for (const int missing : {11, 55, 54, 40, 38, 44}) {
    FIX::Message msg;
    std::string error;
    ASSERT_TRUE(codec::build(golden_new_order(), Version::kFix44, msg, error)) << error;
    msg.removeField(missing);
    NewOrder o;
    EXPECT_NO_THROW(codec::parse(msg, o)) << "the log reader keeps what is there";
    try {
      codec::parse(msg, o, codec::Need::kToExecute);
      ADD_FAILURE() << "no FieldNotFound for " << missing;
    } catch (const FIX::FieldNotFound& e) {
      EXPECT_EQ(e.field, missing);
    }
  }
  // A market order needs no Price.
  NewOrder mkt = golden_new_order();
  mkt.ord_type = '1';
  mkt.price = 0;
  FIX::Message msg;
  std::string error;
  ASSERT_TRUE(codec::build(mkt, Version::kFix42, msg, error)) << error;
  NewOrder o;
  EXPECT_NO_THROW(codec::parse(msg, o, codec::Need::kToExecute));
  EXPECT_EQ(diff(o, mkt), "");
}

TEST(FixCodecNeed, AnIdentifierTooLongForItsFieldIsRefusedNamingTheTag) {
  FIX::Message msg;
  std::string error;
  ASSERT_TRUE(codec::build(golden_new_order(), Version::kFix44, msg, error)) << error;
  msg.setField(11, std::string(24, 'C'));
  NewOrder o;
  try {
    codec::parse(msg, o, codec::Need::kToExecute);
    ADD_FAILURE() << "a 24-character ClOrdID was read";
  } catch (const FIX::IncorrectTagValue& e) {
    EXPECT_EQ(e.field, 11);
  }
}

// OrderID, Account and TransactTime of a 9 are for people: a broker's long OrderID (a UUID) or an
// odd TransactTime never gets the reject refused (the engine goes by ClOrdID).
TEST(FixCodecNeed, ACancelRejectWithALongOrderIdAndAnOddTimeIsStillRead) {
  FIX::Message msg;
  std::string error;
  ASSERT_TRUE(codec::build(golden_cancel_reject(), Version::kFix44, msg, error)) << error;
  msg.setField(37, "123e4567-e89b-12d3-a456-426614174000");
  msg.setField(60, "2026-01-02T14:30:00Z");
  CancelReject r;
  ASSERT_TRUE(codec::parse_checked(msg, r, error)) << error;
  EXPECT_STREQ(r.order_id, "");
  EXPECT_EQ(r.transact_time_ns, 0);
  EXPECT_STREQ(r.cl_ord_id, "B1-20260102-000003");
  EXPECT_EQ(r.reason, 0);
}

}  // namespace
}  // namespace fix
}  // namespace ballast
