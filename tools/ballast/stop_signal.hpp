// SIGINT/SIGTERM -> one process-wide stop flag, for the commands that run until told to stop
// (`ballast run`, `ballast broker-sim`, `ballast demo --role broker`). The handler only sets the
// flag; the command's own loops (and a paced replay's watcher, paced_replay.hpp) read it.
#pragma once

#include <atomic>

namespace ballast::tools {

/// Installs the handler for SIGINT and SIGTERM (sigaction, no SA_RESTART).
void install_stop_signal_handlers();

/// The flag the handler sets. Read from any thread.
const std::atomic<bool>& stop_flag() noexcept;

/// True once SIGINT or SIGTERM arrived (or request_stop() was called).
bool stop_requested() noexcept;

/// Sets the flag as a signal would (a command ending tells its helper threads to end).
void request_stop() noexcept;

}  // namespace ballast::tools
