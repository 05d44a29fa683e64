// broker-sim against a raw TCP client that sends garbage: the sim answers with a session-level
// Reject or drops the connection, and keeps serving a well-behaved QuickFIX session meanwhile.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "test_support.hpp"

namespace ballast {
namespace fix {
namespace test {
namespace {

std::string header(const std::string& type, int seq, const std::string& sender = "RAW") {
  return "35=" + type + "|49=" + sender + "|56=BROKERSIM|34=" + std::to_string(seq) +
         "|52=" + utc_now_text() + "|";
}
std::string logon_body(int seq, const std::string& sender = "RAW") {
  return header("A", seq, sender) + "98=0|108=30|553=rawuser|554=rawpass|";
}

/// Waits for the answer to MsgSeqNum `ref_seq` and checks it holds each of `fields` ("35=3", ...).
void expect_answer(RawClient& raw, int ref_seq, std::initializer_list<const char*> fields) {
  ASSERT_TRUE(
      raw.read_until("\x01"
                     "45=" +
                     std::to_string(ref_seq) + "\x01"))
      << raw.seen();
  for (const char* f : fields) {
    EXPECT_NE(raw.seen().find(std::string("\x01") + f + "\x01"), std::string::npos)
        << f << " in " << raw.seen();
  }
}

class RawClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BrokerSimConfig cfg = sim_config(dir_, {sim_session("FIX.4.4"), sim_session("FIX.4.4", "RAW")});
    std::string error;
    sim_ = BrokerSim::create(cfg, error);
    ASSERT_TRUE(sim_) << error;
    ASSERT_TRUE(sim_->start(error)) << error;
    sim_->on_tape(quote("SPY", kT0, px(13600), sh(500), px(13610), sh(200)));
    good_.reset(new TestInitiator("FIX.4.4", sim_->port(), dir_ / "good"));
    ASSERT_TRUE(good_->start(error)) << error;
    ASSERT_TRUE(good_->wait_logon());
  }
  void TearDown() override {
    if (good_) good_->stop();
    if (sim_) sim_->stop();
  }
  /// The well-behaved session still trades: an order is acked.
  void expect_good_session_serves(const std::string& cl_ord_id) {
    ASSERT_TRUE(good_->logged_on());
    ASSERT_TRUE(good_->send(good_->new_order(cl_ord_id, "SPY", '1', sh(1), px(13500))));
    EXPECT_TRUE(wait_for([&] { return good_->for_cl_ord_id(cl_ord_id).size() >= 1; }))
        << "the well-behaved session got no ack for " << cl_ord_id;
  }

