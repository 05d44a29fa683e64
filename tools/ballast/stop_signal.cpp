#include "stop_signal.hpp"

#include <signal.h>

namespace ballast::tools {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) {
  g_stop.store(true);
}

}  // namespace

void install_stop_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = &on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

const std::atomic<bool>& stop_flag() noexcept {
  return g_stop;
}

bool stop_requested() noexcept {
  return g_stop.load();
}

void request_stop() noexcept {
  g_stop.store(true);
}

}  // namespace ballast::tools
