// The operator's HTTP server on Boost.Beast (server.hpp). Every handler runs on the server's one
// thread: no locks; a connection is one Session, alive while an operation of its is pending.
#include "ballast/http/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <exception>
#include <list>
#include <optional>
#include <thread>

namespace ballast::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

/// The buffer of one connection holds at most a whole request (headers, body) and a little of
/// the next one a pipelining client sent behind it.
constexpr std::size_t kBufferBytes = kMaxHeaderBytes + kMaxBodyBytes + 4096;

/// What an over-the-limit connection is told before it is closed.
constexpr std::string_view kBusy =
    "HTTP/1.1 503 Service Unavailable\r\nServer: ballast\r\nContent-Type: text/plain\r\n"
    "Content-Length: 41\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
    "too many connections to the operator API\n";

/// "Bearer <token>" (the scheme in any case, spaces around the token ignored); empty when the
/// header is another scheme.
std::string_view bearer_token(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() < kScheme.size()) return {};
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = header[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != kScheme[i]) return {};
  }
  std::string_view t = header.substr(kScheme.size());
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  return t;
}

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

}  // namespace

bool token_equal(std::string_view given, std::string_view expected) noexcept {
  volatile unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto g = static_cast<unsigned char>(i < given.size() ? given[i] : 0);
    diff = static_cast<unsigned char>(diff | (g ^ static_cast<unsigned char>(expected[i])));
  }
  return diff == 0;
}

namespace {
class Session;
}

struct HttpServer::Impl {
  HttpConfig cfg;
  std::vector<Route> routes;
  HttpCounters counters;
  std::size_t open = 0;          // Sessions alive
  std::list<Session*> sessions;  // alive, oldest first (eviction at the cap)
  bool stopping = false;
  std::uint16_t port = 0;
  // Declared after what the sessions touch: destroying the io_context destroys the sessions its
  // pending handlers hold, and they count themselves out in counters and `open`.
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer accept_retry{ioc};
  std::thread thread;

