// The operator's HTTP server against hostile clients (issue 17, "Security"): every refusal has
// its status, and the server keeps serving after each one. Each case runs over plain HTTP and
// over TLS (the same limits, token checks, eviction and counters).
#include "ballast/http/server.hpp"

#include <atomic>
#include <chrono>
#include <deque>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http/test_server.hpp"

namespace ballast::http {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;
using test::Conn;
using test::get;
using test::post;
using test::status_code;

int status_of(const std::string& r) {
  return status_code(r);
}

HttpConfig config() {
  return test_config(Transport::kPlain);
}

std::vector<Route> routes() {
  std::vector<Route> r;
  r.push_back({"GET", "/metrics", Access::kRead, [](const Request& q, Response& out) {
                 out.content_type = "text/plain";
                 out.body = "ok " + std::string(q.path) + " " + std::string(q.query) + "\n";
               }});
  r.push_back({"POST", "/control", Access::kControl, [](const Request& q, Response& out) {
                 out.status = 202;
                 out.body = "got " + std::to_string(q.body.size()) + "\n";
               }});
  r.push_back({"GET", "/files/", Access::kRead,
               [](const Request& q, Response& out) { out.body = std::string(q.path); }});
  r.push_back({"GET", "/big", Access::kRead, [](const Request&, Response& out) {
                 out.content_type = "text/plain";
                 out.body.assign(8u << 20, 'x');  // more than the socket buffers hold
               }});
  r.push_back({"GET", "/throws", Access::kRead,
               [](const Request&, Response&) { throw std::runtime_error("boom"); }});
  return r;
}

struct ServerTest : ::testing::TestWithParam<Transport> {
  void SetUp() override {
    Endpoints e;
    e.routes = routes();
    h.start(GetParam(), std::move(e), test_config(GetParam()));
    server = h.server.get();
  }
  bool tls() const { return GetParam() == Transport::kTls; }
  /// One request on a new connection; the whole answer.
  std::string once(const std::string& request) { return h.once(request); }
  std::unique_ptr<Conn> conn() { return h.connect(); }
  /// The server still answers a good request.
  void expect_serving() {
    const std::string r = once(get("/metrics", kRead));
    EXPECT_EQ(status_of(r), 200) << r;
  }
  Harness h;
  HttpServer* server = nullptr;
};

INSTANTIATE_TEST_SUITE_P(OverPlainAndTls, ServerTest,
                         ::testing::Values(Transport::kPlain, Transport::kTls), transport_name);

TEST_P(ServerTest, TokensGrantReadAndControlAndNothingElse) {
  std::string r = once(get("/metrics?x=1", kRead));
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_NE(r.find("ok /metrics x=1"), std::string::npos) << r;
  EXPECT_NE(r.find("Cache-Control: no-store"), std::string::npos) << r;

  r = once(get("/metrics", ""));
  EXPECT_EQ(status_of(r), 401) << r;
  EXPECT_NE(r.find("WWW-Authenticate: Bearer"), std::string::npos) << r;
  r = once(get("/metrics", "read-token-0123456789abcdeX"));
  EXPECT_EQ(status_of(r), 401) << r;
  r = once(get("/metrics", kRead + "x"));
  EXPECT_EQ(status_of(r), 401) << r;
  r = once("GET /metrics HTTP/1.1\r\nConnection: close\r\nAuthorization: Basic " + kRead +
           "\r\n\r\n");
  EXPECT_EQ(status_of(r), 401) << r;
  // The token never comes back in an answer.
  EXPECT_EQ(r.find(kRead), std::string::npos) << r;

  r = once(post("/control", kRead, "{}"));
  EXPECT_EQ(status_of(r), 403) << r;
  r = once(post("/control", kControl, "{}"));
  EXPECT_EQ(status_of(r), 202) << r;
  EXPECT_NE(r.find("got 2"), std::string::npos) << r;
  // The control token reads too; the scheme's case does not matter.
  r = once("GET /metrics HTTP/1.1\r\nConnection: close\r\nAuthorization: bEaReR  " + kControl +
           " \r\n\r\n");
  EXPECT_EQ(status_of(r), 200) << r;

  const auto& c = server->counters();
  EXPECT_EQ(c.unauthorized.value(), 4u);
  EXPECT_EQ(c.forbidden.value(), 1u);
}

TEST_P(ServerTest, UnknownPathsAndMethodsAreRefusedAndHandlerErrorsAre500) {
  EXPECT_EQ(status_of(once(get("/nope", kRead))), 404);
  std::string r = once(post("/metrics", kControl, ""));
  EXPECT_EQ(status_of(r), 405) << r;
  EXPECT_NE(r.find("Allow: GET"), std::string::npos) << r;
  r = once(get("/files/a/b", kRead));
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_NE(r.find("/files/a/b"), std::string::npos) << r;
  r = once(get("/throws", kRead));
  EXPECT_EQ(status_of(r), 500) << r;
  expect_serving();
}

TEST_P(ServerTest, OversizedHeadersAndBodiesAreRefused) {
  std::string big = "GET /metrics HTTP/1.1\r\nAuthorization: Bearer " + kRead +
                    "\r\nX-Pad: " + std::string(kMaxHeaderBytes, 'a') + "\r\n\r\n";
  std::string r = once(big);
  EXPECT_EQ(status_of(r), 431) << r.substr(0, 200);
  // A body announced over the limit is refused before it is read.
  r = once("POST /control HTTP/1.1\r\nAuthorization: Bearer " + kControl +
           "\r\nContent-Length: " + std::to_string(kMaxBodyBytes + 1) + "\r\n\r\n");
  EXPECT_EQ(status_of(r), 413) << r;
  // And one sent in chunks that add up to more.
  std::string chunked = "POST /control HTTP/1.1\r\nAuthorization: Bearer " + kControl +
                        "\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 20; ++i) chunked += "1000\r\n" + std::string(0x1000, 'b') + "\r\n";
  chunked += "0\r\n\r\n";
  r = once(chunked);
  EXPECT_EQ(status_of(r), 413) << r.substr(0, 200);
  // Exactly at the limit is fine.
  r = once(post("/control", kControl, std::string(kMaxBodyBytes, 'c')));
  EXPECT_EQ(status_of(r), 202) << r.substr(0, 200);
  EXPECT_EQ(server->counters().too_large.value(), 3u);
  expect_serving();
}

TEST_P(ServerTest, MalformedRequestsAre400) {
  for (const std::string& bad :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET /metrics HTTP/9.9\r\n\r\n"),
        std::string("GET /metrics HTTP/1.1\r\nNo colon here\r\n\r\n"),
        std::string("GET\x01 / HTTP/1.1\r\n\r\n"),
        std::string("POST /control HTTP/1.1\r\nContent-Length: -5\r\n\r\n"),
        std::string("POST /control HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")}) {
    const std::string r = once(bad);
    EXPECT_EQ(status_of(r), 400) << bad << " -> " << r;
  }
  expect_serving();
}

