// The operator's HTTP server on Boost.Beast (server.hpp). Every handler runs on the server's one
// thread: no locks. A connection is one Session over TCP or over TLS on TCP, alive while an
// operation of its is pending or an event stream holds it.
#include "ballast/http/server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <exception>
#include <list>
#include <optional>
#include <set>
#include <thread>
#include <type_traits>
#include <utility>

#include "ballast/http/browser.hpp"
#include "tls.hpp"

namespace ballast::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

/// The buffer of one connection holds at most a whole request (headers, body) and a little of
/// the next one a pipelining client sent behind it.
constexpr std::size_t kBufferBytes = kMaxHeaderBytes + kMaxBodyBytes + 4096;

/// The kernel's send buffer of an event-stream connection (Linux keeps twice this): fixed, so a
/// subscriber that stops reading holds a bounded amount of kernel memory and its queue fills
/// after that much, instead of after the megabytes the kernel's autotuning would allow.
constexpr int kStreamSendBufferBytes = 64 * 1024;

/// What an over-the-limit connection is told before it is closed (plain HTTP only: over TLS a
/// handshake for it would let a flood hold descriptors).
constexpr std::string_view kBusy =
    "HTTP/1.1 503 Service Unavailable\r\nServer: ballast\r\nContent-Type: text/plain\r\n"
    "Content-Length: 41\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
    "too many connections to the operator API\n";

/// What a plain-HTTP client on the TLS port is told, in plain text.
constexpr std::string_view kPlainOnTls =
    "HTTP/1.1 400 Bad Request\r\nServer: ballast\r\nContent-Type: text/plain\r\n"
    "Content-Length: 37\r\nConnection: close\r\n\r\n"
    "this port speaks HTTPS: use https://\n";
static_assert(kPlainOnTls.size() - kPlainOnTls.find("\r\n\r\n") - 4 == 37);
static_assert(kBusy.size() - kBusy.find("\r\n\r\n") - 4 == 41);

/// The built-in pages (the login form) load nothing and may be framed by nobody.
constexpr std::string_view kPagePolicy =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'";

constexpr std::string_view kHtml = "text/html; charset=utf-8";
constexpr std::string_view kText = "text/plain; charset=utf-8";

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

