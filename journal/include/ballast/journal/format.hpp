// The journal's on-disk format: segment header, record framing, record kinds and the event-layout
// fingerprint. docs/journal.md has the byte layout; this header is its single source of truth.
//
// A journal is a directory of append-only segment files `journal-<first record seq, 20
// digits>.seg`. Each starts with a 128-byte header (magic, format version, layout fingerprint,
// first record seq, segment index, creation time, epoch, engine version, CRC32C), followed by
// records:
//   [u32 payload length][u32 CRC32C of the payload][payload]
//   payload = [u64 record seq][u8 kind][u8 type][u16 zero][body]
// Record seqs number every record of the journal 1, 2, 3... with no gaps, across segments and
// sessions. Event bodies are the bytes of the variant alternative `type` (padding zeroed);
// meta bodies are explicit little-endian fields.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "ballast/core/events.hpp"
#include "ballast/core/fixed_string.hpp"
#include "ballast/core/fnv1a.hpp"
#include "ballast/core/result.hpp"
#include "ballast/core/time.hpp"

namespace ballast {

static_assert(std::endian::native == std::endian::little,
              "the journal stores little-endian integers and raw event bytes");

inline constexpr char kJournalMagic[8] = {'B', 'L', 'S', 'T', 'J', 'R', 'N', 'L'};
/// Bumped whenever the byte layout of headers, framing or meta bodies changes.
inline constexpr std::uint32_t kJournalFormatVersion = 1;
inline constexpr std::size_t kSegmentHeaderSize = 128;
inline constexpr std::size_t kRecordFrameSize = 8;     ///< u32 length + u32 CRC
inline constexpr std::size_t kPayloadHeaderSize = 12;  ///< u64 seq, u8 kind, u8 type, u16 zero
inline constexpr std::size_t kMaxNoteBytes = 127;
/// Largest body of any record kind (events are at most 192 bytes, see events.hpp).
inline constexpr std::size_t kMaxBodySize = 256;
inline constexpr std::size_t kMaxPayloadSize = kPayloadHeaderSize + kMaxBodySize;
inline constexpr std::size_t kMaxRecordSize = kRecordFrameSize + kMaxPayloadSize;
static_assert(sizeof(Event) <= kMaxBodySize);

/// What a record holds.
enum class RecordKind : std::uint8_t {
  kInput = 1,         ///< an input event, in the core loop's sequence order (replay feeds these)
  kIntent = 2,        ///< an outbound intent (SubmitOrder, CancelOrder, ...), emitted by the core
  kSessionStart = 3,  ///< a writer opened the journal: epoch (restart counter), time, pid
  kFixSeqCheckpoint = 4,  ///< a FIX session's next sender/target sequence numbers
  kNote = 5,              ///< free-form text (operator notes, markers)
};
inline constexpr int kRecordKindCount = 5;
const char* to_string(RecordKind k) noexcept;
constexpr bool is_event_kind(RecordKind k) noexcept {
  return k == RecordKind::kInput || k == RecordKind::kIntent;
}

/// First record of every writer session. `epoch` counts sessions: 1 for a new journal, then the
/// previous session's epoch + 1 at each open.
struct SessionStart {
  std::uint64_t epoch{0};
  Timestamp wall_time{};
  std::uint32_t pid{0};
};

/// A FIX session's sequence numbers at a point in the journal (for resuming after a restart).
struct FixSeqCheckpoint {
  std::uint32_t session_index{0};
  std::uint64_t next_sender{0};  ///< next MsgSeqNum we send
  std::uint64_t next_target{0};  ///< next MsgSeqNum we expect
  Timestamp time{};
};

/// Free-form text, at most kMaxNoteBytes (longer text is cut).
struct JournalNote {
  FixedString<kMaxNoteBytes + 1> text;
};

using RecordBody = std::variant<Event, SessionStart, FixSeqCheckpoint, JournalNote>;

/// A record before it has a sequence number: what the core thread hands to the writer.
struct PendingRecord {
  RecordKind kind{RecordKind::kInput};
  RecordBody body{};
};
static_assert(std::is_trivially_copyable_v<PendingRecord>);

/// A record read back from a journal.
struct JournalRecord {
  std::uint64_t seq{0};  ///< record seq (1, 2, 3... across the journal)
  RecordKind kind{RecordKind::kInput};
  RecordBody body{};
  std::uint32_t segment{0};  ///< position in JournalReader::segments()
  std::uint64_t offset{0};   ///< byte offset of the record's frame in its segment file

