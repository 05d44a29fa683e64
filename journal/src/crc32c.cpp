// CRC32C: slicing-by-8 tables built at compile time; SSE4.2 chosen at load time when present.
#include "ballast/journal/crc32c.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ballast {

namespace {

constexpr std::uint32_t kPoly = 0x82F63B78u;  // Castagnoli, bit-reflected

using Tables = std::array<std::array<std::uint32_t, 256>, 8>;

constexpr Tables make_tables() {
  Tables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) != 0 ? (c >> 1) ^ kPoly : c >> 1;
    t[0][i] = c;
  }
  for (std::size_t s = 1; s < 8; ++s) {
    for (std::size_t i = 0; i < 256; ++i) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFFu];
  }
  return t;
}

constexpr Tables kTables = make_tables();

std::uint32_t sw_update(std::uint32_t c, const unsigned char* p, std::size_t n) noexcept {
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);  // little-endian host (static_assert in format.hpp)
    const std::uint32_t lo = static_cast<std::uint32_t>(w) ^ c;
    const std::uint32_t hi = static_cast<std::uint32_t>(w >> 32);
    c = kTables[7][lo & 0xFFu] ^ kTables[6][(lo >> 8) & 0xFFu] ^ kTables[5][(lo >> 16) & 0xFFu] ^
        kTables[4][lo >> 24] ^ kTables[3][hi & 0xFFu] ^ kTables[2][(hi >> 8) & 0xFFu] ^
        kTables[1][(hi >> 16) & 0xFFu] ^ kTables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = (c >> 8) ^ kTables[0][(c ^ *p++) & 0xFFu];
  return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t hw_update(std::uint32_t c, const unsigned char* p,
                                                          std::size_t n) noexcept {
  std::uint64_t c64 = c;
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    c64 = _mm_crc32_u64(c64, w);
    p += 8;
    n -= 8;
  }
  c = static_cast<std::uint32_t>(c64);
  while (n-- > 0) c = _mm_crc32_u8(c, *p++);
  return c;
}
#endif

using UpdateFn = std::uint32_t (*)(std::uint32_t, const unsigned char*, std::size_t) noexcept;

UpdateFn choose() noexcept {
#if defined(__x86_64__)
  // Needed when this runs from a static initializer, before the CPU-model constructor.
  __builtin_cpu_init();
  if (__builtin_cpu_supports("sse4.2")) return &hw_update;
#endif
  return &sw_update;
}

const UpdateFn g_update = choose();

}  // namespace

std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t n) noexcept {
  // g_update is null only if called from another translation unit's static initializer first.
  const UpdateFn f = g_update != nullptr ? g_update : choose();
  return ~f(~crc, static_cast<const unsigned char*>(data), n);
}

std::uint32_t crc32c(const void* data, std::size_t n) noexcept {
  return crc32c_extend(0, data, n);
}

std::uint32_t crc32c_extend_software(std::uint32_t crc, const void* data, std::size_t n) noexcept {
  return ~sw_update(~crc, static_cast<const unsigned char*>(data), n);
}

bool crc32c_hardware() noexcept {
#if defined(__x86_64__)
  return choose() == &hw_update;
#else
  return false;
#endif
}

}  // namespace ballast
