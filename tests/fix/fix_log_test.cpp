// FixLogReader on real recorded FIX logs: the upstream fixtures from ../shared/data/fix/logs
// (copied to tests/data/fix_logs/upstream), logs recorded from Ballast's own demo runs
// (broker-sim's message log, the engine's QuickFIX FileLog, a log4fixj-style layout), a corrupt
// message in the middle, and a QuickFIX FileLog recorded live by a loopback session in the test
// and read back against what the initiator delivered.
#include "ballast/fix/fix_log.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ballast/fix/fix_decimal.hpp"
#include "ballast/fix/initiator.hpp"
#include "fix_recording_listener.hpp"
#include "fix_test_acceptor.hpp"
#include "fix_test_support.hpp"

namespace ballast {
namespace fix {
namespace {

const std::string kData = std::string(BALLAST_SOURCE_DIR) + "/tests/data/fix_logs/";

FixLogOptions relaxed() {
  FixLogOptions o;
  o.check_body_length = false;
  o.check_checksum = false;
  o.check_begin_string = false;
  return o;
}

std::vector<FixLogEntry> read_all(const std::string& path,
                                  const FixLogOptions& o = FixLogOptions()) {
  std::vector<FixLogEntry> out;
  std::string error;
  EXPECT_TRUE(read_fix_log(path, o, out, error)) << error;
  return out;
}

const FixLogEntry* at_line(const std::vector<FixLogEntry>& v, std::uint64_t line) {
  for (const FixLogEntry& e : v) {
    if (e.line == line) return &e;
  }
  return nullptr;
}

std::int64_t ts(const char* text) {
  std::int64_t ns = 0;
  EXPECT_TRUE(parse_utc_timestamp(text, std::strlen(text), ns)) << text;
  return ns;
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

/// A FIX message with BodyLength and CheckSum computed: `body` is "35=...|...|" ('|' = delimiter).
std::string fix_msg(const std::string& begin, const std::string& body, char delim = '|') {
  std::string b = body;
  for (char& c : b) {
    if (c == '|') c = delim;
  }
  std::string m = "8=" + begin + delim + "9=" + std::to_string(b.size()) + delim + b;
  unsigned sum = 0;
  for (const char c : m) sum += c == delim ? 1u : static_cast<unsigned char>(c);
  char cs[8];
  std::snprintf(cs, sizeof(cs), "%03u", sum % 256);
  return m + "10=" + cs + delim;
}

void expect_same(const ExecutionReport& a, const ExecutionReport& b, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(a.session, b.session);
  EXPECT_STREQ(a.cl_ord_id, b.cl_ord_id);
  EXPECT_STREQ(a.orig_cl_ord_id, b.orig_cl_ord_id);
  EXPECT_STREQ(a.order_id, b.order_id);
  EXPECT_STREQ(a.exec_id, b.exec_id);
  EXPECT_STREQ(a.exec_ref_id, b.exec_ref_id);
  EXPECT_EQ(a.exec_trans_type, b.exec_trans_type);
  EXPECT_STREQ(a.account, b.account);
  EXPECT_STREQ(a.symbol, b.symbol);
  EXPECT_EQ(a.exec_type, b.exec_type);
  EXPECT_EQ(a.ord_status, b.ord_status);
  EXPECT_EQ(a.side, b.side);
  EXPECT_EQ(a.order_qty, b.order_qty);
  EXPECT_EQ(a.last_qty, b.last_qty);
  EXPECT_EQ(a.last_px, b.last_px);
  EXPECT_EQ(a.cum_qty, b.cum_qty);
  EXPECT_EQ(a.leaves_qty, b.leaves_qty);
  EXPECT_EQ(a.avg_px, b.avg_px);
  EXPECT_EQ(a.transact_time_ns, b.transact_time_ns);
  EXPECT_EQ(a.poss_dup, b.poss_dup);
  EXPECT_STREQ(a.text, b.text);
}

void expect_same(const MarketDataUpdate& a, const MarketDataUpdate& b, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(a.session, b.session);
  EXPECT_STREQ(a.symbol, b.symbol);
  EXPECT_EQ(a.snapshot, b.snapshot);
  EXPECT_EQ(a.has_quote, b.has_quote);
  EXPECT_EQ(a.bid, b.bid);
  EXPECT_EQ(a.bid_size, b.bid_size);
  EXPECT_EQ(a.ask, b.ask);
  EXPECT_EQ(a.ask_size, b.ask_size);
  EXPECT_EQ(a.has_trade, b.has_trade);
  EXPECT_EQ(a.trade_px, b.trade_px);
  EXPECT_EQ(a.trade_size, b.trade_size);
  EXPECT_EQ(a.time_ns, b.time_ns);
}

/// Every piece of text an entry exposes.
std::string all_text(const FixLogEntry& e) {
  return e.prefix + "\n" + e.text + "\n" + e.error + "\n" + e.session_id + "\n" + e.begin_string +
         e.msg_type + e.sender_comp_id + e.target_comp_id;
}

// ------------------------------------------------------------------------ upstream fixtures

struct UpstreamCase {
  const char* file;
  std::vector<std::string> types;             ///< MsgType of every message, in order
  std::vector<std::uint64_t> strict_invalid;  ///< lines that fail BodyLength/CheckSum/BeginString
};

TEST(FixLog, EveryUpstreamFixtureFramesAndTheHandEditedOnesReadWithChecksRelaxed) {
  const std::vector<UpstreamCase> cases = {
      {"connamara_logstash/execution_report.txt", {"8", "8", "8", "8", "8", "8"}, {6}},
      {"connamara_logstash/market_data_snapshot.txt", {"W", "W"}, {1, 2}},
      {"connamara_logstash/new_order_single.txt", {"D", "D", "D", "D"}, {4}},
      {"connamara_logstash/order_cancel_request.txt", {"F", "F", "F"}, {3}},
      {"jspurefix/jsfix_test_client_session_FIX44.txt",
       {"A", "A", "AD", "AQ", "AE", "AE", "AE", "AE", "AE", "AQ", "AE", "AE", "0", "5", "5"},
       {}},
      {"jspurefix/quickfix_example_execution-report2.txt", {"8"}, {}},
      {"jspurefix/quickfix_example_heartbeat.txt", {"0"}, {}},
      {"jspurefix/quickfix_example_logon.txt", {"A"}, {1}},
      {"jspurefix/quickfix_example_md-data-snapshot.txt", {"W"}, {1}},
      {"jspurefix/quickfix_example_order-cancel-reject.txt", {"9"}, {1}},
  };
  for (const UpstreamCase& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string path = kData + "upstream/" + c.file;
    // Strict: exactly the hand-edited lines fail, each with the file and line in the error.
    const std::vector<FixLogEntry> strict = read_all(path);
    ASSERT_EQ(strict.size(), c.types.size());
    std::vector<std::uint64_t> invalid;
    for (std::size_t i = 0; i < strict.size(); ++i) {
      const FixLogEntry& e = strict[i];
      EXPECT_EQ(e.line, i + 1) << "one message per line in these files";
      EXPECT_EQ(e.msg_type, c.types[i]);
      if (e.kind == FixLogKind::kInvalid) {
        invalid.push_back(e.line);
        EXPECT_TRUE(contains(e.error, path + ":" + std::to_string(e.line) + ": ")) << e.error;
      }
    }
    EXPECT_EQ(invalid, c.strict_invalid);
    // Relaxed: every message frames and gets its kind.
    const std::vector<FixLogEntry> lax = read_all(path, relaxed());
    ASSERT_EQ(lax.size(), c.types.size());
    for (const FixLogEntry& e : lax) {
      EXPECT_NE(e.kind, FixLogKind::kInvalid) << e.error;
    }
  }
}

TEST(FixLog, HandEditedFixturesFailForTheRightReasons) {
  const std::vector<FixLogEntry> er =
      read_all(kData + "upstream/connamara_logstash/execution_report.txt");
  ASSERT_EQ(er.size(), 6u);
  EXPECT_TRUE(contains(er[5].error, "BodyLength (9) is 240 but the body")) << er[5].error;
  EXPECT_TRUE(contains(er[5].error, "is 254 bytes")) << er[5].error;
  EXPECT_TRUE(contains(er[5].error, "CheckSum (10) is 227, expected 053")) << er[5].error;
  const std::vector<FixLogEntry> logon =
      read_all(kData + "upstream/jspurefix/quickfix_example_logon.txt");
  ASSERT_EQ(logon.size(), 1u);
  EXPECT_TRUE(
      contains(logon[0].error, "BeginString (8) 'FIX4.4' is not FIX.4.0 .. FIX.4.4 or FIXT.1.1"))
      << logon[0].error;
  EXPECT_TRUE(contains(logon[0].error, "CheckSum (10) '49' is not three digits")) << logon[0].error;
  // With checks relaxed, a bad value in an otherwise readable message is named, not fatal.
  const std::vector<FixLogEntry> cancel =
      read_all(kData + "upstream/connamara_logstash/order_cancel_request.txt", relaxed());
  ASSERT_EQ(cancel.size(), 3u);
  EXPECT_EQ(cancel[2].kind, FixLogKind::kCancelRequest);
  EXPECT_TRUE(
      contains(cancel[2].error, "SendingTime (52) '20150826-23:08:38094' is not a UTCTimestamp"))
      << cancel[2].error;
  EXPECT_STREQ(cancel[2].cancel_request.cl_ord_id, "clordid_of_cancel");
  EXPECT_STREQ(cancel[2].cancel_request.orig_cl_ord_id, "part_fill_test_buy");
  EXPECT_STREQ(cancel[2].cancel_request.account, "DefaultAccount");
  EXPECT_EQ(cancel[2].cancel_request.transact_time_ns, ts("20250407-13:14:15"));
  EXPECT_EQ(cancel[2].time_source, FixLogTimeSource::kNone);
}

// ------------------------------------------------------------------------- exact decoding

TEST(FixLog, ExecutionReportsDecodeToExactRawIntegers) {
  // broker-sim FIX 4.4: the full fill of B5X3C5XD, 5 AAPL sold at 586.15 (line 18).
  const std::string path = kData + "ballast/broker_sim_fix44.log";
  const std::vector<FixLogEntry> v = read_all(path);
  const FixLogEntry* e = at_line(v, 18);
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(e->kind, FixLogKind::kExecutionReport);
  EXPECT_EQ(e->error, "");
  const ExecutionReport& r = e->execution_report;
  EXPECT_STREQ(r.cl_ord_id, "B5X3C5XD");
  EXPECT_STREQ(r.order_id, "R1-O1");
  EXPECT_STREQ(r.exec_id, "R1-E2");
  EXPECT_STREQ(r.account, "growth-0001");
  EXPECT_STREQ(r.symbol, "AAPL");
  EXPECT_EQ(r.exec_type, 'F');
  EXPECT_EQ(r.ord_status, '2');
  EXPECT_EQ(r.side, '2');
  EXPECT_EQ(r.order_qty, 5000000);
  EXPECT_EQ(r.last_qty, 5000000);
  EXPECT_EQ(r.last_px, 586150000000LL);
  EXPECT_EQ(r.cum_qty, 5000000);
  EXPECT_EQ(r.leaves_qty, 0);
  EXPECT_EQ(r.avg_px, 586150000000LL);
  EXPECT_EQ(r.transact_time_ns, ts("20120621-13:41:44.040"));
  EXPECT_FALSE(r.poss_dup);
  EXPECT_EQ(e->msg_seq_num, 4840u);
  EXPECT_EQ(e->sending_time_ns, ts("20261121-12:17:36.316"));

  // The partial fill after the replace (line 22): 15 of 64 at 223.81.
  const FixLogEntry* p = at_line(v, 22);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->execution_report.ord_status, '1');
  EXPECT_EQ(p->execution_report.last_qty, 15000000);
  EXPECT_EQ(p->execution_report.last_px, 223810000000LL);
  EXPECT_EQ(p->execution_report.cum_qty, 15000000);
  EXPECT_EQ(p->execution_report.leaves_qty, 49000000);
  EXPECT_EQ(p->execution_report.order_qty, 64000000);

  // FIX 4.1 (connamara): 10000 at 12.3.
  const std::vector<FixLogEntry> c =
      read_all(kData + "upstream/connamara_logstash/execution_report.txt");
  ASSERT_GE(c.size(), 2u);
  EXPECT_EQ(c[1].error, "");
  EXPECT_EQ(c[1].begin_string, "FIX.4.1");
  EXPECT_EQ(c[1].execution_report.last_px, 12300000000LL);
  EXPECT_EQ(c[1].execution_report.last_qty, 10000000000LL);
  EXPECT_EQ(c[1].execution_report.avg_px, 12300000000LL);
  EXPECT_EQ(c[1].execution_report.exec_trans_type, '0');
  EXPECT_EQ(c[1].execution_report.transact_time_ns, 0) << "no TransactTime in this report";

  // jspurefix FIX 4.4: CumQty written with ten decimals (zeros) is still exact.
  const std::vector<FixLogEntry> j =
      read_all(kData + "upstream/jspurefix/quickfix_example_execution-report2.txt");
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0].error, "");
  EXPECT_EQ(j[0].execution_report.cum_qty, 3500000000LL);
  EXPECT_EQ(j[0].execution_report.last_px, 113350000000LL);
  EXPECT_EQ(j[0].execution_report.leaves_qty, 3500000000LL);
  EXPECT_EQ(j[0].execution_report.order_qty, 7000000000LL);
  EXPECT_EQ(j[0].execution_report.exec_type, 'F');
  EXPECT_STREQ(j[0].execution_report.exec_id, "20636730646335310000");
}

TEST(FixLog, OrdersCancelsReplacesAndStatusRequestsDecode) {
  const std::vector<FixLogEntry> v = read_all(kData + "ballast/broker_sim_fix44.log");
  const FixLogEntry* d = at_line(v, 15);
  ASSERT_NE(d, nullptr);
  ASSERT_EQ(d->kind, FixLogKind::kNewOrder);
  EXPECT_STREQ(d->new_order.cl_ord_id, "B5X3C5XD");
  EXPECT_STREQ(d->new_order.account, "growth-0001");
  EXPECT_STREQ(d->new_order.symbol, "AAPL");
  EXPECT_EQ(d->new_order.side, '2');
  EXPECT_EQ(d->new_order.ord_type, '2');
  EXPECT_EQ(d->new_order.time_in_force, '0');
  EXPECT_EQ(d->new_order.qty, 5000000);
  EXPECT_EQ(d->new_order.price, 586080000000LL);
  EXPECT_EQ(d->new_order.transact_time_ns, ts("20120621-13:41:15.359"));
  const FixLogEntry* g = at_line(v, 20);
  ASSERT_NE(g, nullptr);
  ASSERT_EQ(g->kind, FixLogKind::kReplaceRequest);
  EXPECT_STREQ(g->replace_request.cl_ord_id, "B5X3C5Y2");
  EXPECT_STREQ(g->replace_request.orig_cl_ord_id, "B5X3C5XE");
  EXPECT_EQ(g->replace_request.qty, 64000000);
  EXPECT_EQ(g->replace_request.price, 223710000000LL);
  EXPECT_EQ(g->replace_request.side, '2');
  EXPECT_EQ(g->replace_request.transact_time_ns, ts("20120621-13:46:59.099"));

  const std::vector<FixLogEntry> f =
      read_all(kData + "upstream/connamara_logstash/order_cancel_request.txt");
  ASSERT_GE(f.size(), 1u);
  ASSERT_EQ(f[0].kind, FixLogKind::kCancelRequest);
  EXPECT_EQ(f[0].error, "");
  EXPECT_STREQ(f[0].cancel_request.cl_ord_id, "1352157916437");
  EXPECT_STREQ(f[0].cancel_request.orig_cl_ord_id, "1352157912357");
  EXPECT_STREQ(f[0].cancel_request.symbol, "SPY");
  EXPECT_EQ(f[0].cancel_request.qty, 10000000000LL);

  const std::vector<FixLogEntry> r42 = read_all(kData + "ballast/broker_sim_fix42_reconnect.log");
  const FixLogEntry* h = at_line(r42, 16);
  ASSERT_NE(h, nullptr);
  ASSERT_EQ(h->kind, FixLogKind::kStatusRequest);
  EXPECT_STREQ(h->status_request.cl_ord_id, "B5X3C5XD");
  EXPECT_STREQ(h->status_request.symbol, "AAPL");
  EXPECT_EQ(h->status_request.side, '2');
  const FixLogEntry* hr = at_line(r42, 18);
  ASSERT_NE(hr, nullptr);
  EXPECT_EQ(hr->execution_report.exec_trans_type, '3') << "FIX 4.2 status report kept as sent";
  EXPECT_EQ(hr->execution_report.cum_qty, 4000000);
  EXPECT_EQ(hr->execution_report.avg_px, 586250000000LL);
}

TEST(FixLog, SnapshotWithBidAndAskEntries) {
  // FIXT.1.1 W from connamara (hand-edited: read relaxed): bid 0.01005 x 10, offer 0.0101 x 2,
  // no Symbol (only SecurityID 48): decoded with an empty symbol and an error saying so.
  const std::string path = kData + "upstream/connamara_logstash/market_data_snapshot.txt";
  const std::vector<FixLogEntry> v = read_all(path, relaxed());
  ASSERT_EQ(v.size(), 2u);
  ASSERT_EQ(v[0].kind, FixLogKind::kMarketData);
  EXPECT_EQ(v[0].begin_string, "FIXT.1.1");
  ASSERT_EQ(v[0].market_data.size(), 1u);
  const MarketDataUpdate& u = v[0].market_data[0];
  EXPECT_TRUE(u.snapshot);
  EXPECT_TRUE(u.has_quote);
  EXPECT_EQ(u.bid, 10050000);
  EXPECT_EQ(u.bid_size, 10000000);
  EXPECT_EQ(u.ask, 10100000);
  EXPECT_EQ(u.ask_size, 2000000);
  EXPECT_FALSE(u.has_trade);
  EXPECT_STREQ(u.symbol, "");
  EXPECT_EQ(u.time_ns, ts("20150831-20:48:26.514"));
  EXPECT_TRUE(contains(v[0].error, path + ":1: ")) << v[0].error;
  EXPECT_TRUE(contains(v[0].error, "no Symbol (55)")) << v[0].error;
  EXPECT_TRUE(contains(v[0].error, "SecurityID (48) is ITRZ21")) << v[0].error;

  // broker-sim FIX 4.4 W for AAPL, then X messages against the same book.
  const std::vector<FixLogEntry> b = read_all(kData + "ballast/broker_sim_fix44.log");
  const FixLogEntry* w = at_line(b, 6);
  ASSERT_NE(w, nullptr);
  ASSERT_EQ(w->market_data.size(), 1u);
  EXPECT_EQ(w->error, "");
  EXPECT_STREQ(w->market_data[0].symbol, "AAPL");
  EXPECT_EQ(w->market_data[0].bid, 585730000000LL);
  EXPECT_EQ(w->market_data[0].bid_size, 20000000);
  EXPECT_EQ(w->market_data[0].ask, 585740000000LL);
  EXPECT_EQ(w->market_data[0].ask_size, 40000000);
  EXPECT_EQ(w->market_data[0].time_ns, ts("20120621-13:30:00.271"));
  const FixLogEntry* trade = at_line(b, 9);  // X: a trade only; the quote comes from the book
  ASSERT_NE(trade, nullptr);
  ASSERT_EQ(trade->market_data.size(), 1u);
  EXPECT_TRUE(trade->market_data[0].has_trade);
  EXPECT_EQ(trade->market_data[0].trade_px, 585740000000LL);
  EXPECT_EQ(trade->market_data[0].trade_size, 40000000);
  EXPECT_EQ(trade->market_data[0].bid, 585730000000LL);
  EXPECT_EQ(trade->market_data[0].ask, 585740000000LL);
  const FixLogEntry* change = at_line(b, 11);  // X: bid and offer changed
  ASSERT_NE(change, nullptr);
  ASSERT_EQ(change->market_data.size(), 1u);
  EXPECT_FALSE(change->market_data[0].has_trade);
  EXPECT_EQ(change->market_data[0].bid, 585730000000LL);
  EXPECT_EQ(change->market_data[0].ask, 585750000000LL);
  EXPECT_EQ(change->market_data[0].ask_size, 57000000);
}

// --------------------------------------------------------------------------------- layouts

TEST(FixLog, BrokerSimMessageLog) {
  const std::string path = kData + "ballast/broker_sim_fix44.log";
  FixLogReader r;
  std::string error;
  ASSERT_TRUE(r.open(path, FixLogOptions(), error)) << error;
  std::vector<FixLogEntry> v;
  FixLogEntry e;
  while (r.next(e)) v.push_back(e);
  EXPECT_EQ(r.io_error(), "");
  ASSERT_EQ(v.size(), 25u);
  const std::string types = [&] {
    std::string s;
    for (const FixLogEntry& x : v) s += x.msg_type;
    return s;
  }();
  EXPECT_EQ(types, "AAVVVWWWXXXXXXDD888G88855");
  for (const FixLogEntry& x : v) {
    EXPECT_EQ(x.error, "") << x.line;
    EXPECT_EQ(x.time_source, FixLogTimeSource::kBrokerSimTape);
    EXPECT_EQ(x.session, 0u);
    EXPECT_EQ(x.session_id, "FIX.4.4:BROKERSIM->BALLAST") << "broker-sim's own column";
    EXPECT_EQ(x.line, x.last_line);
  }
  EXPECT_EQ(v[0].time_ns, 1340285400271739507LL);
  EXPECT_EQ(v[0].prefix, "1340285400271739507 IN FIX.4.4:BROKERSIM->BALLAST");
  EXPECT_EQ(v[0].direction, FixLogDirection::kReceived) << "IN: received by broker-sim";
  EXPECT_EQ(v[1].direction, FixLogDirection::kSent);
  EXPECT_EQ(v[0].kind, FixLogKind::kSession);
  EXPECT_EQ(v[2].kind, FixLogKind::kOther) << "V is not decoded";
  EXPECT_EQ(v[17].time_ns, 1340286104040726620LL);
  EXPECT_EQ(r.sessions(), std::vector<std::string>{"FIX.4.4:BROKERSIM->BALLAST"});
  const FixLogStats st = r.stats();
  EXPECT_EQ(st.lines, 25u);
  EXPECT_EQ(st.messages, 25u);
  EXPECT_EQ(st.invalid, 0u);
  EXPECT_EQ(st.with_error, 0u);

  // Seen from the engine: our_comp_id flips direction and session id.
  FixLogOptions ours;
  ours.our_comp_id = "BALLAST";
  const std::vector<FixLogEntry> o = read_all(path, ours);
  ASSERT_EQ(o.size(), 25u);
  EXPECT_EQ(o[0].direction, FixLogDirection::kSent);
  EXPECT_EQ(o[17].direction, FixLogDirection::kReceived);
  EXPECT_EQ(o[0].session_id, "FIX.4.4:BALLAST->BROKERSIM");

  std::string value;
  ASSERT_TRUE(fix_log_field(v[17], 17, value));
  EXPECT_EQ(value, "R1-E2");
  EXPECT_FALSE(fix_log_field(v[17], 9999, value));
}

TEST(FixLog, BrokerSimLogAcrossADisconnectWithResends) {
  FixLogOptions ours;
  ours.our_comp_id = "BALLAST";
  const std::vector<FixLogEntry> v =
      read_all(kData + "ballast/broker_sim_fix42_reconnect.log", ours);
  ASSERT_EQ(v.size(), 20u);
  std::string types;
  for (const FixLogEntry& e : v) {
    EXPECT_EQ(e.error, "") << e.line;
    EXPECT_EQ(e.begin_string, "FIX.4.2");
    types += e.msg_type;
  }
  EXPECT_EQ(types, "AAVWD888AA284VWHX855");
  EXPECT_FALSE(v[7].poss_dup);
  EXPECT_TRUE(v[11].poss_dup) << "resent report (43=Y)";
  EXPECT_TRUE(v[11].execution_report.poss_dup);
  EXPECT_EQ(v[11].execution_report.ord_status, '8');
  EXPECT_EQ(v[11].direction, FixLogDirection::kReceived);
  EXPECT_EQ(v[11].time_ns, 1340286003905231279LL) << "broker-sim logs a resend at its fill time";
  EXPECT_EQ(v[12].kind, FixLogKind::kSession) << "SequenceReset";
  EXPECT_EQ(v[10].kind, FixLogKind::kSession) << "ResendRequest";
  EXPECT_EQ(v[8].direction, FixLogDirection::kSent) << "our second Logon";
}

TEST(FixLog, QuickFixFileLogFromTheDemoMatchesBrokerSimsRecordOfTheSameMessages) {
  FixLogOptions ours;
  ours.our_comp_id = "BALLAST";
  const std::vector<FixLogEntry> q = read_all(kData + "ballast/quickfix_filelog_fix44.log", ours);
  const std::vector<FixLogEntry> b = read_all(kData + "ballast/broker_sim_fix44.log", ours);
  ASSERT_EQ(q.size(), 24u);
  ASSERT_EQ(b.size(), 25u);
  EXPECT_EQ(q[0].time_source, FixLogTimeSource::kQuickFixLog);
  EXPECT_EQ(q[0].time_ns, ts("20261121-12:17:33.696425000"));
  EXPECT_EQ(q[0].direction, FixLogDirection::kSent);
  EXPECT_EQ(q[1].direction, FixLogDirection::kReceived);
  EXPECT_EQ(q[0].session_id, "FIX.4.4:BALLAST->BROKERSIM");
  // The same messages, one layout each: identical decodes (the FileLog lacks the sim's last
  // Logout).
  for (std::size_t i = 0; i < q.size(); ++i) {
    SCOPED_TRACE("entry " + std::to_string(i));
    EXPECT_EQ(q[i].error, "");
    EXPECT_EQ(q[i].text, b[i].text);
    EXPECT_EQ(q[i].kind, b[i].kind);
    EXPECT_EQ(q[i].direction, b[i].direction);
    EXPECT_EQ(q[i].sending_time_ns, b[i].sending_time_ns);
    expect_same(q[i].execution_report, b[i].execution_report, "er");
    ASSERT_EQ(q[i].market_data.size(), b[i].market_data.size());
    for (std::size_t k = 0; k < q[i].market_data.size(); ++k) {
      expect_same(q[i].market_data[k], b[i].market_data[k], "md");
    }
  }
}

TEST(FixLog, Log4jLayoutWithMessagesSplitAcrossLines) {
  FixLogOptions ours;
  ours.our_comp_id = "BALLAST";
  const std::string path = kData + "ballast/log4j_split_lines.log";
  FixLogReader r;
  std::string error;
  ASSERT_TRUE(r.open(path, ours, error)) << error;
  std::vector<FixLogEntry> v;
  FixLogEntry e;
  while (r.next(e)) v.push_back(e);
  ASSERT_EQ(v.size(), 9u);
  const std::vector<std::pair<std::uint64_t, std::uint64_t>> lines = {
      {2, 2}, {3, 3}, {5, 8}, {9, 10}, {13, 13}, {13, 13}, {14, 16}, {17, 17}, {18, 18}};
  const std::string types = "AAVWD88H8";
  for (std::size_t i = 0; i < v.size(); ++i) {
    SCOPED_TRACE("entry " + std::to_string(i));
    EXPECT_EQ(v[i].error, "");
    EXPECT_EQ(v[i].line, lines[i].first);
    EXPECT_EQ(v[i].last_line, lines[i].second);
    EXPECT_EQ(v[i].msg_type, std::string(1, types[i]));
    EXPECT_EQ(v[i].time_source, FixLogTimeSource::kSendingTime);
  }
  EXPECT_EQ(v[0].prefix,
            "2026-11-21 12:17:51,051 INFO  [QFJ Message Processor] quickfix.msg.outgoing -");
  EXPECT_EQ(v[0].direction, FixLogDirection::kSent);
  EXPECT_EQ(v[1].direction, FixLogDirection::kReceived);
  EXPECT_EQ(v[1].text.substr(v[1].text.size() - 7), "10=116|")
      << "no trailing delimiter in the file";
  EXPECT_EQ(v[2].text.compare(0, 23, "8=FIX.4.2|9=137|35=V|34"), 0) << v[2].text;
  ASSERT_EQ(v[3].market_data.size(), 1u);
  EXPECT_EQ(v[3].market_data[0].bid, 585730000000LL);
  EXPECT_EQ(v[3].market_data[0].ask_size, 40000000);
  EXPECT_EQ(v[4].prefix, "12:17:53.068 DEBUG two messages on one line:");
  EXPECT_EQ(v[5].prefix, "then");
  EXPECT_STREQ(v[6].execution_report.text, "simulated reject");
  EXPECT_EQ(v[6].execution_report.ord_status, '8');
  EXPECT_EQ(r.stats().text_lines, 2u);
}

// ------------------------------------------------------------------------------------ errors

TEST(FixLog, CorruptMessagesInTheMiddleAreErrorsWithTheirLinesAndReadingGoesOn) {
  const std::string path = kData + "ballast/corrupt_middle.log";
  FixLogOptions o;
  o.report_text_lines = true;
  const std::vector<FixLogEntry> v = read_all(path, o);
  ASSERT_EQ(v.size(), 11u);
  const std::vector<FixLogKind> kinds = {
      FixLogKind::kSession,  FixLogKind::kMarketData, FixLogKind::kInvalid,
      FixLogKind::kNewOrder, FixLogKind::kInvalid,    FixLogKind::kInvalid,
      FixLogKind::kInvalid,  FixLogKind::kInvalid,    FixLogKind::kExecutionReport,
      FixLogKind::kInvalid,  FixLogKind::kSession};
  for (std::size_t i = 0; i < v.size(); ++i) {
    SCOPED_TRACE("line " + std::to_string(i + 1));
    EXPECT_EQ(v[i].line, i + 1);
    EXPECT_EQ(v[i].kind, kinds[i]) << to_string(v[i].kind) << " " << v[i].error;
    if (kinds[i] == FixLogKind::kInvalid) {
      EXPECT_EQ(v[i].error.compare(0, path.size() + 1 + std::to_string(i + 1).size() + 2,
                                   path + ":" + std::to_string(i + 1) + ": "),
                0)
          << v[i].error;
    } else {
      EXPECT_EQ(v[i].error, "");
    }
  }
  EXPECT_TRUE(contains(v[2].error, "CheckSum (10) is 205, expected 204")) << v[2].error;
  EXPECT_EQ(v[2].time_source, FixLogTimeSource::kBrokerSimTape) << "time from the prefix still";
  EXPECT_EQ(v[2].msg_type, "8");
  EXPECT_TRUE(contains(v[4].error, "BodyLength (9) is 150 but the body")) << v[4].error;
  EXPECT_TRUE(contains(v[4].error, "149 bytes")) << v[4].error;
  EXPECT_FALSE(contains(v[4].error, "CheckSum")) << v[4].error;
  EXPECT_TRUE(contains(v[5].error, "no MsgType (35)")) << v[5].error;
  EXPECT_FALSE(contains(v[5].error, "BodyLength")) << v[5].error;
  EXPECT_TRUE(contains(v[6].error, "'garbage' is not <tag>=<value>")) << v[6].error;
  EXPECT_TRUE(contains(v[7].error, "ends without CheckSum (10)")) << v[7].error;
  EXPECT_TRUE(contains(v[7].error, "before the next message on line 9")) << v[7].error;
  EXPECT_TRUE(contains(v[9].error, "no FIX message on this line")) << v[9].error;
  // the messages after the damage are intact
  EXPECT_STREQ(v[8].execution_report.cl_ord_id, "B5X3C5XE");
  EXPECT_EQ(v[8].execution_report.leaves_qty, 26000000);
  EXPECT_EQ(v[10].msg_type, "5");

  // Relaxed, the checksum and length damage no longer stops decoding (the rest still does).
  const std::vector<FixLogEntry> lax = read_all(path, relaxed());
  ASSERT_EQ(lax.size(), 10u) << "text lines not reported";
  EXPECT_EQ(lax[2].kind, FixLogKind::kExecutionReport);
  EXPECT_EQ(lax[2].execution_report.last_px, 586150000000LL);
  EXPECT_EQ(lax[4].kind, FixLogKind::kNewOrder);
  EXPECT_EQ(lax[5].kind, FixLogKind::kInvalid);
  EXPECT_EQ(lax[6].kind, FixLogKind::kInvalid);
  EXPECT_EQ(lax[7].kind, FixLogKind::kInvalid);
}

TEST(FixLog, MissingRequiredFieldsAndBadValuesAreNamedAndTheRestDecoded) {
  TempDir dir("fixlog_req");
  const std::string path = dir.path() + "/req.log";
  std::string text;
  // FIX 4.1 report without ExecType (150) and LeavesQty (151).
  text += fix_msg("FIX.4.1",
                  "35=8|34=2|49=EXEC|52=20121105-23:24:42|56=BANZAI|6=12.3|11=A1|14=100|17=E1|20=0|"
                  "31=12.3|32=100|37=O1|38=100|39=2|54=1|55=MSFT|") +
          "\n";
  // FIX 4.4 fill with a LastPx that is not a decimal.
  text += fix_msg("FIX.4.4",
                  "35=8|34=3|49=B|52=20240102-14:30:00.000|56=A|6=1.5|11=A2|14=10|17=E2|31=1.5x|"
                  "32=10|37=O2|38=10|39=2|54=2|55=SPY|150=F|151=0|") +
          "\n";
  // FIX 4.4 X with a good entry and one whose size has too many decimals.
  text += fix_msg("FIX.4.4",
                  "35=X|34=4|49=B|52=20240102-14:30:01.000|56=A|262=r|268=2|279=0|269=0|55=SPY|"
                  "270=470.5|271=300|279=0|269=1|55=SPY|270=470.6|271=0.0000001|") +
          "\n";
  write_file(path, text);
  const std::vector<FixLogEntry> v = read_all(path);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].kind, FixLogKind::kExecutionReport);
  EXPECT_TRUE(contains(v[0].error, path +
                                       ":1: ExecutionReport lacks required fields ExecType (150), "
                                       "LeavesQty (151) (FIX.4.1)"))
      << v[0].error;
  EXPECT_EQ(v[0].execution_report.last_px, 12300000000LL);
  EXPECT_EQ(v[0].execution_report.cum_qty, 100000000);
  EXPECT_STREQ(v[0].execution_report.exec_id, "E1");

  EXPECT_EQ(v[1].kind, FixLogKind::kExecutionReport);
  EXPECT_TRUE(contains(v[1].error, "LastPx (31) '1.5x': expected a plain decimal")) << v[1].error;
  EXPECT_EQ(v[1].execution_report.last_px, 0) << "the bad field is dropped";
  EXPECT_EQ(v[1].execution_report.last_qty, 10000000) << "the rest is decoded";
  EXPECT_EQ(v[1].execution_report.avg_px, 1500000000);
  EXPECT_STREQ(v[1].execution_report.exec_id, "E2");

  EXPECT_EQ(v[2].kind, FixLogKind::kMarketData);
  EXPECT_TRUE(contains(v[2].error, "NoMDEntries (268) entry 2: MDEntrySize (271) '0.0000001'"))
      << v[2].error;
  ASSERT_EQ(v[2].market_data.size(), 1u);
  EXPECT_EQ(v[2].market_data[0].bid, 470500000000LL);
  EXPECT_EQ(v[2].market_data[0].bid_size, 300000000);
  EXPECT_EQ(v[2].market_data[0].ask, 0);
}

