// broker-sim on loopback: a real QuickFIX initiator (FIX 4.2 and 4.4) logs on, trades against the
// tape the test feeds, subscribes to market data; the message log is checked against fills().
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "test_support.hpp"

namespace ballast {
namespace fix {
namespace test {
namespace {

struct Rig {
  TempDir dir;
  std::unique_ptr<BrokerSim> sim;
  std::unique_ptr<TestInitiator> client;

  void start(BrokerSimConfig cfg, const std::string& client_begin) {
    std::string error;
    sim = BrokerSim::create(cfg, error);
    ASSERT_TRUE(sim) << error;
    ASSERT_TRUE(sim->start(error)) << error;
    ASSERT_GT(sim->port(), 0);
    client.reset(new TestInitiator(client_begin, sim->port(), dir / "client"));
    ASSERT_TRUE(client->start(error)) << error;
    ASSERT_TRUE(client->wait_logon()) << "initiator did not log on";
    ASSERT_TRUE(wait_for([&] { return sim->logged_on() == 1; }));
  }
  void stop() {
    if (client) client->stop();
    if (sim) sim->stop();
  }
  ~Rig() { stop(); }
};

/// Every fill line in the log (ExecutionReport with LastQty/LastShares > 0, first sending only).
std::vector<SimFill> fills_in_log(const std::vector<LogLine>& lines) {
  std::vector<SimFill> out;
  std::set<std::string> seen;
  for (const LogLine& l : lines) {
    if (l.dir != "OUT" || l.get(35) != "8" || l.get(32).empty()) continue;
    std::int64_t q = 0, p = 0;
    if (!parse_decimal(l.get(32), 6, q) || !parse_decimal(l.get(31), 9, p) || q <= 0) continue;
    if (!seen.insert(l.get(17)).second) continue;  // a resend (43=Y) of a fill already logged
    SimFill f;
    f.session = l.session;
    f.account = l.get(1);
    f.symbol = l.get(55);
    f.cl_ord_id = l.get(11);
    f.exec_id = l.get(17);
    f.side = l.get(54).empty() ? '?' : l.get(54)[0];
    f.qty = q;
    f.price = p;
    f.tape_time_ns = l.tape_ns;
    out.push_back(f);
  }
  return out;
}

void expect_same_fills(const std::vector<SimFill>& a, const std::vector<SimFill>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].exec_id, b[i].exec_id) << i;
    EXPECT_EQ(a[i].session, b[i].session) << i;
    EXPECT_EQ(a[i].account, b[i].account) << i;
    EXPECT_EQ(a[i].symbol, b[i].symbol) << i;
    EXPECT_EQ(a[i].cl_ord_id, b[i].cl_ord_id) << i;
    EXPECT_EQ(a[i].side, b[i].side) << i;
    EXPECT_EQ(a[i].qty, b[i].qty) << i;
    EXPECT_EQ(a[i].price, b[i].price) << i;
    EXPECT_EQ(a[i].tape_time_ns, b[i].tape_time_ns) << i;
  }
}

/// Every application message the client sent (D/F/G/H/V) is in the log as IN, and everything
/// it received as OUT (by sequence number).
void expect_log_has_everything(const std::vector<LogLine>& lines, const TestInitiator& client,
                               const std::string& sim_session) {
  std::set<std::string> out_seqs;
  std::set<std::string> in_types;
  for (const LogLine& l : lines) {
    if (l.session != sim_session) continue;
    if (l.dir == "OUT") out_seqs.insert(l.get(34));
    if (l.dir == "IN") in_types.insert(l.get(35));
  }
  for (const FIX::Message& m : client.received()) {
    const std::string seq = m.getHeader().getField(34);
    EXPECT_TRUE(out_seqs.count(seq))
        << "received message seq " << seq << " missing from the message log";
  }
  EXPECT_TRUE(in_types.count("A")) << "Logon not logged";
}

TEST(BrokerSimLoopback, Fix44OrdersFillsCancelReplaceStatusAndMessageLog) {
  Rig rig;
  BrokerSimConfig cfg = sim_config(rig.dir, {sim_session("FIX.4.4"), sim_session("FIX.4.2")});
  rig.start(cfg, "FIX.4.4");
  BrokerSim& sim = *rig.sim;
  TestInitiator& c = *rig.client;
  const std::string sid = "FIX.4.4:BROKERSIM->BALLAST";

  sim.on_tape(quote("SPY", kT0 + 1000, px(13600), sh(500), px(13610), sh(200)));
  ASSERT_TRUE(c.send(c.new_order("B1", "SPY", '1', sh(300), px(13615))));
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("B1").size() >= 2; }));
  auto b1 = c.for_cl_ord_id("B1");
  EXPECT_EQ(field(b1[0], 150), "0");
  EXPECT_EQ(field(b1[0], 39), "0");
  EXPECT_EQ(field(b1[0], 1), "ACC1");
  EXPECT_EQ(field(b1[0], 55), "SPY");
  EXPECT_EQ(field(b1[0], 54), "1");
  EXPECT_FALSE(field(b1[0], 37).empty());
  EXPECT_EQ(field(b1[1], 150), "F");
  EXPECT_EQ(field(b1[1], 39), "1");
  EXPECT_EQ(field(b1[1], 32), "200");
  EXPECT_EQ(field(b1[1], 31), "136.1");
  EXPECT_EQ(field(b1[1], 151), "100");
  EXPECT_EQ(field(b1[1], 60), "20120621-14:30:00.000");  // tape time, not wall time
  EXPECT_EQ(field(b1[0], 37), field(b1[1], 37));

  // The ask refreshes: the rest fills at the new ask.
  sim.on_tape(quote("SPY", kT0 + 2000000, px(13600), sh(500), px(13612), sh(1000)));
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("B1").size() >= 3; }));
  b1 = c.for_cl_ord_id("B1");
  EXPECT_EQ(field(b1[2], 39), "2");
  EXPECT_EQ(field(b1[2], 32), "100");
  EXPECT_EQ(field(b1[2], 31), "136.12");
  EXPECT_EQ(field(b1[2], 14), "300");
  EXPECT_EQ(field(b1[2], 60), "20120621-14:30:00.002");

  // A resting sell, replaced, then a trade prints through it; then cancel the rest.
  ASSERT_TRUE(c.send(c.new_order("S1", "SPY", '2', sh(100), px(13650))));
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("S1").size() >= 1; }));
  ASSERT_TRUE(c.send(c.replace("S2", "S1", "SPY", '2', sh(150), px(13640))));
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("S2").size() >= 1; }));
  auto s2 = c.for_cl_ord_id("S2");
  EXPECT_EQ(field(s2[0], 150), "5");
  EXPECT_EQ(field(s2[0], 41), "S1");
  EXPECT_EQ(field(s2[0], 38), "150");
  EXPECT_EQ(field(s2[0], 44), "136.4");
  sim.on_tape(trade("SPY", kT0 + 3000000, px(13640), sh(40)));  // at the price: nothing
  sim.on_tape(trade("SPY", kT0 + 4000000, px(13641), sh(40)));  // through: 40 at 136.40
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("S2").size() >= 2; }));
  s2 = c.for_cl_ord_id("S2");
  EXPECT_EQ(field(s2[1], 150), "F");
  EXPECT_EQ(field(s2[1], 32), "40");
  EXPECT_EQ(field(s2[1], 31), "136.4");
  ASSERT_TRUE(c.send(c.cancel("S3", "S2", "SPY", '2', sh(150))));
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("S3").size() >= 1; }));
  auto s3 = c.for_cl_ord_id("S3");
  EXPECT_EQ(field(s3[0], 150), "4");
  EXPECT_EQ(field(s3[0], 39), "4");
  EXPECT_EQ(field(s3[0], 41), "S2");
  EXPECT_EQ(field(s3[0], 14), "40");
  EXPECT_EQ(field(s3[0], 151), "0");

  // Cancel again: rejected (too late); unknown order: rejected (unknown).
  ASSERT_TRUE(c.send(c.cancel("S4", "S3", "SPY", '2', sh(150))));
  ASSERT_TRUE(c.send(c.cancel("X2", "X1", "SPY", '2', sh(150))));
  ASSERT_TRUE(c.wait_count("9", 2));
  auto rejects = c.received("9");
  EXPECT_EQ(field(rejects[0], 11), "S4");
  EXPECT_EQ(field(rejects[0], 102), "0");
  EXPECT_EQ(field(rejects[0], 39), "4");
  EXPECT_EQ(field(rejects[0], 434), "1");
  EXPECT_EQ(field(rejects[1], 11), "X2");
  EXPECT_EQ(field(rejects[1], 102), "1");
  EXPECT_EQ(field(rejects[1], 37), "NONE");

  // Status: known and unknown.
  ASSERT_TRUE(c.send(c.status("B1", "SPY", '1')));
  ASSERT_TRUE(c.send(c.status("NOPE", "SPY", '1')));
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("NOPE").size() >= 1; }));
  b1 = c.for_cl_ord_id("B1");
  ASSERT_EQ(b1.size(), 4u);
  EXPECT_EQ(field(b1[3], 150), "I");
  EXPECT_EQ(field(b1[3], 39), "2");
  EXPECT_EQ(field(b1[3], 14), "300");
  EXPECT_EQ(field(b1[3], 6),
            "136.106666667");  // (200 x 136.10 + 100 x 136.12) / 300, rounded at 1e-9
  auto nope = c.for_cl_ord_id("NOPE");
  EXPECT_EQ(field(nope[0], 150), "I");
  EXPECT_EQ(field(nope[0], 39), "8");
  EXPECT_EQ(field(nope[0], 103), "5");

  const BrokerSimCounters k = sim.counters();
  EXPECT_EQ(k.orders, 2u);
  EXPECT_EQ(k.fills, 3u);
  EXPECT_EQ(k.cancels, 3u);
  EXPECT_EQ(k.replaces, 1u);
  EXPECT_EQ(k.status_requests, 2u);
  EXPECT_EQ(k.resting, 0u);
  EXPECT_EQ(k.logons, 1u);

  rig.stop();
  int bad = 0;
  const auto lines = read_message_log(cfg.message_log, bad);
  EXPECT_EQ(bad, 0);
  expect_same_fills(fills_in_log(lines), sim.fills());
  ASSERT_EQ(sim.fills().size(), 3u);
  EXPECT_EQ(sim.fills()[0].tape_time_ns, kT0 + 1000);  // exact tape time, not just ms
  expect_log_has_everything(lines, c, sid);
  // The Logon's credentials never reach the log.
  std::ifstream in(cfg.message_log);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(all.find("s3cret-pw"), std::string::npos);
  EXPECT_NE(all.find("554=***"), std::string::npos);
  // Both directions, session level too (Logon in and out, Logout at the end).
  int logons_in = 0, logons_out = 0, d_in = 0;
  for (const LogLine& l : lines) {
    if (l.get(35) == "A") (l.dir == "IN" ? logons_in : logons_out)++;
    if (l.get(35) == "D" && l.dir == "IN") ++d_in;
  }
  EXPECT_EQ(logons_in, 1);
  EXPECT_EQ(logons_out, 1);
  EXPECT_EQ(d_in, 2);
}

