// The operator's commands change what the engine does (issue 17): pausing triggers, by model,
// by account or for every account, stops rebalances of the accounts in scope and of no other;
// resuming the same scope lets the next evaluation trigger. Driven offline, one input at a time,
// as the core takes them from its queue (the HTTP server's commands arrive the same way).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ballast/execution/rebalancer.hpp"
#include "ballast/execution/slicing_engine.hpp"
#include "support/kernel_test_support.hpp"

namespace ballast {
namespace {

// Three accounts far from their targets (all cash): A1 and A3 follow model m, A2 model n.
const std::string kDesk =
    "instruments:\n  - {symbol: AAPL}\n  - {symbol: AMZN}\n  - {symbol: GOOG}\n"
    "triggers:\n  absolute: {band: 0.05}\n  cool_down: 1m\n"
    "  trading_hours: {start: \"09:35\", end: \"15:55\"}\n  cost_benefit: {enabled: false}\n"
    "models:\n"
    "  - {id: m, weights: {AAPL: 0.30, AMZN: 0.30, GOOG: 0.30}, cash_buffer: 0.10}\n"
    "  - {id: n, weights: {AAPL: 0.50, AMZN: 0.40}, cash_buffer: 0.10}\n"
    "accounts:\n"
    "  - {id: A1, model: m, cash: 100000.00}\n"
    "  - {id: A2, model: n, cash: 100000.00}\n"
    "  - {id: A3, model: m, cash: 100000.00}\n"
    "compliance: {max_adv_share: off}\n"
    "journal: {enabled: false}\n";

struct Driver {
  std::unique_ptr<kernel::Kernel> k;
  std::vector<Event> observed, intents;
  int minute = 0;

