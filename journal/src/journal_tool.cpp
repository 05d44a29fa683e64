// journal verify / dump: summaries and one line per record (text or JSON lines).
#include "ballast/journal/journal_tool.hpp"

#include <array>
#include <charconv>
#include <cstdio>
#include <ostream>
#include <type_traits>
#include <utility>
#include <vector>

#include "ballast/journal/event_fields.hpp"
#include "ballast/journal/journal_reader.hpp"

namespace ballast {

namespace {

template <class V>
concept FixedPoint = requires(const V& v) {
  v.raw;
  V::kDecimals;
  v.to_string();
};
template <class V>
concept IdType = requires(const V& v) {
  typename V::rep_type;
  v.valid();
  v.value;
};
template <class V>
concept TextField = requires(const V& v) {
  v.view();
};

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
}

template <class I>
void append_int(std::string& out, I v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Writes fields as ` name=value` (text) or `,"name":value` (JSON).
class FieldWriter {
 public:
  FieldWriter(std::string& out, bool json) noexcept : out_(out), json_(json) {}

  template <class V>
  void operator()(const char* name, const V& v) {
    if (json_) {
      out_ += ",\"";
      out_ += name;
      out_ += "\":";
    } else {
      out_ += ' ';
      out_ += name;
      out_ += '=';
    }
    value(v);
  }

 private:
  template <class V>
  void value(const V& v) {
    if constexpr (std::is_same_v<V, bool>) {
      out_ += v ? "true" : "false";
    } else if constexpr (std::is_enum_v<V>) {
      const char* n = enum_name(v);
      if (n != nullptr) {
        if (json_) out_ += '"';
        out_ += n;
        if (json_) out_ += '"';
      } else {
        // A value this build has no name for: the number, so nothing is hidden.
        append_int(out_, static_cast<unsigned>(static_cast<std::underlying_type_t<V>>(v)));
      }
    } else if constexpr (std::is_integral_v<V>) {
      if constexpr (sizeof(V) == 1) {
        append_int(out_, static_cast<unsigned>(v));
      } else {
        append_int(out_, v);
      }
    } else if constexpr (std::is_floating_point_v<V>) {
      if (v != v || v == std::numeric_limits<V>::infinity() ||
          v == -std::numeric_limits<V>::infinity()) {
        out_ += json_ ? "null" : (v != v ? "nan" : (v > 0 ? "inf" : "-inf"));
      } else {
        char buf[40];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        out_.append(buf, r.ptr);
      }
    } else if constexpr (std::is_same_v<V, Timestamp>) {
      if (json_) {
        append_int(out_, v.ns);
      } else {
        out_ += v.ns == 0 ? "0" : format_utc(v);
      }
    } else if constexpr (FixedPoint<V>) {
      char buf[48];
      const std::size_t n = v.format(buf);
      if (json_) out_ += '"';
      out_.append(buf, n);
      if (json_) out_ += '"';
    } else if constexpr (IdType<V>) {
      if (!v.valid()) {
        out_ += json_ ? "null" : "none";
      } else {
        append_int(out_, v.value);
      }
    } else if constexpr (TextField<V>) {
      append_json_string(out_, v.view());
    } else {
      static_assert(sizeof(V) == 0, "visit_fields produced a field type the dump cannot print");
    }
  }

  std::string& out_;
  bool json_;
};

std::vector<std::pair<std::string, std::string>> field_texts(const Event& e) {
  std::vector<std::pair<std::string, std::string>> out;
  std::visit(
      [&](const auto& ev) {
        visit_fields(ev, [&](const char* name, const auto& v) {
          std::string text;
          FieldWriter w(text, false);
          w(name, v);  // " name=value"
          out.emplace_back(name, text.substr(std::string_view(name).size() + 2));
        });
      },
      e);
  return out;
}

void format_record(const JournalRecord& r, std::string_view segment, bool json, std::string& out) {
  const char* type = nullptr;
  if (const Event* e = r.event()) type = event_name(*e);
  if (json) {
    out += "{\"rec\":";
    append_int(out, r.seq);
    out += ",\"kind\":\"";
    out += to_string(r.kind);
    out += '"';
    if (!segment.empty()) {
      out += ",\"segment\":";
      append_json_string(out, segment);
      out += ",\"offset\":";
      append_int(out, r.offset);
    }
    if (type != nullptr) {
      out += ",\"event\":\"";
      out += type;
      out += '"';
    }
  } else {
    out += '#';
    append_int(out, r.seq);
    out += ' ';
    out += to_string(r.kind);
    if (type != nullptr) {
      out += ' ';
      out += type;
    }
  }
  FieldWriter w(out, json);
  std::visit(
      [&](const auto& body) {
        using B = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<B, Event>) {
          std::visit([&](const auto& ev) { visit_fields(ev, w); }, body);
        } else {
          visit_fields(body, w);
        }
      },
      r.body);
  if (json) out += '}';
}

std::string file_name(const std::string& path) {
  const auto p = path.find_last_of('/');
  return p == std::string::npos ? path : path.substr(p + 1);
}

}  // namespace

