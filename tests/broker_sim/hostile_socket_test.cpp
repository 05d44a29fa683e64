// broker-sim against hostile sockets on loopback (issue 13, item 6): a frame QuickFIX cannot
// parse before logon, a BodyLength of 10^9 followed by a stream of bytes, a frame that never ends,
// idle connections that never log on, more of them than the sim admits, bytes that are not FIX,
// and a few hundred random mutations of a Logon. After each: the sim is up, its memory did not
// grow with what was streamed, the bad connection was closed (with a reason counted), and a
// well-behaved QuickFIX initiator still logs on and trades.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "test_support.hpp"

namespace ballast {
namespace fix {
namespace test {
namespace {

/// Resident set size of this process in bytes (the sim runs in it).
std::size_t rss_bytes() {
  std::ifstream in("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

std::string logon(int seq = 1, const std::string& sender = "RAW") {
  return frame("FIX.4.4", "35=A|49=" + sender + "|56=BROKERSIM|34=" + std::to_string(seq) +
                              "|52=" + utc_now_text() + "|98=0|108=30|");
}

/// Sends `bytes` repeatedly (blocks of 64 KiB) until `total` bytes went out or the peer closed;
/// returns the bytes accepted by the kernel.
std::size_t stream_until_closed(int port, const std::string& head, std::size_t total) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a;
  std::memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    if (fd >= 0) ::close(fd);
    return 0;
  }
  timeval tv{2, 0};  // a sim that stops reading without closing: send() returns, the test fails
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  std::size_t sent = 0;
  if (::send(fd, head.data(), head.size(), MSG_NOSIGNAL) == ssize_t(head.size()))
    sent += head.size();
  const std::string block(64 * 1024, 'x');
  while (sent < total) {
    const ssize_t n = ::send(fd, block.data(), block.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return sent;
}

class HostileSocketTest : public ::testing::Test {
 protected:
  void start(int logon_timeout_ms = 10000, int max_pending = 16) {
    BrokerSimConfig cfg = sim_config(dir_, {sim_session("FIX.4.4"), sim_session("FIX.4.4", "RAW")});
    cfg.logon_timeout_ms = logon_timeout_ms;
    cfg.max_pending_connections = max_pending;
    std::string error;
    sim_ = BrokerSim::create(cfg, error);
    ASSERT_TRUE(sim_) << error;
    ASSERT_TRUE(sim_->start(error)) << error;
    sim_->on_tape(quote("SPY", kT0, px(13600), sh(500), px(13610), sh(200)));
  }
  void TearDown() override {
    if (good_) good_->stop();
    if (sim_) sim_->stop();
  }
  /// A well-behaved initiator logs on (a fresh one each time) and an order is acked.
  void expect_normal_client_trades(const std::string& cl_ord_id) {
    if (good_) good_->stop();
    good_.reset(new TestInitiator("FIX.4.4", sim_->port(), dir_ / ("good_" + cl_ord_id)));
    std::string error;
    ASSERT_TRUE(good_->start(error)) << error;
    ASSERT_TRUE(good_->wait_logon(8000)) << "a normal client could not log on";
    ASSERT_TRUE(good_->send(good_->new_order(cl_ord_id, "SPY", '1', sh(1), px(13500))));
    EXPECT_TRUE(wait_for([&] { return good_->for_cl_ord_id(cl_ord_id).size() >= 1; }))
        << "no ack for " << cl_ord_id;
  }

  TempDir dir_;
  std::unique_ptr<BrokerSim> sim_;
  std::unique_ptr<TestInitiator> good_;
};

// The 25-byte frame: well framed, but its tag is not a number. QuickFIX's
// ThreadedSocketAcceptor threw FIX::InvalidMessage out of its connection thread (std::terminate:
// broker-sim and the demo with it).
TEST_F(HostileSocketTest, NonNumericTagBeforeLogonClosesTheConnectionOnly) {
  start();
  const std::string bad = frame("FIX.4.4", "x=1|");
  ASSERT_EQ(bad.size(), 25u);
  for (const std::string& f :
       {bad, frame("FIX.4.4", "35=A|4x9=RAW|56=BROKERSIM|34=1|"), frame("FIX.4.4", "=A|"),
        frame("FIX.4.4", "35A|49=RAW|"), frame("FIX.4.4", "35=A|49=RAW|56=BROKERSIM|34=1|-1=2|"),
        // QuickFIX 1.15 would read EncodedText 10^9 bytes past the frame
        frame("FIX.4.4", "35=A|49=RAW|56=BROKERSIM|34=1|52=" + utc_now_text() +
                             "|98=0|108=30|354=1000000000|355=x|")}) {
    RawClient raw(sim_->port());
    ASSERT_TRUE(raw.connected());
    ASSERT_TRUE(raw.send(f));
    EXPECT_TRUE(raw.wait_closed()) << "connection kept after " << f;
    EXPECT_EQ(raw.seen().find("35=A"), std::string::npos);
  }
  EXPECT_TRUE(wait_for([&] { return sim_->counters().connections_dropped == 6; }))
      << sim_->counters().connections_dropped;
  expect_normal_client_trades("N1");
}

// After logon, the same frame is a message QuickFIX cannot parse: dropped (the session stays), as
// a garbled frame is; so is an order whose EncodedTextLen points past the frame.
TEST_F(HostileSocketTest, NonNumericTagAfterLogonIsIgnoredAndTheSessionLives) {
  start();
  RawClient raw(sim_->port());
  ASSERT_TRUE(raw.send(logon()));
  ASSERT_TRUE(raw.read_until("35=A\x01")) << raw.seen();
  ASSERT_TRUE(raw.send(frame("FIX.4.4", "x=1|")));
  ASSERT_TRUE(raw.send(frame("FIX.4.4", "35=D|49=RAW|56=BROKERSIM|34=2|52=" + utc_now_text() +
                                            "|11=R1|21=1|55=SPY|54=1|60=20120621-14:30:00.000|"
                                            "38=10|40=2|44=1|354=1000000000|355=x|")));
  ASSERT_TRUE(raw.send(
      frame("FIX.4.4", "35=1|49=RAW|56=BROKERSIM|34=2|52=" + utc_now_text() + "|11x=3|112=PING|")));
  ASSERT_TRUE(raw.send(
      frame("FIX.4.4", "35=1|49=RAW|56=BROKERSIM|34=2|52=" + utc_now_text() + "|112=PONG|")));
  EXPECT_TRUE(raw.read_until("112=PONG\x01")) << raw.seen();
  EXPECT_FALSE(raw.closed());
  expect_normal_client_trades("N2");
}

// BodyLength 10^9, then bytes streamed: refused at the header, before any body is buffered.
// BodyLength within the limit but no CheckSum ever: closed once the limit's worth has arrived.
TEST_F(HostileSocketTest, HugeOrEndlessFramesAreClosedWithMemoryBounded) {
  start();
  const std::size_t rss0 = rss_bytes();
  const std::size_t kStream = 256u << 20;  // what the client tries to push
  const std::size_t sent1 = stream_until_closed(sim_->port(),
                                                "8=FIX.4.4\x01"
                                                "9=1000000000\x01",
                                                kStream);
  const std::size_t sent2 = stream_until_closed(sim_->port(),
                                                "8=FIX.4.4\x01"
                                                "9=60000\x01"
                                                "35=A\x01",
                                                kStream);
  // Only what the socket buffers hold on the way can go out before the sim closes.
  EXPECT_LT(sent1, 32u << 20) << "the sim kept reading a 10^9 BodyLength";
  EXPECT_LT(sent2, 32u << 20) << "the sim kept reading a frame without CheckSum";
  const std::size_t rss1 = rss_bytes();
  EXPECT_LT(rss1, rss0 + (32u << 20)) << "resident memory grew from " << rss0 << " to " << rss1;
  EXPECT_TRUE(wait_for([&] { return sim_->counters().connections_dropped >= 2; }));
  expect_normal_client_trades("N3");
}

TEST_F(HostileSocketTest, IdleAndSlowConnectionsAreClosedAfterTheLogonTimeout) {
  start(/*logon_timeout_ms=*/400);
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 4; ++i) idle.emplace_back(new RawClient(sim_->port()));
  // Slow: a header and half a Logon, never finished.
  idle.emplace_back(new RawClient(sim_->port()));
  ASSERT_TRUE(idle.back()->send(logon().substr(0, 30)));
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& c : idle) {
    ASSERT_TRUE(c->connected());
    EXPECT_TRUE(c->wait_closed(6000)) << "an idle connection was not closed";
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_LT(ms, 5000) << "closed, but long after the 400 ms logon timeout";
  EXPECT_TRUE(wait_for([&] { return sim_->counters().logon_timeouts == 5; }))
      << sim_->counters().logon_timeouts;
  expect_normal_client_trades("N4");
}

TEST_F(HostileSocketTest, ConnectionsBeyondThePendingLimitAreRefusedAtOnce) {
  start(/*logon_timeout_ms=*/60000, /*max_pending=*/3);
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 3; ++i) idle.emplace_back(new RawClient(sim_->port()));
  ASSERT_TRUE(wait_for([&] { return sim_->counters().connections == 3; }));
  RawClient extra(sim_->port());
  EXPECT_TRUE(extra.wait_closed(2000)) << "a 4th connection waiting for a Logon was kept";
  EXPECT_EQ(sim_->counters().connections_refused, 1u);
  idle.clear();  // the clients hang up: the slots are free again
  expect_normal_client_trades("N5");
}

TEST_F(HostileSocketTest, BytesThatAreNotFixBeforeLogonCloseAtOnce) {
  start();
  for (const std::string& junk :
       {std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), std::string("\x16\x03\x01\x02\x00", 5),
        std::string("8=FIX.4.4\x01"
                    "10=000\x01"),
        std::string("8=\x01"
                    "9=5\x01"),
        std::string("8=FIX.4.4\x01"
                    "9=-5\x01"),
        std::string(64, '8')}) {
    RawClient raw(sim_->port());
    ASSERT_TRUE(raw.send(junk));
    EXPECT_TRUE(raw.wait_closed(2000))
        << "kept a connection that sent " << junk.size() << " bytes of junk";
  }
  expect_normal_client_trades("N6");
}

// Random damage to a valid Logon (bytes replaced, inserted, deleted; BodyLength and CheckSum
// recomputed or not), one connection each, a few at a time: whatever arrives, the sim stays up
// and a normal client still trades. (tests/fuzz drives the same path in-process, millions of
// times.)
TEST_F(HostileSocketTest, RandomlyDamagedLogonsNeverTakeTheSimDown) {
  start(/*logon_timeout_ms=*/300);
  std::mt19937_64 rng(20261206);
  std::string alphabet = "0123456789=|8ABZ-.";
  alphabet += '\x01';
  alphabet += '\0';
  for (int round = 0; round < 300; ++round) {
    std::string body = "35=A|49=RAW|56=BROKERSIM|34=1|52=" + utc_now_text() + "|98=0|108=30|";
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % body.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          body[at] = c;
          break;
        case 1:
          body.insert(body.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          body.erase(at, 1);
          break;
      }
    }
    std::string f = frame("FIX.4.4", body, rng() % 4 == 0 ? static_cast<int>(rng() % 9) - 4 : 0,
                          rng() % 8 == 0);
    if (rng() % 10 == 0) f.resize(rng() % f.size());
    RawClient raw(sim_->port());
    ASSERT_TRUE(raw.connected()) << "round " << round << ": the sim stopped accepting";
    raw.send(f);
    raw.read_until("35=A\x01", 5);  // a Logon that survived the damage may be accepted
  }
  EXPECT_TRUE(wait_for([&] { return sim_->logged_on() == 0; }, 8000));
  expect_normal_client_trades("N7");
}

}  // namespace
}  // namespace test
}  // namespace fix
}  // namespace ballast
