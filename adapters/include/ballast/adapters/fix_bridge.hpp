// The bridge between the engine's events and the FIX adapter's plain message structs
// (adapters/fix, C++14). Inbound: a fix::Listener that turns broker messages into core events on
// the core's inbound queue. Outbound: turns the core's order intents into FIX messages for the
// initiator, keeping what a cancel or status request needs to repeat (symbol, side, quantity).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "ballast/base/counters.hpp"
#include "ballast/core/events.hpp"
#include "ballast/core/instrument.hpp"
#include "ballast/engine/queue.hpp"
#include "ballast/fix/broker_sim.hpp"
#include "ballast/fix/fix_messages.hpp"
#include "ballast/fix/initiator.hpp"

namespace ballast {

/// The core's inbound queue for adapter threads.
using InboundQueue = MpscQueue<Event>;

// ------------------------------------------------------------------------ conversions (pure)

/// FIX ExecType (150) as sent, with FIX 4.2's ExecTransType (20), to the engine's ExecType.
/// False for a value the engine does not know.
bool to_exec_type(char exec_type, char exec_trans_type, ExecType& out) noexcept;
/// FIX OrdStatus (39) to the engine's; false for an unknown value.
bool to_ord_status(char ord_status, OrdStatus& out) noexcept;
/// Side '1'/'2' (and '5' sell short as a sell); false otherwise.
bool to_side(char side, Side& out) noexcept;

/// Fills `out` from a broker's execution report, always. False (and `why` set) when a field the
/// engine books from is unusable: `out.issue` says which kind, and the report must still go to
/// the core (it journals it, books none of it and stops trading on the account). Rounded numbers
/// are not a problem: `out.rounded` names them.
bool to_event(const fix::ExecutionReport& r, ExecutionReported& out, const char*& why) noexcept;
void to_event(const fix::CancelReject& r, CancelRejected& out) noexcept;
/// broker-sim's tape event for a QuoteUpdated or TradePrinted; false for any other event.
bool to_tape_event(const Event& e, const InstrumentTable& instruments, fix::TapeEvent& te);

// ------------------------------------------------------------------------ inbound

/// Counters of the inbound bridge (base/counters.hpp): QuickFIX's threads add, any thread reads.
struct FixInboundCounters {
  SharedCounter reports, cancel_rejects, rejects, status, market_data;
  SharedCounter unbookable_reports;  ///< delivered with an issue (never dropped)
  SharedCounter rounded_reports;     ///< a number was rounded to the fixed point
  SharedCounter unknown_symbols;     ///< market data for a symbol not traded
  SharedCounter queue_waits;         ///< the core queue was full; waited
  /// Rejects of our market-data requests (35=Y, or 35=j/3 referring to a 35=V): counted here,
  /// not passed to the core as order rejects (they must not feed the kill switch's reject storm).
  SharedCounter market_data_rejects;

  template <class F>
  void each(F&& f) const {
    name_counters(f, "reports", reports, "cancel_rejects", cancel_rejects, "rejects", rejects,
                  "status", status, "market_data", market_data, "unbookable_reports",
                  unbookable_reports, "rounded_reports", rounded_reports, "unknown_symbols",
                  unknown_symbols, "queue_waits", queue_waits, "market_data_rejects",
                  market_data_rejects);
  }
};

/// A fix::Listener that pushes events onto the core's inbound queue. Thread-safe: QuickFIX may
/// call it from several threads; each thread gets its own queue producer.
class FixInbound final : public fix::Listener {
 public:
  /// `market_time`, when given, is raised to each market-data event's time (the demo's market
  /// clock follows the replayed tape).
  FixInbound(const InstrumentTable& instruments, InboundQueue& queue,
             std::atomic<std::int64_t>* market_time = nullptr);

  void on_execution_report(const fix::ExecutionReport& r) override;
  void on_cancel_reject(const fix::CancelReject& r) override;
  void on_session_reject(const fix::SessionReject& r) override;
  void on_business_reject(const fix::BusinessReject& r) override;
  void on_session_status(const fix::SessionStatus& s) override;
  void on_market_data(const fix::MarketDataUpdate& m) override;