TEST_P(ServerTest, ASlowPeerIsCutOffAndAnIdleOneClosed) {
  // Slowloris: a header byte every 150 ms never completes the request; the request timeout
  // (1 s) closes the connection. Meanwhile the server answers others.
  auto slow_conn = conn();
  Conn& slow = *slow_conn;
  ASSERT_TRUE(slow.connected());
  const std::string req = get("/metrics", kRead, false);
  const auto t0 = std::chrono::steady_clock::now();
  bool cut = false;
  for (std::size_t i = 0; i < req.size() - 2; ++i) {
    if (!slow.send(req.substr(i, 1))) {
      cut = true;
      break;
    }
    if (i == 5) expect_serving();
    if (slow.closed_within(150ms)) {
      cut = true;
      break;
    }
  }
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(cut);
  EXPECT_LT(took, 4s);
  // Idle: connected, nothing sent: closed (a new connection gets request_timeout, 1 s, for its
  // first byte).
  // Over TLS: no hello (a raw connection), then a handshake and no request.
  auto idle = h.raw();
  ASSERT_TRUE(idle->connected());
  EXPECT_TRUE(idle->closed_within(5s));
  if (tls()) {
    auto quiet = conn();
    ASSERT_TRUE(quiet->connected());
    EXPECT_TRUE(quiet->closed_within(5s));
  }
  // The server counts a timeout in the handler that runs after it closed the socket: the client
  // may see the close first.
  EXPECT_TRUE(Harness::reaches(server->counters().timeouts, tls() ? 3u : 2u))
      << server->counters().timeouts.value();
  expect_serving();
}

