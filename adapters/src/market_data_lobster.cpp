// LOBSTER level-1 reader.
#include "ballast/adapters/market_data_lobster.hpp"

#include <array>

namespace ballast {

using md_text::field_count_error;
using md_text::field_error;
using md_text::int_field;
using md_text::LineReader;

namespace {

constexpr std::string_view kMessageLayout = "time,type,order id,size,price,direction";
constexpr std::string_view kBookLayout = "ask price,ask size,bid price,bid size";

std::optional<std::int64_t> whole_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return md_text::parse_int(s);
}

}  // namespace

Result<LobsterFileName> parse_lobster_file_name(std::string_view path) {
  const std::string_view name = md_text::base_name(path);
  auto bad = [&] {
    std::string msg("'");
    msg.append(name);
    msg.append(
        "' is not a LOBSTER file name; expected "
        "SYMBOL_YYYY-MM-DD_<start ms>_<end ms>_<message|orderbook>_<levels>.csv");
    return Error{std::move(msg)};
  };
  if (!name.ends_with(".csv")) return bad();
  std::string_view rest = name.substr(0, name.size() - 4);
  // Split from the right: the symbol itself may contain '_'.
  std::array<std::string_view, 5> tail{};
  for (int i = 4; i >= 0; --i) {
    const auto us = rest.rfind('_');
    if (us == std::string_view::npos) return bad();
    tail[static_cast<std::size_t>(i)] = rest.substr(us + 1);
    rest = rest.substr(0, us);
  }
  if (rest.empty()) return bad();
  const auto date = parse_iso_date(tail[0]);
  const auto start = whole_number(tail[1]);
  const auto end = whole_number(tail[2]);
  const auto levels = whole_number(tail[4]);
  if (!date || tail[0].size() != 10 || !start || !end || !levels || *levels < 1 || *levels > 1000 ||
      (tail[3] != "message" && tail[3] != "orderbook")) {
    return bad();
  }
  LobsterFileName out;
  out.symbol = std::string(rest);
  out.date = *date;
  out.start_ms = *start;
  out.end_ms = *end;
  out.is_message = tail[3] == "message";
  out.levels = static_cast<int>(*levels);
  return out;
}

Result<LobsterSource> lobster_source(const std::string& message_path,
                                     std::chrono::minutes utc_offset) {
  auto parsed = parse_lobster_file_name(message_path);
  if (!parsed) return parsed.error();
  const LobsterFileName& fn = parsed.value();
  if (!fn.is_message) {
    std::string msg("'");
    msg.append(md_text::base_name(message_path));
    msg.append("' is an orderbook file; expected the *_message_<levels>.csv file");
    return Error{std::move(msg)};
  }
  const std::size_t pos = message_path.rfind("_message_");
  LobsterSource src;
  src.message_path = message_path;
  src.orderbook_path = message_path.substr(0, pos);
  src.orderbook_path.append("_orderbook_");
  src.orderbook_path.append(message_path.substr(pos + 9));
  src.symbol = fn.symbol;
  src.session = SessionClock{fn.date, utc_offset};
  return src;
}

LobsterReader::LobsterReader(LineReader messages, LineReader book, InstrumentId instrument,
                             SessionClock clock)
    : messages_(std::move(messages)),
      book_(std::move(book)),
      instrument_(instrument),
      clock_(clock) {}

Result<LobsterReader> LobsterReader::open(const LobsterSource& source,
                                          const InstrumentTable& instruments) {
  std::string context("LOBSTER ");
  context.append(md_text::base_name(source.message_path));
  auto id = resolve_symbol(instruments, source.symbol, context);
  if (!id) return id.error();
  auto messages = LineReader::open(source.message_path);
  if (!messages) return messages.error();
  auto book = LineReader::open(source.orderbook_path);
  if (!book) return book.error();
  return LobsterReader(std::move(messages).value(), std::move(book).value(), id.value(),
                       source.session);
}

std::string LobsterReader::position() const {
  return md_text::position_of(messages_);
}

std::optional<Event> LobsterReader::next() {
  if (pending_quote_) {
    Event e{*pending_quote_};
    pending_quote_.reset();
    return e;
  }
  // Rows that change nothing visible (an order added behind the best level) emit no event.
  while (!done_ && !failed()) {
    if (auto e = read_row()) return e;
  }
  return std::nullopt;
}