TEST(FixLog, SessionRejectGetsTheClOrdIdOfTheRejectedOrder) {
  TempDir dir("fixlog_rej");
  const std::string path = dir.path() + "/rej.log";
  std::string text;
  text += fix_msg("FIX.4.4",
                  "35=D|34=7|49=BALLAST|52=20240102-14:30:00.000|56=BROKER|11=ORD7|38=1|40=2|44=1|"
                  "54=1|55=SPY|59=0|60=20240102-14:30:00.000|",
                  '\x01') +
          "\n";
  text += fix_msg("FIX.4.4",
                  "35=3|34=9|49=BROKER|52=20240102-14:30:00.010|56=BALLAST|45=7|371=44|372=D|373=5|"
                  "58=Value is incorrect|",
                  '\x01') +
          "\n";
  write_file(path, text);
  const std::vector<FixLogEntry> v = read_all(path);
  ASSERT_EQ(v.size(), 2u);
  ASSERT_EQ(v[1].kind, FixLogKind::kSessionReject);
  EXPECT_EQ(v[1].error, "");
  EXPECT_EQ(v[1].session_reject.ref_seq_num, 7u);
  EXPECT_EQ(v[1].session_reject.ref_tag, 44);
  EXPECT_EQ(v[1].session_reject.reason, 5);
  EXPECT_STREQ(v[1].session_reject.ref_msg_type, "D");
  EXPECT_STREQ(v[1].session_reject.cl_ord_id, "ORD7");
  EXPECT_STREQ(v[1].session_reject.text, "Value is incorrect");
}

