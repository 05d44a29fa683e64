// Text -> typed values for configuration scalars (durations, sizes, times, numbers), and the edit
// distance behind "did you mean" suggestions. No YAML; usable for command-line arguments too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ballast/core/result.hpp"
#include "ballast/core/time.hpp"
#include "ballast/engine/engine_config.hpp"

namespace ballast::config {

/// Parses "true"/"false" (also yes/no, on/off, in lower, Title or UPPER case).
Result<bool> parse_bool(std::string_view text);

/// Parses a decimal integer: optional sign, digits, '_' allowed between digits ("65_536").
Result<std::int64_t> parse_integer(std::string_view text);

/// Parses a finite decimal number ("0.6", "-1", "1e-8", "+2.5"); no inf or nan.
Result<double> parse_real(std::string_view text);

/// Parses a non-negative duration: a number and one unit out of ns, us, ms, s, m, h ("250ms",
/// "1.5s", "5m"); "0" alone is zero. The value must be a whole number of nanoseconds.
Result<Duration> parse_duration(std::string_view text);

/// Parses a size in bytes: a whole number, optionally followed by KiB, MiB or GiB ("64MiB").
Result<std::uint64_t> parse_byte_size(std::string_view text);

/// Parses a local time of day "HH:MM" (00:00..23:59; one-digit hours accepted).
Result<TimeOfDay> parse_time_of_day(std::string_view text);

/// Returns the optimal-string-alignment distance: insertions, deletions, substitutions and swaps
/// of two adjacent characters each cost 1 ("tick_szie" -> "tick_size" is 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// Returns the candidate closest to `word` when it is close enough to be a likely typo (distance
/// at most 1 for words up to 4 characters, 2 up to 8, else 3; case is ignored), else nullopt.
/// Two candidates equally close also give nullopt.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

}  // namespace ballast::config
