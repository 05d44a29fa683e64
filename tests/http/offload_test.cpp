// Routes and streams marked `offload` (Route::offload, StreamRoute::offload): they run on the
// server's worker thread, so a command, a scrape or a page never waits behind them, however long
// they take; they answer in arrival order; what they throw is a 500 (a stream: an ": error"
// event); stop() with one running and others queued ends cleanly. Over plain HTTP and TLS. The
// waits are bounded gates the test opens itself, not timings.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ballast/http/server.hpp"
#include "http/test_server.hpp"

namespace ballast::http {
namespace offload_test {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;
using test::get;
using test::post;
using test::status_code;

/// A gate a route waits at until the test opens it (10 s at most, so a broken test ends).
class Gate {
 public:
  void wait() {
    std::unique_lock lock(m_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait_for(lock, 10s, [this] { return open_; });
  }
  void open() {
    std::lock_guard lock(m_);
    open_ = true;
    cv_.notify_all();
  }
  /// Waits (5 s at most) until `n` callers are at the gate.
  bool reached(int n) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, 5s, [&] { return waiting_ >= n; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool open_ = false;
  int waiting_ = 0;
};

struct OffloadTest : ::testing::TestWithParam<Transport> {
  void SetUp() override { SetUp(test_config(GetParam())); }
  void SetUp(const HttpConfig& cfg) {
    Endpoints e;
    // A view that waits at the gate (the first request only), then answers which it was.
    e.routes.push_back({"GET", "/view", Access::kRead,
                        [this](const Request& r, Response& out) {
                          record(view_thread);
                          if (views.fetch_add(1) == 0) gate.wait();
                          std::lock_guard lock(m);
                          order.emplace_back(r.query);
                          out.body = "view " + std::string(r.query);
                        },
                        false, true});
    e.routes.push_back({"GET", "/throws", Access::kRead,
                        [](const Request&, Response&) { throw std::runtime_error("boom"); }, false,
                        true});
    e.routes.push_back(
        {"POST", "/control", Access::kControl, [this](const Request& r, Response& out) {
           record(server_thread);
           out.status = 202;
           out.body = "did " + std::string(r.body);
         }});
    e.routes.push_back({"GET", "/metrics", Access::kRead, [this](const Request&, Response& out) {
                          record(server_thread);
                          out.content_type = "text/plain";
                          out.body = "ok\n";
                        }});
    e.streams.push_back({"/events", Access::kRead, 20ms,
                         [this](std::string& d) {
                           record(stream_thread);
                           d = "event " + std::to_string(++produced);
                         },
                         true});
    e.streams.push_back(
        {"/bad", Access::kRead, 20ms, [](std::string&) { throw std::runtime_error("no"); }, true});
    h.start(GetParam(), std::move(e), cfg);
  }
  void TearDown() override { gate.open(); }

  void record(std::thread::id& where) {
    std::lock_guard lock(m);
    where = std::this_thread::get_id();
  }
  std::thread::id seen(const std::thread::id& where) {
    std::lock_guard lock(m);
    return where;
  }

  Gate gate;
  std::mutex m;
  std::vector<std::string> order;  // the /view queries, in the order they ran
  std::thread::id view_thread, stream_thread, server_thread;
  std::atomic<int> views{0};
  std::atomic<int> produced{0};
  Harness h;
};

INSTANTIATE_TEST_SUITE_P(OverPlainAndTls, OffloadTest,
                         ::testing::Values(Transport::kPlain, Transport::kTls), transport_name);

TEST_P(OffloadTest, AViewHeldOnPurposeHoldsNoCommandOrScrapeBack) {
  auto held = h.connect();
  ASSERT_TRUE(held->connected()) << held->tls_error();
  held->send(get("/view?first", kRead));
  ASSERT_TRUE(gate.reached(1));
  // The worker is stuck in /view; the server's thread is not.
  for (int i = 0; i < 5; ++i) {
    const std::string c = h.once(post("/control", kControl, "kill " + std::to_string(i)));
    EXPECT_EQ(status_code(c), 202) << c;
    EXPECT_NE(c.find("did kill " + std::to_string(i)), std::string::npos) << c;
    EXPECT_EQ(status_code(h.once(get("/metrics", kRead))), 200);
  }
  EXPECT_EQ(held->read_for(50ms), "") << "the held view answered before its gate opened";
  gate.open();
  const std::string r = held->read_all();
  EXPECT_EQ(status_code(r), 200) << r;
  EXPECT_EQ(test::body_of(r), "view first");
  // Routes marked offload ran on one thread that is not the server's.
  EXPECT_NE(seen(view_thread), std::thread::id());
  EXPECT_NE(seen(view_thread), seen(server_thread));
}

TEST_P(OffloadTest, ViewsQueuedBehindAHeldOneAnswerInArrivalOrderOnTheirConnections) {
  auto first = h.connect();
  first->send(get("/view?0", kRead));
  ASSERT_TRUE(gate.reached(1));
  std::vector<std::unique_ptr<test::Conn>> queued;
  for (int i = 1; i <= 6; ++i) {
    queued.push_back(h.connect());
    ASSERT_TRUE(queued.back()->connected());
    queued.back()->send(get("/view?" + std::to_string(i), kRead));
    // Each request in before the next is sent, so arrival order is the loop's.
    ASSERT_TRUE(Harness::reaches(h.server->counters().requests, static_cast<std::uint64_t>(i + 1)));
  }
  gate.open();
  EXPECT_EQ(test::body_of(first->read_all()), "view 0");
  for (int i = 1; i <= 6; ++i) {
    const std::string r = queued[static_cast<std::size_t>(i - 1)]->read_all();
    EXPECT_EQ(status_code(r), 200) << r;
    EXPECT_EQ(test::body_of(r), "view " + std::to_string(i)) << "an answer on the wrong connection";
  }
  std::lock_guard lock(m);
  EXPECT_EQ(order, (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6"}));
}

TEST_P(OffloadTest, AKeptAliveConnectionGoesOnAfterAnOffloadedAnswer) {
  gate.open();
  auto c = h.connect();
  for (int i = 0; i < 3; ++i) {
    c->send(get("/view?k" + std::to_string(i), kRead, false));
    const std::string r = c->read_response();
    EXPECT_EQ(status_code(r), 200) << r;
    EXPECT_NE(r.find("view k" + std::to_string(i)), std::string::npos) << r;
  }
  // HEAD of an offloaded route: the length of the GET, no body.
  c->send("HEAD /view?h HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kRead + "\r\n\r\n");
  const std::string head = c->read_until("\r\n\r\n", 3000ms);
  EXPECT_EQ(status_code(head), 200) << head;
  EXPECT_EQ(test::header_of(head, "Content-Length"), "6") << head;
  EXPECT_EQ(test::body_of(head), "") << head;
}

TEST_P(OffloadTest, AnOffloadedRouteThatThrowsIsA500AndTheServerGoesOn) {
  const std::string r = h.once(get("/throws", kRead));
  EXPECT_EQ(status_code(r), 500) << r;
  gate.open();
  EXPECT_EQ(test::body_of(h.once(get("/view?after", kRead))), "view after");
}

TEST_P(OffloadTest, AnOffloadedStreamIsProducedOnTheWorkerAndNeverHoldsCommandsBack) {
  auto sub = h.connect();
  ASSERT_TRUE(sub->connected());
  sub->send(get("/events", kRead, false));
  std::string got = sub->read_until("data: event 3\n\n", 3000ms);
  EXPECT_NE(got.find("data: event 1\n\n"), std::string::npos) << got;
  EXPECT_NE(got.find("data: event 3\n\n"), std::string::npos) << got;
  // A view holds the worker: the stream pauses (its next event waits its turn), commands do not.
  auto held = h.connect();
  held->send(get("/view?hold", kRead));
  ASSERT_TRUE(gate.reached(1));
  const int paused_at = produced.load();
  EXPECT_EQ(status_code(h.once(post("/control", kControl, "x"))), 202);
  EXPECT_EQ(produced.load(), paused_at);
  gate.open();
  EXPECT_EQ(status_code(held->read_all()), 200);
  const std::string next = "data: event " + std::to_string(paused_at + 2) + "\n\n";
  got = sub->read_until(next, 3000ms);
  EXPECT_NE(got.find(next), std::string::npos) << got;
  EXPECT_EQ(seen(stream_thread), seen(view_thread));
  EXPECT_NE(seen(stream_thread), seen(server_thread));
  // A producer that throws sends the comment and is counted, from the server's thread.
  auto bad = h.connect();
  bad->send(get("/bad", kRead, false));
  got = bad->read_until(": error\n\n", 3000ms);
  EXPECT_NE(got.find(": error\n\n"), std::string::npos) << got;
  EXPECT_TRUE(Harness::reaches(h.server->counters().internal_errors, 1));
}

TEST_P(OffloadTest, ViewsWaitingForTheWorkerAtTheCapMakeRoomForACommand) {
  // A cap of 4, all four connections read-token views: one held at the gate, three queued.
  h.server.reset();
  HttpConfig cfg = test_config(GetParam());
  cfg.max_connections = 4;
  SetUp(cfg);
  std::vector<std::unique_ptr<test::Conn>> readers;
  for (int i = 0; i < 4; ++i) {
    readers.push_back(h.connect());
    ASSERT_TRUE(readers.back()->connected());
    readers.back()->send(get("/view?" + std::to_string(i), kRead));
    ASSERT_TRUE(Harness::reaches(h.server->counters().requests, static_cast<std::uint64_t>(i + 1)));
  }
  ASSERT_TRUE(gate.reached(1));
  // A command gets in, taking the slot of the oldest waiting view (the one the worker is
  // running), and its connection stays open; then a scrape takes the next one's.
  auto control = h.connect();
  ASSERT_TRUE(control->connected());
  control->send("POST /control HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kControl +
                "\r\nContent-Length: 4\r\n\r\nkill");
  const std::string c = control->read_response();
  EXPECT_EQ(status_code(c), 202) << c;
  EXPECT_EQ(status_code(h.once(get("/metrics", kRead))), 200);
  EXPECT_EQ(h.server->counters().refused.value(), 0u);
  EXPECT_GE(h.server->counters().evicted.value(), 2u);
  EXPECT_TRUE(readers[0]->closed_within(3000ms)) << "the oldest waiting view keeps its slot";
  EXPECT_TRUE(readers[1]->closed_within(3000ms));
  gate.open();
  // The views not evicted are answered; the route of the one evicted while queued is skipped
  // (the one evicted while running finishes, unanswered).
  for (std::size_t i = 2; i < 4; ++i) {
    const std::string r = readers[i]->read_all();
    EXPECT_EQ(status_code(r), 200) << r;
    EXPECT_EQ(test::body_of(r), "view " + std::to_string(i));
  }
  std::lock_guard lock(m);
  EXPECT_EQ(order, (std::vector<std::string>{"0", "2", "3"}));
}

TEST_P(OffloadTest, StopWithAViewRunningAndOthersQueuedEndsEveryConnection) {
  auto held = h.connect();
  held->send(get("/view?running", kRead));
  ASSERT_TRUE(gate.reached(1));
  std::vector<std::unique_ptr<test::Conn>> queued;
  for (int i = 0; i < 4; ++i) {
    queued.push_back(h.connect());
    queued.back()->send(get("/view?queued", kRead));
  }
  auto sub = h.connect();
  sub->send(get("/events", kRead, false));
  ASSERT_TRUE(Harness::reaches(h.server->counters().requests, 6));
  // stop() waits for the running view: open its gate from another thread meanwhile.
  std::thread opener([this] {
    std::this_thread::sleep_for(100ms);
    gate.open();
  });
  h.server->stop();
  opener.join();
  EXPECT_TRUE(held->closed_within(3000ms));
  for (auto& c : queued) EXPECT_TRUE(c->closed_within(3000ms));
  EXPECT_TRUE(sub->closed_within(3000ms));
  h.server.reset();
}

}  // namespace
}  // namespace offload_test
}  // namespace ballast::http
