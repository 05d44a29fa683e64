// broker-sim matching core (see matcher.hpp for the rules).
#include "sim/matcher.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace ballast {
namespace fix {
namespace sim {

namespace {

bool valid_side(char s) {
  return s == '1' || s == '2';
}
bool valid_ord_type(char t) {
  return t == '1' || t == '2';
}
bool valid_tif(char t) {
  return t == '0' || t == '1' || t == '3' || t == '4';
}

/// Average price, rounded half away from zero; exact integer arithmetic.
std::int64_t average(__int128 notional, std::int64_t cum) {
  if (cum == 0) return 0;
  const __int128 c = cum;
  const __int128 half = c / 2;
  const __int128 q = notional >= 0 ? (notional + half) / c : (notional - half) / c;
  return static_cast<std::int64_t>(q);
}

}  // namespace

Matcher::Matcher(MatcherConfig cfg)
    : cfg_(std::move(cfg)),
      reject_rng_(cfg_.seed),
      cancel_rng_(cfg_.seed ^ 0x5a5a5a5a5a5a5a5aULL) {}

std::string Matcher::id_key(const std::string& session, const std::string& cl_ord_id) {
  std::string k;
  k.reserve(session.size() + cl_ord_id.size() + 1);
  k += session;
  k += '\x01';
  k += cl_ord_id;
  return k;
}

Matcher::Order* Matcher::find(const std::string& session, const std::string& cl_ord_id) {
  auto it = by_cl_ord_id_.find(id_key(session, cl_ord_id));
  if (it == by_cl_ord_id_.end()) return nullptr;
  auto o = orders_.find(it->second);
  return o == orders_.end() ? nullptr : &o->second;
}

std::string Matcher::next_exec_id() {
  return cfg_.id_prefix + "E" + std::to_string(next_exec_++);
}

TopOfBook Matcher::top(const std::string& symbol) const {
  auto it = books_.find(symbol);
  return it == books_.end() ? TopOfBook{} : it->second.top;
}

bool Matcher::known_symbol(const std::string& symbol) const {
  auto it = books_.find(symbol);
  return it != books_.end() && it->second.on_tape;
}

std::size_t Matcher::resting() const noexcept {
  std::size_t n = 0;
  for (const auto& b : books_) n += b.second.resting.size();
  return n;
}

Report Matcher::base_report(const Order& o, ReportType type) const {
  Report r;
  r.type = type;
  r.side = o.side;
  r.ord_type = o.ord_type;
  r.ord_status = o.ord_status;
  r.session = o.session;
  r.cl_ord_id = o.cl_ord_id;
  r.order_id = o.order_id;
  r.account = o.account;
  r.symbol = o.symbol;
  r.order_qty = o.qty;
  r.price = o.ord_type == '2' ? o.price : 0;
  r.cum_qty = o.cum;
  r.leaves_qty = o.open ? o.qty - o.cum : 0;
  r.avg_px = average(o.notional, o.cum);
  r.tape_time_ns = tape_time_ns_;
  return r;
}

void Matcher::fill(Order& o, std::int64_t qty, std::int64_t px, std::vector<Report>& out) {
  o.cum += qty;
  o.notional += static_cast<__int128>(px) * qty;
  o.ord_status = o.cum >= o.qty ? '2' : '1';
  if (o.cum >= o.qty) o.open = false;
  Report r = base_report(o, ReportType::kTrade);
  r.exec_id = next_exec_id();
  r.last_qty = qty;
  r.last_px = px;
  out.push_back(std::move(r));
}

void Matcher::match_at_touch(Order& o, Book& b, std::vector<Report>& out) {
  if (!o.open) return;
  const std::int64_t leaves = o.qty - o.cum;
  if (leaves <= 0) return;
  if (o.side == '1') {
    if (b.top.ask <= 0 || b.ask_avail <= 0) return;
    if (o.ord_type == '2' && o.price < b.top.ask) return;
    const std::int64_t q = std::min(leaves, b.ask_avail);
    b.ask_avail -= q;
    fill(o, q, b.top.ask, out);
  } else {
    if (b.top.bid <= 0 || b.bid_avail <= 0) return;
    if (o.ord_type == '2' && o.price > b.top.bid) return;
    const std::int64_t q = std::min(leaves, b.bid_avail);
    b.bid_avail -= q;
    fill(o, q, b.top.bid, out);
  }
}

void Matcher::close(Order& o, Book& b) {
  o.open = false;
  b.resting.erase(std::remove(b.resting.begin(), b.resting.end(), o.key), b.resting.end());
  b.bounds_stale = true;
}

void Matcher::widen(Book& b, const Order& o) noexcept {
  if (o.side == '1') {
    b.max_buy = std::max(b.max_buy, o.ord_type == '2' ? o.price : INT64_MAX);
  } else {
    b.min_sell = std::min(b.min_sell, o.ord_type == '2' ? o.price : INT64_MIN);
  }
}

void Matcher::tighten(Book& b) {
  b.max_buy = INT64_MIN;
  b.min_sell = INT64_MAX;
  for (std::uint64_t key : b.resting) widen(b, orders_.at(key));
  b.bounds_stale = false;
}

Matcher::Book& Matcher::tape_book(const char (&symbol)[16]) {
  // Compare as NUL-terminated (bytes after the terminator may be anything).
  std::array<char, 16> k{};
  std::memcpy(k.data(), symbol, ::strnlen(symbol, 16));
  for (auto& tb : tape_books_) {
    if (tb.first == k) return *tb.second;
  }
  Book& b = books_[std::string(k.data(), ::strnlen(k.data(), 16))];
  tape_books_.emplace_back(k, &b);
  return b;
}

void Matcher::on_tape(const TapeEvent& e, std::vector<Report>& out) {
  if (e.time_ns > tape_time_ns_) tape_time_ns_ = e.time_ns;
  Book& b = tape_book(e.symbol);
  b.on_tape = true;
  if (b.bounds_stale) tighten(b);
  const std::size_t reports_before = out.size();
  if (e.is_trade) {
    // Only limit orders priced through the trade fill.
    const bool may_fill = b.max_buy > e.price || b.min_sell < e.price;
    std::int64_t buy_budget = e.size > 0 ? e.size : 0;
    std::int64_t sell_budget = buy_budget;
    for (std::uint64_t key : b.resting) {
      if (!may_fill) break;
      Order& o = orders_.at(key);
      if (!o.open || o.ord_type != '2') continue;
      std::int64_t& budget = o.side == '1' ? buy_budget : sell_budget;
      const bool through = o.side == '1' ? o.price > e.price : o.price < e.price;
      if (!through || budget <= 0) continue;
      const std::int64_t q = std::min(o.qty - o.cum, budget);
      budget -= q;
      fill(o, q, o.price, out);
    }
  } else {
    TopOfBook& t = b.top;
    if (!t.known || e.bid != t.bid || e.bid_size != t.bid_size)
      b.bid_avail = e.bid > 0 ? e.bid_size : 0;
    if (!t.known || e.ask != t.ask || e.ask_size != t.ask_size)
      b.ask_avail = e.ask > 0 ? e.ask_size : 0;
    t.known = true;
    t.bid = e.bid;
    t.bid_size = e.bid_size;
    t.ask = e.ask;
    t.ask_size = e.ask_size;
    t.time_ns = e.time_ns;
    const bool may_fill = (t.ask > 0 && b.ask_avail > 0 && b.max_buy >= t.ask) ||
                          (t.bid > 0 && b.bid_avail > 0 && b.min_sell <= t.bid);
    if (may_fill) {
      for (std::uint64_t key : b.resting) match_at_touch(orders_.at(key), b, out);
    }
  }
  // Nothing filled and no cancels to draw: every resting order is still open and in place.
  if (out.size() == reports_before && !(cfg_.unsolicited_cancel_rate > 0.0)) return;
  // Drop what filled, then the unsolicited cancels (one draw per resting order, time priority).
  std::vector<std::uint64_t>& still = still_;
  still.clear();
  for (std::uint64_t key : b.resting) {
    Order& o = orders_.at(key);
    if (!o.open) continue;
    if (cfg_.unsolicited_cancel_rate > 0.0 &&
        cancel_rng_.uniform() < cfg_.unsolicited_cancel_rate) {
      o.open = false;
      o.ord_status = '4';
      Report r = base_report(o, ReportType::kCanceled);
      r.exec_id = next_exec_id();
      r.unsolicited = true;
      r.text = "unsolicited cancel (simulated)";
      out.push_back(std::move(r));
      continue;
    }
    still.push_back(key);
  }
  if (still.size() != b.resting.size()) b.bounds_stale = true;
  b.resting.swap(still);
}

void Matcher::new_order(const NewOrderRequest& req, std::vector<Report>& out) {
  Order o;
  o.key = next_key_++;
  o.session = req.session;
  o.cl_ord_id = req.cl_ord_id;
  o.account = req.account;
  o.symbol = req.symbol;
  o.order_id = cfg_.id_prefix + "O" + std::to_string(o.key);
  o.side = req.side;
  o.ord_type = req.ord_type;
  o.tif = req.time_in_force;
  o.qty = req.qty;
  o.price = req.price;

  RejectReason reason = RejectReason::kNone;
  std::string text;
  if (find(req.session, req.cl_ord_id) != nullptr) {
    reason = RejectReason::kDuplicateClOrdId;
    text = "duplicate ClOrdID " + req.cl_ord_id;
  } else if (req.symbol.empty()) {
    reason = RejectReason::kInvalid;
    text = "empty Symbol";
  } else if (!valid_side(req.side)) {
    reason = RejectReason::kInvalid;
    text = std::string("unsupported Side ") + req.side + " (expected 1 or 2)";
  } else if (!valid_ord_type(req.ord_type)) {
    reason = RejectReason::kInvalid;
    text = std::string("unsupported OrdType ") + req.ord_type + " (expected 1 or 2)";
  } else if (!valid_tif(req.time_in_force)) {
    reason = RejectReason::kInvalid;
    text = std::string("unsupported TimeInForce ") + req.time_in_force + " (expected 0, 1, 3 or 4)";
  } else if (req.qty <= 0) {
    reason = RejectReason::kInvalid;
    text = "OrderQty must be positive";
  } else if (req.ord_type == '2' && req.price <= 0) {
    reason = RejectReason::kInvalid;
    text = "limit order needs a positive Price";
  } else {
    // One draw per otherwise valid order, so the stream depends only on the order sequence.
    const double u = reject_rng_.uniform();
    if (cfg_.reject_rate > 0.0 && u < cfg_.reject_rate) {
      reason = RejectReason::kRandom;
      text = "simulated reject";
    }
  }
  if (reason != RejectReason::kNone) {
    o.open = false;
    o.ord_status = '8';
    Report r = base_report(o, ReportType::kRejected);
    r.exec_id = next_exec_id();
    r.reason = reason;
    r.text = text;
    // A duplicate must not take over the original order's ClOrdID.
    if (reason != RejectReason::kDuplicateClOrdId) {
      by_cl_ord_id_[id_key(o.session, o.cl_ord_id)] = o.key;
      orders_.emplace(o.key, std::move(o));
    }
    out.push_back(std::move(r));
    return;
  }

  o.priority = next_priority_++;
  const std::uint64_t key = o.key;
  by_cl_ord_id_[id_key(o.session, o.cl_ord_id)] = key;
  Order& ord = orders_.emplace(key, std::move(o)).first->second;
  Book& b = books_[ord.symbol];
  {
    Report r = base_report(ord, ReportType::kNew);
    r.exec_id = next_exec_id();
    out.push_back(std::move(r));
  }
  if (ord.tif == '4') {  // FOK: all now or nothing
    const std::int64_t avail = ord.side == '1' ? b.ask_avail : b.bid_avail;
    const std::int64_t touch = ord.side == '1' ? b.top.ask : b.top.bid;
    const bool crosses = touch > 0 && (ord.ord_type == '1' ||
                                       (ord.side == '1' ? ord.price >= touch : ord.price <= touch));
    if (!crosses || avail < ord.qty) {
      ord.open = false;
      ord.ord_status = '4';
      Report r = base_report(ord, ReportType::kCanceled);
      r.exec_id = next_exec_id();
      r.text = "FOK not fillable at the touch";
      out.push_back(std::move(r));
      return;
    }
  }
  match_at_touch(ord, b, out);
  if (!ord.open) return;
  if (ord.tif == '3') {  // IOC: the rest is cancelled
    ord.open = false;
    ord.ord_status = '4';
    Report r = base_report(ord, ReportType::kCanceled);
    r.exec_id = next_exec_id();
    r.text = "IOC remainder cancelled";
    out.push_back(std::move(r));
    return;
  }
  b.resting.push_back(key);
  widen(b, ord);
}

Matcher::Order* Matcher::amendable(char response_to, const std::string& session,
                                   const std::string& cl_ord_id, const std::string& orig_cl_ord_id,
                                   const std::string& symbol, char side, Report& rej,
                                   std::vector<Report>& out) {
  Order* o = find(session, orig_cl_ord_id);
  rej.type = ReportType::kCancelReject;
  rej.response_to = response_to;
  rej.session = session;
  rej.cl_ord_id = cl_ord_id;
  rej.orig_cl_ord_id = orig_cl_ord_id;
  rej.symbol = symbol;
  rej.side = side;
  rej.tape_time_ns = tape_time_ns_;
  if (o == nullptr) {
    rej.order_id = "NONE";
    rej.ord_status = '8';
    rej.reason = RejectReason::kUnknownOrder;
    rej.text = "unknown order " + orig_cl_ord_id;
  } else {
    rej.order_id = o->order_id;
    rej.ord_status = o->ord_status;
    rej.account = o->account;
    if (find(session, cl_ord_id) != nullptr) {
      rej.reason = RejectReason::kDuplicateClOrdId;
      rej.text = "duplicate ClOrdID " + cl_ord_id;
    } else if (!o->open) {
      rej.reason = RejectReason::kTooLate;
      rej.text = "order " + orig_cl_ord_id + " is closed";
    }
  }
  if (rej.reason == RejectReason::kNone) return o;
  out.push_back(std::move(rej));
  return nullptr;
}

void Matcher::cancel(const CancelOrderRequest& req, std::vector<Report>& out) {
  Report rej;
  Order* o = amendable('1', req.session, req.cl_ord_id, req.orig_cl_ord_id, req.symbol, req.side,
                       rej, out);
  if (o == nullptr) return;
  close(*o, books_[o->symbol]);
  o->ord_status = '4';
  by_cl_ord_id_[id_key(req.session, req.cl_ord_id)] = o->key;
  const std::string orig = o->cl_ord_id;
  o->cl_ord_id = req.cl_ord_id;
  Report r = base_report(*o, ReportType::kCanceled);
  r.exec_id = next_exec_id();
  r.orig_cl_ord_id = orig;
  out.push_back(std::move(r));
}

std::size_t Matcher::mass_cancel(const std::string& session, const std::string& symbol,
                                 std::vector<Report>& out) {
  std::vector<std::uint64_t> keys;
  for (const auto& kv : orders_) {
    const Order& o = kv.second;
    if (o.open && o.session == session && (symbol.empty() || o.symbol == symbol))
      keys.push_back(kv.first);
  }
  std::sort(keys.begin(), keys.end());  // keys rise with arrival: the same order every run
  for (const std::uint64_t k : keys) {
    Order& o = orders_.at(k);
    close(o, books_[o.symbol]);
    o.ord_status = '4';
    Report r = base_report(o, ReportType::kCanceled);
    r.exec_id = next_exec_id();
    out.push_back(std::move(r));
  }
  return keys.size();
}

void Matcher::replace(const ReplaceOrderRequest& req, std::vector<Report>& out) {
  Report rej;
  Order* o = amendable('2', req.session, req.cl_ord_id, req.orig_cl_ord_id, req.symbol, req.side,
                       rej, out);
  if (o == nullptr) return;
  if (!valid_ord_type(req.ord_type) || req.qty <= 0 || (req.ord_type == '2' && req.price <= 0)) {
    rej.reason = RejectReason::kInvalid;
    rej.text = "replace needs OrdType 1 or 2, a positive OrderQty and a positive limit Price";
  } else if (req.qty <= o->cum) {
    rej.reason = RejectReason::kQtyNotAboveCum;
    rej.text = "new OrderQty must exceed CumQty";
  }
  if (rej.reason != RejectReason::kNone) {
    out.push_back(std::move(rej));
    return;
  }
  Book& b = books_[o->symbol];
  const bool loses_priority = req.qty > o->qty || req.ord_type != o->ord_type ||
                              (req.ord_type == '2' && req.price != o->price);
  o->qty = req.qty;
  o->ord_type = req.ord_type;
  o->price = req.ord_type == '2' ? req.price : 0;
  by_cl_ord_id_[id_key(req.session, req.cl_ord_id)] = o->key;
  const std::string orig = o->cl_ord_id;
  o->cl_ord_id = req.cl_ord_id;
  if (loses_priority) {
    o->priority = next_priority_++;
    b.resting.erase(std::remove(b.resting.begin(), b.resting.end(), o->key), b.resting.end());
    b.resting.push_back(o->key);
  }
  widen(b, *o);  // a new price: the old bound stays (conservative) until the next tighten
  Report r = base_report(*o, ReportType::kReplaced);
  r.exec_id = next_exec_id();
  r.orig_cl_ord_id = orig;
  out.push_back(std::move(r));
  match_at_touch(*o, b, out);
  if (!o->open) close(*o, b);
}

void Matcher::status(const StatusOrderRequest& req, std::vector<Report>& out) {
  Order* o = find(req.session, req.cl_ord_id);
  if (o == nullptr) {
    Report r;
    r.type = ReportType::kStatus;
    r.reason = RejectReason::kUnknownOrder;
    r.ord_status = '8';
    r.session = req.session;
    r.cl_ord_id = req.cl_ord_id;
    r.order_id = "NONE";
    r.exec_id = next_exec_id();
    r.symbol = req.symbol;
    r.side = req.side;
    r.text = "unknown order " + req.cl_ord_id;
    r.tape_time_ns = tape_time_ns_;
    out.push_back(std::move(r));
    return;
  }
  Report r = base_report(*o, ReportType::kStatus);
  r.exec_id = next_exec_id();
  out.push_back(std::move(r));
}

}  // namespace sim
}  // namespace fix
}  // namespace ballast
