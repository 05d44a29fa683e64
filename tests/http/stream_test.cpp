// Server-sent event streams (StreamRoute) over plain HTTP and TLS: every subscriber gets the same
// events, a reader that stops reading is dropped (bounded queue, one write in flight) while the
// others and plain requests go on, streams take part in the connection cap, and stop() ends
// them at once.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ballast/http/server.hpp"
#include "http/test_server.hpp"

namespace ballast::http {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;
using test::Conn;
using test::get;
using test::post;
using test::status_code;

/// The request that subscribes to `path` (kept alive).
std::string subscribe(const std::string& path, const std::string& token) {
  return get(path, token, false);
}

/// The events of a stream's bytes after the header (each up to its blank line, complete ones
/// only).
std::vector<std::string> events_of(const std::string& bytes) {
  std::vector<std::string> out;
  std::size_t at = bytes.find("\r\n\r\n");
  if (at == std::string::npos) return out;
  at += 4;
  while (true) {
    const std::size_t end = bytes.find("\n\n", at);
    if (end == std::string::npos) break;
    // The stream's first block sets the reconnection delay: not an event.
    if (bytes.compare(at, 7, "retry: ") != 0) out.push_back(bytes.substr(at, end + 2 - at));
    at = end + 2;
  }
  return out;
}

struct StreamTest : ::testing::TestWithParam<Transport> {
  void SetUp() override { start(test_config(GetParam())); }
  void start(HttpConfig cfg) {
    Endpoints e;
    e.routes.push_back({"GET", "/metrics", Access::kRead, [](const Request&, Response& out) {
                          out.content_type = "text/plain";
                          out.body = "ok\n";
                        }});
    e.routes.push_back({"POST", "/control", Access::kControl,
                        [](const Request&, Response& out) { out.status = 202; }});
    e.streams.push_back({"/events", Access::kRead, 20ms, [this](std::string& d) {
                           d = "tick " + std::to_string(++produced) + "\nline two";
                         }});
    e.streams.push_back(
        {"/big", Access::kRead, 100ms, [](std::string& d) { d.assign(64 * 1024, 'x'); }});
    e.streams.push_back(
        {"/control-events", Access::kControl, 20ms, [](std::string& d) { d = "for control"; }});
    e.streams.push_back({"/throws", Access::kRead, 20ms,
                         [](std::string&) { throw std::runtime_error("no data"); }});
    e.streams.push_back(
        {"/slow", Access::kRead, 1s, [this](std::string& d) { d = std::to_string(++slow); }});
    e.streams.push_back(
        {"/small", Access::kRead, 10ms, [](std::string& d) { d.assign(1024, 's'); }});
    e.streams.push_back({"/huge", Access::kRead, 1s, [this](std::string& d) {
                           ++huge;
                           d.assign(4 << 20, 'y');
                         }});
    h.start(GetParam(), std::move(e), cfg);
    server = h.server.get();
  }
  bool tls() const { return GetParam() == Transport::kTls; }
  void expect_serving() {
    const std::string r = h.once(get("/metrics", kRead));
    EXPECT_EQ(status_code(r), 200) << r;
  }
  /// A subscriber of `path` whose stream has begun (its header read).
  std::unique_ptr<Conn> subscriber(const std::string& path, const std::string& token,
                                   int rcvbuf = 0) {
    auto c = h.connect(rcvbuf);
    EXPECT_TRUE(c->connected()) << c->tls_error();
    c->send(subscribe(path, token));
    return c;
  }

