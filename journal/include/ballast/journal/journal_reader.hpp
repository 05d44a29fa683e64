// JournalReader: iterates a journal's records across segments in order, checking every header,
// length, CRC32C, record sequence number and segment continuity.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ballast/journal/format.hpp"

namespace ballast {

/// What kind of problem a journal has.
enum class JournalProblemKind : std::uint8_t {
  kIo,              ///< a directory or file could not be read
  kNoSegments,      ///< the directory holds no journal-<20 digits>.seg file
  kHeader,          ///< a segment header is damaged, short, or disagrees with its file name
  kVersion,         ///< format version this build does not read
  kLayout,          ///< event-layout fingerprint differs from this build's
  kMissingSegment,  ///< segment indexes or record seqs jump between two segments
  kCorruptRecord,   ///< bad length, CRC mismatch or undecodable payload before the tail
  kSequence,        ///< a record seq out of order, or an event seq not increasing in a session
  kTornTail,        ///< the last segment ends in a partial record (normal after a crash)
};
const char* to_string(JournalProblemKind k) noexcept;

/// A problem, located: which segment file, which byte, what was expected.
struct JournalProblem {
  JournalProblemKind kind{JournalProblemKind::kIo};
  std::string segment;  ///< file path (the directory for directory-level problems)
  std::uint64_t offset{0};
  std::string what;
  /// "<segment>: byte <offset>: <what>"
  std::string message() const;
};

/// A partial record (or a partial segment header) at the end of the last segment.
struct TornTail {
  std::string segment;            ///< file path
  std::uint64_t offset{0};        ///< where the good data ends (the file is cut back to this)
  std::uint64_t bytes{0};         ///< bytes after `offset`
  bool header_incomplete{false};  ///< the whole file is shorter than a segment header
  std::string what;               ///< why the bytes at `offset` are not a record
};

/// One segment file.
struct SegmentInfo {
  std::string path;
  SegmentHeader header;
  std::uint64_t size{0};  ///< file size in bytes when the reader opened it
};

struct ReaderOptions {
  /// true: a torn tail ends the iteration cleanly (see torn_tail()); false: it is a problem.
  bool allow_torn_tail = false;
};

/// Reads a journal directory. Not thread-safe; one reader per thread. Segments are mapped
/// read-only one at a time; records are decoded into the caller's JournalRecord (no allocation
/// per record).
class JournalReader {
 public:
  /// Lists and checks every segment header (version, layout fingerprint, name, index contiguity).
  /// Never fails: check ok() / problem().
  static JournalReader open(const std::string& dir, ReaderOptions opt = {});

  JournalReader(JournalReader&& o) noexcept;
  JournalReader& operator=(JournalReader&& o) noexcept;
  JournalReader(const JournalReader&) = delete;
  JournalReader& operator=(const JournalReader&) = delete;
  ~JournalReader();

  /// Reads the next record into `out`. Returns false at the end of the journal, at a torn tail
  /// (with allow_torn_tail) or at a problem (ok() turns false).
  bool next(JournalRecord& out);

  bool ok() const noexcept { return !problem_.has_value(); }
  const std::optional<JournalProblem>& problem() const noexcept { return problem_; }
  /// Set when the iteration stopped at a torn tail (allow_torn_tail only).
  const std::optional<TornTail>& torn_tail() const noexcept { return torn_; }
  const std::vector<SegmentInfo>& segments() const noexcept { return segments_; }
  const std::string& dir() const noexcept { return dir_; }

  std::uint64_t records_read() const noexcept { return records_; }
  /// Seq of the last good record read (0 before the first).
  std::uint64_t last_seq() const noexcept { return expected_seq_ == 0 ? 0 : expected_seq_ - 1; }
  /// Byte offset just after the last good record in the current segment.
  std::uint64_t good_end_offset() const noexcept { return pos_; }

 private:
  JournalReader() = default;
  bool enter_segment(std::size_t i);
  void unmap() noexcept;
  void fail(JournalProblemKind kind, std::uint64_t offset, std::string what);
  bool at_problem(std::uint64_t offset, std::string what);
  bool valid_record_after(std::uint64_t from) const noexcept;

  std::string dir_;
  ReaderOptions opt_{};
  std::vector<SegmentInfo> segments_;
  std::optional<JournalProblem> problem_;
  std::optional<TornTail> torn_;
  std::size_t cur_ = 0;  // segment being read
  bool mapped_ = false;
  const unsigned char* data_ = nullptr;
  std::uint64_t size_ = 0;
  std::uint64_t pos_ = 0;
  std::uint64_t expected_seq_ = 0;    // next record seq
  std::uint64_t last_event_seq_ = 0;  // in the current session
  std::uint64_t epoch_ = 0;
  std::uint64_t records_ = 0;
  bool done_ = false;
};

}  // namespace ballast
