// Session clocks, calendar dates, symbol lookup, Lean file names and the time-ordered merge.
#include "ballast/adapters/market_data_reader.hpp"

#include <cstdio>

#include "ballast/adapters/market_data_text.hpp"

namespace ballast {

namespace {

std::optional<int> digits(std::string_view s) noexcept {
  if (s.empty() || s.size() > 4) return std::nullopt;
  int v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<CivilDate> make_date(int y, int m, int d) noexcept {
  const CivilDate date{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                       std::chrono::day{static_cast<unsigned>(d)}};
  if (!date.ok() || !in_timestamp_range(date)) return std::nullopt;
  return date;
}

}  // namespace

std::optional<CivilDate> parse_iso_date(std::string_view text) noexcept {
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    const auto y = digits(text.substr(0, 4));
    const auto m = digits(text.substr(5, 2));
    const auto d = digits(text.substr(8, 2));
    if (!y || !m || !d) return std::nullopt;
    return make_date(*y, *m, *d);
  }
  if (text.size() == 8) {
    const auto y = digits(text.substr(0, 4));
    const auto m = digits(text.substr(4, 2));
    const auto d = digits(text.substr(6, 2));
    if (!y || !m || !d) return std::nullopt;
    return make_date(*y, *m, *d);
  }
  return std::nullopt;
}

std::optional<CivilDate> parse_us_date(std::string_view text) noexcept {
  const auto s1 = text.find('/');
  if (s1 == std::string_view::npos) return std::nullopt;
  const auto s2 = text.find('/', s1 + 1);
  if (s2 == std::string_view::npos) return std::nullopt;
  const std::string_view m = text.substr(0, s1);
  const std::string_view d = text.substr(s1 + 1, s2 - s1 - 1);
  const std::string_view y = text.substr(s2 + 1);
  if (m.size() > 2 || d.size() > 2 || y.size() != 4) return std::nullopt;
  const auto mv = digits(m);
  const auto dv = digits(d);
  const auto yv = digits(y);
  if (!mv || !dv || !yv) return std::nullopt;
  return make_date(*yv, *mv, *dv);
}

std::string to_string(CivilDate d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

bool in_timestamp_range(CivilDate date) noexcept {
  const int y = static_cast<int>(date.year());
  return date.ok() && y >= kMinTimestampYear && y <= kMaxTimestampYear;
}

Timestamp SessionClock::to_utc(std::int64_t ns_after_midnight) const noexcept {
  BALLAST_INVARIANT(in_timestamp_range(date), "session date outside the Timestamp range");
  const std::int64_t days = std::chrono::sys_days{date}.time_since_epoch().count();
  constexpr std::int64_t kNsPerDay = 86'400LL * 1'000'000'000;
  constexpr std::int64_t kNsPerMinute = 60LL * 1'000'000'000;
  // UTC = local - offset (EDT is UTC-4, so 09:30 EDT is 13:30 UTC).
  return Timestamp{days * kNsPerDay + ns_after_midnight - utc_offset.count() * kNsPerMinute};
}

Result<InstrumentId> resolve_symbol(const InstrumentTable& instruments, std::string_view symbol,
                                    std::string_view context) {
  const InstrumentId id = instruments.find(symbol);
  if (id.valid()) return id;
  std::string msg("unknown symbol '");
  msg.append(symbol);
  msg.append("': not in the instrument table (");
  msg.append(context);
  msg.append(")");
  return Error{std::move(msg)};
}

TimeOrderedMerge::TimeOrderedMerge(std::vector<std::unique_ptr<EventReader>> inputs) {
  inputs_.reserve(inputs.size());
  for (auto& r : inputs) {
    Input in;
    in.done = r == nullptr;
    in.reader = std::move(r);
    inputs_.push_back(std::move(in));
  }
}

std::optional<Event> TimeOrderedMerge::next() {
  if (failed()) return std::nullopt;
  // Refill the heads that were consumed; an input is only read again after its previous event was
  // delivered, which is what keeps "everything before the bad line was delivered" true.
  for (auto& in : inputs_) {
    if (in.done || in.head) continue;
    in.head = in.reader->next();
    if (!in.head) {
      in.done = true;
      if (const Error* e = in.reader->error()) return fail(*e);
      continue;
    }
    const Timestamp t = header(*in.head).event_time;
    if (t < in.last_time) {
      std::string msg(in.reader->position());
      msg.append(": event time ");
      msg.append(std::to_string(t.ns));
      msg.append(" ns is before the previous event's ");
      msg.append(std::to_string(in.last_time.ns));
      msg.append(" ns; a time-ordered merge needs each input in time order");
      return fail(Error{std::move(msg)});
    }
    in.last_time = t;
  }
  std::size_t best = SIZE_MAX;
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    if (!inputs_[i].head) continue;
    // Strictly earlier wins, so equal times go to the lower input index (stable).
    if (best == SIZE_MAX ||
        header(*inputs_[i].head).event_time < header(*inputs_[best].head).event_time) {
      best = i;
    }
  }
  if (best == SIZE_MAX) return std::nullopt;
  last_input_ = best;
  std::optional<Event> out = std::move(inputs_[best].head);
  inputs_[best].head.reset();
  return out;
}

std::string TimeOrderedMerge::position() const {
  if (last_input_ == SIZE_MAX) return {};
  return inputs_[last_input_].reader->position();
}

}  // namespace ballast