  const Event* event() const noexcept { return std::get_if<Event>(&body); }
};

namespace detail {
template <std::size_t... I>
constexpr std::uint64_t layout_fingerprint(std::index_sequence<I...>) noexcept {
  std::uint64_t h = kFnv1aOffsetBasis;
  h = fnv1a_u64(h, std::variant_size_v<Event>);
  h = fnv1a_u64(h, sizeof(Event));
  h = fnv1a_u64(h, alignof(Event));
  ((h = fnv1a_u64(fnv1a_u64(fnv1a_u64(h, I), sizeof(std::variant_alternative_t<I, Event>)),
                  alignof(std::variant_alternative_t<I, Event>))),
   ...);
  return h;
}
}  // namespace detail

/// Hash over the Event variant's size and alignment and every alternative's index, size and
/// alignment. A journal written by a build with a different value cannot be read by this one.
inline constexpr std::uint64_t kEventLayoutFingerprint =
    detail::layout_fingerprint(std::make_index_sequence<std::variant_size_v<Event>>{});

/// The fields of a segment header.
struct SegmentHeader {
  std::uint32_t format_version{kJournalFormatVersion};
  std::uint64_t layout_fingerprint{kEventLayoutFingerprint};
  std::uint64_t first_seq{1};      ///< record seq of the segment's first record
  std::uint64_t segment_index{0};  ///< 0, 1, 2... contiguous across the journal
  Timestamp created{};
  std::uint64_t epoch{0};  ///< writer session that created the segment
  FixedString<32> engine_version;
};

/// Writes `h` as the 128-byte on-disk header (with its CRC) into `out`.
void encode_segment_header(const SegmentHeader& h, unsigned char* out) noexcept;

/// Reads a 128-byte header. Fails (message says what was expected) on a bad magic or CRC, on a
/// format version other than kJournalFormatVersion, or a layout fingerprint other than this
/// build's.
Result<SegmentHeader> decode_segment_header(const unsigned char* in);

/// "journal-00000000000000000001.seg"
std::string segment_file_name(std::uint64_t first_seq);
/// The first seq in a segment file name, or nullopt when `name` is not one.
std::optional<std::uint64_t> parse_segment_file_name(std::string_view name) noexcept;

/// Encodes one record (frame + payload) into `out` (at least kMaxRecordSize bytes); returns its
/// size. Event bodies have their padding zeroed. No allocation.
std::size_t encode_record(std::uint64_t seq, const PendingRecord& r, unsigned char* out) noexcept;

/// Decodes a payload whose CRC was checked. Returns nullptr, or a description of what is wrong
/// (unknown kind/type, a body size that does not match the type, nonzero reserved bytes, a bool
/// field that is not 0/1 or an enum field with a code of no name): static text, or for a field a
/// per-thread buffer valid until this thread's next decode. On a refusal `out` holds nothing
/// usable.
const char* decode_payload(const unsigned char* payload, std::size_t n,
                           JournalRecord& out) noexcept;

/// Reads a little-endian u32 / u64 at p.
inline std::uint32_t load_u32(const unsigned char* p) noexcept {
  std::uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}
inline std::uint64_t load_u64(const unsigned char* p) noexcept {
  std::uint64_t v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

}  // namespace ballast
