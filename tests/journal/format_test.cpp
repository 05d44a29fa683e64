// Format: every event alternative round-trips byte for byte; headers, names, fingerprint;
// the dump's field lists cover every byte of every event.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

#include "ballast/journal/crc32c.hpp"
#include "ballast/journal/event_fields.hpp"
#include "ballast/journal/format.hpp"
#include "journal_test_support.hpp"

namespace ballast {
namespace {

TEST(JournalFormat, SampleEventsCoverEveryAlternative) {
  const auto events = test::sample_events();
  std::set<std::size_t> seen;
  for (const auto& e : events) seen.insert(e.index());
  EXPECT_EQ(seen.size(), std::variant_size_v<Event>);
}

TEST(JournalFormat, EveryEventAlternativeRoundTripsThroughEncodeDecode) {
  for (const RecordKind kind : {RecordKind::kInput, RecordKind::kIntent}) {
    for (const Event& e : test::sample_events()) {
      unsigned char buf[kMaxRecordSize];
      const std::size_t n = encode_record(42, PendingRecord{kind, e}, buf);
      ASSERT_LE(n, kMaxRecordSize);
      ASSERT_EQ(load_u32(buf), n - kRecordFrameSize);
      ASSERT_EQ(load_u32(buf + 4), crc32c(buf + kRecordFrameSize, n - kRecordFrameSize));
      JournalRecord r;
      ASSERT_EQ(decode_payload(buf + kRecordFrameSize, n - kRecordFrameSize, r), nullptr);
      EXPECT_EQ(r.seq, 42u);
      EXPECT_EQ(r.kind, kind);
      ASSERT_NE(r.event(), nullptr);
      EXPECT_TRUE(test::same_event(*r.event(), e)) << event_name(e);
    }
  }
}

TEST(JournalFormat, MetaRecordsRoundTrip) {
  unsigned char buf[kMaxRecordSize];
  JournalRecord r;
  SessionStart s{9, test::ts(123456789), 4242};
  std::size_t n = encode_record(1, PendingRecord{RecordKind::kSessionStart, s}, buf);
  ASSERT_EQ(decode_payload(buf + 8, n - 8, r), nullptr);
  EXPECT_EQ(std::get<SessionStart>(r.body).epoch, 9u);
  EXPECT_EQ(std::get<SessionStart>(r.body).wall_time.ns, 123456789);
  EXPECT_EQ(std::get<SessionStart>(r.body).pid, 4242u);

  FixSeqCheckpoint c{3, 1001, 2002, test::ts(77)};
  n = encode_record(2, PendingRecord{RecordKind::kFixSeqCheckpoint, c}, buf);
  ASSERT_EQ(decode_payload(buf + 8, n - 8, r), nullptr);
  EXPECT_EQ(std::get<FixSeqCheckpoint>(r.body).session_index, 3u);
  EXPECT_EQ(std::get<FixSeqCheckpoint>(r.body).next_sender, 1001u);
  EXPECT_EQ(std::get<FixSeqCheckpoint>(r.body).next_target, 2002u);
  EXPECT_EQ(std::get<FixSeqCheckpoint>(r.body).time.ns, 77);

  JournalNote note;
  note.text.assign(std::string(300, 'x'));  // cut to 127
  n = encode_record(3, PendingRecord{RecordKind::kNote, note}, buf);
  ASSERT_EQ(decode_payload(buf + 8, n - 8, r), nullptr);
  EXPECT_EQ(std::get<JournalNote>(r.body).text.view(), std::string(kMaxNoteBytes, 'x'));
}

TEST(JournalFormat, DecodeRejectsUnknownKindTypeAndWrongBodySize) {
  unsigned char buf[kMaxRecordSize];
  const Event e = test::sample_events()[0];
  const std::size_t n = encode_record(1, PendingRecord{RecordKind::kInput, e}, buf);
  JournalRecord r;
  unsigned char* p = buf + 8;
  p[8] = 99;
  EXPECT_NE(decode_payload(p, n - 8, r), nullptr);
  p[8] = static_cast<unsigned char>(RecordKind::kInput);
  p[9] = 200;
  EXPECT_NE(decode_payload(p, n - 8, r), nullptr);
  p[9] = 0;
  EXPECT_NE(decode_payload(p, n - 9, r), nullptr);  // one byte short for a QuoteUpdated
  EXPECT_EQ(decode_payload(p, n - 8, r), nullptr);
}

TEST(JournalFormat, SegmentHeaderRoundTripsAndRefusesOtherVersionsAndLayouts) {
  SegmentHeader h;
  h.first_seq = 1001;
  h.segment_index = 7;
  h.created = test::ts(1'700'000'000'000'000'000);
  h.epoch = 3;
  h.engine_version.assign("0.1.0");
  unsigned char buf[kSegmentHeaderSize];
  encode_segment_header(h, buf);
  auto d = decode_segment_header(buf);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d.value().first_seq, 1001u);
  EXPECT_EQ(d.value().segment_index, 7u);
  EXPECT_EQ(d.value().created.ns, h.created.ns);
  EXPECT_EQ(d.value().epoch, 3u);
  EXPECT_EQ(d.value().engine_version.view(), "0.1.0");

