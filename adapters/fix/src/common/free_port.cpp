// A free TCP port for an acceptor.
#include "ballast/fix/free_port.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ballast {
namespace fix {

int pick_free_port(std::string& error) {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return 0;
  }
  sockaddr_in a;
  std::memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  int port = 0;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  } else {
    error = std::string("bind port 0: ") + std::strerror(errno);
  }
  ::close(s);
  return port;
}

}  // namespace fix
}  // namespace ballast
