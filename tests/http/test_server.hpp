// What the operator server's tests share: the tokens, a configuration over plain HTTP or TLS, a
// server with a client factory for the transport under test.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "ballast/http/server.hpp"
#include "http/test_certs.hpp"
#include "http/test_conn.hpp"
#include "support/http_client.hpp"

namespace ballast::http::testing_support {

using namespace std::chrono_literals;

inline const std::string kRead = "read-token-0123456789abcdef";
inline const std::string kControl = "control-token-0123456789abcdef";

/// What carries the requests of a parameterised test.
enum class Transport { kPlain, kTls };

inline std::string transport_name(const ::testing::TestParamInfo<Transport>& i) {
  return i.param == Transport::kPlain ? "Plain" : "Tls";
}

/// Small limits so the hostile cases end quickly; TLS with the test certificate.
inline HttpConfig test_config(Transport t = Transport::kPlain) {
  HttpConfig c;
  c.enabled = true;
  c.bind = "127.0.0.1";
  c.port = 0;
  c.read_token_env = "R";
  c.control_token_env = "C";
  c.read_token = Secret(kRead);
  c.control_token = Secret(kControl);
  c.max_connections = 8;
  c.request_timeout = 1s;
  c.idle_timeout = 2s;
  if (t == Transport::kTls) {
    c.tls.enabled = true;
    c.tls.cert_file = test::pki().cert;
    c.tls.key_file = test::pki().key;
  }
  return c;
}

/// A running server and clients of its transport.
struct Harness {
  Transport transport = Transport::kPlain;
  test::ClientTls client_tls{test::pki().cert};  // trusts the server's certificate
  std::unique_ptr<HttpServer> server;

  void start(Transport t, Endpoints e, HttpConfig cfg) {
    transport = t;
    auto s = HttpServer::start(cfg, std::move(e));
    ASSERT_TRUE(s) << s.error().message;
    server = std::move(s.value());
  }
  /// A new client connection (TLS: handshake done).
  std::unique_ptr<test::Conn> connect(int rcvbuf = 0) const {
    return std::make_unique<test::Conn>(
        server->port(), transport == Transport::kTls ? &client_tls : nullptr, rcvbuf);
  }
  /// A plain TCP connection whatever the transport (it sends what the test says, or nothing).
  std::unique_ptr<test::Conn> raw() const { return std::make_unique<test::Conn>(server->port()); }
  /// One request on a new connection; the whole answer.
  std::string once(const std::string& request) const {
    auto c = connect();
    EXPECT_TRUE(c->connected()) << c->tls_error();
    c->send(request);
    return c->read_all();
  }
  /// Waits up to 2 s for a counter to reach `n` (the server counts in handlers that may run
  /// after the client saw the effect).
  static bool reaches(const Counter& c, std::uint64_t n) {
    for (int i = 0; i < 200 && c.value() < n; ++i) std::this_thread::sleep_for(10ms);
    return c.value() >= n;
  }
};

}  // namespace ballast::http::testing_support
