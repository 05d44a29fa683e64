// JournalReader: segment listing, header checks, record iteration, torn-tail detection.
#include "ballast/journal/journal_reader.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "ballast/base/enum_names.hpp"
#include "ballast/journal/crc32c.hpp"
#include "ballast/journal/file_io.hpp"

namespace ballast {

namespace {

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (!dir.empty() && dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

}  // namespace

const char* to_string(JournalProblemKind k) noexcept {
  static constexpr EnumNames<JournalProblemKind, JournalProblemKind::kTornTail> kNames{
      {"io", "no_segments", "header", "version", "layout", "missing_segment", "corrupt_record",
       "sequence", "torn_tail"}};
  return kNames.name_or(k, "unknown");
}

std::string JournalProblem::message() const {
  return segment + ": byte " + std::to_string(offset) + ": " + what;
}

JournalReader::JournalReader(JournalReader&& o) noexcept {
  *this = std::move(o);
}

JournalReader& JournalReader::operator=(JournalReader&& o) noexcept {
  if (this == &o) return *this;
  unmap();
  dir_ = std::move(o.dir_);
  opt_ = o.opt_;
  segments_ = std::move(o.segments_);
  problem_ = std::move(o.problem_);
  torn_ = std::move(o.torn_);
  cur_ = o.cur_;
  mapped_ = std::exchange(o.mapped_, false);
  data_ = std::exchange(o.data_, nullptr);
  size_ = o.size_;
  pos_ = o.pos_;
  expected_seq_ = o.expected_seq_;
  last_event_seq_ = o.last_event_seq_;
  epoch_ = o.epoch_;
  records_ = o.records_;
  done_ = o.done_;
  return *this;
}

JournalReader::~JournalReader() {
  unmap();
}

void JournalReader::unmap() noexcept {
  if (mapped_ && data_ != nullptr && size_ > 0) {
    ::munmap(const_cast<unsigned char*>(data_), size_);
  }
  mapped_ = false;
  data_ = nullptr;
}

void JournalReader::fail(JournalProblemKind kind, std::uint64_t offset, std::string what) {
  JournalProblem p;
  p.kind = kind;
  p.segment = cur_ < segments_.size() ? segments_[cur_].path : dir_;
  p.offset = offset;
  p.what = std::move(what);
  problem_ = std::move(p);
  done_ = true;
  unmap();
}

JournalReader JournalReader::open(const std::string& dir, ReaderOptions opt) {
  JournalReader r;
  r.dir_ = dir;
  r.opt_ = opt;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    r.fail(JournalProblemKind::kIo, 0, "cannot open the journal directory: " + errno_text(errno));
    return r;
  }
  std::vector<std::pair<std::uint64_t, std::string>> names;
  while (const dirent* e = ::readdir(d)) {
    if (auto seq = parse_segment_file_name(e->d_name)) names.emplace_back(*seq, e->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  if (names.empty()) {
    r.fail(JournalProblemKind::kNoSegments, 0,
           "no journal segment files (journal-<first seq, 20 digits>.seg) in the directory");
    return r;
  }

  for (std::size_t i = 0; i < names.size(); ++i) {
    SegmentInfo s;
    s.path = join_path(dir, names[i].second);
    r.cur_ = r.segments_.size();
    r.segments_.push_back(s);  // so fail() names it
    const int fd = ::open(s.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      r.fail(JournalProblemKind::kIo, 0, "cannot open: " + errno_text(errno));
      return r;
    }
    struct stat st {};
    unsigned char hdr[kSegmentHeaderSize];
    ssize_t got = -1;
    if (::fstat(fd, &st) == 0) got = ::pread(fd, hdr, sizeof hdr, 0);
    const int err = errno;
    ::close(fd);
    if (got < 0) {
      r.fail(JournalProblemKind::kIo, 0, "cannot read the segment header: " + errno_text(err));
      return r;
    }
    s.size = static_cast<std::uint64_t>(st.st_size);
    if (s.size < kSegmentHeaderSize) {
      // The writer creates a segment under a temporary name and renames it into place once its
      // header is on disk, so no crash leaves a short segment: the file was truncated or lost
      // (e.g. a file system that came back with it empty), and with it every record it held.
      r.fail(JournalProblemKind::kHeader, 0,
             "file is " + std::to_string(s.size) +
                 " bytes, shorter than the 128-byte segment header: the segment was truncated "
                 "(segments are created whole, so a crash cannot leave this) and its records are "
                 "lost");
      return r;
    }
    auto h = decode_segment_header(hdr);
    if (!h) {
      JournalProblemKind kind = JournalProblemKind::kHeader;
      const bool crc_ok =
          std::memcmp(hdr, kJournalMagic, 8) == 0 && load_u32(hdr + 124) == crc32c(hdr, 124);
      if (crc_ok && load_u32(hdr + 8) != kJournalFormatVersion) {
        kind = JournalProblemKind::kVersion;
      } else if (crc_ok && load_u64(hdr + 16) != kEventLayoutFingerprint) {
        kind = JournalProblemKind::kLayout;
      }
      r.fail(kind, 0, h.error().message);
      return r;
    }
    s.header = h.value();
    r.segments_.back() = s;
    if (s.header.first_seq != names[i].first) {
      r.fail(JournalProblemKind::kHeader, 24,
             "header says the first record seq is " + std::to_string(s.header.first_seq) +
                 ", the file name says " + std::to_string(names[i].first));
      return r;
    }
    if (i > 0) {
      const SegmentInfo& prev = r.segments_[i - 1];
      if (s.header.segment_index != prev.header.segment_index + 1) {
        std::string what = "segment index " + std::to_string(s.header.segment_index) +
                           " follows index " + std::to_string(prev.header.segment_index) + " (" +
                           prev.path + "), expected " +
                           std::to_string(prev.header.segment_index + 1);
        if (s.header.segment_index > prev.header.segment_index + 1) {
          what += ": a segment file is missing";
        }
        r.fail(JournalProblemKind::kMissingSegment, 32, std::move(what));
        return r;
      }
    }
  }
  // The first segment present must be the journal's first (index 0, record seq 1): otherwise
  // earlier segments were deleted (or renamed away) and their records are lost.
  if (!r.segments_.empty()) {
    const SegmentHeader& h0 = r.segments_[0].header;
    if (h0.segment_index != 0 || h0.first_seq != 1) {
      r.cur_ = 0;
      r.fail(JournalProblemKind::kMissingSegment, h0.segment_index != 0 ? 32 : 24,
             "the first segment present has index " + std::to_string(h0.segment_index) +
                 " and starts at record seq " + std::to_string(h0.first_seq) +
                 ", expected index 0 at seq 1: segment(s) 0.." +
                 std::to_string(h0.segment_index == 0 ? 0 : h0.segment_index - 1) +
                 " (records 1.." + std::to_string(h0.first_seq == 0 ? 0 : h0.first_seq - 1) +
                 ") are missing: a segment file is missing");
      return r;
    }
  }
  r.cur_ = 0;
  if (!r.segments_.empty()) r.expected_seq_ = r.segments_[0].header.first_seq;
  return r;
}

bool JournalReader::enter_segment(std::size_t i) {
  unmap();
  cur_ = i;
  const SegmentInfo& s = segments_[i];
  if (i > 0 && s.header.first_seq != expected_seq_) {
    std::string what = "segment starts at record seq " + std::to_string(s.header.first_seq) +
                       ", expected " + std::to_string(expected_seq_) +
                       " (the previous segment ended at " + std::to_string(expected_seq_ - 1) + ")";
    if (s.header.first_seq > expected_seq_) {
      what += ": records " + std::to_string(expected_seq_) + ".." +
              std::to_string(s.header.first_seq - 1) + " are missing";
    }
    fail(JournalProblemKind::kMissingSegment, 24, std::move(what));
    return false;
  }
  const int fd = ::open(s.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fail(JournalProblemKind::kIo, 0, "cannot open: " + errno_text(errno));
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    fail(JournalProblemKind::kIo, 0, "cannot stat: " + errno_text(err));
    return false;
  }
  size_ = static_cast<std::uint64_t>(st.st_size);
  void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);
  if (p == MAP_FAILED) {
    fail(JournalProblemKind::kIo, 0, "cannot map: " + errno_text(err));
    return false;
  }
  ::madvise(p, size_, MADV_SEQUENTIAL);
  data_ = static_cast<const unsigned char*>(p);
  mapped_ = true;
  pos_ = kSegmentHeaderSize;
  return true;
}

bool JournalReader::valid_record_after(std::uint64_t from) const noexcept {
  for (std::uint64_t q = from + 1; q + kRecordFrameSize + kPayloadHeaderSize <= size_; ++q) {
    const std::uint32_t len = load_u32(data_ + q);
    if (len < kPayloadHeaderSize || len > kMaxPayloadSize) continue;
    if (q + kRecordFrameSize + len > size_) continue;
    const unsigned char kind = data_[q + kRecordFrameSize + 8];
    if (kind < 1 || kind > kRecordKindCount) continue;
    if (crc32c(data_ + q + kRecordFrameSize, len) == load_u32(data_ + q + 4)) return true;
  }
  return false;
}

// A damaged or partial record at `offset`. In the last segment with nothing valid after it, it
// is a torn tail (a write cut short by a crash or a full disk); anywhere else it is damage.
bool JournalReader::at_problem(std::uint64_t offset, std::string what) {
  const bool last = cur_ + 1 == segments_.size();
  if (last && !valid_record_after(offset)) {
    TornTail t{segments_[cur_].path, offset, size_ - offset, false, what};
    if (opt_.allow_torn_tail) {
      torn_ = std::move(t);
      done_ = true;
      unmap();
      return false;
    }
    fail(JournalProblemKind::kTornTail, offset,
         "torn tail: " + std::to_string(size_ - offset) + " bytes after the last good record (" +
             what + "); opening the journal for append cuts them off");
    return false;
  }
  fail(JournalProblemKind::kCorruptRecord, offset,
       what + (last ? " (valid records follow: damage, not a torn tail)" : ""));
  return false;
}

bool JournalReader::next(JournalRecord& out) {
  if (done_ || problem_) return false;
  for (;;) {
    if (!mapped_) {
      if (cur_ >= segments_.size()) {
        done_ = true;
        return false;
      }
      if (!enter_segment(cur_)) return false;
    }
    if (pos_ == size_) {
      if (cur_ + 1 >= segments_.size()) {
        done_ = true;
        unmap();
        return false;
      }
      // Keep pos_ meaningful for good_end_offset() until the next segment is entered.
      const std::size_t nxt = cur_ + 1;
      unmap();
      cur_ = nxt;
      continue;
    }
    break;
  }
  const std::uint64_t at = pos_;
  const std::uint64_t left = size_ - at;
  if (left < kRecordFrameSize) {
    return at_problem(
        at, "partial record frame: " + std::to_string(left) + " bytes left, a frame is 8");
  }
  const std::uint32_t len = load_u32(data_ + at);
  if (len < kPayloadHeaderSize || len > kMaxPayloadSize) {
    return at_problem(at, "record length " + std::to_string(len) + " out of range [" +
                              std::to_string(kPayloadHeaderSize) + ", " +
                              std::to_string(kMaxPayloadSize) + "]");
  }
  if (len > left - kRecordFrameSize) {
    return at_problem(at, "record of " + std::to_string(len) +
                              " payload bytes runs past the end of the file (" +
                              std::to_string(left - kRecordFrameSize) + " bytes left)");
  }
  const unsigned char* payload = data_ + at + kRecordFrameSize;
  const std::uint32_t stored = load_u32(data_ + at + 4);
  const std::uint32_t computed = crc32c(payload, len);
  if (stored != computed) {
    return at_problem(at, "record CRC32C mismatch: stored " + hex32(stored) + ", computed " +
                              hex32(computed) + " over " + std::to_string(len) + " payload bytes");
  }
  if (const char* why = decode_payload(payload, len, out)) {
    fail(JournalProblemKind::kCorruptRecord, at,
         std::string(why) + " (record with a valid CRC: written by a different build?)");
    return false;
  }
  if (out.seq != expected_seq_) {
    fail(JournalProblemKind::kSequence, at,
         "record seq " + std::to_string(out.seq) + ", expected " + std::to_string(expected_seq_));
    return false;
  }
  if (out.kind == RecordKind::kSessionStart) {
    last_event_seq_ = 0;
    epoch_ = std::get<SessionStart>(out.body).epoch;
  } else if (const Event* e = out.event()) {
    const std::uint64_t s = header(*e).seq;
    if (s != 0) {
      if (s <= last_event_seq_) {
        fail(JournalProblemKind::kSequence, at,
             "event seq " + std::to_string(s) + " is not above the previous event's seq " +
                 std::to_string(last_event_seq_) + " in session epoch " + std::to_string(epoch_));
        return false;
      }
      last_event_seq_ = s;
    }
  }
  out.segment = static_cast<std::uint32_t>(cur_);
  out.offset = at;
  pos_ = at + kRecordFrameSize + len;
  ++expected_seq_;
  ++records_;
  return true;
}

}  // namespace ballast
