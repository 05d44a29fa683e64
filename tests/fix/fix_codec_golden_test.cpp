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

// Appends "name: a != b" when they differ; the first difference is what a failure shows.
struct Diff {
  std::string first;
  template <class T>
  void eq(const char* name, const T& a, const T& b) {
    if (a == b || !first.empty()) return;
    std::ostringstream o;
    o << name << ": " << +a << " != " << +b;
    first = o.str();
  }
  void text(const char* name, const char* a, const char* b) {
    if (std::strcmp(a, b) == 0 || !first.empty()) return;
    first = std::string(name) + ": '" + a + "' != '" + b + "'";
  }
};

std::string diff(const NewOrder& a, const NewOrder& b) {
  Diff d;
  d.eq("session", a.session, b.session);
  d.text("cl_ord_id", a.cl_ord_id, b.cl_ord_id);
  d.text("account", a.account, b.account);
  d.text("symbol", a.symbol, b.symbol);
  d.eq("side", a.side, b.side);
  d.eq("ord_type", a.ord_type, b.ord_type);
  d.eq("time_in_force", a.time_in_force, b.time_in_force);
  d.eq("qty", a.qty, b.qty);
  d.eq("price", a.price, b.price);
  d.eq("transact_time_ns", a.transact_time_ns, b.transact_time_ns);
  return d.first;
}

std::string diff(const CancelRequest& a, const CancelRequest& b) {
  Diff d;
  d.eq("session", a.session, b.session);
  d.text("cl_ord_id", a.cl_ord_id, b.cl_ord_id);
  d.text("orig_cl_ord_id", a.orig_cl_ord_id, b.orig_cl_ord_id);
  d.text("account", a.account, b.account);
  d.text("symbol", a.symbol, b.symbol);
  d.eq("side", a.side, b.side);
  d.eq("qty", a.qty, b.qty);
  d.eq("transact_time_ns", a.transact_time_ns, b.transact_time_ns);
  return d.first;
}

std::string diff(const ReplaceRequest& a, const ReplaceRequest& b) {
  Diff d;
  d.eq("session", a.session, b.session);
  d.text("cl_ord_id", a.cl_ord_id, b.cl_ord_id);
  d.text("orig_cl_ord_id", a.orig_cl_ord_id, b.orig_cl_ord_id);
  d.text("account", a.account, b.account);
  d.text("symbol", a.symbol, b.symbol);
  d.eq("side", a.side, b.side);
  d.eq("ord_type", a.ord_type, b.ord_type);
  d.eq("time_in_force", a.time_in_force, b.time_in_force);
  d.eq("qty", a.qty, b.qty);
  d.eq("price", a.price, b.price);
  d.eq("transact_time_ns", a.transact_time_ns, b.transact_time_ns);
  return d.first;
}

std::string diff(const StatusRequest& a, const StatusRequest& b) {
  Diff d;
  d.eq("session", a.session, b.session);
  d.text("cl_ord_id", a.cl_ord_id, b.cl_ord_id);
  d.text("symbol", a.symbol, b.symbol);
  d.eq("side", a.side, b.side);
  return d.first;
}

std::string diff(const ExecutionReport& a, const ExecutionReport& b) {
  Diff d;
  d.eq("session", a.session, b.session);
  d.text("cl_ord_id", a.cl_ord_id, b.cl_ord_id);
  d.text("orig_cl_ord_id", a.orig_cl_ord_id, b.orig_cl_ord_id);
  d.text("order_id", a.order_id, b.order_id);
  d.text("exec_id", a.exec_id, b.exec_id);
  d.text("exec_ref_id", a.exec_ref_id, b.exec_ref_id);
  d.eq("exec_trans_type", a.exec_trans_type, b.exec_trans_type);
  d.text("account", a.account, b.account);
  d.text("symbol", a.symbol, b.symbol);
  d.eq("exec_type", a.exec_type, b.exec_type);
  d.eq("ord_status", a.ord_status, b.ord_status);
  d.eq("side", a.side, b.side);
  d.eq("ord_type", a.ord_type, b.ord_type);
  d.eq("order_qty", a.order_qty, b.order_qty);
  d.eq("price", a.price, b.price);
  d.eq("last_qty", a.last_qty, b.last_qty);
  d.eq("last_px", a.last_px, b.last_px);
  d.eq("cum_qty", a.cum_qty, b.cum_qty);
  d.eq("leaves_qty", a.leaves_qty, b.leaves_qty);
  d.eq("avg_px", a.avg_px, b.avg_px);
  d.eq("transact_time_ns", a.transact_time_ns, b.transact_time_ns);
  d.eq("ord_rej_reason", a.ord_rej_reason, b.ord_rej_reason);
  d.eq("poss_dup", a.poss_dup, b.poss_dup);
  d.text("text", a.text, b.text);
  d.eq("rounded", a.rounded, b.rounded);
  d.eq("bad_tag", a.bad_tag, b.bad_tag);
  d.eq("session_rejected", a.session_rejected, b.session_rejected);
  d.text("problem", a.problem, b.problem);
  return d.first;
}