std::string describe_event_difference(const Event& journal, const Event& replay) {
  if (journal.index() != replay.index()) {
    return std::string("event type: journal ") + event_name(journal) + ", replay " +
           event_name(replay);
  }
  const auto a = field_texts(journal);
  const auto b = field_texts(replay);
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i].second != b[i].second) {
      return std::string(event_name(journal)) + "." + a[i].first + ": journal " + a[i].second +
             ", replay " + b[i].second;
    }
  }
  return {};
}

std::string format_utc(Timestamp t) {
  // Howard Hinnant's civil_from_days.
  std::int64_t secs = t.ns / 1'000'000'000;
  std::int64_t nanos = t.ns % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --secs;
  }
  std::int64_t days = secs / 86'400;
  std::int64_t sod = secs % 86'400;
  if (sod < 0) {
    sod += 86'400;
    --days;
  }
  const std::int64_t z = days + 719'468;
  const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const std::int64_t doe = z - era * 146'097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[160];  // room for any int64 in every field (GCC checks -Wformat-truncation)
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09lldZ",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(sod / 3600), static_cast<long long>(sod / 60 % 60),
                static_cast<long long>(sod % 60), static_cast<long long>(nanos));
  return buf;
}

void format_record_text(const JournalRecord& r, std::string& out) {
  format_record(r, {}, false, out);
}

void format_record_json(const JournalRecord& r, std::string_view segment, std::string& out) {
  format_record(r, segment, true, out);
}

