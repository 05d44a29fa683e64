// Lean/AlgoSeek tick and minute-bar readers.
#include "ballast/adapters/market_data_lean.hpp"

#include <array>
#include <cctype>
#include <memory>
#include <utility>
#include <vector>

namespace ballast {

using md_text::field_count_error;
using md_text::field_error;
using md_text::int_field;
using md_text::LineReader;

namespace {

constexpr std::string_view kTradeLayout = "ms,price,size,exchange,condition,suspicious";
constexpr std::string_view kQuoteLayout =
    "ms,bid price,bid size,ask price,ask size,exchange,condition,suspicious";
constexpr std::string_view kTradeBarLayout = "ms,open,high,low,close,volume";
constexpr std::string_view kQuoteBarLayout =
    "ms,bid open,bid high,bid low,bid close,bid size,ask open,ask high,ask low,ask close,ask size";
constexpr std::int64_t kMinuteNs = 60LL * 1'000'000'000;

/// Checks the exchange, condition and suspicious fields shared by both tick layouts; returns the
/// suspicious flag.
Result<bool> tick_flags(const LineReader& in, std::span<const std::string_view> f,
                        std::size_t exchange_index) {
  if (f[exchange_index - 1].empty()) {
    return field_error(in, exchange_index, "exchange", "an exchange code", f[exchange_index - 1]);
  }
  auto cond = int_field(in, f, exchange_index + 1, "condition", 0, INT64_MAX);
  if (!cond) return cond.error();
  auto sus = int_field(in, f, exchange_index + 2, "suspicious", 0, 1);
  if (!sus) return sus.error();
  return sus.value() == 1;
}

struct Opened {
  LineReader in;
  InstrumentId id;
};

Result<Opened> open_lean(const LeanSource& source, const InstrumentTable& instruments) {
  std::string context("Lean file ");
  context.append(md_text::base_name(source.path));
  auto id = resolve_symbol(instruments, source.symbol, context);
  if (!id) return id.error();
  auto in = LineReader::open(source.path);
  if (!in) return in.error();
  return Opened{std::move(in).value(), id.value()};
}

}  // namespace

// ---------------------------------------------------------------------------------- file names

Result<LeanFileName> parse_lean_file_name(std::string_view path) {
  const std::string_view name = md_text::base_name(path);
  auto bad = [&] {
    std::string msg("'");
    msg.append(name);
    msg.append(
        "' is not a Lean/AlgoSeek file name; expected YYYYMMDD_<symbol>_Trade_Tick.csv, "
        "YYYYMMDD_<symbol>_Quote_Tick.csv, YYYYMMDD_<symbol>_minute_trade.csv or "
        "YYYYMMDD_<symbol>_minute_quote.csv");
    return Error{std::move(msg)};
  };
  struct Suffix {
    std::string_view text;
    LeanFileKind kind;
  };
  constexpr Suffix kSuffixes[] = {
      {"_Trade_Tick.csv", LeanFileKind::kTradeTicks},
      {"_Quote_Tick.csv", LeanFileKind::kQuoteTicks},
      {"_minute_trade.csv", LeanFileKind::kMinuteTradeBars},
      {"_minute_quote.csv", LeanFileKind::kMinuteQuoteBars},
  };
  if (name.size() < 10 || name[8] != '_') return bad();
  const auto date = parse_iso_date(name.substr(0, 8));
  if (!date) return bad();
  for (const auto& s : kSuffixes) {
    if (name.size() > 9 + s.text.size() && name.ends_with(s.text)) {
      const std::string_view sym = name.substr(9, name.size() - 9 - s.text.size());
      LeanFileName out;
      out.date = *date;
      out.kind = s.kind;
      for (const char c : sym) {
        out.symbol.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
      }
      return out;
    }
  }
  return bad();
}

Result<LeanSource> lean_source(const std::string& path, std::chrono::minutes utc_offset) {
  auto fn = parse_lean_file_name(path);
  if (!fn) return fn.error();
  LeanSource src;
  src.path = path;
  src.symbol = fn.value().symbol;
  src.session = SessionClock{fn.value().date, utc_offset};
  return src;
}

// ---------------------------------------------------------------------------------- trade ticks

TaqTradeReader::TaqTradeReader(LineReader in, InstrumentId id, SessionClock clock,
                               TaqOptions options)
    : in_(std::move(in)), instrument_(id), clock_(clock), options_(options) {}

Result<TaqTradeReader> TaqTradeReader::open(const LeanSource& source,
                                            const InstrumentTable& instruments,
                                            TaqOptions options) {
  auto o = open_lean(source, instruments);
  if (!o) return o.error();
  return TaqTradeReader(std::move(o.value().in), o.value().id, source.session, options);
}

std::string TaqTradeReader::position() const {
  return md_text::position_of(in_);
}

std::optional<Event> TaqTradeReader::next() {
  while (!failed()) {
    const auto line = in_.next_line();
    if (!line) {
      if (in_.read_error()) return fail(*in_.read_error());
      return std::nullopt;
    }
    std::array<std::string_view, 6> f{};
    const std::size_t n = md_text::split_fields(*line, f);
    if (n != f.size()) return fail(field_count_error(in_, f.size(), kTradeLayout, n));
    const auto ns = md_text::ms_of_day_field(in_, f, 1, "ms");
    if (!ns) return fail(ns.error());
    const auto price = md_text::price_e4_field(in_, f, 2, "price");
    if (!price) return fail(price.error());
    const auto size = md_text::shares_field(in_, f, 3, "size");
    if (!size) return fail(size.error());
    const auto suspicious = tick_flags(in_, f, 4);
    if (!suspicious) return fail(suspicious.error());
    if (suspicious.value() && options_.skip_suspicious) continue;
    TradePrinted t;
    t.hdr.event_time = clock_.to_utc(ns.value());
    t.instrument = instrument_;
    t.price = price.value();
    t.size = size.value();
    return Event{t};
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------- quote ticks

TaqQuoteReader::TaqQuoteReader(LineReader in, InstrumentId id, SessionClock clock,
                               TaqOptions options)
    : in_(std::move(in)), instrument_(id), clock_(clock), options_(options) {}

Result<TaqQuoteReader> TaqQuoteReader::open(const LeanSource& source,
                                            const InstrumentTable& instruments,
                                            TaqOptions options) {
  auto o = open_lean(source, instruments);
  if (!o) return o.error();
  return TaqQuoteReader(std::move(o.value().in), o.value().id, source.session, options);
}

std::string TaqQuoteReader::position() const {
  return md_text::position_of(in_);
}

std::optional<Event> TaqQuoteReader::next() {
  while (!failed()) {
    const auto line = in_.next_line();
    if (!line) {
      if (in_.read_error()) return fail(*in_.read_error());
      return std::nullopt;
    }
    std::array<std::string_view, 8> f{};
    const std::size_t n = md_text::split_fields(*line, f);
    if (n != f.size()) return fail(field_count_error(in_, f.size(), kQuoteLayout, n));
    const auto ns = md_text::ms_of_day_field(in_, f, 1, "ms");
    if (!ns) return fail(ns.error());
    const auto bid = md_text::price_e4_field(in_, f, 2, "bid price");
    if (!bid) return fail(bid.error());
    const auto bid_size = md_text::shares_field(in_, f, 3, "bid size");
    if (!bid_size) return fail(bid_size.error());
    const auto ask = md_text::price_e4_field(in_, f, 4, "ask price");
    if (!ask) return fail(ask.error());
    const auto ask_size = md_text::shares_field(in_, f, 5, "ask size");
    if (!ask_size) return fail(ask_size.error());
    const auto suspicious = tick_flags(in_, f, 6);
    if (!suspicious) return fail(suspicious.error());
    if (suspicious.value() && options_.skip_suspicious) continue;
    QuoteUpdated q;
    q.hdr.event_time = clock_.to_utc(ns.value());
    q.instrument = instrument_;
    q.bid = bid.value();
    q.bid_size = bid_size.value();
    q.ask = ask.value();
    q.ask_size = ask_size.value();
    return Event{q};
  }
  return std::nullopt;
}

Result<TimeOrderedMerge> open_taq_day(const LeanSource& trades, const LeanSource& quotes,
                                      const InstrumentTable& instruments, TaqOptions options) {
  auto q = TaqQuoteReader::open(quotes, instruments, options);
  if (!q) return q.error();
  auto t = TaqTradeReader::open(trades, instruments, options);
  if (!t) return t.error();
  std::vector<std::unique_ptr<EventReader>> inputs;
  // Quotes first: the merge gives equal times to the lower input index.
  inputs.push_back(std::make_unique<TaqQuoteReader>(std::move(q).value()));
  inputs.push_back(std::make_unique<TaqTradeReader>(std::move(t).value()));
  return TimeOrderedMerge(std::move(inputs));
}

// ---------------------------------------------------------------------------------- minute bars

MinuteTradeBarReader::MinuteTradeBarReader(LineReader in, InstrumentId id, SessionClock clock,
                                           MinuteBarOptions options)
    : in_(std::move(in)), instrument_(id), clock_(clock), options_(options) {}

Result<MinuteTradeBarReader> MinuteTradeBarReader::open(const LeanSource& source,
                                                        const InstrumentTable& instruments,
                                                        MinuteBarOptions options) {
  auto o = open_lean(source, instruments);
  if (!o) return o.error();
  return MinuteTradeBarReader(std::move(o.value().in), o.value().id, source.session, options);
}

std::string MinuteTradeBarReader::position() const {
  return md_text::position_of(in_);
}

std::optional<Event> MinuteTradeBarReader::next() {
  while (!failed()) {
    const auto line = in_.next_line();
    if (!line) {
      if (in_.read_error()) return fail(*in_.read_error());
      return std::nullopt;
    }
    std::array<std::string_view, 6> f{};
    const std::size_t n = md_text::split_fields(*line, f);
    if (n != f.size()) return fail(field_count_error(in_, f.size(), kTradeBarLayout, n));
    const auto start_ns = md_text::ms_of_day_field(in_, f, 1, "ms");
    if (!start_ns) return fail(start_ns.error());
    std::array<Price, 4> ohlc{};
    constexpr std::array<std::string_view, 4> kNames = {"open", "high", "low", "close"};
    for (std::size_t i = 0; i < ohlc.size(); ++i) {
      const auto p = md_text::price_e4_field(in_, f, i + 2, kNames[i]);
      if (!p) return fail(p.error());
      ohlc[i] = p.value();
    }
    const auto volume = md_text::shares_field(in_, f, 6, "volume");
    if (!volume) return fail(volume.error());
    const std::int64_t start_ms = start_ns.value() / 1'000'000;
    if (options_.regular_session_only &&
        (start_ms < kRegularSessionStartMs || start_ms >= kRegularSessionEndMs)) {
      continue;
    }
    BarClosed b;
    b.hdr.event_time = clock_.to_utc(start_ns.value() + kMinuteNs);
    b.instrument = instrument_;
    b.open = ohlc[0];
    b.high = ohlc[1];
    b.low = ohlc[2];
    b.close = ohlc[3];
    b.volume = volume.value();
    b.period_ns = kMinuteNs;
    return Event{b};
  }
  return std::nullopt;
}

MinuteQuoteBarReader::MinuteQuoteBarReader(LineReader in, InstrumentId id, SessionClock clock,
                                           MinuteBarOptions options)
    : in_(std::move(in)), instrument_(id), clock_(clock), options_(options) {}

Result<MinuteQuoteBarReader> MinuteQuoteBarReader::open(const LeanSource& source,
                                                        const InstrumentTable& instruments,
                                                        MinuteBarOptions options) {
  auto o = open_lean(source, instruments);
  if (!o) return o.error();
  return MinuteQuoteBarReader(std::move(o.value().in), o.value().id, source.session, options);
}

std::string MinuteQuoteBarReader::position() const {
  return md_text::position_of(in_);
}

std::optional<Event> MinuteQuoteBarReader::next() {
  while (!failed()) {
    const auto line = in_.next_line();
    if (!line) {
      if (in_.read_error()) return fail(*in_.read_error());
      return std::nullopt;
    }
    std::array<std::string_view, 11> f{};
    const std::size_t n = md_text::split_fields(*line, f);
    if (n != f.size()) return fail(field_count_error(in_, f.size(), kQuoteBarLayout, n));
    const auto start_ns = md_text::ms_of_day_field(in_, f, 1, "ms");
    if (!start_ns) return fail(start_ns.error());
    // Every price is checked, though only the closes are carried.
    constexpr std::array<std::string_view, 4> kBid = {"bid open", "bid high", "bid low",
                                                      "bid close"};
    constexpr std::array<std::string_view, 4> kAsk = {"ask open", "ask high", "ask low",
                                                      "ask close"};
    Price bid{};
    Price ask{};
    for (std::size_t i = 0; i < 4; ++i) {
      const auto b = md_text::price_e4_field(in_, f, i + 2, kBid[i]);
      if (!b) return fail(b.error());
      bid = b.value();
    }
    const auto bid_size = md_text::shares_field(in_, f, 6, "bid size");
    if (!bid_size) return fail(bid_size.error());
    for (std::size_t i = 0; i < 4; ++i) {
      const auto a = md_text::price_e4_field(in_, f, i + 7, kAsk[i]);
      if (!a) return fail(a.error());
      ask = a.value();
    }
    const auto ask_size = md_text::shares_field(in_, f, 11, "ask size");
    if (!ask_size) return fail(ask_size.error());
    const std::int64_t start_ms = start_ns.value() / 1'000'000;
    if (options_.regular_session_only &&
        (start_ms < kRegularSessionStartMs || start_ms >= kRegularSessionEndMs)) {
      continue;
    }
    QuoteUpdated q;
    q.hdr.event_time = clock_.to_utc(start_ns.value() + kMinuteNs);
    q.instrument = instrument_;
    q.bid = bid;
    q.bid_size = bid_size.value();
    q.ask = ask;
    q.ask_size = ask_size.value();
    return Event{q};
  }
  return std::nullopt;
}

}  // namespace ballast