  std::atomic<int> produced{0};  // written on the server's thread
  std::atomic<int> slow{0};
  std::atomic<int> huge{0};
  Harness h;
  HttpServer* server = nullptr;
};

INSTANTIATE_TEST_SUITE_P(OverPlainAndTls, StreamTest,
                         ::testing::Values(Transport::kPlain, Transport::kTls), transport_name);

TEST_P(StreamTest, EverySubscriberGetsTheSameEventsAsDataLines) {
  auto a = subscriber("/events", kRead);
  auto b = subscriber("/events", kControl);
  const std::string ra = a->read_for(300ms);
  const std::string rb = b->read_for(300ms);
  EXPECT_EQ(status_code(ra), 200) << ra;
  const std::string head = ra.substr(0, ra.find("\r\n\r\n") + 4);
  EXPECT_EQ(test::header_of(head, "Content-Type"), "text/event-stream") << head;
  EXPECT_EQ(test::header_of(head, "Cache-Control"), "no-store") << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
  EXPECT_EQ(head.find("Connection: close"), std::string::npos) << head;
  EXPECT_EQ(ra.compare(head.size(), 13, "retry: 2000\n\n"), 0) << ra;
  const auto ea = events_of(ra);
  const auto eb = events_of(rb);
  ASSERT_GE(ea.size(), 3u) << ra;
  ASSERT_GE(eb.size(), 3u) << rb;
  // A two-line payload is two data lines; the events are numbered in order.
  EXPECT_EQ(ea[1].substr(ea[1].find("\n")), "\ndata: line two\n\n") << ea[1];
  for (std::size_t i = 1; i < ea.size(); ++i) {
    const int prev = std::stoi(ea[i - 1].substr(11));
    EXPECT_EQ(std::stoi(ea[i].substr(11)), prev + 1) << ea[i];
  }
  // Both got the same events where they overlap.
  int shared = 0;
  for (const auto& x : ea) shared += std::find(eb.begin(), eb.end(), x) != eb.end();
  EXPECT_GE(shared, 2);
  EXPECT_EQ(server->counters().streams_open.value(), 2u);
  EXPECT_TRUE(HttpCounters::is_gauge("streams_open"));
  a.reset();
  b.reset();
  // The server learns of the closes at its next writes; then nothing more is produced.
  for (int i = 0; i < 200 && server->counters().streams_open.value() > 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(server->counters().streams_open.value(), 0u);
  std::this_thread::sleep_for(100ms);
  const int after = produced.load();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(produced.load(), after);
  expect_serving();
}

TEST_P(StreamTest, ProduceRunsOnlyWhileSomeoneListensAndANewcomerGetsTheLatestEventAtOnce) {
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(produced.load(), 0);
  EXPECT_EQ(slow.load(), 0);
  // /slow produces once a second: the first subscriber gets an event at once, and so does one
  // that comes later (the latest event), without waiting for the next.
  auto first = subscriber("/slow", kRead);
  std::string r = first->read_until("data: 1\n\n", 500ms);
  EXPECT_NE(r.find("data: 1\n\n"), std::string::npos) << r;
  std::this_thread::sleep_for(100ms);
  auto second = subscriber("/slow", kRead);
  r = second->read_until("data: 1\n\n", 500ms);
  EXPECT_NE(r.find("data: 1\n\n"), std::string::npos) << r;
  EXPECT_EQ(slow.load(), 1);
  r = first->read_until("data: 2\n\n", 2s);
  EXPECT_NE(r.find("data: 2\n\n"), std::string::npos) << r;
}

TEST_P(StreamTest, ASubscriberThatNeverReadsIsDroppedWhileOthersAndRequestsGoOn) {
  // A request timeout far longer than the test: only the bounded queue can drop the reader.
  h.server.reset();
  HttpConfig cfg = test_config(GetParam());
  cfg.request_timeout = 30s;
  start(cfg);
  // 64 KiB every 100 ms. `stuck` reads nothing (a 4 KiB receive buffer): its socket fills, its
  // queue fills, it is closed. `reader` reads all along and keeps getting events.
  auto stuck = subscriber("/big", kRead, 4096);
  auto reader = subscriber("/big", kRead);
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> got{0};
  std::thread reading([&] {
    while (!stop.load()) got += reader->read_for(20ms).size();
  });
  const auto t0 = std::chrono::steady_clock::now();
  int served = 0;
  while (server->counters().stream_dropped.value() == 0 &&
         std::chrono::steady_clock::now() - t0 < 10s) {
    served += status_code(h.once(get("/metrics", kRead))) == 200;
    std::this_thread::sleep_for(20ms);
  }
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(server->counters().stream_dropped.value(), 1u);
  // Within a few events of a full socket.
  EXPECT_LT(took, 4s);
  EXPECT_GT(served, 0);
  const std::size_t before = got.load();
  std::this_thread::sleep_for(300ms);
  EXPECT_GT(got.load(), before + 64 * 1024) << "the reader stopped getting events";
  stop.store(true);
  reading.join();
  // The dropped one finds its end after what it had buffered.
  EXPECT_TRUE(stuck->closed_within(5s));
  EXPECT_EQ(server->counters().streams_open.value(), 1u);
  expect_serving();
}

TEST_P(StreamTest, ASubscriberOfSmallEventsThatNeverReadsIsDroppedToo) {
  // 1 KiB every 10 ms: each write fits in the kernel's buffer at once, so only a bounded
  // buffer lets the queue fill (the kernel's autotuning would take megabytes, minutes of it).
  h.server.reset();
  HttpConfig cfg = test_config(GetParam());
  cfg.request_timeout = 30s;
  start(cfg);
  auto stuck = subscriber("/small", kRead, 4096);
  const auto t0 = std::chrono::steady_clock::now();
  while (server->counters().stream_dropped.value() == 0 &&
         std::chrono::steady_clock::now() - t0 < 10s) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(server->counters().stream_dropped.value(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 8s);
  EXPECT_TRUE(stuck->closed_within(5s));
  expect_serving();
}

TEST_P(StreamTest, AWriteThatDoesNotMoveForTheRequestTimeoutDropsItsSubscriber) {
  // 4 MiB once a second to a reader that reads nothing: the first event's write stalls, the
  // queue never fills, and request_timeout (1 s) ends it.
  auto stuck = subscriber("/huge", kRead, 4096);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(Harness::reaches(server->counters().stream_dropped, 1) ||
              Harness::reaches(server->counters().stream_dropped, 1));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_LE(huge.load(), 1 + static_cast<int>(kStreamQueueEvents));
  EXPECT_TRUE(stuck->closed_within(5s));
  expect_serving();
}

TEST_P(StreamTest, AStreamNeedsItsTokenAndIsAGet) {
  std::string r = h.once(get("/events", ""));
  EXPECT_EQ(status_code(r), 401) << r;
  r = h.once(get("/control-events", kRead));
  EXPECT_EQ(status_code(r), 403) << r;
  r = h.once(post("/events", kControl, ""));
  EXPECT_EQ(status_code(r), 405) << r;
  EXPECT_EQ(test::header_of(r, "Allow"), "GET") << r;
  r = h.once("HEAD /events HTTP/1.1\r\nAuthorization: Bearer " + kRead +
             "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_code(r), 200) << r;
  EXPECT_EQ(test::header_of(r, "Content-Type"), "text/event-stream") << r;
  EXPECT_EQ(r.find("data:"), std::string::npos) << r;
  auto c = subscriber("/control-events", kControl);
  r = c->read_until("data: for control\n\n");
  EXPECT_NE(r.find("data: for control\n\n"), std::string::npos) << r;
}

TEST_P(StreamTest, AProduceThatThrowsSendsACommentAndIsCounted) {
  auto c = subscriber("/throws", kRead);
  const std::string r = c->read_until(": error\n\n");
  EXPECT_NE(r.find(": error\n\n"), std::string::npos) << r;
  EXPECT_EQ(r.find("no data"), std::string::npos) << r;  // the exception's text stays inside
  EXPECT_GE(server->counters().internal_errors.value(), 1u);
  expect_serving();
}

TEST_P(StreamTest, ReadStreamsMakeRoomAtTheCapAndControlOnesNeverDo) {
  // The cap is 8. Eight read-token subscribers, then a control request: it takes the oldest
  // stream's slot.
  std::vector<std::unique_ptr<Conn>> readers;
  for (int i = 0; i < 8; ++i) {
    readers.push_back(subscriber("/events", kRead));
    ASSERT_NE(readers.back()->read_until("data: ").find("data: "), std::string::npos);
  }
  EXPECT_EQ(server->counters().streams_open.value(), 8u);
  std::string r = h.once(post("/control", kControl, "{}"));
  EXPECT_EQ(status_code(r), 202) << r;
  EXPECT_TRUE(readers.front()->closed_within(2s));
  EXPECT_GE(server->counters().evicted.value(), 1u);
  // 20 more read-token subscribers: each takes an older one's slot; never more than 8 open.
  for (int i = 0; i < 20; ++i) {
    readers.push_back(subscriber("/events", kRead));
    ASSERT_NE(readers.back()->read_until("data: ").find("data: "), std::string::npos) << i;
    EXPECT_LE(server->counters().connections_open.value(), 8u);
  }
  EXPECT_TRUE(readers.back()->read_until("data: tick").find("data: tick") != std::string::npos);
  // Eight control-token subscribers push every read stream out, and then nothing is evicted:
  // the next connection is refused.
  std::vector<std::unique_ptr<Conn>> controls;
  for (int i = 0; i < 8; ++i) {
    controls.push_back(subscriber("/events", kControl));
    ASSERT_NE(controls.back()->read_until("data: ").find("data: "), std::string::npos) << i;
  }
  const std::uint64_t evicted = server->counters().evicted.value();
  auto extra = h.connect();
  if (tls()) {
    EXPECT_FALSE(extra->connected());
  } else {
    EXPECT_EQ(status_code(extra->read_all()), 503);
  }
  EXPECT_TRUE(Harness::reaches(server->counters().refused, 1));
  EXPECT_EQ(server->counters().evicted.value(), evicted);
  for (auto& c : controls) {
    r = c->read_for(100ms);
    EXPECT_NE(r.find("data: tick"), std::string::npos) << r;
  }
}

TEST_P(StreamTest, ClientsWithoutATokenCannotPushAStreamOffWhileTheyHoldConnections) {
  // Four dashboards stream; a client without a token opens connection after connection at the
  // cap (8), each sending the start of a request and holding it. A newcomer takes the slot of
  // a silent connection, then of a tokenless part-sent one: never a stream's while such remain.
  std::vector<std::unique_ptr<Conn>> streams;
  for (int i = 0; i < 4; ++i) {
    streams.push_back(subscriber("/events", kRead));
    ASSERT_NE(streams.back()->read_until("data: ").find("data: "), std::string::npos);
  }
  std::vector<std::unique_ptr<Conn>> holders;
  for (int i = 0; i < 24; ++i) {
    holders.push_back(h.connect());
    holders.back()->send("GET /events HTTP/1.1\r\n");
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_GE(server->counters().evicted.value(), 16u);
  EXPECT_EQ(server->counters().streams_open.value(), 4u);
  for (auto& c : streams) {
    const std::string r = c->read_for(100ms);
    EXPECT_NE(r.find("data: tick"), std::string::npos) << r;
  }
}

TEST_P(StreamTest, StopEndsEveryStreamAtOnce) {
  auto a = subscriber("/events", kRead);
  auto b = subscriber("/slow", kControl);
  ASSERT_NE(a->read_until("data: ").find("data: "), std::string::npos);
  ASSERT_NE(b->read_until("data: ").find("data: "), std::string::npos);
  const auto t0 = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_TRUE(a->closed_within(1s));
  EXPECT_TRUE(b->closed_within(1s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

TEST(StreamStart, BadEndpointsAreErrorsAtStart) {
  auto bad = [](Endpoints e) {
    auto s = HttpServer::start(test_config(), std::move(e));
    EXPECT_FALSE(s);
    return s ? std::string() : s.error().message;
  };
  Endpoints e;
  e.streams.push_back({"/s", Access::kRead, 1ms, [](std::string&) {}});
  EXPECT_NE(bad(e).find("between 10 ms and 1 h"), std::string::npos);
  e = {};
  e.streams.push_back({"/s", Access::kRead, 1s, nullptr});
  EXPECT_NE(bad(e).find("no produce"), std::string::npos);
  e = {};
  e.streams.push_back({"/s", Access::kRead, 1s, [](std::string&) {}});
  e.assets.push_back({"/s", "text/plain", "x"});
  EXPECT_NE(bad(e).find("'/s' is served twice"), std::string::npos);
  e = {};
  e.routes.push_back({"POST", "/login", Access::kRead, [](const Request&, Response&) {}});
  EXPECT_NE(bad(e).find("reserved"), std::string::npos);
}

}  // namespace
}  // namespace ballast::http
