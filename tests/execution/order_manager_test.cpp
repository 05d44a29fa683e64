// OrderManager with a real PortfolioBook and MarketState: fills booked exactly once, pending,
// average cost and realized P&L, replace and cancel flows, blocks.
#include <gtest/gtest.h>

#include <vector>

#include "ballast/execution/order_manager.hpp"
#include "engine/drift_fixtures.hpp"
#include "order_manager_fixture.hpp"

namespace ballast {
namespace {

using test::money;
using test::px;
using test::qty;

Qty pending(const PortfolioBook& b, AccountId a, InstrumentId i) {
  for (std::uint32_t s = b.first_slot(a); s < b.first_slot(a) + b.slot_count(a); ++s) {
    if (b.slot_instrument(s) == i) return Qty{b.slot_pending_raw(s)};
  }
  return Qty{};
}

struct Fixture : test::OrderManagerDesk {
  OrderManager m;
  Outbox out;
  std::vector<AccountId> changed;

  explicit Fixture(const char* cash = "100000")
      : OrderManagerDesk(cash),
        m(d.book, d.market,
          OrderManagerLimits{.max_children = 64,
                             .max_parents = 16,
                             .max_exec_ids = 256,
                             .max_positions = 64,
                             .max_block_shares = 16}) {}

  /// Handles one event; the accounts of the FillBooked it emitted go to `changed`.
  void send(const Event& e) {
    const std::size_t from = out.size();
    m.on_event(e, Timestamp{}, out);
    for (std::size_t k = from; k < out.size(); ++k) {
      if (const auto* f = std::get_if<FillBooked>(&out[k])) changed.push_back(f->account);
    }
  }