TEST(FixLog, UnfinishedMessagesAreCutOffAtTheLineLimitAndAtTheEndOfTheFile) {
  TempDir dir("fixlog_cut");
  const std::string path = dir.path() + "/cut.log";
  const std::string good = fix_msg("FIX.4.4", "35=0|34=2|49=A|52=20240102-14:30:00.000|56=B|");
  std::string text = "8=FIX.4.4|9=5|35=0|\n";
  for (int i = 0; i < 5; ++i) text += "noise " + std::to_string(i) + "\n";
  text += "still noise\n" + good + "\n8=FIX.4.4|9=40|35=0|34=3\n";
  write_file(path, text);
  FixLogOptions o;
  o.max_lines_per_message = 4;
  const std::vector<FixLogEntry> v = read_all(path, o);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].kind, FixLogKind::kInvalid);
  EXPECT_EQ(v[0].line, 1u);
  EXPECT_EQ(v[0].last_line, 4u);
  EXPECT_TRUE(contains(v[0].error, "after 4 lines (max_lines_per_message)")) << v[0].error;
  EXPECT_EQ(v[1].line, 8u);
  EXPECT_EQ(v[1].error, "");
  EXPECT_EQ(v[2].line, 9u);
  EXPECT_TRUE(contains(v[2].error, path + ":9: message cut off at the end of the file"))
      << v[2].error;
}