  const FixInboundCounters& counters() const noexcept { return c_; }
  /// The last session status text per session (cold; for the operator).
  std::string last_status(std::uint16_t session) const;
  /// The last report that could not be booked, on any session, and why (its ClOrdID, ExecID,
  /// the issue); empty when there was none. Kept apart from the session status, which a later
  /// logout overwrites (cold; for the operator).
  std::string last_unbookable() const;

 private:
  void push(const Event& e);
  InboundQueue::Producer& producer();

  const InstrumentTable& instruments_;
  InboundQueue& queue_;
  std::atomic<std::int64_t>* market_time_;
  std::unordered_map<std::string, InstrumentId> symbols_;  // read-only after construction
  const std::uint64_t instance_;  // unique per object ever built: keys the thread-local cache
  mutable std::mutex mu_;         // producers_ and status_
  std::vector<std::pair<std::uint64_t, InboundQueue::Producer*>> producers_;
  std::vector<std::unique_ptr<InboundQueue::Producer>> owned_;
  std::unordered_map<std::uint16_t, std::string> status_;
  std::string last_unbookable_;
  FixInboundCounters c_;
};

// ------------------------------------------------------------------------ outbound

/// Counters of the outbound bridge: the FIX sender thread writes, any thread reads.
struct FixOutboundCounters {
  Counter new_orders, cancels, replaces, status_requests;
  Counter send_failures;   ///< the initiator refused (unknown session, bad field)
  Counter unknown_orders;  ///< cancel/replace/status for an order never sent
  Counter mass_cancels;    ///< OrderMassCancelRequests (35=q) sent for sweeps

  template <class F>
  void each(F&& f) const {
    name_counters(f, "new_orders", new_orders, "cancels", cancels, "replaces", replaces,
                  "status_requests", status_requests, "send_failures", send_failures,
                  "unknown_orders", unknown_orders, "mass_cancels", mass_cancels);
  }
};

/// Turns order intents into FIX messages and hands them to the initiator. One thread (the FIX
/// sender thread). Remembers every order it sent (symbol, side, quantity, account) for the
/// cancels, replaces and status requests that refer to it.
class FixOutbound {
 public:
  /// `account_keys[a]` is the Account (1) sent for AccountId a. `mass_cancel[s]`: session s takes
  /// OrderMassCancelRequest (35=q): a sweep's cancels (CancelOrder::sweep != 0) on it go as one
  /// 35=q that covers them (fix::Initiator::send_covered); missing entries are false.
  FixOutbound(const InstrumentTable& instruments, std::vector<std::string> account_keys,
              fix::Initiator& initiator, std::vector<bool> mass_cancel = {});

  /// Sends what `e` asks for when it is an order intent (SubmitOrder, CancelOrder, ReplaceOrder,
  /// QueryOrderStatus); ignores other events. False when the initiator refused it (counted).
  bool on_event(const Event& e);
  /// Records what an order intent sent by an earlier run said, without sending anything (crash
  /// recovery replays the journal through here), so later cancels, replaces and status requests
  /// that refer to it can be built. Before the sender thread starts.
  void remember(const Event& e);

  const FixOutboundCounters& counters() const noexcept { return c_; }

 private:
  struct Sent {
    InstrumentId instrument{};
    AccountId account{};
    std::uint16_t session = 0;
    Side side{Side::kBuy};
    OrdType type{OrdType::kLimit};
    TimeInForce tif{TimeInForce::kDay};
    Qty qty{};
  };
  /// A session's mass-cancel state: the sweep its last 35=q was for.
  struct Mass {
    bool enabled = false;
    bool open = false;  ///< the 35=q of `sweep` went out (else the sweep's cancels go one by one)
    std::uint32_t sweep = 0;
    char id[24] = {};  ///< the 35=q's ClOrdID
  };
  const InstrumentTable& instruments_;
  std::vector<std::string> accounts_;
  fix::Initiator& initiator_;
  std::vector<Mass> mass_;
  std::unordered_map<std::uint64_t, Sent> sent_;
  FixOutboundCounters c_;
};

}  // namespace ballast
