// Ballast's FIX codec: structs <-> QuickFIX messages, both ways (see fix_codec.hpp).
#include "common/fix_codec.hpp"

#include <quickfix/Exceptions.h>
#include <quickfix/Group.h>

#include <cstring>

#include "ballast/fix/fix_decimal.hpp"
#include "ballast/fix/fix_raw.hpp"
#include "common/frame_check.hpp"

namespace ballast {
namespace fix {
namespace codec {

namespace {

// ------------------------------------------------------------------------------ outbound helpers

template <std::size_t N>
std::string str(const char (&a)[N]) {
  std::size_t n = 0;
  while (n < N && a[n] != '\0') ++n;
  return std::string(a, n);
}

bool printable(const std::string& s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// Writes one message's body field by field; the first field that cannot be sent stops it and
// is named in `error` ("<message>: <field> (<tag>) ...").
class Writer {
 public:
  Writer(FIX::Message& out, const char* type, const char* msg_name, std::string& error)
      : out_(out), name_(msg_name), error_(error) {
    out.clear();
    out.getHeader().setField(35, type);
  }
  bool ok() const { return ok_; }

  // A text field; refused when required and empty or when it holds a control byte.
  template <std::size_t N>
  Writer& text(int tag, const char* what, const char (&v)[N], bool required) {
    const std::string s = str(v);
    if (!ok_ || (s.empty() && !required)) return *this;
    if (s.empty()) return fail(tag, what, "is empty");
    if (!printable(s)) return fail(tag, what, "holds a control character");
    out_.setField(tag, s);
    return *this;
  }
  Writer& chr(int tag, const char* what, char c) {
    if (!ok_) return *this;
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      return fail(tag, what, "is not a FIX char");
    out_.setField(tag, std::string(1, c));
    return *this;
  }
  // A non-negative integer (reasons, RefTagID).
  Writer& count(int tag, const char* what, long long v) {
    if (!ok_) return *this;
    if (v < 0) return fail(tag, what, "must be >= 0, got " + std::to_string(v));
    out_.setField(tag, std::to_string(v));
    return *this;
  }
  Writer& decimal(int tag, std::int64_t raw, int decimals) {
    if (ok_) out_.setField(tag, format_decimal(raw, decimals));
    return *this;
  }
  // An order's quantity, > 0.
  Writer& qty(std::int64_t raw) {
    if (ok_ && raw <= 0) return fail(38, "OrderQty", "must be > 0, got raw " + std::to_string(raw));
    return decimal(38, raw, kQtyDecimals);
  }
  // A limit order's Price, > 0; none for a market order.
  Writer& limit_price(char ord_type, std::int64_t raw) {
    if (!ok_ || ord_type == '1') return *this;
    if (raw <= 0)
      return fail(44, "Price",
                  "must be > 0 for OrdType " + std::string(1, ord_type) + ", got raw " +
                      std::to_string(raw));
    return decimal(44, raw, kPriceDecimals);
  }
  Writer& time(int tag, std::int64_t ns) {
    if (ok_) out_.setField(tag, format_utc_timestamp_ms(ns));
    return *this;
  }
  Writer& fixed(int tag, const char* v) {
    if (ok_) out_.setField(tag, v);
    return *this;
  }

 private:
  Writer& fail(int tag, const char* what, const std::string& why) {
    ok_ = false;
    error_ = std::string(name_) + ": " + what + " (" + std::to_string(tag) + ") " + why;
    return *this;
  }

  FIX::Message& out_;
  const char* name_;
  std::string& error_;
  bool ok_ = true;
};

// The order terms D and G share, after their ids.
template <class Order>
bool put_order_terms(Writer& w, const Order& m, Version v) {
  w.text(1, "Account", m.account, false)
      .text(55, "Symbol", m.symbol, true)
      .chr(54, "Side", m.side)
      .chr(40, "OrdType", m.ord_type)
      .chr(59, "TimeInForce", m.time_in_force)
      .qty(m.qty)
      .limit_price(m.ord_type, m.price);
  if (v == Version::kFix42) w.fixed(21, "1");  // HandlInst: automated, no intervention
  return w.time(60, m.transact_time_ns).ok();
}

// ------------------------------------------------------------------------------- inbound helpers

// Copies an identifier; a value too long for the struct is refused (IncorrectTagValue), never cut.
template <std::size_t N>
void get_id(const FIX::FieldMap& m, int tag, char (&dst)[N]) {
  dst[0] = '\0';
  if (!m.isSetField(tag)) return;
  if (!set_text(dst, m.getField(tag))) throw FIX::IncorrectTagValue(tag);
}

// An informational identifier: a value too long for the struct leaves it empty (never cut).
template <std::size_t N>
void get_info_id(const FIX::FieldMap& m, int tag, char (&dst)[N]) {
  dst[0] = '\0';
  if (m.isSetField(tag)) set_text(dst, m.getField(tag));
}

// Free text (58): longer values are cut and end in "..." (it is for people, not for matching).
template <std::size_t N>
void get_free_text(const FIX::FieldMap& m, int tag, char (&dst)[N]) {
  dst[0] = '\0';
  if (!m.isSetField(tag)) return;
  const std::string& v = m.getField(tag);
  if (!set_text(dst, v)) {
    std::string cut = v.substr(0, N - 4) + "...";
    set_text(dst, cut);
  }
}

char get_char(const FIX::FieldMap& m, int tag, char dflt) {
  if (!m.isSetField(tag)) return dflt;
  const std::string& v = m.getField(tag);
  if (v.size() != 1) throw FIX::IncorrectDataFormat(tag);
  return v[0];
}

std::int64_t get_decimal(const FIX::FieldMap& m, int tag, int decimals) {
  if (!m.isSetField(tag)) return 0;
  std::int64_t raw = 0;
  if (!parse_decimal(m.getField(tag), decimals, raw)) throw FIX::IncorrectDataFormat(tag);
  return raw;
}

int get_int(const FIX::FieldMap& m, int tag, int dflt) {
  if (!m.isSetField(tag)) return dflt;
  const std::string& v = m.getField(tag);
  if (v.empty() || v.size() > 9) throw FIX::IncorrectDataFormat(tag);
  int n = 0;
  for (const char c : v) {
    if (c < '0' || c > '9') throw FIX::IncorrectDataFormat(tag);
    n = n * 10 + (c - '0');
  }
  return n;
}

// A sequence number (up to 18 digits); 0 when absent.
std::uint64_t get_seq(const FIX::FieldMap& m, int tag) {
  if (!m.isSetField(tag)) return 0;
  const std::string& v = m.getField(tag);
  if (v.empty() || v.size() > 18) throw FIX::IncorrectDataFormat(tag);
  std::uint64_t n = 0;
  for (const char c : v) {
    if (c < '0' || c > '9') throw FIX::IncorrectDataFormat(tag);
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

bool yes(const FIX::FieldMap& m, int tag) {
  return m.isSetField(tag) && m.getField(tag) == "Y";
}

// A UTCTimestamp as ns since the epoch; 0 when absent.
std::int64_t get_time(const FIX::FieldMap& m, int tag) {
  if (!m.isSetField(tag)) return 0;
  const std::string& v = m.getField(tag);
  std::int64_t ns = 0;
  if (!parse_utc_timestamp(v.data(), v.size(), ns)) throw FIX::IncorrectDataFormat(tag);
  return ns;
}

// An informational UTCTimestamp: 0 when absent or unreadable.
std::int64_t get_info_time(const FIX::FieldMap& m, int tag) {
  if (!m.isSetField(tag)) return 0;
  const std::string& v = m.getField(tag);
  std::int64_t ns = 0;
  return parse_utc_timestamp(v.data(), v.size(), ns) ? ns : 0;
}

// An identifier that Need::kToExecute requires.
template <std::size_t N>
void get_id(const FIX::FieldMap& m, int tag, char (&dst)[N], Need n) {
  if (n == Need::kToExecute && !m.isSetField(tag)) throw FIX::FieldNotFound(tag);
  get_id(m, tag, dst);
}

// A one-character field that Need::kToExecute requires.
char get_char(const FIX::FieldMap& m, int tag, char dflt, Need n) {
  if (n == Need::kToExecute && !m.isSetField(tag)) throw FIX::FieldNotFound(tag);
  return get_char(m, tag, dflt);
}

// ClOrdID, Symbol and Side: what F and H start with.
template <class Request>
void get_request_head(const FIX::FieldMap& m, Request& r, Need n) {
  get_id(m, 11, r.cl_ord_id, n);
  get_id(m, 55, r.symbol, n);
  r.side = get_char(m, 54, '1', n);
}

// The order terms after the ids, shared by D and G (NewOrder, ReplaceRequest), read in this
// order (the first bad one is the one reported).
template <class Order>
void get_order_terms(const FIX::FieldMap& m, Order& o, Need n) {
  get_id(m, 1, o.account);
  get_id(m, 55, o.symbol, n);
  o.side = get_char(m, 54, '1', n);
  o.ord_type = get_char(m, 40, '2', n);
  o.time_in_force = get_char(m, 59, '0');
  if (n == Need::kToExecute && !m.isSetField(38)) throw FIX::FieldNotFound(38);
  o.qty = get_decimal(m, 38, kQtyDecimals);
  // a limit order's price
  if (n == Need::kToExecute && o.ord_type == '2' && !m.isSetField(44)) throw FIX::FieldNotFound(44);
  o.price = get_decimal(m, 44, kPriceDecimals);
  o.transact_time_ns = get_time(m, 60);
}

}  // namespace

// ------------------------------------------------------------------------------------- outbound

bool build(const NewOrder& m, Version v, FIX::Message& out, std::string& error) {
  Writer w(out, "D", "NewOrderSingle", error);
  w.text(11, "ClOrdID", m.cl_ord_id, true);
  return put_order_terms(w, m, v);
}

bool build(const CancelRequest& m, Version, FIX::Message& out, std::string& error) {
  Writer w(out, "F", "OrderCancelRequest", error);
  return w.text(11, "ClOrdID", m.cl_ord_id, true)
      .text(41, "OrigClOrdID", m.orig_cl_ord_id, true)
      .text(1, "Account", m.account, false)
      .text(55, "Symbol", m.symbol, true)
      .chr(54, "Side", m.side)
      .qty(m.qty)
      .time(60, m.transact_time_ns)
      .ok();
}

bool build(const ReplaceRequest& m, Version v, FIX::Message& out, std::string& error) {
  Writer w(out, "G", "OrderCancelReplaceRequest", error);
  w.text(11, "ClOrdID", m.cl_ord_id, true).text(41, "OrigClOrdID", m.orig_cl_ord_id, true);
  return put_order_terms(w, m, v);
}

bool build(const StatusRequest& m, Version, FIX::Message& out, std::string& error) {
  Writer w(out, "H", "OrderStatusRequest", error);
  return w.text(11, "ClOrdID", m.cl_ord_id, true)
      .text(55, "Symbol", m.symbol, true)
      .chr(54, "Side", m.side)
      .ok();
}

bool build(const MassCancelRequest& m, Version v, FIX::Message& out, std::string& error) {
  Writer w(out, "q", "OrderMassCancelRequest", error);
  if (v == Version::kFix42) {
    error = "OrderMassCancelRequest: MsgType (35) q does not exist in FIX 4.2";
    return false;
  }
  w.text(11, "ClOrdID", m.cl_ord_id, true);
  if (m.symbol[0] == '\0') {
    w.fixed(530, "7");  // cancel all orders
  } else {
    w.fixed(530, "1").text(55, "Symbol", m.symbol, true);  // cancel orders for a security
  }
  return w.time(60, m.transact_time_ns).ok();
}

bool build(const MassCancelReport& m, Version v, FIX::Message& out, std::string& error) {
  Writer w(out, "r", "OrderMassCancelReport", error);
  if (v == Version::kFix42) {
    error = "OrderMassCancelReport: MsgType (35) r does not exist in FIX 4.2";
    return false;
  }
  w.text(11, "ClOrdID", m.cl_ord_id, true)
      .text(37, "OrderID", m.order_id, true)
      .chr(530, "MassCancelRequestType", m.request_type)
      .chr(531, "MassCancelResponse", m.response);
  if (m.reject_reason >= 0) w.count(532, "MassCancelRejectReason", m.reject_reason);
  if (m.affected >= 0) w.count(533, "TotalAffectedOrders", m.affected);
  return w.text(58, "Text", m.text, false).ok();
}

bool build(const ExecutionReport& m, Version v, FIX::Message& out, std::string& error) {
  Writer w(out, "8", "ExecutionReport", error);
  w.text(37, "OrderID", m.order_id, true)
      .text(11, "ClOrdID", m.cl_ord_id, false)
      .text(41, "OrigClOrdID", m.orig_cl_ord_id, false)
      .text(17, "ExecID", m.exec_id, true)
      .text(19, "ExecRefID", m.exec_ref_id, false);
  if (v == Version::kFix42) w.chr(20, "ExecTransType", m.exec_trans_type);
  w.chr(150, "ExecType", m.exec_type)
      .chr(39, "OrdStatus", m.ord_status)
      .text(1, "Account", m.account, false)
      .text(55, "Symbol", m.symbol, false)
      .chr(54, "Side", m.side);
  if (m.ord_type != '\0') w.chr(40, "OrdType", m.ord_type);
  if (m.ord_rej_reason >= 0) w.count(103, "OrdRejReason", m.ord_rej_reason);
  if (m.order_qty != 0) w.decimal(38, m.order_qty, kQtyDecimals);
  if (m.price != 0) w.decimal(44, m.price, kPriceDecimals);
  if (m.last_qty != 0 || m.last_px != 0) {
    w.decimal(32, m.last_qty, kQtyDecimals);  // LastShares (4.2) / LastQty (4.4)
    w.decimal(31, m.last_px, kPriceDecimals);
  }
  return w.decimal(151, m.leaves_qty, kQtyDecimals)
      .decimal(14, m.cum_qty, kQtyDecimals)
      .decimal(6, m.avg_px, kPriceDecimals)
      .time(60, m.transact_time_ns)
      .text(58, "Text", m.text, false)
      .ok();
}

bool build(const CancelReject& m, Version, FIX::Message& out, std::string& error) {
  Writer w(out, "9", "OrderCancelReject", error);
  w.text(37, "OrderID", m.order_id, true)
      .text(11, "ClOrdID", m.cl_ord_id, true)
      .text(41, "OrigClOrdID", m.orig_cl_ord_id, true)
      .chr(39, "OrdStatus", m.ord_status)
      .text(1, "Account", m.account, false)
      .chr(434, "CxlRejResponseTo", m.response_to);
  if (m.reason >= 0) w.count(102, "CxlRejReason", m.reason);
  return w.time(60, m.transact_time_ns).text(58, "Text", m.text, false).ok();
}

bool build(const BusinessReject& m, Version, FIX::Message& out, std::string& error) {
  Writer w(out, "j", "BusinessMessageReject", error);
  return w.text(372, "RefMsgType", m.ref_msg_type, true)
      .text(379, "BusinessRejectRefID", m.business_ref_id, false)
      .count(380, "BusinessRejectReason", m.reason)
      .text(58, "Text", m.text, false)
      .ok();
}

bool build(const SessionReject& m, Version, FIX::Message& out, std::string& error) {
  Writer w(out, "3", "Reject", error);
  if (m.ref_seq_num == 0 || m.ref_seq_num > 999999999999999999ULL) {
    error = "Reject: RefSeqNum (45) must be 1 .. 10^18-1, got " + std::to_string(m.ref_seq_num);
    return false;
  }
  w.fixed(45, std::to_string(m.ref_seq_num).c_str()).text(372, "RefMsgType", m.ref_msg_type, false);
  if (m.ref_tag > 0) w.count(371, "RefTagID", m.ref_tag);
  if (m.reason >= 0) w.count(373, "SessionRejectReason", m.reason);
  return w.text(58, "Text", m.text, false).ok();
}

void build_md_request(const std::string& req_id, const std::string& symbol, FIX::Message& out) {
  out.clear();
  out.getHeader().setField(35, "V");
  out.setField(262, req_id);
  out.setField(263, "1");                     // snapshot + updates
  out.setField(264, "1");                     // top of book
  out.setField(265, "1");                     // incremental refresh
  for (const char* type : {"0", "1", "2"}) {  // bid, offer, trade
    FIX::Group g(267, 269);
    g.setField(269, type);
    out.addGroup(g);
  }
  FIX::Group sym(146, 55);
  sym.setField(55, symbol);
  out.addGroup(sym);
}

// -------------------------------------------------------------------------------------- inbound

namespace {

// Reading an ExecutionReport never throws: a report is never refused for the format of a field.
// Fields the engine books from are checked and the first unusable one is named in bad_tag; the
// rest (informational, or rounded) are noted in `problem` for the log.
class ReportReader {
 public:
  ReportReader(const FIX::FieldMap& m, ExecutionReport& r) : m_(m), r_(r) {}

  template <std::size_t N>
  void id(int tag, char (&dst)[N], bool needed) {
    dst[0] = '\0';
    if (!m_.isSetField(tag)) return;
    const std::string& v = m_.getField(tag);
    if (!set_text(dst, v)) {
      note(tag, "longer than " + std::to_string(N - 1) + " characters", v, needed);
    }
  }

  char one_char(int tag, char dflt, bool needed) {
    if (!m_.isSetField(tag)) return dflt;
    const std::string& v = m_.getField(tag);
    if (v.size() != 1) {
      note(tag, "not one character", v, needed);
      return '\0';
    }
    return v[0];
  }

  std::int64_t number(int tag, int decimals, std::uint8_t rounded_bit, bool needed) {
    if (!m_.isSetField(tag)) return 0;
    const std::string& v = m_.getField(tag);
    std::int64_t raw = 0;
    bool rounded = false;
    if (!parse_decimal_rounded(v, decimals, raw, rounded)) {
      note(tag, "not a decimal Ballast can hold", v, needed);
      return 0;
    }
    if (rounded) {
      r_.rounded |= rounded_bit;
      add("rounded " + std::to_string(tag) + "=" + v.substr(0, 40) + " to " +
          format_decimal(raw, decimals));
    }
    return raw;
  }

  int count(int tag) {
    if (!m_.isSetField(tag)) return -1;
    const std::string& v = m_.getField(tag);
    int n = 0;
    bool ok = !v.empty() && v.size() <= 9;
    for (const char c : v) {
      ok = ok && c >= '0' && c <= '9';
      if (ok) n = n * 10 + (c - '0');
    }
    if (!ok) {
      note(tag, "not a number", v, false);
      return -1;
    }
    return n;
  }

  std::int64_t time(int tag) {
    if (!m_.isSetField(tag)) return 0;
    const std::string& v = m_.getField(tag);
    std::int64_t ns = 0;
    if (!parse_utc_timestamp(v.data(), v.size(), ns)) {
      note(tag, "not a UTCTimestamp", v, false);
      return 0;
    }
    return ns;
  }

 private:
  void note(int tag, const std::string& what, const std::string& v, bool needed) {
    if (needed && r_.bad_tag == 0) r_.bad_tag = tag;
    add(std::to_string(tag) + "='" + v.substr(0, 24) + (v.size() > 24 ? "...'" : "'") + " " + what +
        (needed ? "" : " (informational: ignored)"));
  }
  void add(const std::string& text) {
    std::string cur(r_.problem);
    if (cur.size() >= sizeof(r_.problem) - 4) return;  // already cut
    cur += cur.empty() ? text : "; " + text;
    if (!set_text(r_.problem, cur))
      set_text(r_.problem, cur.substr(0, sizeof(r_.problem) - 4) + "...");
  }

  const FIX::FieldMap& m_;
  ExecutionReport& r_;
};

}  // namespace

void parse(const FIX::Message& msg, ExecutionReport& out) {
  out = ExecutionReport{};
  ReportReader rd(msg, out);
  rd.id(11, out.cl_ord_id, true);
  rd.id(41, out.orig_cl_ord_id, true);
  rd.id(37, out.order_id, false);
  rd.id(17, out.exec_id, true);
  rd.id(19, out.exec_ref_id, true);
  out.exec_trans_type = rd.one_char(20, '0', true);
  rd.id(1, out.account, false);
  rd.id(55, out.symbol, false);
  out.exec_type = rd.one_char(150, '0', true);
  out.ord_status = rd.one_char(39, '0', true);
  out.side = rd.one_char(54, '1', false);
  out.ord_type = rd.one_char(40, '\0', false);
  out.order_qty = rd.number(38, kQtyDecimals, kRoundedOrderQty, false);
  out.price = rd.number(44, kPriceDecimals, 0, false);
  out.last_qty = rd.number(32, kQtyDecimals, kRoundedLastQty, true);  // LastQty / LastShares
  out.last_px = rd.number(31, kPriceDecimals, kRoundedLastPx, true);
  out.cum_qty = rd.number(14, kQtyDecimals, kRoundedCumQty, true);
  out.leaves_qty = rd.number(151, kQtyDecimals, kRoundedLeavesQty, true);
  out.avg_px = rd.number(6, kPriceDecimals, kRoundedAvgPx, false);
  out.transact_time_ns = rd.time(60);
  out.ord_rej_reason = rd.count(103);
  out.poss_dup = yes(msg.getHeader(), 43) || yes(msg.getHeader(), 97);
  get_free_text(msg, 58, out.text);
}

bool parse_refused_report(const std::string& raw, int ref_tag, const std::string& reason,
                          ExecutionReport& out) {
  out = ExecutionReport{};
  if (raw_field(raw, 35) != "8") return false;
  out.session_rejected = true;
  out.bad_tag = ref_tag;
  set_text(out.cl_ord_id, raw_field(raw, 11));
  set_text(out.orig_cl_ord_id, raw_field(raw, 41));
  set_text(out.order_id, raw_field(raw, 37));
  set_text(out.exec_id, raw_field(raw, 17));
  set_text(out.account, raw_field(raw, 1));
  set_text(out.symbol, raw_field(raw, 55));
  const std::string et = raw_field(raw, 150);
  out.exec_type = et.size() == 1 ? et[0] : '\0';
  const std::string os = raw_field(raw, 39);
  out.ord_status = os.size() == 1 ? os[0] : '\0';
  const std::string text = "refused by the session layer: " + reason;
  if (!set_text(out.problem, text))
    set_text(out.problem, text.substr(0, sizeof(out.problem) - 4) + "...");
  return true;
}

void parse(const FIX::Message& msg, CancelReject& out) {
  out = CancelReject{};
  get_id(msg, 11, out.cl_ord_id);
  get_id(msg, 41, out.orig_cl_ord_id);
  // OrderID, Account and TransactTime are for people (the engine goes by ClOrdID): a value
  // that does not fit or read leaves the field empty/0 instead of refusing the reject.
  get_info_id(msg, 37, out.order_id);
  get_info_id(msg, 1, out.account);
  out.ord_status = get_char(msg, 39, '0');
  out.response_to = get_char(msg, 434, '1');
  out.reason = get_int(msg, 102, -1);
  out.transact_time_ns = get_info_time(msg, 60);
  get_free_text(msg, 58, out.text);
}

void parse(const FIX::Message& msg, BusinessReject& out) {
  out = BusinessReject{};
  get_id(msg, 372, out.ref_msg_type);
  get_id(msg, 379, out.business_ref_id);
  out.reason = get_int(msg, 380, -1);
  get_free_text(msg, 58, out.text);
}

void parse(const FIX::Message& msg, MassCancelReport& out) {
  out = MassCancelReport{};
  get_info_id(msg, 11, out.cl_ord_id);
  get_info_id(msg, 37, out.order_id);
  out.request_type = '\0';
  out.response = '0';
  try {
    out.request_type = get_char(msg, 530, '\0');
  } catch (const FIX::Exception&) {
  }
  try {
    out.response = get_char(msg, 531, '0');
  } catch (const FIX::Exception&) {
    out.response = '0';
  }
  try {
    out.reject_reason = get_int(msg, 532, -1);
  } catch (const FIX::Exception&) {
  }
  try {
    out.affected = get_int(msg, 533, -1);
  } catch (const FIX::Exception&) {
  }
  get_free_text(msg, 58, out.text);
}

void parse_md_reject(const FIX::Message& msg, BusinessReject& out) {
  out = BusinessReject{};
  set_text(out.ref_msg_type, std::string("V"));
  get_id(msg, 262, out.business_ref_id);
  if (msg.isSetField(281)) {
    const std::string& r = msg.getField(281);
    out.reason = r.size() == 1 ? static_cast<unsigned char>(r[0]) : -1;  // MDReqRejReason is a char
  }
  get_free_text(msg, 58, out.text);
}

void parse(const FIX::Message& msg, SessionReject& out) {
  out = SessionReject{};
  out.ref_seq_num = get_seq(msg, 45);
  get_id(msg, 372, out.ref_msg_type);
  out.ref_tag = get_int(msg, 371, 0);
  out.reason = get_int(msg, 373, -1);
  get_free_text(msg, 58, out.text);
}

void parse(const FIX::Message& msg, NewOrder& out, Need n) {
  out = NewOrder{};
  get_id(msg, 11, out.cl_ord_id, n);
  get_order_terms(msg, out, n);
}

void parse(const FIX::Message& msg, CancelRequest& out, Need n) {
  out = CancelRequest{};
  get_request_head(msg, out, n);
  get_id(msg, 41, out.orig_cl_ord_id, n);
  get_id(msg, 1, out.account);
  out.qty = get_decimal(msg, 38, kQtyDecimals);
  out.transact_time_ns = get_time(msg, 60);
}

void parse(const FIX::Message& msg, ReplaceRequest& out, Need n) {
  out = ReplaceRequest{};
  get_id(msg, 11, out.cl_ord_id, n);
  get_id(msg, 41, out.orig_cl_ord_id, n);
  get_order_terms(msg, out, n);
}

void parse(const FIX::Message& msg, StatusRequest& out, Need n) {
  out = StatusRequest{};
  get_request_head(msg, out, n);
}

void parse(const FIX::Message& msg, MassCancelRequest& out, Need n) {
  out = MassCancelRequest{};
  get_id(msg, 11, out.cl_ord_id, n);
  const char type = get_char(msg, 530, '7', n);
  if (type == '1') {
    get_id(msg, 55, out.symbol, n);
  } else if (type != '7') {
    throw FIX::IncorrectTagValue(530);  // only "all orders" and "one security" are supported
  }
  out.transact_time_ns = get_info_time(msg, 60);
}

// ---------------------------------------------------------------------------- checked entry

bool named_errors(const std::function<void()>& f, std::string& error) {
  try {
    f();
    return true;
  } catch (const FIX::IncorrectDataFormat& e) {
    error = "tag " + std::to_string(e.field) + ": incorrect data format";
  } catch (const FIX::IncorrectTagValue& e) {
    error = "tag " + std::to_string(e.field) + ": value too long or out of range";
  } catch (const FIX::FieldNotFound& e) {
    error = "tag " + std::to_string(e.field) + ": required field missing";
  } catch (const FIX::InvalidTagNumber& e) {
    error = "tag " + std::to_string(e.field) + ": not a valid tag number";
  } catch (const FIX::Exception& e) {
    error = std::string("not a FIX message: ") + e.what();
  }
  return false;
}

bool read_wire(const std::string& raw, FIX::Message& out, std::string& error) {
  // Framing checked here, so that each error names its field (QuickFIX's say less).
  const std::size_t soh1 = raw.find('\x01');
  if (raw.compare(0, 2, "8=") != 0 || soh1 == std::string::npos || soh1 == 2) {
    error = "tag 8 (BeginString): expected the message to start with 8=<BeginString><SOH>";
    return false;
  }
  const std::size_t soh2 = raw.find('\x01', soh1 + 1);
  if (soh2 == std::string::npos || raw.compare(soh1 + 1, 2, "9=") != 0 || soh2 == soh1 + 3 ||
      soh2 - soh1 - 3 > 9) {
    error = "tag 9 (BodyLength): expected it second, as 9=<bytes><SOH>";
    return false;
  }
  std::size_t declared = 0;
  for (std::size_t i = soh1 + 3; i < soh2; ++i) {
    if (raw[i] < '0' || raw[i] > '9') {
      error = "tag 9 (BodyLength): not a number";
      return false;
    }
    declared = declared * 10 + static_cast<std::size_t>(raw[i] - '0');
  }
  const std::size_t body = soh2 + 1;
  if (raw.size() < 8 ||
      raw.compare(raw.size() - 8, 4,
                  "\x01"
                  "10=") != 0 ||
      raw[raw.size() - 1] != '\x01') {
    error = "tag 10 (CheckSum): expected the message to end with <SOH>10=nnn<SOH>";
    return false;
  }
  const std::size_t trailer = raw.size() - 7;  // first byte of "10="
  if (trailer < body || trailer - body != declared) {
    error = "tag 9 (BodyLength): declared " + std::to_string(declared) + ", the body has " +
            std::to_string(trailer < body ? 0 : trailer - body) + " bytes";
    return false;
  }
  unsigned sum = 0;
  for (std::size_t i = 0; i < trailer; ++i) sum += static_cast<unsigned char>(raw[i]);
  sum %= 256;
  const std::string cs = raw.substr(trailer + 3, 3);
  const char want[4] = {static_cast<char>('0' + sum / 100), static_cast<char>('0' + sum / 10 % 10),
                        static_cast<char>('0' + sum % 10), '\0'};
  if (cs != want) {
    error = "tag 10 (CheckSum): " + cs + ", the bytes sum to " + want;
    return false;
  }
  // QuickFIX's parser trusts a data field's declared length; frame_check refuses what it
  // cannot read safely (the check broker-sim's acceptor makes too).
  std::string bad;
  if (!data_fields_fit(raw, bad)) {
    error = bad;
    return false;
  }
  return named_errors([&] { out.setString(raw, false); }, error);
}

bool parse_checked(const FIX::Message& msg, ExecutionReport& out, std::string& error) {
  parse(msg, out);
  if (out.bad_tag == 0) return true;
  error = "tag " + std::to_string(out.bad_tag) + ": " + out.problem;
  return false;
}

char required_char(const FIX::FieldMap& m, int tag) {
  if (!m.isSetField(tag)) throw FIX::FieldNotFound(tag);
  return get_char(m, tag, '\0');
}

std::string cl_ord_id_of(const FIX::Message& msg) {
  return msg.isSetField(11) ? msg.getField(11) : std::string();
}

// ---------------------------------------------------------------------------------- market data

namespace {

// MDEntryDate (272) + MDEntryTime (273) when present (a time alone takes SendingTime's date),
// else SendingTime (52).
std::int64_t entry_time(const FIX::FieldMap& entry, const std::string& sending_time) {
  std::string date;
  if (entry.isSetField(272)) {
    date = entry.getField(272);
  } else if (sending_time.size() >= 8) {
    date = sending_time.substr(0, 8);
  }
  if (entry.isSetField(273) && !date.empty()) {
    const std::string text = date + "-" + entry.getField(273);
    std::int64_t ns = 0;
    if (!parse_utc_timestamp(text.data(), text.size(), ns)) throw FIX::IncorrectDataFormat(273);
    return ns;
  }
  if (entry.isSetField(272)) {
    const std::string text = date + "-00:00:00";
    std::int64_t ns = 0;
    if (!parse_utc_timestamp(text.data(), text.size(), ns)) throw FIX::IncorrectDataFormat(272);
    return ns;
  }
  std::int64_t ns = 0;
  parse_utc_timestamp(sending_time.data(), sending_time.size(), ns);
  return ns;
}

}  // namespace

void TopOfBook::apply(const FIX::Message& msg, std::uint16_t session,
                      std::vector<MarketDataUpdate>& out) {
  const std::string type = msg.getHeader().getField(35);
  const bool snapshot = type == "W";
  const std::string sending_time =
      msg.getHeader().isSetField(52) ? msg.getHeader().getField(52) : "";
  std::int64_t sending_ns = 0;
  parse_utc_timestamp(sending_time.data(), sending_time.size(), sending_ns);

  struct Pending {
    bool quote_dirty = false;
    std::int64_t time_ns = 0;
  };
  std::map<std::string, Pending> touched;
  std::vector<std::string> order;  // symbols in the order first seen

  auto emit = [&](const std::string& symbol, const Book& b, bool trade, std::int64_t px,
                  std::int64_t size, std::int64_t time_ns) {
    MarketDataUpdate u;
    u.session = session;
    set_text(u.symbol, symbol);
    u.snapshot = snapshot;
    u.has_quote = b.has_quote;
    u.bid = b.bid;
    u.bid_size = b.bid_size;
    u.ask = b.ask;
    u.ask_size = b.ask_size;
    u.has_trade = trade;
    u.trade_px = px;
    u.trade_size = size;
    u.time_ns = time_ns;
    out.push_back(u);
  };

  std::string symbol;
  if (snapshot) {
    if (!msg.isSetField(55)) throw FIX::FieldNotFound(55);
    symbol = msg.getField(55);
    char check[sizeof(MarketDataUpdate{}.symbol)];
    if (!set_text(check, symbol)) throw FIX::IncorrectTagValue(55);
    Book& b = books_[symbol];
    b = Book{};
    b.has_quote = true;  // a full refresh defines both sides (absent: empty)
    touched[symbol].quote_dirty = true;
    order.push_back(symbol);
  }

  const std::size_t n = msg.groupCount(268);
  for (std::size_t i = 1; i <= n; ++i) {
    const FIX::FieldMap& e = msg.getGroupRef(static_cast<int>(i), 268);
    if (!snapshot && e.isSetField(55)) {
      symbol = e.getField(55);  // an entry without Symbol repeats the previous entry's
      char check[sizeof(MarketDataUpdate{}.symbol)];
      if (!set_text(check, symbol)) throw FIX::IncorrectTagValue(55);
    }
    if (symbol.empty()) throw FIX::FieldNotFound(55);
    const char entry_type = get_char(e, 269, '\0');
    const char action = snapshot ? '0' : get_char(e, 279, '0');  // 0 new, 1 change, 2 delete
    const std::int64_t px = get_decimal(e, 270, kPriceDecimals);
    const std::int64_t size = get_decimal(e, 271, kQtyDecimals);
    const std::int64_t t = entry_time(e, sending_time);
    if (touched.find(symbol) == touched.end()) order.push_back(symbol);
    Pending& p = touched[symbol];
    p.time_ns = t;
    Book& b = books_[symbol];
    switch (entry_type) {
      case '0':
      case '1': {
        const bool bid = entry_type == '0';
        std::int64_t& side_px = bid ? b.bid : b.ask;
        std::int64_t& side_size = bid ? b.bid_size : b.ask_size;
        if (action == '2') {
          side_px = 0;
          side_size = 0;
        } else if (snapshot && side_px != 0) {
          // a full refresh with more than one level: keep the best
          if (bid ? px > side_px : px < side_px) {
            side_px = px;
            side_size = size;
          }
        } else {
          side_px = px;
          side_size = size;
        }
        b.has_quote = true;
        p.quote_dirty = true;
        break;
      }
      case '2':
        if (action == '2') break;  // a deleted trade entry carries nothing new
        emit(symbol, b, true, px, size, t);
        p.quote_dirty = false;  // the quote went out with the trade
        break;
      default:
        break;  // entry types Ballast did not ask for
    }
  }
  for (const std::string& s : order) {
    const Pending& p = touched[s];
    if (p.quote_dirty) emit(s, books_[s], false, 0, 0, p.time_ns != 0 ? p.time_ns : sending_ns);
  }
}

void check_logon(const FIX::Message& logon) {
  if (!logon.isSetField(108)) return;
  const std::string& v = logon.getField(108);
  bool ok = !v.empty() && v.size() <= 10;
  long long n = 0;
  for (std::size_t k = 0; ok && k < v.size(); ++k) {
    ok = v[k] >= '0' && v[k] <= '9';
    n = n * 10 + (v[k] - '0');
  }
  if (!ok || n > 2147483647LL) {
    std::string shown = v.substr(0, 32);
    for (char& c : shown) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
    }
    throw FIX::RejectLogon("Logon HeartBtInt (108) is not a whole number of seconds: '" + shown +
                           (v.size() > 32 ? "...'" : "'"));
  }
}

}  // namespace codec
}  // namespace fix
}  // namespace ballast
