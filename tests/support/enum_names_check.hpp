// Pins the names a naming function gives an enum (to_string, enum_name...): the exact list for
// the values first, first+1, ...; no name twice; and `fallback` (nullptr allowed) for every other
// value of the one-byte underlying type, as a damaged record would carry. Plain C++14: the FIX
// tests build as C++14.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

namespace ballast {
namespace test {

inline std::string shown(const char* s) {
  return s == nullptr ? std::string("nullptr") : "\"" + std::string(s) + "\"";
}

/// Returns success when name(E(first + i)) == expected[i] for each i, the names are distinct, and
/// name(v) == fallback for all other values 0..255. Pass the function by name with E explicit:
/// names_are<HeldReason>(to_string, {...}, "unknown").
template <class E>
::testing::AssertionResult names_are(const char* (*name)(E),
                                     const std::vector<const char*>& expected, const char* fallback,
                                     int first = 0) {
  static_assert(sizeof(typename std::underlying_type<E>::type) == 1,
                "names_are walks every value of a one-byte enum");
  static_assert(std::is_unsigned<typename std::underlying_type<E>::type>::value,
                "names_are walks 0..255");
  for (int v = 0; v <= 255; ++v) {
    const int i = v - first;
    const bool named = i >= 0 && i < static_cast<int>(expected.size());
    const char* want = named ? expected[static_cast<std::size_t>(i)] : fallback;
    const char* got = name(static_cast<E>(v));
    const bool same =
        (got == nullptr || want == nullptr) ? got == want : std::strcmp(got, want) == 0;
    if (!same) {
      return ::testing::AssertionFailure()
             << "value " << v << ": got " << shown(got) << ", expected " << shown(want)
             << (named ? "" : " (the fallback)");
    }
  }
  std::set<std::string> seen;
  for (const char* n : expected) {
    if (!seen.insert(n).second) return ::testing::AssertionFailure() << "\"" << n << "\" twice";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace test
}  // namespace ballast
