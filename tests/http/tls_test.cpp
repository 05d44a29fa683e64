// HTTPS on the operator server: the certificate and key checked with a reason (check-config and
// start), and the clients a TLS port meets: plain HTTP, a stalled or refused handshake, old
// protocol versions, renegotiation. The hostile-request cases over TLS are in server_test.cpp.
#include <openssl/ssl.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "ballast/config/config.hpp"
#include "ballast/http/browser.hpp"
#include "ballast/http/server.hpp"
#include "http/test_server.hpp"

namespace ballast::http {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;
using test::Conn;
using test::get;
using test::pki;
using test::status_code;

std::vector<Route> routes() {
  std::vector<Route> r;
  r.push_back({"GET", "/metrics", Access::kRead, [](const Request&, Response& out) {
                 out.content_type = "text/plain";
                 out.body = "ok\n";
               }});
  return r;
}

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = pki().dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

HttpTlsConfig tls_files(const std::string& cert, const std::string& key) {
  HttpTlsConfig t;
  t.enabled = true;
  t.cert_file = cert;
  t.key_file = key;
  return t;
}

/// The messages of check_tls_files, "path: message" per line.
std::string problems(const HttpTlsConfig& t) {
  std::string s;
  for (const auto& v : check_tls_files(t)) s += v.path + ": " + v.message + "\n";
  return s;
}

TEST(TlsFiles, AGoodPairPassesAndEachProblemIsNamedAtItsKey) {
  const auto& p = pki();
  EXPECT_EQ(problems(tls_files(p.cert, p.key)), "");
  HttpTlsConfig off = tls_files("/nowhere", "/nowhere");
  off.enabled = false;
  EXPECT_EQ(problems(off), "");  // TLS off: nothing to check

  auto fails = [](const HttpTlsConfig& t, const std::string& says) {
    const std::string m = problems(t);
    EXPECT_NE(m.find(says), std::string::npos) << "expected '" << says << "' in:\n" << m;
  };
  fails(tls_files(p.dir + "/absent.crt", p.key), "tls.cert_file: the file does not exist");
  fails(tls_files(p.cert, p.dir + "/absent.key"), "tls.key_file: the file does not exist");
  fails(tls_files(p.dir, p.key), "tls.cert_file: this is a directory");
  fails(tls_files(write_file("empty.crt", ""), p.key), "tls.cert_file: the file is empty");
  fails(tls_files(write_file("garbage.crt", "hello\n"), p.key),
        "tls.cert_file: no PEM certificate in it");
  fails(tls_files(p.cert, write_file("garbage.key", "hello\n")),
        "tls.key_file: no PEM private key in it");
  fails(tls_files(p.key, p.cert), "tls.cert_file: this is a private key, not a certificate");
  fails(tls_files(p.key, p.cert), "tls.key_file: this is a certificate, not a private key");
  fails(tls_files(p.cert, p.encrypted_key), "tls.key_file: the key is encrypted");
  fails(tls_files(p.cert, p.other_key),
        "tls.key_file: the key does not match the certificate in '" + p.cert + "'");
  fails(tls_files(p.expired_cert, p.expired_key), "tls.cert_file: the certificate expired on");
  // A cut certificate (the last lines lost in a copy).
  const std::string cert = read_file(p.cert);
  fails(tls_files(write_file("cut.crt", cert.substr(0, cert.size() / 2)), p.key),
        "tls.cert_file: no PEM certificate in it");
  // The leaf then an intermediate that is cut: named as certificate 2.
  fails(tls_files(write_file("chain.crt", cert + cert.substr(0, cert.size() - 40)), p.key),
        "tls.cert_file: certificate 2 of the file is not valid PEM");
  // Unreadable (when not root: root reads anything).
  if (::geteuid() != 0) {
    const std::string locked = write_file("locked.key", read_file(p.key));
    ::chmod(locked.c_str(), 0);
    fails(tls_files(p.cert, locked), "tls.key_file: cannot open it: Permission denied");
  }
}

TEST(TlsStart, ABadCertificateOrKeyIsAnErrorNamingTheFileNotAnAbort) {
  const auto& p = pki();
  HttpConfig c = test_config(Transport::kTls);
  c.tls.key_file = p.other_key;
  auto s = HttpServer::start(c, routes());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "operator.http.tls.key_file: '" + p.other_key +
                                   "': the key does not match the certificate in '" + p.cert + "'");
  c = test_config(Transport::kTls);
  c.tls.cert_file = p.dir + "/absent.crt";
  s = HttpServer::start(c, routes());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            "operator.http.tls.cert_file: '" + p.dir + "/absent.crt': the file does not exist");
  c = test_config(Transport::kTls);
  c.tls.key_file = p.encrypted_key;  // never a prompt on the terminal
  s = HttpServer::start(c, routes());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("encrypted"), std::string::npos) << s.error().message;
}

