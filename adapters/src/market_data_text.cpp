// Line reader and CSV field parsing for the market-data file readers.
#include "ballast/adapters/market_data_text.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>
#include <system_error>

namespace ballast::md_text {

namespace {

// Large enough that a refill is rare, small enough to keep memory flat for any file size.
constexpr std::size_t kInitialBuffer = 256 * 1024;
// A line longer than this is not a market-data row; stop rather than grow without bound.
constexpr std::size_t kMaxLine = 16 * 1024 * 1024;
constexpr std::size_t kMaxShownChars = 40;

std::string shown(std::string_view text) {
  std::string out;
  if (text.size() <= kMaxShownChars) {
    out.append(text);
  } else {
    out.append(text.substr(0, kMaxShownChars));
    out.append("...");
  }
  return out;
}

}  // namespace

LineReader::LineReader(std::unique_ptr<std::FILE, FileCloser> file, std::string path)
    : file_(std::move(file)),
      path_(std::move(path)),
      name_(base_name(path_)),
      buf_(kInitialBuffer) {}

Result<LineReader> LineReader::open(const std::string& path) {
  errno = 0;
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    std::string msg("cannot open ");
    msg.append(path);
    msg.append(": ");
    msg.append(errno != 0 ? std::strerror(errno) : "unknown error");
    return Error{std::move(msg)};
  }
  LineReader r(std::move(f), path);
  // Skip a UTF-8 byte-order mark (the ETF37 files start with one).
  if (r.refill() && r.end_ - r.begin_ >= 3 &&
      std::memcmp(r.buf_.data() + r.begin_, "\xEF\xBB\xBF", 3) == 0) {
    r.begin_ += 3;
  }
  if (r.read_error_) return *r.read_error_;
  return r;
}

bool LineReader::refill() {
  if (eof_ || !file_) return false;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) {
    if (buf_.size() >= kMaxLine) {
      std::string msg(name_);
      msg.append(":");
      msg.append(std::to_string(line_ + 1));
      msg.append(": line longer than ");
      msg.append(std::to_string(kMaxLine));
      msg.append(" bytes; expected a CSV row");
      read_error_ = Error{std::move(msg)};
      eof_ = true;
      return false;
    }
    buf_.resize(buf_.size() * 2);
  }
  errno = 0;
  const std::size_t n = std::fread(buf_.data() + end_, 1, buf_.size() - end_, file_.get());
  const int read_errno = errno;
  end_ += n;
  if (n == 0) {
    if (std::ferror(file_.get()) != 0) {
      std::string msg("cannot read ");
      msg.append(path_);
      msg.append(": ");
      msg.append(read_errno != 0 ? std::strerror(read_errno) : "read error");
      read_error_ = Error{std::move(msg)};
    }
    eof_ = true;
    return false;
  }
  return true;
}

std::optional<std::string_view> LineReader::next_line() {
  std::size_t scanned = begin_;
  for (;;) {
    const char* base = buf_.data();
    const void* nl = std::memchr(base + scanned, '\n', end_ - scanned);
    if (nl != nullptr) {
      const std::size_t pos = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
      std::size_t stop = pos;
      if (stop > begin_ && base[stop - 1] == '\r') --stop;
      std::string_view line(base + begin_, stop - begin_);
      begin_ = pos + 1;
      ++line_;
      return line;
    }
    const std::size_t consumed = begin_;
    scanned = end_;
    if (!refill()) {
      if (read_error_ || begin_ == end_) return std::nullopt;
      // The last line has no terminator.
      std::size_t stop = end_;
      if (stop > begin_ && buf_[stop - 1] == '\r') --stop;
      std::string_view line(buf_.data() + begin_, stop - begin_);
      begin_ = end_;
      ++line_;
      return line;
    }
    scanned -= consumed;  // refill() moved the unread bytes to the front
  }
}

std::string_view base_name(std::string_view path) noexcept {
  const auto slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::size_t split_fields(std::string_view line, std::span<std::string_view> out) noexcept {
  std::size_t count = 0;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    const std::string_view field = line.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (count < out.size()) out[count] = field;
    ++count;
    if (comma == std::string_view::npos) return count;
    start = comma + 1;
  }
}

void split_fields(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    out.push_back(line.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) return;
    start = comma + 1;
  }
}

std::optional<std::int64_t> parse_int(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  std::int64_t v = 0;
  const char* first = text.data();
  const char* last = first + text.size();
  const auto [ptr, ec] = std::from_chars(first, last, v);
  if (ec != std::errc{} || ptr != last) return std::nullopt;
  return v;
}

