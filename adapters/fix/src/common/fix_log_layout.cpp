// The FIX log reader's input side: lines of the file, the log layouts it recognises by a line's
// prefix (QuickFIX FileLog `<UTCTimestamp> : `, broker-sim `<ns> <IN|OUT> <session> `, or none),
// framing a message across lines up to its CheckSum (10), and the session, time and direction of
// each message.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "ballast/fix/fix_decimal.hpp"
#include "fix_log_internal.hpp"

namespace ballast {
namespace fix {
namespace fixlog {

/// Where a FIX message starts in `s` at or after `from`: "8=FIX" at the start or after a
/// character that is not a digit (so "58=FIX..." in a value is not a start).
std::size_t find_start(const std::string& s, std::size_t from) {
  std::size_t p = from;
  while ((p = s.find("8=FIX", p)) != std::string::npos) {
    if (p == 0 || !is_digit(s[p - 1])) return p;
    ++p;
  }
  return std::string::npos;
}

Ver version_of(const std::string& begin, bool lenient) {
  if (begin == "FIX.4.0") return Ver::k40;
  if (begin == "FIX.4.1") return Ver::k41;
  if (begin == "FIX.4.2") return Ver::k42;
  if (begin == "FIX.4.3") return Ver::k43;
  if (begin == "FIX.4.4") return Ver::k44;
  if (begin == "FIXT.1.1") return Ver::kT11;
  if (lenient && begin.size() == 6 && begin.compare(0, 4, "FIX4") == 0 && begin[4] == '.') {
    switch (begin[5]) {
      case '0':
        return Ver::k40;
      case '1':
        return Ver::k41;
      case '2':
        return Ver::k42;
      case '3':
        return Ver::k43;
      case '4':
        return Ver::k44;
      default:
        break;
    }
  }
  return Ver::kUnknown;
}

bool LineInput::open(const std::string& path, std::string& error) {
  f_ = std::fopen(path.c_str(), "rb");
  if (f_ == nullptr) {
    error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  return true;
}

void LineInput::close() {
  if (f_ != nullptr) std::fclose(f_);
  f_ = nullptr;
}

bool LineInput::next(std::string& line, bool& too_long, std::size_t max, std::string& error) {
  line.clear();
  too_long = false;
  bool any = false;
  for (;;) {
    if (pos_ == len_) {
      if (f_ == nullptr) break;
      len_ = std::fread(buf_, 1, sizeof(buf_), f_);
      pos_ = 0;
      if (len_ == 0) {
        if (std::ferror(f_)) error = std::string("read error: ") + std::strerror(errno);
        close();
        break;
      }
    }
    any = true;
    const char* start = buf_ + pos_;
    const void* nl = std::memchr(start, '\n', len_ - pos_);
    const std::size_t n = nl != nullptr
                              ? static_cast<std::size_t>(static_cast<const char*>(nl) - start)
                              : len_ - pos_;
    if (!too_long) {
      const std::size_t room = max > line.size() ? max - line.size() : 0;
      if (n > room) {
        line.append(start, room);
        too_long = true;
      } else {
        line.append(start, n);
      }
    }
    pos_ += n;
    if (nl != nullptr) {
      ++pos_;
      break;
    }
  }
  if (!any) return false;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

PrefixInfo classify_prefix(const std::string& prefix) {
  PrefixInfo info;
  const std::string p = trim(prefix);
  // QuickFIX FileLog
  if (p.size() >= 19 && p.compare(p.size() - 2, 2, " :") == 0) {
    const std::string ts = p.substr(0, p.size() - 2);
    std::int64_t ns = 0;
    if (parse_utc_timestamp(ts.data(), ts.size(), ns)) {
      info.layout = Layout::kQuickFix;
      info.time_ns = ns;
      return info;
    }
  }
  // broker-sim: three space-separated columns
  const std::size_t s1 = p.find(' ');
  if (s1 == std::string::npos) return info;
  const std::size_t s2 = p.find(' ', s1 + 1);
  if (s2 == std::string::npos || p.find(' ', s2 + 1) != std::string::npos) return info;
  const std::string t = p.substr(0, s1), dir = p.substr(s1 + 1, s2 - s1 - 1),
                    sess = p.substr(s2 + 1);
  const std::size_t digits_from = !t.empty() && t[0] == '-' ? 1 : 0;
  if (!all_digits(t, digits_from) || t.size() > 20 || (dir != "IN" && dir != "OUT") ||
      sess.empty()) {
    return info;
  }
  errno = 0;
  const long long v = std::strtoll(t.c_str(), nullptr, 10);
  if (errno != 0) return info;
  info.layout = Layout::kBrokerSim;
  info.time_ns = v;
  info.broker_sim_in = dir == "IN";
  info.session = sess;
  return info;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string unescape_controls(const std::string& s) {
  if (s.find("\\x") == std::string::npos) return s;
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x' && hex_value(s[i + 2]) >= 0 &&
        hex_value(s[i + 3]) >= 0) {
      const int v = hex_value(s[i + 2]) * 16 + hex_value(s[i + 3]);
      if (v < 0x20 || v == 0x7f) {
        out += static_cast<char>(v);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace fixlog

using namespace fixlog;

void FixLogReader::Impl::set_time_and_direction(FixLogEntry& e, const PrefixInfo& pi) const {
  if (pi.layout == Layout::kQuickFix) {
    e.time_ns = pi.time_ns;
    e.time_source = FixLogTimeSource::kQuickFixLog;
  } else if (pi.layout == Layout::kBrokerSim) {
    e.time_ns = pi.time_ns;
    e.time_source = FixLogTimeSource::kBrokerSimTape;
  } else if (e.sending_time_ns != 0) {
    e.time_ns = e.sending_time_ns;
    e.time_source = FixLogTimeSource::kSendingTime;
  }
  if (!opt.our_comp_id.empty()) {
    if (!e.sender_comp_id.empty() && e.sender_comp_id == opt.our_comp_id) {
      e.direction = FixLogDirection::kSent;
    } else if (!e.target_comp_id.empty() && e.target_comp_id == opt.our_comp_id) {
      e.direction = FixLogDirection::kReceived;
    }
  } else if (pi.layout == Layout::kBrokerSim) {
    e.direction = pi.broker_sim_in ? FixLogDirection::kReceived : FixLogDirection::kSent;
  }
}

bool FixLogReader::Impl::try_complete(std::size_t& end) {
  Pending& p = pending;
  if (p.delim == 0) {
    const std::size_t d = p.buf.find_first_of(std::string("\x01|", 2));
    if (d == std::string::npos) return false;
    p.delim = p.buf[d];
  }
  for (;;) {
    const std::size_t d = p.buf.find(p.delim, p.scan);
    if (d == std::string::npos) {
      // the rest of the line: a CheckSum without a delimiter after it ends the message
      if (p.buf.compare(p.scan, 3, "10=") == 0 && p.buf.size() > p.scan + 3 &&
          all_digits(p.buf.substr(p.scan + 3))) {
        end = p.buf.size();
        return true;
      }
      return false;
    }
    if (p.buf.compare(p.scan, 3, "10=") == 0 && p.scan > 0) {
      end = d + 1;
      return true;
    }
    p.scan = d + 1;
  }
}

void FixLogReader::Impl::process_line(const std::string& line, bool too_long) {
  if (too_long) {
    if (pending.active) {
      emit_error(pending.first_line, line_no, pending.prefix,
                 "message cut off: line " + std::to_string(line_no) + " is longer than " +
                     std::to_string(opt.max_line_bytes) + " bytes (max_line_bytes)");
      pending = Pending{};
    } else {
      emit_error(line_no, line_no, "",
                 "line longer than " + std::to_string(opt.max_line_bytes) +
                     " bytes (max_line_bytes); skipped");
    }
    return;
  }
  std::string rest;
  bool continued = false;  // the line went into a message begun on an earlier line
  if (pending.active) {
    if (find_start(line, 0) != std::string::npos) {
      // a new message begins before the pending one ended
      emit_error(pending.first_line, pending.last_line, pending.prefix,
                 "message ends without CheckSum (10): expected 10=nnn before the next "
                 "message on line " +
                     std::to_string(line_no),
                 redact_fragment(pending.buf));
      pending = Pending{};
      rest = line;
    } else {
      continued = true;
      if (pending.buf.size() + line.size() > opt.max_line_bytes) {
        emit_error(pending.first_line, line_no, pending.prefix,
                   "message longer than " + std::to_string(opt.max_line_bytes) +
                       " bytes (max_line_bytes) without CheckSum (10)");
        pending = Pending{};
        return;
      }
      pending.buf += line;
      pending.last_line = line_no;
      ++pending.lines;
      std::size_t end = 0;
      if (!try_complete(end)) {
        if (pending.lines >= opt.max_lines_per_message) {
          emit_error(pending.first_line, pending.last_line, pending.prefix,
                     "message ends without CheckSum (10) after " + std::to_string(pending.lines) +
                         " lines (max_lines_per_message): expected 10=nnn",
                     redact_fragment(pending.buf));
          pending = Pending{};
        }
        return;
      }
      rest = pending.buf.substr(end);
      finish(pending.buf.substr(0, end));
      pending = Pending{};
    }
  } else {
    rest = line;
  }

  bool found = false;
  for (;;) {
    const std::size_t s = find_start(rest, 0);
    if (s == std::string::npos) break;
    found = true;
    pending = Pending{};
    pending.active = true;
    pending.prefix = rest.substr(0, s);
    pending.buf = rest.substr(s);
    pending.first_line = pending.last_line = line_no;
    pending.lines = 1;
    std::size_t end = 0;
    if (!try_complete(end)) return;  // continues on the next line
    std::string tail = pending.buf.substr(end);
    finish(pending.buf.substr(0, end));
    pending = Pending{};
    rest.swap(tail);
  }
  if (!found && !continued && !trim(line).empty()) {
    ++stats.text_lines;
    if (opt.report_text_lines) {
      emit_error(line_no, line_no, "",
                 "no FIX message on this line (expected 8=FIX... after any prefix): '" +
                     excerpt(redact_fragment(line), 60) + "'");
    }
  }
}

void FixLogReader::Impl::finish_file() {
  if (pending.active) {
    emit_error(pending.first_line, pending.last_line, pending.prefix,
               "message cut off at the end of the file: expected CheckSum (10)",
               redact_fragment(pending.buf));
    pending = Pending{};
  }
}

std::uint16_t FixLogReader::Impl::session_of(const FixLogEntry& e, const PrefixInfo& pi) {
  const std::string& a = e.sender_comp_id;
  const std::string& b = e.target_comp_id;
  const std::string key = e.begin_string + '\x01' + (a < b ? a + '\x01' + b : b + '\x01' + a);
  auto it = session_index.find(key);
  if (it != session_index.end()) return it->second;
  std::string id;
  if (!opt.our_comp_id.empty() && a == opt.our_comp_id) {
    id = e.begin_string + ":" + a + "->" + b;
  } else if (!opt.our_comp_id.empty() && b == opt.our_comp_id) {
    id = e.begin_string + ":" + b + "->" + a;
  } else if (pi.layout == Layout::kBrokerSim && pi.session != "-") {
    id = pi.session;
  } else {
    id = e.begin_string + ":" + a + "->" + b;
  }
  const std::uint16_t n = static_cast<std::uint16_t>(sessions.size());
  sessions.push_back(id);
  session_index.emplace(key, n);
  return n;
}

bool FixLogReader::Impl::fill() {
  std::string line;
  while (ready.empty() && !eof) {
    bool too_long = false;
    if (!in.next(line, too_long, opt.max_line_bytes, io_error)) {
      eof = true;
      finish_file();
      break;
    }
    ++line_no;
    ++stats.lines;
    process_line(line, too_long);
  }
  return !ready.empty();
}

}  // namespace fix
}  // namespace ballast
