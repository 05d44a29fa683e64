// A loopback client for the operator server's tests over plain TCP or TLS (OpenSSL): raw bytes
// in, raw bytes out, every wait bounded (a hostile client must be able to send anything, and a
// test must not hang on a server that misbehaves).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <string>
#include <utility>

namespace ballast::test {

using namespace std::chrono_literals;

/// How a TLS client connects: whom it trusts and which versions it speaks.
struct ClientTls {
  std::string ca_file;  ///< the certificate it trusts; empty: it verifies nothing
  int min_version = 0;  ///< e.g. TLS1_1_VERSION; 0: OpenSSL's default
  int max_version = 0;
};

/// One client connection: plain TCP, or TLS with the handshake done in the constructor.
class Conn {
 public:
  /// Connects to 127.0.0.1:port; with `tls`, also completes the handshake within `wait`.
  explicit Conn(std::uint16_t port, const ClientTls* tls = nullptr, int rcvbuf = 0,
                std::chrono::milliseconds wait = 3000ms) {
    static const bool no_sigpipe = [] {
      std::signal(SIGPIPE, SIG_IGN);  // a write to a closed peer fails instead of killing us
      return true;
    }();
    (void)no_sigpipe;
    // TLS is made ready before connecting, as a real client's is: the hello goes out at once
    // (a connection silent for long after its connect is first in line for eviction at the cap).
    if (tls != nullptr) {
      ctx_ = SSL_CTX_new(TLS_client_method());
      if (tls->min_version != 0) {
        // Old versions are below OpenSSL's default security level: allow them, to see the
        // server refuse them.
        SSL_CTX_set_security_level(ctx_, 0);
        SSL_CTX_set_cipher_list(ctx_, "DEFAULT@SECLEVEL=0");
        SSL_CTX_set_min_proto_version(ctx_, tls->min_version);
      }
      if (tls->max_version != 0) SSL_CTX_set_max_proto_version(ctx_, tls->max_version);
      if (!tls->ca_file.empty()) {
        SSL_CTX_load_verify_locations(ctx_, tls->ca_file.c_str(), nullptr);
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
      }
      ssl_ = SSL_new(ctx_);
      SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1");
    }
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
    if (tls == nullptr) {
      connected_ = true;
      return;
    }
    SSL_set_fd(ssl_, fd_);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (true) {
      const int r = SSL_connect(ssl_);
      if (r == 1) break;
      const int e = SSL_get_error(ssl_, r);
      if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
          !wait_for(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
        unsigned long code = ERR_peek_last_error();
        tls_error_ = code != 0 ? ERR_reason_error_string(code) : "handshake did not complete";
        ERR_clear_error();
        return;
      }
    }
    connected_ = true;
  }
  ~Conn() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  /// TCP connected and, with TLS, the handshake done.
  bool connected() const { return connected_; }
  /// Why the handshake failed (OpenSSL's reason).
  const std::string& tls_error() const { return tls_error_; }
  SSL* ssl() const { return ssl_; }
  int fd() const { return fd_; }

