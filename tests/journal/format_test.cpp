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

// A record's CRC only says its bytes are the ones written: a broken or hostile writer can still
// put a byte in a bool field that is not 0 or 1 (reading it as a bool is undefined) or a code in
// an enum field that has no name. Every such byte of every event is refused, naming the event
// and the field; every valid one decodes. The oracle is the field's own type: 0/1 for a bool,
// enum_name() for an enum.
TEST(JournalFormat, DecodeRefusesABoolOrEnumFieldHoldingAValueOfNoneOfItsType) {
  int refused = 0, accepted = 0, fields = 0;
  for (const Event& e : test::sample_events()) {
    unsigned char buf[kMaxRecordSize];
    const std::size_t n = encode_record(7, PendingRecord{RecordKind::kInput, e}, buf);
    unsigned char* body = buf + kRecordFrameSize + kPayloadHeaderSize;
    std::visit(
        [&](const auto& ev) {
          visit_fields(ev, [&](const char* name, const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, bool> || std::is_enum_v<V>) {
              ++fields;
              const std::size_t off =
                  static_cast<std::size_t>(reinterpret_cast<const unsigned char*>(&v) -
                                           reinterpret_cast<const unsigned char*>(&ev));
              unsigned char saved[sizeof(V)];
              std::memcpy(saved, body + off, sizeof(V));
              for (unsigned b = 0; b < 256; ++b) {
                std::memset(body + off, 0, sizeof(V));
                body[off] = static_cast<unsigned char>(b);  // little-endian: the low byte
                bool valid = false;
                if constexpr (std::is_same_v<V, bool>) {
                  valid = b <= 1;
                } else {
                  V code{};
                  std::memcpy(&code, body + off, sizeof(V));
                  valid = enum_name(code) != nullptr;
                }
                JournalRecord r;
                const char* why = decode_payload(buf + kRecordFrameSize, n - kRecordFrameSize, r);
                if (valid) {
                  ++accepted;
                  EXPECT_EQ(why, nullptr) << event_name(e) << "." << name << " = " << b;
                } else {
                  ++refused;
                  ASSERT_NE(why, nullptr) << event_name(e) << "." << name << " = " << b;
                  EXPECT_NE(std::string(why).find(std::string(event_name(e)) + " field " + name),
                            std::string::npos)
                      << why;
                }
              }
              std::memcpy(body + off, saved, sizeof(V));
            }
          });
        },
        e);
    JournalRecord r;
    EXPECT_EQ(decode_payload(buf + kRecordFrameSize, n - kRecordFrameSize, r), nullptr);
  }
  EXPECT_GT(fields, 20);
  EXPECT_GT(refused, 20 * 200);
  EXPECT_GT(accepted, 20);
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