std::string position_of(const LineReader& in) {
  if (in.line_number() == 0) return {};
  std::string out(in.name());
  out.append(":");
  out.append(std::to_string(in.line_number()));
  return out;
}

Error line_error(const LineReader& in, std::string_view what) {
  std::string msg(in.name());
  msg.append(":");
  msg.append(std::to_string(in.line_number()));
  msg.append(": ");
  msg.append(what);
  return Error{std::move(msg)};
}

Error field_error(const LineReader& in, std::size_t index, std::string_view field,
                  std::string_view expected, std::string_view text) {
  std::string what("field ");
  what.append(std::to_string(index));
  what.append(" (");
  what.append(field);
  what.append("): expected ");
  what.append(expected);
  what.append(", got '");
  what.append(shown(text));
  what.append("'");
  return line_error(in, what);
}

Error field_count_error(const LineReader& in, std::size_t expected, std::string_view layout,
                        std::size_t count) {
  std::string what("expected ");
  what.append(std::to_string(expected));
  what.append(" fields (");
  what.append(layout);
  what.append("), got ");
  what.append(std::to_string(count));
  return line_error(in, what);
}

Result<std::int64_t> int_field(const LineReader& in, std::span<const std::string_view> fields,
                               std::size_t index, std::string_view name, std::int64_t min,
                               std::int64_t max) {
  const std::string_view text = fields[index - 1];
  const auto v = parse_int(text);
  if (!v) return field_error(in, index, name, "an integer", text);
  if (*v < min || *v > max) {
    std::string expected("an integer from ");
    expected.append(std::to_string(min));
    expected.append(" to ");
    expected.append(std::to_string(max));
    return field_error(in, index, name, expected, text);
  }
  return *v;
}

std::optional<Price> price_from_e4(std::int64_t e4) noexcept {
  // 1/10000 dollars -> 1e-9 dollars.
  constexpr std::int64_t kFactor = Price::kScale / 10000;
  std::int64_t raw = 0;
  if (__builtin_mul_overflow(e4, kFactor, &raw)) return std::nullopt;
  return Price{raw};
}

Result<Price> price_e4_field(const LineReader& in, std::span<const std::string_view> fields,
                             std::size_t index, std::string_view name) {
  const std::string_view text = fields[index - 1];
  const auto v = parse_int(text);
  if (!v) return field_error(in, index, name, "an integer price in 1/10000 dollars", text);
  const auto p = price_from_e4(*v);
  if (!p) return field_error(in, index, name, "a price within +-9.2e9 dollars", text);
  return *p;
}

Result<Qty> shares_field(const LineReader& in, std::span<const std::string_view> fields,
                         std::size_t index, std::string_view name) {
  constexpr std::int64_t kMaxShares = std::numeric_limits<std::int64_t>::max() / Qty::kScale;
  const std::string_view text = fields[index - 1];
  const auto v = parse_int(text);
  if (!v || *v < 0 || *v > kMaxShares) {
    return field_error(in, index, name, "a whole number of shares >= 0", text);
  }
  return Qty::from_units(*v);
}

Result<std::int64_t> ms_of_day_field(const LineReader& in, std::span<const std::string_view> fields,
                                     std::size_t index, std::string_view name) {
  constexpr std::int64_t kMsPerDay = 86'400'000;
  const std::string_view text = fields[index - 1];
  const auto v = parse_int(text);
  if (!v || *v < 0 || *v >= kMsPerDay) {
    return field_error(in, index, name, "milliseconds after midnight (0 to 86399999)", text);
  }
  return *v * 1'000'000;
}

std::optional<std::int64_t> parse_seconds_ns(std::string_view text) noexcept {
  constexpr std::int64_t kSecondsPerDay = 86'400;
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  if (whole.empty() || whole.size() > 5) return std::nullopt;
  std::int64_t seconds = 0;
  for (const char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  if (seconds >= kSecondsPerDay) return std::nullopt;
  std::int64_t frac_ns = 0;
  if (dot != std::string_view::npos) {
    const std::string_view frac = text.substr(dot + 1);
    if (frac.empty() || frac.size() > 9) return std::nullopt;
    for (const char c : frac) {
      if (c < '0' || c > '9') return std::nullopt;
      frac_ns = frac_ns * 10 + (c - '0');
    }
    // "34200.18960767" has 8 decimals: scale the digits read up to nanoseconds.
    for (std::size_t k = frac.size(); k < 9; ++k) frac_ns *= 10;
  }
  return seconds * 1'000'000'000 + frac_ns;
}

}  // namespace ballast::md_text
