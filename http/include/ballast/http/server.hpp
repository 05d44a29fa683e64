// The operator's HTTP/1.1 server (docs/operator.md): Boost.Beast on one thread with its own
// io_context, never the engine's core thread. It checks every request before a route sees it:
//
// - a bearer token on every request (`Authorization: Bearer ...`), compared in constant time;
//   a missing or unknown token is 401, the read-only token on a control route 403;
// - limits: 8 KiB of headers (431), 64 KiB of body (413), a malformed request 400; a request
//   must arrive whole within request_timeout of its first byte and a kept-alive connection is
//   closed after idle_timeout without one (a slowloris peer is cut off; a new connection gets
//   request_timeout for its first byte); at max_connections a new connection takes the slot of
//   (oldest first) a connection that has sent nothing, else a read-token connection idle between
//   requests, else one part-way through a request without a token yet; a connection that showed
//   the control token, or whose request's token was accepted, is never evicted; with nothing to
//   evict the new one is answered 503 and closed;
// - the token is checked once the request's header is in, before its body is read: without one
//   the answer is 401 and the connection closed;
// - Transfer-Encoding exactly "chunked" or absent (400, or 501 for other codings), so a body is
//   never taken for the next request; `Expect: 100-continue` is answered; HEAD is GET without
//   the body; absolute-form targets are accepted;
// - one request at a time per connection, its response written before the next is read.
//
// Routes run on the server's thread: they must not block for long (reads of counters and
// snapshots, pushes onto a queue). The token never appears in a response, a log or a counter.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/base/counters.hpp"
#include "ballast/core/result.hpp"
#include "ballast/http/http_config.hpp"

namespace ballast::http {

/// What a token grants: read (metrics, status) or control (also the commands).
enum class Access : std::uint8_t { kRead, kControl };

struct HttpCounters;

struct Request {
  std::string_view method;  ///< "GET", "POST", ...
  std::string_view path;    ///< the target up to '?'
  std::string_view query;   ///< after '?' (without it); empty when none
  std::string_view body;
  Access access = Access::kRead;         ///< what the request's token grants
  const HttpCounters* server = nullptr;  ///< the serving server's counters
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

struct Route {
  std::string method;  ///< "GET" or "POST"
  std::string path;    ///< exact match; ending in '/': a prefix (the rest is the route's to read)
  Access needs = Access::kRead;
  std::function<void(const Request&, Response&)> handle;
};

/// What the server did; written by its thread only, read from any.
struct HttpCounters {
  Counter connections;       ///< accepted
  Counter connections_open;  ///< gauge
  Counter refused;           ///< over max_connections, none evictable: 503 and closed
  Counter evicted;           ///< closed at the cap for a new one (server.hpp: which)
  Counter requests;          ///< complete requests read
  Counter responses_2xx, responses_4xx, responses_5xx;
  Counter unauthorized;  ///< 401: no token or an unknown one
  Counter forbidden;     ///< 403: the read-only token on a control route
  Counter malformed;     ///< 400: not HTTP/1.x
  Counter too_large;     ///< 413 and 431
  Counter timeouts;      ///< connections cut off by request_timeout or idle_timeout
  /// Exceptions out of the server's own code (out of memory, say): the connection in hand is
  /// dropped unanswered and the server goes on. A route's exception is a 500 instead.
  Counter internal_errors;

  template <class F>
  void each(F&& f) const {
    name_counters(f, "connections", connections, "connections_open", connections_open, "refused",
                  refused, "evicted", evicted, "requests", requests, "responses_2xx", responses_2xx,
                  "responses_4xx", responses_4xx, "responses_5xx", responses_5xx, "unauthorized",
                  unauthorized, "forbidden", forbidden, "malformed", malformed, "too_large",
                  too_large, "timeouts", timeouts, "internal_errors", internal_errors);
  }
};

/// Whether `given` equals `expected`, in time that depends on expected's length only.
bool token_equal(std::string_view given, std::string_view expected) noexcept;

class HttpServer {
 public:
  /// Binds cfg.bind:cfg.port and starts the server's thread. Errors: the address cannot be bound
  /// (in use, not local), with the address and the system's reason.
  static Result<std::unique_ptr<HttpServer>> start(const HttpConfig& cfg,
                                                   std::vector<Route> routes);
  ~HttpServer();  ///< stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// The port listened on (cfg.port, or the one the system chose for 0).
  std::uint16_t port() const noexcept;
  /// Closes the listener and every connection and joins the thread. Idempotent.
  void stop();
  const HttpCounters& counters() const noexcept;

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ballast::http
