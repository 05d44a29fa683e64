// Ballast's one FIX codec: plain message structs (fix_messages.hpp) <-> QuickFIX messages, for
// FIX 4.2 and 4.4, both ways for every application message Ballast and broker-sim exchange:
// NewOrderSingle D, OrderCancelRequest F, OrderCancelReplaceRequest G, OrderStatusRequest H,
// ExecutionReport 8, OrderCancelReject 9, BusinessMessageReject j and session Reject 3. The
// initiator, broker-sim, the FIX log reader (and through it `ballast replay` and the demo's
// reconciliation) all read and write these messages here. Numbers go through exact decimal text
// (fix_decimal.hpp), never QuickFIX's double fields. A struct built and parsed back is the same
// struct (tests/fix/fix_codec_golden_test.cpp; golden messages in tests/fix/golden/).
//
// Builders return false with `error` (naming the message and field) when a struct cannot be
// sent; they set MsgType (35) and the body, never the session header (CompIDs, MsgSeqNum,
// SendingTime, PossDupFlag: QuickFIX's session does). Parsers throw QuickFIX's own exceptions
// (FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue with the tag), which a
// QuickFIX session turns into a session Reject, except parse(ExecutionReport), which never
// throws (see there).
#pragma once

#include <quickfix/Message.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ballast/fix/fix_messages.hpp"

