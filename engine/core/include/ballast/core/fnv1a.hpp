// FNV-1a, 64-bit: the one implementation of the hash the engine compares across runs (the journal
// layout fingerprint, the replay output hash, the run manifest's file hashes). Values must never
// change: they are stored in manifests and compared between binaries.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ballast {

inline constexpr std::uint64_t kFnv1aOffsetBasis = 0xcbf29ce484222325ull;
inline constexpr std::uint64_t kFnv1aPrime = 0x100000001b3ull;

/// One byte into the hash `h`.
constexpr std::uint64_t fnv1a_byte(std::uint64_t h, unsigned char b) noexcept {
  return (h ^ b) * kFnv1aPrime;
}

/// `n` bytes from `p` into the hash `h`.
constexpr std::uint64_t fnv1a_bytes(std::uint64_t h, const unsigned char* p,
                                    std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) h = fnv1a_byte(h, p[i]);
  return h;
}

/// The eight bytes of `v`, least significant first (the same on every byte order), into `h`.
constexpr std::uint64_t fnv1a_u64(std::uint64_t h, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) h = fnv1a_byte(h, static_cast<unsigned char>(v >> (8 * i)));
  return h;
}

// The published FNV-1a 64 test vectors ("a", "foobar"), and fnv1a_u64 as the eight
// little-endian bytes: checked by every build.
static_assert(fnv1a_byte(kFnv1aOffsetBasis, 'a') == 0xaf63dc4c8601ec8cull);
static_assert([] {
  constexpr unsigned char kFoobar[] = {'f', 'o', 'o', 'b', 'a', 'r'};
  return fnv1a_bytes(kFnv1aOffsetBasis, kFoobar, sizeof kFoobar);
}() == 0x85944171f73967e8ull);
static_assert(fnv1a_u64(kFnv1aOffsetBasis, 0x0123456789abcdefull) == 0x37eb3f3347761c55ull);

}  // namespace ballast