TEST(BrokerSimLoopback, Fix42ExecutionReportsUseExecTransTypeAndLastShares) {
  Rig rig;
  BrokerSimConfig cfg = sim_config(rig.dir, {sim_session("FIX.4.4"), sim_session("FIX.4.2")});
  rig.start(cfg, "FIX.4.2");
  BrokerSim& sim = *rig.sim;
  TestInitiator& c = *rig.client;

  sim.on_tape(quote("AAPL", kT0, px(58000), sh(100), px(58010), sh(50)));
  ASSERT_TRUE(c.send(c.new_order("A1", "AAPL", '1', sh(80), px(58010))));
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("A1").size() >= 2; }));
  sim.on_tape(quote("AAPL", kT0 + 5000000, px(58000), sh(100), px(58010), sh(70)));
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("A1").size() >= 3; }));
  ASSERT_TRUE(c.send(c.status("A1", "AAPL", '1')));
  ASSERT_TRUE(c.send(c.status("ZZ", "AAPL", '1')));
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("ZZ").size() >= 1; }));
  auto a1 = c.for_cl_ord_id("A1");
  ASSERT_EQ(a1.size(), 4u);
  EXPECT_EQ(field(a1[0], 20), "0");
  EXPECT_EQ(field(a1[0], 150), "0");
  EXPECT_EQ(field(a1[1], 20), "0");
  EXPECT_EQ(field(a1[1], 150), "1");  // partial fill
  EXPECT_EQ(field(a1[1], 32), "50");  // LastShares
  EXPECT_EQ(field(a1[1], 31), "580.1");
  EXPECT_EQ(field(a1[2], 150), "2");  // fill
  EXPECT_EQ(field(a1[2], 39), "2");
  EXPECT_EQ(field(a1[2], 32), "30");
  EXPECT_EQ(field(a1[3], 20), "3");  // status
  EXPECT_EQ(field(a1[3], 150), "2");
  auto zz = c.for_cl_ord_id("ZZ");
  EXPECT_EQ(field(zz[0], 20), "3");
  EXPECT_EQ(field(zz[0], 150), "8");
  EXPECT_EQ(field(zz[0], 39), "8");
  EXPECT_EQ(field(zz[0], 103), "5");

  // A replace to a quantity not above CumQty is refused with a 4.2 reason code.
  ASSERT_TRUE(c.send(c.new_order("A2", "AAPL", '1', sh(100), px(58000))));
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("A2").size() >= 1; }));
  sim.on_tape(trade("AAPL", kT0 + 6000000, px(57990), sh(60)));
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("A2").size() >= 2; }));
  ASSERT_TRUE(c.send(c.replace("A3", "A2", "AAPL", '1', sh(60), px(58000))));
  ASSERT_TRUE(c.wait_count("9", 1));
  auto r = c.received("9");
  EXPECT_EQ(field(r[0], 434), "2");
  EXPECT_EQ(field(r[0], 102), "2");
  EXPECT_EQ(field(r[0], 39), "1");

  // Market data in FIX 4.2 too: W, then X for a trade.
  ASSERT_TRUE(c.send(c.md_request("M42", '1', {"AAPL"})));
  ASSERT_TRUE(c.wait_count("W", 1));
  const FIX::Message w = c.received("W")[0];
  ASSERT_EQ(w.groupCount(268), 2u);
  EXPECT_EQ(w.getGroupRef(1, 268).getField(270), "580");
  EXPECT_EQ(w.getGroupRef(2, 268).getField(270), "580.1");
  EXPECT_EQ(w.getGroupRef(2, 268).getField(271), "70");  // the tape's size, not what we took
  sim.on_tape(trade("AAPL", kT0 + 7000000, px(58005), sh(5)));
  ASSERT_TRUE(c.wait_count("X", 1));
  const FIX::Message x = c.received("X")[0];
  ASSERT_EQ(x.groupCount(268), 1u);
  EXPECT_EQ(x.getGroupRef(1, 268).getField(269), "2");
  EXPECT_EQ(x.getGroupRef(1, 268).getField(270), "580.05");
  EXPECT_EQ(x.getGroupRef(1, 268).getField(273), "14:30:00.007");

  rig.stop();
  int bad = 0;
  const auto lines = read_message_log(cfg.message_log, bad);
  EXPECT_EQ(bad, 0);
  expect_same_fills(fills_in_log(lines), sim.fills());
  EXPECT_EQ(sim.fills().size(), 3u);
  expect_log_has_everything(lines, c, "FIX.4.2:BROKERSIM->BALLAST");
}

