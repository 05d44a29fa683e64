// Segment headers, file names and record encoding (docs/journal.md, "Format").
#include "ballast/journal/format.hpp"

#include <array>
#include <cstdio>
#include <cstring>

#include "ballast/base/enum_names.hpp"
#include "ballast/journal/crc32c.hpp"
#include "ballast/journal/event_fields.hpp"

namespace ballast {

namespace {

// Header byte offsets.
constexpr std::size_t kOffMagic = 0;
constexpr std::size_t kOffVersion = 8;
constexpr std::size_t kOffHeaderSize = 12;
constexpr std::size_t kOffFingerprint = 16;
constexpr std::size_t kOffFirstSeq = 24;
constexpr std::size_t kOffIndex = 32;
constexpr std::size_t kOffCreated = 40;
constexpr std::size_t kOffEpoch = 48;
constexpr std::size_t kOffEngineVersion = 56;  // 32 bytes, NUL-padded
constexpr std::size_t kOffHeaderCrc = 124;     // CRC32C of bytes [0, 124)

void store_u16(unsigned char* p, std::uint16_t v) noexcept {
  std::memcpy(p, &v, 2);
}
void store_u32(unsigned char* p, std::uint32_t v) noexcept {
  std::memcpy(p, &v, 4);
}
void store_u64(unsigned char* p, std::uint64_t v) noexcept {
  std::memcpy(p, &v, 8);
}

std::string hex64(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Per-alternative encode/decode of event bodies, in tables indexed by the variant index.
template <std::size_t I>
std::size_t store_event(const Event& e, unsigned char* out) noexcept {
  using T = std::variant_alternative_t<I, Event>;
  T copy = std::get<I>(e);
  // Padding is indeterminate; zero it so identical events give identical bytes (and CRCs).
  __builtin_clear_padding(&copy);
  std::memcpy(out, &copy, sizeof(T));
  return sizeof(T);
}
template <std::size_t I>
void load_event(const unsigned char* in, Event& e) noexcept {
  using T = std::variant_alternative_t<I, Event>;
  T& t = e.emplace<I>();
  std::memcpy(static_cast<void*>(&t), in, sizeof(T));
}

using StoreFn = std::size_t (*)(const Event&, unsigned char*) noexcept;
using LoadFn = void (*)(const unsigned char*, Event&) noexcept;
constexpr std::size_t kAlternatives = std::variant_size_v<Event>;

template <std::size_t... I>
constexpr std::array<StoreFn, kAlternatives> store_table(std::index_sequence<I...>) {
  return {&store_event<I>...};
}
template <std::size_t... I>
constexpr std::array<LoadFn, kAlternatives> load_table(std::index_sequence<I...>) {
  return {&load_event<I>...};
}
template <std::size_t... I>
constexpr std::array<std::size_t, kAlternatives> size_table(std::index_sequence<I...>) {
  return {sizeof(std::variant_alternative_t<I, Event>)...};
}
constexpr auto kStore = store_table(std::make_index_sequence<kAlternatives>{});
constexpr auto kLoad = load_table(std::make_index_sequence<kAlternatives>{});
constexpr auto kSizes = size_table(std::make_index_sequence<kAlternatives>{});
static_assert(kAlternatives < 256, "the event type is one byte in a record");

/// A loaded event's bytes are its fields' values, each as this build would have written it:
/// a bool is 0 or 1 (any other byte is not a bool value: reading it is undefined), an enum
/// holds a code with a name. The record's CRC only says the bytes are the ones written; a
/// journal from a broken or hostile writer can still carry such a byte. Returns what is wrong
/// (in a per-thread buffer), or nullptr.
const char* check_fields(const Event& e) noexcept {
  thread_local char why[160];
  const char* bad = nullptr;
  std::visit(
      [&](const auto& ev) {
        visit_fields(ev, [&](const char* name, const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if (bad != nullptr) return;
          if constexpr (std::is_same_v<V, bool>) {
            unsigned char b = 0;
            std::memcpy(&b, &v, 1);  // the object's byte, not its (undefined) value
            if (b > 1) {
              std::snprintf(why, sizeof why, "%s field %s holds byte %u, not a bool (0 or 1)",
                            event_name(e), name, static_cast<unsigned>(b));
              bad = why;
            }
          } else if constexpr (std::is_enum_v<V>) {
            if (enum_name(v) == nullptr) {
              std::snprintf(why, sizeof why, "%s field %s holds %u, not a code of its type",
                            event_name(e), name,
                            static_cast<unsigned>(static_cast<std::underlying_type_t<V>>(v)));
              bad = why;
            }
          }
        });
      },
      e);
  return bad;
}

constexpr std::size_t kSessionStartBody = 24;   // u64 epoch, i64 wall ns, u32 pid, u32 zero
constexpr std::size_t kFixCheckpointBody = 32;  // u32 session, u32 zero, u64, u64, i64 time
static_assert(kFixCheckpointBody <= kMaxBodySize && kMaxNoteBytes <= kMaxBodySize);

}  // namespace

const char* to_string(RecordKind k) noexcept {
  static constexpr EnumNames<RecordKind, RecordKind::kNote, RecordKind::kInput> kNames{
      {"input", "intent", "session_start", "fix_seq_checkpoint", "note"}};
  static_assert(static_cast<int>(kNames.size()) == kRecordKindCount, "one name per record kind");
  return kNames.name_or(k, "unknown");
}

void encode_segment_header(const SegmentHeader& h, unsigned char* out) noexcept {
  std::memset(out, 0, kSegmentHeaderSize);
  std::memcpy(out + kOffMagic, kJournalMagic, 8);
  store_u32(out + kOffVersion, h.format_version);
  store_u32(out + kOffHeaderSize, static_cast<std::uint32_t>(kSegmentHeaderSize));
  store_u64(out + kOffFingerprint, h.layout_fingerprint);
  store_u64(out + kOffFirstSeq, h.first_seq);
  store_u64(out + kOffIndex, h.segment_index);
  store_u64(out + kOffCreated, static_cast<std::uint64_t>(h.created.ns));
  store_u64(out + kOffEpoch, h.epoch);
  const std::string_view v = h.engine_version.view();
  std::memcpy(out + kOffEngineVersion, v.data(), v.size() < 31 ? v.size() : 31);
  store_u32(out + kOffHeaderCrc, crc32c(out, kOffHeaderCrc));
}

Result<SegmentHeader> decode_segment_header(const unsigned char* in) {
  if (std::memcmp(in + kOffMagic, kJournalMagic, 8) != 0) {
    return Error{"not a journal segment: the first 8 bytes are not the magic \"BLSTJRNL\""};
  }
  const std::uint32_t stored = load_u32(in + kOffHeaderCrc);
  const std::uint32_t computed = crc32c(in, kOffHeaderCrc);
  if (stored != computed) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "segment header CRC32C mismatch: stored 0x%08x, computed 0x%08x",
                  stored, computed);
    return Error{buf};
  }
  SegmentHeader h;
  h.format_version = load_u32(in + kOffVersion);
  if (h.format_version != kJournalFormatVersion) {
    return Error{"journal format version " + std::to_string(h.format_version) +
                 ", this build reads version " + std::to_string(kJournalFormatVersion) +
                 " only (read it with the build that wrote it)"};
  }
  if (load_u32(in + kOffHeaderSize) != kSegmentHeaderSize) {
    return Error{"segment header size " + std::to_string(load_u32(in + kOffHeaderSize)) +
                 ", expected " + std::to_string(kSegmentHeaderSize)};
  }
  h.layout_fingerprint = load_u64(in + kOffFingerprint);
  h.first_seq = load_u64(in + kOffFirstSeq);
  h.segment_index = load_u64(in + kOffIndex);
  h.created = Timestamp{static_cast<std::int64_t>(load_u64(in + kOffCreated))};
  h.epoch = load_u64(in + kOffEpoch);
  char ver[32] = {};
  std::memcpy(ver, in + kOffEngineVersion, 31);
  h.engine_version.assign(ver);
  if (h.layout_fingerprint != kEventLayoutFingerprint) {
    return Error{"event layout fingerprint " + hex64(h.layout_fingerprint) + " (engine " +
                 std::string(h.engine_version.view()) + ") differs from this build's " +
                 hex64(kEventLayoutFingerprint) +
                 ": the journal was written with different event structs; read it with the build "
                 "that wrote it"};
  }
  if (h.first_seq == 0) return Error{"segment header first record seq is 0, expected >= 1"};
  return h;
}