  /// False when the peer has closed (EPIPE / reset) or `wait` passed before all was sent.
  bool send(const std::string& s, std::chrono::milliseconds wait = 10'000ms) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    std::size_t off = 0;
    while (off < s.size()) {
      if (ssl_ != nullptr) {
        const int n = SSL_write(ssl_, s.data() + off, static_cast<int>(s.size() - off));
        if (n > 0) {
          off += static_cast<std::size_t>(n);
          continue;
        }
        const int e = SSL_get_error(ssl_, n);
        if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
            !wait_for(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
          ERR_clear_error();
          return false;
        }
      } else {
        const ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n > 0) {
          off += static_cast<std::size_t>(n);
          continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_for(POLLOUT, deadline)) {
          continue;
        }
        return false;
      }
    }
    return true;
  }
  /// Ends what this side sends (TLS: close_notify first); the peer reads end of stream.
  void shutdown_write() {
    if (ssl_ != nullptr) SSL_shutdown(ssl_);
    ::shutdown(fd_, SHUT_WR);
  }
  /// Everything until the peer closes or `wait` passes without a byte.
  std::string read_all(std::chrono::milliseconds wait = 3000ms) {
    std::string out = std::exchange(pending_, std::string());
    char buf[16384];
    while (true) {
      const long n = recv_some(buf, sizeof buf, wait);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  /// What arrives within `wait` (kept reading while bytes come; stops at the deadline).
  std::string read_for(std::chrono::milliseconds wait) {
    std::string out = std::exchange(pending_, std::string());
    char buf[16384];
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) break;
      const long n = recv_some(buf, sizeof buf, left);
      if (n == 0) {
        closed_ = true;
        break;
      }
      if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  /// Reads until `needle` has arrived (returns everything read), the peer closes or `wait`
  /// passes.
  std::string read_until(const std::string& needle, std::chrono::milliseconds wait = 3000ms) {
    std::string out = std::exchange(pending_, std::string());
    char buf[16384];
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (out.find(needle) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) break;
      const long n = recv_some(buf, sizeof buf, left);
      if (n == 0) {
        closed_ = true;
        break;
      }
      if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  /// One response (headers and a Content-Length body); bytes after it (a pipelined answer) are
  /// kept for the next call.
  std::string read_response(std::chrono::milliseconds wait = 3000ms) {
    std::string& out = pending_;
    char buf[16384];
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto head_end = out.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const auto cl = out.find("Content-Length: ");
        const std::size_t len = cl == std::string::npos || cl > head_end
                                    ? 0
                                    : std::stoul(out.substr(cl + 16, out.find("\r\n", cl)));
        if (out.size() >= head_end + 4 + len) {
          std::string one = out.substr(0, head_end + 4 + len);
          out.erase(0, head_end + 4 + len);
          return one;
        }
      }
      const long n = recv_some(buf, sizeof buf, 100ms);
      if (n == 0) break;
      if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    }
    return std::exchange(out, std::string());
  }
  /// Whether the peer closed within `wait` (reads and drops whatever comes first).
  bool closed_within(std::chrono::milliseconds wait) {
    if (closed_) return true;
    const auto deadline = std::chrono::steady_clock::now() + wait;
    char buf[16384];
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return false;
      if (recv_some(buf, sizeof buf, std::min(left, 50ms)) == 0) return closed_ = true;
    }
  }

 private:
  /// Waits for `events` on the socket until `deadline`; false when it passed.
  bool wait_for(short events, std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return false;
    pollfd p{fd_, events, 0};
    return ::poll(&p, 1, static_cast<int>(left.count())) > 0;
  }
  /// Up to n bytes; 0 when the peer closed (or reset); -1 when none came within `wait`.
  long recv_some(char* buf, std::size_t n, std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (true) {
      if (ssl_ != nullptr) {
        const int r = SSL_read(ssl_, buf, static_cast<int>(n));
        if (r > 0) return r;
        const int e = SSL_get_error(ssl_, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
          if (!wait_for(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) return -1;
          continue;
        }
        ERR_clear_error();
        return 0;  // close_notify, an end without one, a reset
      }
      const ssize_t r = ::recv(fd_, buf, n, 0);
      if (r > 0) return static_cast<long>(r);
      if (r == 0) return 0;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return 0;
      if (!wait_for(POLLIN, deadline)) return -1;
    }
  }

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool connected_ = false;
  bool closed_ = false;
  std::string tls_error_;
  std::string pending_;  // read past the last response
};

/// The status code of a response ("HTTP/1.1 200 ..."), or -1.
inline int status_code(const std::string& response) {
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return -1;
  return std::stoi(response.substr(9, 3));
}

/// The value of the first header `name` of a response ("" when none).
inline std::string header_of(const std::string& response, const std::string& name) {
  const auto end = response.find("\r\n\r\n");
  std::size_t at = response.find("\r\n" + name + ": ");
  if (at == std::string::npos || at > end) return {};
  at += name.size() + 4;
  return response.substr(at, response.find("\r\n", at) - at);
}

}  // namespace ballast::test
