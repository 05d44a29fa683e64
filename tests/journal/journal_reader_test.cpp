// JournalReader and recovery: damage is found and located (segment + byte), a torn tail is cut
// on open, damage in the middle refuses the open and nothing is appended.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ballast/journal/crc32c.hpp"
#include "ballast/journal/journal_reader.hpp"
#include "ballast/journal/journal_writer.hpp"
#include "journal_test_support.hpp"

namespace ballast {
namespace {

using test::TempDir;

// Writes `n` quotes into `dir` in segments of `segment_bytes`; returns every record's
// (segment file, offset).
struct Written {
  std::vector<std::string> files;
  std::vector<std::pair<std::string, std::uint64_t>> where;  // by record seq - 1
};

Written write_journal(const std::string& dir, std::uint64_t n, std::uint64_t segment_bytes = 4096) {
  auto o = test::manual_options(dir);
  o.segment_bytes = segment_bytes;
  auto w = JournalWriter::open(o);
  EXPECT_TRUE(w);
  for (std::uint64_t s = 1; s <= n; ++s) w.value()->append_input(test::quote(s));
  w.value()->stop();
  Written out;
  out.files = test::segment_files(dir);
  JournalReader r = JournalReader::open(dir);
  JournalRecord rec;
  while (r.next(rec)) out.where.emplace_back(r.segments()[rec.segment].path, rec.offset);
  EXPECT_TRUE(r.ok());
  return out;
}

JournalProblem first_problem(const std::string& dir, bool allow_torn = false) {
  JournalReader r = JournalReader::open(dir, ReaderOptions{.allow_torn_tail = allow_torn});
  JournalRecord rec;
  while (r.next(rec)) {
  }
  EXPECT_FALSE(r.ok());
  return r.ok() ? JournalProblem{} : *r.problem();
}

std::uint64_t file_size(const std::string& p) {
  return std::filesystem::file_size(p);
}

TEST(JournalReader, FlippedByteInAnEarlierSegmentIsLocatedBySegmentAndOffset) {
  TempDir d;
  const Written w = write_journal(d.path(), 300);
  ASSERT_GE(w.files.size(), 4u);
  // A record in the second segment: flip a byte inside its payload.
  std::size_t victim = 0;
  while (w.where[victim].first != w.files[1]) ++victim;
  victim += 3;
  const auto [file, offset] = w.where[victim];
  test::flip_byte(file, offset + 8 + 20);
  const JournalProblem p = first_problem(d.path());
  EXPECT_EQ(p.kind, JournalProblemKind::kCorruptRecord);
  EXPECT_EQ(p.segment, file);
  EXPECT_EQ(p.offset, offset);
  EXPECT_NE(p.what.find("CRC32C mismatch"), std::string::npos) << p.what;
  EXPECT_NE(p.message().find(file + ": byte " + std::to_string(offset)), std::string::npos);
}

TEST(JournalReader, FlippedLengthByteIsFoundAsDamageNotATornTail) {
  TempDir d;
  const Written w = write_journal(d.path(), 200, 1 << 20);  // one segment
  ASSERT_EQ(w.files.size(), 1u);
  const auto [file, offset] = w.where[100];
  test::flip_byte(file, offset + 2);  // length becomes huge: "runs past the end"
  const JournalProblem p = first_problem(d.path(), true);
  EXPECT_EQ(p.kind, JournalProblemKind::kCorruptRecord);
  EXPECT_EQ(p.offset, offset);
  EXPECT_NE(p.what.find("valid records follow"), std::string::npos) << p.what;
}

TEST(JournalRecovery, DamageInTheLastSegmentWithValidRecordsAfterItRefusesToAppend) {
  TempDir d;
  const Written w = write_journal(d.path(), 200, 1 << 20);
  const auto [file, offset] = w.where[150];
  test::flip_byte(file, offset + 8 + 30);
  const auto size_before = file_size(file);
  auto o = test::manual_options(d.path());
  auto writer = JournalWriter::open(o);
  ASSERT_FALSE(writer);
  const std::string& msg = writer.error().message;
  EXPECT_NE(msg.find("cannot be opened for append"), std::string::npos) << msg;
  EXPECT_NE(msg.find(file + ": byte " + std::to_string(offset)), std::string::npos) << msg;
  EXPECT_EQ(file_size(file), size_before);  // nothing cut, nothing appended
  EXPECT_EQ(test::segment_files(d.path()).size(), 1u);
}

TEST(JournalRecovery, TruncatedTailIsReportedCutAndAppendedAfter) {
  TempDir d;
  const Written w = write_journal(d.path(), 300);
  const std::string last = w.files.back();
  const auto [last_file, last_offset] = w.where.back();
  ASSERT_EQ(last_file, last);
  std::filesystem::resize_file(last, file_size(last) - 5);  // the last record loses 5 bytes

  const JournalProblem strict = first_problem(d.path(), false);
  EXPECT_EQ(strict.kind, JournalProblemKind::kTornTail);
  EXPECT_EQ(strict.offset, last_offset);

  auto o = test::manual_options(d.path());
  o.segment_bytes = 4096;
  auto writer = JournalWriter::open(o);
  ASSERT_TRUE(writer) << writer.error().message;
  const JournalRecovery& rec = writer.value()->recovery();
  ASSERT_TRUE(rec.torn_tail.has_value());
  EXPECT_EQ(rec.torn_tail->segment, last);
  EXPECT_EQ(rec.torn_tail->offset, last_offset);
  EXPECT_NE(rec.summary(d.path()).find("cut a torn tail"), std::string::npos);
  EXPECT_EQ(rec.last_event_seq, 299u);  // the torn record was quote 300
  EXPECT_EQ(rec.epoch, 2u);
  writer.value()->append_input(test::quote(1));
  writer.value()->stop();

  const auto recs = test::read_all(d.path(), false);
  ASSERT_EQ(recs.size(), 1u + 299u + 1u + 1u);
  EXPECT_EQ(recs[300].kind, RecordKind::kSessionStart);
  EXPECT_EQ(recs[300].seq, 301u);
}

TEST(JournalRecovery, GarbageAfterTheLastRecordIsATornTail) {
  TempDir d;
  const Written w = write_journal(d.path(), 50, 1 << 20);
  const auto good = file_size(w.files.back());
  {
    std::ofstream f(w.files.back(), std::ios::binary | std::ios::app);
    f << std::string(300, '\0');  // a file extended but never written: zeros
  }
  auto writer = JournalWriter::open(test::manual_options(d.path()));
  ASSERT_TRUE(writer) << writer.error().message;
  ASSERT_TRUE(writer.value()->recovery().torn_tail.has_value());
  EXPECT_EQ(writer.value()->recovery().torn_tail->offset, good);
  EXPECT_EQ(writer.value()->recovery().torn_tail->bytes, 300u);
  writer.value()->stop();
  test::read_all(d.path(), false);
}

// Segments are created whole (header written to a temporary file, fsync'ed, renamed), so a
// segment shorter than its header is a lost or truncated file, never a crash: damage, refused.
TEST(JournalRecovery, SegmentShorterThanItsHeaderIsDamageAndRefused) {
  TempDir d;
  const Written w = write_journal(d.path(), 50, 1 << 20);
  const std::string partial = d.sub(segment_file_name(52));
  {
    std::ofstream f(partial, std::ios::binary);
    f << "BLSTJRNL";
  }
  const JournalProblem p = first_problem(d.path(), true);
  EXPECT_EQ(p.kind, JournalProblemKind::kHeader);
  EXPECT_EQ(p.segment, partial);
  EXPECT_NE(p.what.find("shorter than the 128-byte segment header"), std::string::npos) << p.what;
  auto writer = JournalWriter::open(test::manual_options(d.path()));
  ASSERT_FALSE(writer);
  EXPECT_TRUE(std::filesystem::exists(partial));  // nothing removed or written
  EXPECT_EQ(file_size(partial), 8u);
}

// Issue 13 item 7: the only segment truncated to zero bytes (the disk lost it) was taken for a
// torn header, removed, and the journal started over at epoch 1.
TEST(JournalRecovery, ZeroByteSegmentIsDamageNotAFreshJournal) {
  TempDir d;
  const Written w = write_journal(d.path(), 80, 1 << 20);
  ASSERT_EQ(w.files.size(), 1u);
  std::filesystem::resize_file(w.files[0], 0);
  const JournalProblem p = first_problem(d.path(), true);
  EXPECT_EQ(p.kind, JournalProblemKind::kHeader);
  auto writer = JournalWriter::open(test::manual_options(d.path()));
  ASSERT_FALSE(writer);
  EXPECT_NE(writer.error().message.find("0 bytes"), std::string::npos) << writer.error().message;
  EXPECT_EQ(file_size(w.files[0]), 0u);
}

// Issue 13 item 8: with the first segment deleted the reader started at the second one and
// verify said OK.
TEST(JournalRecovery, MissingFirstSegmentIsDetectedAndRefused) {
  TempDir d;
  const Written w = write_journal(d.path(), 300);
  ASSERT_GE(w.files.size(), 3u);
  std::filesystem::remove(w.files[0]);
  const JournalProblem p = first_problem(d.path(), true);
  EXPECT_EQ(p.kind, JournalProblemKind::kMissingSegment);
  EXPECT_EQ(p.segment, w.files[1]);
  EXPECT_NE(p.what.find("a segment file is missing"), std::string::npos) << p.what;
  EXPECT_FALSE(JournalWriter::open(test::manual_options(d.path())));
  // The first two gone: the message names both missing indexes.
  std::filesystem::remove(w.files[1]);
  const JournalProblem p2 = first_problem(d.path(), true);
  EXPECT_EQ(p2.kind, JournalProblemKind::kMissingSegment);
  EXPECT_NE(p2.what.find("segment(s) 0..1"), std::string::npos) << p2.what;
}

TEST(JournalWriter, NewSegmentsAreCreatedWholeUnderATemporaryName) {
  TempDir d;
  {
    // A leftover temporary from a crash while creating a segment is ignored and replaced.
    std::ofstream f(d.sub(segment_file_name(1) + ".tmp"), std::ios::binary);
    f << "BLST";
  }
  const Written w = write_journal(d.path(), 300);
  ASSERT_GE(w.files.size(), 3u);
  for (const auto& e : std::filesystem::directory_iterator(d.path())) {
    EXPECT_EQ(e.path().extension(), ".seg") << e.path();
    EXPECT_GE(std::filesystem::file_size(e.path()), kSegmentHeaderSize);
  }
}

TEST(JournalWriter, MinEpochRaisesTheSessionEpoch) {
  TempDir d;
  auto o = test::manual_options(d.path());
  o.min_epoch = 500;
  {
    auto w = JournalWriter::open(o);
    ASSERT_TRUE(w) << w.error().message;
    EXPECT_EQ(w.value()->epoch(), 500u);
    w.value()->stop();
  }
  o.min_epoch = 10;  // below previous + 1: previous + 1 wins
  auto w = JournalWriter::open(o);
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(w.value()->epoch(), 501u);
  w.value()->stop();
}

TEST(JournalRecovery, MissingMiddleSegmentIsDetectedAndRefused) {
  TempDir d;
  const Written w = write_journal(d.path(), 300);
  ASSERT_GE(w.files.size(), 4u);
  std::filesystem::remove(w.files[2]);
  const JournalProblem p = first_problem(d.path(), true);
  EXPECT_EQ(p.kind, JournalProblemKind::kMissingSegment);
  EXPECT_EQ(p.segment, w.files[3]);
  EXPECT_NE(p.what.find("a segment file is missing"), std::string::npos) << p.what;
  auto writer = JournalWriter::open(test::manual_options(d.path()));
  ASSERT_FALSE(writer);
  EXPECT_NE(writer.error().message.find("segment index 3"), std::string::npos)
      << writer.error().message;
}

TEST(JournalRecovery, SegmentWhoseRecordsDoNotContinueThePreviousOneIsDetected) {
  // Same index sequence, but the record seqs jump: rename the last segment to claim later seqs.
  TempDir d;
  const Written w = write_journal(d.path(), 300);
  const std::string last = w.files.back();
  std::vector<unsigned char> hdr(kSegmentHeaderSize);
  {
    std::ifstream f(last, std::ios::binary);
    f.read(reinterpret_cast<char*>(hdr.data()), kSegmentHeaderSize);
  }
  auto h = decode_segment_header(hdr.data());
  ASSERT_TRUE(h);
  SegmentHeader moved = h.value();
  moved.first_seq += 10;
  encode_segment_header(moved, hdr.data());
  {
    std::fstream f(last, std::ios::in | std::ios::out | std::ios::binary);
    f.write(reinterpret_cast<const char*>(hdr.data()), kSegmentHeaderSize);
  }
  std::filesystem::rename(last, d.sub(segment_file_name(moved.first_seq)));
  const JournalProblem p = first_problem(d.path(), true);
  EXPECT_EQ(p.kind, JournalProblemKind::kMissingSegment);
  EXPECT_NE(p.what.find("are missing"), std::string::npos) << p.what;
}

TEST(JournalReader, OutOfOrderRecordSeqWithAValidCrcIsASequenceError) {
  TempDir d;
  const Written w = write_journal(d.path(), 20, 1 << 20);
  unsigned char buf[kMaxRecordSize];
  const std::size_t n = encode_record(99, PendingRecord{RecordKind::kInput, test::quote(21)}, buf);
  const auto end = file_size(w.files.back());
  {
    std::ofstream f(w.files.back(), std::ios::binary | std::ios::app);
    f.write(reinterpret_cast<const char*>(buf), static_cast<std::streamsize>(n));
  }
  const JournalProblem p = first_problem(d.path(), true);
  EXPECT_EQ(p.kind, JournalProblemKind::kSequence);
  EXPECT_EQ(p.offset, end);
  EXPECT_NE(p.what.find("record seq 99, expected 22"), std::string::npos) << p.what;
}

void rewrite_first_header(const std::string& dir, void (*change)(SegmentHeader&)) {
  const std::string first = test::segment_files(dir).front();
  std::vector<unsigned char> hdr(kSegmentHeaderSize);
  {
    std::ifstream f(first, std::ios::binary);
    f.read(reinterpret_cast<char*>(hdr.data()), kSegmentHeaderSize);
  }
  SegmentHeader h = decode_segment_header(hdr.data()).value();
  change(h);
  encode_segment_header(h, hdr.data());
  std::fstream f(first, std::ios::in | std::ios::out | std::ios::binary);
  f.write(reinterpret_cast<const char*>(hdr.data()), kSegmentHeaderSize);
}

TEST(JournalRecovery, OtherFormatVersionIsRefused) {
  TempDir d;
  write_journal(d.path(), 10);
  rewrite_first_header(d.path(), [](SegmentHeader& h) { h.format_version = 7; });
  EXPECT_EQ(first_problem(d.path()).kind, JournalProblemKind::kVersion);
  auto writer = JournalWriter::open(test::manual_options(d.path()));
  ASSERT_FALSE(writer);
  EXPECT_NE(writer.error().message.find("format version 7, this build reads version 1"),
            std::string::npos)
      << writer.error().message;
}

TEST(JournalRecovery, OtherEventLayoutIsRefused) {
  TempDir d;
  write_journal(d.path(), 10);
  rewrite_first_header(d.path(), [](SegmentHeader& h) { h.layout_fingerprint ^= 0xFF00; });
  const JournalProblem p = first_problem(d.path());
  EXPECT_EQ(p.kind, JournalProblemKind::kLayout);
  EXPECT_EQ(p.offset, 0u);
  auto writer = JournalWriter::open(test::manual_options(d.path()));
  ASSERT_FALSE(writer);
  EXPECT_NE(writer.error().message.find("event layout fingerprint"), std::string::npos);
}

TEST(JournalReader, EmptyOrMissingDirectoryIsAProblemNotACrash) {
  TempDir d;
  EXPECT_EQ(first_problem(d.path()).kind, JournalProblemKind::kNoSegments);
  EXPECT_EQ(first_problem(d.sub("nope")).kind, JournalProblemKind::kIo);
}

TEST(JournalReader, EventSeqMustIncreaseWithinASession) {
  TempDir d;
  auto w = JournalWriter::open(test::manual_options(d.path()));
  ASSERT_TRUE(w);
  w.value()->append_input(test::quote(5));
  w.value()->append_input(test::quote(5));
  w.value()->stop();
  const JournalProblem p = first_problem(d.path());
  EXPECT_EQ(p.kind, JournalProblemKind::kSequence);
  EXPECT_NE(p.what.find("event seq 5 is not above"), std::string::npos) << p.what;
}

}  // namespace
}  // namespace ballast