std::string segment_file_name(std::uint64_t first_seq) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "journal-%020llu.seg", static_cast<unsigned long long>(first_seq));
  return buf;
}

std::optional<std::uint64_t> parse_segment_file_name(std::string_view name) noexcept {
  constexpr std::string_view kPrefix = "journal-";
  constexpr std::string_view kSuffix = ".seg";
  if (name.size() != kPrefix.size() + 20 + kSuffix.size()) return std::nullopt;
  if (name.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  if (name.substr(kPrefix.size() + 20) != kSuffix) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = kPrefix.size(); i < kPrefix.size() + 20; ++i) {
    const char c = name[i];
    if (c < '0' || c > '9') return std::nullopt;
    if (__builtin_mul_overflow(v, 10u, &v) || __builtin_add_overflow(v, unsigned(c - '0'), &v)) {
      return std::nullopt;
    }
  }
  return v;
}

std::size_t encode_record(std::uint64_t seq, const PendingRecord& r, unsigned char* out) noexcept {
  unsigned char* payload = out + kRecordFrameSize;
  unsigned char* body = payload + kPayloadHeaderSize;
  std::size_t body_len = 0;
  std::uint8_t type = 0;
  if (const Event* e = std::get_if<Event>(&r.body)) {
    type = static_cast<std::uint8_t>(e->index());
    body_len = kStore[e->index()](*e, body);
  } else if (const auto* s = std::get_if<SessionStart>(&r.body)) {
    store_u64(body, s->epoch);
    store_u64(body + 8, static_cast<std::uint64_t>(s->wall_time.ns));
    store_u32(body + 16, s->pid);
    store_u32(body + 20, 0);
    body_len = kSessionStartBody;
  } else if (const auto* c = std::get_if<FixSeqCheckpoint>(&r.body)) {
    store_u32(body, c->session_index);
    store_u32(body + 4, 0);
    store_u64(body + 8, c->next_sender);
    store_u64(body + 16, c->next_target);
    store_u64(body + 24, static_cast<std::uint64_t>(c->time.ns));
    body_len = kFixCheckpointBody;
  } else if (const auto* n = std::get_if<JournalNote>(&r.body)) {
    const std::string_view t = n->text.view();
    std::memcpy(body, t.data(), t.size());
    body_len = t.size();
  }
  store_u64(payload, seq);
  payload[8] = static_cast<unsigned char>(r.kind);
  payload[9] = type;
  store_u16(payload + 10, 0);
  const std::size_t payload_len = kPayloadHeaderSize + body_len;
  store_u32(out, static_cast<std::uint32_t>(payload_len));
  store_u32(out + 4, crc32c(payload, payload_len));
  return kRecordFrameSize + payload_len;
}

