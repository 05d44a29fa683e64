// A TCP port for a QuickFIX acceptor to listen on (C++14, no QuickFIX types).
#pragma once

#include <string>

namespace ballast {
namespace fix {

/// A TCP port that was free on every interface a moment ago (bound to port 0 on INADDR_ANY, as
/// QuickFIX's acceptor binds, then released). 0 with `error` set when none could be had.
int pick_free_port(std::string& error);

}  // namespace fix
}  // namespace ballast
