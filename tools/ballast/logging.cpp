// spdlog set-up for the ballast program.
#include "logging.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <vector>

namespace ballast::tools {

namespace {

// The transcript logger (the file sink only) of the current logging; null without a file.
std::mutex g_transcript_mu;
std::shared_ptr<spdlog::logger> g_transcript;

constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v";

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
  spdlog::sink_ptr file_sink;
  if (!cfg.file.empty()) {
    try {
      file_sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(cfg.file, false);
    } catch (const spdlog::spdlog_ex& e) {
      return Error{"logging.file: cannot open '" + cfg.file + "' for appending: " + e.what()};
    }
    sinks.push_back(file_sink);
  }
  if (auto old = spdlog::default_logger()) old->flush();
  // One background thread formats and writes; a full queue blocks the caller rather than drop a
  // line (log calls are cold-path only, so blocking there never stalls the core).
  if (!spdlog::thread_pool()) spdlog::init_thread_pool(8192, 1);
  auto logger = std::make_shared<spdlog::async_logger>("ballast", sinks.begin(), sinks.end(),
                                                       spdlog::thread_pool(),
                                                       spdlog::async_overflow_policy::block);
  logger->set_level(to_spdlog(cfg.level));
  logger->set_pattern(kPattern, spdlog::pattern_time_type::utc);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  std::shared_ptr<spdlog::logger> transcript;
  if (file_sink) {
    transcript = std::make_shared<spdlog::async_logger>("ballast.transcript", file_sink,
                                                        spdlog::thread_pool(),
                                                        spdlog::async_overflow_policy::block);
    transcript->set_level(to_spdlog(cfg.level));
    transcript->set_pattern(kPattern, spdlog::pattern_time_type::utc);
    transcript->flush_on(spdlog::level::warn);
  }
  {
    std::lock_guard<std::mutex> lock(g_transcript_mu);
    if (g_transcript) g_transcript->flush();
    g_transcript = std::move(transcript);
  }
  return std::shared_ptr<spdlog::logger>(logger);
}

void stop_logging() noexcept {
  try {
    {
      std::lock_guard<std::mutex> lock(g_transcript_mu);
      if (g_transcript) g_transcript->flush();
      g_transcript.reset();
    }
    if (auto l = spdlog::default_logger()) l->flush();
    spdlog::shutdown();
  } catch (...) {
    // Nothing sensible to do while exiting: logging must never turn a clean exit into a crash.
  }
}

void log_transcript(LogLevel level, std::string_view line) {
  std::lock_guard<std::mutex> lock(g_transcript_mu);
  if (g_transcript) g_transcript->log(to_spdlog(level), "{}", line);
}

TranscriptBuf::TranscriptBuf(std::ostream& sink, LogLevel level, LogLevel progress_level)
    : sink_(sink), level_(level), progress_level_(progress_level) {}

TranscriptBuf::~TranscriptBuf() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!line_.empty()) emit_line();
}

void TranscriptBuf::emit_line() {
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  const bool progress = !line_.empty() && line_.front() == '[';
  log_transcript(progress ? progress_level_ : level_, line_);
  line_.clear();
}

void TranscriptBuf::take(const char* s, std::size_t n) {
  sink_.write(s, static_cast<std::streamsize>(n));
  for (std::size_t i = 0; i < n; ++i) {
    if (s[i] == '\n') {
      emit_line();
    } else {
      line_.push_back(s[i]);
    }
  }
}

TranscriptBuf::int_type TranscriptBuf::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  std::lock_guard<std::mutex> lock(mu_);
  const char ch = traits_type::to_char_type(c);
  take(&ch, 1);
  return c;
}

std::streamsize TranscriptBuf::xsputn(const char* s, std::streamsize n) {
  std::lock_guard<std::mutex> lock(mu_);
  take(s, static_cast<std::size_t>(n));
  return n;
}

int TranscriptBuf::sync() {
  std::lock_guard<std::mutex> lock(mu_);
  sink_.flush();
  return 0;
}

}  // namespace ballast::tools