struct TlsTest : ::testing::Test {
  void SetUp() override {
    Endpoints e;
    e.routes = routes();
    h.start(Transport::kTls, std::move(e), test_config(Transport::kTls));
    server = h.server.get();
  }
  void expect_serving() {
    const std::string r = h.once(get("/metrics", kRead));
    EXPECT_EQ(status_code(r), 200) << r;
  }
  Harness h;
  HttpServer* server = nullptr;
};

TEST_F(TlsTest, AVerifyingClientGetsItsAnswer) {
  EXPECT_TRUE(server->tls());
  auto c = h.connect();
  ASSERT_TRUE(c->connected()) << c->tls_error();
  EXPECT_GE(SSL_version(c->ssl()), TLS1_2_VERSION);
  EXPECT_EQ(SSL_get_current_compression(c->ssl()), nullptr);
  c->send(get("/metrics", kRead));
  const std::string r = c->read_all();
  EXPECT_EQ(status_code(r), 200) << r;
  EXPECT_EQ(server->counters().tls_failed.value(), 0u);
}

TEST_F(TlsTest, APlainHttpClientIsToldToUseHttpsAndCounted) {
  auto c = h.raw();
  ASSERT_TRUE(c->connected());
  c->send(get("/metrics", kRead));
  const std::string r = c->read_all();
  EXPECT_EQ(status_code(r), 400) << r;
  EXPECT_NE(r.find("this port speaks HTTPS"), std::string::npos) << r;
  EXPECT_EQ(server->counters().tls_failed.value(), 1u);
  EXPECT_EQ(server->counters().requests.value(), 0u);  // never read as a request
  expect_serving();
}

