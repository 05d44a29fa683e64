// A blocking loopback HTTP client for the operator server's tests: raw bytes in, raw bytes out
// (a hostile client must be able to send anything).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

namespace ballast::test {

using namespace std::chrono_literals;

/// A blocking loopback client socket.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  /// False when the peer has closed (EPIPE / reset).
  bool send(const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }
  /// Ends what this side sends (the peer reads end of stream).
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
  /// Everything until the peer closes or `wait` passes without a byte.
  std::string read_all(std::chrono::milliseconds wait = 3000ms) {
    std::string out;
    char buf[4096];
    while (true) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) break;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  /// One response (headers and a Content-Length body); bytes after it (a pipelined answer) are
  /// kept for the next call.
  std::string read_response(std::chrono::milliseconds wait = 3000ms) {
    std::string& out = pending_;
    char buf[4096];
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
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return std::exchange(out, std::string());
  }
  /// Whether the peer closed within `wait` (reads and drops whatever comes first).
  bool closed_within(std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;
    }
    return false;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;  // read past the last response
};

/// The status code of a response ("HTTP/1.1 200 ..."), or -1.
inline int status_of(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return -1;
  return std::stoi(response.substr(9, 3));
}

/// A GET with a bearer token (none when empty).
inline std::string get(const std::string& path, const std::string& token, bool close = true) {
  std::string r = "GET " + path + " HTTP/1.1\r\nHost: x\r\n";
  if (!token.empty()) r += "Authorization: Bearer " + token + "\r\n";
  if (close) r += "Connection: close\r\n";
  return r + "\r\n";
}

/// A POST with a bearer token and a body.
inline std::string post(const std::string& path, const std::string& token,
                        const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         body;
}

/// The body of a response (after the blank line).
inline std::string body_of(const std::string& response) {
  const auto p = response.find("\r\n\r\n");
  return p == std::string::npos ? std::string() : response.substr(p + 4);
}

/// One request on a new connection to `port`; the whole answer.
inline std::string http_once(std::uint16_t port, const std::string& request) {
  Client c(port);
  if (!c.connected()) return {};
  c.send(request);
  return c.read_all();
}

}  // namespace ballast::test