TEST(FixLog, OpenErrorNamesThePath) {
  std::vector<FixLogEntry> v;
  std::string error;
  EXPECT_FALSE(read_fix_log("/nonexistent/ballast/fix.log", FixLogOptions(), v, error));
  EXPECT_TRUE(contains(error, "/nonexistent/ballast/fix.log: cannot open")) << error;
  FixLogReader r;
  FixLogEntry e;
  EXPECT_FALSE(r.open("/nonexistent/ballast/fix.log", FixLogOptions(), error));
  EXPECT_FALSE(r.next(e));
}

// ------------------------------------------------------------------------------- credentials

TEST(FixLog, UsernameAndPasswordNeverAppearInAnyOutput) {
  struct Secret {
    std::string file;
    std::vector<std::string> values;
  };
  TempDir dir("fixlog_secret");
  const std::string synthetic = dir.path() + "/secrets.log";
  {
    std::string text;
    text += fix_msg("FIX.4.4",
                    "35=A|34=1|49=BALLAST|52=20240102-14:30:00.000|56=BROKER|98=0|108=30|"
                    "553=alice-K9|554=hunter2-Zq|") +
            "\n";
    // same, with a damaged CheckSum
    std::string bad = fix_msg("FIX.4.4",
                              "35=A|34=2|49=BALLAST|52=20240102-14:30:00.000|56=BROKER|98=0|"
                              "108=30|553=alice-K9|554=hunter2-Zq|");
    bad[bad.size() - 2] = bad[bad.size() - 2] == '0' ? '1' : '0';
    text += bad + "\n";
    text += "log text 554=hunter2-Zq 553=alice-K9\n";  // a text line mentioning them
    text += "8=FIX.4.4|9=60|35=A|34=3|553=alice-K9|554=hunter2-Zq\n";  // cut off at the end
    write_file(synthetic, text);
  }
  const std::vector<Secret> files = {
      {kData + "upstream/jspurefix/jsfix_test_client_session_FIX44.txt",
       {"js-client", "pwd-client", "js-server", "pwd-server"}},
      {kData + "upstream/jspurefix/quickfix_example_logon.txt", {"553=sit", "consectetur"}},
      {synthetic, {"alice-K9", "hunter2-Zq"}},
  };
  for (const Secret& s : files) {
    for (int mode = 0; mode < 2; ++mode) {
      FixLogOptions o = mode == 0 ? FixLogOptions() : relaxed();
      o.report_text_lines = true;
      const std::vector<FixLogEntry> v = read_all(s.file, o);
      ASSERT_FALSE(v.empty());
      int redacted = 0;
      for (const FixLogEntry& e : v) {
        const std::string t = all_text(e);
        for (const std::string& secret : s.values) {
          EXPECT_FALSE(contains(t, secret))
              << s.file << ":" << e.line << " shows " << secret << "\n"
              << t;
        }
        redacted += contains(e.text, "554=***") ? 1 : 0;
      }
      EXPECT_GE(redacted, 1) << s.file;
    }
  }
}

