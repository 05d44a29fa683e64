// spdlog set-up for the ballast program.
#include "logging.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <vector>

namespace ballast::tools {

namespace {

spdlog::level::level_enum to_spdlog(LogLevel l) {
  switch (l) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kCritical:
      return spdlog::level::critical;
    case LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

Result<std::shared_ptr<spdlog::logger>> start_logging(const LoggingConfig& cfg) {
  std::vector<spdlog::sink_ptr> sinks;
  if (cfg.console) sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  if (!cfg.file.empty()) {
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(cfg.file, false));
    } catch (const spdlog::spdlog_ex& e) {
      return Error{"logging.file: cannot open '" + cfg.file + "' for appending: " + e.what()};
    }
  }
  // One background thread formats and writes; a full queue blocks the caller rather than drop a
  // line (log calls are cold-path only, so blocking there never stalls the core).
  if (!spdlog::thread_pool()) spdlog::init_thread_pool(8192, 1);
  auto logger = std::make_shared<spdlog::async_logger>("ballast", sinks.begin(), sinks.end(),
                                                       spdlog::thread_pool(),
                                                       spdlog::async_overflow_policy::block);
  logger->set_level(to_spdlog(cfg.level));
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  return std::shared_ptr<spdlog::logger>(logger);
}

void stop_logging() noexcept {
  try {
    if (auto l = spdlog::default_logger()) l->flush();
    spdlog::shutdown();
  } catch (...) {
    // Nothing sensible to do while exiting: logging must never turn a clean exit into a crash.
  }
}

}  // namespace ballast::tools