std::string diff(const CancelReject& a, const CancelReject& b) {
  Diff d;
  d.eq("session", a.session, b.session);
  d.text("cl_ord_id", a.cl_ord_id, b.cl_ord_id);
  d.text("orig_cl_ord_id", a.orig_cl_ord_id, b.orig_cl_ord_id);
  d.text("order_id", a.order_id, b.order_id);
  d.text("account", a.account, b.account);
  d.eq("ord_status", a.ord_status, b.ord_status);
  d.eq("response_to", a.response_to, b.response_to);
  d.eq("reason", a.reason, b.reason);
  d.eq("transact_time_ns", a.transact_time_ns, b.transact_time_ns);
  d.text("text", a.text, b.text);
  return d.first;
}

std::string diff(const BusinessReject& a, const BusinessReject& b) {
  Diff d;
  d.eq("session", a.session, b.session);
  d.text("ref_msg_type", a.ref_msg_type, b.ref_msg_type);
  d.text("business_ref_id", a.business_ref_id, b.business_ref_id);
  d.eq("reason", a.reason, b.reason);
  d.text("text", a.text, b.text);
  return d.first;
}

std::string diff(const SessionReject& a, const SessionReject& b) {
  Diff d;
  d.eq("session", a.session, b.session);
  d.eq("ref_seq_num", a.ref_seq_num, b.ref_seq_num);
  d.text("ref_msg_type", a.ref_msg_type, b.ref_msg_type);
  d.eq("ref_tag", a.ref_tag, b.ref_tag);
  d.eq("reason", a.reason, b.reason);
  d.text("cl_ord_id", a.cl_ord_id, b.cl_ord_id);
  d.text("text", a.text, b.text);
  return d.first;
}

// ------------------------------------------------------------------------ the golden structs

NewOrder golden_new_order() {
  NewOrder m;
  set_text(m.cl_ord_id, std::string("B1-20260102-000001"));
  set_text(m.account, std::string("ACC-1"));
  set_text(m.symbol, std::string("AAPL"));
  m.side = '2';
  m.ord_type = '2';
  m.time_in_force = '0';
  m.qty = 123456000;           // 123.456
  m.price = 585330000000LL;    // 585.33
  m.transact_time_ns = kT0;
  return m;
}

CancelRequest golden_cancel() {
  CancelRequest m;
  set_text(m.cl_ord_id, std::string("B1-20260102-000003"));
  set_text(m.orig_cl_ord_id, std::string("B1-20260102-000001"));
  set_text(m.account, std::string("ACC-1"));
  set_text(m.symbol, std::string("AAPL"));
  m.side = '2';
  m.qty = 123456000;
  m.transact_time_ns = kT0 + 2000 * kMs;
  return m;
}

ReplaceRequest golden_replace() {
  ReplaceRequest m;
  set_text(m.cl_ord_id, std::string("B1-20260102-000002"));
  set_text(m.orig_cl_ord_id, std::string("B1-20260102-000001"));
  set_text(m.account, std::string("ACC-1"));
  set_text(m.symbol, std::string("AAPL"));
  m.side = '2';
  m.ord_type = '2';
  m.time_in_force = '3';
  m.qty = 50500000;            // 50.5
  m.price = 590000000001LL;    // 590.000000001
  m.transact_time_ns = kT0 + 1000 * kMs;
  return m;
}

StatusRequest golden_status() {
  StatusRequest m;
  set_text(m.cl_ord_id, std::string("B1-20260102-000001"));
  set_text(m.symbol, std::string("AAPL"));
  m.side = '2';
  return m;
}

