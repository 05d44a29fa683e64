// The compliance gate component and the kill switch, driven by hand through their handlers.
#include <gtest/gtest.h>

#include "ballast/core/clock.hpp"
#include "ballast/engine/core_loop.hpp"

#include <chrono>

#include "compliance_fixtures.hpp"

namespace ballast {
namespace {

using namespace test;
using namespace std::chrono_literals;

/// Two instruments (SPY equity, AGG fixed income) at 100.00, two accounts holding 1000 of each.
struct Desk {
  Desk() : Desk(ComplianceConfig{}) {}
  explicit Desk(ComplianceConfig c)
      : cfg(std::move(c)), market(2, MarketDataQualityConfig{}), book(2) {
    spy = table.add(Instrument{.id = {}, .symbol = "SPY"}).value();
    Instrument agg{.id = {}, .symbol = "AGG"};
    agg.asset_class = AssetClass::kFixedIncome;
    this->agg = table.add(agg).value();
    quote(spy, kNow);
    quote(this->agg, kNow);
    Model m;
    m.key = "m";
    m.name = "m";
    m.instruments = {spy, this->agg};
    m.weights = {0.5, 0.5};
    const ModelId mid = book.add_model(m).value();
    for (int k = 0; k < 2; ++k) {
      AccountSpec s;
      s.key = "acct" + std::to_string(k);
      s.model = mid;
      s.cash = cash("1000000");
      s.positions = {{spy, qty("1000")}, {this->agg, qty("1000")}};
      accts[k] = book.add_account(s, market).value();
    }
    gate = std::make_unique<ComplianceGate>(cfg, table, book, market);
    gate->set_adv(spy, qty("1000000"));
    gate->set_adv(this->agg, qty("1000000"));
  }
  void quote(InstrumentId i, Timestamp t) {
    QuoteUpdated q;
    q.instrument = i;
    q.bid = px("99.99");
    q.ask = px("100.01");
    q.bid_size = q.ask_size = qty("100");
    q.hdr.event_time = t;
    Outbox o;
    market.on_quote(q, t, o);
  }
  ChildOrderProposed order(std::uint64_t id, int acct, InstrumentId i, Side side, const char* q) {
    ChildOrderProposed o = passing_order();
    o.order = OrderId{id};
    o.account = accts[acct];
    o.instrument = i;
    o.side = side;
    o.qty = qty(q);
    o.limit = px("100");
    return o;
  }
  const ComplianceOutput& propose(const ChildOrderProposed& o, Timestamp t = kNow) {
    out.clear();
    gate->on_child_order_proposed(o, t, out);
    return out[out.size() - 1];
  }
  ExecutionReported fill(std::uint64_t id, const char* q, OrdStatus st) {
    ExecutionReported e;
    e.order = OrderId{id};
    e.exec_type = ExecType::kTrade;
    e.status = st;
    e.last_qty = qty(q);
    e.last_px = px("100");
    return e;
  }
  ControlCommand kill(ControlAction a, AccountId acct = {}) {
    ControlCommand c;
    c.action = a;
    c.account = acct;
    return c;
  }

