// Scalar text parsers and the edit distance for suggestions.
#include "ballast/config/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace ballast::config {

namespace {

std::string quote(std::string_view text) {
  std::string s = "'";
  for (char c : text.substr(0, 64)) s += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > 64) s += "...";
  s += '\'';
  return s;
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Splits "64MiB" into the leading number text and the unit text.
std::pair<std::string_view, std::string_view> split_unit(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (is_digit(text[i]) || text[i] == '.' || text[i] == '_')) ++i;
  return {text.substr(0, i), text.substr(i)};
}

}  // namespace

Result<bool> parse_bool(std::string_view text) {
  static constexpr std::string_view kTrue[] = {"true", "True", "TRUE", "yes", "Yes",
                                               "YES",  "on",   "On",   "ON"};
  static constexpr std::string_view kFalse[] = {"false", "False", "FALSE", "no", "No",
                                                "NO",    "off",   "Off",   "OFF"};
  if (std::find(std::begin(kTrue), std::end(kTrue), text) != std::end(kTrue)) return true;
  if (std::find(std::begin(kFalse), std::end(kFalse), text) != std::end(kFalse)) return false;
  return Error{concat({"expected true or false, got ", quote(text)})};
}

Result<std::int64_t> parse_integer(std::string_view text) {
  const auto fail = [&] { return Error{concat({"expected a whole number, got ", quote(text)})}; };
  std::string digits;
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    if (text[i] == '-') digits += '-';
    ++i;
  }
  bool prev_digit = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (is_digit(c)) {
      digits += c;
      prev_digit = true;
    } else if (c == '_' && prev_digit && i + 1 < text.size() && is_digit(text[i + 1])) {
      prev_digit = false;
    } else {
      return fail();
    }
  }
  if (digits.empty() || digits == "-") return fail();
  std::int64_t v = 0;
  const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (r.ec == std::errc::result_out_of_range) {
    return Error{concat({"number ", quote(text), " is out of range"})};
  }
  if (r.ec != std::errc() || r.ptr != digits.data() + digits.size()) return fail();
  return v;
}

Result<double> parse_real(std::string_view text) {
  const auto fail = [&] {
    return Error{concat({"expected a number such as 0.25, got ", quote(text)})};
  };
  std::string_view t = text;
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  if (t.empty() || !(is_digit(t.front()) || t.front() == '-' || t.front() == '.')) return fail();
  double v = 0;
  const auto r = std::from_chars(t.data(), t.data() + t.size(), v, std::chars_format::general);
  if (r.ec == std::errc::result_out_of_range) {
    return Error{concat({"number ", quote(text), " is out of range"})};
  }
  if (r.ec != std::errc() || r.ptr != t.data() + t.size() || !std::isfinite(v)) return fail();
  return v;
}

Result<Duration> parse_duration(std::string_view text) {
  const auto fail = [&] {
    return Error{
        concat({"expected a duration: a number and a unit (ns, us, ms, s, m, h) such as "
                "250ms, 30s or 5m, got ",
                quote(text)})};
  };
  if (text == "0") return Duration::zero();
  const auto [num, unit] = split_unit(text);
  struct Unit {
    std::string_view name;
    std::int64_t ns;
  };
  static constexpr Unit kUnits[] = {{"ns", 1},
                                    {"us", 1'000},
                                    {"ms", 1'000'000},
                                    {"s", 1'000'000'000},
                                    {"m", 60'000'000'000},
                                    {"h", 3'600'000'000'000}};
  const Unit* u = nullptr;
  for (const auto& k : kUnits) {
    if (k.name == unit) u = &k;
  }
  if (u == nullptr || num.empty() || num.find('_') != std::string_view::npos) return fail();
  // Exact decimal arithmetic: "1.5s" is 1'500'000'000ns, never a rounded double.
  const auto dot = num.find('.');
  const std::string_view int_part = num.substr(0, dot);
  const std::string_view frac_part =
      dot == std::string_view::npos ? std::string_view() : num.substr(dot + 1);
  if (int_part.empty() || (dot != std::string_view::npos && frac_part.empty()) ||
      frac_part.find('.') != std::string_view::npos || int_part.size() > 12 ||
      frac_part.size() > 12) {
    return fail();
  }
  __int128 whole = 0;
  for (char c : int_part) whole = whole * 10 + (c - '0');
  __int128 frac = 0;
  __int128 scale = 1;
  for (char c : frac_part) {
    frac = frac * 10 + (c - '0');
    scale *= 10;
  }
  const __int128 ns_scaled = whole * u->ns * scale + frac * u->ns;
  if (ns_scaled % scale != 0) {
    return Error{concat({"duration ", quote(text), " is not a whole number of nanoseconds"})};
  }
  const __int128 ns = ns_scaled / scale;
  if (ns > std::numeric_limits<std::int64_t>::max()) {
    return Error{concat({"duration ", quote(text), " is out of range"})};
  }
  return Duration{static_cast<std::int64_t>(ns)};
}

Result<std::uint64_t> parse_byte_size(std::string_view text) {
  const auto fail = [&] {
    return Error{
        concat({"expected a size in bytes such as 67108864 or 64MiB (units KiB, MiB, "
                "GiB), got ",
                quote(text)})};
  };
  const auto [num, unit] = split_unit(text);
  std::uint64_t mult = 0;
  if (unit.empty() || unit == "B") mult = 1;
  if (unit == "KiB") mult = 1ull << 10;
  if (unit == "MiB") mult = 1ull << 20;
  if (unit == "GiB") mult = 1ull << 30;
  if (mult == 0 || num.empty() || num.find('.') != std::string_view::npos) return fail();
  auto n = parse_integer(num);
  if (!n) return fail();
  const std::int64_t v = n.value();
  if (v < 0 || static_cast<std::uint64_t>(v) > std::numeric_limits<std::uint64_t>::max() / mult) {
    return Error{concat({"size ", quote(text), " is out of range"})};
  }
  return static_cast<std::uint64_t>(v) * mult;
}

Result<TimeOfDay> parse_time_of_day(std::string_view text) {
  const auto fail = [&] {
    return Error{
        concat({"expected a local time HH:MM between 00:00 and 23:59, got ", quote(text)})};
  };
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || text.size() != colon + 3) {
    return fail();
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i != colon && !is_digit(text[i])) return fail();
  }
  int hour = 0;
  for (std::size_t i = 0; i < colon; ++i) hour = hour * 10 + (text[i] - '0');
  const int minute = (text[colon + 1] - '0') * 10 + (text[colon + 2] - '0');
  if (hour > 23 || minute > 59) return fail();
  return TimeOfDay::at(hour, minute);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment over three rolling rows; keys are short.
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    prev2.swap(prev);
    prev.swap(cur);
  }
  return prev[m];
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
  std::string w(word);
  std::transform(w.begin(), w.end(), w.begin(), lower);
  const std::size_t limit = w.size() <= 4 ? 1 : w.size() <= 8 ? 2 : 3;
  std::optional<std::string> best;
  std::size_t best_d = limit + 1;
  bool tie = false;
  for (const auto& c : candidates) {
    if (best && c == *best) continue;
    std::string lc(c);
    std::transform(lc.begin(), lc.end(), lc.begin(), lower);
    const std::size_t d = edit_distance(w, lc);
    if (d < best_d) {
      best_d = d;
      best = c;
      tie = false;
    } else if (d == best_d) {
      tie = true;
    }
  }
  // Two equally close candidates: guessing one would mislead as often as it helps.
  if (tie) return std::nullopt;
  return best;
}

}  // namespace ballast::config