ExecutionReport golden_fill(Version v) {
  ExecutionReport m;
  set_text(m.order_id, std::string("R1-O7"));
  set_text(m.cl_ord_id, std::string("B1-20260102-000001"));
  set_text(m.exec_id, std::string("R1-E12"));
  m.exec_trans_type = '0';
  m.exec_type = v == Version::kFix42 ? '1' : 'F';
  m.ord_status = '1';
  set_text(m.account, std::string("ACC-1"));
  set_text(m.symbol, std::string("AAPL"));
  m.side = '2';
  m.ord_type = '2';
  m.order_qty = 123456000;
  m.price = 585330000000LL;
  m.last_qty = 40000000;
  m.last_px = 585500000000LL;
  m.cum_qty = 40000000;
  m.leaves_qty = 83456000;
  m.avg_px = 585500000000LL;
  m.transact_time_ns = kT0 + 10 * kMs;
  return m;
}

ExecutionReport golden_reject(Version v) {
  ExecutionReport m;
  set_text(m.order_id, std::string("NONE"));
  set_text(m.cl_ord_id, std::string("B1-20260102-000009"));
  set_text(m.exec_id, std::string("R1-E13"));
  m.exec_type = '8';
  m.ord_status = '8';
  m.ord_rej_reason = v == Version::kFix42 ? 0 : 99;
  set_text(m.symbol, std::string("MSFT"));
  m.side = '1';
  m.transact_time_ns = kT0 + 11 * kMs;
  set_text(m.text, std::string("simulated reject"));
  return m;
}

CancelReject golden_cancel_reject() {
  CancelReject m;
  set_text(m.order_id, std::string("R1-O7"));
  set_text(m.cl_ord_id, std::string("B1-20260102-000003"));
  set_text(m.orig_cl_ord_id, std::string("B1-20260102-000001"));
  set_text(m.account, std::string("ACC-1"));
  m.ord_status = '2';
  m.response_to = '1';
  m.reason = 0;
  m.transact_time_ns = kT0 + 20 * kMs;
  set_text(m.text, std::string("order B1-20260102-000001 is closed"));
  return m;
}

BusinessReject golden_business_reject() {
  BusinessReject m;
  set_text(m.ref_msg_type, std::string("D"));
  set_text(m.business_ref_id, std::string("B1-20260102-000004"));
  m.reason = 3;
  set_text(m.text, std::string("Unsupported Message Type"));
  return m;
}

SessionReject golden_session_reject() {
  SessionReject m;
  m.ref_seq_num = 6;
  set_text(m.ref_msg_type, std::string("D"));
  m.ref_tag = 38;
  m.reason = 6;
  set_text(m.text, std::string("Incorrect data format for value"));
  return m;
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

template <class T>
void round_trip(const T& m, Version v, const char* what, int i) {
  FIX::Message msg;
  std::string error;
  ASSERT_TRUE(codec::build(m, v, msg, error)) << what << " #" << i << ": " << error;
  const std::string raw = wire(msg, v, true);
  FIX::Message back;
  ASSERT_TRUE(codec::read_wire(raw, back, error)) << what << " #" << i << ": " << error << "\n" << pipes(raw);
  T parsed;
  ASSERT_TRUE(codec::parse_checked(back, parsed, error)) << what << " #" << i << ": " << error
                                                         << "\n" << pipes(raw);
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
      g.id(m.account, true);
      g.id(m.symbol, false);
      m.side = g.of(kSides);
      m.ord_type = g.of(kOrdTypes);
      m.time_in_force = g.of(kTifs);
      m.qty = g.positive();
      m.price = m.ord_type == '1' ? 0 : g.positive();  // a market order carries no Price
      m.transact_time_ns = g.time_ns();
      round_trip(m, v, "NewOrder", i);
    }
    {
      CancelRequest m;
      g.id(m.cl_ord_id, false);
      g.id(m.orig_cl_ord_id, false);
      g.id(m.account, true);
      g.id(m.symbol, false);
      m.side = g.of(kSides);
      m.qty = g.positive();
      m.transact_time_ns = g.time_ns();
      round_trip(m, v, "CancelRequest", i);
    }
    {
      ReplaceRequest m;
      g.id(m.cl_ord_id, false);
      g.id(m.orig_cl_ord_id, false);
      g.id(m.account, true);
      g.id(m.symbol, false);
      m.side = g.of(kSides);
      m.ord_type = g.of(kOrdTypes);
      m.time_in_force = g.of(kTifs);
      m.qty = g.positive();
      m.price = m.ord_type == '1' ? 0 : g.positive();
      m.transact_time_ns = g.time_ns();
      round_trip(m, v, "ReplaceRequest", i);
    }
    {
      StatusRequest m;
      g.id(m.cl_ord_id, false);
      g.id(m.symbol, false);
      m.side = g.of(kSides);
      round_trip(m, v, "StatusRequest", i);
    }
    {
      ExecutionReport m;
      g.id(m.order_id, false);
      g.id(m.cl_ord_id, true);
      g.id(m.orig_cl_ord_id, true);
      g.id(m.exec_id, false);
      g.id(m.exec_ref_id, true);
      m.exec_trans_type = v == Version::kFix42 ? g.of("0123") : '0';  // 4.4 has no tag 20
      g.id(m.account, true);
      g.id(m.symbol, true);
      m.exec_type = g.of(kExecTypes);
      m.ord_status = g.of(kStatuses);
      m.side = g.of(kSides);
      m.ord_type = g.coin() ? '\0' : g.of(kOrdTypes);
      m.order_qty = g.any();
      m.price = g.any();
      m.last_qty = g.any();
      m.last_px = g.any();
      m.cum_qty = g.any();
      m.leaves_qty = g.any();
      m.avg_px = g.any();
      m.transact_time_ns = g.time_ns();
      m.ord_rej_reason = g.coin() ? -1 : g.count();
      g.id(m.text, true);
      round_trip(m, v, "ExecutionReport", i);
    }
    {
      CancelReject m;
      g.id(m.order_id, false);
      g.id(m.cl_ord_id, false);
      g.id(m.orig_cl_ord_id, false);
      g.id(m.account, true);
      m.ord_status = g.of(kStatuses);
      m.response_to = g.of("12");
      m.reason = g.coin() ? -1 : g.count();
      m.transact_time_ns = g.time_ns();
      g.id(m.text, true);
      round_trip(m, v, "CancelReject", i);
    }
    {
      BusinessReject m;
      g.id(m.ref_msg_type, false);
      g.id(m.business_ref_id, true);
      m.reason = g.count();
      g.id(m.text, true);
      round_trip(m, v, "BusinessReject", i);
    }
    {
      SessionReject m;
      m.ref_seq_num = 1 + g.u(999999999999999999ULL);
      g.id(m.ref_msg_type, true);
      m.ref_tag = g.coin() ? 0 : 1 + static_cast<int>(g.u(999999999));
      m.reason = g.coin() ? -1 : g.count();
      g.id(m.text, true);
      round_trip(m, v, "SessionReject", i);
    }
    if (HasFatalFailure()) return;
  }
}

