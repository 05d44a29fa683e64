// The demo scenario end to end: broker-sim (QuickFIX acceptor) and the engine (QuickFIX
// initiator) over loopback TCP while the shipped NASDAQ 2012-06-21 tape is replayed. Ground
// truth is broker-sim's message log: every fill it sent, de-duplicated by ExecID, must equal what
// Ballast booked, account by account and instrument by instrument, exactly.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "demo_command.hpp"

namespace ballast::tools {
namespace {

DemoOptions small_demo(const std::string& name) {
  DemoOptions o;
  o.accounts_per_model = 40;
  o.speed = 300;  // 09:30-10:30 in 12 s: slow enough for an ASan build to keep up with the tape
  o.end_seconds = 10 * 3600 + 30 * 60;  // the replay stops at 10:30 ET
  o.dir = std::string(BALLAST_BINARY_DIR) + "/e2e/" + name;
  o.progress = false;
  return o;
}

void expect_reconciled(const DemoResult& r, const std::string& log) {
  EXPECT_EQ(r.exit_code, 0) << log;
  EXPECT_EQ(r.positions_checked, r.accounts * 3);
  EXPECT_EQ(r.position_mismatches, 0u) << log;
  EXPECT_EQ(r.duplicate_cl_ord_ids, 0u) << log;
  EXPECT_EQ(r.log_fills, r.fills) << "fills booked by Ballast vs distinct fills broker-sim sent\n"
                                  << log;
}

TEST(DemoEndToEnd, EveryAccountEndsInsideItsBandAndPositionsEqualBrokerSimsFills) {
  std::ostringstream out, err;
  const DemoResult r = run_demo(small_demo("fix44"), out, err);
  const std::string log = out.str() + err.str();
  expect_reconciled(r, log);
  EXPECT_EQ(r.accounts, 120u);
  EXPECT_GT(r.accounts_outside_band_before, 20u) << "the scenario must start drifted\n" << log;
  EXPECT_EQ(r.accounts_outside_band_after, 0u) << log;
  EXPECT_GT(r.fills, 100u) << log;
  EXPECT_EQ(r.still_working, 0u) << log;
}

TEST(DemoEndToEnd, Fix42SessionWorksToo) {
  DemoOptions o = small_demo("fix42");
  o.fix_version = "FIX.4.2";
  std::ostringstream out, err;
  const DemoResult r = run_demo(o, out, err);
  const std::string log = out.str() + err.str();
  expect_reconciled(r, log);
  EXPECT_EQ(r.accounts_outside_band_after, 0u) << log;
  EXPECT_GT(r.fills, 100u) << log;
}

TEST(DemoEndToEnd, SessionDropMidRebalanceLosesNoFillAndDuplicatesNoOrder) {
  DemoOptions o = small_demo("reconnect");
  o.disconnect_after_orders = 60;  // broker-sim drops the session in the middle of the open's wave
  // Half the others' pace (09:30-10:30 in 24 s): the reconnect's back-off is wall time, 5 market
  // minutes a second at 300x, and an ASan build sharing 2 cores with another test fell far enough
  // behind the tape at 300x to leave 4 of 120 accounts mid-rebalance at 10:30 (CI, issue 13).
  // At 150x three ASan runs at once on 2 cores all end in band.
  o.speed = 150;
  std::ostringstream out, err;
  const DemoResult r = run_demo(o, out, err);
  const std::string log = out.str() + err.str();
  EXPECT_GE(r.sim_disconnects, 1u) << log;
  EXPECT_GE(r.logons, 2u) << "the engine must have logged on again\n" << log;
  expect_reconciled(r, log);
  EXPECT_EQ(r.accounts_outside_band_after, 0u) << log;
}

}  // namespace
}  // namespace ballast::tools