  explicit Driver(const config::Settings& s) {
    auto made = test::offline_kernel(s);
    EXPECT_TRUE(made) << made.error().message;
    k = std::move(made.value());
    k->observe_offline(&observed);
  }
  ~Driver() {
    if (k) k->observe_offline(nullptr);
  }
  Timestamp now() const { return us_eastern_to_utc(test::kKernelSession, 10 * 60 + minute); }
  void command(ControlAction a, AccountId account = {}, ModelId model = {}) {
    ControlCommand c{};
    c.hdr.event_time = now();
    c.action = a;
    c.account = account;
    if (model.valid()) c.model_plus_one = static_cast<std::uint16_t>(model.value + 1);
    k->feed_offline(c, now(), intents);
  }
  /// Quotes for every instrument 2 minutes on (past the cool-down), each a little moved (a mark
  /// that does not change evaluates nothing): the accounts whose
  /// rebalance they triggered.
  std::set<std::uint32_t> tick() {
    minute += 2;
    observed.clear();
    const std::int64_t mids[3] = {58'000, 22'000, 57'000};
    for (std::uint32_t i = 0; i < 3; ++i) {
      k->feed_offline(test::quote_of(InstrumentId{i}, now(), mids[i] + minute), now(), intents);
    }
    std::set<std::uint32_t> fired;
    for (const Event& e : observed) {
      if (const auto* t = std::get_if<RebalanceTriggered>(&e)) fired.insert(t->account.value);
    }
    return fired;
  }
};

TEST(OperatorCommands, PausingTriggersStopsRebalancesInItsScopeOnly) {
  auto s = test::settings_of(kDesk);
  ASSERT_TRUE(s);
  Driver d(*s);
  const AccountId a1 = d.k->accounts()[0], a2 = d.k->accounts()[1], a3 = d.k->accounts()[2];
  const ModelId m{0}, n{1};

  // Every account: nothing triggers, however many ticks.
  d.command(ControlAction::kPauseTriggers);
  EXPECT_EQ(d.k->live().triggers_paused_global.load(), 1);
  EXPECT_EQ(d.k->live().accounts_paused.value(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(d.tick().empty()) << "global pause, tick " << i;
  EXPECT_GT(d.k->monitor().counters().paused, 0u);

  // Resumed, with model m paused: only A2 (model n) triggers.
  d.command(ControlAction::kResumeTriggers);
  d.command(ControlAction::kPauseTriggers, {}, m);
  EXPECT_EQ(d.k->live().triggers_paused_global.load(), 0);
  EXPECT_EQ(d.tick(), (std::set<std::uint32_t>{a2.value})) << "model m paused: only A2";
  EXPECT_TRUE(d.k->monitor().paused(a1));
  EXPECT_TRUE(d.k->monitor().paused(a3));
  EXPECT_FALSE(d.k->monitor().paused(a2));
  EXPECT_EQ(d.k->monitor().accounts_paused(), 2u);
  EXPECT_EQ(d.k->live().accounts_paused.value(), 2u);

  // A3 paused on its own as well: resuming model m leaves it paused.
  d.command(ControlAction::kPauseTriggers, a3);
  d.command(ControlAction::kResumeTriggers, {}, m);
  EXPECT_EQ(d.tick(), (std::set<std::uint32_t>{a1.value})) << "m resumed, A3 still paused";
  d.command(ControlAction::kResumeTriggers, a3);
  EXPECT_EQ(d.k->live().accounts_paused.value(), 0u);
  EXPECT_EQ(d.tick(), (std::set<std::uint32_t>{a3.value})) << "A3 resumed";
  // A model the desk does not have, and an account out of range, change nothing.
  d.command(ControlAction::kPauseTriggers, AccountId{99});
  d.command(ControlAction::kPauseTriggers, {}, n);
  EXPECT_FALSE(d.k->monitor().paused(a1));
  EXPECT_TRUE(d.k->monitor().paused(a2));
}

/// One market minute on: fresh quotes for every instrument every 4 s (a mark older than
/// market_data_quality.stale_after, 5 s, is stale), and each timer fired at its due time; what the
/// core emitted goes to `out`.
void minute_on(Driver& d, std::vector<Event>& out) {
  const std::int64_t start = d.now().ns;
  d.minute += 1;
  const std::int64_t mids[3] = {58'000, 22'000, 57'000};
  for (int sec = 4; sec <= 60; sec += 4) {
    const Timestamp t{start + sec * 1'000'000'000LL};
    while (const auto due = d.k->next_timer_due_offline()) {
      if (*due > t) break;
      d.k->advance_market_clock_offline(*due, out);
    }
    for (std::uint32_t i = 0; i < 3; ++i) {
      d.k->feed_offline(test::quote_of(InstrumentId{i}, t, mids[i] + (sec / 4) % 3), t, out);
    }
  }
}

/// Runs the desk until every account has children working at the broker (each acknowledged):
/// the orders sent, by id.
std::map<std::uint64_t, SubmitOrder> trade_until_working(Driver& d) {
  std::map<std::uint64_t, SubmitOrder> sent;
  int acks = 0;
  for (int step = 0; step < 20; ++step) {
    std::vector<Event> out;
    minute_on(d, out);
    for (const Event& e : out) {
      if (const auto* so = std::get_if<SubmitOrder>(&e)) {
        sent[so->order.value] = *so;
        d.k->feed_offline(test::ack_of(*so, "ACK" + std::to_string(++acks)), d.now(), d.intents);
      }
    }
    std::set<std::uint32_t> with_orders;
    for (const auto& [id, so] : sent) with_orders.insert(so.account.value);
    if (with_orders.size() == 3) break;
  }
  return sent;
}

TEST(OperatorCommands, CancelAllCancelsAnAccountsWorkingOrdersAndEndsItsParents) {
  auto s = test::settings_of(kDesk);
  ASSERT_TRUE(s);
  Driver d(*s);
  const AccountId a1 = d.k->accounts()[0];
  auto sent = trade_until_working(d);
  std::set<std::uint64_t> a1_working;
  d.k->orders().for_each_live_child([&](const ChildOrder& c) {
    if (c.account() == a1) a1_working.insert(c.id().value);
  });
  ASSERT_FALSE(a1_working.empty()) << "A1 has orders working";
  ASSERT_TRUE(d.k->slicer().has_active_parent(a1));

  d.intents.clear();
  d.command(ControlAction::kCancelAll, a1);
  std::set<std::uint64_t> cancelled;
  std::vector<CancelOrder> cancels;
  for (const Event& e : d.intents) {
    if (const auto* c = std::get_if<CancelOrder>(&e)) {
      cancelled.insert(c->orig_order.value);
      cancels.push_back(*c);
    }
  }
  EXPECT_EQ(cancelled, a1_working) << "every working order of A1, and only those, cancelled";

  // Minutes on: A1 gets no new order (its parents are ending); the others trade on.
  d.intents.clear();
  std::set<std::uint32_t> new_for;
  for (int i = 0; i < 5; ++i) minute_on(d, d.intents);
  for (const Event& e : d.intents) {
    if (const auto* so = std::get_if<SubmitOrder>(&e)) new_for.insert(so->account.value);
  }
  EXPECT_EQ(new_for.count(a1.value), 0u) << "no new order for A1 after its cancel-all";
  EXPECT_TRUE(d.k->slicer().has_active_parent(a1)) << "its parents wait for the cancels' answers";

  // The broker confirms the cancels: A1's parents close at their next step.
  int n = 0;
  for (const CancelOrder& c : cancels) {
    d.k->feed_offline(
        test::canceled_of(sent.at(c.orig_order.value), c, "CXL" + std::to_string(++n)), d.now(),
        d.intents);
  }
  // The minutes after: A1's parents close, nothing new is proposed for them, and once the last
  // has closed A1 (still far from its targets, its cool-down long past) is re-armed and triggers
  // again rather than staying disarmed for the day.
  std::vector<Event> all;
  d.observed.clear();
  for (int i = 0; i < 5; ++i) {
    minute_on(d, d.intents);
    all.insert(all.end(), d.observed.begin(), d.observed.end());
    d.observed.clear();
  }
  EXPECT_GT(d.k->slicer().counters().cancelled_by_operator, 0u);
  std::ptrdiff_t last_close = -1, retrigger = -1, first_child = -1;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (const auto* pc = std::get_if<ParentOrderClosed>(&all[i]); pc && pc->account == a1) {
      last_close = static_cast<std::ptrdiff_t>(i);
    }
    if (const auto* t = std::get_if<RebalanceTriggered>(&all[i]);
        t && t->account == a1 && retrigger < 0) {
      retrigger = static_cast<std::ptrdiff_t>(i);
    }
    if (const auto* c = std::get_if<ChildOrderProposed>(&all[i]);
        c && c->account == a1 && first_child < 0) {
      first_child = static_cast<std::ptrdiff_t>(i);
    }
  }
  EXPECT_GE(last_close, 0) << "A1's parents closed";
  EXPECT_GT(retrigger, last_close) << "A1 re-armed once its cancelled parents closed";
  EXPECT_TRUE(first_child < 0 || first_child > retrigger)
      << "no child for A1 before its new rebalance";
  const bool again = retrigger > last_close;
  EXPECT_TRUE(again) << "A1 re-armed once its cancelled parents closed";
}

TEST(OperatorCommands, AModelsKillSwitchStopsItsAccountsOnly) {
  auto s = test::settings_of(kDesk);
  ASSERT_TRUE(s);
  Driver d(*s);
  const AccountId a1 = d.k->accounts()[0], a2 = d.k->accounts()[1], a3 = d.k->accounts()[2];
  const ModelId n{1};
  auto sent = trade_until_working(d);
  d.intents.clear();
  d.command(ControlAction::kKillSwitchOn, {}, n);
  EXPECT_TRUE(d.k->gate().kill_active(a2));
  EXPECT_FALSE(d.k->gate().kill_active(a1));
  EXPECT_FALSE(d.k->gate().kill_active(a3));
  EXPECT_FALSE(d.k->gate().kill_global());
  std::set<std::uint32_t> cancelled_accounts;
  for (const Event& e : d.intents) {
    if (const auto* c = std::get_if<CancelOrder>(&e)) {
      cancelled_accounts.insert(sent.at(c->orig_order.value).account.value);
    }
  }
  EXPECT_EQ(cancelled_accounts, (std::set<std::uint32_t>{a2.value}))
      << "model n's working orders (A2's), and no other, cancelled";
  d.command(ControlAction::kKillSwitchOff, {}, n);
  EXPECT_FALSE(d.k->gate().kill_active(a2));
  // Releasing a model lifts only the kills its command made: A1, stopped on its own before,
  // stays stopped; A3 is released.
  const ModelId m{0};
  d.command(ControlAction::kKillSwitchOn, a1);
  d.command(ControlAction::kKillSwitchOn, {}, m);
  EXPECT_TRUE(d.k->gate().kill_active(a1));
  EXPECT_TRUE(d.k->gate().kill_active(a3));
  d.command(ControlAction::kKillSwitchOff, {}, m);
  EXPECT_TRUE(d.k->gate().kill_active(a1)) << "A1's own kill outlives its model's release";
  EXPECT_FALSE(d.k->gate().kill_active(a3));
}

/// The parents requested in `events`, by account.
std::set<std::uint32_t> accounts_requested(const std::vector<Event>& events) {
  std::set<std::uint32_t> out;
  for (const Event& e : events) {
    if (const auto* r = std::get_if<ParentOrderRequested>(&e)) out.insert(r->account.value);
  }
  return out;
}

TEST(OperatorCommands, ManualApprovalHoldsTradeListsUntilApprovedOrRejected) {
  auto s = test::settings_of(kDesk + "approval: {mode: manual, expire_after: 10m}\n");
  ASSERT_TRUE(s);
  Driver d(*s);
  const AccountId a1 = d.k->accounts()[0], a2 = d.k->accounts()[1], a3 = d.k->accounts()[2];
  std::vector<Event> out;
  minute_on(d, out);
  EXPECT_EQ(d.k->rebalancer().proposals().size(), 3u) << "every account's list waits";
  EXPECT_TRUE(accounts_requested(d.observed).empty()) << "nothing goes to the market";
  EXPECT_EQ(d.k->live().approvals_waiting.value(), 3u);
  // A later trigger of a waiting account waits too (no second list).
  minute_on(d, out);
  minute_on(d, out);
  EXPECT_EQ(d.k->rebalancer().proposals().size(), 3u);

  d.observed.clear();
  d.command(ControlAction::kApproveRebalance, a1);
  EXPECT_EQ(accounts_requested(d.observed), (std::set<std::uint32_t>{a1.value}))
      << "approving A1 sends its list, and only its";
  d.observed.clear();
  d.command(ControlAction::kRejectRebalance, a2);
  EXPECT_TRUE(accounts_requested(d.observed).empty());
  bool deferred = false;
  for (const Event& e : d.observed) {
    if (const auto* r = std::get_if<RebalanceDeferred>(&e)) {
      deferred = deferred || (r->account == a2 && r->reason == DeferReason::kNotApproved);
    }
  }
  EXPECT_TRUE(deferred) << "a rejected list lets the account trigger again";
  EXPECT_EQ(d.k->rebalancer().proposals().size(), 1u);
  EXPECT_EQ(d.k->rebalancer().counters().approved, 1u);
  EXPECT_EQ(d.k->rebalancer().counters().rejected, 1u);
  // Past the cool-down A2, still far from its targets, proposes again.
  d.observed.clear();
  for (int i = 0; i < 3; ++i) minute_on(d, out);
  bool a2_again = false;
  for (const auto& p : d.k->rebalancer().proposals()) a2_again = a2_again || p.account == a2;
  EXPECT_TRUE(a2_again) << "A2 proposed again after its rejection";

  // A3's list is older than expire_after when approved: dropped, not sent.
  for (int i = 0; i < 11; ++i) minute_on(d, out);
  d.observed.clear();
  d.command(ControlAction::kApproveRebalance, a3);
  EXPECT_EQ(accounts_requested(d.observed).count(a3.value), 0u) << "an expired list is not sent";
  EXPECT_EQ(d.k->rebalancer().counters().expired, 1u);
}

TEST(OperatorCommands, AboveValueApprovalHoldsOnlyLargeTradeLists) {
  // A2 is ten times the others: only its list is above the threshold.
  std::string desk = kDesk;
  const std::string a2 = "  - {id: A2, model: n, cash: 100000.00}\n";
  desk.replace(desk.find(a2), a2.size(), "  - {id: A2, model: n, cash: 1000000.00}\n");
  auto s = test::settings_of(desk + "approval: {mode: above_value, above_value: 500000.00}\n");
  ASSERT_TRUE(s);
  Driver d(*s);
  std::vector<Event> out;
  minute_on(d, out);
  ASSERT_EQ(d.k->rebalancer().proposals().size(), 1u);
  EXPECT_EQ(d.k->rebalancer().proposals()[0].account, d.k->accounts()[1]);
  EXPECT_GT(d.k->rebalancer().proposals()[0].gross, Money::from_units(500'000));
  EXPECT_EQ(accounts_requested(d.observed),
            (std::set<std::uint32_t>{d.k->accounts()[0].value, d.k->accounts()[2].value}));
}

TEST(OperatorCommands, ApprovalSettingsAreChecked) {
  auto refused = [](const std::string& section, const std::string& says) {
    const auto loaded = config::load_string(kDesk + section, "test desk");
    std::string all;
    for (const auto& d : loaded.diagnostics) all += config::format(d) + "\n";
    EXPECT_FALSE(loaded.ok()) << section;
    EXPECT_NE(all.find(says), std::string::npos) << all;
  };
  refused("approval: {mode: above_value}\n", "approval.above_value");
  refused("approval: {mode: manual, above_value: 100.00}\n", "applies to mode above_value only");
  refused("approval: {mode: sometimes}\n", "approval.mode");
  refused("approval: {mode: manual, expire_after: 0s}\n", "approval.expire_after");
  EXPECT_TRUE(config::load_string(kDesk + "approval: {mode: auto}\n", "test desk").ok());
}

}  // namespace
}  // namespace ballast