TEST(BrokerSimLoopback, MarketDataSnapshotThenIncrementalsUntilUnsubscribed) {
  Rig rig;
  BrokerSimConfig cfg = sim_config(rig.dir, {sim_session("FIX.4.4")});
  rig.start(cfg, "FIX.4.4");
  BrokerSim& sim = *rig.sim;
  TestInitiator& c = *rig.client;

  sim.on_tape(quote("GOOG", kT0 + 123456789, px(57000), sh(300), px(57050), sh(400)));
  ASSERT_TRUE(c.send(c.md_request("MD1", '1', {"GOOG"})));
  ASSERT_TRUE(c.wait_count("W", 1));
  const FIX::Message w = c.received("W")[0];
  EXPECT_EQ(field(w, 262), "MD1");
  EXPECT_EQ(field(w, 55), "GOOG");
  ASSERT_EQ(w.groupCount(268), 2u);
  const FIX::FieldMap& bid = w.getGroupRef(1, 268);
  const FIX::FieldMap& offer = w.getGroupRef(2, 268);
  EXPECT_EQ(bid.getField(269), "0");
  EXPECT_EQ(bid.getField(270), "570");
  EXPECT_EQ(bid.getField(271), "300");
  EXPECT_EQ(bid.getField(272), "20120621");
  EXPECT_EQ(bid.getField(273), "14:30:00.123");
  EXPECT_EQ(offer.getField(269), "1");
  EXPECT_EQ(offer.getField(270), "570.5");

  sim.on_tape(quote("GOOG", kT0 + 200000000, px(57010), sh(100), px(57050), sh(400)));
  sim.on_tape(trade("GOOG", kT0 + 300000000, px(57030), sh(25)));
  ASSERT_TRUE(c.wait_count("X", 2));
  auto xs = c.received("X");
  ASSERT_EQ(xs[0].groupCount(268), 2u);
  EXPECT_EQ(xs[0].getGroupRef(1, 268).getField(279), "1");
  EXPECT_EQ(xs[0].getGroupRef(1, 268).getField(269), "0");
  EXPECT_EQ(xs[0].getGroupRef(1, 268).getField(270), "570.1");
  EXPECT_EQ(xs[0].getGroupRef(1, 268).getField(271), "100");
  EXPECT_EQ(xs[0].getGroupRef(1, 268).getField(55), "GOOG");
  EXPECT_EQ(xs[0].getGroupRef(2, 268).getField(269), "1");
  EXPECT_EQ(xs[0].getGroupRef(2, 268).getField(273), "14:30:00.200");
  ASSERT_EQ(xs[1].groupCount(268), 1u);
  EXPECT_EQ(xs[1].getGroupRef(1, 268).getField(269), "2");
  EXPECT_EQ(xs[1].getGroupRef(1, 268).getField(270), "570.3");
  EXPECT_EQ(xs[1].getGroupRef(1, 268).getField(271), "25");
  EXPECT_EQ(xs[1].getGroupRef(1, 268).getField(273), "14:30:00.300");

  // Unknown symbol: MarketDataRequestReject.
  ASSERT_TRUE(c.send(c.md_request("MD2", '1', {"NOSUCH"})));
  ASSERT_TRUE(c.wait_count("Y", 1));
  EXPECT_EQ(field(c.received("Y")[0], 262), "MD2");
  EXPECT_EQ(field(c.received("Y")[0], 281), "0");

  // Unsubscribe: no more X. The status answer comes after anything the tape event caused.
  ASSERT_TRUE(c.send(c.md_request("MD1", '2', {"GOOG"})));
  ASSERT_TRUE(c.send(c.status("none", "GOOG", '1')));
  ASSERT_TRUE(c.wait_count("8", 1));
  sim.on_tape(quote("GOOG", kT0 + 400000000, px(57020), sh(100), px(57050), sh(400)));
  ASSERT_TRUE(c.send(c.status("none2", "GOOG", '1')));
  ASSERT_TRUE(c.wait_count("8", 2));
  EXPECT_EQ(c.received("X").size(), 2u);
  EXPECT_EQ(sim.counters().md_subscriptions, 1u);  // MD2 was rejected

  rig.stop();
  int bad = 0;
  const auto lines = read_message_log(cfg.message_log, bad);
  EXPECT_EQ(bad, 0);
  int w_out = 0, x_out = 0, v_in = 0;
  for (const LogLine& l : lines) {
    if (l.dir == "OUT" && l.get(35) == "W") ++w_out;
    if (l.dir == "OUT" && l.get(35) == "X") ++x_out;
    if (l.dir == "IN" && l.get(35) == "V") ++v_in;
  }
  EXPECT_EQ(w_out, 1);
  EXPECT_EQ(x_out, 2);
  EXPECT_EQ(v_in, 3);
}

