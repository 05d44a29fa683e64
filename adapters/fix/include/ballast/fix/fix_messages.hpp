// Plain C++14 message structs that cross the boundary between QuickFIX (compiled as C++14 inside
// adapters/fix/) and the engine (C++20). No QuickFIX types, no engine types: the bridge in
// adapters/ converts these to and from core events.
//
// Numbers are the engine's fixed-point raw integers, never doubles: prices in 1e-9 units
// (ballast::Price), quantities in 1e-6 units (ballast::Qty). On the wire they are exact decimal
// text (see fix_decimal.hpp). Text fields are NUL-terminated fixed arrays; a value too long for
// its array is refused where it enters (never truncated silently).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace ballast {
namespace fix {

constexpr int kPriceDecimals = 9;  ///< raw price = price x 1e9
constexpr int kQtyDecimals = 6;    ///< raw quantity = quantity x 1e6

/// Copies `s` into `dst` with a NUL; false (dst left empty) when it does not fit.
template <std::size_t N>
inline bool set_text(char (&dst)[N], const char* s, std::size_t len) noexcept {
  if (len >= N) {
    dst[0] = '\0';
    return false;
  }
  std::memcpy(dst, s, len);
  dst[len] = '\0';
  return true;
}
template <std::size_t N>
inline bool set_text(char (&dst)[N], const std::string& s) noexcept {
  return set_text(dst, s.data(), s.size());
}

// ------------------------------------------------------------------ outbound (engine -> broker)

/// NewOrderSingle (35=D).
struct NewOrder {
  std::uint16_t session = 0;  ///< index into InitiatorConfig::sessions
  char cl_ord_id[24] = {};
  char account[32] = {};  ///< Account (1); empty: not sent
  char symbol[16] = {};
  char side = '1';                    ///< Side (54): '1' buy, '2' sell
  char ord_type = '2';                ///< OrdType (40): '1' market, '2' limit
  char time_in_force = '0';           ///< TimeInForce (59): '0' day, '1' GTC, '3' IOC
  std::int64_t qty = 0;               ///< OrderQty (38), raw 1e-6
  std::int64_t price = 0;             ///< Price (44), raw 1e-9; not sent for market orders
  std::int64_t transact_time_ns = 0;  ///< TransactTime (60), ns since the epoch (UTC)
};

/// OrderCancelRequest (35=F).
struct CancelRequest {
  std::uint16_t session = 0;
  char cl_ord_id[24] = {};
  char orig_cl_ord_id[24] = {};
  char account[32] = {};
  char symbol[16] = {};
  char side = '1';
  std::int64_t qty = 0;  ///< OrderQty (38) of the order being cancelled
  std::int64_t transact_time_ns = 0;
};

/// OrderMassCancelRequest (35=q, FIX 4.3 and later): cancel every order of the session
/// (MassCancelRequestType 530=7), or of one symbol (530=1, `symbol` set).
struct MassCancelRequest {
  std::uint16_t session = 0;
  char cl_ord_id[24] = {};
  char symbol[16] = {};  ///< empty: every order (530=7); set: that symbol's orders (530=1)
  std::int64_t transact_time_ns = 0;
};

/// OrderMassCancelReport (35=r): the broker's answer to a 35=q.
struct MassCancelReport {
  std::uint16_t session = 0;
  char cl_ord_id[24] = {};  ///< ClOrdID (11) of the request answered
  char order_id[32] = {};   ///< OrderID (37)
  char request_type = '7';  ///< MassCancelRequestType (530)
  char response = '0';      ///< MassCancelResponse (531): '0' rejected, else the type done
  int reject_reason = -1;   ///< MassCancelRejectReason (532), -1 when absent
  long long affected = -1;  ///< TotalAffectedOrders (533), -1 when absent
  char text[128] = {};
};

/// OrderCancelReplaceRequest (35=G).
struct ReplaceRequest {
  std::uint16_t session = 0;
  char cl_ord_id[24] = {};
  char orig_cl_ord_id[24] = {};
  char account[32] = {};
  char symbol[16] = {};
  char side = '1';
  char ord_type = '2';
  char time_in_force = '0';
  std::int64_t qty = 0;    ///< new total OrderQty, raw 1e-6
  std::int64_t price = 0;  ///< new Price, raw 1e-9
  std::int64_t transact_time_ns = 0;
};

/// OrderStatusRequest (35=H).
struct StatusRequest {
  std::uint16_t session = 0;
  char cl_ord_id[24] = {};
  char symbol[16] = {};
  char side = '1';
};

// ------------------------------------------------------------------ inbound (broker -> engine)

/// ExecutionReport (35=8), as received (FIX 4.2's ExecType '1'/'2' and ExecTransType are kept
/// as sent; the bridge normalises).
struct ExecutionReport {
  std::uint16_t session = 0;
  char cl_ord_id[24] = {};
  char orig_cl_ord_id[24] = {};  ///< empty when absent
  char order_id[32] = {};        ///< OrderID (37), the broker's
  char exec_id[32] = {};
  char exec_ref_id[32] = {};   ///< empty when absent
  char exec_trans_type = '0';  ///< FIX 4.2 ExecTransType (20): '0' new, '1' cancel, '2' correct
  char account[32] = {};
  char symbol[16] = {};
  char exec_type = '0';   ///< ExecType (150)
  char ord_status = '0';  ///< OrdStatus (39)
  char side = '1';
  char ord_type = '\0';        ///< OrdType (40); '\0' when absent
  std::int64_t order_qty = 0;  ///< raw 1e-6; 0 when absent
  std::int64_t price = 0;      ///< the order's limit Price (44), raw 1e-9; 0 when absent
  std::int64_t last_qty = 0;   ///< LastQty/LastShares (32)
  std::int64_t last_px = 0;    ///< LastPx (31), raw 1e-9
  std::int64_t cum_qty = 0;
  std::int64_t leaves_qty = 0;
  std::int64_t avg_px = 0;
  std::int64_t transact_time_ns = 0;  ///< 0 when absent
  int ord_rej_reason = -1;            ///< OrdRejReason (103), -1 when absent
  bool poss_dup = false;              ///< PossDupFlag (43) or PossResend (97) was Y
  char text[128] = {};
  /// Numbers with more decimals than the raw unit, rounded half-even (kRounded* bits).
  std::uint8_t rounded = 0;
  /// The first field the engine needs that could not be read (ClOrdID, OrigClOrdID, ExecID,
  /// ExecRefID, ExecType, ExecTransType, OrdStatus, LastQty, LastPx, CumQty, LeavesQty); 0: none.
  /// A report is never refused for its format: it is delivered with this set, and the engine
  /// books none of it and stops trading on the account (docs/fix.md).
  int bad_tag = 0;
  /// The session layer refused the message (data dictionary); only the identifiers Ballast could
  /// read from the raw text are set. bad_tag is the RefTagID when known.
  bool session_rejected = false;
  /// What was wrong or rounded, for people (the first few problems; cut with "...").
  char problem[384] = {};
};

/// ExecutionReport::rounded bits.
constexpr std::uint8_t kRoundedLastQty = 1u << 0;
constexpr std::uint8_t kRoundedLastPx = 1u << 1;
constexpr std::uint8_t kRoundedCumQty = 1u << 2;
constexpr std::uint8_t kRoundedLeavesQty = 1u << 3;
constexpr std::uint8_t kRoundedAvgPx = 1u << 4;
constexpr std::uint8_t kRoundedOrderQty = 1u << 5;

/// OrderCancelReject (35=9).
struct CancelReject {
  std::uint16_t session = 0;
  char cl_ord_id[24] = {};
  char orig_cl_ord_id[24] = {};
  char order_id[32] = {};  ///< OrderID (37), the broker's ("NONE" when it knows no order)
  char account[32] = {};   ///< empty when absent
  char ord_status = '0';
  char response_to = '1';             ///< CxlRejResponseTo (434): '1' cancel, '2' cancel/replace
  int reason = -1;                    ///< CxlRejReason (102), -1 when absent
  std::int64_t transact_time_ns = 0;  ///< TransactTime (60); 0 when absent
  char text[128] = {};
};

/// A session-level Reject (35=3) the broker sent about one of our messages.
struct SessionReject {
  std::uint16_t session = 0;
  std::uint64_t ref_seq_num = 0;  ///< RefSeqNum (45)
  char ref_msg_type[8] = {};      ///< RefMsgType (372), empty when absent
  int ref_tag = 0;                ///< RefTagID (371), 0 when absent
  int reason = -1;                ///< SessionRejectReason (373), -1 when absent
  char cl_ord_id[24] = {};        ///< ClOrdID of the rejected message when it was ours and known
  char text[128] = {};
};

/// BusinessMessageReject (35=j).
struct BusinessReject {
  std::uint16_t session = 0;
  char ref_msg_type[8] = {};
  char business_ref_id[32] = {};  ///< BusinessRejectRefID (379): our ClOrdID when given
  int reason = -1;                ///< BusinessRejectReason (380)
  char text[128] = {};
};

enum class SessionState : std::uint8_t {
  kLoggedOn,
  kLoggedOut,  ///< logout or disconnect; reconnecting with back-off
  kRefused,    ///< Ballast refused to log on (e.g. sequence numbers disagree); not retrying
};

/// A session's state changed (also: why).
struct SessionStatus {
  std::uint16_t session = 0;
  SessionState state = SessionState::kLoggedOut;
  std::uint64_t next_sender_seq = 0;
  std::uint64_t next_target_seq = 0;
  char text[160] = {};
};

/// Top of book and/or a trade for one symbol after a MarketDataSnapshotFullRefresh (35=W) or
/// MarketDataIncrementalRefresh (35=X) was applied (the initiator keeps the book per symbol, so
/// an incremental that changes one side still reports both).
struct MarketDataUpdate {
  std::uint16_t session = 0;
  char symbol[16] = {};
  bool snapshot = false;
  bool has_quote = false;  ///< bid/ask fields valid (0 price: side empty)
  std::int64_t bid = 0;    ///< raw 1e-9
  std::int64_t bid_size = 0;
  std::int64_t ask = 0;
  std::int64_t ask_size = 0;
  bool has_trade = false;
  std::int64_t trade_px = 0;
  std::int64_t trade_size = 0;
  std::int64_t time_ns = 0;  ///< MDEntryDate+MDEntryTime when sent, else SendingTime
};

}  // namespace fix
}  // namespace ballast
