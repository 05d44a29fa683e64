// The operator surface of a running engine (docs/operator.md): the HTTP server of ballast_http
// with the routes of a kernel.
//
//   GET  /metrics              Prometheus text: every counter of the engine (Kernel::counters()),
//                              FIX session state, kill-switch state, the server's own counters
//   GET  /api/v1/status        JSON: the same, with session names and their last status text
//   POST /api/v1/kill-switch   {"action": "engage"|"release", "account": "ID"} (no account: the
//                              global switch); control token only. The command reaches the core
//                              as a ControlCommand on its inbound queue: journaled, replayed.
//
// Everything a route reads is an atomic counter or gauge the core publishes, or a cold text the
// bridges keep under their own lock: nothing is asked of the core thread, which never waits for
// the server.
#pragma once

#include <memory>

#include "ballast/core/result.hpp"
#include "ballast/http/server.hpp"
#include "ballast/kernel/kernel.hpp"

namespace ballast::ops {

class OperatorService {
 public:
  /// Starts the server on settings().operator_http (enabled) for `kernel`, which must outlive it;
  /// stop() it before the kernel stops. Control thread. Errors: the address cannot be bound.
  static Result<std::unique_ptr<OperatorService>> start(kernel::Kernel& kernel);
  ~OperatorService();
  OperatorService(const OperatorService&) = delete;
  OperatorService& operator=(const OperatorService&) = delete;

  /// "http://127.0.0.1:PORT/": where it listens.
  std::string address() const;
  std::uint16_t port() const noexcept;
  void stop();
  const http::HttpCounters& counters() const noexcept;

  struct Impl;

 private:
  explicit OperatorService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ballast::ops
