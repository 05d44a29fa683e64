// The desk the order-manager tests trade on: a 60/40 model and one account, every instrument
// priced at 10:00 New York (tests/engine/drift_fixtures.hpp).
#pragma once

#include <cstdint>
#include <variant>

#include "ballast/execution/order_manager.hpp"
#include "engine/drift_fixtures.hpp"

namespace ballast::test {

struct OrderManagerDesk {
  Desk d;
  ModelId model;
  AccountId acct;

  explicit OrderManagerDesk(const char* cash)
      : model((d.price_all(ny(10, 0)), d.model_60_40())), acct(d.account(model, "0", "0", cash)) {}
};

inline constexpr std::int64_t kSec = 1'000'000'000;  ///< nanoseconds
inline constexpr std::int64_t kMin = 60 * kSec;

/// An order manager with small tables and a retention on that desk, its clock in the fixture
/// (`later`), and helpers for the commands and reports the retention tests send.
struct RetentionFixture : OrderManagerDesk {
  OrderManager m;
  Outbox out;
  Timestamp now = ny(10, 0);

  explicit RetentionFixture(std::size_t max_children = 8, std::int64_t retention = 30 * kMin,
                            std::size_t max_parents = 8)
      : OrderManagerDesk("1000000"),
        m(d.book, d.market,
          OrderManagerLimits{.max_children = max_children,
                             .max_parents = max_parents,
                             .max_exec_ids = 256,
                             .max_positions = 64,
                             .max_block_shares = 16,
                             .retention_ns = retention}) {}

  void send(const Event& e) { m.on_event(e, now, out); }
  void later(std::int64_t ns) { now = Timestamp{now.ns + ns}; }

  /// A buy of `q` at 100 in SPY, child of `parent` (0: none).
  void submit(std::uint64_t id, std::uint64_t parent, const char* q = "10") {
    SubmitOrder s{};
    s.order = OrderId{id};
    s.parent = OrderId{parent};
    s.account = acct;
    s.instrument = d.spy;
    s.side = Side::kBuy;
    s.qty = qty(q);
    s.limit = px("100");
    send(s);
  }
  void submit(std::uint64_t id, const char* q = "10") { submit(id, 0, q); }
  ExecutionReported report(std::uint64_t id, ExecType t, const char* exec_id, const char* last,
                           const char* cum) const {
    ExecutionReported r{};
    r.order = OrderId{id};
    r.session = SessionId{1};
    r.side = Side::kBuy;
    r.exec_type = t;
    r.last_qty = qty(last);
    r.last_px = px("100");
    r.cum_qty = qty(cum);
    r.exec_id.assign(exec_id);
    return r;
  }
  void fill(std::uint64_t id, const char* exec_id, const char* q = "10") {
    send(report(id, ExecType::kTrade, exec_id, q, q));
  }
  /// A replace of `orig` by `id` for a total of `q` at 100.
  void replace(std::uint64_t id, std::uint64_t orig, const char* q) {
    ReplaceOrder r{};
    r.order = OrderId{id};
    r.orig_order = OrderId{orig};
    r.session = SessionId{1};
    r.qty = qty(q);
    r.limit = px("100");
    send(r);
  }
  void cancel(std::uint64_t cancel_id, std::uint64_t orig) {
    send(CancelOrder{
        .order = OrderId{cancel_id}, .orig_order = OrderId{orig}, .session = SessionId{1}});
  }
  /// The broker refuses cancel request `cancel_id` of `orig` (35=9).
  void cancel_rejected(std::uint64_t cancel_id, std::uint64_t orig) {
    send(CancelRejected{.order = OrderId{cancel_id},
                        .orig_order = OrderId{orig},
                        .session = SessionId{1},
                        .response_to = CancelRejectResponseTo::kCancel});
  }
  /// Whether anything emitted so far stopped trading.
  bool stopped() const {
    for (const Event& e : out) {
      if (std::holds_alternative<KillSwitchTripped>(e)) return true;
    }
    return false;
  }
  Qty position() const { return d.book.position(acct, d.spy); }
};

}  // namespace ballast::test
