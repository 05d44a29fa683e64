// Logging for the ballast program: spdlog behind an asynchronous queue (cold paths only).
//
// The core thread never formats log lines: hot-path outcomes are counters and events; components
// that must report something on a cold path (start, stop, a rejected config, a session logon) use
// the logger below, whose formatting and I/O happen on spdlog's own thread.
//
// Commands that take a configuration (`run`; `demo` with its built-in one) replace the start-up
// logger (stderr at --log-level) with the configuration's `logging` section: its level, its file
// (appended) and whether the console (stderr) gets log records. What a command prints to stdout
// and stderr is its user interface and is printed whatever the section says; with a log file, each
// such line is also recorded in the file (TranscriptBuf), at the section's level.
#pragma once

#include <memory>
#include <mutex>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

#include "ballast/core/result.hpp"
#include "ballast/engine/engine_config.hpp"

namespace spdlog {
class logger;
}

namespace ballast::tools {

/// Builds the process logger from the `logging` section: stderr when console is true, the file
/// (appended; missing directories are created) when set, at the configured level; installs it as
/// spdlog's default, replacing (and flushing) any earlier one. Returns an error naming the key,
/// the file and the reason when the log file cannot be opened.
Result<std::shared_ptr<spdlog::logger>> start_logging(const LoggingConfig& cfg);

/// Flushes and stops the logger thread (call before exit).
void stop_logging() noexcept;

/// Records `line` (one line a command printed) in the log file only, at `level`, if the current
/// logging has a file and lets `level` through. The console sink is left out: the line is already
/// on the terminal. Thread-safe.
void log_transcript(LogLevel level, std::string_view line);

/// A stream buffer that passes every byte to `sink` unchanged (flushing when the stream is
/// flushed) and hands each complete line to log_transcript() at `level`; lines of stderr's
/// periodic progress ("[run] ...") go at `progress_level`. A partial last line is recorded when
/// the buffer is destroyed. Thread-safe (one mutex; a command's output is cold path).
class TranscriptBuf final : public std::streambuf {
 public:
  TranscriptBuf(std::ostream& sink, LogLevel level, LogLevel progress_level);
  ~TranscriptBuf() override;
  TranscriptBuf(const TranscriptBuf&) = delete;
  TranscriptBuf& operator=(const TranscriptBuf&) = delete;

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  void take(const char* s, std::size_t n);  // caller holds mu_
  void emit_line();                         // caller holds mu_

  std::ostream& sink_;
  LogLevel level_;
  LogLevel progress_level_;
  std::mutex mu_;
  std::string line_;
};

}  // namespace ballast::tools