  ComplianceConfig cfg;
  InstrumentTable table;
  MarketState market;
  PortfolioBook book;
  InstrumentId spy, agg;
  AccountId accts[2];
  std::unique_ptr<ComplianceGate> gate;
  ComplianceOutbox out;
};

std::optional<DenyReason> denial(const ComplianceOutput& o) {
  if (const auto* d = std::get_if<OrderDenied>(&o)) return d->reason;
  return std::nullopt;
}

/// The gate's own record of working buys in account 0's SPY, as its rules see it.
Qty pending_buy(Desk& d) {
  ComplianceState st;
  EXPECT_TRUE(d.gate->fill_state(d.order(99, 0, d.spy, Side::kBuy, "1"), kNow, st));
  return st.pending_buy;
}

TEST(ComplianceGate, SubmitsAPassingOrderAndBooksItAsWorking) {
  Desk d;
  const auto& r = d.propose(d.order(1, 0, d.spy, Side::kBuy, "10"));
  ASSERT_TRUE(std::holds_alternative<SubmitOrder>(r));
  EXPECT_EQ(std::get<SubmitOrder>(r).qty, qty("10"));
  EXPECT_EQ(d.gate->open_orders(d.accts[0], d.spy), 1u);
  EXPECT_EQ(pending_buy(d), qty("10"));
  // The book's pending quantities belong to the order manager: the gate leaves them alone.
  EXPECT_EQ(d.book.slot_pending_raw(d.book.first_slot(d.accts[0])), 0);
  EXPECT_EQ(d.gate->daily_gross(), cash("1000"));
  EXPECT_EQ(d.gate->counters().submitted, 1u);
}

TEST(ComplianceGate, FillsReleaseOpenOrdersAndPending) {
  Desk d;
  (void)d.propose(d.order(1, 0, d.spy, Side::kBuy, "10"));
  d.gate->on_execution_reported(d.fill(1, "4", OrdStatus::kPartiallyFilled), kNow, d.out);
  EXPECT_EQ(d.gate->open_orders(d.accts[0], d.spy), 1u);
  EXPECT_EQ(pending_buy(d), qty("6"));
  d.gate->on_execution_reported(d.fill(1, "6", OrdStatus::kFilled), kNow, d.out);
  EXPECT_EQ(d.gate->open_orders(d.accts[0], d.spy), 0u);
  EXPECT_EQ(d.gate->working_orders(), 0u);
  EXPECT_EQ(pending_buy(d), qty("0"));
}

TEST(ComplianceGate, DeniesAndCountsPerReason) {
  ComplianceConfig c;
  c.restricted = {"AGG"};
  c.max_open_orders_per_instrument = 2;
  Desk d(c);
  EXPECT_EQ(denial(d.propose(d.order(1, 0, d.agg, Side::kBuy, "1"))), DenyReason::kRestricted);
  EXPECT_EQ(denial(d.propose(d.order(2, 0, d.spy, Side::kSell, "1001"))), DenyReason::kOversell);
  EXPECT_EQ(denial(d.propose(d.order(3, 0, d.spy, Side::kBuy, "1"))), std::nullopt);
  EXPECT_EQ(denial(d.propose(d.order(4, 0, d.spy, Side::kBuy, "1"))), DenyReason::kDuplicate);
  EXPECT_EQ(denial(d.propose(d.order(5, 0, d.spy, Side::kBuy, "2"))), std::nullopt);
  EXPECT_EQ(denial(d.propose(d.order(6, 0, d.spy, Side::kBuy, "3"))), DenyReason::kMaxOpenOrders);
  EXPECT_EQ(d.gate->denied(DenyReason::kRestricted), 1u);
  EXPECT_EQ(d.gate->denied(DenyReason::kOversell), 1u);
  EXPECT_EQ(d.gate->denied(DenyReason::kDuplicate), 1u);
  EXPECT_EQ(d.gate->denied(DenyReason::kMaxOpenOrders), 1u);
  EXPECT_EQ(d.gate->counters().submitted, 2u);
  // A fill frees a place.
  d.gate->on_execution_reported(d.fill(3, "1", OrdStatus::kFilled), kNow, d.out);
  EXPECT_EQ(denial(d.propose(d.order(7, 0, d.spy, Side::kBuy, "3"))), std::nullopt);
}

TEST(ComplianceGate, CountsASessionsOrdersOverTheLastSecondAcrossTheRingsWrap) {
  ComplianceConfig c;
  c.max_orders_per_second = 3;
  c.max_open_orders_per_instrument = 100;
  Desk d(c);
  int n = 0;
  auto send = [&](std::chrono::milliseconds at) {
    d.quote(d.spy, kNow + at);
    ++n;  // a different quantity each time, so the duplicate rule stays out of it
    return denial(d.propose(
        d.order(static_cast<std::uint64_t>(n), 0, d.spy, Side::kBuy, std::to_string(n).c_str()),
        kNow + at));
  };
  EXPECT_EQ(send(0ms), std::nullopt);
  EXPECT_EQ(send(100ms), std::nullopt);
  EXPECT_EQ(send(200ms), std::nullopt);
  EXPECT_EQ(send(300ms), DenyReason::kOrderRate);   // three in the last second
  EXPECT_EQ(send(1000ms), std::nullopt);            // the one at 0 is exactly a second old
  EXPECT_EQ(send(1050ms), DenyReason::kOrderRate);  // 100, 200 and 1000
  EXPECT_EQ(send(1250ms), std::nullopt);            // only 1000 is left; the ring wraps here
  EXPECT_EQ(send(1300ms), std::nullopt);            // 1000 and 1250
  EXPECT_EQ(send(1400ms), DenyReason::kOrderRate);  // 1000, 1250 and 1300
  EXPECT_EQ(send(2300ms), std::nullopt);            // 1300 only
  EXPECT_EQ(d.gate->denied(DenyReason::kOrderRate), 3u);
}

TEST(ComplianceGate, SellsCountWorkingSellsAgainstTheHolding) {
  Desk d;
  EXPECT_EQ(denial(d.propose(d.order(1, 0, d.spy, Side::kSell, "600"))), std::nullopt);
  EXPECT_EQ(denial(d.propose(d.order(2, 0, d.spy, Side::kSell, "401"))), DenyReason::kOversell);
  EXPECT_EQ(denial(d.propose(d.order(3, 0, d.spy, Side::kSell, "400"))), std::nullopt);
}

TEST(ComplianceGate, AppliesAccountOverrides) {
  Desk d;
  AccountOverrides ov;
  ov.no_buy = {"SPY"};
  d.gate->set_account_overrides(d.accts[1], ov);
  EXPECT_EQ(denial(d.propose(d.order(1, 1, d.spy, Side::kBuy, "1"))), DenyReason::kNoBuy);
  EXPECT_EQ(denial(d.propose(d.order(2, 1, d.spy, Side::kSell, "1"))), std::nullopt);
  EXPECT_EQ(denial(d.propose(d.order(3, 0, d.spy, Side::kBuy, "1"))), std::nullopt);
}

TEST(ComplianceGate, DeniesOnAStaleMarketReference) {
  Desk d;
  const Timestamp later = kNow + d.cfg.reference_stale_after + 1ns;
  EXPECT_EQ(denial(d.propose(d.order(1, 0, d.spy, Side::kBuy, "1"), later)),
            DenyReason::kReferencePriceStale);
}

TEST(ComplianceGate, JudgesAReplaceWithoutTheOrderItReplaces) {
  ComplianceConfig c;
  c.max_open_orders_per_instrument = 1;
  Desk d(c);
  EXPECT_EQ(denial(d.propose(d.order(1, 0, d.spy, Side::kSell, "800"))), std::nullopt);
  // Replacing 800 by 1000 fits the 1000 held only because the 800 is taken out first; the open
  // order it replaces does not count against the limit of one.
  auto r = d.order(2, 0, d.spy, Side::kSell, "1000");
  r.replaces = OrderId{1};
  const auto& out = d.propose(r);
  ASSERT_TRUE(std::holds_alternative<ReplaceOrder>(out));
  EXPECT_EQ(std::get<ReplaceOrder>(out).orig_order, OrderId{1});
  EXPECT_EQ(d.gate->open_orders(d.accts[0], d.spy), 1u);
  auto r2 = d.order(3, 0, d.spy, Side::kSell, "1000.000001");
  r2.replaces = OrderId{2};
  EXPECT_EQ(denial(d.propose(r2)), DenyReason::kOversell);
}

// ------------------------------------------------------------------------------- kill switch

std::size_t count_cancels(const ComplianceOutbox& out, std::vector<std::uint64_t>* ids = nullptr) {
  std::size_t n = 0;
  for (const auto& o : out)
    if (const auto* c = std::get_if<CancelOrder>(&o)) {
      ++n;
      if (ids) ids->push_back(c->orig_order.value);
    }
  return n;
}

std::optional<KillReason> tripped(const ComplianceOutbox& out) {
  for (const auto& o : out)
    if (const auto* k = std::get_if<KillSwitchTripped>(&o)) return k->reason;
  return std::nullopt;
}

TEST(ComplianceKillSwitch, GlobalKillCancelsEveryWorkingChildAndBlocksNewOrders) {
  Desk d;
  (void)d.propose(d.order(1, 0, d.spy, Side::kBuy, "1"));
  (void)d.propose(d.order(2, 0, d.agg, Side::kSell, "1"));
  (void)d.propose(d.order(3, 1, d.spy, Side::kBuy, "1"));
  d.out.clear();
  d.gate->on_control_command(d.kill(ControlAction::kKillSwitchOn), kNow, d.out);
  std::vector<std::uint64_t> ids;
  EXPECT_EQ(count_cancels(d.out, &ids), 3u);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(tripped(d.out), KillReason::kOperator);
  for (std::uint64_t id = 10; id < 20; ++id) {
    const auto& r = d.propose(d.order(id, static_cast<int>(id % 2), d.spy, Side::kBuy, "1"));
    EXPECT_EQ(denial(r), DenyReason::kKillSwitch);
    for (const auto& o : d.out) EXPECT_FALSE(std::holds_alternative<SubmitOrder>(o));
  }
  // A second kill does not cancel the same children again.
  d.out.clear();
  d.gate->on_control_command(d.kill(ControlAction::kKillSwitchOn), kNow, d.out);
  EXPECT_EQ(count_cancels(d.out), 0u);
  d.gate->on_control_command(d.kill(ControlAction::kKillSwitchOff), kNow, d.out);
  EXPECT_TRUE(
      std::holds_alternative<SubmitOrder>(d.propose(d.order(30, 0, d.spy, Side::kBuy, "5"))));
}

TEST(ComplianceKillSwitch, AccountKillTouchesOnlyThatAccount) {
  Desk d;
  (void)d.propose(d.order(1, 0, d.spy, Side::kBuy, "1"));
  (void)d.propose(d.order(2, 1, d.spy, Side::kBuy, "1"));
  (void)d.propose(d.order(3, 1, d.agg, Side::kBuy, "1"));
  d.out.clear();
  d.gate->on_control_command(d.kill(ControlAction::kKillSwitchOn, d.accts[1]), kNow, d.out);
  std::vector<std::uint64_t> ids;
  EXPECT_EQ(count_cancels(d.out, &ids), 2u);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(denial(d.propose(d.order(4, 1, d.spy, Side::kBuy, "2"))), DenyReason::kKillSwitch);
  EXPECT_EQ(denial(d.propose(d.order(5, 0, d.spy, Side::kBuy, "2"))), std::nullopt);
  d.gate->on_control_command(d.kill(ControlAction::kKillSwitchOff, d.accts[1]), kNow, d.out);
  EXPECT_EQ(denial(d.propose(d.order(6, 1, d.spy, Side::kBuy, "3"))), std::nullopt);
}

TEST(ComplianceKillSwitch, AGlobalSweepNumbersItsCancelsAndAnAccountsCancelsAreNoSweep) {
  // CancelOrder::sweep: one number for every cancel of a global kill or cancel-all (a session
  // with mass_cancel covers them with one 35=q), a new one per sweep; 0 for an account's.
  Desk d;
  (void)d.propose(d.order(1, 0, d.spy, Side::kBuy, "1"));
  (void)d.propose(d.order(2, 1, d.spy, Side::kBuy, "1"));
  (void)d.propose(d.order(3, 1, d.agg, Side::kBuy, "1"));
  const auto sweeps = [&] {
    std::vector<std::uint32_t> v;
    for (const auto& e : d.out) {
      if (const auto* c = std::get_if<CancelOrder>(&e)) v.push_back(c->sweep);
    }
    return v;
  };
  d.out.clear();
  d.gate->on_control_command(d.kill(ControlAction::kKillSwitchOn, d.accts[1]), kNow, d.out);
  EXPECT_EQ(sweeps(), (std::vector<std::uint32_t>{0, 0}));
  d.out.clear();
  d.gate->on_control_command(d.kill(ControlAction::kKillSwitchOn), kNow, d.out);
  EXPECT_EQ(sweeps(), (std::vector<std::uint32_t>{1})) << "the one order not being cancelled";
  d.out.clear();
  d.gate->on_control_command(d.kill(ControlAction::kKillSwitchOn), kNow, d.out);
  EXPECT_EQ(sweeps(), (std::vector<std::uint32_t>{})) << "nothing left to cancel";

  Desk e;
  (void)e.propose(e.order(4, 0, e.spy, Side::kBuy, "1"));
  (void)e.propose(e.order(5, 1, e.agg, Side::kBuy, "1"));
  e.out.clear();
  e.gate->on_control_command(e.kill(ControlAction::kCancelAll), kNow, e.out);
  std::vector<std::uint32_t> v;
  for (const auto& ev : e.out) {
    if (const auto* c = std::get_if<CancelOrder>(&ev)) v.push_back(c->sweep);
  }
  EXPECT_EQ(v, (std::vector<std::uint32_t>{1, 1})) << "a global cancel-all is a sweep";
}

TEST(ComplianceKillSwitch, TripsOnARejectStorm) {
  ComplianceConfig c;
  c.kill_switch.reject_storm_count = 3;
  c.kill_switch.reject_storm_window = 1s;
  Desk d(c);
  (void)d.propose(d.order(1, 0, d.spy, Side::kBuy, "1"));
  d.out.clear();
  MessageRejected m;
  d.gate->on_message_rejected(m, kNow, d.out);
  d.gate->on_message_rejected(m, kNow + 2s, d.out);  // outside the window of the next two
  d.gate->on_message_rejected(m, kNow + 2500ms, d.out);
  EXPECT_FALSE(tripped(d.out));
  d.gate->on_message_rejected(m, kNow + 2900ms, d.out);
  EXPECT_EQ(tripped(d.out), KillReason::kRejectStorm);
  EXPECT_EQ(count_cancels(d.out), 1u);
  d.quote(d.spy, kNow + 3s);
  EXPECT_EQ(denial(d.propose(d.order(2, 0, d.spy, Side::kBuy, "2"), kNow + 3s)),
            DenyReason::kKillSwitch);
}

TEST(ComplianceKillSwitch, TripsOnARunawayOrderRate) {
  ComplianceConfig c;
  c.kill_switch.order_rate_runaway = 5;
  Desk d(c);
  // Five proposals in a second are allowed (denied ones count too); the sixth trips.
  for (std::uint64_t id = 1; id <= 5; ++id) {
    (void)d.propose(d.order(id, 0, d.spy, Side::kBuy, std::to_string(id).c_str()), kNow + id * 1ms);
    EXPECT_FALSE(tripped(d.out));
  }
  const auto& r = d.propose(d.order(6, 0, d.agg, Side::kBuy, "1"), kNow + 6ms);
  EXPECT_EQ(tripped(d.out), KillReason::kOrderRate);
  EXPECT_EQ(count_cancels(d.out), 5u);
  EXPECT_EQ(denial(r), DenyReason::kKillSwitch);
}

TEST(ComplianceKillSwitch, TripsOnSentVersusIntendedMismatch) {
  Desk d;
  ASSERT_TRUE(d.gate->register_parent(OrderId{100}, d.accts[0], qty("10")));
  auto a = d.order(1, 0, d.spy, Side::kBuy, "6");
  auto b = d.order(2, 0, d.spy, Side::kBuy, "4");
  auto c = d.order(3, 0, d.spy, Side::kBuy, "0.000001");
  EXPECT_EQ(denial(d.propose(a)), std::nullopt);
  EXPECT_EQ(denial(d.propose(b)), std::nullopt);  // exactly the intended 10
  const auto& r = d.propose(c);                   // one unit more: the Knight case
  EXPECT_EQ(denial(r), DenyReason::kKillSwitch);
  EXPECT_EQ(tripped(d.out), KillReason::kSentIntendedMismatch);
  EXPECT_EQ(count_cancels(d.out), 2u);
  EXPECT_TRUE(d.gate->kill_active(d.accts[0]));
  EXPECT_FALSE(d.gate->kill_active(d.accts[1]));
}

TEST(ComplianceKillSwitch, TheMismatchToleranceAllowsThatMuchOvershootAndNoMore) {
  // compliance.kill_switch.mismatch_tolerance 0.5: a parent of 10 may send up to 15; the 0.000001
  // over it trips the switch (with the default 0, the same 14 would have tripped it).
  ComplianceConfig c;
  c.kill_switch.mismatch_tolerance = 0.5;
  Desk d(c);
  ASSERT_TRUE(d.gate->register_parent(OrderId{100}, d.accts[0], qty("10")));
  EXPECT_EQ(denial(d.propose(d.order(1, 0, d.spy, Side::kBuy, "9"))), std::nullopt);
  EXPECT_EQ(denial(d.propose(d.order(2, 0, d.spy, Side::kBuy, "5"))), std::nullopt);
  EXPECT_EQ(denial(d.propose(d.order(3, 0, d.spy, Side::kBuy, "1"))), std::nullopt);  // 15
  EXPECT_FALSE(tripped(d.out));
  const auto& r = d.propose(d.order(4, 0, d.spy, Side::kBuy, "0.000001"));
  EXPECT_EQ(denial(r), DenyReason::kKillSwitch);
  EXPECT_EQ(tripped(d.out), KillReason::kSentIntendedMismatch);
}

// The gate as a component of the real core loop: proposals in, SubmitOrder / OrderDenied out.
TEST(ComplianceGate, RunsAsAComponentOfTheCoreLoop) {
  struct Sink {
    std::vector<Event> published;
    void on_input(const Event&) {}
    bool try_publish(const Event& e) {
      published.push_back(e);
      return true;
    }
  };
  Desk d;
  ManualClock clock{kNow};
  Sink sink;
  CoreLoop loop(clock, *d.gate, sink);
  loop.process(d.order(1, 0, d.spy, Side::kBuy, "1"));
  loop.process(d.order(2, 0, d.spy, Side::kSell, "100000"));  // far more than held: oversell
  ASSERT_EQ(sink.published.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<SubmitOrder>(sink.published[0]));
  const auto* denied = std::get_if<OrderDenied>(&sink.published[1]);
  ASSERT_NE(denied, nullptr);
  EXPECT_EQ(denied->reason, DenyReason::kOversell);
  EXPECT_EQ(d.gate->denied(DenyReason::kOversell), 1u);
}

}  // namespace
}  // namespace ballast