  SegmentHeader v2 = h;
  v2.format_version = 2;
  encode_segment_header(v2, buf);
  auto bad = decode_segment_header(buf);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("format version 2"), std::string::npos) << bad.error().message;

  SegmentHeader other = h;
  other.layout_fingerprint ^= 1;
  encode_segment_header(other, buf);
  bad = decode_segment_header(buf);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("event layout fingerprint"), std::string::npos);

  encode_segment_header(h, buf);
  buf[30] ^= 1;
  bad = decode_segment_header(buf);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("CRC32C mismatch"), std::string::npos);
}

TEST(JournalFormat, SegmentFileNamesCarryTheFirstSeqIn20Digits) {
  EXPECT_EQ(segment_file_name(1), "journal-00000000000000000001.seg");
  EXPECT_EQ(parse_segment_file_name("journal-00000000000000001234.seg"), 1234u);
  EXPECT_EQ(parse_segment_file_name("journal-18446744073709551615.seg"), UINT64_MAX);
  EXPECT_FALSE(parse_segment_file_name("journal-18446744073709551616.seg"));
  EXPECT_FALSE(parse_segment_file_name("journal-1234.seg"));
  EXPECT_FALSE(parse_segment_file_name("journal-0000000000000000123x.seg"));
  EXPECT_FALSE(parse_segment_file_name("journal-00000000000000001234.seg.tmp"));
}

// Pinned (issue 14: comparing the fingerprint with its own defining expression could not fail).
// A change of any event's size or alignment, or of the alternatives, changes it: journals written
// before can then no longer be read by this build. If that is intended, update the value here
// and say so in docs/journal.md ("Format").
TEST(JournalFormat, FingerprintIsPinnedToTheEventLayout) {
  static_assert(kEventLayoutFingerprint != 0);
  EXPECT_EQ(kEventLayoutFingerprint, 0x2342734817fb4e3dull)
      << "the event layout changed: journals written by earlier builds are unreadable";
  // It is a function of the layout: another layout (one alternative fewer) hashes differently.
  constexpr auto fewer =
      detail::layout_fingerprint(std::make_index_sequence<std::variant_size_v<Event> - 1>{});
  static_assert(fewer != kEventLayoutFingerprint);
}

// The dump prints every field: the sizes of the fields visit_fields names add up to the
// struct's size minus its padding, for every alternative (a field added to an event and not to
// visit_fields fails here).
template <class T>
std::size_t padding_bytes() {
  alignas(T) unsigned char buf[sizeof(T)];
  std::memset(buf, 0xFF, sizeof buf);
  __builtin_clear_padding(reinterpret_cast<T*>(buf));
  std::size_t n = 0;
  for (unsigned char b : buf) n += b == 0 ? 1 : 0;
  return n;
}

TEST(JournalFormat, VisitFieldsCoversEveryByteOfEveryEvent) {
  for (const Event& e : test::sample_events()) {
    std::visit(
        [&](const auto& ev) {
          using T = std::decay_t<decltype(ev)>;
          std::size_t covered = 0;
          std::set<std::string> names;
          visit_fields(ev, [&](const char* name, const auto& v) {
            covered += sizeof(v);
            EXPECT_TRUE(names.insert(name).second)
                << event_name(e) << " names " << name << " twice";
          });
          EXPECT_EQ(covered + padding_bytes<T>(), sizeof(T)) << event_name(e);
        },
        e);
  }
}

}  // namespace
}  // namespace ballast
