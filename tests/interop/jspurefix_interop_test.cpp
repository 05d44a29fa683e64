// Ballast's FIX initiator against an independent FIX engine: jspurefix (TypeScript), run as a
// scripted broker (tests/interop/jspurefix_acceptor.js). The broker validates everything Ballast
// sends against QuickFIX's stock dictionary (not Ballast's trimmed one) and answers a
// NewOrderSingle with New, a partial fill and the full fill at the limit price, and an
// OrderStatusRequest with the order's state. Skipped only when node or tests/interop/node_modules
// is missing (scripts/setup.sh --deps runs npm ci).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "ballast/fix/fix_messages.hpp"
#include "ballast/fix/initiator.hpp"
#include "interop/interop_support.hpp"

namespace ballast::interop {
namespace {

class JspurefixInterop : public ::testing::TestWithParam<std::string> {};

TEST_P(JspurefixInterop, OrderFilledInTwoPartsThenStatusThenLogout) {
  const std::string begin = GetParam();
  const bool fix44 = begin == "FIX.4.4";
  const std::string node = find_on_path("node");
  if (node.empty()) GTEST_SKIP() << "node is not on PATH (scripts/setup.sh installs the npm deps)";
  if (!std::filesystem::exists(interop_dir() + "/node_modules/jspurefix/package.json")) {
    GTEST_SKIP() << interop_dir() << "/node_modules is missing: run `npm ci` there "
                 << "(scripts/setup.sh --deps does)";
  }

  TempDir tmp("jspf");
  ASSERT_FALSE(tmp.path().empty());
  const std::string broker_log = tmp.path() + "/broker.log";
  PeerProcess broker;
  std::string error;
  ASSERT_TRUE(broker.spawn(
      {node, interop_dir() + "/jspurefix_acceptor.js", "--port", "0", "--sender", "BROKER",
       "--target", "BALLAST", "--log", broker_log, "--begin", begin, "--timeout", "120"},
      tmp.path() + "/broker.stderr", error))
      << error;
  // Node loads jspurefix and its dictionaries before READY: seconds on a loaded CI machine.
  const int port = broker.wait_ready(60s, error);
  ASSERT_GT(port, 0) << error;

  RecordingListener listener;
  fix::InitiatorConfig cfg;
  cfg.sessions.push_back(session_config("jspf", begin, port, tmp.path()));
  auto initiator = fix::Initiator::create(cfg, listener, error);
  ASSERT_TRUE(initiator) << error;
  ASSERT_TRUE(initiator->start(error)) << error;
  ASSERT_TRUE(wait_until([&] { return initiator->logged_on(0); }, 10s))
      << listener.status_log() << fix_logs(tmp.path()) << record_text(broker_log);

  // 101 at 585.33: the broker fills 50, then 51, at the limit.
  const std::int64_t px = 585330000000;  // 585.33
  ASSERT_TRUE(initiator->send(limit_order("INTEROP-1", "SPY", 101 * kQty, px)));
  ASSERT_TRUE(wait_until([&] { return listener.reports_for("INTEROP-1").size() >= 3; }, 10s))
      << listener.reports_for("INTEROP-1").size() << " reports\n"
      << record_text(broker_log) << fix_logs(tmp.path());

  const auto ers = listener.reports_for("INTEROP-1");
  ASSERT_EQ(ers.size(), 3u);
  struct Want {
    char exec_type, ord_status;
    std::int64_t last_qty, last_px, cum, leaves, avg;
  };
  const Want want[3] = {
      {'0', '0', 0, 0, 0, 101 * kQty, 0},
      {fix44 ? 'F' : '1', '1', 50 * kQty, px, 50 * kQty, 51 * kQty, px},
      {fix44 ? 'F' : '2', '2', 51 * kQty, px, 101 * kQty, 0, px},
  };
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE("execution report " + std::to_string(i));
    const auto& r = ers[static_cast<std::size_t>(i)];
    EXPECT_EQ(r.session, 0);
    EXPECT_EQ(r.exec_type, want[i].exec_type);
    EXPECT_EQ(r.ord_status, want[i].ord_status);
    EXPECT_EQ(r.last_qty, want[i].last_qty);
    EXPECT_EQ(r.last_px, want[i].last_px);
    EXPECT_EQ(r.cum_qty, want[i].cum);
    EXPECT_EQ(r.leaves_qty, want[i].leaves);
    EXPECT_EQ(r.avg_px, want[i].avg);
    EXPECT_EQ(r.order_qty, 101 * kQty);
    EXPECT_STREQ(r.symbol, "SPY");
    EXPECT_STREQ(r.account, "ACC1");
    EXPECT_EQ(r.side, '1');
    EXPECT_STRNE(r.exec_id, "");
    EXPECT_STREQ(r.order_id, ers[0].order_id);
    EXPECT_NE(r.transact_time_ns, 0);
    EXPECT_FALSE(r.poss_dup);
    if (!fix44) {
      EXPECT_EQ(r.exec_trans_type, '0');
    }
  }
  EXPECT_STRNE(ers[0].exec_id, ers[1].exec_id);
  EXPECT_STRNE(ers[1].exec_id, ers[2].exec_id);