// -------------------------------------------------------------------------------- damage

// Reads `raw` and parses it as its MsgType says. True when it was read; otherwise `error`.
bool read_and_parse(const std::string& raw, std::string& error) {
  FIX::Message m;
  if (!codec::read_wire(raw, m, error)) return false;
  const std::string type =
      m.getHeader().isSetField(35) ? m.getHeader().getField(35) : std::string();
  if (type == "D") {
    NewOrder o;
    return codec::parse_checked(m, o, error);
  }
  if (type == "F") {
    CancelRequest o;
    return codec::parse_checked(m, o, error);
  }
  if (type == "G") {
    ReplaceRequest o;
    return codec::parse_checked(m, o, error);
  }
  if (type == "H") {
    StatusRequest o;
    return codec::parse_checked(m, o, error);
  }
  if (type == "8") {
    ExecutionReport o;
    return codec::parse_checked(m, o, error);
  }
  if (type == "9") {
    CancelReject o;
    return codec::parse_checked(m, o, error);
  }
  if (type == "j") {
    BusinessReject o;
    return codec::parse_checked(m, o, error);
  }
  if (type == "3") {
    SessionReject o;
    return codec::parse_checked(m, o, error);
  }
  error = "tag 35 (MsgType): '" + type + "' is not a message the codec reads";
  return false;
}

// Fixes BodyLength and CheckSum after a damage, so that the damage reaches the parsers.
std::string reframe(const std::string& raw) {
  const std::size_t body = raw.find('\x01', raw.find('\x01') + 1);
  const std::size_t trailer = raw.rfind("\x01" "10=");
  if (body == std::string::npos || trailer == std::string::npos || trailer < body) return raw;
  std::string out = raw.substr(0, raw.find('\x01') + 1) + "9=" +
                    std::to_string(trailer - body) + raw.substr(body, trailer + 1 - body);
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
    ASSERT_TRUE(error.find("tag ") != std::string::npos || error.find("field ") != std::string::npos ||
                error.find("not a FIX message") != std::string::npos)
        << "an error that names no tag: " << error << "\n"
        << pipes(m);
  }
  EXPECT_GT(read, 1000) << "the damage must leave many messages readable";
  EXPECT_GT(refused, 1000) << "and refuse many";
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
