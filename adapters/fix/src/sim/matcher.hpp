// broker-sim's matching core: a plain C++14 state machine with no QuickFIX, no threads and no I/O,
// so every rule is unit-tested by calling it by hand (tests/broker_sim/matcher_test.cpp).
//
// Per symbol it keeps the top of book from the tape (bid/ask with displayed sizes) and the client
// orders resting in time priority. Rules (docs/fix.md, "broker-sim"):
//  * Marketable (buy limit >= ask, sell limit <= bid, or market with the far side quoted): fills
//    at the touch up to the displayed size still available. Displayed size our fills take is
//    consumed until the tape changes that side (price or size); then the tape's size is
//    available again. Checked on arrival, after a replace and on every quote update, in time
//    priority.
//  * Passive: a tape trade that prints through a resting limit (buy limit > trade price, sell
//    limit < trade price; never at the price) fills it at its own limit, the trade's size shared
//    in time priority (buys and sells each get the whole trade size).
//  * Partial fills; IOC remainders and FOK orders that cannot fill at once are cancelled.
//  * Cancel, replace (new quantity must exceed the cumulative quantity; a price change or a
//    larger quantity loses time priority), status request (unknown order: a rejected status).
//  * Random rejects and unsolicited cancels from two seeded streams (reproducible per seed).
// Prices are raw 1e-9 and quantities raw 1e-6 integers; no doubles touch a fill.
//
// Threads: none. The owner serialises calls.
#pragma once

#include <array>
#include <climits>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "ballast/fix/broker_sim.hpp"

namespace ballast {
namespace fix {
namespace sim {

/// NewOrderSingle as the matcher sees it. `session` is an opaque key (the FIX session id).
struct NewOrderRequest {
  std::string session;
  std::string cl_ord_id;
  std::string account;
  std::string symbol;
  char side = '1';           ///< '1' buy, '2' sell
  char ord_type = '2';       ///< '1' market, '2' limit
  char time_in_force = '0';  ///< '0' day, '1' GTC, '3' IOC, '4' FOK
  std::int64_t qty = 0;      ///< raw 1e-6
  std::int64_t price = 0;    ///< raw 1e-9 (limit only)
};

struct CancelOrderRequest {
  std::string session;
  std::string cl_ord_id;
  std::string orig_cl_ord_id;
  std::string symbol;
  char side = '1';
};

struct ReplaceOrderRequest {
  std::string session;
  std::string cl_ord_id;
  std::string orig_cl_ord_id;
  std::string symbol;
  char side = '1';
  char ord_type = '2';
  std::int64_t qty = 0;    ///< new total quantity, raw 1e-6
  std::int64_t price = 0;  ///< new limit, raw 1e-9
};

struct StatusOrderRequest {
  std::string session;
  std::string cl_ord_id;
  std::string symbol;
  char side = '1';
};

enum class ReportType : std::uint8_t {
  kNew,           ///< order accepted
  kTrade,         ///< a fill (last_qty/last_px set)
  kCanceled,      ///< cancel request done, IOC/FOK remainder, or unsolicited
  kReplaced,      ///< replace done
  kRejected,      ///< new order rejected
  kStatus,        ///< answer to a status request (ord_status '8' + kUnknownOrder when unknown)
  kCancelReject,  ///< cancel or replace refused (response_to '1' cancel, '2' replace)
};

/// Why something was refused; the acceptor maps it to the FIX version's OrdRejReason /
/// CxlRejReason values.
enum class RejectReason : std::uint8_t {
  kNone,
  kRandom,   ///< reject_rate
  kInvalid,  ///< bad quantity, price, side or order type
  kDuplicateClOrdId,
  kUnknownOrder,
  kTooLate,         ///< order already filled or cancelled
  kQtyNotAboveCum,  ///< replace to a quantity <= the cumulative quantity
};

/// One outbound report (becomes one ExecutionReport or OrderCancelReject).
struct Report {
  ReportType type = ReportType::kNew;
  RejectReason reason = RejectReason::kNone;
  bool unsolicited = false;
  char side = '1';
  char ord_type = '2';
  char ord_status = '0';   ///< OrdStatus after this report: '0' '1' '2' '4' '8'
  char response_to = '1';  ///< kCancelReject: CxlRejResponseTo
  std::string session;
  std::string cl_ord_id;
  std::string orig_cl_ord_id;  ///< cancel/replace/cancel reject; empty otherwise
  std::string order_id;        ///< "NONE" when the order is unknown
  std::string exec_id;         ///< empty for kCancelReject
  std::string account;
  std::string symbol;
  std::string text;
  std::int64_t order_qty = 0;
  std::int64_t price = 0;  ///< the order's limit (0 for market)
  std::int64_t last_qty = 0;
  std::int64_t last_px = 0;
  std::int64_t cum_qty = 0;
  std::int64_t leaves_qty = 0;
  std::int64_t avg_px = 0;  ///< raw 1e-9, rounded half away from zero
  std::int64_t tape_time_ns = 0;
};

/// The current top of book of one symbol (as on the tape; not reduced by our fills).
struct TopOfBook {
  bool known = false;
  std::int64_t bid = 0, bid_size = 0, ask = 0, ask_size = 0;
  std::int64_t time_ns = 0;
};

struct MatcherConfig {
  double reject_rate = 0.0;
  double unsolicited_cancel_rate = 0.0;
  std::uint64_t seed = 1;
  /// Prefix of ExecIDs and OrderIDs (e.g. the run number) so they stay unique across restarts.
  std::string id_prefix;
};

/// Deterministic 64-bit generator (splitmix64): the same seed gives the same stream everywhere.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) noexcept : state_(seed) {}
  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1) with 53 bits.
  double uniform() noexcept {
    return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);
  }

