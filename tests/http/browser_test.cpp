// The browser side of the operator server: POST /login and the cookie it sets, cookie
// authentication of read and control routes (and the cross-site check), the login form of page
// routes, static assets with ETag and 304; and the pure helpers underneath.
#include "ballast/http/browser.hpp"

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "ballast/http/server.hpp"
#include "http/test_server.hpp"

namespace ballast::http {
namespace {

using namespace std::chrono_literals;
using namespace testing_support;
using test::Conn;
using test::get;
using test::header_of;
using test::status_code;

constexpr std::string_view kScript = "console.log('dashboard');\n";
constexpr std::string_view kIndex = "<!doctype html><title>desk</title><p>the desk</p>\n";

Endpoints endpoints() {
  Endpoints e;
  e.routes.push_back({"GET", "/api/status", Access::kRead, [](const Request& q, Response& out) {
                        out.body =
                            std::string("{\"cookie\": ") + (q.by_cookie ? "true" : "false") + "}\n";
                      }});
  e.routes.push_back({"POST", "/api/kill", Access::kControl, [](const Request& q, Response& out) {
                        out.status = 202;
                        out.body = "killed " + std::string(q.body) + "\n";
                      }});
  e.routes.push_back({"GET", "/dash", Access::kRead,
                      [](const Request&, Response& out) {
                        out.content_type = "text/html; charset=utf-8";
                        out.body = "<p>secret positions</p>\n";
                      },
                      true});
  e.assets.push_back({"/app.js", "text/javascript", kScript});
  e.assets.push_back({"/", "text/html; charset=utf-8", kIndex, Access::kRead, true});
  return e;
}

struct BrowserTest : ::testing::Test {
  void SetUp() override {
    h.start(Transport::kPlain, endpoints(), test_config());
    server = h.server.get();
  }
  /// POST /login with a form body (and extra header lines).
  std::string login(const std::string& form, const std::string& extra = "") {
    return h.once(
        "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        "application/x-www-form-urlencoded\r\nContent-Length: " +
        std::to_string(form.size()) + "\r\n" + extra + "Connection: close\r\n\r\n" + form);
  }
  /// A request with the login cookie holding `token` (and extra header lines).
  std::string with_cookie(const std::string& method, const std::string& path,
                          const std::string& token, const std::string& extra = "",
                          const std::string& body = "") {
    return h.once(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: theme=dark; " +
                  std::string(kTokenCookie) + "=" + cookie_encode(token) + "\r\n" + extra +
                  "Content-Length: " + std::to_string(body.size()) +
                  "\r\nConnection: close\r\n\r\n" + body);
  }
  /// The token never appears in an answer but in the Set-Cookie of a login.
  static void expect_no_token(std::string r) {
    const auto cookie = r.find("\r\nSet-Cookie: ");
    if (cookie != std::string::npos) r.erase(cookie, r.find("\r\n", cookie + 2) - cookie);
    EXPECT_EQ(r.find(kRead), std::string::npos) << r;
    EXPECT_EQ(r.find(kControl), std::string::npos) << r;
  }
  Harness h;
  HttpServer* server = nullptr;
};

TEST_F(BrowserTest, ARightTokenSetsTheCookieAndRedirectsToNext) {
  const std::string r = login("token=" + kControl + "&next=%2Fdash%3Fview%3D1");
  EXPECT_EQ(status_code(r), 303) << r;
  EXPECT_EQ(header_of(r, "Location"), "/dash?view=1") << r;
  EXPECT_EQ(header_of(r, "Set-Cookie"),
            "ballast_token=" + kControl + "; Path=/; HttpOnly; SameSite=Strict")
      << r;
  expect_no_token(r);
  EXPECT_EQ(server->counters().logins.value(), 1u);
  // No next: "/".
  EXPECT_EQ(header_of(login("token=" + kRead), "Location"), "/");
  // The form's field order and '+' for spaces do not matter.
  EXPECT_EQ(status_code(login("next=/x&token=" + kRead + "&extra=a+b")), 303);
}

TEST_F(BrowserTest, AWrongTokenIs401WithTheFormAgainAndNoCookie) {
  for (const std::string& form :
       {"token=" + kRead + "x", std::string("token="), std::string(""), std::string("next=/dash"),
        "token=" + kRead.substr(1), std::string("token=%zz"), "Token=" + kRead}) {
    const std::string r = login(form);
    EXPECT_EQ(status_code(r), 401) << form << " -> " << r;
    EXPECT_EQ(header_of(r, "Set-Cookie"), "") << r;
    EXPECT_NE(r.find("That token is not valid."), std::string::npos) << r;
    EXPECT_NE(r.find("<form method=\"post\" action=\"/login\">"), std::string::npos) << r;
    expect_no_token(r);
  }
  EXPECT_EQ(server->counters().logins.value(), 0u);
  EXPECT_EQ(server->counters().unauthorized.value(), 7u);
  // Not a form.
  const std::string body = "{\"token\": \"" + kRead + "\"}";
  const std::string r = h.once(
      "POST /login HTTP/1.1\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  EXPECT_EQ(status_code(r), 415) << r;
  // A body over 4 KiB is refused before it is read.
  EXPECT_EQ(status_code(login("token=" + kRead + "&pad=" + std::string(5000, 'a'))), 413);
}

TEST_F(BrowserTest, NextNeverRedirectsToAnotherSite) {
  for (const std::string& next : std::vector<std::string>{
           "//evil.com", "http://x", "https://evil.com/", "%2F%2Fevil.com", "/%5Cevil.com",
           "%2F%5Cevil.com", "/\\evil.com", "javascript:alert(1)", "evil.com",
           "/x%0d%0aSet-Cookie:a=b", "/x%20y", "%2F%09%2Fevil.com",
           std::string("/") + std::string(2000, 'a')}) {
    const std::string r = login("token=" + kRead + "&next=" + next);
    EXPECT_EQ(status_code(r), 303) << next << " -> " << r;
    EXPECT_EQ(header_of(r, "Location"), "/") << next << " -> " << r;
  }
  EXPECT_EQ(local_redirect("/dash"), "/dash");
  EXPECT_EQ(local_redirect("/a/b?c=d&e=%2F%2F"), "/a/b?c=d&e=%2F%2F");
  EXPECT_EQ(local_redirect("/"), "/");
  EXPECT_EQ(local_redirect("//evil.com"), "/");
  EXPECT_EQ(local_redirect("/\\evil.com"), "/");
  EXPECT_EQ(local_redirect("/a\\b"), "/");
  EXPECT_EQ(local_redirect("/a\rb"), "/");
  EXPECT_EQ(local_redirect("/\xc3\xa9"), "/");
  EXPECT_EQ(local_redirect("/a\"b"), "/");
  EXPECT_EQ(local_redirect("/a<b>"), "/");
  EXPECT_EQ(local_redirect("/a#frag"), "/a#frag");
}

TEST_F(BrowserTest, TheCookieAuthenticatesReadAndControlRoutes) {
  std::string r = with_cookie("GET", "/api/status", kRead);
  EXPECT_EQ(status_code(r), 200) << r;
  EXPECT_NE(r.find("{\"cookie\": true}"), std::string::npos) << r;
  // A control route by cookie: the control token and the same-origin header.
  r = with_cookie("POST", "/api/kill", kControl, "X-Ballast-Request: 1\r\n", "all");
  EXPECT_EQ(status_code(r), 202) << r;
  EXPECT_NE(r.find("killed all"), std::string::npos) << r;
  r = with_cookie("POST", "/api/kill", kRead, "X-Ballast-Request: 1\r\n", "all");
  EXPECT_EQ(status_code(r), 403) << r;
  EXPECT_NE(r.find("needs the control token"), std::string::npos) << r;
  // A wrong cookie is no token.
  r = with_cookie("GET", "/api/status", kRead + "x");
  EXPECT_EQ(status_code(r), 401) << r;
  expect_no_token(r);
  // The bearer header wins over the cookie, either way round.
  r = with_cookie("GET", "/api/status", kRead, "Authorization: Bearer wrong-token-0123456789\r\n");
  EXPECT_EQ(status_code(r), 401) << r;
  r = with_cookie("GET", "/api/status", "garbage", "Authorization: Bearer " + kRead + "\r\n");
  EXPECT_EQ(status_code(r), 200) << r;
  EXPECT_NE(r.find("{\"cookie\": false}"), std::string::npos) << r;
  // Another scheme (a proxy's Basic) is not a bearer token: the cookie decides.
  r = with_cookie("GET", "/api/status", kRead, "Authorization: Basic dXNlcjpwYXNz\r\n");
  EXPECT_EQ(status_code(r), 200) << r;
  // Two cookies of the name (paths differ): the valid one counts.
  r = h.once("GET /api/status HTTP/1.1\r\nCookie: ballast_token=old; ballast_token=" + kRead +
             "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_code(r), 200) << r;
  // A read cookie keeps its connection evictable like a read bearer token (server_test).
}

TEST_F(BrowserTest, AControlRequestByCookieAloneMustProveItIsNotCrossSite) {
  // A form on another site (or another port of this host: SameSite does not look at ports)
  // can post with the cookie, but cannot add the header.
  for (const std::string& extra :
       {std::string(""), std::string("X-Ballast-Request: 0\r\n"),
        std::string("X-Ballast-Request: \r\n"), std::string("Origin: http://evil.com\r\n"),
        std::string("X-Ballast-Request: yes\r\n")}) {
    const std::string r = with_cookie("POST", "/api/kill", kControl, extra, "all");
    EXPECT_EQ(status_code(r), 403) << extra << " -> " << r;
    EXPECT_NE(r.find("X-Ballast-Request: 1"), std::string::npos) << r;
    EXPECT_EQ(r.find("killed"), std::string::npos) << r;
  }
  EXPECT_EQ(server->counters().forbidden.value(), 5u);
  // The bearer header needs no such proof (a browser never adds it on its own).
  const std::string r = h.once(test::post("/api/kill", kControl, "all"));
  EXPECT_EQ(status_code(r), 202) << r;
  // A GET by cookie needs none either: it changes nothing.
  EXPECT_EQ(status_code(with_cookie("GET", "/api/status", kControl)), 200);
}

TEST_F(BrowserTest, APageWithoutCredentialsGetsTheLoginFormAndNoData) {
  std::string r = h.once(get("/dash?tab=2", ""));
  EXPECT_EQ(status_code(r), 401) << r;
  EXPECT_EQ(header_of(r, "Content-Type"), "text/html; charset=utf-8") << r;
  EXPECT_NE(header_of(r, "Content-Security-Policy").find("frame-ancestors 'none'"),
            std::string::npos)
      << r;
  EXPECT_NE(r.find("<form method=\"post\" action=\"/login\">"), std::string::npos) << r;
  EXPECT_NE(r.find("name=\"next\" value=\"/dash?tab=2\""), std::string::npos) << r;
  EXPECT_EQ(r.find("secret positions"), std::string::npos) << r;
  // A stale cookie: the form again.
  r = with_cookie("GET", "/dash", "stale-token-0123456789");
  EXPECT_EQ(status_code(r), 401) << r;
  EXPECT_NE(r.find("no longer valid"), std::string::npos) << r;
  // A page asset too; a route that is not a page answers in text.
  r = h.once(get("/", ""));
  EXPECT_EQ(status_code(r), 401) << r;
  EXPECT_NE(r.find("action=\"/login\""), std::string::npos) << r;
  r = h.once(get("/api/status", ""));
  EXPECT_EQ(status_code(r), 401) << r;
  EXPECT_EQ(r.find("<form"), std::string::npos) << r;
  // With the cookie, the page.
  r = with_cookie("GET", "/dash", kRead);
  EXPECT_EQ(status_code(r), 200) << r;
  EXPECT_NE(r.find("secret positions"), std::string::npos) << r;
  // GET /login is the form on its own, next taken from the query and checked; an HTML
  // injection through next is escaped.
  r = h.once(get("/login?next=%2Fdash", ""));
  EXPECT_EQ(status_code(r), 200) << r;
  EXPECT_NE(r.find("value=\"/dash\""), std::string::npos) << r;
  r = h.once(get("/login?next=/%27%3E%3Cscript%3E", ""));
  EXPECT_EQ(r.find("<script>"), std::string::npos) << r;
  EXPECT_NE(r.find("name=\"next\" value=\"/\""), std::string::npos) << r;
  r = h.once(get("/login?next=/a%27b", ""));  // a quote that is a URI character: escaped
  EXPECT_NE(r.find("name=\"next\" value=\"/a&#39;b\""), std::string::npos) << r;
}

TEST_F(BrowserTest, AConnectionWithoutATokenIsNotKeptAfterTheLoginEndpoints) {
  // The form and the logout need no token, but a connection that showed none is closed after
  // the answer (as after a 401): it cannot hold a slot for idle_timeout.
  auto c = h.connect();
  c->send(get("/login", "", false));
  EXPECT_EQ(status_code(c->read_response()), 200);
  EXPECT_TRUE(c->closed_within(1s));
  c = h.connect();
  c->send("POST /logout HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(status_code(c->read_response()), 303);
  EXPECT_TRUE(c->closed_within(1s));
  // A successful login proved the token: the connection is kept and serves the next request.
  c = h.connect();
  const std::string form = "token=" + kRead + "&next=/dash";
  c->send(
      "POST /login HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: " +
      std::to_string(form.size()) + "\r\n\r\n" + form);
  EXPECT_EQ(status_code(c->read_response()), 303);
  c->send("GET /dash HTTP/1.1\r\nCookie: ballast_token=" + kRead + "\r\n\r\n");
  const std::string r = c->read_response();
  EXPECT_EQ(status_code(r), 200) << r;
}

TEST_F(BrowserTest, LogoutClearsTheCookie) {
  const std::string r =
      h.once("POST /logout HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_code(r), 303) << r;
  EXPECT_EQ(header_of(r, "Location"), "/");
  EXPECT_EQ(header_of(r, "Set-Cookie"),
            "ballast_token=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  EXPECT_EQ(status_code(h.once(get("/logout", ""))), 401);  // POST only (a GET needs a token)
  EXPECT_EQ(status_code(h.once(get("/logout", kRead))), 405);
}

TEST_F(BrowserTest, AssetsCarryAnETagAndAreRevalidatedWith304) {
  std::string r = h.once(get("/app.js", kRead));
  EXPECT_EQ(status_code(r), 200) << r;
  EXPECT_EQ(test::body_of(r), kScript);
  EXPECT_EQ(header_of(r, "Content-Type"), "text/javascript");
  EXPECT_EQ(header_of(r, "Cache-Control"), "no-cache");
  const std::string etag = header_of(r, "ETag");
  ASSERT_EQ(etag.size(), 34u) << r;  // '"' + 32 hex digits + '"'
  // The same tag (strong, weak, in a list, or *) is 304 without a body.
  for (const std::string& inm : {etag, "W/" + etag, "\"x\", " + etag, std::string("*")}) {
    r = h.once("GET /app.js HTTP/1.1\r\nAuthorization: Bearer " + kRead +
               "\r\nIf-None-Match: " + inm + "\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(status_code(r), 304) << inm << " -> " << r;
    EXPECT_EQ(test::body_of(r), "") << r;
    EXPECT_EQ(header_of(r, "ETag"), etag) << r;
    EXPECT_EQ(header_of(r, "Content-Length"), "") << r;
  }
  r = h.once("GET /app.js HTTP/1.1\r\nAuthorization: Bearer " + kRead +
             "\r\nIf-None-Match: \"other\"\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_code(r), 200) << r;
  EXPECT_EQ(server->counters().responses_3xx.value(), 4u);
  // Without a token: 401, and nothing of the asset.
  r = h.once(get("/app.js", ""));
  EXPECT_EQ(status_code(r), 401) << r;
  EXPECT_EQ(r.find("console.log"), std::string::npos) << r;
  // By cookie; HEAD carries the length and no body.
  r = with_cookie("GET", "/", kRead);
  EXPECT_EQ(test::body_of(r), kIndex);
  r = h.once("HEAD /app.js HTTP/1.1\r\nAuthorization: Bearer " + kRead +
             "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(header_of(r, "Content-Length"), std::to_string(kScript.size())) << r;
  EXPECT_EQ(test::body_of(r), "");
  EXPECT_EQ(status_code(h.once(test::post("/app.js", kControl, ""))), 405);
}

TEST_F(BrowserTest, GarbageAndOversizedCookiesAreRefusedAndTheServerGoesOn) {
  std::mt19937_64 rng(17);
  for (int i = 0; i < 200; ++i) {
    std::string value(rng() % 200, 'x');
    for (char& c : value) {
      c = static_cast<char>(rng() % 2 ? 0x20 + rng() % 0x5f : rng() & 0xff);
      if (c == '\r' || c == '\n') c = '%';
    }
    const std::string r = h.once("GET /dash HTTP/1.1\r\nCookie: ballast_token=" + value +
                                 "; ballast_token=" + value + "\r\nConnection: close\r\n\r\n");
    const int st = status_code(r);
    EXPECT_TRUE(st == 401 || st == 400) << st << " for " << value;
  }
  // Many cookies of the name, within the header limit: each is checked, none matches.
  std::string many;
  for (int i = 0; i < 400; ++i) many += "ballast_token=" + std::to_string(i) + "; ";
  std::string r = h.once("GET /api/status HTTP/1.1\r\nCookie: " + many +
                         "\r\nConnection: "
                         "close\r\n\r\n");
  EXPECT_EQ(status_code(r), 401) << r.substr(0, 100);
  // Over the limit: 431.
  r = h.once("GET /api/status HTTP/1.1\r\nCookie: ballast_token=" +
             std::string(kMaxHeaderBytes, 'a') + "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_code(r), 431) << r.substr(0, 100);
  EXPECT_EQ(status_code(with_cookie("GET", "/api/status", kRead)), 200);
}

TEST(BrowserHelpers, FormValuesAreDecoded) {
  EXPECT_EQ(form_value("token=a%2Bb+c&next=%2Fx", "token"), "a+b c");
  EXPECT_EQ(form_value("token=a&next=%2Fx", "next"), "/x");
  EXPECT_EQ(form_value("a=1&token", "token"), "");
  EXPECT_EQ(form_value("x=1&&token=2", "token"), "2");
  EXPECT_EQ(form_value("tok%65n=3", "token"), "3");
  EXPECT_EQ(form_value("token=%4", "token"), std::nullopt);
  EXPECT_EQ(form_value("token=%g0", "token"), std::nullopt);
  EXPECT_EQ(form_value("tokens=1", "token"), std::nullopt);
  EXPECT_EQ(form_value("", "token"), std::nullopt);
}

TEST(BrowserHelpers, CookieValuesRoundTripAnyBytes) {
  EXPECT_EQ(cookie_values("a=1; ballast_token=x; b=2", "ballast_token"),
            std::vector<std::string>{"x"});
  EXPECT_EQ(cookie_values("ballast_token=\"q\";ballast_token = y ", "ballast_token"),
            (std::vector<std::string>{"q", "y"}));
  EXPECT_EQ(cookie_values("ballast_token=%zz; xballast_token=1; =; ;", "ballast_token"),
            std::vector<std::string>{});
  std::mt19937_64 rng(5);
  for (int i = 0; i < 2000; ++i) {
    std::string v(rng() % 40, 'x');
    for (char& c : v) c = static_cast<char>(rng() & 0xff);
    const std::string enc = cookie_encode(v);
    for (const char c : enc) {
      const auto u = static_cast<unsigned char>(c);
      ASSERT_TRUE(u > 0x20 && u < 0x7f && c != ';' && c != ',' && c != '"' && c != '\\') << enc;
    }
    const auto back = cookie_values("a=b; ballast_token=" + enc, "ballast_token");
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0], v);
  }
}

TEST(BrowserHelpers, EventsSplitLinesAsAnEventSourceReadsThem) {
  auto ev = [](std::string_view p) {
    std::string out;
    append_event(out, p);
    return out;
  };
  EXPECT_EQ(ev("x"), "data: x\n\n");
  EXPECT_EQ(ev("a\nb"), "data: a\ndata: b\n\n");
  EXPECT_EQ(ev("a\r\nb\rc"), "data: a\ndata: b\ndata: c\n\n");
  EXPECT_EQ(ev("a\n"), "data: a\ndata: \n\n");
  EXPECT_EQ(ev("\n\n"), "data: \ndata: \ndata: \n\n");
  EXPECT_EQ(ev(""), ": keepalive\n\n");
  // Whatever the payload, the event ends once, at its end, and each line is a data line.
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::string p(1 + rng() % 30, 'a');
    for (char& c : p) c = "ab\r\n:"[rng() % 5];
    const std::string e = ev(p);
    EXPECT_EQ(e.find("\n\n"), e.size() - 2) << p;
    std::size_t at = 0;
    while (at < e.size() - 1) {
      EXPECT_EQ(e.compare(at, 6, "data: "), 0) << e;
      at = e.find('\n', at) + 1;
    }
    EXPECT_EQ(e.find('\r'), std::string::npos);
  }
}

TEST(BrowserHelpers, ETagsMatchWeaklyAndHtmlIsEscaped) {
  EXPECT_TRUE(etag_matches("\"a\"", "\"a\""));
  EXPECT_TRUE(etag_matches("W/\"a\"", "\"a\""));
  EXPECT_TRUE(etag_matches(" \"b\" , W/\"a\" ", "\"a\""));
  EXPECT_TRUE(etag_matches("*", "\"a\""));
  EXPECT_FALSE(etag_matches("\"b\"", "\"a\""));
  EXPECT_FALSE(etag_matches("", "\"a\""));
  EXPECT_FALSE(etag_matches("a", "\"a\""));
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  const std::string page = login_page("/x\"><script>", "<b>hi</b>");
  EXPECT_EQ(page.find("<script>"), std::string::npos) << page;
  EXPECT_EQ(page.find("<b>"), std::string::npos) << page;
  EXPECT_NE(page.find("value=\"/\""), std::string::npos) << page;  // not a local path: "/"
}

}  // namespace
}  // namespace ballast::http