TEST_P(ServerTest, ConnectionsWithoutATokenCannotLockTheDeskOut) {
  // 40 connections that send nothing (over TLS: nothing after the handshake), against a cap of
  // 8: each new one closes the oldest that has not sent an authorised request, so a client with
  // a token always gets in.
  std::vector<std::unique_ptr<Conn>> idle;
  for (int i = 0; i < 40; ++i) {
    idle.push_back(conn());
    ASSERT_TRUE(idle.back()->connected()) << idle.back()->tls_error();
  }
  for (int i = 0; i < 200 && server->counters().connections.value() < 40; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_LE(server->counters().connections_open.value(), 8u);
  expect_serving();
  // Each one past the cap made room for the next, or (a handshake each, on a loaded machine:
  // slower than request_timeout) had been closed by request_timeout already.
  EXPECT_GE(server->counters().evicted.value() + server->counters().timeouts.value(), 32u);
  EXPECT_EQ(server->counters().refused.value(), 0u);
  // A connection that never sends is closed after request_timeout (1 s), not idle_timeout.
  auto quiet = conn();
  ASSERT_TRUE(quiet->connected());
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(quiet->closed_within(3s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1900ms);
}

TEST_P(ServerTest, AtTheCapTheControlTokensConnectionsStayAndReadOnesMakeRoom) {
  // Kept-alive connections that must not time out while the slots fill up (slow on a loaded
  // machine, a handshake each over TLS).
  h.server.reset();
  HttpConfig cfg = test_config(GetParam());
  cfg.idle_timeout = 60s;
  Endpoints e;
  e.routes = routes();
  h.start(GetParam(), std::move(e), cfg);
  server = h.server.get();
  // 8 kept-alive connections with the read token: each new connection takes the slot of the
  // oldest of them (the read token cannot lock the control token out) ...
  std::vector<std::unique_ptr<Conn>> readers;
  for (int i = 0; i < 8; ++i) {
    readers.push_back(conn());
    ASSERT_TRUE(readers.back()->connected());
    readers.back()->send(get("/metrics", kRead, false));
    ASSERT_EQ(status_of(readers.back()->read_response()), 200);
  }
  std::string r = once(post("/control", kControl, "{}"));
  EXPECT_EQ(status_of(r), 202) << r;
  EXPECT_GE(server->counters().evicted.value(), 1u);
  readers.clear();
  // ... while connections that showed the control token are never evicted: with 8 of them the
  // next is 503.
  for (int i = 0; i < 200 && server->counters().connections_open.value() > 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  std::vector<std::unique_ptr<Conn>> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(conn());
    ASSERT_TRUE(held.back()->connected());
    held.back()->send(get("/metrics", kControl, false));
    ASSERT_EQ(status_of(held.back()->read_response()), 200);
  }
  const std::uint64_t evicted = server->counters().evicted.value();
  for (int i = 0; i < 20; ++i) {
    // Plain HTTP: a 503. TLS: closed at once, no handshake (one for a 503 would let a flood
    // hold descriptors).
    auto extra = conn();
    if (tls()) {
      EXPECT_FALSE(extra->connected());
      continue;
    }
    ASSERT_TRUE(extra->connected());
    r = extra->read_all();
    EXPECT_EQ(status_of(r), 503) << r;
  }
  EXPECT_EQ(server->counters().refused.value(), 20u);
  EXPECT_EQ(server->counters().evicted.value(), evicted);
  held[3]->send(get("/metrics", kControl));
  EXPECT_EQ(status_of(held[3]->read_all()), 200);
  held.clear();
  for (int i = 0; i < 200 && server->counters().connections_open.value() > 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  expect_serving();
}

// A read-token peer that pipelines requests and never reads the answers holds its slot while
// the server writes to it. At the cap such connections make room for the control token like
// idle ones: 8 of them used to lock every command out until request_timeout (hostile review).
TEST_P(ServerTest, AtTheCapReadTokenPeersThatNeverReadTheirAnswersMakeRoomForTheControlToken) {
  h.server.reset();
  HttpConfig cfg = test_config(GetParam());
  cfg.request_timeout = 60s;  // nothing is cut for being slow while the test runs
  cfg.idle_timeout = 60s;
  Endpoints e;
  e.routes = routes();
  h.start(GetParam(), std::move(e), cfg);
  server = h.server.get();
  std::vector<std::unique_ptr<Conn>> hogs;
  for (int i = 0; i < 8; ++i) {
    hogs.push_back(conn());
    ASSERT_TRUE(hogs.back()->connected());
    for (int k = 0; k < 3; ++k) hogs.back()->send(get("/big", kRead, false));
  }
  // Every slot taken by a connection whose answer is being written and never read.
  for (int i = 0; i < 300 && server->counters().requests.value() < 8; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_GE(server->counters().requests.value(), 8u);
  ASSERT_EQ(server->counters().connections_open.value(), 8u);
  for (int i = 0; i < 3; ++i) {
    const std::string r = once(post("/control", kControl, "{}"));
    EXPECT_EQ(status_of(r), 202) << r;
  }
  EXPECT_GE(server->counters().evicted.value(), 1u);
  hogs.clear();
  for (int i = 0; i < 200 && server->counters().connections_open.value() > 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  expect_serving();
}

TEST_P(ServerTest, AClientSendingItsRequestInPiecesIsNotEvictedByAChurnOfSilentOnes) {
  // A client whose request arrives in two pieces 30 ms apart, while another opens connection
  // after connection and sends nothing: the silent ones make room for each other.
  std::atomic<bool> stop{false};
  std::thread churn;
  struct Join {  // an ASSERT below returns early: the thread is stopped and joined all the same
    std::atomic<bool>& stop;
    std::thread& t;
    ~Join() {
      stop.store(true);
      if (t.joinable()) t.join();
    }
  } join{stop, churn};
  churn = std::thread([&] {
    // More silent connections open at any time than the cap (8): it is always full.
    std::deque<std::unique_ptr<Conn>> open;
    while (!stop.load()) {
      open.push_back(h.raw());
      if (open.size() > 12) open.pop_front();
      std::this_thread::sleep_for(1ms);
    }
  });
  int ok = 0;
  for (int i = 0; i < 10; ++i) {
    // A TLS connection closed before its hello reached the server had sent nothing, the silent
    // ones' class (the client descheduled right after its connect on a loaded machine): it
    // connects again. A request once begun must never be cut.
    auto c = conn();
    for (int retry = 0; retry < 5 && !c->connected(); ++retry) c = conn();
    ASSERT_TRUE(c->connected()) << c->tls_error();
    const std::string req = get("/metrics", kRead);
    c->send(req.substr(0, 20));
    std::this_thread::sleep_for(30ms);
    c->send(req.substr(20));
    ok += status_of(c->read_all()) == 200;
  }
  EXPECT_EQ(ok, 10);
}

TEST_P(ServerTest, TransferCodingsOtherThanChunkedNeverSmuggleARequest) {
  // The body of each is a whole second request: it must never be answered as one.
  const std::string smuggled = get("/metrics?smuggled", kRead, false);
  for (const char* te : {"gzip", "identity", "xchunked", "chunked, chunked", "gzip, chunked",
                         "chunked\r\nTransfer-Encoding: chunked"}) {
    const std::string r = once("POST /control HTTP/1.1\r\nAuthorization: Bearer " + kControl +
                               "\r\nTransfer-Encoding: " + std::string(te) + "\r\n\r\n" + smuggled);
    const int st = status_of(r);
    EXPECT_TRUE(st == 400 || st == 501) << te << " -> " << r;
    EXPECT_EQ(r.find("smuggled"), std::string::npos) << te << " -> " << r;
    EXPECT_EQ(r.find("HTTP/1.1", 5), std::string::npos) << "a second answer for " << te;
  }
  // Plain chunked is read as the body.
  const std::string r = once("POST /control HTTP/1.1\r\nAuthorization: Bearer " + kControl +
                             "\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n"
                             "3\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(status_of(r), 202) << r;
  EXPECT_NE(r.find("got 3"), std::string::npos) << r;
  expect_serving();
}

TEST_P(ServerTest, ContinueHeadAbsoluteTargetsAndHttp10AreServed) {
  auto cp = conn();
  Conn& c = *cp;
  ASSERT_TRUE(c.connected()) << c.tls_error();
  c.send("POST /control HTTP/1.1\r\nAuthorization: Bearer " + kControl +
         "\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  const std::string cont = c.read_response();
  EXPECT_EQ(status_of(cont), 100) << cont;
  c.send("abcd");
  std::string r = c.read_response();
  EXPECT_EQ(status_of(r), 202) << r;
  EXPECT_NE(r.find("got 4"), std::string::npos) << r;

  r = once("HEAD /metrics HTTP/1.1\r\nAuthorization: Bearer " + kRead +
           "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_NE(r.find("Content-Length: 13"), std::string::npos) << r;  // "ok /metrics \n"
  EXPECT_EQ(r.find("ok /metrics"), std::string::npos) << r;         // no body
  // A HEAD refused at its header has no body either.
  r = once("HEAD /metrics HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(r), 401) << r;
  EXPECT_EQ(test::body_of(r), "") << r;

  r = once("GET http://127.0.0.1:1/metrics?q HTTP/1.1\r\nAuthorization: Bearer " + kRead +
           "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_NE(r.find("ok /metrics q"), std::string::npos) << r;

  r = once("GET /metrics HTTP/1.0\r\nAuthorization: Bearer " + kRead + "\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.0 200", 0), 0u) << r;
}

TEST_P(ServerTest, AnOversizedBodyStillGetsIts413) {
  // The client keeps sending after the server refused: the answer must reach it (no reset).
  for (int i = 0; i < 20; ++i) {
    auto cp = conn();
    Conn& c = *cp;
    ASSERT_TRUE(c.connected()) << c.tls_error();
    std::string big = "POST /control HTTP/1.1\r\nAuthorization: Bearer " + kControl +
                      "\r\nContent-Length: 2000000\r\n\r\n";
    big += std::string(2000000, ' ');
    c.send(big);
    const std::string r = c.read_all();
    EXPECT_EQ(status_of(r), 413) << "try " << i << ": " << r.substr(0, 100);
  }
  expect_serving();
}

TEST_P(ServerTest, KeptAliveAndPipelinedRequestsAreEachAnswered) {
  auto cp = conn();
  Conn& c = *cp;
  ASSERT_TRUE(c.connected()) << c.tls_error();
  for (int i = 0; i < 3; ++i) {
    c.send(get("/metrics?n=" + std::to_string(i), kRead, false));
    const std::string r = c.read_response();
    EXPECT_EQ(status_of(r), 200) << r;
    EXPECT_NE(r.find("n=" + std::to_string(i)), std::string::npos) << r;
  }
  // Two requests in one write: two answers, in order.
  c.send(get("/metrics?n=a", kRead, false) + get("/metrics?n=b", kRead, false));
  const std::string a = c.read_response();
  const std::string b = c.read_response();
  EXPECT_NE(a.find("n=a"), std::string::npos) << a;
  EXPECT_NE(b.find("n=b"), std::string::npos) << b;
}

// Property: whatever bytes a client sends, the server answers with a status or closes, and
// keeps serving. Random byte strings, mutations of a good request, and truncations of it.
TEST_P(ServerTest, RandomBytesNeverStopTheServer) {
  std::mt19937_64 rng(20261207);
  const std::string good = post("/control", kControl, "{\"action\":\"engage\"}");
  const int cases = 300;
  for (int i = 0; i < cases; ++i) {
    std::string msg;
    switch (i % 3) {
      case 0: {
        msg.resize(rng() % 600);
        for (char& ch : msg) ch = static_cast<char>(rng() & 0xff);
        break;
      }
      case 1: {
        msg = good;
        for (int k = 0, n = 1 + static_cast<int>(rng() % 8); k < n; ++k) {
          msg[rng() % msg.size()] = static_cast<char>(rng() & 0xff);
        }
        break;
      }
      default:
        msg = good.substr(0, rng() % good.size()) + "\r\n\r\n";
    }
    auto cp = conn();
    Conn& c = *cp;
    ASSERT_TRUE(c.connected()) << c.tls_error();
    c.send(msg);
    c.shutdown_write();  // the server reads the end: it answers or closes at once
    const std::string r = c.read_all(2500ms);
    if (!r.empty()) {
      const int st = status_of(r);
      EXPECT_TRUE(st == 202 || st == 400 || st == 401 || st == 403 || st == 404 || st == 405 ||
                  st == 413 || st == 431)
          << st << " for case " << i;
    }
  }
  expect_serving();
  EXPECT_EQ(server->counters().responses_5xx.value(), 0u);
}

TEST(ServerStart, APortInUseIsAnErrorNamingTheAddress) {
  auto first = HttpServer::start(config(), routes());
  ASSERT_TRUE(first);
  HttpConfig c = config();
  c.port = first.value()->port();
  auto second = HttpServer::start(c, routes());
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("127.0.0.1:" + std::to_string(c.port)), std::string::npos)
      << second.error().message;
  // stop() is idempotent and the destructor stops a running server.
  first.value()->stop();
  first.value()->stop();
}

TEST(TokenEqual, EqualOnlyForTheSameBytesOverRandomPairs) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20'000; ++i) {
    std::string a(rng() % 40, 'x');
    for (char& ch : a) ch = static_cast<char>('a' + rng() % 3);
    std::string b = a;
    switch (rng() % 4) {
      case 0:
        break;
      case 1:
        if (!b.empty()) b[rng() % b.size()] ^= static_cast<char>(1 + rng() % 7);
        break;
      case 2:
        b.push_back('a');
        break;
      default:
        if (!b.empty()) b.pop_back();
    }
    EXPECT_EQ(token_equal(b, a), a == b) << a << " / " << b;
  }
  EXPECT_FALSE(token_equal("", "x"));
  EXPECT_TRUE(token_equal("", ""));
  EXPECT_FALSE(token_equal(std::string_view("ab\0", 3), "ab"));
}

}  // namespace
}  // namespace ballast::http