  if (fix44) {
    // OrderMassCancelRequest (the kill switch's mass cancel, docs/fix.md): jspurefix reads it
    // under QuickFIX's stock dictionary and answers with its own OrderMassCancelReport, which
    // Ballast reads as accepted. The cancel it covers is held until a report closes its order:
    // the status answer below (OrdStatus 2, filled) does, so it is never sent.
    fix::MassCancelRequest q;
    fix::set_text(q.cl_ord_id, std::string("MINTEROP-K1"));
    q.transact_time_ns = 1704205800000000000LL;
    ASSERT_TRUE(initiator->send_mass_cancel(q));
    fix::CancelRequest cr;
    fix::set_text(cr.cl_ord_id, std::string("INTEROP-C1"));
    fix::set_text(cr.orig_cl_ord_id, std::string("INTEROP-1"));
    fix::set_text(cr.symbol, std::string("SPY"));
    cr.qty = 101 * kQty;
    cr.transact_time_ns = q.transact_time_ns;
    ASSERT_TRUE(initiator->send_covered("MINTEROP-K1", cr));
    ASSERT_TRUE(
        wait_until([&] { return initiator->counters().mass_cancels_accepted.value() == 1; }, 10s))
        << record_text(broker_log) << fix_logs(tmp.path());
    EXPECT_EQ(initiator->counters().mass_covered.value(), 1u);
  }

  // OrderStatusRequest: the broker answers with the filled state.
  fix::StatusRequest sr;
  sr.session = 0;
  fix::set_text(sr.cl_ord_id, std::string("INTEROP-1"));
  fix::set_text(sr.symbol, std::string("SPY"));
  sr.side = '1';
  ASSERT_TRUE(initiator->send(sr));
  ASSERT_TRUE(wait_until([&] { return listener.reports_for("INTEROP-1").size() >= 4; }, 10s))
      << record_text(broker_log);
  const auto st = listener.reports_for("INTEROP-1")[3];
  EXPECT_EQ(st.exec_type, fix44 ? 'I' : '2');
  if (!fix44) {
    EXPECT_EQ(st.exec_trans_type, '3');
  }
  EXPECT_EQ(st.ord_status, '2');
  EXPECT_EQ(st.cum_qty, 101 * kQty);
  EXPECT_EQ(st.leaves_qty, 0);
  EXPECT_EQ(st.avg_px, px);
  EXPECT_EQ(initiator->counters().mass_fallback_cancels.value(), 0u);

  const auto& c = initiator->counters();
  EXPECT_EQ(c.sent.value(), fix44 ? 3u : 2u);
  EXPECT_EQ(c.send_failures.value(), 0u);
  EXPECT_GE(c.received.value(), 4u);
  EXPECT_EQ(c.invalid_inbound.value(), 0u);
  EXPECT_EQ(c.logons.value(), 1u);
  EXPECT_TRUE(listener.session_rejects().empty());
  EXPECT_TRUE(listener.business_rejects().empty());

  // Logout: the broker exits 0 once it has answered Ballast's Logout.
  initiator->stop();
  const auto rc = broker.wait_exit(10s);
  EXPECT_TRUE(rc.has_value()) << "the broker did not see a logout\n" << record_text(broker_log);
  if (rc) {
    EXPECT_EQ(*rc, 0) << broker.stderr_text();
  }
  EXPECT_FALSE(initiator->logged_on(0));

  // What the broker received from Ballast: exactly the order, the status request and a logout,
  // all valid under jspurefix's reading of QuickFIX's dictionary (no Reject sent back).
  const auto rec = read_record(broker_log);
  const auto orders = messages(rec, "IN", "D");
  ASSERT_EQ(orders.size(), 1u) << record_text(broker_log);
  EXPECT_EQ(orders[0].get(8), begin);
  EXPECT_EQ(orders[0].get(49), "BALLAST");
  EXPECT_EQ(orders[0].get(56), "BROKER");
  EXPECT_EQ(orders[0].get(11), "INTEROP-1");
  EXPECT_EQ(orders[0].get(1), "ACC1");
  EXPECT_EQ(orders[0].get(55), "SPY");
  EXPECT_EQ(orders[0].get(54), "1");
  EXPECT_EQ(orders[0].get(38), "101");
  EXPECT_EQ(orders[0].get(40), "2");
  EXPECT_EQ(orders[0].get(44), "585.33");
  EXPECT_TRUE(orders[0].has(60));
  if (!fix44) {
    EXPECT_TRUE(orders[0].has(21)) << "FIX 4.2 NewOrderSingle needs HandlInst";
  }
  EXPECT_EQ(messages(rec, "IN", "H").size(), 1u);
  if (fix44) {
    const auto qs = messages(rec, "IN", "q");
    ASSERT_EQ(qs.size(), 1u) << record_text(broker_log);
    EXPECT_EQ(qs[0].get(11), "MINTEROP-K1");
    EXPECT_EQ(qs[0].get(530), "7");
    EXPECT_EQ(messages(rec, "OUT", "r").size(), 1u);
    EXPECT_TRUE(messages(rec, "IN", "F").empty()) << "the covered cancel was not sent";
  }
  EXPECT_EQ(messages(rec, "IN", "5").size(), 1u);
  EXPECT_EQ(messages(rec, "OUT", "8").size(), 4u);
  EXPECT_TRUE(messages(rec, "OUT", "3").empty()) << "jspurefix rejected a message from Ballast:\n"
                                                 << record_text(broker_log);
}

INSTANTIATE_TEST_SUITE_P(Versions, JspurefixInterop,
                         ::testing::Values(std::string("FIX.4.4"), std::string("FIX.4.2")),
                         [](const auto& info) {
                           return std::string(info.param == "FIX.4.4" ? "FIX44" : "FIX42");
                         });

}  // namespace
}  // namespace ballast::interop
