// The operator's HTTP/1.1 server (docs/operator.md): Boost.Beast on one thread with its own
// io_context, never the engine's core thread; HTTPS when operator.http.tls is on (TLS 1.2 or
// later, OpenSSL). It checks every request before a route sees it:
//
// - a token on every request: `Authorization: Bearer ...`, or the login cookie `ballast_token`
//   a browser got from `POST /login` (the header wins when it is a bearer one); compared in
//   constant time; a missing or unknown token is 401 (a page route answers a GET with the login
//   form), the read-only token on a control route 403; a request that is not GET or HEAD and is
//   authenticated by the cookie alone must carry `X-Ballast-Request: 1`, which a cross-site form
//   cannot send and a cross-origin script cannot send without a CORS preflight the server never
//   grants (403 without it);
// - limits: 8 KiB of headers (431), 64 KiB of body (413), a malformed request 400; a request
//   must arrive whole within request_timeout of its first byte and a kept-alive connection is
//   closed after idle_timeout without one (a slowloris peer is cut off; a new connection gets
//   request_timeout for its first byte and, with TLS, for its handshake); at max_connections a
//   new connection takes the slot of (oldest first) a connection that has sent nothing, else a
//   read-token connection idle between requests, else one part-way through a request (or a TLS
//   handshake) without a token yet, else a read-token event-stream subscriber or a read-token
//   request waiting for the worker thread (Route::offload); a connection
//   that showed the control token, or whose request's token was accepted, is never evicted;
//   with nothing to evict the new one is answered 503 (closed at once with TLS) and closed;
// - the token is checked once the request's header is in, before its body is read: without one
//   the answer is 401 and the connection closed;
// - Transfer-Encoding exactly "chunked" or absent (400, or 501 for other codings), so a body is
//   never taken for the next request; `Expect: 100-continue` is answered; HEAD is GET without
//   the body; absolute-form targets are accepted;
// - one request at a time per connection, its response written before the next is read;
// - an event stream (StreamRoute) holds its connection: one write in flight, at most
//   kStreamQueueEvents events queued behind it; a subscriber that does not keep up (its queue
//   full when an event comes, or one write taking over request_timeout) is closed and counted
//   in stream_dropped, so a slow reader never holds the server or the other subscribers back.
//
// Routes run on the server's thread: they must not block for long (reads of counters and
// snapshots, pushes onto a queue). A route or stream marked `offload` (a read that may take long:
// serialising a large view, waiting for a fresh one) runs on the server's one worker thread
// instead, in arrival order, and its answer is written from the server's thread: a control
// command or a /metrics scrape never waits behind it, however many such reads are queued. The
// offloaded routes and streams share that one thread, so what only they read needs no lock
// against each other. The token never appears in a response, a log or a counter
// (the Set-Cookie header of a successful login is the one intended exception).
#pragma once

#include <chrono>
#include <cstddef>
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
  bool by_cookie = false;  ///< the token came from the login cookie, not Authorization
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
  /// A document a browser navigates to: a GET without a valid token or cookie is answered 401
  /// with the built-in login form (no data in it), which posts to /login and comes back here.
  bool page = false;
  /// Runs on the server's worker thread, not its own (see the header comment). The Request's
  /// views point into copies that live until `handle` returns.
  bool offload = false;
};

/// Events a queued subscriber may fall behind by before it is closed (the one being written
/// not counted).
inline constexpr std::size_t kStreamQueueEvents = 4;

/// A server-sent event stream (text/event-stream, for a browser's EventSource). While at least
/// one client is subscribed, the server calls `produce` on its thread once per `interval` (the
/// first subscriber at once) and sends what it wrote to every subscriber as one event: each line
/// a `data:` line, an empty payload a `: keepalive` comment; a new subscriber gets the latest
/// event at once. A `produce` that throws sends `: error` instead (counted in internal_errors).
/// `produce` must be quick, like a route: it runs on the server's thread (unless `offload`).
struct StreamRoute {
  std::string path;  ///< exact match; GET only
  Access needs = Access::kRead;
  Duration interval = std::chrono::seconds(1);     ///< 10 ms .. 1 h
  std::function<void(std::string& data)> produce;  ///< `data` is empty when it is called
  /// `produce` runs on the server's worker thread (as Route::offload); the event is sent from
  /// the server's thread once it returns, and the next is produced an interval after.
  bool offload = false;
};