 private:
  std::uint64_t state_;
};

class Matcher {
 public:
  explicit Matcher(MatcherConfig cfg);

  /// Applies one tape event (quote or trade) and appends every report it causes.
  void on_tape(const TapeEvent& e, std::vector<Report>& out);
  void new_order(const NewOrderRequest& r, std::vector<Report>& out);
  void cancel(const CancelOrderRequest& r, std::vector<Report>& out);
  void replace(const ReplaceOrderRequest& r, std::vector<Report>& out);
  void status(const StatusOrderRequest& r, std::vector<Report>& out);
  /// OrderMassCancelRequest: cancels every open order of `session` (of `symbol` when not empty),
  /// oldest first, one kCanceled report each (ClOrdID: the order's own). Returns how many.
  std::size_t mass_cancel(const std::string& session, const std::string& symbol,
                          std::vector<Report>& out);

  std::int64_t tape_time_ns() const noexcept { return tape_time_ns_; }
  TopOfBook top(const std::string& symbol) const;
  /// True once the tape has carried an event (quote or trade) for `symbol`.
  bool known_symbol(const std::string& symbol) const;
  /// Orders working now.
  std::size_t resting() const noexcept;

 private:
  struct Order {
    std::uint64_t key = 0;
    std::uint64_t priority = 0;
    std::string session, cl_ord_id, account, symbol, order_id;
    char side = '1', ord_type = '2', tif = '0', ord_status = '0';
    std::int64_t qty = 0, price = 0, cum = 0;
    __int128 notional = 0;  ///< sum of last_px * last_qty (raw units multiplied)
    bool open = true;
  };
  struct Book {
    TopOfBook top;
    bool on_tape = false;        ///< the tape has mentioned this symbol
    std::int64_t bid_avail = 0;  ///< displayed bid size not yet taken by our fills
    std::int64_t ask_avail = 0;
    std::vector<std::uint64_t> resting;  ///< order keys, time priority
    /// Bounds on the resting orders' limits: no buy above max_buy, no sell below min_sell
    /// (market orders count as unbounded). A tape event outside them cannot fill anything and
    /// skips the walk over the resting orders. Widened as orders arrive or change; recomputed
    /// (tightened) lazily after orders leave.
    std::int64_t max_buy = INT64_MIN;
    std::int64_t min_sell = INT64_MAX;
    bool bounds_stale = false;
  };
  static void widen(Book& b, const Order& o) noexcept;
  void tighten(Book& b);
  /// The book of a tape event's symbol, without building a string (the tape's hot path).
  Book& tape_book(const char (&symbol)[16]);

  Report base_report(const Order& o, ReportType type) const;
  std::string next_exec_id();
  void fill(Order& o, std::int64_t qty, std::int64_t px, std::vector<Report>& out);
  /// Fills `o` against the touch if marketable; returns true when something filled.
  void match_at_touch(Order& o, Book& b, std::vector<Report>& out);
  void close(Order& o, Book& b);
  Order* find(const std::string& session, const std::string& cl_ord_id);
  /// The checks a cancel and a replace share: the order exists, the new ClOrdID is unused, the
  /// order is still open. On failure the reject is appended to `out` and nullptr returned;
  /// otherwise `rej` holds a reject filled in for further checks.
  Order* amendable(char response_to, const std::string& session, const std::string& cl_ord_id,
                   const std::string& orig_cl_ord_id, const std::string& symbol, char side,
                   Report& rej, std::vector<Report>& out);
  static std::string id_key(const std::string& session, const std::string& cl_ord_id);

  MatcherConfig cfg_;
  SplitMix64 reject_rng_;
  SplitMix64 cancel_rng_;
  std::int64_t tape_time_ns_ = 0;
  std::uint64_t next_key_ = 1;
  std::uint64_t next_priority_ = 1;
  std::uint64_t next_exec_ = 1;
  std::unordered_map<std::uint64_t, Order> orders_;
  std::unordered_map<std::string, std::uint64_t> by_cl_ord_id_;  ///< session\x01ClOrdID -> key
  std::map<std::string, Book> books_;
  /// Symbol -> book for the tape (std::map nodes do not move).
  std::vector<std::pair<std::array<char, 16>, Book*>> tape_books_;
  std::vector<std::uint64_t> still_;  ///< scratch for on_tape
};

}  // namespace sim
}  // namespace fix
}  // namespace ballast