std::optional<Event> LobsterReader::read_row() {
  const auto msg_line = messages_.next_line();
  if (!msg_line) {
    done_ = true;
    if (messages_.read_error()) return fail(*messages_.read_error());
    if (const auto extra = book_.next_line()) {
      std::string what("has more rows than ");
      what.append(messages_.name());
      what.append(" (");
      what.append(std::to_string(messages_.line_number()));
      what.append("); expected one orderbook row per message");
      return fail(md_text::line_error(book_, what));
    }
    if (book_.read_error()) return fail(*book_.read_error());
    return std::nullopt;
  }

  std::array<std::string_view, 6> m{};
  const std::size_t mn = md_text::split_fields(*msg_line, m);
  if (mn != m.size()) return fail(field_count_error(messages_, m.size(), kMessageLayout, mn));
  const auto tod_ns = md_text::parse_seconds_ns(m[0]);
  if (!tod_ns) {
    return fail(field_error(messages_, 1, "time",
                            "seconds after midnight with at most 9 decimals, such as "
                            "34200.004241176",
                            m[0]));
  }
  const auto type = int_field(messages_, m, 2, "type", 1, 7);
  if (!type) return fail(type.error());
  if (type.value() == 6) {
    return fail(field_error(messages_, 2, "type", "one of 1, 2, 3, 4, 5, 7", m[1]));
  }
  if (auto id = int_field(messages_, m, 3, "order id", 0, INT64_MAX); !id) return fail(id.error());
  const auto size = md_text::shares_field(messages_, m, 4, "size");
  if (!size) return fail(size.error());
  const auto price = md_text::price_e4_field(messages_, m, 5, "price");
  if (!price) return fail(price.error());
  const auto dir = int_field(messages_, m, 6, "direction", -1, 1);
  if (!dir) return fail(dir.error());
  if (dir.value() == 0) return fail(field_error(messages_, 6, "direction", "1 or -1", m[5]));

  const auto book_line = book_.next_line();
  if (!book_line) {
    done_ = true;
    if (book_.read_error()) return fail(*book_.read_error());
    std::string what(book_.name());
    what.append(" ended after ");
    what.append(std::to_string(book_.line_number()));
    what.append(" rows; expected one orderbook row per message");
    return fail(md_text::line_error(messages_, what));
  }
  std::array<std::string_view, 4> b{};
  const std::size_t bn = md_text::split_fields(*book_line, b);
  if (bn < b.size() || bn % 4 != 0) {
    std::string what("expected 4 fields per book level (");
    what.append(kBookLayout);
    what.append(", ...), got ");
    what.append(std::to_string(bn));
    return fail(md_text::line_error(book_, what));
  }
  Book now;
  const auto ask = int_field(book_, b, 1, "ask price", INT64_MIN, INT64_MAX);
  if (!ask) return fail(ask.error());
  const auto ask_size = int_field(book_, b, 2, "ask size", 0, INT64_MAX / Qty::kScale);
  if (!ask_size) return fail(ask_size.error());
  const auto bid = int_field(book_, b, 3, "bid price", INT64_MIN, INT64_MAX);
  if (!bid) return fail(bid.error());
  const auto bid_size = int_field(book_, b, 4, "bid size", 0, INT64_MAX / Qty::kScale);
  if (!bid_size) return fail(bid_size.error());
  now.ask_e4 = ask.value();
  now.ask_size = ask_size.value();
  now.bid_e4 = bid.value();
  now.bid_size = bid_size.value();
  // An unoccupied side carries a dummy price: report it as an empty side (zero price and size).
  if (now.ask_e4 == kLobsterDummyAskE4) now.ask_e4 = now.ask_size = 0;
  if (now.bid_e4 == kLobsterDummyBidE4) now.bid_e4 = now.bid_size = 0;
  const auto ask_px = md_text::price_from_e4(now.ask_e4);
  if (!ask_px)
    return fail(field_error(book_, 1, "ask price", "a price within +-9.2e9 dollars", b[0]));
  const auto bid_px = md_text::price_from_e4(now.bid_e4);
  if (!bid_px)
    return fail(field_error(book_, 3, "bid price", "a price within +-9.2e9 dollars", b[2]));

  const Timestamp t = clock_.to_utc(*tod_ns);
  std::optional<QuoteUpdated> quote;
  if (!last_book_ || *last_book_ != now) {
    last_book_ = now;
    QuoteUpdated q;
    q.hdr.event_time = t;
    q.instrument = instrument_;
    q.bid = *bid_px;
    q.bid_size = Qty::from_units(now.bid_size);
    q.ask = *ask_px;
    q.ask_size = Qty::from_units(now.ask_size);
    quote = q;
  }
  if (type.value() == 4 || type.value() == 5) {
    TradePrinted tr;
    tr.hdr.event_time = t;
    tr.instrument = instrument_;
    tr.price = price.value();
    tr.size = size.value();
    pending_quote_ = quote;
    return Event{tr};
  }
  if (quote) return Event{*quote};
  return std::nullopt;
}

}  // namespace ballast