  SubmitOrder submit(std::uint64_t id, Side side, const char* q, AccountId a,
                     std::uint64_t parent = 100) {
    SubmitOrder s{};
    s.order = OrderId{id};
    s.parent = OrderId{parent};
    s.account = a;
    s.instrument = d.spy;
    s.side = side;
    s.qty = qty(q);
    s.limit = px("100");
    send(s);
    return s;
  }
  static ExecutionReported report(std::uint64_t id, ExecType t, const char* exec_id,
                                  const char* last = "0", const char* price = "0",
                                  const char* cum = "0") {
    ExecutionReported r{};
    r.order = OrderId{id};
    r.session = SessionId{1};
    r.exec_type = t;
    r.last_qty = qty(last);
    r.last_px = px(price);
    r.cum_qty = qty(cum);
    r.exec_id.assign(exec_id);
    return r;
  }
  void fill(std::uint64_t id, const char* exec_id, const char* last, const char* price,
            const char* cum) {
    send(report(id, ExecType::kTrade, exec_id, last, price, cum));
  }
};

TEST(OrderManager, BooksEachFillOnceWhenEveryReportArrivesTwice) {
  Fixture f;
  f.submit(1, Side::kBuy, "100", f.acct);
  EXPECT_EQ(pending(f.d.book, f.acct, f.d.spy), qty("100"));
  const std::vector<ExecutionReported> reports = {
      Fixture::report(1, ExecType::kNew, "N1"),
      Fixture::report(1, ExecType::kTrade, "E1", "40", "100.5", "40"),
      Fixture::report(1, ExecType::kTrade, "E2", "60", "101", "100"),
  };
  for (const auto& r : reports) {
    f.send(r);
    f.send(r);
  }
  EXPECT_EQ(f.d.book.position(f.acct, f.d.spy), qty("100"));
  EXPECT_EQ(f.d.book.cash(f.acct), money("89920"));  // 100000 - 40 x 100.5 - 60 x 101
  EXPECT_EQ(pending(f.d.book, f.acct, f.d.spy), Qty{});
  EXPECT_EQ(f.m.counters().fills, 2u);
  EXPECT_EQ(f.m.counters().duplicates, 2u);
  EXPECT_EQ(f.changed.size(), 2u);
  EXPECT_EQ(f.m.child(OrderId{1})->state(), OrderState::kFilled);
  const ParentOrder* p = f.m.parent(OrderId{100});
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->filled, qty("100"));
  EXPECT_EQ(p->avg_px(), px("100.8"));  // (4020 + 6060) / 100
}

TEST(OrderManager, AverageCostAndRealizedPnlOnBuyBuySell) {
  Fixture f;
  f.submit(1, Side::kBuy, "100", f.acct);
  f.fill(1, "E1", "100", "10", "100");
  f.submit(2, Side::kBuy, "100", f.acct);
  f.fill(2, "E2", "100", "12", "100");
  CostBasis b = f.m.cost_basis(f.acct, f.d.spy);
  EXPECT_EQ(b.qty, qty("100") + qty("100"));
  EXPECT_EQ(b.avg_cost, px("11"));  // (1000 + 1200) / 200
  EXPECT_EQ(b.realized, Money{});
  f.submit(3, Side::kSell, "150", f.acct);
  f.fill(3, "E3", "150", "13", "150");
  b = f.m.cost_basis(f.acct, f.d.spy);
  EXPECT_EQ(b.qty, qty("50"));
  EXPECT_EQ(b.avg_cost, px("11"));
  EXPECT_EQ(b.realized, money("300"));  // 150 x (13 - 11)
  EXPECT_FALSE(b.estimated);
  EXPECT_EQ(f.d.book.cash(f.acct), money("99750"));  // 100000 - 1000 - 1200 + 1950
  // Through zero: sell 80 at 9 closes 50 (realized 50 x (9 - 11) = -100), opens 30 short at 9.
  f.submit(4, Side::kSell, "80", f.acct);
  f.fill(4, "E4", "80", "9", "80");
  b = f.m.cost_basis(f.acct, f.d.spy);
  EXPECT_EQ(b.qty, qty("-30"));
  EXPECT_EQ(b.avg_cost, px("9"));
  EXPECT_EQ(b.realized, money("200"));
  // Cover 10 at 8: a short gains 10 x (9 - 8) = 10.
  f.submit(5, Side::kBuy, "10", f.acct);
  f.fill(5, "E5", "10", "8", "10");
  EXPECT_EQ(f.m.cost_basis(f.acct, f.d.spy).realized, money("210"));
}

TEST(OrderManager, AverageCostKeepsExactCostAndRoundsOnlyOnRead) {
  Fixture f;
  f.submit(1, Side::kBuy, "3", f.acct);
  f.fill(1, "E1", "3", "10", "3");
  f.submit(2, Side::kBuy, "3", f.acct);
  f.fill(2, "E2", "3", "10.01", "3");
  EXPECT_EQ(f.m.cost_basis(f.acct, f.d.spy).avg_cost, px("10.005"));
  f.submit(3, Side::kSell, "1", f.acct);
  f.fill(3, "E3", "1", "10.000000001", "1");
  // Realized = 10.000000001 - 10.005 = -0.004999999 -> Money rounds half-even to -0.005.
  EXPECT_EQ(f.m.cost_basis(f.acct, f.d.spy).realized, money("-0.005"));
  EXPECT_EQ(f.m.cost_basis(f.acct, f.d.spy).avg_cost, px("10.005"));
}

TEST(OrderManager, BustReversesTheFillExactlyOnce) {
  Fixture f;
  f.submit(1, Side::kBuy, "100", f.acct);
  f.fill(1, "E1", "100", "100", "100");
  EXPECT_EQ(pending(f.d.book, f.acct, f.d.spy), Qty{});
  ExecutionReported bust = Fixture::report(1, ExecType::kTradeCancel, "B1", "0", "0", "0");
  bust.exec_ref_id.assign("E1");
  bust.status = OrdStatus::kNew;  // the broker works the 100 again (its word: LeavesQty)
  bust.leaves_qty = qty("100");
  f.send(bust);
  f.send(bust);
  EXPECT_EQ(f.d.book.position(f.acct, f.d.spy), Qty{});
  EXPECT_EQ(f.d.book.cash(f.acct), money("100000"));
  EXPECT_EQ(pending(f.d.book, f.acct, f.d.spy), qty("100"));  // working again
  EXPECT_EQ(f.m.counters().busts, 1u);
  EXPECT_EQ(f.m.counters().duplicates, 1u);
  EXPECT_EQ(f.m.child(OrderId{1})->state(), OrderState::kNew);  // a fill acknowledged it
  EXPECT_EQ(f.m.parent(OrderId{100})->filled, Qty{});
}

TEST(OrderManager, CorrectionRebooksAtTheCorrectedPriceAndQuantity) {
  Fixture f;
  f.submit(1, Side::kBuy, "100", f.acct);
  f.fill(1, "E1", "100", "100", "100");
  ExecutionReported corr = Fixture::report(1, ExecType::kTradeCorrect, "K1", "90", "99", "90");
  corr.exec_ref_id.assign("E1");
  corr.status = OrdStatus::kPartiallyFilled;
  corr.leaves_qty = qty("10");
  f.send(corr);
  f.send(corr);
  EXPECT_EQ(f.d.book.position(f.acct, f.d.spy), qty("90"));
  EXPECT_EQ(f.d.book.cash(f.acct), money("91090"));  // 100000 - 90 x 99
  EXPECT_EQ(pending(f.d.book, f.acct, f.d.spy), qty("10"));
  EXPECT_EQ(f.m.counters().corrections, 1u);
}

TEST(OrderManager, ReplaceCarriesCumAcrossTheChainAndFillsOnTheOldIdCount) {
  Fixture f;
  f.submit(1, Side::kBuy, "100", f.acct);
  f.send(Fixture::report(1, ExecType::kNew, "N1"));
  f.fill(1, "E1", "30", "100", "30");
  ReplaceOrder rp{};
  rp.order = OrderId{2};
  rp.orig_order = OrderId{1};
  rp.qty = qty("80");
  rp.limit = px("101");
  f.send(rp);
  EXPECT_EQ(f.m.child(OrderId{1})->state(), OrderState::kPendingReplace);
  f.fill(1, "E2", "10", "100", "40");  // on the old id, during the pending replace
  ExecutionReported replaced = Fixture::report(2, ExecType::kReplaced, "R1", "0", "0", "40");
  replaced.orig_order = OrderId{1};
  f.send(replaced);
  f.send(replaced);
  EXPECT_EQ(f.m.child(OrderId{1})->state(), OrderState::kReplaced);
  const ChildOrder* n = f.m.child(OrderId{2});
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->state(), OrderState::kPartiallyFilled);
  EXPECT_EQ(n->cum_qty(), qty("40"));
  EXPECT_EQ(pending(f.d.book, f.acct, f.d.spy), qty("40"));
  f.fill(2, "E3", "40", "101", "80");
  EXPECT_EQ(n->state(), OrderState::kFilled);
  EXPECT_EQ(f.d.book.position(f.acct, f.d.spy), qty("80"));
  EXPECT_EQ(pending(f.d.book, f.acct, f.d.spy), Qty{});
}