int journal_verify(const std::string& dir, std::ostream& out, std::ostream& err,
                   const VerifyOptions& opt) {
  JournalReader reader = JournalReader::open(dir, ReaderOptions{.allow_torn_tail = true});
  std::array<std::uint64_t, kRecordKindCount + 1> by_kind{};
  std::array<std::uint64_t, std::variant_size_v<Event>> by_event{};
  std::uint64_t first_seq = 0, last_seq = 0, sessions = 0, first_epoch = 0, last_epoch = 0;
  std::uint64_t min_event_seq = 0, max_event_seq = 0;
  Timestamp first_time{}, last_time{};
  JournalRecord rec;
  while (reader.next(rec)) {
    if (first_seq == 0) first_seq = rec.seq;
    last_seq = rec.seq;
    ++by_kind[static_cast<std::size_t>(rec.kind)];
    if (rec.kind == RecordKind::kSessionStart) {
      const auto& s = std::get<SessionStart>(rec.body);
      if (sessions == 0) first_epoch = s.epoch;
      last_epoch = s.epoch;
      ++sessions;
    } else if (const Event* e = rec.event()) {
      ++by_event[e->index()];
      const EventHeader& h = header(*e);
      if (h.seq != 0) {
        if (min_event_seq == 0 || h.seq < min_event_seq) min_event_seq = h.seq;
        if (h.seq > max_event_seq) max_event_seq = h.seq;
      }
      if (h.receive_time.ns != 0) {
        if (first_time.ns == 0) first_time = h.receive_time;
        last_time = h.receive_time;
      }
    }
  }
  if (!reader.ok()) {
    const JournalProblem& p = *reader.problem();
    err << "journal " << dir << ": DAMAGED (" << to_string(p.kind) << ")\n" << p.message() << '\n';
    if (reader.records_read() > 0) {
      err << reader.records_read() << " good record(s) before it, seq " << first_seq << ".."
          << last_seq << '\n';
    } else {
      err << "found before any record was read\n";
    }
    return 1;
  }
  const auto& segs = reader.segments();
  if (!segs.empty() && sessions == 0) {
    // Every run writes session_start right after a segment's header: segments without one lost
    // their records (e.g. cut back to the header), however clean what is left reads.
    err << "journal " << dir << ": DAMAGED (no_records)\n"
        << segs.size() << " segment(s) but no session_start record: every run begins with one, "
        << "so the journal's records were lost; " << reader.records_read() << " record(s) read\n";
    return 1;
  }
  std::uint64_t bytes = 0;
  for (const auto& s : segs) bytes += s.size;
  const bool torn = reader.torn_tail().has_value();
  std::ostream& o = torn && opt.strict ? err : out;
  o << "journal " << dir << ": " << (torn ? (opt.strict ? "TORN TAIL" : "OK (torn tail)") : "OK")
    << '\n';
  if (torn) {
    const TornTail& t = *reader.torn_tail();
    o << "torn tail: " << t.segment << ": byte " << t.offset << ": " << t.bytes << " byte(s) ("
      << t.what << "); the next open for append cuts "
      << (t.header_incomplete ? "the file" : "them") << " off\n";
  }
  if (!segs.empty()) {
    o << "segments: " << segs.size() << " (" << file_name(segs.front().path) << " .. "
      << file_name(segs.back().path) << ", index " << segs.front().header.segment_index << ".."
      << segs.back().header.segment_index << "), " << bytes << " bytes\n";
  } else {
    o << "segments: 0\n";
  }
  o << "records: " << reader.records_read();
  if (reader.records_read() > 0) o << ", seq " << first_seq << ".." << last_seq;
  o << '\n';
  o << "by kind:";
  for (int k = 1; k <= kRecordKindCount; ++k) {
    o << (k > 1 ? ", " : " ") << to_string(static_cast<RecordKind>(k)) << ' ' << by_kind[k];
  }
  o << '\n';
  bool any = false;
  o << "by event:";
  for (std::size_t i = 0; i < by_event.size(); ++i) {
    if (by_event[i] == 0) continue;
    Event probe;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((I == i ? (void)probe.emplace<I>() : (void)0), ...);
    }
    (std::make_index_sequence<std::variant_size_v<Event>>{});
    o << (any ? ", " : " ") << event_name(probe) << ' ' << by_event[i];
    any = true;
  }
  o << (any ? "\n" : " none\n");
  o << "sessions: " << sessions;
  if (sessions > 0) o << " (epoch " << first_epoch << ".." << last_epoch << ")";
  o << '\n';
  if (max_event_seq > 0) o << "event seq: " << min_event_seq << ".." << max_event_seq << '\n';
  if (first_time.ns != 0) {
    o << "receive time: " << format_utc(first_time) << " .. " << format_utc(last_time) << '\n';
  }
  if (!segs.empty()) {
    char fp[24];
    std::snprintf(fp, sizeof fp, "0x%016llx",
                  static_cast<unsigned long long>(segs.back().header.layout_fingerprint));
    o << "format version " << segs.back().header.format_version << ", event layout " << fp
      << ", engine " << segs.back().header.engine_version.view() << '\n';
  }
  return torn && opt.strict ? 1 : 0;
}

int journal_dump(const std::string& dir, std::ostream& out, std::ostream& err,
                 const DumpOptions& opt) {
  JournalReader reader = JournalReader::open(dir, ReaderOptions{.allow_torn_tail = true});
  JournalRecord rec;
  std::string line;
  std::vector<std::string> names;
  for (const auto& s : reader.segments()) names.push_back(file_name(s.path));
  while (reader.next(rec)) {
    if (rec.seq < opt.from_seq) continue;
    if (rec.seq > opt.to_seq) break;
    if (opt.events_only && !is_event_kind(rec.kind)) continue;
    line.clear();
    if (opt.format == DumpFormat::kJson) {
      format_record_json(rec, rec.segment < names.size() ? names[rec.segment] : "", line);
    } else {
      format_record_text(rec, line);
    }
    line += '\n';
    out << line;
  }
  if (!reader.ok()) {
    err << "journal " << dir << ": " << reader.problem()->message() << '\n';
    return 1;
  }
  if (const auto& t = reader.torn_tail()) {
    err << "journal " << dir << ": torn tail at " << t->segment << " byte " << t->offset << ": "
        << t->bytes << " byte(s) (" << t->what << ")\n";
  }
  return 0;
}

}  // namespace ballast