const char* decode_payload(const unsigned char* p, std::size_t n, JournalRecord& out) noexcept {
  if (n < kPayloadHeaderSize) return "payload shorter than its 12-byte header";
  out.seq = load_u64(p);
  const std::uint8_t kind = p[8];
  const std::uint8_t type = p[9];
  if (p[10] != 0 || p[11] != 0) return "reserved payload bytes 10..11 are not zero";
  const unsigned char* body = p + kPayloadHeaderSize;
  const std::size_t len = n - kPayloadHeaderSize;
  switch (kind) {
    case static_cast<std::uint8_t>(RecordKind::kInput):
    case static_cast<std::uint8_t>(RecordKind::kIntent): {
      if (type >= kAlternatives) return "unknown event type index (newer build?)";
      if (len != kSizes[type]) return "event body size does not match its type's size";
      out.kind = static_cast<RecordKind>(kind);
      Event* e = std::get_if<Event>(&out.body);
      if (e == nullptr) e = &out.body.emplace<Event>();
      kLoad[type](body, *e);
      return check_fields(*e);
    }
    case static_cast<std::uint8_t>(RecordKind::kSessionStart): {
      if (type != 0 || len != kSessionStartBody) return "session_start body is not 24 bytes";
      SessionStart s;
      s.epoch = load_u64(body);
      s.wall_time = Timestamp{static_cast<std::int64_t>(load_u64(body + 8))};
      s.pid = load_u32(body + 16);
      out.kind = RecordKind::kSessionStart;
      out.body = s;
      return nullptr;
    }
    case static_cast<std::uint8_t>(RecordKind::kFixSeqCheckpoint): {
      if (type != 0 || len != kFixCheckpointBody) return "fix_seq_checkpoint body is not 32 bytes";
      FixSeqCheckpoint c;
      c.session_index = load_u32(body);
      c.next_sender = load_u64(body + 8);
      c.next_target = load_u64(body + 16);
      c.time = Timestamp{static_cast<std::int64_t>(load_u64(body + 24))};
      out.kind = RecordKind::kFixSeqCheckpoint;
      out.body = c;
      return nullptr;
    }
    case static_cast<std::uint8_t>(RecordKind::kNote): {
      if (type != 0 || len > kMaxNoteBytes) return "note longer than 127 bytes";
      JournalNote note;
      note.text.assign(std::string_view(reinterpret_cast<const char*>(body), len));
      out.kind = RecordKind::kNote;
      out.body = note;
      return nullptr;
    }
    default:
      return "unknown record kind";
  }
}

}  // namespace ballast
