// Tape file reader.
#include "ballast/adapters/tape_file.hpp"

#include <array>

namespace ballast {

using md_text::field_error;
using md_text::LineReader;

namespace {

constexpr std::string_view kQuoteLayout = "time_ns,symbol,Q,bid,bid_size,ask,ask_size";
constexpr std::string_view kTradeLayout = "time_ns,symbol,T,price,size";
constexpr std::int64_t kNsPerDay = 86'400LL * 1'000'000'000;

bool is_blank(std::string_view line) noexcept {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

std::string_view trim(std::string_view s) noexcept {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string offset_text(std::chrono::minutes m) {
  const auto v = m.count();
  const auto a = v < 0 ? -v : v;
  std::string out(v < 0 ? "-" : "+");
  const auto hh = a / 60;
  const auto mm = a % 60;
  if (hh < 10) out.push_back('0');
  out.append(std::to_string(hh));
  out.push_back(':');
  if (mm < 10) out.push_back('0');
  out.append(std::to_string(mm));
  return out;
}

/// A price field: exact decimal text with at most 9 decimals; > 0, or >= 0 when zero is allowed.
Result<Price> price_field(const LineReader& in, std::string_view text, std::size_t index,
                          std::string_view name, bool allow_zero) {
  const std::string_view expected =
      allow_zero ? "a decimal price >= 0 with at most 9 decimals (0: side empty)"
                 : "a decimal price > 0 with at most 9 decimals";
  auto p = Price::parse(text);
  if (!p || p.value().raw < 0 || (!allow_zero && p.value().raw == 0)) {
    return field_error(in, index, name, expected, text);
  }
  return p.value();
}

/// A size field: shares, exact decimal text with at most 6 decimals; > 0, or >= 0.
Result<Qty> size_field(const LineReader& in, std::string_view text, std::size_t index,
                       std::string_view name, bool allow_zero) {
  const std::string_view expected = allow_zero ? "a number of shares >= 0 with at most 6 decimals"
                                               : "a number of shares > 0 with at most 6 decimals";
  auto q = Qty::parse(text);
  if (!q || q.value().raw < 0 || (!allow_zero && q.value().raw == 0)) {
    return field_error(in, index, name, expected, text);
  }
  return q.value();
}

}  // namespace

std::optional<std::chrono::minutes> parse_utc_offset(std::string_view text) noexcept {
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') return std::nullopt;
  for (const std::size_t i : {1, 2, 4, 5}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  const int hh = (text[1] - '0') * 10 + (text[2] - '0');
  const int mm = (text[4] - '0') * 10 + (text[5] - '0');
  if (hh > 23 || mm > 59) return std::nullopt;
  const int total = hh * 60 + mm;
  return std::chrono::minutes{text[0] == '-' ? -total : total};
}

TapeFileReader::TapeFileReader(LineReader in, const InstrumentTable& instruments,
                               TapeOptions options)
    : in_(std::move(in)), instruments_(&instruments), options_(std::move(options)) {}

Result<TapeFileReader> TapeFileReader::open(const std::string& path,
                                            const InstrumentTable& instruments,
                                            TapeOptions options) {
  if (options.session && !in_timestamp_range(options.session->date)) {
    std::string msg(md_text::base_name(path));
    msg.append(": the session date given by the caller is not a date in ");
    msg.append(std::to_string(kMinTimestampYear));
    msg.append("..");
    msg.append(std::to_string(kMaxTimestampYear));
    return Error{std::move(msg)};
  }
  auto in = LineReader::open(path);
  if (!in) return in.error();
  TapeFileReader r(std::move(in).value(), instruments, std::move(options));
  if (auto st = r.read_header(); !st) return st.error();
  return r;
}

Status TapeFileReader::read_header() {
  const auto first = in_.next_line();
  if (!first || *first != kTapeMagic) {
    if (in_.read_error()) return *in_.read_error();
    std::string what("expected '");
    what.append(kTapeMagic);
    what.append("' as the first line (a Ballast tape file), got '");
    what.append(first ? first->substr(0, 60) : std::string_view("end of file"));
    what.append("'");
    if (!first) return Error{in_.name() + ":1: " + what};
    return md_text::line_error(in_, what);
  }
  while (const auto line = in_.next_line()) {
    if (is_blank(*line)) continue;
    if (!line->starts_with('#')) {
      first_row_ = std::string(*line);
      break;
    }
    const std::string_view body = trim(line->substr(1));
    const auto colon = body.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = trim(body.substr(0, colon));
    const std::string_view value = trim(body.substr(colon + 1));
    if (key == "date") {
      const auto d = parse_iso_date(value);
      if (!d || value.size() != 10) {
        return md_text::line_error(
            in_, "header 'date': expected a date YYYY-MM-DD, got '" + std::string(value) + "'");
      }
      if (header_.date) return md_text::line_error(in_, "header 'date' given twice");
      header_.date = *d;
    } else if (key == "utc_offset") {
      const auto o = parse_utc_offset(value);
      if (!o) {
        return md_text::line_error(in_,
                                   "header 'utc_offset': expected local time minus UTC as +HH:MM "
                                   "or -HH:MM (-04:00 for US/Eastern daylight time), got '" +
                                       std::string(value) + "'");
      }
      if (header_.utc_offset) return md_text::line_error(in_, "header 'utc_offset' given twice");
      header_.utc_offset = *o;
    }
  }
  if (in_.read_error()) return *in_.read_error();

  const std::string& name = in_.name();
  if (options_.session) {
    const SessionClock& s = *options_.session;
    if (header_.date && *header_.date != s.date) {
      return Error{name + ": the header's date " + to_string(*header_.date) +
                   " contradicts the caller's session date " + to_string(s.date)};
    }
    if (header_.utc_offset && *header_.utc_offset != s.utc_offset) {
      return Error{name + ": the header's utc_offset " + offset_text(*header_.utc_offset) +
                   " contradicts the caller's session offset " + offset_text(s.utc_offset)};
    }
    clock_ = s;
  } else {
    if (!header_.date) {
      return Error{name +
                   ": no '# date: YYYY-MM-DD' header line; expected one before the first row, or "
                   "a session date from the caller (TapeOptions::session)"};
    }
    if (!header_.utc_offset) {
      return Error{name +
                   ": no '# utc_offset: +HH:MM' header line; expected one before the first row, "
                   "or a UTC offset from the caller (TapeOptions::session)"};
    }
    clock_ = SessionClock{*header_.date, *header_.utc_offset};
  }
  if (!first_row_) done_ = true;  // a header and no rows: an empty tape
  return Ok{};
}

std::string TapeFileReader::position() const {
  if (row_line_ == 0) return {};
  return in_.name() + ":" + std::to_string(row_line_);
}

const TapeFileReader::SymbolEntry& TapeFileReader::lookup(std::string_view symbol) {
  // Most recent first: a tape interleaves a few symbols, and runs of one symbol are common.
  if (!symbols_.empty() && symbols_[last_symbol_].symbol == symbol) return symbols_[last_symbol_];
  for (std::size_t i = 0; i < symbols_.size(); ++i) {
    if (symbols_[i].symbol == symbol) {
      last_symbol_ = i;
      return symbols_[i];
    }
  }
  SymbolEntry e;
  e.symbol = std::string(symbol);
  const InstrumentId id = instruments_->find(symbol);
  if (id.valid()) e.id = id;
  if (symbols_.size() >= kMaxCachedSymbols) {  // keep memory flat on a file of random symbols
    uncached_ = std::move(e);
    return uncached_;
  }
  symbols_.push_back(std::move(e));
  last_symbol_ = symbols_.size() - 1;
  return symbols_.back();
}

std::optional<Event> TapeFileReader::next() {
  while (!done_ && !failed()) {
    std::optional<std::string_view> line;
    if (first_row_) {
      line = *first_row_;
    } else {
      line = in_.next_line();
      if (!line) {
        done_ = true;
        if (in_.read_error()) return fail(*in_.read_error());
        return std::nullopt;
      }
      if (is_blank(*line) || line->starts_with('#')) continue;
    }
    row_line_ = in_.line_number();
    auto e = parse_row(*line);
    first_row_.reset();  // after parse_row: `line` may point into it
    if (e) return e;
  }
  return std::nullopt;
}

std::optional<Event> TapeFileReader::parse_row(std::string_view line) {
  std::array<std::string_view, 7> f{};
  const std::size_t n = md_text::split_fields(line, f);
  if (n < 3) {
    return fail(md_text::line_error(in_, "expected a row " + std::string(kQuoteLayout) + " or " +
                                             std::string(kTradeLayout) + ", got " +
                                             std::to_string(n) + (n == 1 ? " field" : " fields")));
  }
  const auto t = md_text::parse_int(f[0]);
  if (!t || *t < 0 || *t >= kNsPerDay || f[0].starts_with('-')) {
    return fail(field_error(in_, 1, "time_ns",
                            "nanoseconds after local midnight, 0 to 86399999999999", f[0]));
  }
  if (*t < last_time_ns_) {
    return fail(field_error(in_, 1, "time_ns",
                            "a time not before the previous row's " + std::to_string(last_time_ns_),
                            f[0]));
  }
  if (f[1].empty() || f[1].find_first_of(" \t") != std::string_view::npos) {
    return fail(field_error(in_, 2, "symbol", "a symbol without spaces", f[1]));
  }
  const bool quote = f[2] == "Q";
  if (!quote && f[2] != "T") return fail(field_error(in_, 3, "kind", "Q or T", f[2]));
  if (quote && n != 7) return fail(md_text::field_count_error(in_, 7, kQuoteLayout, n));
  if (!quote && n != 5) return fail(md_text::field_count_error(in_, 5, kTradeLayout, n));

  const SymbolEntry& sym = lookup(f[1]);
  if (!sym.id && !options_.skip_unknown_symbols) {
    std::string expected("a symbol in the instrument table (unknown symbol '");
    expected.append(sym.symbol);
    expected.append("')");
    return fail(field_error(in_, 2, "symbol", expected, f[1]));
  }
  // Rows checked in full even when skipped, so a skipped row cannot hide a broken file.
  std::optional<Event> out;
  if (quote) {
    const auto bid = price_field(in_, f[3], 4, "bid", true);
    if (!bid) return fail(bid.error());
    const auto bid_size = size_field(in_, f[4], 5, "bid_size", true);
    if (!bid_size) return fail(bid_size.error());
    const auto ask = price_field(in_, f[5], 6, "ask", true);
    if (!ask) return fail(ask.error());
    const auto ask_size = size_field(in_, f[6], 7, "ask_size", true);
    if (!ask_size) return fail(ask_size.error());
    if (sym.id) {
      QuoteUpdated q;
      q.hdr.event_time = clock_.to_utc(*t);
      q.instrument = *sym.id;
      q.bid = bid.value();
      q.bid_size = bid_size.value();
      q.ask = ask.value();
      q.ask_size = ask_size.value();
      out = Event{q};
      ++quotes_;
    }
  } else {
    const auto price = price_field(in_, f[3], 4, "price", false);
    if (!price) return fail(price.error());
    const auto size = size_field(in_, f[4], 5, "size", false);
    if (!size) return fail(size.error());
    if (sym.id) {
      TradePrinted tr;
      tr.hdr.event_time = clock_.to_utc(*t);
      tr.instrument = *sym.id;
      tr.price = price.value();
      tr.size = size.value();
      out = Event{tr};
      ++trades_;
    }
  }
  last_time_ns_ = *t;
  if (!out) ++skipped_;
  return out;
}

Status validate_tape_file(const std::string& path, const InstrumentTable& instruments,
                          TapeOptions options, std::uint64_t* rows) {
  auto r = TapeFileReader::open(path, instruments, std::move(options));
  if (!r) return r.error();
  while (r.value().next()) {
  }
  if (rows != nullptr) *rows = r.value().quotes_read() + r.value().trades_read();
  return r.value().status();
}

}  // namespace ballast