  TempDir dir_;
  std::unique_ptr<BrokerSim> sim_;
  std::unique_ptr<TestInitiator> good_;
};

TEST_F(RawClientTest, LogonWithBadChecksumIsDropped) {
  RawClient raw(sim_->port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.send(frame("FIX.4.4", logon_body(1), 0, /*bad_checksum=*/true)));
  EXPECT_TRUE(raw.wait_closed()) << "sim kept a connection whose Logon had a bad checksum";
  EXPECT_EQ(raw.seen().find("35=A"), std::string::npos);
  expect_good_session_serves("G1");
}

TEST_F(RawClientTest, LogonWithWrongBodyLengthIsDropped) {
  {
    RawClient raw(sim_->port());  // BodyLength short by 5: framing finds the real CheckSum
    ASSERT_TRUE(raw.send(frame("FIX.4.4", logon_body(1), -5)));
    EXPECT_TRUE(raw.wait_closed());
    EXPECT_EQ(raw.seen().find("35=A"), std::string::npos);
  }
  {
    // BodyLength too long: QuickFIX waits for the missing bytes, so the next (valid) Logon is
    // swallowed into one malformed message and the connection is dropped; never logged on.
    RawClient raw(sim_->port());
    ASSERT_TRUE(raw.send(frame("FIX.4.4", logon_body(1), +40)));
    ASSERT_TRUE(raw.send(frame("FIX.4.4", logon_body(1))));
    EXPECT_TRUE(raw.wait_closed());
    EXPECT_EQ(raw.seen().find("35=A"), std::string::npos);
  }
  expect_good_session_serves("G2");
}

TEST_F(RawClientTest, UnknownSessionIsDropped) {
  RawClient raw(sim_->port());
  ASSERT_TRUE(raw.send(frame("FIX.4.4", logon_body(1, "STRANGER"))));
  EXPECT_TRUE(raw.wait_closed());
  EXPECT_EQ(raw.seen().find("35=A"), std::string::npos);
  // Logged against no session ("-"), credentials redacted.
  int bad = 0;
  bool logged = false;
  for (const LogLine& l : read_message_log(dir_ / "sim_messages.log", bad)) {
    logged = logged ||
             (l.session == "-" && l.dir == "IN" && l.get(49) == "STRANGER" && l.get(554) == "***");
  }
  EXPECT_TRUE(logged);
  EXPECT_EQ(bad, 0);
  expect_good_session_serves("G3");
}

TEST_F(RawClientTest, AfterLogonBadMessagesGetSessionRejectsAndTheSessionLives) {
  {
    RawClient raw(sim_->port());
    ASSERT_TRUE(raw.send(frame("FIX.4.4", logon_body(1))));
    ASSERT_TRUE(raw.read_until("35=A\x01")) << raw.seen();
    ASSERT_TRUE(wait_for([&] { return sim_->logged_on() == 2; }));

    // NewOrderSingle without Side (54, required by the dictionary): Reject, RefTagID 54, reason 1
    // (required tag missing).
    ASSERT_TRUE(raw.send(
        frame("FIX.4.4",
              header("D", 2) + "11=R1|21=1|55=SPY|60=20120621-14:30:00.000|38=10|40=2|44=1|")));
    expect_answer(raw, 2, {"35=3", "371=54", "373=1"});

    // Without Symbol (in FIX 4.4 inside the Instrument component, so only the sim notices):
    // BusinessMessageReject, reason 5 (conditionally required field missing).
    ASSERT_TRUE(raw.send(frame(
        "FIX.4.4", header("D", 3) + "11=R1|21=1|54=1|60=20120621-14:30:00.000|38=10|40=2|44=1|")));
    expect_answer(raw, 3, {"35=j", "380=5"});

    // Unknown MsgType: Reject with reason 11 (invalid MsgType).
    ASSERT_TRUE(raw.send(frame("FIX.4.4", header("ZZ", 4) + "58=hello|")));
    expect_answer(raw, 4, {"373=11"});

    // A bad price text: Reject with reason 6 (incorrect data format).
    ASSERT_TRUE(raw.send(frame(
        "FIX.4.4",
        header("D", 5) + "11=R2|21=1|55=SPY|54=1|60=20120621-14:30:00.000|38=10|40=2|44=1.2.3|")));
    expect_answer(raw, 5, {"373=6"});

    // A message with a bad checksum is dropped without an answer (and does not use up a sequence
    // number); the session still answers a TestRequest.
    ASSERT_TRUE(raw.send(
        frame("FIX.4.4",
              header("D", 6) + "11=R3|21=1|55=SPY|54=1|60=20120621-14:30:00.000|38=10|40=2|44=1|",
              0, true)));
    ASSERT_TRUE(raw.send(frame("FIX.4.4", header("1", 6) + "112=PING|")));
    ASSERT_TRUE(
        raw.read_until("\x01"
                       "112=PING\x01"))
        << raw.seen();
    EXPECT_FALSE(raw.closed());
    EXPECT_EQ(raw.seen().find("11=R3"), std::string::npos);

    expect_good_session_serves("G4");
  }  // the raw client hangs up

  // The message log shows the garbage that reached the session, credentials redacted.
  sim_->stop();
  int bad = 0;
  const auto lines = read_message_log(dir_ / "sim_messages.log", bad);
  EXPECT_EQ(bad, 0);
  int rejects_out = 0, business_rejects_out = 0, zz_in = 0;
  for (const LogLine& l : lines) {
    if (l.session != "FIX.4.4:BROKERSIM->RAW") continue;
    if (l.dir == "OUT" && l.get(35) == "3") ++rejects_out;
    if (l.dir == "OUT" && l.get(35) == "j") ++business_rejects_out;
    if (l.dir == "IN" && l.get(35) == "ZZ") ++zz_in;
    EXPECT_EQ(l.text.find("rawpass"), std::string::npos);
  }
  EXPECT_EQ(rejects_out, 3);
  EXPECT_EQ(business_rejects_out, 1);
  EXPECT_EQ(zz_in, 1);
}

// broker-sim reads orders with Ballast's codec (common/fix_codec.hpp), so it takes the identifiers
// the codec's structs hold: a ClOrdID longer than 23 characters gets a session Reject naming tag
// 11 (reason 5, value out of range) instead of being booked and echoed; one that fits is served.
TEST_F(RawClientTest, AClOrdIdTooLongForTheCodecIsRejectedNamingTag11) {
  RawClient raw(sim_->port());
  ASSERT_TRUE(raw.send(frame("FIX.4.4", logon_body(1))));
  ASSERT_TRUE(raw.read_until("35=A\x01")) << raw.seen();
  const std::string too_long(24, 'L');
  ASSERT_TRUE(raw.send(frame("FIX.4.4", header("D", 2) + "11=" + too_long +
                                            "|21=1|55=SPY|54=1|60=20120621-14:30:00.000|38=10|"
                                            "40=2|44=1|")));
  expect_answer(raw, 2, {"35=3", "371=11", "373=5"});
  EXPECT_EQ(raw.seen().find("35=8\x01"), std::string::npos) << "no report for it";
  const std::string fits(23, 'F');
  ASSERT_TRUE(raw.send(frame("FIX.4.4", header("D", 3) + "11=" + fits +
                                            "|21=1|55=SPY|54=1|60=20120621-14:30:00.000|38=10|"
                                            "40=2|44=1|")));
  ASSERT_TRUE(
      raw.read_until("\x01"
                     "11=" +
                     fits + "\x01"))
      << raw.seen();
  EXPECT_NE(raw.seen().find("35=8\x01"), std::string::npos) << raw.seen();
}

}  // namespace
}  // namespace test
}  // namespace fix
}  // namespace ballast
