// CRC32C: the standard check value, RFC 3720 vectors, extension, hardware == software.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ballast/journal/crc32c.hpp"

namespace ballast {
namespace {

TEST(Crc32c, MatchesTheStandardCheckValue) {
  const std::string s = "123456789";
  EXPECT_EQ(crc32c(s.data(), s.size()), 0xE3069283u);
  EXPECT_EQ(crc32c_extend_software(0, s.data(), s.size()), 0xE3069283u);
  EXPECT_EQ(crc32c(s.data(), 0), 0u);
}

TEST(Crc32c, MatchesRfc3720Vectors) {
  std::vector<unsigned char> zeros(32, 0x00), ones(32, 0xFF), inc(32), dec(32);
  for (int i = 0; i < 32; ++i) {
    inc[i] = static_cast<unsigned char>(i);
    dec[i] = static_cast<unsigned char>(31 - i);
  }
  EXPECT_EQ(crc32c(zeros.data(), 32), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), 32), 0x62A8AB43u);
  EXPECT_EQ(crc32c(inc.data(), 32), 0x46DD794Eu);
  EXPECT_EQ(crc32c(dec.data(), 32), 0x113FDB5Cu);
}

TEST(Crc32c, ExtendsAcrossSplitsAndAgreesWithSoftwareAtEveryLengthAndAlignment) {
  std::mt19937 rng(1);
  std::vector<unsigned char> buf(1100);
  for (auto& b : buf) b = static_cast<unsigned char>(rng());
  for (std::size_t start = 0; start < 9; ++start) {
    for (std::size_t n = 0; n + start <= 1030; n += (n < 64 ? 1 : 37)) {
      const std::uint32_t whole = crc32c(buf.data() + start, n);
      ASSERT_EQ(whole, crc32c_extend_software(0, buf.data() + start, n)) << start << " " << n;
      const std::size_t cut = n / 3;
      ASSERT_EQ(crc32c_extend(crc32c(buf.data() + start, cut), buf.data() + start + cut, n - cut),
                whole);
    }
  }
  RecordProperty("hardware", crc32c_hardware() ? "sse4.2" : "software");
}

}  // namespace
}  // namespace ballast
