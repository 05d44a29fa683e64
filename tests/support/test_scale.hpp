// Case counts of the long randomised tests under a sanitizer: the same seeds and generators, a
// quarter of the cases (at least one). The Release pass runs every case; a sanitized build runs
// 3-10x slower and checks memory and undefined behaviour, which the first cases already exercise.
#pragma once

namespace ballast::test {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr int kSanitizerDivisor = 4;
#else
inline constexpr int kSanitizerDivisor = 1;
#endif

/// `n` cases in a plain build, n/4 (at least 1) under ASan or TSan.
constexpr int scaled_cases(int n) noexcept {
  return n / kSanitizerDivisor > 0 ? n / kSanitizerDivisor : 1;
}

}  // namespace ballast::test