TEST(BrokerSimLoopback, DisconnectAfterOrdersThenResendOnReconnect) {
  Rig rig;
  BrokerSimConfig cfg = sim_config(rig.dir, {sim_session("FIX.4.4")});
  cfg.disconnect_after_orders = 2;
  cfg.disconnect_at_ns = {kT0 + 50000000};
  rig.start(cfg, "FIX.4.4");
  BrokerSim& sim = *rig.sim;
  TestInitiator& c = *rig.client;

  sim.on_tape(quote("SPY", kT0, px(13600), sh(500), px(13610), sh(200)));
  ASSERT_TRUE(c.send(c.new_order("O1", "SPY", '1', sh(10), px(13500))));
  ASSERT_TRUE(c.send(c.new_order("O2", "SPY", '1', sh(10), px(13500))));
  // The second accepted order triggers the disconnect; the initiator reconnects by itself.
  ASSERT_TRUE(wait_for([&] { return sim.counters().disconnects == 1; }));
  ASSERT_TRUE(wait_for([&] { return c.logons() == 2 && c.logged_on(); }, 8000));
  // Fills produced while the session is down go out on the resend after the next logon.
  sim.on_tape(trade("SPY", kT0 + 10000000, px(13490), sh(20)));
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("O2").size() >= 2; }));
  // The scheduled disconnect at tape time kT0 + 50 ms; the event's own fills wait for the resend.
  ASSERT_TRUE(c.send(c.new_order("O3", "SPY", '1', sh(10), px(13500))));
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("O3").size() >= 1; }));
  sim.on_tape(trade("SPY", kT0 + 60000000, px(13490), sh(20)));
  // The tape moves on before the initiator is back: the resent fill is still logged with the
  // tape time it was produced at.
  sim.on_tape(quote("SPY", kT0 + 70000000, px(13600), sh(500), px(13610), sh(200)));
  ASSERT_TRUE(wait_for([&] { return sim.counters().disconnects == 2; }));
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("O3").size() >= 2; }, 8000));
  EXPECT_GE(c.logons(), 3);
  EXPECT_EQ(field(c.for_cl_ord_id("O3")[1], 150), "F");
  EXPECT_EQ(sim.counters().disconnects, 2u);  // once each, not again

  rig.stop();
  int bad = 0;
  const auto lines = read_message_log(cfg.message_log, bad);
  EXPECT_EQ(bad, 0);
  expect_same_fills(fills_in_log(lines), sim.fills());
  ASSERT_EQ(sim.fills().size(), 3u);
  EXPECT_EQ(sim.fills()[2].tape_time_ns, kT0 + 60000000);
  bool resent = false;
  for (const LogLine& l : lines)
    resent = resent || (l.get(17) == sim.fills()[2].exec_id && l.get(43) == "Y");
  EXPECT_TRUE(resent) << "the fill made while disconnected should go out as a resend";
  // After each Logon answer a heartbeat follows, once the session counts itself logged on: a
  // report QuickFIX stored unsent between its Logon answer and that point (it writes the answer
  // before it marks the session logged on) shows as a sequence gap at once, not after HeartBtInt.
  int logons_out = 0, hb_after_logon = 0;
  bool want_hb = false;
  for (const LogLine& l : lines) {
    if (l.dir != "OUT") continue;
    if (l.get(35) == "A") {
      ++logons_out;
      want_hb = true;
    } else if (want_hb && l.get(35) == "0") {
      ++hb_after_logon;
      want_hb = false;
    }
  }
  EXPECT_EQ(logons_out, 3);
  EXPECT_EQ(hb_after_logon, logons_out);
  // Every ExecutionReport the sim produced reached the client exactly once as an app message
  // (QuickFIX drops a PossDup it already has).
  std::set<std::string> got;
  for (const FIX::Message& m : c.received("8")) got.insert(field(m, 17));
  for (const SimFill& f : sim.fills()) EXPECT_TRUE(got.count(f.exec_id)) << f.exec_id;
}