/// Bytes served as they are (a script, a style sheet, the dashboard's page), with the usual
/// token check, an ETag (a hash of the bytes; `If-None-Match` is answered 304) and
/// `Cache-Control: no-cache` (the browser revalidates every time, and keeps nothing it cannot).
struct StaticAsset {
  std::string path;          ///< exact match; GET and HEAD
  std::string content_type;  ///< "text/html; charset=utf-8", "text/javascript", ...
  std::string_view bytes;    ///< not copied: must outlive the server (static storage, say)
  Access needs = Access::kRead;
  bool page = false;  ///< as Route::page: without a token, the login form
};

/// Everything a server answers besides the built-in `GET /login`, `POST /login`, `POST /logout`
/// (those three paths are reserved).
struct Endpoints {
  std::vector<Route> routes;
  std::vector<StreamRoute> streams;
  std::vector<StaticAsset> assets;
};

/// What the server did; written by its thread only, read from any.
struct HttpCounters {
  Counter connections;       ///< accepted
  Counter connections_open;  ///< gauge
  Counter refused;           ///< over max_connections, none evictable: 503 and closed
  Counter evicted;           ///< closed at the cap for a new one (server.hpp: which)
  Counter requests;          ///< complete requests read
  Counter responses_2xx, responses_3xx, responses_4xx, responses_5xx;
  Counter unauthorized;  ///< 401: no token or an unknown one (a failed login too)
  /// 403: the read-only token on a control route, or a cookie-only request without
  /// X-Ballast-Request
  Counter forbidden;
  Counter malformed;  ///< 400: not HTTP/1.x
  Counter too_large;  ///< 413 and 431
  Counter timeouts;   ///< connections cut off by request_timeout or idle_timeout
  /// Exceptions out of the server's own code (out of memory, say): the connection in hand is
  /// dropped unanswered and the server goes on. A route's exception is a 500 instead; a stream's
  /// `produce` that throws is counted here.
  Counter internal_errors;
  Counter tls_failed;      ///< TLS handshakes that failed (not TLS, a bad hello, a refused cert)
  Counter logins;          ///< POST /login with a valid token (a cookie was set)
  Counter streams_open;    ///< gauge: event-stream subscribers
  Counter stream_events;   ///< events produced (each sent to every subscriber)
  Counter stream_dropped;  ///< subscribers closed for not keeping up (kStreamQueueEvents)

  template <class F>
  void each(F&& f) const {
    name_counters(f, "connections", connections, "connections_open", connections_open, "refused",
                  refused, "evicted", evicted, "requests", requests, "responses_2xx", responses_2xx,
                  "responses_3xx", responses_3xx, "responses_4xx", responses_4xx, "responses_5xx",
                  responses_5xx, "unauthorized", unauthorized, "forbidden", forbidden, "malformed",
                  malformed, "too_large", too_large, "timeouts", timeouts, "internal_errors",
                  internal_errors, "tls_failed", tls_failed, "logins", logins, "streams_open",
                  streams_open, "stream_events", stream_events, "stream_dropped", stream_dropped);
  }
  /// Whether each()'s `name` is a gauge (a level) rather than a count: connections_open,
  /// streams_open.
  static constexpr bool is_gauge(std::string_view name) noexcept {
    return name == "connections_open" || name == "streams_open";
  }
};

/// Whether `given` equals `expected`, in time that depends on expected's length only.
bool token_equal(std::string_view given, std::string_view expected) noexcept;

class HttpServer {
 public:
  /// Binds cfg.bind:cfg.port and starts the server's thread. Errors: the address cannot be bound
  /// (in use, not local), with the address and the system's reason; with TLS on, a certificate
  /// or key the server cannot use, naming the key, the file and the reason (check_tls_files());
  /// an endpoint on a reserved or repeated path, a stream without `produce` or with an interval
  /// outside 10 ms .. 1 h.
  static Result<std::unique_ptr<HttpServer>> start(const HttpConfig& cfg, Endpoints endpoints);
  /// start(cfg, {routes}): plain routes only.
  static Result<std::unique_ptr<HttpServer>> start(const HttpConfig& cfg,
                                                   std::vector<Route> routes);
  ~HttpServer();  ///< stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// The port listened on (cfg.port, or the one the system chose for 0).
  std::uint16_t port() const noexcept;
  /// Whether it speaks HTTPS (cfg.tls.enabled).
  bool tls() const noexcept;
  /// Closes the listener and every connection (event streams included) at once and joins the
  /// thread. Idempotent.
  void stop();
  const HttpCounters& counters() const noexcept;

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ballast::http