  void accept();
  void refuse(tcp::socket s);
  /// At the cap: closes the oldest connection that has not yet sent an authorised request, so a
  /// client that holds connections without a token cannot lock the desk out. False: none.
  bool evict_one();
  void run() noexcept;
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket s, HttpServer::Impl& srv)
      : stream_(std::move(s)), srv_(srv), buffer_(kBufferBytes) {
    ++srv_.open;
    srv_.counters.connections_open.set(srv_.open);
    self_ = srv_.sessions.insert(srv_.sessions.end(), this);
  }
  ~Session() {
    srv_.sessions.erase(self_);
    --srv_.open;
    srv_.counters.connections_open.set(srv_.open);
  }

  /// How readily it gives its slot to a new connection at the cap (docs/operator.md, "Limits"):
  /// 0, first: it has sent nothing and no token; 1: kept alive between requests with the read
  /// token; 2: part of a request without a token yet (the oldest first: a slow peer's); -1: never
  /// (the control token: the kill switch must stay reachable; a request whose token was accepted
  /// and is being read or answered; already evicted).
  int eviction_class() const noexcept {
    if (evicted_ || access_ == Level::kControl) return -1;
    if (access_ == Level::kRead) return idle_ ? 1 : -1;
    return bytes_seen_ ? 2 : 0;
  }
  void evict() {
    evicted_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() { wait_for_request(); }

 private:
  // A kept-alive connection waits up to idle_timeout for the next request's first byte (a new
  // one: request_timeout, so connections that never send cannot hold the slots), then up to
  // request_timeout for the whole request.
  void wait_for_request() {
    if (buffer_.size() > 0) {  // pipelined: the next request has begun already
      read_request();
      return;
    }
    stream_.expires_after(answered_ ? srv_.cfg.idle_timeout : srv_.cfg.request_timeout);
    idle_ = true;
    stream_.async_read_some(buffer_.prepare(1024),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->on_first_bytes(ec, n);
                            });
  }

  void on_first_bytes(beast::error_code ec, std::size_t n) {
    idle_ = false;
    if (ec) {
      if (ec == beast::error::timeout) ++srv_.counters.timeouts;
      return;  // idle or closed by the peer: the session ends with this handler
    }
    bytes_seen_ = true;
    buffer_.commit(n);
    read_request();
  }

  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
    parser_->body_limit(kMaxBodyBytes);
    stream_.expires_after(srv_.cfg.request_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  // The header is in: the framing is checked before any of the body is read.
  void on_header(beast::error_code ec) {
    if (ec) return on_request(ec);
    const auto& req = parser_->get();
    // Transfer-Encoding must be exactly "chunked" (RFC 9112 6.3): with another final coding the
    // body's length is unknown, and a parser that took it as empty would read the body as the
    // next request (request smuggling behind a proxy); other codings are not implemented.
    std::size_t te_fields = 0;
    for (auto it = req.find(bhttp::field::transfer_encoding);
         it != req.end() && it->name() == bhttp::field::transfer_encoding; ++it) {
      ++te_fields;
    }
    if (te_fields > 0) {
      const std::string_view te = req[bhttp::field::transfer_encoding];
      if (te_fields > 1 || !beast::iequals(te, "chunked")) {
        ++srv_.counters.malformed;
        return parser_->chunked()
                   ? fail(501, "transfer codings other than chunked are not implemented\n")
                   : fail(400, "Transfer-Encoding must end in chunked\n");
      }
    }
    // The token, before any of the body is read (or a 100 Continue sent): a client without one
    // is answered 401 and closed, and one with one is never evicted mid-request.
    const std::string_view token = bearer_token(req[bhttp::field::authorization]);
    const std::string& read = srv_.cfg.read_token.reveal();
    const std::string& control = srv_.cfg.control_token.reveal();
    // Both compared, always: the time taken says nothing about which one (or how much) matched.
    const bool is_read = !token.empty() && token_equal(token, read);
    const bool is_control = !token.empty() && !control.empty() && token_equal(token, control);
    if (!is_read && !is_control) {
      ++srv_.counters.requests;
      ++srv_.counters.unauthorized;
      keep_alive_ = false;
      linger_ = true;
      version_ = req.version() == 10 ? 10 : 11;
      Response out;
      out.status = 401;
      out.content_type = "text/plain; charset=utf-8";
      out.body = token.empty() ? "a bearer token is required (Authorization: Bearer ...)\n"
                               : "the token is not valid\n";
      return respond(std::move(out), true);
    }
    // A connection that once showed the control token keeps its slot.
    if (access_ != Level::kControl) access_ = is_control ? Level::kControl : Level::kRead;
    request_access_ = is_control ? Access::kControl : Access::kRead;
    if (parser_->is_done()) return on_request({});
    // A client that asks before sending its body is told to go on.
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = shared_from_this()](beast::error_code e, std::size_t) {
                          if (e) return;
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_request(ec); });
  }

  void on_request(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream) return;
    if (ec == beast::error::timeout) {
      ++srv_.counters.timeouts;
      return;  // a peer this slow gets no answer: the connection is closed
    }
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      ++srv_.counters.too_large;
      return fail(431, "request headers over 8 KiB\n");
    }
    if (ec == bhttp::error::body_limit) {
      ++srv_.counters.too_large;
      return fail(413, "request body over 64 KiB\n");
    }
    if (ec && is_parse_error(ec)) {
      ++srv_.counters.malformed;
      return fail(400, "malformed HTTP request: " + ec.message() + "\n");
    }
    if (ec) return;  // the connection failed (reset) or was evicted: nothing to answer
    ++srv_.counters.requests;
    handle(parser_->get());
  }

  /// The path of a target in origin form ("/x?y") or absolute form ("http://host:port/x?y").
  static std::string_view origin_form(std::string_view target) {
    if (!target.empty() && target.front() == '/') return target;
    for (const std::string_view scheme : {"http://", "https://"}) {
      if (target.size() > scheme.size() &&
          beast::iequals(target.substr(0, scheme.size()), scheme)) {
        const auto slash = target.find('/', scheme.size());
        return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      }
    }
    return target;  // no route matches it: 404
  }

  void handle(const bhttp::request<bhttp::string_body>& req) {
    keep_alive_ = req.keep_alive();
    version_ = req.version() == 10 ? 10 : 11;
    head_ = req.method() == bhttp::verb::head;
    Response out;
    out.content_type = "text/plain; charset=utf-8";
    const std::string_view target = origin_form(req.target());
    const auto q = target.find('?');
    Request r;
    // HEAD is GET without the body (RFC 9110 9.3.2).
    r.method = head_ ? std::string_view("GET") : req.method_string();
    r.path = target.substr(0, q);
    r.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    r.body = req.body();
    r.access = request_access_;
    r.server = &srv_.counters;
    const Route* hit = nullptr;
    std::string allowed;
    for (const Route& route : srv_.routes) {
      const bool prefix = !route.path.empty() && route.path.back() == '/';
      const bool match =
          prefix ? r.path.substr(0, route.path.size()) == route.path : r.path == route.path;
      if (!match) continue;
      if (route.method == r.method) {
        hit = &route;
        break;
      }
      if (!allowed.empty()) allowed += ", ";
      allowed += route.method;
    }
    if (hit == nullptr) {
      out.status = allowed.empty() ? 404 : 405;
      out.body = allowed.empty() ? "no such endpoint (docs/operator.md lists them)\n"
                                 : "method not allowed here; allowed: " + allowed + "\n";
      allow_ = std::move(allowed);
      return respond(std::move(out), false);
    }
    if (hit->needs == Access::kControl && r.access != Access::kControl) {
      ++srv_.counters.forbidden;
      out.status = 403;
      out.body = "this endpoint needs the control token; the read-only token was given\n";
      return respond(std::move(out), false);
    }
    try {
      out.content_type = "application/json";
      hit->handle(r, out);
    } catch (const std::exception&) {
      out = Response{};
      out.status = 500;
      out.content_type = "text/plain; charset=utf-8";
      out.body = "internal error\n";
    }
    respond(std::move(out), false);
  }

  /// Answers a request that could not be read whole, and closes (lingering: see on_written).
  void fail(unsigned status, std::string body) {
    keep_alive_ = false;
    linger_ = true;
    Response out;
    out.status = status;
    out.content_type = "text/plain; charset=utf-8";
    out.body = std::move(body);
    respond(std::move(out), true);
  }

  void respond(Response out, bool close) {
    if (out.status < 300) {
      ++srv_.counters.responses_2xx;
    } else if (out.status < 500) {
      ++srv_.counters.responses_4xx;
    } else {
      ++srv_.counters.responses_5xx;
    }
    close_after_ = close || !keep_alive_ || srv_.stopping;
    res_ = {};
    res_.version(version_);
    res_.result(out.status);
    res_.set(bhttp::field::server, "ballast");
    res_.set(bhttp::field::content_type, out.content_type);
    res_.set(bhttp::field::cache_control, "no-store");
    res_.set("X-Content-Type-Options", "nosniff");
    if (out.status == 401) res_.set(bhttp::field::www_authenticate, "Bearer realm=\"ballast\"");
    if (out.status == 405 && !allow_.empty()) res_.set(bhttp::field::allow, allow_);
    allow_.clear();
    res_.keep_alive(!close_after_);
    if (head_) {
      res_.content_length(out.body.size());  // what a GET would carry, without it
    } else {
      res_.body() = std::move(out.body);
      res_.prepare_payload();
    }
    head_ = false;
    // A peer that does not read its answer is cut off like one that does not send its request.
    stream_.expires_after(srv_.cfg.request_timeout);
    bhttp::async_write(
        stream_, res_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_written(ec); });
  }

  void on_written(beast::error_code ec) {
    if (ec) {
      if (ec == beast::error::timeout) ++srv_.counters.timeouts;
      return;
    }
    answered_ = true;
    if (close_after_) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      // After a refused request the peer may still be sending (a body over the limit): closing
      // with unread input would reset the connection and could destroy the answer before the
      // peer read it. Read and drop for a moment first.
      if (linger_) drain();
      return;
    }
    wait_for_request();
  }

  void drain() {
    if (drained_ == 0) stream_.expires_after(std::chrono::seconds(1));
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > (1u << 20)) return;
                              self->drain();
                            });
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& srv_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  std::string allow_;
  std::list<Session*>::iterator self_;
  std::array<char, 4096> scratch_{};
  std::size_t drained_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool close_after_ = false;
  bool head_ = false;
  bool linger_ = false;
  enum class Level : std::uint8_t { kNone, kRead, kControl };
  bool answered_ = false;                  // a response was written: later waits use idle_timeout
  bool idle_ = false;                      // waiting for a request's first byte
  bool bytes_seen_ = false;                // the peer has sent something
  Level access_ = Level::kNone;            // the best token this connection has shown
  Access request_access_ = Access::kRead;  // the token of the request in hand
  bool evicted_ = false;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket s) {
    if (stopping || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of file descriptors, say: try again shortly instead of spinning on the error.
      accept_retry.expires_after(std::chrono::milliseconds(50));
      accept_retry.async_wait([this](beast::error_code e) {
        if (!e && !stopping) accept();
      });
      return;
    }
    ++counters.connections;
    beast::error_code ignored;
    s.set_option(tcp::no_delay(true), ignored);
    if (open >= cfg.max_connections && !evict_one()) {
      ++counters.refused;
      refuse(std::move(s));
    } else {
      std::make_shared<Session>(std::move(s), *this)->start();
    }
    accept();
  });
}