TEST(BrokerSimLoopback, AckLatencyDelaysTheAck) {
  Rig rig;
  BrokerSimConfig cfg = sim_config(rig.dir, {sim_session("FIX.4.4")});
  cfg.ack_latency_us = 150000;
  rig.start(cfg, "FIX.4.4");
  TestInitiator& c = *rig.client;
  rig.sim->on_tape(quote("SPY", kT0, px(13600), sh(500), px(13610), sh(200)));
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.send(c.new_order("L1", "SPY", '1', sh(10), px(13500))));
  ASSERT_TRUE(c.send(c.new_order("L2", "SPY", '1', sh(10), px(13500))));
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("L2").size() >= 1; }));
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(waited).count(), 150);
  auto acks = c.received("8");
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(field(acks[0], 11), "L1");  // in order
}

TEST(BrokerSimLoopback, RejectRateOneRejectsEveryOrder) {
  Rig rig;
  BrokerSimConfig cfg = sim_config(rig.dir, {sim_session("FIX.4.4")});
  cfg.reject_rate = 1.0;
  rig.start(cfg, "FIX.4.4");
  TestInitiator& c = *rig.client;
  rig.sim->on_tape(quote("SPY", kT0, px(13600), sh(500), px(13610), sh(200)));
  ASSERT_TRUE(c.send(c.new_order("R1", "SPY", '1', sh(10), px(13610))));
  ASSERT_TRUE(wait_for([&] { return c.for_cl_ord_id("R1").size() >= 1; }));
  auto r = c.for_cl_ord_id("R1")[0];
  EXPECT_EQ(field(r, 150), "8");
  EXPECT_EQ(field(r, 39), "8");
  EXPECT_EQ(field(r, 103), "99");
  EXPECT_EQ(rig.sim->counters().rejects, 1u);
  EXPECT_TRUE(rig.sim->fills().empty());
}