TEST_F(TlsTest, AStalledHandshakeIsCutOffByTheRequestTimeout) {
  // Connected, no hello; then the first bytes of a hello and nothing more. Each is closed
  // within request_timeout (1 s) of its last progress, and counted.
  auto silent = h.raw();
  auto partial = h.raw();
  ASSERT_TRUE(silent->connected());
  ASSERT_TRUE(partial->connected());
  const auto t0 = std::chrono::steady_clock::now();
  partial->send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
  expect_serving();  // meanwhile
  EXPECT_TRUE(silent->closed_within(3s));
  EXPECT_TRUE(partial->closed_within(3s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2500ms);
  EXPECT_TRUE(Harness::reaches(server->counters().timeouts, 2));
  expect_serving();
}

TEST_F(TlsTest, AClientThatDoesNotTrustTheCertificateFailsAndTheServerGoesOn) {
  test::ClientTls wrong{pki().other_cert};
  Conn c(server->port(), &wrong);
  EXPECT_FALSE(c.connected());
  EXPECT_NE(c.tls_error().find("certificate verify failed"), std::string::npos) << c.tls_error();
  EXPECT_TRUE(Harness::reaches(server->counters().tls_failed, 1));
  // Garbage after a TLS record header: a handshake failure, counted.
  auto junk = h.raw();
  junk->send(std::string("\x16\x03\x01\x00\x05hello", 10) + std::string(200, 'x'));
  EXPECT_TRUE(junk->closed_within(3s));
  EXPECT_TRUE(Harness::reaches(server->counters().tls_failed, 2));
  expect_serving();
}

TEST_F(TlsTest, ProtocolsBeforeTls12AndRenegotiationAreRefused) {
  test::ClientTls old{pki().cert, TLS1_VERSION, TLS1_1_VERSION};
  Conn c(server->port(), &old);
  EXPECT_FALSE(c.connected()) << "TLS 1.1 was accepted";
  EXPECT_TRUE(Harness::reaches(server->counters().tls_failed, 1));

  // TLS 1.2 is spoken; a renegotiation it asks for is refused, and the server goes on.
  test::ClientTls v12{pki().cert, 0, TLS1_2_VERSION};
  Conn r(server->port(), &v12);
  ASSERT_TRUE(r.connected()) << r.tls_error();
  EXPECT_EQ(SSL_version(r.ssl()), TLS1_2_VERSION);
  ASSERT_EQ(SSL_renegotiate(r.ssl()), 1);
  bool renegotiated = false;
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (std::chrono::steady_clock::now() < deadline) {
    const int x = SSL_do_handshake(r.ssl());
    if (x == 1) {
      // The client's part is sent; the server's answer decides.
      char buf[64];
      const int n = SSL_read(r.ssl(), buf, sizeof buf);
      renegotiated = n > 0 && SSL_renegotiate_pending(r.ssl()) == 0;
      break;
    }
    const int e = SSL_get_error(r.ssl(), x);
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) break;
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_FALSE(renegotiated);
  expect_serving();
}

TEST_F(TlsTest, TheLoginCookieIsSecureOverTls) {
  const std::string body = "token=" + kRead + "&next=/x";
  const std::string r = h.once(
      "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/x-www-form-urlencoded\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  EXPECT_EQ(status_code(r), 303) << r;
  EXPECT_EQ(test::header_of(r, "Set-Cookie"),
            "ballast_token=" + kRead + "; Path=/; HttpOnly; SameSite=Strict; Secure");
}

TEST(TlsConfig, APublicBindNeedsTlsAndTlsNeedsBothFiles) {
  HttpConfig c = test_config(Transport::kPlain);
  c.bind = "0.0.0.0";
  auto msgs = [](const HttpConfig& x) {
    std::string s;
    for (const auto& v : x.validate()) s += v.path + ": " + v.message + "\n";
    return s;
  };
  EXPECT_NE(msgs(c).find("bind: '0.0.0.0' is not a loopback address and TLS is off"),
            std::string::npos)
      << msgs(c);
  c.tls.enabled = true;
  EXPECT_NE(msgs(c).find("tls.cert_file: required with TLS on"), std::string::npos) << msgs(c);
  EXPECT_NE(msgs(c).find("tls.key_file: required with TLS on"), std::string::npos) << msgs(c);
  c.tls.cert_file = pki().cert;
  c.tls.key_file = pki().key;
  EXPECT_EQ(msgs(c), "");
  c.bind = "::";
  EXPECT_EQ(msgs(c), "");
  // A public address serves over TLS (0.0.0.0 listens on loopback too).
  c.bind = "0.0.0.0";
  auto s = HttpServer::start(c, routes());
  ASSERT_TRUE(s) << s.error().message;
  test::ClientTls trust{pki().cert};
  Conn conn(s.value()->port(), &trust);
  ASSERT_TRUE(conn.connected()) << conn.tls_error();
  conn.send(get("/metrics", kRead));
  EXPECT_EQ(status_code(conn.read_all()), 200);
}

/// A configuration file with an operator.http.tls block, in the certificates' directory.
std::string desk_with_tls(const std::string& name, const std::string& tls_block) {
  return write_file(name,
                    "version: 1\n"
                    "instruments:\n"
                    "  - {symbol: SPY}\n"
                    "operator:\n"
                    "  http:\n"
                    "    bind: 0.0.0.0\n"
                    "    read_token_env: OP_READ\n"
                    "    tls:\n" +
                        tls_block);
}

config::EnvLookup env() {
  return [](const std::string& n) -> std::optional<std::string> {
    if (n == "OP_READ") return kRead;
    return std::nullopt;
  };
}

std::string diagnostics(const config::LoadResult& r) {
  std::string s;
  for (const auto& d : r.diagnostics) s += config::format(d) + "\n";
  return s;
}

TEST(TlsCheckConfig, FilesResolveAgainstTheConfigurationAndABadPairIsNamed) {
  // Relative to the configuration file's directory, like the FIX TLS files.
  std::filesystem::copy_file(pki().cert, pki().dir + "/rel.crt",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(pki().key, pki().dir + "/rel.key",
                             std::filesystem::copy_options::overwrite_existing);
  auto ok = config::load_file(
      desk_with_tls("good.yaml", "      cert_file: rel.crt\n      key_file: rel.key\n"), env());
  ASSERT_TRUE(ok.ok()) << diagnostics(ok);
  EXPECT_TRUE(ok.settings->operator_http.tls.enabled);
  EXPECT_EQ(ok.settings->operator_http.tls.cert_file, pki().dir + "/rel.crt");

  std::filesystem::copy_file(pki().other_key, pki().dir + "/wrong.key",
                             std::filesystem::copy_options::overwrite_existing);
  const std::string bad =
      desk_with_tls("bad.yaml", "      cert_file: rel.crt\n      key_file: wrong.key\n");
  auto r = config::load_file(bad, env());
  ASSERT_FALSE(r.ok());
  const std::string d = diagnostics(r);
  EXPECT_NE(
      d.find(bad + ":10:17: operator.http.tls.key_file: '" + pki().dir +
             "/wrong.key': the key does not match the certificate in '" + pki().dir + "/rel.crt'"),
      std::string::npos)
      << d;

  r = config::load_file(
      desk_with_tls("absent.yaml", "      cert_file: nope.crt\n      key_file: rel.key\n"), env());
  EXPECT_NE(diagnostics(r).find("operator.http.tls.cert_file: '" + pki().dir +
                                "/nope.crt': the file does not exist"),
            std::string::npos)
      << diagnostics(r);
  // `enabled: false`: the files are not needed, and the public bind is refused again.
  r = config::load_file(desk_with_tls("off.yaml", "      enabled: false\n"), env());
  EXPECT_NE(diagnostics(r).find("operator.http.bind: '0.0.0.0' is not a loopback address"),
            std::string::npos)
      << diagnostics(r);
  EXPECT_EQ(diagnostics(r).find("operator.http.tls."), std::string::npos) << diagnostics(r);
}

}  // namespace
}  // namespace ballast::http
