// CRC32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of every journal record and
// segment header. Hardware (SSE4.2 crc32 instruction) when the CPU has it, slicing-by-8 otherwise.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ballast {

/// CRC32C of `n` bytes. crc32c("123456789") == 0xE3069283. Thread: any; no allocation.
[[nodiscard]] std::uint32_t crc32c(const void* data, std::size_t n) noexcept;

/// Continues a CRC32C: crc32c_extend(crc32c(a), b) == crc32c(a followed by b).
[[nodiscard]] std::uint32_t crc32c_extend(std::uint32_t crc, const void* data,
                                          std::size_t n) noexcept;

/// The table-driven (slicing-by-8) implementation, whatever the CPU; for tests and benchmarks.
[[nodiscard]] std::uint32_t crc32c_extend_software(std::uint32_t crc, const void* data,
                                                   std::size_t n) noexcept;

/// Whether crc32c() uses the SSE4.2 instruction on this machine.
[[nodiscard]] bool crc32c_hardware() noexcept;

}  // namespace ballast
