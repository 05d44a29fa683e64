#include "ballast/adapters/fix_bridge.hpp"

#include <cstring>
#include <functional>
#include <memory>
#include <thread>

#include "ballast/engine/idle_strategy.hpp"
#include "ballast/execution/order_id.hpp"

namespace ballast {

// ------------------------------------------------------------------------ conversions

bool to_exec_type(char exec_type, char exec_trans_type, ExecType& out) noexcept {
  // FIX 4.2 marks busts, corrections and status replies in ExecTransType (20), not ExecType.
  switch (exec_trans_type) {
    case '1':
      out = ExecType::kTradeCancel;
      return true;
    case '2':
      out = ExecType::kTradeCorrect;
      return true;
    case '3':
      out = ExecType::kOrderStatus;
      return true;
    default:
      break;
  }
  switch (exec_type) {
    case '0':
      out = ExecType::kNew;
      return true;
    case '1':
      out = ExecType::kPartialFill;
      return true;
    case '2':
      out = ExecType::kFill;
      return true;
    case '3':
      out = ExecType::kDoneForDay;
      return true;
    case '4':
      out = ExecType::kCanceled;
      return true;
    case '5':
      out = ExecType::kReplaced;
      return true;
    case '6':
      out = ExecType::kPendingCancel;
      return true;
    case '7':
      out = ExecType::kStopped;
      return true;
    case '8':
      out = ExecType::kRejected;
      return true;
    case 'A':
      out = ExecType::kPendingNew;
      return true;
    case 'C':
      out = ExecType::kExpired;
      return true;
    case 'E':
      out = ExecType::kPendingReplace;
      return true;
    case 'F':
      out = ExecType::kTrade;
      return true;
    case 'G':
      out = ExecType::kTradeCorrect;
      return true;
    case 'H':
      out = ExecType::kTradeCancel;
      return true;
    case 'I':
      out = ExecType::kOrderStatus;
      return true;
    case 'D':
      out = ExecType::kRestated;
      return true;
    case '9':
      out = ExecType::kSuspended;
      return true;
    case 'B':
      out = ExecType::kCalculated;
      return true;
    default:
      return false;
  }
}

bool to_ord_status(char s, OrdStatus& out) noexcept {
  switch (s) {
    case '0':
      out = OrdStatus::kNew;
      return true;
    case '1':
      out = OrdStatus::kPartiallyFilled;
      return true;
    case '2':
      out = OrdStatus::kFilled;
      return true;
    case '3':
      out = OrdStatus::kDoneForDay;
      return true;
    case '4':
      out = OrdStatus::kCanceled;
      return true;
    case '5':
      out = OrdStatus::kReplaced;
      return true;
    case '6':
      out = OrdStatus::kPendingCancel;
      return true;
    case '7':
      out = OrdStatus::kStopped;
      return true;
    case '8':
      out = OrdStatus::kRejected;
      return true;
    case 'A':
      out = OrdStatus::kPendingNew;
      return true;
    case 'C':
      out = OrdStatus::kExpired;
      return true;
    case 'E':
      out = OrdStatus::kPendingReplace;
      return true;
    case '9':
      out = OrdStatus::kSuspended;
      return true;
    case 'B':
      out = OrdStatus::kCalculated;
      return true;
    case 'D':
      out = OrdStatus::kAcceptedForBidding;
      return true;
    default:
      return false;
  }
}

bool to_side(char side, Side& out) noexcept {
  switch (side) {
    case '1':
      out = Side::kBuy;
      return true;
    case '2':
    case '5':
      out = Side::kSell;
      return true;
    default:
      return false;
  }
}

namespace {

OrderId order_id_of(const char* text) noexcept {
  const auto id = parse_cl_ord_id(std::string_view(text));
  return id ? *id : OrderId{};
}

}  // namespace

namespace {

ReportIssue issue_of_tag(int tag) noexcept {
  switch (tag) {
    case 150:
    case 20:
      return ReportIssue::kUnknownExecType;
    case 39:
      return ReportIssue::kUnknownOrdStatus;
    case 17:
      return ReportIssue::kMissingExecId;
    case 31:
    case 32:
    case 14:
    case 151:
      return ReportIssue::kBadNumber;
    default:
      return ReportIssue::kBadIdentifier;
  }
}

bool flag(ExecutionReported& out, ReportIssue issue, const char* text, const char*& why) noexcept {
  if (out.issue == ReportIssue::kNone) {
    out.issue = issue;
    why = text;
  }
  return false;
}

}  // namespace

bool to_event(const fix::ExecutionReport& r, ExecutionReported& out, const char*& why) noexcept {
  static_assert(fix::kRoundedLastQty == kRoundedLastQty && fix::kRoundedLastPx == kRoundedLastPx &&
                fix::kRoundedCumQty == kRoundedCumQty &&
                fix::kRoundedLeavesQty == kRoundedLeavesQty &&
                fix::kRoundedAvgPx == kRoundedAvgPx && fix::kRoundedOrderQty == kRoundedOrderQty);
  out = ExecutionReported{};
  why = "";
  out.hdr.event_time = Timestamp{r.transact_time_ns};
  out.order = order_id_of(r.cl_ord_id);
  out.orig_order = order_id_of(r.orig_cl_ord_id);
  out.session = SessionId{r.session};
  out.rounded = r.rounded;
  // Side is informational (the order manager books with the order's own side).
  if (!to_side(r.side, out.side)) out.side = Side::kBuy;
  out.last_qty = Qty::from_raw(r.last_qty);
  out.last_px = Price::from_raw(r.last_px);
  out.cum_qty = Qty::from_raw(r.cum_qty);
  out.leaves_qty = Qty::from_raw(r.leaves_qty);
  out.avg_px = Price::from_raw(r.avg_px);
  (void)out.exec_id.assign(r.exec_id);
  (void)out.exec_ref_id.assign(r.exec_ref_id);
  // Every problem below still yields an event: the core journals it and stops trading on the
  // order's account (a report must never vanish).
  if (r.session_rejected) {
    return flag(out, ReportIssue::kRejectedBySession, "refused by the FIX session layer", why);
  }
  if (r.bad_tag != 0) {
    return flag(out, issue_of_tag(r.bad_tag), "a field the engine books from is unreadable", why);
  }
  if (!to_exec_type(r.exec_type, r.exec_trans_type, out.exec_type)) {
    out.exec_type = ExecType::kOrderStatus;  // a placeholder: the issue says it is unknown
    return flag(out, ReportIssue::kUnknownExecType, "unknown ExecType (150)", why);
  }
  if (!to_ord_status(r.ord_status, out.status)) {
    return flag(out, ReportIssue::kUnknownOrdStatus, "unknown OrdStatus (39)", why);
  }
  if (r.last_qty < 0 || r.cum_qty < 0 || r.leaves_qty < 0 || r.last_px < 0) {
    return flag(out, ReportIssue::kNegativeQuantity,
                "negative LastQty, CumQty, LeavesQty or LastPx", why);
  }
  // Numbers a fill could not be booked from without overflowing the book's fixed point (or that
  // no market produces) are out of range: unbookable, the account stops, never an abort further
  // in (docs/fix.md, "Decimal precision"). Quantities up to 10^12 shares, prices up to 10^9, and
  // one fill's value up to 10^12 (Money holds about 9.2 x 10^12).
  constexpr std::int64_t kMaxQtyRaw = 1'000'000'000'000LL * 1'000'000LL;  // 1e12 shares
  constexpr std::int64_t kMaxPxRaw = 1'000'000'000LL * 1'000'000'000LL;   // 1e9 per share
  constexpr __int128 kMaxValueE15 =
      static_cast<__int128>(1'000'000'000'000LL) * 1'000'000'000'000'000LL;
  if (r.last_qty > kMaxQtyRaw || r.cum_qty > kMaxQtyRaw || r.leaves_qty > kMaxQtyRaw ||
      r.last_px > kMaxPxRaw || static_cast<__int128>(r.last_qty) * r.last_px > kMaxValueE15) {
    return flag(out, ReportIssue::kBadNumber,
                "LastQty, CumQty, LeavesQty or LastPx out of range (over 1e12 shares, a price "
                "over 1e9, or one fill worth over 1e12)",
                why);
  }
  const bool books_fill =
      out.exec_type == ExecType::kTrade || out.exec_type == ExecType::kPartialFill ||
      out.exec_type == ExecType::kFill || out.exec_type == ExecType::kTradeCorrect;
  // A trade of no shares ("32=0", "32=-0") books nothing, and the broker's CumQty and OrdStatus
  // on it would be adopted without a fill behind them: unbookable, the account stops and says
  // why. (A correction to 0 shares is a bust by another name and books as one.)
  if (books_fill && out.exec_type != ExecType::kTradeCorrect && r.last_qty == 0) {
    return flag(out, ReportIssue::kBadNumber, "a fill with LastQty (32) 0 (or rounding to 0)", why);
  }
  if (books_fill && r.last_qty > 0 && r.last_px == 0) {
    return flag(out, ReportIssue::kBadNumber, "a fill at LastPx (31) 0 (or rounding to 0)", why);
  }
  if (r.exec_id[0] == '\0') {
    return flag(out, ReportIssue::kMissingExecId, "missing ExecID (17)", why);
  }
  if (!out.exec_id.assign(r.exec_id)) {
    return flag(out, ReportIssue::kMissingExecId, "ExecID (17) longer than 31 characters", why);
  }
  if (!out.exec_ref_id.assign(r.exec_ref_id)) {
    return flag(out, ReportIssue::kBadIdentifier, "ExecRefID (19) longer than 31 characters", why);
  }
  return true;
}

void to_event(const fix::CancelReject& r, CancelRejected& out) noexcept {
  out = CancelRejected{};
  out.order = order_id_of(r.cl_ord_id);
  out.orig_order = order_id_of(r.orig_cl_ord_id);
  out.session = SessionId{r.session};
  out.response_to =
      r.response_to == '2' ? CancelRejectResponseTo::kReplace : CancelRejectResponseTo::kCancel;
  out.reason = r.reason;
}

// ------------------------------------------------------------------------ inbound

namespace {
std::uint64_t next_instance() {
  static std::atomic<std::uint64_t> n{0};
  return n.fetch_add(1, std::memory_order_relaxed) + 1;
}
}  // namespace

FixInbound::FixInbound(const InstrumentTable& instruments, InboundQueue& queue,
                       std::atomic<std::int64_t>* market_time)
    : instruments_(instruments),
      queue_(queue),
      market_time_(market_time),
      instance_(next_instance()) {
  for (std::uint32_t i = 0; i < instruments_.size(); ++i) {
    symbols_.emplace(instruments_[InstrumentId{i}].symbol, InstrumentId{i});
  }
}

InboundQueue::Producer& FixInbound::producer() {
  // One producer per calling thread (QuickFIX may use several); a short lock on first use only
  // per thread, then a thread-local cache. The cache is keyed by an id no other FixInbound ever
  // has: a new bridge built at a dead one's address must not find the dead one's producer.
  thread_local std::uint64_t cached_owner = 0;
  thread_local InboundQueue::Producer* cached = nullptr;
  if (cached_owner == instance_) return *cached;
  const auto me = std::hash<std::thread::id>{}(std::this_thread::get_id());
  std::lock_guard<std::mutex> lock(mu_);
  InboundQueue::Producer* p = nullptr;
  for (auto& [tid, prod] : producers_) {
    if (tid == me) p = prod;
  }
  if (p == nullptr) {
    owned_.push_back(std::make_unique<InboundQueue::Producer>(queue_.make_producer()));
    p = owned_.back().get();
    producers_.emplace_back(me, p);
  }
  cached_owner = instance_;
  cached = p;
  return *p;
}

void FixInbound::push(const Event& e) {
  auto& p = producer();
  if (p.try_push(e)) return;
  // Never drop a broker message: wait for the core to catch up.
  IdleStrategy idle;
  ++c_.queue_waits;
  p.push_wait(e, idle);
}

void FixInbound::on_execution_report(const fix::ExecutionReport& r) {
  ExecutionReported ev;
  const char* why = "";
  const bool bookable = to_event(r, ev, why);
  if (r.rounded != 0) ++c_.rounded_reports;
  if (!bookable) {
    // Delivered anyway: the core journals it, books none of it and stops trading on the account.
    ++c_.unbookable_reports;
    std::lock_guard<std::mutex> lock(mu_);
    status_[r.session] = std::string("execution report for ClOrdID '") + r.cl_ord_id +
                         "' ExecID '" + r.exec_id + "' cannot be booked (" + to_string(ev.issue) +
                         ": " + why + (r.problem[0] != '\0' ? "; " : "") + r.problem +
                         "): trading stopped on its account";
    last_unbookable_ = status_[r.session];
  } else if (r.rounded != 0) {
    std::lock_guard<std::mutex> lock(mu_);
    status_[r.session] = std::string("execution report for ClOrdID '") + r.cl_ord_id +
                         "' ExecID '" + r.exec_id + "': " + r.problem;
  }
  ++c_.reports;
  push(ev);
}

void FixInbound::on_cancel_reject(const fix::CancelReject& r) {
  CancelRejected ev;
  to_event(r, ev);
  ++c_.cancel_rejects;
  push(ev);
}

namespace {
/// A reject of a market-data request (MsgType V) is about the feed, not about an order.
bool refers_to_market_data_request(const char* ref_msg_type) noexcept {
  return ref_msg_type[0] == 'V' && ref_msg_type[1] == '\0';
}
}  // namespace

void FixInbound::on_session_reject(const fix::SessionReject& r) {
  if (refers_to_market_data_request(r.ref_msg_type)) {
    ++c_.market_data_rejects;
    return;
  }
  MessageRejected ev{};
  ev.order = order_id_of(r.cl_ord_id);
  ev.session = SessionId{r.session};
  ev.reason = r.reason;
  ev.business = false;
  ++c_.rejects;
  push(ev);
}

void FixInbound::on_business_reject(const fix::BusinessReject& r) {
  if (refers_to_market_data_request(r.ref_msg_type)) {
    ++c_.market_data_rejects;
    return;
  }
  MessageRejected ev{};
  ev.order = order_id_of(r.business_ref_id);
  ev.session = SessionId{r.session};
  ev.reason = r.reason;
  ev.business = true;
  ++c_.rejects;
  push(ev);
}

void FixInbound::on_session_status(const fix::SessionStatus& s) {
  SessionStatusChanged ev{};
  ev.session = SessionId{s.session};
  ev.next_sender_seq = s.next_sender_seq;
  ev.next_target_seq = s.next_target_seq;
  switch (s.state) {
    case fix::SessionState::kLoggedOn:
      ev.state = SessionState::kLoggedOn;
      break;
    case fix::SessionState::kLoggedOut:
      ev.state = SessionState::kLoggedOut;
      break;
    case fix::SessionState::kRefused:
      ev.state = SessionState::kDisconnected;
      break;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    status_[s.session] = s.text;
  }
  ++c_.status;
  push(ev);
}

void FixInbound::on_market_data(const fix::MarketDataUpdate& m) {
  const auto it = symbols_.find(m.symbol);
  if (it == symbols_.end()) {
    ++c_.unknown_symbols;
    return;
  }
  ++c_.market_data;
  const Timestamp t{m.time_ns};
  if (market_time_ != nullptr && m.time_ns > 0) {
    std::int64_t cur = market_time_->load(std::memory_order_relaxed);
    while (cur < m.time_ns &&
           !market_time_->compare_exchange_weak(cur, m.time_ns, std::memory_order_release)) {
    }
  }
  if (m.has_quote) {
    QuoteUpdated q{};
    q.hdr.event_time = t;
    q.instrument = it->second;
    q.bid = Price::from_raw(m.bid);
    q.bid_size = Qty::from_raw(m.bid_size);
    q.ask = Price::from_raw(m.ask);
    q.ask_size = Qty::from_raw(m.ask_size);
    push(q);
  }
  if (m.has_trade) {
    TradePrinted tp{};
    tp.hdr.event_time = t;
    tp.instrument = it->second;
    tp.price = Price::from_raw(m.trade_px);
    tp.size = Qty::from_raw(m.trade_size);
    push(tp);
  }
}

std::string FixInbound::last_unbookable() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_unbookable_;
}

