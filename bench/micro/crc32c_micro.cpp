// CRC32C (journal/): the checksum the journal writer puts on every record and the reader checks,
// over 64, 256 and 4096 bytes of encoded journal records (the inbound event mix of a trading
// day, encoded by encode_record; fixture shared with journal_bench, journal_fixture.hpp), with
// the dispatching crc32c (SSE4.2 where the CPU has it) and the portable slicing-by-8 fallback.
// Each answer is checked against the other implementation's.
#include <cstdint>
#include <cstring>
#include <vector>

#include "../journal_fixture.hpp"
#include "ballast/journal/crc32c.hpp"
#include "ballast/journal/format.hpp"
#include "micro_check.hpp"

namespace ballast::micro {
namespace {

constexpr std::size_t kWindows = 16;  // the buffers checksummed in turn, 4 KiB apart

// 68 KiB of encoded records, back to back as in a segment file.
const std::vector<unsigned char>& journal_bytes() {
  static const std::vector<unsigned char> bytes = [] {
    std::vector<unsigned char> b;
    unsigned char rec[kMaxRecordSize];
    std::uint64_t seq = 0;
    for (const Event& e : bench::make_journal_events(4096)) {
      const std::size_t n = encode_record(++seq, PendingRecord{RecordKind::kInput, e}, rec);
      b.insert(b.end(), rec, rec + n);
      if (b.size() >= (kWindows + 1) * 4096) break;
    }
    return b;
  }();
  return bytes;
}

// dispatch: crc32c (what the journal calls); otherwise the portable crc32c_extend_software.
void BM_Crc32c(benchmark::State& state, bool dispatch) {
  const std::size_t n = static_cast<std::size_t>(state.range(0));
  const std::vector<unsigned char>& bytes = journal_bytes();
  if (bytes.size() < (kWindows - 1) * 4096 + n || crc32c("123456789", 9) != 0xE3069283u ||
      crc32c_extend_software(0, "123456789", 9) != 0xE3069283u) {
    fail(state, "crc32c fixture: too few journal bytes, or the check value 0xE3069283 is wrong");
    return;
  }
  // The expected value of each window from the other implementation.
  std::uint32_t expected[kWindows];
  for (std::size_t w = 0; w < kWindows; ++w) {
    const unsigned char* p = bytes.data() + w * 4096;
    expected[w] = dispatch ? crc32c_extend_software(0, p, n) : crc32c(p, n);
  }
  std::size_t w = 0;
  for (auto _ : state) {
    const unsigned char* p = bytes.data() + w * 4096;
    benchmark::DoNotOptimize(p);
    const std::uint32_t c = dispatch ? crc32c(p, n) : crc32c_extend_software(0, p, n);
    benchmark::DoNotOptimize(c);
    if (c != expected[w]) {
      fail(state, "crc32c differs from the other implementation on the same bytes");
      break;
    }
    w = (w + 1) % kWindows;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(n));
  state.SetLabel(dispatch ? (crc32c_hardware() ? "sse4.2" : "software") : "slicing-by-8");
}
BENCHMARK_CAPTURE(BM_Crc32c, dispatch, true)->Arg(64)->Arg(256)->Arg(4096);
BENCHMARK_CAPTURE(BM_Crc32c, software, false)->Arg(64)->Arg(256)->Arg(4096);

}  // namespace
}  // namespace ballast::micro
