// Logging for the ballast program: spdlog behind an asynchronous queue (cold paths only).
//
// The core thread never formats log lines: hot-path outcomes are counters and events; components
// that must report something on a cold path (start, stop, a rejected config, a session logon) use
// the logger below, whose formatting and I/O happen on spdlog's own thread.
#pragma once

#include <memory>
#include <string>

#include "ballast/core/result.hpp"
#include "ballast/engine/engine_config.hpp"

namespace spdlog {
class logger;
}

namespace ballast::tools {

/// Builds the process logger from the `logging` section: stderr when console is true, the file
/// (appended) when set, at the configured level; installs it as spdlog's default. Returns an
/// error naming the file and the reason when the log file cannot be opened.
Result<std::shared_ptr<spdlog::logger>> start_logging(const LoggingConfig& cfg);

/// Flushes and stops the logger thread (call before exit).
void stop_logging() noexcept;

}  // namespace ballast::tools