std::string FixInbound::last_status(std::uint16_t session) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = status_.find(session);
  return it == status_.end() ? std::string() : it->second;
}

// ------------------------------------------------------------------------ outbound

namespace {

char fix_side(Side s) noexcept {
  return s == Side::kBuy ? '1' : '2';
}
char fix_ord_type(OrdType t) noexcept {
  return t == OrdType::kMarket ? '1' : '2';
}
char fix_tif(TimeInForce t) noexcept {
  switch (t) {
    case TimeInForce::kDay:
      return '0';
    case TimeInForce::kGtc:
      return '1';
    case TimeInForce::kIoc:
      return '3';
  }
  return '0';
}

template <std::size_t N>
void put_id(char (&dst)[N], OrderId id) noexcept {
  static_assert(N > kMaxClOrdIdLength);
  const std::size_t n = format_cl_ord_id(id, dst);
  dst[n] = '\0';
}

}  // namespace

FixOutbound::FixOutbound(const InstrumentTable& instruments, std::vector<std::string> account_keys,
                         fix::Initiator& initiator, std::vector<bool> mass_cancel)
    : instruments_(instruments),
      accounts_(std::move(account_keys)),
      initiator_(initiator),
      mass_(mass_cancel.size()) {
  for (std::size_t i = 0; i < mass_cancel.size(); ++i) mass_[i].enabled = mass_cancel[i];
  sent_.reserve(1u << 16);
}

