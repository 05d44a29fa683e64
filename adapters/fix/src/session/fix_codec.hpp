// Ballast's plain message structs <-> QuickFIX messages, for FIX 4.2 and 4.4. Numbers go through
// exact decimal text (fix_decimal.hpp), never QuickFIX's double fields.
//
// Outbound builders return false with `error` (naming the message and field) when a struct
// cannot be sent. Inbound parsers throw QuickFIX's own exceptions (FIX::IncorrectDataFormat,
// FIX::IncorrectTagValue with the tag), which QuickFIX turns into a session Reject.
#pragma once

#include <quickfix/Message.h>

#include <cstdint>
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
void parse(const FIX::Message& msg, CancelReject& out);
void parse(const FIX::Message& msg, BusinessReject& out);
/// MarketDataRequestReject (35=Y), reported as a BusinessReject with ref_msg_type "V" and the
/// MDReqID in business_ref_id.
void parse_md_reject(const FIX::Message& msg, BusinessReject& out);
void parse(const FIX::Message& msg, SessionReject& out);
/// The orders Ballast sends, read back (FIX log reader): D, F, G, H. A value that is not the
/// field's format throws FIX::IncorrectDataFormat, an identifier too long for its field
/// FIX::IncorrectTagValue, naming the tag; absent fields keep their defaults.
void parse(const FIX::Message& msg, NewOrder& out);
void parse(const FIX::Message& msg, CancelRequest& out);
void parse(const FIX::Message& msg, ReplaceRequest& out);
void parse(const FIX::Message& msg, StatusRequest& out);

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