namespace ballast {
namespace fix {
namespace codec {

enum class Version : std::uint8_t { kFix42, kFix44 };

bool build(const NewOrder& m, Version v, FIX::Message& out, std::string& error);
bool build(const CancelRequest& m, Version v, FIX::Message& out, std::string& error);
bool build(const ReplaceRequest& m, Version v, FIX::Message& out, std::string& error);
bool build(const StatusRequest& m, Version v, FIX::Message& out, std::string& error);
/// OrderMassCancelRequest (q): 11, 530 ('7', or '1' with 55), 60. FIX 4.4 only (false in 4.2).
bool build(const MassCancelRequest& m, Version v, FIX::Message& out, std::string& error);
/// OrderMassCancelReport (r): 11, 37, 530, 531 always; 532 when reject_reason >= 0, 533 when
/// affected >= 0, 58 when not empty (broker-sim's answer).
bool build(const MassCancelReport& m, Version v, FIX::Message& out, std::string& error);
/// ExecutionReport (8). Sent: 37, 17, 150, 39, 54, 151, 14, 6, 60 always; 20 (ExecTransType)
/// in 4.2 only; 11, 41, 19, 1, 55, 58 when not empty; 38 when order_qty != 0, 40 when ord_type is
/// set, 44 when price != 0, 32 and 31 together when either is != 0, 103 when ord_rej_reason >= 0.
/// Not sent: session, poss_dup (the session's resend sets it), rounded, bad_tag, problem,
/// session_rejected (what the reader noticed).
bool build(const ExecutionReport& m, Version v, FIX::Message& out, std::string& error);
/// OrderCancelReject (9). Sent: 37, 11, 41, 39, 434, 60 always; 1 and 58 when not empty; 102
/// when reason >= 0.
bool build(const CancelReject& m, Version v, FIX::Message& out, std::string& error);
/// BusinessMessageReject (j). Sent: 372 and 380 always (reason must be >= 0); 379 and 58 when
/// not empty.
bool build(const BusinessReject& m, Version v, FIX::Message& out, std::string& error);
/// Session Reject (3). Sent: 45 always; 372, 58 when not empty; 371 when ref_tag > 0, 373 when
/// reason >= 0. cl_ord_id is not on the wire (the reader finds it from RefSeqNum).
bool build(const SessionReject& m, Version v, FIX::Message& out, std::string& error);
/// MarketDataRequest (35=V): snapshot + updates (263=1), top of book (264=1), incremental
/// (265=1), entry types bid/offer/trade, one symbol.
void build_md_request(const std::string& req_id, const std::string& symbol, FIX::Message& out);

/// Never throws for a field's format: unusable needed fields are named in out.bad_tag, rounded
/// and informational problems in out.problem (see ExecutionReport).
void parse(const FIX::Message& msg, ExecutionReport& out);
/// An ExecutionReport that the session layer refused (`raw`: the message as received) as far as
/// its identifiers can be read, marked session_rejected with `reason`. False: not a 35=8.
bool parse_refused_report(const std::string& raw, int ref_tag, const std::string& reason,
                          ExecutionReport& out);
/// OrderID (37), Account (1) and TransactTime (60) are informational: a value that does not fit
/// or read leaves the field empty/0 (a broker's long OrderID never gets a reject refused).
void parse(const FIX::Message& msg, CancelReject& out);
void parse(const FIX::Message& msg, BusinessReject& out);
/// OrderMassCancelReport (r). Never throws: an unreadable 532/533 reads -1, an absent or
/// unreadable 531 reads '0' (rejected: the safe reading, the sender falls back to single cancels).
void parse(const FIX::Message& msg, MassCancelReport& out);
/// MarketDataRequestReject (35=Y), reported as a BusinessReject with ref_msg_type "V" and the
/// MDReqID in business_ref_id.
void parse_md_reject(const FIX::Message& msg, BusinessReject& out);
void parse(const FIX::Message& msg, SessionReject& out);
/// A Logon's fields QuickFIX keeps and converts later, outside its own error handling: HeartBtInt
/// (108), read by its heartbeat timer, where a conversion error escapes Session::next and ends the
/// connection's thread (a process abort). Throws FIX::RejectLogon naming the tag and the value
/// unless 108 is absent or a whole number from 0 to 2,147,483,647 (the initiator's fromAdmin calls
/// this: QuickFIX then logs out and drops the connection).
void check_logon(const FIX::Message& logon);
/// How the order parsers treat an absent field.
enum class Need : std::uint8_t {
  kWhatIsThere,  ///< absent fields keep the struct's defaults (the FIX log reader)
  kToExecute,    ///< a broker's reading (broker-sim): the fields it needs to act must be present
                 ///< (D, G: 11, 55, 54, 40, 38, and 44 for a limit order; F: 11, 41, 55, 54; H:
                 ///< 11, 55, 54), else FIX::FieldNotFound naming the tag
};
/// The orders, read: D, F, G, H. A value that is not the field's format throws
/// FIX::IncorrectDataFormat, an identifier too long for its field FIX::IncorrectTagValue, naming
/// the tag.
void parse(const FIX::Message& msg, NewOrder& out, Need need = Need::kWhatIsThere);
void parse(const FIX::Message& msg, CancelRequest& out, Need need = Need::kWhatIsThere);
void parse(const FIX::Message& msg, ReplaceRequest& out, Need need = Need::kWhatIsThere);
void parse(const FIX::Message& msg, StatusRequest& out, Need need = Need::kWhatIsThere);
/// OrderMassCancelRequest (q), a broker's reading: 11 and 530 needed with kToExecute; 55 with
/// 530=1.
void parse(const FIX::Message& msg, MassCancelRequest& out, Need need = Need::kWhatIsThere);

/// One raw message (SOH-delimited, "8=...|9=...|35=..." to "10=nnn|") into `out`, BodyLength and
/// CheckSum checked. False with `error` ("tag 10 (CheckSum): ...") when it is not a message.
bool read_wire(const std::string& raw, FIX::Message& out, std::string& error);
/// Runs `f`; QuickFIX's exceptions become `error` naming the tag ("tag 38: incorrect data
/// format"). False then.
bool named_errors(const std::function<void()>& f, std::string& error);
/// parse() for the struct, with its exceptions turned into `error` naming the tag; false then
/// (the struct holds what was read before it).
template <class T>
bool parse_checked(const FIX::Message& msg, T& out, std::string& error) {
  return named_errors([&] { parse(msg, out); }, error);
}
/// For an ExecutionReport (never refused): false when a needed field is unusable (bad_tag,
/// named in `error`).
bool parse_checked(const FIX::Message& msg, ExecutionReport& out, std::string& error);

/// A one-character field (a MarketDataRequest's SubscriptionRequestType, an MDEntryType):
/// FIX::FieldNotFound when absent, FIX::IncorrectDataFormat when not one character.
char required_char(const FIX::FieldMap& m, int tag);

/// The ClOrdID (11) of a raw outbound message, empty when it has none.
std::string cl_ord_id_of(const FIX::Message& msg);

/// Top of book per symbol for one session, built from W (full refresh) and X (incremental).
class TopOfBook {
 public:
  void clear() { books_.clear(); }
  /// Applies a W or X and appends one update per symbol touched (and one per trade).
  void apply(const FIX::Message& msg, std::uint16_t session, std::vector<MarketDataUpdate>& out);

 private:
  struct Book {
    bool has_quote = false;
    std::int64_t bid = 0, bid_size = 0, ask = 0, ask_size = 0;
  };
  std::map<std::string, Book> books_;
};

}  // namespace codec
}  // namespace fix
}  // namespace ballast