bool HttpServer::Impl::evict_one() {
  // The first connection (oldest first) of the most readily evicted class.
  Session* pick = nullptr;
  int best = 3;
  for (Session* x : sessions) {
    const int c = x->eviction_class();
    if (c >= 0 && c < best) {
      best = c;
      pick = x;
      if (c == 0) break;
    }
  }
  if (pick == nullptr) return false;
  pick->evict();
  ++counters.evicted;
  return true;
}

void HttpServer::Impl::refuse(tcp::socket s) {
  auto stream = std::make_shared<beast::tcp_stream>(std::move(s));
  stream->expires_after(std::chrono::seconds(1));
  asio::async_write(*stream, asio::buffer(kBusy.data(), kBusy.size()),
                    [stream](beast::error_code, std::size_t) {
                      beast::error_code ignored;
                      stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
                    });
}

void HttpServer::Impl::run() noexcept {
  // A handler that throws (out of memory, say) loses its connection, not the server.
  while (true) {
    try {
      ioc.run();
      return;
    } catch (const std::exception&) {
      ++counters.internal_errors;
    }
  }
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  stop();
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpConfig& cfg,
                                                      std::vector<Route> routes) {
  auto impl = std::make_unique<Impl>();
  impl->cfg = cfg;
  impl->routes = std::move(routes);
  const std::string where = cfg.bind + ":" + std::to_string(cfg.port);
  beast::error_code ec;
  const auto address = asio::ip::make_address(cfg.bind, ec);
  if (ec) return Error{"operator.http: '" + cfg.bind + "' is not an IP address: " + ec.message()};
  const tcp::endpoint endpoint(address, static_cast<std::uint16_t>(cfg.port));
  auto failed = [&](const char* what) {
    return Error{"operator.http: cannot " + std::string(what) + " " + where + ": " + ec.message()};
  };
  if (impl->acceptor.open(endpoint.protocol(), ec); ec) return failed("open a socket for");
  if (impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return failed("set SO_REUSEADDR on");
  }
  if (impl->acceptor.bind(endpoint, ec); ec) return failed("listen on");
  if (impl->acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return failed("listen on");
  }
  impl->port = impl->acceptor.local_endpoint(ec).port();
  if (ec) return failed("read the port of");
  impl->accept();
  Impl* p = impl.get();
  impl->thread = std::thread([p] { p->run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::uint16_t HttpServer::port() const noexcept {
  return impl_->port;
}

const HttpCounters& HttpServer::counters() const noexcept {
  return impl_->counters;
}

void HttpServer::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  Impl* p = impl_.get();
  asio::post(p->ioc, [p] {
    p->stopping = true;
    beast::error_code ignored;
    p->acceptor.close(ignored);
    p->accept_retry.cancel();
    p->ioc.stop();
  });
  p->thread.join();
}

}  // namespace ballast::http