void FixOutbound::remember(const Event& e) {
  if (const auto* s = std::get_if<SubmitOrder>(&e)) {
    sent_[s->order.value] =
        Sent{s->instrument, s->account, s->session.value, s->side, s->type, s->tif, s->qty};
  } else if (const auto* r = std::get_if<ReplaceOrder>(&e)) {
    const auto it = sent_.find(r->orig_order.value);
    if (it == sent_.end()) return;
    Sent o = it->second;
    o.qty = r->qty;
    sent_[r->order.value] = o;
  }
}

bool FixOutbound::on_event(const Event& e) {
  if (const auto* s = std::get_if<SubmitOrder>(&e)) {
    fix::NewOrder m;
    m.session = s->session.value;
    put_id(m.cl_ord_id, s->order);
    if (s->account.value < accounts_.size()) fix::set_text(m.account, accounts_[s->account.value]);
    fix::set_text(m.symbol, instruments_[s->instrument].symbol);
    m.side = fix_side(s->side);
    m.ord_type = fix_ord_type(s->type);
    m.time_in_force = fix_tif(s->tif);
    m.qty = s->qty.raw;
    m.price = s->limit.raw;
    m.transact_time_ns = s->hdr.event_time.ns;
    sent_[s->order.value] =
        Sent{s->instrument, s->account, m.session, s->side, s->type, s->tif, s->qty};
    ++c_.new_orders;
    if (initiator_.send(m)) return true;
    ++c_.send_failures;
    return false;
  }
  if (const auto* c = std::get_if<CancelOrder>(&e)) {
    const auto it = sent_.find(c->orig_order.value);
    if (it == sent_.end()) {
      ++c_.unknown_orders;
      return false;
    }
    const Sent& o = it->second;
    fix::CancelRequest m;
    m.session = o.session;
    put_id(m.cl_ord_id, c->order);
    put_id(m.orig_cl_ord_id, c->orig_order);
    if (o.account.value < accounts_.size()) fix::set_text(m.account, accounts_[o.account.value]);
    fix::set_text(m.symbol, instruments_[o.instrument].symbol);
    m.side = fix_side(o.side);
    m.qty = o.qty.raw;
    m.transact_time_ns = c->hdr.event_time.ns;
    ++c_.cancels;
    if (c->sweep != 0 && m.session < mass_.size() && mass_[m.session].enabled) {
      // A sweep of every working order: the session's first cancel of it sends one 35=q for all,
      // and each cancel of the sweep is covered by it (sent on its own only if the broker
      // refuses the 35=q).
      Mass& ms = mass_[m.session];
      if (ms.sweep != c->sweep) {
        ms.sweep = c->sweep;
        fix::MassCancelRequest q;
        q.session = m.session;
        q.cl_ord_id[0] = fix::kMassIdPrefix;
        const std::size_t n = format_cl_ord_id(c->order, q.cl_ord_id + 1);
        q.cl_ord_id[n + 1] = '\0';
        q.transact_time_ns = c->hdr.event_time.ns;
        ms.open = initiator_.send_mass_cancel(q);
        if (ms.open) {
          std::memcpy(ms.id, q.cl_ord_id, sizeof(ms.id));
          ++c_.mass_cancels;
        }
      }
      if (ms.open) {
        if (initiator_.send_covered(ms.id, m)) return true;
        ++c_.send_failures;
        return false;
      }
    }
    if (initiator_.send(m)) return true;
    ++c_.send_failures;
    return false;
  }
  if (const auto* r = std::get_if<ReplaceOrder>(&e)) {
    const auto it = sent_.find(r->orig_order.value);
    if (it == sent_.end()) {
      ++c_.unknown_orders;
      return false;
    }
    Sent o = it->second;
    fix::ReplaceRequest m;
    m.session = o.session;
    put_id(m.cl_ord_id, r->order);
    put_id(m.orig_cl_ord_id, r->orig_order);
    if (o.account.value < accounts_.size()) fix::set_text(m.account, accounts_[o.account.value]);
    fix::set_text(m.symbol, instruments_[o.instrument].symbol);
    m.side = fix_side(o.side);
    m.ord_type = fix_ord_type(o.type);
    m.time_in_force = fix_tif(o.tif);
    m.qty = r->qty.raw;
    m.price = r->limit.raw;
    m.transact_time_ns = r->hdr.event_time.ns;
    o.qty = r->qty;
    sent_[r->order.value] = o;
    ++c_.replaces;
    if (initiator_.send(m)) return true;
    ++c_.send_failures;
    return false;
  }
  if (const auto* q = std::get_if<QueryOrderStatus>(&e)) {
    const auto it = sent_.find(q->order.value);
    if (it == sent_.end()) {
      ++c_.unknown_orders;
      return false;
    }
    fix::StatusRequest m;
    m.session = it->second.session;
    put_id(m.cl_ord_id, q->order);
    fix::set_text(m.symbol, instruments_[it->second.instrument].symbol);
    m.side = fix_side(it->second.side);
    ++c_.status_requests;
    if (initiator_.send(m)) return true;
    ++c_.send_failures;
    return false;
  }
  return true;
}

}  // namespace ballast

namespace ballast {

bool to_tape_event(const Event& e, const InstrumentTable& instruments, fix::TapeEvent& te) {
  te = fix::TapeEvent{};
  if (const auto* q = std::get_if<QuoteUpdated>(&e)) {
    fix::set_text(te.symbol, instruments[q->instrument].symbol);
    te.bid = q->bid.raw;
    te.bid_size = q->bid_size.raw;
    te.ask = q->ask.raw;
    te.ask_size = q->ask_size.raw;
  } else if (const auto* tp = std::get_if<TradePrinted>(&e)) {
    fix::set_text(te.symbol, instruments[tp->instrument].symbol);
    te.is_trade = true;
    te.price = tp->price.raw;
    te.size = tp->size.raw;
  } else {
    return false;
  }
  te.time_ns = header(e).event_time.ns;
  return true;
}

}  // namespace ballast