TEST(OrderManager, ReplaceRejectKeepsTheOldOrderWorking) {
  Fixture f;
  f.submit(1, Side::kBuy, "100", f.acct);
  f.send(Fixture::report(1, ExecType::kNew, "N1"));
  ReplaceOrder rp{};
  rp.order = OrderId{2};
  rp.orig_order = OrderId{1};
  rp.qty = qty("50");
  f.send(rp);
  CancelRejected rej{};
  rej.order = OrderId{2};
  rej.orig_order = OrderId{1};
  rej.response_to = CancelRejectResponseTo::kReplace;
  f.send(rej);
  EXPECT_EQ(f.m.child(OrderId{1})->state(), OrderState::kNew);
  EXPECT_EQ(f.m.child(OrderId{2})->state(), OrderState::kRejected);
  EXPECT_EQ(pending(f.d.book, f.acct, f.d.spy), qty("100"));
  EXPECT_EQ(f.m.counters().replace_rejects, 1u);
}

TEST(OrderManager, CancelAddressedByTheCancelRequestIdReleasesPending) {
  Fixture f;
  f.submit(1, Side::kSell, "100", f.acct);
  EXPECT_EQ(pending(f.d.book, f.acct, f.d.spy), qty("-100"));
  f.send(Fixture::report(1, ExecType::kNew, "N1"));
  CancelOrder c{};
  c.order = OrderId{9};
  c.orig_order = OrderId{1};
  f.send(c);
  f.fill(9, "E1", "20", "100", "20");  // fill after the cancel request, reported on its id
  ExecutionReported done = Fixture::report(9, ExecType::kCanceled, "C1", "0", "0", "20");
  done.orig_order = OrderId{1};
  f.send(done);
  EXPECT_EQ(f.m.child(OrderId{1})->state(), OrderState::kCanceled);
  EXPECT_EQ(f.m.counters().unsolicited_cancels, 0u);
  EXPECT_EQ(f.m.counters().fills_after_cancel_request, 1u);
  EXPECT_EQ(f.d.book.position(f.acct, f.d.spy), qty("-20"));
  EXPECT_EQ(pending(f.d.book, f.acct, f.d.spy), Qty{});
}