// --------------------------------------------------------------- a live loopback session's log

SessionConfig loopback_session(int port, const std::string& dir) {
  SessionConfig s;
  s.name = "loop44";
  s.begin_string = "FIX.4.4";
  s.port = port;
  s.sender_comp_id = "BALLAST";
  s.target_comp_id = "BROKER";
  s.store_dir = dir + "/initiator/store";
  s.log_dir = dir + "/initiator/log";
  s.reconnect_min_ms = 300;
  s.reconnect_max_ms = 1200;
  s.md_symbols = {"AAPL"};
  s.username = "loop-user-7Yq";
  s.password = "loop-pass-3Rw";
  return s;
}

TEST(FixLog, QuickFixFileLogOfALoopbackSessionReadsBackWhatTheInitiatorDelivered) {
  TempDir dir("fixlog_loop");
  const int port = free_port();
  TestAcceptor acceptor("FIX.4.4", port, dir.path());
  ASSERT_TRUE(acceptor.start());
  RecordingListener listener;
  InitiatorConfig ic;
  ic.sessions.push_back(loopback_session(port, dir.path()));
  std::string error;
  std::unique_ptr<Initiator> init = Initiator::create(ic, listener, error);
  ASSERT_NE(init, nullptr) << error;
  ASSERT_TRUE(init->start(error)) << error;
  ASSERT_TRUE(wait_until([&] { return init->logged_on(0) && acceptor.logged_on(); }, 5000));

  NewOrder o;
  set_text(o.cl_ord_id, std::string("L1"));
  set_text(o.account, std::string("ACC1"));
  set_text(o.symbol, std::string("AAPL"));
  o.side = '1';
  o.qty = 123456000;         // 123.456
  o.price = 585330000000LL;  // 585.33
  o.transact_time_ns = ts("20240102-14:29:59.123456");
  ASSERT_TRUE(init->send(o));
  StatusRequest s;
  set_text(s.cl_ord_id, std::string("L1"));
  set_text(s.symbol, std::string("AAPL"));
  ASSERT_TRUE(init->send(s));
  CancelRequest c;
  set_text(c.cl_ord_id, std::string("L2"));
  set_text(c.orig_cl_ord_id, std::string("L1"));
  set_text(c.symbol, std::string("AAPL"));
  c.qty = 123456000;
  c.transact_time_ns = ts("20240102-14:30:02.5");
  ASSERT_TRUE(init->send(c));
  ASSERT_TRUE(
      wait_until([&] { return listener.ers().size() >= 4 && listener.md().size() >= 2; }, 5000));
  init->stop();  // Logout: the log is complete
  const std::vector<ExecutionReport> live_ers = listener.ers();
  const std::vector<MarketDataUpdate> live_md = listener.md();
  init.reset();
  acceptor.stop();

  const std::string path =
      dir.path() + "/initiator/log/FIX.4.4-BALLAST-BROKER.messages.current.log";
  FixLogOptions ours;
  ours.our_comp_id = "BALLAST";
  ours.report_text_lines = true;
  FixLogReader r;
  ASSERT_TRUE(r.open(path, ours, error)) << error;
  std::vector<FixLogEntry> v;
  FixLogEntry e;
  while (r.next(e)) v.push_back(e);
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(r.stats().with_error, 0u);
  EXPECT_EQ(r.sessions(), std::vector<std::string>{"FIX.4.4:BALLAST->BROKER"});

  std::vector<ExecutionReport> ers;
  std::vector<MarketDataUpdate> md;
  std::map<std::string, int> sent;
  for (const FixLogEntry& x : v) {
    EXPECT_EQ(x.error, "") << x.line;
    EXPECT_EQ(x.time_source, FixLogTimeSource::kQuickFixLog);
    EXPECT_GT(x.time_ns, 0);
    EXPECT_FALSE(contains(all_text(x), "loop-user-7Yq"));
    EXPECT_FALSE(contains(all_text(x), "loop-pass-3Rw"));
    if (x.direction == FixLogDirection::kSent) ++sent[x.msg_type];
    if (x.direction == FixLogDirection::kReceived && x.kind == FixLogKind::kExecutionReport) {
      ers.push_back(x.execution_report);
    }
    if (x.direction == FixLogDirection::kReceived && x.kind == FixLogKind::kMarketData) {
      md.insert(md.end(), x.market_data.begin(), x.market_data.end());
    }
    if (x.kind == FixLogKind::kNewOrder) {
      EXPECT_EQ(x.direction, FixLogDirection::kSent);
      EXPECT_STREQ(x.new_order.cl_ord_id, "L1");
      EXPECT_STREQ(x.new_order.account, "ACC1");
      EXPECT_EQ(x.new_order.qty, o.qty);
      EXPECT_EQ(x.new_order.price, o.price);
      EXPECT_EQ(x.new_order.transact_time_ns, ts("20240102-14:29:59.123")) << "ms on the wire";
    }
    if (x.kind == FixLogKind::kCancelRequest) {
      EXPECT_STREQ(x.cancel_request.orig_cl_ord_id, "L1");
      EXPECT_EQ(x.cancel_request.qty, c.qty);
    }
    if (x.kind == FixLogKind::kStatusRequest) {
      EXPECT_STREQ(x.status_request.cl_ord_id, "L1");
    }
    if (x.msg_type == "A" && x.direction == FixLogDirection::kSent) {
      EXPECT_TRUE(contains(x.text, "|553=***|")) << x.text;
      EXPECT_TRUE(contains(x.text, "|554=***|")) << x.text;
    }
  }
  EXPECT_EQ(sent["A"], 1);
  EXPECT_EQ(sent["V"], 1);
  EXPECT_EQ(sent["D"], 1);
  EXPECT_EQ(sent["H"], 1);
  EXPECT_EQ(sent["F"], 1);
  EXPECT_EQ(sent["5"], 1);
  // What the log decodes to is exactly what the live initiator handed the engine.
  ASSERT_EQ(ers.size(), live_ers.size());
  for (std::size_t i = 0; i < ers.size(); ++i)
    expect_same(ers[i], live_ers[i], "er " + std::to_string(i));
  ASSERT_EQ(md.size(), live_md.size());
  for (std::size_t i = 0; i < md.size(); ++i)
    expect_same(md[i], live_md[i], "md " + std::to_string(i));
  EXPECT_EQ(ers[1].last_px, 585330000000LL);
  EXPECT_EQ(ers[1].last_qty, 123456000);
}

}  // namespace
}  // namespace fix
}  // namespace ballast