TEST(BrokerSimConfigCheck, RefusesBadConfigurationNamingEachProblem) {
  BrokerSimConfig cfg;
  cfg.sessions.push_back(SimSession{"FIX.4.3", "", "X"});
  cfg.reject_rate = 2;
  std::string error;
  EXPECT_FALSE(BrokerSim::create(cfg, error));
  EXPECT_NE(error.find("sessions[0].begin_string"), std::string::npos) << error;
  EXPECT_NE(error.find("sessions[0].sender_comp_id"), std::string::npos) << error;
  EXPECT_NE(error.find("message_log"), std::string::npos) << error;
  EXPECT_NE(error.find("reject_rate"), std::string::npos) << error;
}

TEST(BrokerSimConfigCheck, PortInUseIsAnError) {
  TempDir dir;
  std::string error;
  auto a = BrokerSim::create(sim_config(dir, {sim_session("FIX.4.4")}), error);
  ASSERT_TRUE(a) << error;
  ASSERT_TRUE(a->start(error)) << error;
  BrokerSimConfig cfg = sim_config(dir, {sim_session("FIX.4.4", "OTHER")});
  cfg.store_dir = dir / "other_store";
  cfg.message_log = dir / "other.log";
  cfg.port = a->port();
  auto b = BrokerSim::create(cfg, error);
  ASSERT_TRUE(b) << error;
  EXPECT_FALSE(b->start(error));
  EXPECT_NE(error.find(std::to_string(a->port())), std::string::npos) << error;
}

}  // namespace
}  // namespace test
}  // namespace fix
}  // namespace ballast