TEST(OrderManager, UnsolicitedCancelAndUnknownOrdersAreCounted) {
  Fixture f;
  f.submit(1, Side::kBuy, "100", f.acct);
  f.send(Fixture::report(1, ExecType::kCanceled, "C1"));
  EXPECT_EQ(f.m.counters().unsolicited_cancels, 1u);
  EXPECT_EQ(pending(f.d.book, f.acct, f.d.spy), Qty{});
  f.fill(77, "E1", "1", "100", "1");
  EXPECT_EQ(f.m.counters().unknown_orders, 1u);
  EXPECT_EQ(f.d.book.position(f.acct, f.d.spy), Qty{});
}

/// Runs one block scenario on a fresh desk; returns each account's position.
std::vector<Qty> run_block(const std::vector<const char*>& requests,
                           const std::vector<const char*>& fills) {
  Fixture f;
  std::vector<AccountId> accts{f.acct};
  for (std::size_t i = 1; i < requests.size(); ++i) {
    accts.push_back(f.d.account(f.model, "0", "0", "100000"));
  }
  std::vector<BlockShare> shares;
  for (std::size_t i = 0; i < requests.size(); ++i) shares.push_back({accts[i], qty(requests[i])});
  EXPECT_TRUE(f.m.open_block(OrderId{500}, f.d.spy, Side::kBuy, qty("100"), shares));
  f.submit(1, Side::kBuy, "1000", AccountId{}, 500);
  Qty cum{};
  int n = 0;
  for (const char* q : fills) {
    cum += qty(q);
    const std::string id = "E" + std::to_string(++n);
    const std::string c = cum.to_string();
    f.fill(1, id.c_str(), q, "100", c.c_str());
    f.fill(1, id.c_str(), q, "100", c.c_str());  // duplicate
  }
  std::vector<Qty> pos;
  Qty total{};
  for (std::size_t i = 0; i < accts.size(); ++i) {
    pos.push_back(f.d.book.position(accts[i], f.d.spy));
    EXPECT_EQ(pos.back(), f.m.block_allocated(OrderId{500}, accts[i]));
    EXPECT_EQ(pos.back().raw % qty("100").raw, 0) << "whole lots";
    EXPECT_LE(pos.back(), shares[i].requested);
    EXPECT_EQ(pending(f.d.book, accts[i], f.d.spy), shares[i].requested - pos.back());
    total += pos.back();
  }
  EXPECT_EQ(total, cum) << "allocations sum to the fills";
  EXPECT_TRUE(f.m.close_block(OrderId{500}));
  for (auto a : accts) EXPECT_EQ(pending(f.d.book, a, f.d.spy), Qty{});
  return pos;
}

TEST(OrderManager, BlockFillsAreAllocatedInWholeLotsAndStableUnderReplay) {
  const std::vector<const char*> req{"300", "500", "200"};
  const std::vector<const char*> fills{"300", "400", "200"};
  const auto a = run_block(req, fills);
  const auto b = run_block(req, fills);
  EXPECT_EQ(a, b);
  // By hand, in lots over what each account still lacks:
  // fill 1, 3 of 3/5/2: quotas 0.9/1.5/0.6 -> floors 0/1/0, +1 to 0.9 and 0.6 -> 1/1/1;
  // fill 2, 4 of 2/4/1: quotas 1.14/2.29/0.57 -> floors 1/2/0, +1 to 0.57 -> 1/2/1;
  // fill 3, 2 of 1/2/0: quotas 0.67/1.33/0 -> floors 0/1/0, +1 to 0.67 -> 1/1/0.
  EXPECT_EQ(a[0], qty("300"));
  EXPECT_EQ(a[1], qty("400"));
  EXPECT_EQ(a[2], qty("200"));
}

}  // namespace
}  // namespace ballast