/// The path of a target in origin form ("/x?y") or absolute form ("http://host:port/x?y").
std::string_view origin_form(std::string_view target) {
  if (!target.empty() && target.front() == '/') return target;
  for (const std::string_view scheme : {"http://", "https://"}) {
    if (target.size() > scheme.size() && beast::iequals(target.substr(0, scheme.size()), scheme)) {
      const auto slash = target.find('/', scheme.size());
      return slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
  }
  return target;  // no route matches it: 404
}

class Connection;

/// One StreamRoute: its timer runs while it has subscribers.
struct Channel {
  Channel(asio::io_context& ioc, StreamRoute r) : route(std::move(r)), timer(ioc) {}
  StreamRoute route;
  asio::steady_timer timer;
  std::vector<std::shared_ptr<Connection>> subscribers;
  std::shared_ptr<const std::string> last;  // the latest event, for a new subscriber
  bool running = false;
};

/// What a request's method and path name.
struct Target {
  enum class Kind : std::uint8_t { kNone, kLoginForm, kLogin, kLogout, kRoute, kStream, kAsset };
  Kind kind = Kind::kNone;
  const Route* route = nullptr;
  Channel* channel = nullptr;
  const StaticAsset* asset = nullptr;
  const std::string* etag = nullptr;
  Access needs = Access::kRead;
  bool page = false;    // a GET of a page: without a token, the login form
  std::string allowed;  // the path's methods, for a 405

  /// The built-in login endpoints: no token needed.
  bool open() const noexcept {
    return kind == Kind::kLoginForm || kind == Kind::kLogin || kind == Kind::kLogout;
  }
};

/// An answer before it is written: a route's Response and the server's own headers.
struct Answer {
  unsigned status = 200;
  std::string content_type{kText};
  std::string body;
  std::string cache_control = "no-store";
  std::vector<std::pair<std::string_view, std::string>> headers;
  bool page_policy = false;  // a built-in page: Content-Security-Policy
};

Answer text(unsigned status, std::string body) {
  Answer a;
  a.status = status;
  a.body = std::move(body);
  return a;
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

struct HttpServer::Impl {
  HttpConfig cfg;
  std::vector<Route> routes;
  std::vector<StaticAsset> assets;
  std::vector<std::string> etags;  // of assets[i]
  HttpCounters counters;
  std::size_t open = 0;             // Sessions alive
  std::size_t streams = 0;          // of them, event-stream subscribers
  std::list<Connection*> sessions;  // alive, oldest first (eviction at the cap)
  bool stopping = false;
  std::uint16_t port = 0;
  std::unique_ptr<ssl::context> tls;  // with TLS on; outlives the streams that use it
  // Declared after what the sessions touch: destroying the io_context destroys the sessions its
  // pending handlers hold, and they count themselves out in counters and `open`.
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer accept_retry{ioc};
  // After the io_context: destroyed before it (their timers), and emptied by stop().
  std::vector<std::unique_ptr<Channel>> channels;
  std::thread thread;
  // The worker thread of the routes and streams marked `offload` (started only if there are
  // any). Its jobs hold their connections: declared after the io_context, so jobs it never ran
  // (dropped at stop) are destroyed while the sockets' io_context still exists.
  asio::io_context work{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_guard;
  std::thread worker;

  void accept();
  void refuse(tcp::socket s);
  /// At the cap: closes the oldest connection of the most readily evicted class, so a client
  /// that holds connections without a token cannot lock the desk out. False: none.
  bool evict_one();
  Target find(std::string_view method, std::string_view path);
  void subscribe(Channel& ch, std::shared_ptr<Connection> c);
  /// Produces one event of `ch` (on the worker thread for an offloaded stream), then publish().
  void tick(Channel& ch);
  /// Sends `event` (`failed`: produce threw) to every subscriber of `ch` and arms the next tick.
  void publish(Channel& ch, std::string event, bool failed);
  void run() noexcept;
};

namespace {

/// A connection, whatever carries it: what eviction, streams and stop() see.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(HttpServer::Impl& srv) : srv_(srv) {
    ++srv_.open;
    srv_.counters.connections_open.set(srv_.open);
    self_ = srv_.sessions.insert(srv_.sessions.end(), this);
  }
  virtual ~Connection() {
    srv_.sessions.erase(self_);
    --srv_.open;
    srv_.counters.connections_open.set(srv_.open);
    if (streaming_) {
      --srv_.streams;
      srv_.counters.streams_open.set(srv_.streams);
    }
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// How readily it gives its slot to a new connection at the cap (docs/operator.md, "Limits"):
  /// 0, first: it has sent nothing and no token; 1: the read token, kept alive between requests;
  /// 2: part of a request (or of a TLS handshake) without a token yet (the oldest first: a slow
  /// peer's); 3: the read token, subscribed to an event stream (after the tokenless ones, so a
  /// client without a token cannot push a dashboard off while it holds connections of its own);
  /// any other read-token request, being read, waiting for the worker thread (Route::offload: it
  /// may wait behind many views) or being answered (a peer that pipelines requests and never
  /// reads its answers holds its slot here), counts with them; -1: never (a connection that
  /// showed the control token: the kill switch must stay reachable; one already closed).
  int eviction_class() const noexcept {
    if (evicted_ || dropped_ || access_ == Level::kControl) return -1;
    if (access_ == Level::kRead) return idle_ ? 1 : 3;
    // Bytes the server has not read yet count as sent: a burst of silent connections accepted
    // one after another must not evict one whose request (or TLS hello) is already waiting.
    return bytes_seen_ || bytes_waiting() ? 2 : 0;
  }
  /// Whether bytes have arrived that the server has not read yet.
  virtual bool bytes_waiting() const noexcept = 0;
  /// Closes it now for a new connection (counted by the caller).
  virtual void evict() = 0;
  /// Closes the socket (stop()); what is pending fails.
  virtual void close_now() noexcept = 0;
  /// Queues an event of the channel it is subscribed to; closes it when its queue is full.
  virtual void push(const std::shared_ptr<const std::string>& event) = 0;

 protected:
  enum class Level : std::uint8_t { kNone, kRead, kControl };

  /// Leaves its channel (which may hold the last reference to it: callers hold one).
  void leave_stream() {
    Channel* ch = std::exchange(channel_, nullptr);
    if (ch == nullptr) return;
    auto& v = ch->subscribers;
    v.erase(std::remove_if(v.begin(), v.end(), [this](const auto& p) { return p.get() == this; }),
            v.end());
  }

  HttpServer::Impl& srv_;
  std::list<Connection*>::iterator self_;
  Channel* channel_ = nullptr;   // subscribed to
  Level access_ = Level::kNone;  // the best token this connection has shown
  bool idle_ = false;            // waiting for a request's first byte
  bool bytes_seen_ = false;      // the peer has sent something
  bool evicted_ = false;
  bool streaming_ = false;  // an event stream's subscriber
  bool dropped_ = false;    // closed for not keeping up with its stream
  bool offloaded_ = false;  // its request is with the worker thread
  // Set when it is evicted while its request is with the worker: the worker skips the route.
  std::shared_ptr<std::atomic<bool>> offload_cancelled_;
};

/// One connection: plain TCP (PlainStream) or TLS (TlsStream).
template <class Stream>
class Session final : public Connection {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Session(tcp::socket s, HttpServer::Impl& srv)
      : Connection(srv), stream_(make_stream(std::move(s), srv)), buffer_(kBufferBytes) {}

  void start() {
    if constexpr (kTls) {
      read_hello();
    } else {
      wait_for_request();
    }
  }

  bool bytes_waiting() const noexcept override {
    beast::error_code ec;
    const std::size_t n = beast::get_lowest_layer(stream_).socket().available(ec);
    return !ec && n > 0;
  }

  void evict() override {
    const auto keep = shared_from_this();
    evicted_ = true;
    if (offload_cancelled_) offload_cancelled_->store(true, std::memory_order_relaxed);
    close_now();
    leave_stream();
  }

  void close_now() noexcept override {
    beast::error_code ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().socket().close(ignored);
  }

  // One write in flight; at most kStreamQueueEvents behind it. A reader that falls further
  // behind is closed: it never holds the server, the other subscribers or memory.
  void push(const std::shared_ptr<const std::string>& event) override {
    if (dropped_ || evicted_ || !streaming_) return;
    if (!writing_) return write_event(event);
    if (queue_.size() >= kStreamQueueEvents) {
      dropped_ = true;
      ++srv_.counters.stream_dropped;
      close_now();
      queue_.clear();
      leave_stream();
      return;
    }
    queue_.push_back(event);
  }

 private:
  static Stream make_stream(tcp::socket s, HttpServer::Impl& srv) {
    if constexpr (kTls) {
      return Stream(std::move(s), *srv.tls);
    } else {
      return Stream(std::move(s));
    }
  }
  beast::tcp_stream& lowest() noexcept { return beast::get_lowest_layer(stream_); }
  std::shared_ptr<Session> self() { return std::static_pointer_cast<Session>(shared_from_this()); }

  // TLS: the first bytes of a new connection must be a TLS record (a handshake, 0x16) within
  // request_timeout, and the handshake must end within request_timeout of them. A plain-HTTP
  // request is told to use https:// and closed.
  void read_hello() {
    lowest().expires_after(srv_.cfg.request_timeout);
    idle_ = true;
    lowest().async_read_some(
        buffer_.prepare(1024),
        [self = self()](beast::error_code ec, std::size_t n) { self->on_hello(ec, n); });
  }

  void on_hello(beast::error_code ec, std::size_t n) {
    idle_ = false;
    if (ec) {
      if (ec == beast::error::timeout) ++srv_.counters.timeouts;
      return;
    }
    bytes_seen_ = true;
    buffer_.commit(n);
    if (static_cast<const unsigned char*>(buffer_.data().data())[0] != 0x16) {
      ++srv_.counters.tls_failed;
      ++srv_.counters.responses_4xx;
      asio::async_write(lowest(), asio::buffer(kPlainOnTls.data(), kPlainOnTls.size()),
                        [self = self()](beast::error_code e, std::size_t) {
                          if (e) return;
                          beast::error_code ignored;
                          self->lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
                          self->drain(self->lowest());
                        });
      return;
    }
    lowest().expires_after(srv_.cfg.request_timeout);
    if constexpr (kTls) {
      stream_.async_handshake(
          ssl::stream_base::server, buffer_.data(),
          [self = self()](beast::error_code e, std::size_t used) { self->on_handshake(e, used); });
    }
  }

  void on_handshake(beast::error_code ec, std::size_t used) {
    if (ec) {
      if (ec == beast::error::timeout) {
        ++srv_.counters.timeouts;
      } else if (!evicted_ && !srv_.stopping) {
        ++srv_.counters.tls_failed;
      }
      return;
    }
    buffer_.consume(used);
    wait_for_request();
  }

  // A kept-alive connection waits up to idle_timeout for the next request's first byte (a new
  // one: request_timeout, so connections that never send cannot hold the slots), then up to
  // request_timeout for the whole request.
  void wait_for_request() {
    if (buffer_.size() > 0) {  // pipelined: the next request has begun already
      read_request();
      return;
    }
    lowest().expires_after(answered_ ? srv_.cfg.idle_timeout : srv_.cfg.request_timeout);
    idle_ = true;
    stream_.async_read_some(
        buffer_.prepare(1024),
        [self = self()](beast::error_code ec, std::size_t n) { self->on_first_bytes(ec, n); });
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
    lowest().expires_after(srv_.cfg.request_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = self()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  /// A token's grade: both tokens compared, always, so the time taken says nothing about which
  /// one (or how much) matched.
  Level grade(std::string_view token) const noexcept {
    const std::string& read = srv_.cfg.read_token.reveal();
    const std::string& control = srv_.cfg.control_token.reveal();
    const bool is_read = !token.empty() && token_equal(token, read);
    const bool is_control = !token.empty() && !control.empty() && token_equal(token, control);
    return is_control ? Level::kControl : is_read ? Level::kRead : Level::kNone;
  }

  struct Credential {
    Level level = Level::kNone;
    bool by_cookie = false;
    bool presented = false;  // a token was given (right or wrong)
  };

  /// A bearer token decides alone; without one, the best of the login cookies sent.
  Credential credential(const bhttp::request<bhttp::string_body>& req) const {
    const std::string_view bearer = bearer_token(req[bhttp::field::authorization]);
    if (!bearer.empty()) return {grade(bearer), false, true};
    Credential c;
    const auto [from, to] = req.equal_range(bhttp::field::cookie);
    for (auto it = from; it != to; ++it) {
      for (const std::string& v : cookie_values(it->value(), kTokenCookie)) {
        c.presented = true;
        c.level = std::max(c.level, grade(v));
      }
    }
    c.by_cookie = c.level != Level::kNone;
    return c;
  }

  // The header is in: the framing and the token are checked before any of the body is read.
  void on_header(beast::error_code ec) {
    if (ec) return on_request(ec);
    const auto& req = parser_->get();
    version_ = req.version() == 10 ? 10 : 11;
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
    const bool get_like = req.method() == bhttp::verb::get || req.method() == bhttp::verb::head;
    head_ = req.method() == bhttp::verb::head;  // a refusal below carries no body either
    const std::string_view target = origin_form(req.target());
    const std::string_view path = target.substr(0, target.find('?'));
    target_ = srv_.find(get_like ? std::string_view("GET") : req.method_string(), path);
    const Credential cred = credential(req);
    if (target_.open()) {
      // The login endpoints take no token; their body is small.
      if (req.payload_size() && *req.payload_size() > kMaxLoginBodyBytes) {
        ++srv_.counters.too_large;
        return fail(413, "a login body is at most 4 KiB\n");
      }
      request_access_ = Access::kRead;
      by_cookie_ = false;
    } else if (cred.level == Level::kNone) {
      // Before any of the body is read (or a 100 Continue sent): a client without a token is
      // answered 401 and closed, and one with one is never evicted mid-request.
      ++srv_.counters.requests;
      ++srv_.counters.unauthorized;
      keep_alive_ = false;
      linger_ = true;
      Answer out =
          text(401, !cred.presented ? "a bearer token is required (Authorization: Bearer ...)\n"
                                    : "the token is not valid\n");
      if (get_like && target_.page) {
        out.content_type = kHtml;
        out.page_policy = true;
        out.body =
            login_page(target, cred.presented ? "That token is no longer valid: sign in again."
                                              : "Sign in with the read or the control token.");
      }
      return respond(std::move(out), true);
    } else {
      // A cookie rides along on requests a browser makes for other sites' pages; a form or a
      // script of another origin cannot add this header (a script would need a CORS preflight,
      // which is never granted), so a state-changing request authenticated by the cookie alone
      // must carry it.
      if (cred.by_cookie && !get_like && req[kRequestHeader] != "1") {
        ++srv_.counters.requests;
        ++srv_.counters.forbidden;
        keep_alive_ = false;
        linger_ = true;
        return respond(text(403,
                            "a request authenticated by the login cookie must carry the "
                            "header X-Ballast-Request: 1 (a cross-site request is "
                            "refused)\n"),
                       true);
      }
      // A connection that once showed the control token keeps its slot.
      if (access_ != Level::kControl) access_ = cred.level;
      request_access_ = cred.level == Level::kControl ? Access::kControl : Access::kRead;
      by_cookie_ = cred.by_cookie;
    }
    if (parser_->is_done()) return on_request({});
    // A client that asks before sending its body is told to go on.
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = self()](beast::error_code e, std::size_t) {
                          if (e) return;
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = self()](beast::error_code ec, std::size_t) { self->on_request(ec); });
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

  void handle(const bhttp::request<bhttp::string_body>& req) {
    keep_alive_ = req.keep_alive();
    head_ = req.method() == bhttp::verb::head;
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
    r.by_cookie = by_cookie_;
    const Target& t = target_;
    switch (t.kind) {
      case Target::Kind::kNone: {
        Answer out = t.allowed.empty()
                         ? text(404, "no such endpoint (docs/operator.md lists them)\n")
                         : text(405, "method not allowed here; allowed: " + t.allowed + "\n");
        if (!t.allowed.empty()) out.headers.emplace_back("Allow", t.allowed);
        return respond(std::move(out), false);
      }
      case Target::Kind::kLoginForm: {
        Answer out;
        out.content_type = kHtml;
        out.page_policy = true;
        out.body = login_page(form_value(r.query, "next").value_or("/"),
                              "Sign in with the read or the control token.");
        // A connection that never showed a token is not kept: as after a 401.
        return respond(std::move(out), access_ == Level::kNone);
      }
      case Target::Kind::kLogin:
        return login(req, r);
      case Target::Kind::kLogout:
        return logout(r);
      default:
        break;
    }
    if (t.needs == Access::kControl && r.access != Access::kControl) {
      ++srv_.counters.forbidden;
      return respond(
          text(403, "this endpoint needs the control token; the read-only token was given\n"),
          false);
    }
    if (t.kind == Target::Kind::kStream) {
      if (!head_) return begin_stream(*t.channel);
      Answer out;
      out.content_type = "text/event-stream";
      return respond(std::move(out), false);
    }
    if (t.kind == Target::Kind::kAsset) {
      Answer out;
      out.cache_control = "no-cache";
      out.headers.emplace_back("ETag", *t.etag);
      if (etag_matches(req[bhttp::field::if_none_match], *t.etag)) {
        out.status = 304;
        out.content_type.clear();
      } else {
        out.content_type = t.asset->content_type;
        out.body = std::string(t.asset->bytes);
      }
      return respond(std::move(out), false);
    }
    if (t.route->offload) return offload(*t.route, r);
    answer(run_route(*t.route, r));
  }

  /// A route's Response (a 500 when it throws).
  static Response run_route(const Route& route, const Request& r) {
    Response res;
    try {
      route.handle(r, res);
    } catch (const std::exception&) {
      res = Response{};
      res.status = 500;
      res.content_type = kText;
      res.body = "internal error\n";
    }
    return res;
  }

  void answer(Response res) {
    offloaded_ = false;
    offload_cancelled_.reset();
    if (evicted_) return;  // closed for a new connection while the worker had it
    Answer out;
    out.status = res.status;
    out.content_type = std::move(res.content_type);
    out.body = std::move(res.body);
    respond(std::move(out), false);
  }

  /// Runs `route` on the worker thread with copies of the request's parts, and answers from the
  /// server's thread. The connection reads nothing more meanwhile (one request at a time). With
  /// the read token it may be evicted at the cap meanwhile (eviction_class: a queue of views must
  /// not lock a command out): the worker then skips the route, and nothing is written; closed by
  /// stop(), its answer fails to write. The
  /// worker never holds the last reference to it: the connection is destroyed on the server's
  /// thread (or, after stop(), with the io_contexts).
  void offload(const Route& route, const Request& r) {
    struct Job {
      std::string method, path, query, body;
      Access access;
      bool by_cookie;
    };
    auto job = std::make_shared<const Job>(Job{std::string(r.method), std::string(r.path),
                                               std::string(r.query), std::string(r.body), r.access,
                                               r.by_cookie});
    HttpServer::Impl& srv = srv_;
    offloaded_ = true;
    offload_cancelled_ = std::make_shared<std::atomic<bool>>(false);
    asio::post(srv.work,
               [self = self(), &route, &srv, job, cancelled = offload_cancelled_]() mutable {
                 if (cancelled->load(std::memory_order_relaxed)) {
                   // Evicted meanwhile: no answer to compute; the connection is let go on its
                   // thread.
                   asio::post(srv.ioc, [self = std::move(self)] {});
                   return;
                 }
                 Request q;
                 q.method = job->method;
                 q.path = job->path;
                 q.query = job->query;
                 q.body = job->body;
                 q.access = job->access;
                 q.server = &srv.counters;
                 q.by_cookie = job->by_cookie;
                 Response res = run_route(route, q);
                 asio::post(srv.ioc, [self = std::move(self), res = std::move(res)]() mutable {
                   self->answer(std::move(res));
                 });
               });
  }

  /// `; Secure` under TLS: the browser sends the cookie over HTTPS only.
  static constexpr std::string_view cookie_attributes() {
    return kTls ? "; Path=/; HttpOnly; SameSite=Strict; Secure"
                : "; Path=/; HttpOnly; SameSite=Strict";
  }

  // POST /login: token=...&next=/path. The token comes back only in the Set-Cookie header.
  void login(const bhttp::request<bhttp::string_body>& req, const Request& r) {
    const std::string_view type = req[bhttp::field::content_type];
    constexpr std::string_view kForm = "application/x-www-form-urlencoded";
    if (!type.empty() && !beast::iequals(type.substr(0, kForm.size()), kForm)) {
      keep_alive_ = false;
      return respond(text(415,
                          "POST /login takes a form: token=...&next=/path "
                          "(application/x-www-form-urlencoded)\n"),
                     true);
    }
    if (r.body.size() > kMaxLoginBodyBytes) {
      ++srv_.counters.too_large;
      keep_alive_ = false;
      return respond(text(413, "a login body is at most 4 KiB\n"), true);
    }
    const auto token = form_value(r.body, "token");
    const std::string next = local_redirect(form_value(r.body, "next").value_or("/"));
    const Level level = token ? grade(*token) : Level::kNone;
    if (level == Level::kNone) {
      ++srv_.counters.unauthorized;
      keep_alive_ = false;
      Answer out;
      out.status = 401;
      out.content_type = kHtml;
      out.page_policy = true;
      out.body = login_page(next, "That token is not valid.");
      return respond(std::move(out), true);
    }
    ++srv_.counters.logins;
    // The connection proved the token: it keeps the slot that token earns.
    if (access_ != Level::kControl) access_ = level;
    Answer out = text(303, "signed in\n");
    out.headers.emplace_back("Location", next);
    std::string cookie(kTokenCookie);
    cookie += '=';
    cookie += cookie_encode(*token);
    cookie += cookie_attributes();
    out.headers.emplace_back("Set-Cookie", std::move(cookie));
    respond(std::move(out), false);
  }

  // POST /logout: the cookie cleared; back to `next` (a form field or the query) or "/".
  void logout(const Request& r) {
    auto next = form_value(r.body, "next");
    if (!next) next = form_value(r.query, "next");
    Answer out = text(303, "signed out\n");
    out.headers.emplace_back("Location", local_redirect(next.value_or("/")));
    std::string cookie(kTokenCookie);
    cookie += "=";
    cookie += cookie_attributes();
    cookie += "; Max-Age=0";
    out.headers.emplace_back("Set-Cookie", std::move(cookie));
    respond(std::move(out), access_ == Level::kNone);
  }

  /// Answers a request that could not be read whole, and closes (lingering: see on_written).
  void fail(unsigned status, std::string body) {
    keep_alive_ = false;
    linger_ = true;
    respond(text(status, std::move(body)), true);
  }

  void respond(Answer out, bool close) {
    if (out.status < 300) {
      ++srv_.counters.responses_2xx;
    } else if (out.status < 400) {
      ++srv_.counters.responses_3xx;
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
    if (!out.content_type.empty()) res_.set(bhttp::field::content_type, out.content_type);
    res_.set(bhttp::field::cache_control, out.cache_control);
    res_.set("X-Content-Type-Options", "nosniff");
    res_.set("X-Frame-Options", "DENY");
    if (out.page_policy) res_.set("Content-Security-Policy", kPagePolicy);
    if (out.status == 401) res_.set(bhttp::field::www_authenticate, "Bearer realm=\"ballast\"");
    for (auto& [name, value] : out.headers) res_.set(name, value);
    res_.keep_alive(!close_after_);
    if (out.status == 304) {
      // No body and no length: a 304's Content-Length would be the full answer's.
    } else if (head_) {
      res_.content_length(out.body.size());  // what a GET would carry, without it
    } else {
      res_.body() = std::move(out.body);
      res_.prepare_payload();
    }
    head_ = false;
    // A peer that does not read its answer is cut off like one that does not send its request.
    lowest().expires_after(srv_.cfg.request_timeout);
    bhttp::async_write(stream_, res_, [self = self()](beast::error_code ec, std::size_t) {
      self->on_written(ec);
    });
  }

  void on_written(beast::error_code ec) {
    if (ec) {
      if (ec == beast::error::timeout) ++srv_.counters.timeouts;
      return;
    }
    answered_ = true;
    if (!close_after_) return wait_for_request();
    // After a refused request the peer may still be sending (a body over the limit): closing
    // with unread input would reset the connection and could destroy the answer before the
    // peer read it. Read and drop for a moment first.
    if constexpr (kTls) {
      if (!linger_) {
        // close_notify, then up to a second for the peer's.
        lowest().expires_after(std::chrono::seconds(1));
        stream_.async_shutdown([self = self()](beast::error_code) {});
        return;
      }
      // A close_notify now would make OpenSSL refuse the records still coming (a fatal alert,
      // then a reset that could destroy the answer): the end of TCP instead, then the drain.
      beast::error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      drain(stream_);
    } else {
      beast::error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      if (linger_) drain(stream_);
    }
  }

  template <class S>
  void drain(S& s) {
    if (drained_ == 0) lowest().expires_after(std::chrono::seconds(1));
    s.async_read_some(asio::buffer(scratch_),
                      [self = self(), &s](beast::error_code ec, std::size_t n) {
                        self->drained_ += n;
                        if (ec || self->drained_ > (1u << 20)) return;
                        self->drain(s);
                      });
  }

  // An event stream: the response header, then the channel's events as they come; nothing more
  // is read from the connection.
  void begin_stream(Channel& ch) {
    ++srv_.counters.responses_2xx;
    streaming_ = true;
    answered_ = true;
    ++srv_.streams;
    srv_.counters.streams_open.set(srv_.streams);
    std::string head = version_ == 10 ? "HTTP/1.0 200 OK\r\n" : "HTTP/1.1 200 OK\r\n";
    head +=
        "Server: ballast\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\nX-Accel-Buffering: no\r\n\r\n"
        // An EventSource dropped or evicted reconnects after this many milliseconds.
        "retry: 2000\n\n";
    beast::error_code ignored;
    lowest().socket().set_option(asio::socket_base::send_buffer_size(kStreamSendBufferBytes),
                                 ignored);
    channel_ = &ch;
    write_event(std::make_shared<const std::string>(std::move(head)));
    srv_.subscribe(ch, shared_from_this());
  }

  void write_event(std::shared_ptr<const std::string> event) {
    writing_ = true;
    // A write that takes this long is a reader that stopped reading.
    lowest().expires_after(srv_.cfg.request_timeout);
    const auto bytes = asio::buffer(*event);
    asio::async_write(stream_, bytes,
                      [self = self(), event = std::move(event)](beast::error_code ec, std::size_t) {
                        self->on_event_written(ec);
                      });
  }

  void on_event_written(beast::error_code ec) {
    writing_ = false;
    if (ec) {
      if (ec == beast::error::timeout && !dropped_ && !evicted_) {
        dropped_ = true;
        ++srv_.counters.stream_dropped;
      }
      queue_.clear();
      leave_stream();
      return;
    }
    if (queue_.empty()) return;
    auto next = std::move(queue_.front());
    queue_.pop_front();
    write_event(std::move(next));
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> res_;
  Target target_;
  std::deque<std::shared_ptr<const std::string>> queue_;  // events behind the one in flight
  std::array<char, 4096> scratch_{};
  std::size_t drained_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool close_after_ = false;
  bool head_ = false;
  bool linger_ = false;
  bool answered_ = false;                  // a response was written: later waits use idle_timeout
  bool writing_ = false;                   // an event-stream write is in flight
  bool by_cookie_ = false;                 // the request in hand's token came from the cookie
  Access request_access_ = Access::kRead;  // the token of the request in hand
};

}  // namespace

Target HttpServer::Impl::find(std::string_view method, std::string_view path) {
  Target t;
  std::vector<std::string_view> allowed;
  auto allow = [&](std::string_view m) {
    if (std::find(allowed.begin(), allowed.end(), m) == allowed.end()) allowed.push_back(m);
  };
  auto done = [&] {
    for (const auto m : allowed) {
      if (!t.allowed.empty()) t.allowed += ", ";
      t.allowed += m;
    }
    return t;
  };
  if (path == "/login") {
    if (method == "GET") {
      t.kind = Target::Kind::kLoginForm;
    } else if (method == "POST") {
      t.kind = Target::Kind::kLogin;
    } else {
      allow("GET");
      allow("POST");
    }
    return done();
  }
  if (path == "/logout") {
    if (method == "POST") {
      t.kind = Target::Kind::kLogout;
    } else {
      allow("POST");
    }
    return done();
  }
  for (auto& ch : channels) {
    if (ch->route.path != path) continue;
    if (method == "GET") {
      t.kind = Target::Kind::kStream;
      t.channel = ch.get();
      t.needs = ch->route.needs;
      return t;
    }
    allow("GET");
  }
  for (std::size_t i = 0; i < assets.size(); ++i) {
    if (assets[i].path != path) continue;
    if (method == "GET") {
      t.kind = Target::Kind::kAsset;
      t.asset = &assets[i];
      t.etag = &etags[i];
      t.needs = assets[i].needs;
      t.page = assets[i].page;
      return t;
    }
    allow("GET");
  }
  for (const Route& route : routes) {
    const bool prefix = !route.path.empty() && route.path.back() == '/';
    const bool match =
        prefix ? path.substr(0, route.path.size()) == route.path : path == route.path;
    if (!match) continue;
    if (route.method == method) {
      t.kind = Target::Kind::kRoute;
      t.route = &route;
      t.needs = route.needs;
      t.page = route.page && method == "GET";
      return t;
    }
    allow(route.method);
  }
  return done();
}

void HttpServer::Impl::subscribe(Channel& ch, std::shared_ptr<Connection> c) {
  ch.subscribers.push_back(c);
  if (ch.running) {
    if (ch.last) c->push(ch.last);
    return;
  }
  ch.running = true;
  tick(ch);
}

void HttpServer::Impl::tick(Channel& ch) {
  if (ch.subscribers.empty() || stopping) {
    ch.running = false;
    ch.last.reset();
    return;
  }
  // The event's text, or false when produce threw. Counters are the server thread's to write.
  auto produce = [&ch](std::string& event) {
    try {
      std::string data;
      ch.route.produce(data);
      append_event(event, data);
      return true;
    } catch (...) {
      event = ": error\n\n";
      return false;
    }
  };
  if (!ch.route.offload) {
    std::string event;
    const bool ok = produce(event);
    return publish(ch, std::move(event), !ok);
  }
  asio::post(work, [this, &ch, produce] {
    std::string event;
    const bool ok = produce(event);
    asio::post(ioc, [this, &ch, ok, event = std::move(event)]() mutable {
      publish(ch, std::move(event), !ok);
    });
  });
}

void HttpServer::Impl::publish(Channel& ch, std::string event, bool failed) {
  if (ch.subscribers.empty() || stopping) {  // all left while it was produced
    ch.running = false;
    ch.last.reset();
    return;
  }
  if (failed) ++counters.internal_errors;
  ++counters.stream_events;
  auto ev = std::make_shared<const std::string>(std::move(event));
  ch.last = ev;
  // A copy: a subscriber that falls behind leaves the channel's list on the way.
  const auto subscribers = ch.subscribers;
  for (const auto& s : subscribers) s->push(ev);
  // A fixed rate; after a stall the next event is an interval from now, not a burst.
  const auto now = asio::steady_timer::clock_type::now();
  auto next = ch.timer.expiry() + ch.route.interval;
  if (next <= now) next = now + ch.route.interval;
  ch.timer.expires_at(next);
  ch.timer.async_wait([this, &ch](beast::error_code ec) {
    if (ec || stopping) return;
    tick(ch);
  });
}

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
    } else if (tls) {
      std::make_shared<Session<TlsStream>>(std::move(s), *this)->start();
    } else {
      std::make_shared<Session<PlainStream>>(std::move(s), *this)->start();
    }
    accept();
  });
}

bool HttpServer::Impl::evict_one() {
  // The first connection (oldest first) of the most readily evicted class.
  Connection* pick = nullptr;
  int best = 4;
  for (Connection* x : sessions) {
    const int c = x->eviction_class();
    if (c >= 0 && c < best) {
      best = c;
      pick = x;
      if (c == 0) break;
    }
  }
  if (pick == nullptr) return false;
  pick->evict();  // may end it: `sessions` is not touched after
  ++counters.evicted;
  return true;
}

void HttpServer::Impl::refuse(tcp::socket s) {
  beast::error_code ignored;
  if (tls) {
    s.shutdown(tcp::socket::shutdown_both, ignored);
    s.close(ignored);
    return;
  }
  auto stream = std::make_shared<beast::tcp_stream>(std::move(s));
  stream->expires_after(std::chrono::seconds(1));
  asio::async_write(*stream, asio::buffer(kBusy.data(), kBusy.size()),
                    [stream](beast::error_code, std::size_t) {
                      beast::error_code e;
                      stream->socket().shutdown(tcp::socket::shutdown_send, e);
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
  Endpoints e;
  e.routes = std::move(routes);
  return start(cfg, std::move(e));
}

namespace {

/// Why the endpoints cannot be served, or empty.
std::string endpoint_problem(const Endpoints& e) {
  std::set<std::string> exact;  // paths of streams and assets
  auto reserved = [](const std::string& p) { return p == "/login" || p == "/logout"; };
  for (const Route& r : e.routes) {
    if (reserved(r.path)) return "'" + r.path + "' is reserved for the login form";
  }
  for (const StreamRoute& s : e.streams) {
    if (s.path.empty() || s.path.front() != '/') return "stream path '" + s.path + "' not absolute";
    if (reserved(s.path)) return "'" + s.path + "' is reserved for the login form";
    if (!exact.insert(s.path).second) return "'" + s.path + "' is served twice";
    if (!s.produce) return "stream '" + s.path + "' has no produce function";
    if (s.interval < std::chrono::milliseconds(10) || s.interval > std::chrono::hours(1)) {
      return "stream '" + s.path + "': the interval must be between 10 ms and 1 h";
    }
  }
  for (const StaticAsset& a : e.assets) {
    if (a.path.empty() || a.path.front() != '/') return "asset path '" + a.path + "' not absolute";
    if (reserved(a.path)) return "'" + a.path + "' is reserved for the login form";
    if (!exact.insert(a.path).second) return "'" + a.path + "' is served twice";
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpConfig& cfg, Endpoints endpoints) {
  if (const std::string why = endpoint_problem(endpoints); !why.empty()) {
    return Error{"operator.http: " + why};
  }
  auto impl = std::make_unique<Impl>();
  impl->cfg = cfg;
  impl->routes = std::move(endpoints.routes);
  impl->assets = std::move(endpoints.assets);
  for (const StaticAsset& a : impl->assets) impl->etags.push_back(detail::sha256_etag(a.bytes));
  for (StreamRoute& s : endpoints.streams) {
    impl->channels.push_back(std::make_unique<Channel>(impl->ioc, std::move(s)));
  }
  if (cfg.tls.enabled) {
    impl->tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    const ConfigViolations v = detail::configure_tls(impl->tls->native_handle(), cfg.tls);
    if (!v.empty()) {
      std::string m;
      for (const auto& x : v) {
        const std::string& file = x.path == "tls.key_file" ? cfg.tls.key_file : cfg.tls.cert_file;
        if (!m.empty()) m += "; ";
        m += "operator.http." + x.path + ": '" + file + "': " + x.message;
      }
      return Error{m};
    }
  }
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
  const bool offloads = std::any_of(impl->routes.begin(), impl->routes.end(),
                                    [](const Route& r) { return r.offload; }) ||
                        std::any_of(impl->channels.begin(), impl->channels.end(),
                                    [](const auto& c) { return c->route.offload; });
  if (offloads) {
    impl->work_guard.emplace(impl->work.get_executor());
    impl->worker = std::thread([p] {
      // A route's exception is its 500 (run_route), a stream's its ": error" event: what could
      // still escape is the server's own (out of memory, say): the job is lost, not the thread.
      while (true) {
        try {
          p->work.run();
          return;
        } catch (...) {
        }
      }
    });
  }
  impl->thread = std::thread([p] { p->run(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

std::uint16_t HttpServer::port() const noexcept {
  return impl_->port;
}

bool HttpServer::tls() const noexcept {
  return impl_->tls != nullptr;
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
    // Every connection closed now (an event stream's client sees the end at once), then the
    // channels let go of their subscribers.
    for (Connection* c : p->sessions) c->close_now();
    for (auto& ch : p->channels) {
      ch->timer.cancel();
      ch->running = false;
      ch->last.reset();
      auto subscribers = std::move(ch->subscribers);
      ch->subscribers.clear();
    }
    p->ioc.stop();
  });
  p->thread.join();
  // Then the worker: a job it is running finishes (its answer is posted to the stopped
  // io_context and dropped with it); those queued behind it are dropped.
  if (p->worker.joinable()) {
    p->work_guard.reset();
    p->work.stop();
    p->worker.join();
  }
}

}  // namespace ballast::http
